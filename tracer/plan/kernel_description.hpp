// What a kernel offers epscope's hooks: the facts the attach planner decides from.
// Filled on the running kernel by probe.hpp (libbpf), or parsed from a recorded text so the
// planner can be tested against kernels other than the one it runs on.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace epscope::plan {

// Result of actually loading (and attaching) a minimal program of one kind: the only reliable
// way to learn whether lockdown, LSMs or a hypervisor policy forbid it.
struct TrialResult {
    enum class Outcome { NotTried, Ok, Failed };
    Outcome outcome = Outcome::NotTried;
    // Failed: "<stage> <ERRNO name>" e.g. "load EPERM"; NotTried: why it was not tried.
    std::string detail;

    bool ok() const { return outcome == Outcome::Ok; }
    bool operator==(const TrialResult&) const = default;
};

struct KernelDescription {
    std::string release;  // uname -r
    std::string machine;  // uname -m
    bool btf = false;     // vmlinux BTF present and loadable
    // BTF FUNC records relevant to epoll (fs/eventpoll.c and friends): name -> prototype as C,
    // e.g. "int (struct eventpoll *ep, struct epitem *epi)". Empty prototype = not recorded.
    // BTF keeps the source name of a function even when the compiler only emitted an .isra or
    // .constprop clone; kallsyms tells which one exists.
    std::map<std::string, std::string> btf_funcs;
    // Exact /proc/kallsyms text symbols of ep_*, __ep_*, do_epoll_*, eventpoll_* (with clone
    // suffixes such as ".isra.0" kept), built-in kernel only; and the few other functions the
    // planner may kprobe (do_exit, wake_up_new_task, begin_new_exec, the close/dup2/dup3
    // syscall functions: probe.cpp, kept_for_planner).
    std::set<std::string> kallsyms;
    // "group:name" of the present syscalls/sched tracepoints epscope can use.
    std::set<std::string> tracepoints;
    // Raw (BTF-typed) tracepoints: names with a btf_trace_<name> typedef in vmlinux BTF.
    std::set<std::string> btf_tracepoints;
    std::string tracefs;   // events directory used, empty if tracefs is not reachable
    bool kprobes = false;  // /sys/bus/event_source/devices/kprobe exists (CONFIG_KPROBES)
    std::string lockdown;  // none | integrity | confidentiality | unknown
    // The preemption model in force: none | voluntary | full | lazy | rt | unknown. Under full,
    // lazy and rt a thread can be preempted inside a BPF trampoline program (fentry/fexit run
    // with migration disabled only), whose per-CPU recursion guard then makes the kernel skip
    // that program for the next thread on the CPU; kprobe handlers run with preemption off.
    std::string preempt = "unknown";
    TrialResult fentry_trial;  // fentry on do_epoll_ctl
    TrialResult kprobe_trial;  // kprobe on do_epoll_ctl
    bool cap_bpf = false;
    bool cap_perfmon = false;
    bool cap_sys_admin = false;
    bool root = false;

    bool operator==(const KernelDescription&) const = default;

    // One `key value` per line, stable order, "# " comment header. parse(to_text(d)) == d.
    std::string to_text() const;
    // Throws DescriptionError naming the line for anything it does not understand.
    static KernelDescription parse(const std::string& text);

    // A symbol exists under its exact name (not only as an .isra/.constprop clone).
    bool has_symbol(const std::string& name) const { return kallsyms.count(name) != 0; }
    bool has_btf_func(const std::string& name) const { return btf_funcs.count(name) != 0; }
    // The compiler clones of `name` found in kallsyms (e.g. "ep_remove_epi.isra.0").
    std::set<std::string> clones_of(const std::string& name) const;
    bool has_tracepoint(const std::string& group_name) const {
        return tracepoints.count(group_name) != 0;
    }
    // Kernel code (BPF trampoline programs included) can be preempted anywhere.
    bool preemptible() const { return preempt == "full" || preempt == "lazy" || preempt == "rt"; }
};

class DescriptionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace epscope::plan
