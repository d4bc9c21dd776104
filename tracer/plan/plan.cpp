#include "plan/plan.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>

namespace epscope::plan {
namespace {

// Functions of fs/eventpoll.c that every kernel epscope supports has in its source: when one
// is missing from kallsyms, the compiler inlined it.
bool always_in_source(const std::string& fn) {
    static const std::set<std::string> names = {"ep_insert",
                                                "ep_poll",
                                                "ep_send_events",
                                                "ep_start_scan",
                                                "ep_done_scan",
                                                "ep_poll_callback",
                                                "ep_item_poll",
                                                "ep_remove",
                                                "ep_modify",
                                                "do_epoll_ctl",
                                                "do_epoll_wait",
                                                "do_epoll_create",
                                                "ep_ptable_queue_proc",
                                                "ep_autoremove_wake_function",
                                                "eventpoll_release_file"};
    return names.count(fn) != 0;
}

std::string join(const std::set<std::string>& s, const char* sep) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : sep) + x;
    return out;
}

// Why `fn` has no symbol of its own, in one phrase.
std::string absent_phrase(const KernelDescription& d, const std::string& fn) {
    const auto clones = d.clones_of(fn);
    if (!clones.empty())
        return fn + " exists only as " + join(clones, ", ") + " (changed calling convention)";
    // Up to 5.10 a harvest is ep_scan_ready_list() with ep_send_events_proc: the scan
    // functions of 5.11 on were never written there.
    if ((fn == "ep_start_scan" || fn == "ep_done_scan") && d.has_symbol("ep_send_events_proc"))
        return fn + " is not in this kernel (a harvest is ep_scan_ready_list here)";
    return fn + (always_in_source(fn) ? " is inlined here" : " is not in this kernel");
}

// Empty when `fn` can carry a program of `backend`, else the reason it cannot.
std::string unhookable(const KernelDescription& d, Backend backend, const std::string& fn) {
    if (!d.has_symbol(fn)) return absent_phrase(d, fn);
    if (backend == Backend::Fentry && !d.has_btf_func(fn)) return fn + " has no BTF record";
    return "";
}

bool hookable(const KernelDescription& d, Backend b, const std::string& fn) {
    return unhookable(d, b, fn).empty();
}

std::string entry_prefix(Backend b) { return b == Backend::Fentry ? "fentry" : "kprobe"; }
std::string exit_prefix(Backend b) { return b == Backend::Fentry ? "fexit" : "kretprobe"; }

ProgramAttach entry(Backend b, const std::string& program_fn, const std::string& target) {
    return {entry_prefix(b) + "_" + program_fn,
            b == Backend::Fentry ? AttachKind::Fentry : AttachKind::Kprobe, target};
}
ProgramAttach entry(Backend b, const std::string& fn) { return entry(b, fn, fn); }
// Functions threads can sleep in for long: the wait, and those taking a contended
// instance's mutex inside (epoll_ctl; 5.10's ep_scan_ready_list, a compiler clone there).
// A kretprobe on one needs an instance per sleeper, machine-wide. The others keep the
// kernel's default (2 per CPU: a thread inside holds its CPU); their misses are counted.
bool threads_sleep_in(const std::string& fn) {
    return fn == "do_epoll_wait" || fn == "do_epoll_ctl" || fn.starts_with("ep_scan_ready_list");
}

// Every kretprobe of the plan is made here, so each gets its instances by one rule.
ProgramAttach kretprobe(const std::string& program, const std::string& fn) {
    return {program, AttachKind::Kretprobe, fn, threads_sleep_in(fn) ? kMaxKretprobeInstances : 0};
}

ProgramAttach exit_of(Backend b, const std::string& fn) {
    const std::string program = exit_prefix(b) + "_" + fn;
    if (b != Backend::Fentry) return kretprobe(program, fn);
    return {program, AttachKind::Fexit, fn};
}
ProgramAttach tracepoint(const std::string& name) {
    return {"tp_" + name, AttachKind::Tracepoint, "syscalls/" + name};
}

// "fentry ep_poll_callback": how a program reads in a reason.
std::string said(const ProgramAttach& p) {
    std::string s = std::string(to_string(p.kind)) + " " + p.target;
    if (p.maxactive) s += " (" + std::to_string(p.maxactive) + " instances)";
    return s;
}

// The parameter list of a recorded prototype "ret (a, b)" split at top-level commas.
std::vector<std::string> params_of(const std::string& proto) {
    std::vector<std::string> out;
    const auto open = proto.find('(');
    if (open == std::string::npos) return out;
    int depth = 0;
    std::string cur;
    for (size_t i = open + 1; i < proto.size(); ++i) {
        const char c = proto[i];
        if (c == '(') ++depth;
        if (c == ')' && depth-- == 0) break;
        if (c == ',' && depth == 0) {
            out.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.push_back(cur);
    for (auto& p : out) p.erase(0, p.find_first_not_of(' '));
    return out;
}

// Whether `fn` takes parameters of these types first (the removal target: (struct
// eventpoll *, struct epitem *); ep_refcount_dec_and_test: the instance), so the program
// reads them. Without a recorded prototype (no BTF: kprobe only) the name has to do.
bool takes_first(const KernelDescription& d, const std::string& fn,
                 std::initializer_list<const char*> types) {
    const auto it = d.btf_funcs.find(fn);
    if (it == d.btf_funcs.end() || it->second.empty()) return !d.btf;
    const auto ps = params_of(it->second);
    if (ps.size() < types.size()) return false;
    size_t i = 0;
    for (const char* t : types)
        if (ps[i++].rfind(t, 0) != 0) return false;
    return true;
}

// A logical hook on a kernel-function backend: programs if every required function is
// hookable, else nullopt and `why` says which function is missing.
struct Attempt {
    std::optional<HookPlan> plan;
    std::string why;
};

// Up to 5.10 a harvest runs in ep_scan_ready_list() around ep_send_events_proc(ep, txlist,
// priv): its entry is the begin (the ready list already spliced onto txlist, the overflow
// list active), its return sees what ep_done_scan's entry sees on later kernels. The scan's
// own return (the overflow list deactivated), for verify mode, is a kretprobe on
// ep_scan_ready_list or its clone: fexit cannot reach a clone.
Attempt harvest_in_send_events_proc(const KernelDescription& d, Backend b,
                                    const std::string& why_not_done_scan, HookPlan hp) {
    const bool fentry = b == Backend::Fentry;
    hp.programs = {
        fentry ? entry(b, "ep_start_scan", "ep_send_events_proc") : entry(b, "ep_send_events_proc"),
        exit_of(b, "ep_send_events_proc")};
    std::string scan = d.has_symbol("ep_scan_ready_list") ? "ep_scan_ready_list" : "";
    if (scan.empty() && !d.clones_of("ep_scan_ready_list").empty())
        scan = *d.clones_of("ep_scan_ready_list").begin();
    std::string r = std::string(to_string(Hook::Harvest)) + ": " + why_not_done_scan;
    const std::string start = unhookable(d, b, "ep_start_scan");
    if (!start.empty()) r += "; " + start;
    r += " -> " + said(hp.programs[0]) + " (begin: the ready list spliced onto txlist) + " +
         said(hp.programs[1]) + " (what ep_done_scan would see)";
    if (!scan.empty() && d.kprobes) {
        hp.programs.push_back(kretprobe("kretprobe_ep_done_scan", scan));
        r += " + " + said(hp.programs.back()) + " (the overflow list deactivated)";
    }
    hp.programs.push_back(exit_of(b, "do_epoll_wait"));
    r += "; items from the user buffer at " + said(hp.programs.back());
    hp.reason = r;
    return {hp, ""};
}

// What the hook builders below share: the kernel, the backend, the plan being filled, and
// the reason's wording ("insert: <why not the named function> -> <programs><tail>").
struct HookBuilder {
    const KernelDescription& d;
    Backend b;
    HookPlan hp;

    HookBuilder(const KernelDescription& kd, Backend backend, Hook h)
        : d(kd), b(backend), hp{h, backend, {}, ""} {}

    // The first of `fns` that cannot carry a program, as a reason; empty when all can.
    std::string need(std::initializer_list<const char*> fns) const {
        for (const char* fn : fns)
            if (auto why = unhookable(d, b, fn); !why.empty()) return why;
        return "";
    }
    static Attempt fail(std::string why) { return Attempt{std::nullopt, std::move(why)}; }
    Attempt done(const std::string& why_not_named, const std::vector<ProgramAttach>& shown,
                 const std::string& tail = "") {
        std::string r = std::string(to_string(hp.hook)) + ": ";
        if (!why_not_named.empty()) r += why_not_named + " -> ";
        for (size_t i = 0; i < shown.size(); ++i) r += (i ? " + " : "") + said(shown[i]);
        r += tail;
        hp.reason = r;
        return Attempt{hp, ""};
    }
};

Attempt create_hook(HookBuilder k) {
    if (auto why = k.need({"do_epoll_create"}); !why.empty()) return k.fail(why);
    k.hp.programs = {exit_of(k.b, "do_epoll_create")};
    return k.done("", k.hp.programs, " (the new instance and its fd)");
}

Attempt insert_hook(HookBuilder k) {
    if (auto why = k.need({"do_epoll_ctl", "ep_ptable_queue_proc"}); !why.empty())
        return k.fail(why);
    k.hp.programs = {entry(k.b, "do_epoll_ctl"), exit_of(k.b, "do_epoll_ctl"),
                     entry(k.b, "ep_ptable_queue_proc")};
    const std::string ins = unhookable(k.d, k.b, "ep_insert");
    return k.done(ins.empty() ? "ep_insert is hookable, but do_epoll_ctl sees every op" : ins,
                  {k.hp.programs[1], k.hp.programs[2]},
                  " (the new epitem); modify from do_epoll_ctl");
}

// The function every removal path goes through, measured in the lab
// (tests/unit/plan/data/*-remove-paths.txt): __ep_remove (6.4 era), else ep_remove_epi where
// it is out of line (6.1), else ep_remove (6.12, 6.18), which eventpoll_release_file bypasses
// when it calls ep_remove_file/ep_remove_epi itself. Empty when none is; `skipped` says why
// each candidate the kernel has was passed over.
std::string removal_target(const KernelDescription& d, Backend b, std::string& skipped) {
    for (const char* fn : {"__ep_remove", "ep_remove_epi", "ep_remove"}) {
        if (!hookable(d, b, fn)) {
            if (d.has_btf_func(fn) || !d.clones_of(fn).empty())
                skipped += (skipped.empty() ? "" : "; ") + unhookable(d, b, fn);
            continue;
        }
        if (!takes_first(d, fn, {"struct eventpoll *", "struct epitem *"})) {
            skipped += (skipped.empty() ? "" : "; ") + std::string(fn) +
                       " does not take (struct eventpoll *, struct epitem *)";
            continue;
        }
        return fn;
    }
    return "";
}

Attempt remove_hook(HookBuilder k) {
    std::string skipped;
    const std::string target = removal_target(k.d, k.b, skipped);
    if (target.empty())
        return k.fail("no function that unlinks an epitem is hookable" +
                      (skipped.empty() ? std::string() : " (" + skipped + ")"));
    k.hp.programs = {entry(k.b, "ep_remove", target)};
    const bool bypassed = target == "ep_remove" && (k.d.has_symbol("ep_remove_epi") ||
                                                    !k.d.clones_of("ep_remove_epi").empty());
    std::string tail =
        bypassed ? " (unlinks the epitem on ctl and teardown)" : " (unlinks the epitem)";
    if (hookable(k.d, k.b, "eventpoll_release_file")) {
        k.hp.programs.push_back(entry(k.b, "eventpoll_release_file"));
        k.hp.release_file_reports_items = bypassed;
        tail += " + " + said(k.hp.programs.back()) +
                (bypassed ? " (reason file close; it bypasses ep_remove, so this program "
                            "reports each item on file->f_ep)"
                          : " (reason file close)");
    } else {
        tail += "; " + unhookable(k.d, k.b, "eventpoll_release_file") +
                (bypassed ? ": file-close removals are not visible"
                          : ": file-close removals look like ctl");
    }
    for (const char* fn : {"ep_clear_and_put", "ep_free"}) {
        if (!hookable(k.d, k.b, fn)) continue;
        k.hp.programs.push_back(entry(k.b, "ep_clear_and_put", fn));
        tail += " + " + said(k.hp.programs.back()) + " (reason teardown)";
        break;
    }
    return k.done(skipped, {k.hp.programs[0]}, tail);
}

Attempt callback_hook(HookBuilder k) {
    if (auto why = k.need({"ep_poll_callback"}); !why.empty()) return k.fail(why);
    k.hp.programs = {entry(k.b, "ep_poll_callback")};
    return k.done("", k.hp.programs, " (outcome read from the item and instance)");
}

Attempt wakeup_hook(HookBuilder k) {
    if (auto why = k.need({"ep_autoremove_wake_function"}); !why.empty()) return k.fail(why);
    k.hp.programs = {entry(k.b, "ep_autoremove_wake_function")};
    return k.done("", k.hp.programs, " (the waiter woken)");
}

Attempt wait_hook(HookBuilder k) {
    if (auto why = k.need({"do_epoll_wait"}); !why.empty()) return k.fail(why);
    k.hp.programs = {entry(k.b, "do_epoll_wait"), exit_of(k.b, "do_epoll_wait")};
    std::string tail;
    if (k.b == Backend::Fentry && k.d.btf_tracepoints.count("sched_switch")) {
        k.hp.programs.push_back({"tp_btf_sched_switch", AttachKind::TpBtf, "sched_switch"});
        tail = " + tp_btf sched_switch (the waiter sleeps)";
    } else if (k.b == Backend::Kprobe && k.d.has_tracepoint("sched:sched_switch")) {
        k.hp.programs.push_back({"tp_sched_switch", AttachKind::Tracepoint, "sched/sched_switch"});
        tail = " + tracepoint sched_switch (the waiter sleeps)";
    } else {
        tail = "; no sched_switch tracepoint: the waiter's sleep is not seen";
    }
    return k.done(unhookable(k.d, k.b, "ep_poll"), {k.hp.programs[0], k.hp.programs[1]}, tail);
}

Attempt harvest_hook(HookBuilder k) {
    if (auto why = k.need({"do_epoll_wait"}); !why.empty()) return k.fail(why);
    if (auto why = unhookable(k.d, k.b, "ep_done_scan"); !why.empty()) {
        if (!hookable(k.d, k.b, "ep_send_events_proc")) return k.fail(why);
        return harvest_in_send_events_proc(k.d, k.b, why, k.hp);
    }
    std::string before = unhookable(k.d, k.b, "ep_send_events");
    std::string tail;
    if (hookable(k.d, k.b, "ep_start_scan")) {
        k.hp.programs.push_back(entry(k.b, "ep_start_scan"));
    } else {
        before += (before.empty() ? "" : "; ") + unhookable(k.d, k.b, "ep_start_scan");
        tail = " (begin inferred at ep_done_scan)";
    }
    k.hp.programs.push_back(entry(k.b, "ep_done_scan"));
    std::vector<ProgramAttach> shown = k.hp.programs;
    k.hp.programs.push_back(exit_of(k.b, "do_epoll_wait"));
    tail += "; items from the user buffer at " + said(k.hp.programs.back());
    return k.done(before, shown, tail);
}

Attempt free_hook(HookBuilder k) {
    // With the eventpoll refcount (6.4, Debian's 6.1) the instance is freed where its
    // last reference drops: at process exit its items can outlive ep_clear_and_put
    // (tests/unit/plan/data/*-remove-paths.txt, exit_teardown).
    // 7.x renamed it ep_put (same prototype, the caller frees on true).
    for (const char* fn : {"ep_refcount_dec_and_test", "ep_put"}) {
        if (!hookable(k.d, k.b, fn) || !takes_first(k.d, fn, {"struct eventpoll *"})) continue;
        ProgramAttach at_exit = exit_of(k.b, "ep_refcount_dec_and_test");
        at_exit.target = fn;
        k.hp.programs = {at_exit};
        if (k.b == Backend::Kprobe)
            k.hp.programs.insert(k.hp.programs.begin(), entry(k.b, "ep_refcount_dec_and_test", fn));
        return k.done("", {k.hp.programs.back()},
                      " returns true (the last reference: of its epoll file, or at "
                      "process exit of an item outliving ep_clear_and_put)");
    }
    for (const char* fn : {"ep_clear_and_put", "ep_free"}) {
        if (!hookable(k.d, k.b, fn)) continue;
        // At the exit: every item has been removed (TEARDOWN) by then.
        ProgramAttach at_exit = exit_of(k.b, "ep_clear_and_put");
        at_exit.target = fn;
        k.hp.programs = {at_exit};
        return k.done("", k.hp.programs, " (the instance is released)");
    }
    return k.fail(unhookable(k.d, k.b, "ep_clear_and_put") + " and " +
                  unhookable(k.d, k.b, "ep_free"));
}

// One builder per logical hook on a kernel-function backend.
Attempt kernel_hook(const KernelDescription& d, Backend b, Hook h) {
    const HookBuilder k(d, b, h);
    switch (h) {
        case Hook::Create:
            return create_hook(k);
        case Hook::Insert:
            return insert_hook(k);
        case Hook::Remove:
            return remove_hook(k);
        case Hook::Callback:
            return callback_hook(k);
        case Hook::Wakeup:
            return wakeup_hook(k);
        case Hook::Wait:
            return wait_hook(k);
        case Hook::Harvest:
            return harvest_hook(k);
        case Hook::Free:
            return free_hook(k);
    }
    return HookBuilder::fail("unknown hook");
}

// Syscall tracepoints: what user space asked and got, no kernel identities.
Attempt tracepoint_hook(const KernelDescription& d, Hook h) {
    HookPlan hp{h, Backend::Tracepoint, {}, ""};
    const std::string name = to_string(h);
    auto has = [&](const std::string& tp) { return d.has_tracepoint("syscalls:" + tp); };
    auto fail = [](std::string why) { return Attempt{std::nullopt, std::move(why)}; };
    auto names = [&]() {
        std::string s;
        for (const auto& p : hp.programs) s += (s.empty() ? "" : " + ") + p.target.substr(9);
        return s;
    };
    auto wait_exits = [&]() {
        std::vector<ProgramAttach> out;
        for (const char* w : {"epoll_wait", "epoll_pwait", "epoll_pwait2"}) {
            const std::string enter = std::string("sys_enter_") + w;
            const std::string exit = std::string("sys_exit_") + w;
            if (has(enter) && has(exit)) out.push_back(tracepoint(exit));
        }
        return out;
    };
    switch (h) {
        case Hook::Create:
            if (!has("sys_exit_epoll_create1"))
                return fail("no syscalls:sys_exit_epoll_create1 tracepoint");
            hp.programs = {tracepoint("sys_exit_epoll_create1")};
            if (has("sys_exit_epoll_create"))
                hp.programs.push_back(tracepoint("sys_exit_epoll_create"));
            hp.reason = name + ": tracepoint " + names() + " (fd only, no instance identity)";
            return {hp, ""};
        case Hook::Insert:
        case Hook::Remove:
            if (!has("sys_enter_epoll_ctl") || !has("sys_exit_epoll_ctl"))
                return fail("no syscalls:sys_enter/exit_epoll_ctl tracepoints");
            hp.programs = {tracepoint("sys_enter_epoll_ctl"), tracepoint("sys_exit_epoll_ctl")};
            hp.reason = h == Hook::Insert
                            ? name + ": tracepoint " + names() +
                                  " (syscall arguments and result, no epitem)"
                            : name +
                                  ": only EPOLL_CTL_DEL at tracepoint sys_exit_epoll_ctl; "
                                  "removal at file close or teardown is not visible";
            return {hp, ""};
        case Hook::Wait: {
            for (const char* w : {"epoll_wait", "epoll_pwait", "epoll_pwait2"}) {
                const std::string enter = std::string("sys_enter_") + w;
                const std::string exit = std::string("sys_exit_") + w;
                if (has(enter) && has(exit)) {
                    hp.programs.push_back(tracepoint(enter));
                    hp.programs.push_back(tracepoint(exit));
                }
            }
            if (hp.programs.empty())
                return fail("no syscalls:sys_enter/exit_epoll_*wait tracepoints");
            hp.reason = name + ": tracepoint " + names() + " (the waiter's sleep is not visible)";
            return {hp, ""};
        }
        case Hook::Harvest:
            hp.programs = wait_exits();
            if (hp.programs.empty()) return fail("no syscalls:sys_exit_epoll_*wait tracepoints");
            hp.reason = name + ": items from the user buffer at tracepoint " + names() +
                        "; the ready list and overflow list are not visible";
            return {hp, ""};
        case Hook::Callback:
            return fail("ep_poll_callback runs in the kernel, no syscall shows it");
        case Hook::Wakeup:
            return fail("the waiter's wakeup happens in the kernel, no syscall shows it");
        case Hook::Free:
            return fail("the instance is freed at its last close, no epoll syscall shows it");
    }
    return fail("unknown hook");
}

bool privileged(const KernelDescription& d) {
    return (d.cap_bpf && d.cap_perfmon) || d.cap_sys_admin;
}

std::string trial_phrase(const char* what, const TrialResult& t) {
    if (t.outcome == TrialResult::Outcome::NotTried)
        return std::string("trial ") + what + " on do_epoll_ctl was not tried (" + t.detail + ")";
    return std::string("trial ") + what + " on do_epoll_ctl failed (" + t.detail + ")";
}

// Why fentry loses records where kernel code is preemptible (KernelDescription::preempt).
std::string preemption_loss(const KernelDescription& d) {
    return "kernel preemption is " + d.preempt +
           ": a trampoline program preempted mid-run keeps its CPU's recursion guard and the "
           "kernel skips it for the next thread there (lost records); kprobe handlers run with "
           "preemption off";
}

// Empty if the backend can load and attach programs at all here.
std::string backend_blocker(const KernelDescription& d, Backend b) {
    if (!privileged(d)) return "needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root";
    switch (b) {
        case Backend::Fentry:
            if (!d.btf) return "no vmlinux BTF (/sys/kernel/btf/vmlinux)";
            if (!d.fentry_trial.ok()) return trial_phrase("fentry", d.fentry_trial);
            return "";
        case Backend::Kprobe:
            if (!d.kprobes)
                return "no kprobes (CONFIG_KPROBES is not set: no "
                       "/sys/bus/event_source/devices/kprobe)";
            if (!d.kprobe_trial.ok()) return trial_phrase("kprobe", d.kprobe_trial);
            return "";
        case Backend::Tracepoint:
            if (d.tracefs.empty())
                return "tracefs is not mounted or not readable (no /sys/kernel/tracing/events)";
            return "";
        case Backend::None:
            return "";
    }
    return "";
}

constexpr Hook kCoreKernel[] = {Hook::Create, Hook::Insert, Hook::Wait};

// All hooks on one kernel-function backend (`fallback` may serve hooks `primary` cannot).
// Error text if a core hook (create, insert, wait) is not covered.
std::string build_kernel(const KernelDescription& d, Backend primary,
                         std::optional<Backend> fallback, Plan& plan) {
    plan.hooks.clear();
    for (Hook h : kAllHooks) {
        Attempt a = kernel_hook(d, primary, h);
        if (!a.plan && fallback) {
            Attempt f = kernel_hook(d, *fallback, h);
            if (f.plan) {
                f.plan->reason += " (" + a.why + " for " + to_string(primary) + ")";
                a = f;
            }
        }
        if (a.plan) {
            plan.hooks.push_back(*a.plan);
        } else {
            if (std::find(std::begin(kCoreKernel), std::end(kCoreKernel), h) !=
                std::end(kCoreKernel))
                return std::string(to_string(h)) + ": " + a.why;
            plan.hooks.push_back(
                {h, Backend::None, {}, std::string(to_string(h)) + ": not visible: " + a.why});
        }
    }
    plan.backend = primary;
    return "";
}

constexpr Hook kCoreTracepoint[] = {Hook::Create, Hook::Insert, Hook::Wait};

std::string build_tracepoint(const KernelDescription& d, Plan& plan) {
    plan.hooks.clear();
    for (Hook h : kAllHooks) {
        Attempt a = tracepoint_hook(d, h);
        if (a.plan) {
            plan.hooks.push_back(*a.plan);
            continue;
        }
        if (std::find(std::begin(kCoreTracepoint), std::end(kCoreTracepoint), h) !=
            std::end(kCoreTracepoint))
            return std::string(to_string(h)) + ": " + a.why;
        plan.hooks.push_back(
            {h, Backend::None, {}, std::string(to_string(h)) + ": not visible: " + a.why});
    }
    plan.backend = Backend::Tracepoint;
    return "";
}

void fill_nothing(Plan& plan, const std::string& why) {
    plan.hooks.clear();
    for (Hook h : kAllHooks)
        plan.hooks.push_back({h, Backend::None, {}, std::string(to_string(h)) + ": " + why});
    plan.backend = Backend::None;
}

std::vector<std::string> missing_of(const KernelDescription& d) {
    std::vector<std::string> m;
    if (!d.root) m.push_back("not running as root");
    if (!d.cap_bpf) m.push_back("no CAP_BPF");
    if (!d.cap_perfmon) m.push_back("no CAP_PERFMON");
    if (!d.btf) m.push_back("no vmlinux BTF: no fentry, no CO-RE");
    if (d.lockdown == "integrity" || d.lockdown == "confidentiality")
        m.push_back("lockdown is " + d.lockdown);
    if (d.btf && !d.fentry_trial.ok())
        m.push_back("fentry not permitted: " + trial_phrase("fentry", d.fentry_trial));
    if (!d.kprobes)
        m.push_back("no kprobes (CONFIG_KPROBES is not set)");
    else if (!d.kprobe_trial.ok())
        m.push_back("kprobes not permitted: " + trial_phrase("kprobe", d.kprobe_trial));
    if (d.tracefs.empty()) m.push_back("tracefs is not mounted or not readable: no tracepoints");
    return m;
}

void add_closes(const KernelDescription& d, Plan& plan);
void add_reads(const KernelDescription& d, Plan& plan);

// Where kernel code is preemptible (full, lazy, rt) a tracepoint's program can be preempted
// mid-run: a tp_btf program keeps its own recursion guard raised (the kernel skips it for
// every other thread's event on that CPU: seen on 7.2, sched_process_exit), a classic
// syscall tracepoint's program its CPU's bpf_prog_active (7.x runs them preemptible,
// trace_call_bpf_faultable: every kprobe and tracepoint program of the next threads there
// is skipped; 429,480 runs in 5 s of 4 threads closing, lab 7.2). Kprobe handlers run with
// preemption off, so where kprobes work those events attach by kprobe instead.
bool tracepoints_preemptible(const KernelDescription& d) {
    return d.preemptible() && d.kprobes && d.kprobe_trial.ok();
}

std::string preempted_tracepoint_note(const KernelDescription& d, const std::string& what,
                                      const std::vector<ProgramAttach>& programs) {
    std::string r = what + " by";
    for (size_t i = 0; i < programs.size(); ++i) r += (i ? " + " : " ") + said(programs[i]);
    return r + ": kernel preemption is " + d.preempt +
           ", and a tracepoint program preempted mid-run makes the kernel skip program runs "
           "(lost records); kprobe handlers run with preemption off";
}

// Process tracking by kprobe (bpf/epscope.bpf.c: the fork at wake_up_new_task, the exec at
// begin_new_exec's return, the exit at do_exit), when every function is there.
bool add_process_kprobes(const KernelDescription& d, Plan& plan) {
    if (!tracepoints_preemptible(d)) return false;
    const std::vector<ProgramAttach> programs = {
        {"kprobe_wake_up_new_task", AttachKind::Kprobe, "wake_up_new_task"},
        kretprobe("kretprobe_begin_new_exec", "begin_new_exec"),
        {"kprobe_do_exit", AttachKind::Kprobe, "do_exit"}};
    for (const auto& p : programs)
        if (!d.has_symbol(p.target)) return false;
    plan.always.insert(plan.always.end(), programs.begin(), programs.end());
    plan.notes.push_back(preempted_tracepoint_note(d, "process tracking", programs));
    return true;
}

// Process tracking: BTF-typed raw tracepoints in bpf/epscope.bpf.c (they read task_struct
// directly), so they need vmlinux BTF, not tracefs.
void add_always(const KernelDescription& d, Plan& plan) {
    if (plan.backend == Backend::None) return;            // nothing to track processes for
    const bool by_kprobe = add_process_kprobes(d, plan);  // all three, or none by kprobe
    for (const char* ev : {"sched_process_fork", "sched_process_exec", "sched_process_exit"}) {
        if (by_kprobe) break;
        if (d.btf_tracepoints.count(ev))
            plan.always.push_back({std::string("tp_") + ev, AttachKind::TpBtf, ev});
        else
            plan.missing.push_back(std::string("no BTF tracepoint ") + ev +
                                   ": process tracking misses it");
    }
    add_closes(d, plan);
    add_reads(d, plan);
}

// The kernel function of syscall `sc`: with the arch's wrapper prefix (__x64_sys_close),
// else without (sys_close); empty when kallsyms has neither.
std::string syscall_function(const KernelDescription& d, const std::string& sc) {
    static const std::map<std::string, std::string> prefixes = {{"x86_64", "__x64_sys_"},
                                                                {"aarch64", "__arm64_sys_"},
                                                                {"s390x", "__s390x_sys_"},
                                                                {"riscv64", "__riscv_sys_"}};
    const auto it = prefixes.find(d.machine);
    if (it != prefixes.end() && d.has_symbol(it->second + sc)) return it->second + sc;
    return d.has_symbol("sys_" + sc) ? "sys_" + sc : "";
}

// close/dup2/dup3 by kprobe on their syscall functions (tracepoints_preemptible says why).
bool add_close_kprobes(const KernelDescription& d, Plan& plan) {
    if (!tracepoints_preemptible(d)) return false;
    std::vector<ProgramAttach> programs;
    for (const char* sc : {"close", "dup2", "dup3"}) {
        const std::string fn = syscall_function(d, sc);
        if (fn.empty()) return false;
        programs.push_back({std::string("kprobe_sys_") + sc, AttachKind::Kprobe, fn});
        programs.push_back(kretprobe(std::string("kretprobe_sys_") + sc, fn));
    }
    plan.always.insert(plan.always.end(), programs.begin(), programs.end());
    plan.notes.push_back(preempted_tracepoint_note(d, "fds closed", programs));
    return true;
}

// fds going away (FD_CLOSE), on every backend: an item whose fd was closed
// while its file stays open elsewhere is still registered (stale).
void add_closes(const KernelDescription& d, Plan& plan) {
    if (!d.has_tracepoint("syscalls:sys_enter_close") ||
        !d.has_tracepoint("syscalls:sys_exit_close")) {
        plan.missing.push_back(
            "no syscalls:sys_enter/exit_close tracepoints: items left registered by a close() "
            "are not seen");
        return;
    }
    if (add_close_kprobes(d, plan)) return;
    for (const char* sc : {"close", "dup2", "dup3"}) {
        const std::string enter = std::string("sys_enter_") + sc;
        const std::string exit = std::string("sys_exit_") + sc;
        if (!d.has_tracepoint("syscalls:" + enter) || !d.has_tracepoint("syscalls:" + exit))
            continue;
        plan.always.push_back(tracepoint(enter));
        plan.always.push_back(tracepoint(exit));
    }
}

// Reads of edge-triggered items' fds (FD_READ), on every backend: whether the
// program read an EPOLLET item down to -EAGAIN (edge-undrained).
void add_reads(const KernelDescription& d, Plan& plan) {
    // A syscall tracepoint's program holds its CPU's bpf_prog_active while it
    // runs, and where kernel code is preemptible it can be preempted there: the
    // kernel then skips every kprobe and tracepoint program of the next threads
    // on that CPU (lost records: seen in the lab on 7.2, lazy preemption). Reads
    // are the machine's most frequent syscalls, each entering the program.
    if (d.preemptible()) {
        plan.missing.push_back(std::string(kReadsNotRecorded) + ": kernel preemption is " +
                               d.preempt +
                               ", and a read program preempted mid-run would make the kernel "
                               "skip the epoll hooks' programs (lost records)");
        return;
    }
    std::vector<std::string> unseen;
    for (const char* sc : kReadSyscalls) {
        const std::string enter = std::string("sys_enter_") + sc;
        const std::string exit = std::string("sys_exit_") + sc;
        if (!d.has_tracepoint("syscalls:" + enter) || !d.has_tracepoint("syscalls:" + exit)) {
            unseen.push_back(sc);
            continue;
        }
        plan.always.push_back(tracepoint(enter));
        plan.always.push_back(tracepoint(exit));
    }
    std::string list;
    for (const auto& sc : unseen) list += (list.empty() ? "" : ", ") + sc + "()";
    if (!list.empty())
        plan.missing.push_back("no syscalls tracepoints of " + list +
                               ": reads of edge-triggered items through them are not seen");
}

Level level_of(const Plan& plan) {
    if (plan.backend == Backend::None) return Level::Nothing;
    if (plan.backend == Backend::Tracepoint) return Level::SyscallOnly;
    for (const auto& h : plan.hooks)
        if (h.backend == Backend::None) return Level::Partial;
    return Level::Full;
}

}  // namespace

const char* to_string(BackendChoice c) {
    switch (c) {
        case BackendChoice::Auto:
            return "auto";
        case BackendChoice::Fentry:
            return "fentry";
        case BackendChoice::Kprobe:
            return "kprobe";
        case BackendChoice::Tracepoint:
            return "tracepoint";
    }
    return "?";
}
const char* to_string(Backend b) {
    switch (b) {
        case Backend::Fentry:
            return "fentry";
        case Backend::Kprobe:
            return "kprobe";
        case Backend::Tracepoint:
            return "tracepoint";
        case Backend::None:
            return "none";
    }
    return "?";
}
const char* to_string(Hook h) {
    switch (h) {
        case Hook::Create:
            return "create";
        case Hook::Insert:
            return "insert";
        case Hook::Remove:
            return "remove";
        case Hook::Callback:
            return "callback";
        case Hook::Wakeup:
            return "wakeup";
        case Hook::Wait:
            return "wait";
        case Hook::Harvest:
            return "harvest";
        case Hook::Free:
            return "free";
    }
    return "?";
}
const char* to_string(Level l) {
    switch (l) {
        case Level::Full:
            return "full";
        case Level::Partial:
            return "partial";
        case Level::SyscallOnly:
            return "syscall-only";
        case Level::Nothing:
            return "nothing";
    }
    return "?";
}
const char* to_string(AttachKind k) {
    switch (k) {
        case AttachKind::Fentry:
            return "fentry";
        case AttachKind::Fexit:
            return "fexit";
        case AttachKind::Kprobe:
            return "kprobe";
        case AttachKind::Kretprobe:
            return "kretprobe";
        case AttachKind::Tracepoint:
            return "tracepoint";
        case AttachKind::TpBtf:
            return "tp_btf";
    }
    return "?";
}

BackendChoice parse_backend_choice(const std::string& s) {
    for (BackendChoice c : {BackendChoice::Auto, BackendChoice::Fentry, BackendChoice::Kprobe,
                            BackendChoice::Tracepoint})
        if (s == to_string(c)) return c;
    throw PlanError("unknown backend '" + s + "': use auto, fentry, kprobe or tracepoint");
}

const HookPlan& Plan::hook(Hook h) const {
    for (const auto& hp : hooks)
        if (hp.hook == h) return hp;
    throw PlanError(std::string("plan has no entry for hook ") + to_string(h));
}

std::vector<ProgramAttach> Plan::programs() const {
    std::vector<ProgramAttach> out;
    auto add = [&](const ProgramAttach& p) {
        for (const auto& q : out) {
            if (q.program != p.program) continue;
            if (q.target != p.target || q.kind != p.kind)
                throw PlanError("program " + p.program + " planned on two targets: " + q.target +
                                " and " + p.target);
            return;
        }
        out.push_back(p);
    };
    for (const auto& h : hooks)
        for (const auto& p : h.programs) add(p);
    for (const auto& p : always) add(p);
    return out;
}

std::string Plan::to_text() const {
    std::ostringstream o;
    o << "requested " << plan::to_string(requested) << "\n";
    o << "backend " << plan::to_string(backend) << "\n";
    o << "backend_reason " << backend_reason << "\n";
    o << "level " << plan::to_string(level) << "\n";
    for (const auto& h : hooks) {
        o << "hook " << plan::to_string(h.hook) << " " << plan::to_string(h.backend) << "\n";
        o << "reason " << h.reason << "\n";
    }
    for (const auto& p : programs())
        o << "program " << p.program << " " << plan::to_string(p.kind) << " " << p.target << "\n";
    bool reports = false;
    for (const auto& h : hooks) reports = reports || h.release_file_reports_items;
    o << "release_file_reports_items " << (reports ? "yes" : "no") << "\n";
    for (const auto& m : missing) o << "missing " << m << "\n";
    for (const auto& n : notes) o << "note " << n << "\n";
    return o.str();
}

namespace {

// The enum value whose to_string is `word` (else `fallback`).
template <class E, std::size_t N>
E enum_named(const std::string& word, const E (&values)[N], E fallback) {
    for (E v : values)
        if (word == to_string(v)) return v;
    return fallback;
}

constexpr Backend kBackends[] = {Backend::Fentry, Backend::Kprobe, Backend::Tracepoint,
                                 Backend::None};

}  // namespace

Plan Plan::from_text(const std::string& text) {
    Plan plan;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const std::size_t sp = line.find(' ');
        const std::string key = line.substr(0, sp);
        const std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
        std::istringstream words(value);
        std::string a, b, c;
        words >> a >> b >> c;
        if (key == "requested") {
            constexpr BackendChoice kChoices[] = {BackendChoice::Auto, BackendChoice::Fentry,
                                                  BackendChoice::Kprobe, BackendChoice::Tracepoint};
            plan.requested = enum_named(a, kChoices, BackendChoice::Auto);
        } else if (key == "backend") {
            plan.backend = enum_named(a, kBackends, Backend::None);
        } else if (key == "backend_reason") {
            plan.backend_reason = value;
        } else if (key == "level") {
            constexpr Level kLevels[] = {Level::Full, Level::Partial, Level::SyscallOnly,
                                         Level::Nothing};
            plan.level = enum_named(a, kLevels, Level::Nothing);
        } else if (key == "hook") {
            HookPlan h;
            h.hook = enum_named(a, kAllHooks, Hook::Create);
            h.backend = enum_named(b, kBackends, Backend::None);
            plan.hooks.push_back(h);
        } else if (key == "reason" && !plan.hooks.empty()) {
            plan.hooks.back().reason = value;
        } else if (key == "program") {
            constexpr AttachKind kKinds[] = {AttachKind::Fentry,     AttachKind::Fexit,
                                             AttachKind::Kprobe,     AttachKind::Kretprobe,
                                             AttachKind::Tracepoint, AttachKind::TpBtf};
            plan.always.push_back({a, enum_named(b, kKinds, AttachKind::Fentry), c});
        } else if (key == "missing") {
            plan.missing.push_back(value);
        } else if (key == "note") {
            plan.notes.push_back(value);
        } else if (key == "release_file_reports_items") {
            for (auto& h : plan.hooks)
                if (h.hook == Hook::Remove) h.release_file_reports_items = a == "yes";
        }
    }
    return plan;
}

Plan plan_for(const KernelDescription& d, BackendChoice forced) {
    Plan plan;
    plan.requested = forced;
    plan.missing = missing_of(d);

    auto forced_error = [&](Backend b, const std::string& why) {
        return PlanError(std::string("backend ") + to_string(b) + " cannot work on kernel " +
                         d.release + ": " + why);
    };

    switch (forced) {
        case BackendChoice::Fentry:
        case BackendChoice::Kprobe: {
            const Backend b = forced == BackendChoice::Fentry ? Backend::Fentry : Backend::Kprobe;
            if (auto why = backend_blocker(d, b); !why.empty()) throw forced_error(b, why);
            if (auto why = build_kernel(d, b, std::nullopt, plan); !why.empty())
                throw forced_error(b, why);
            plan.backend_reason = std::string("forced ") + to_string(b);
            break;
        }
        case BackendChoice::Tracepoint: {
            if (auto why = backend_blocker(d, Backend::Tracepoint); !why.empty())
                throw forced_error(Backend::Tracepoint, why);
            if (auto why = build_tracepoint(d, plan); !why.empty())
                throw forced_error(Backend::Tracepoint, why);
            plan.backend_reason = "forced tracepoint";
            break;
        }
        case BackendChoice::Auto: {
            std::vector<std::string> declined;
            const bool fentry_ok = backend_blocker(d, Backend::Fentry).empty();
            const bool kprobe_ok = backend_blocker(d, Backend::Kprobe).empty();
            // Kprobes first where kernel code is preemptible (a preempted fentry
            // program is skipped for the next thread on its CPU); fentry if they fail.
            const bool kprobe_first = fentry_ok && kprobe_ok && d.preemptible();
            if (kprobe_first) declined.push_back("fentry: " + preemption_loss(d));
            const Backend order[2] = {kprobe_first ? Backend::Kprobe : Backend::Fentry,
                                      kprobe_first ? Backend::Fentry : Backend::Kprobe};
            bool chosen = false;
            for (Backend b : order) {
                if (chosen) break;
                const std::string name = to_string(b);
                if (auto blocker = backend_blocker(d, b); !blocker.empty()) {
                    declined.push_back(name + ": " + blocker);
                    continue;
                }
                // An fentry plan kprobes the functions fentry cannot attach to.
                const auto fallback = b == Backend::Fentry && kprobe_ok
                                          ? std::optional<Backend>(Backend::Kprobe)
                                          : std::nullopt;
                auto why = build_kernel(d, b, fallback, plan);
                chosen = why.empty();
                if (!chosen) declined.push_back(name + ": " + why);
            }
            if (!chosen) {
                auto why = backend_blocker(d, Backend::Tracepoint);
                if (why.empty()) why = build_tracepoint(d, plan);
                chosen = why.empty();
                if (!chosen) declined.push_back("tracepoint: " + why);
            }
            std::string why;
            for (const auto& s : declined) why += (why.empty() ? "" : "; ") + s;
            if (!chosen) {
                fill_nothing(plan, "not visible: no backend works here");
                plan.backend_reason = "no backend works here: " + why;
            } else if (declined.empty()) {
                plan.backend_reason =
                    std::string(to_string(plan.backend)) + " is the best backend that works here";
            } else {
                plan.backend_reason = why + " -> " + to_string(plan.backend);
            }
            break;
        }
    }
    add_always(d, plan);
    plan.level = level_of(plan);
    return plan;
}

}  // namespace epscope::plan
