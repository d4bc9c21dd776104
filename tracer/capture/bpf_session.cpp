#include "capture/bpf_session.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "epscope.skel.h"
#include "epscope_bounded.skel.h"

namespace epscope::capture {
namespace {

// The read-family hooks (FD_READ) feed records only: counting mode leaves
// them unloaded, so it costs every read on the machine nothing.
bool records_only(const std::string& program) {
    return program.starts_with("tp_sys_") && (program.find("_read") != std::string::npos ||
                                              program.find("_recv") != std::string::npos);
}

bool g_verbose = false;  // libbpf's print callback has no user pointer

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
    (void)level;
    if (!g_verbose) return 0;
    return std::vfprintf(stderr, fmt, args);
}

// strerror of a libbpf or syscall error (libbpf returns -errno), with what to do when it is a
// missing privilege. (trace::errno_text prefixes errno with what failed: another job.)
std::string bpf_error_text(int err) {
    err = err < 0 ? -err : err;
    std::string s = std::strerror(err);
    if (err == EPERM || err == EACCES)
        s += " (run as root, or with CAP_BPF and CAP_PERFMON; see `epscope doctor`)";
    return s;
}

// Both flavours come from one source: same maps, programs and read-only data.
static_assert(sizeof(epscope_bpf::epscope_bpf__rodata) ==
              sizeof(epscope_bounded_bpf::epscope_bounded_bpf__rodata));
static_assert(sizeof(epscope_bpf::epscope_bpf__bss) ==
              sizeof(epscope_bounded_bpf::epscope_bounded_bpf__bss));

// The object flavour the running kernel loads: bpf_loop where it has the
// helper (5.17+), else the bounded-loop build (5.10-5.16), opened through the
// one skeleton type since their layouts are the same.
epscope_bpf* open_object() {
    if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, nullptr) != 0)
        return epscope_bpf__open();
    auto* obj = static_cast<epscope_bpf*>(std::calloc(1, sizeof(epscope_bpf)));
    if (!obj) return nullptr;
    int err = epscope_bpf__create_skeleton(obj);
    if (!err) {
        obj->skeleton->data = epscope_bounded_bpf__elf_bytes(&obj->skeleton->data_sz);
        err = bpf_object__open_skeleton(obj->skeleton, nullptr);
    }
    if (err) {
        epscope_bpf__destroy(obj);
        errno = -err;
        return nullptr;
    }
    return obj;
}

}  // namespace

void set_libbpf_verbose(bool verbose) {
    g_verbose = verbose;
    libbpf_set_print(libbpf_print);
}

void BpfSession::SkelDeleter::operator()(epscope_bpf* skel) const { epscope_bpf__destroy(skel); }
void BpfSession::LinkDeleter::operator()(bpf_link* link) const { bpf_link__destroy(link); }

BpfSession::BpfSession(const SessionConfig& config) {
    if (!g_verbose) libbpf_set_print(libbpf_print);

    skel_.reset(open_object());
    if (!skel_) throw CaptureError("cannot open the BPF object: " + bpf_error_text(errno));

    skel_->rodata->targ_all = config.all_processes;
    skel_->rodata->have_start_scan = config.have_start_scan;
    skel_->rodata->walk_limit = config.walk_limit;
    skel_->rodata->verify = config.verify;
    skel_->rodata->counting = config.counting;
    skel_->rodata->targ_select = !config.select_comms.empty() || !config.select_cgroups.empty();
    skel_->rodata->wake_threshold = config.wake_on_threshold ? config.wake_threshold_bytes() : 0;
    if (int err = bpf_map__set_max_entries(skel_->maps.events, config.ring_bytes))
        throw CaptureError("ring buffer size " + std::to_string(config.ring_bytes) +
                           " rejected: " + bpf_error_text(err));
    size_counting_maps(config);

    // Autoload exactly the planned programs; everything else stays unloaded
    // so a kernel without, say, ep_start_scan never sees that program.
    std::set<std::string> wanted;
    for (const auto& choice : config.programs)
        if (!config.counting || !records_only(choice.program)) wanted.insert(choice.program);
    bpf_program* prog;
    std::set<std::string> known;
    bpf_object__for_each_program(prog, skel_->obj) {
        std::string name = bpf_program__name(prog);
        known.insert(name);
        bpf_program__set_autoload(prog, wanted.count(name) > 0);
    }
    for (const auto& choice : config.programs) {
        if (!wanted.count(choice.program)) continue;
        if (!known.count(choice.program))
            throw CaptureError("attach plan names an unknown BPF program '" + choice.program + "'");
        if (choice.via != AttachVia::Trampoline) continue;
        prog = bpf_object__find_program_by_name(skel_->obj, choice.program.c_str());
        if (int err = bpf_program__set_attach_target(prog, 0, choice.target.c_str()))
            throw CaptureError("cannot target " + choice.program + " at " + choice.target + ": " +
                               bpf_error_text(err));
    }

    if (int err = epscope_bpf__load(skel_.get()))
        throw CaptureError("cannot load the BPF programs: " + bpf_error_text(err) +
                           " (rerun with -v for the verifier's log)");
    if (!skel_->bss)  // BPF_F_MMAPABLE is 5.5+; the object needs 5.10 anyway
        throw CaptureError("the kernel cannot map BPF global data (Linux 5.5 or newer needed)");

    find_kprobe_events(config);
    // Reads wait for the first edge-triggered registration (arm_reads); the
    // exits first, so that no enter's state waits for an exit not yet there.
    for (const auto& choice : config.programs) {
        if (!wanted.count(choice.program)) continue;
        if (!records_only(choice.program))
            attach(choice);
        else if (choice.program.starts_with("tp_sys_exit_"))
            deferred_.insert(deferred_.begin(), choice);
        else
            deferred_.push_back(choice);
    }

    fill_selectors(config);
    for (pid_t tgid : config.tgids) trace_tgid(tgid);
}

// Where the kprobes are made (tracefs, else libbpf's PMU), and the events a
// killed epscope left there removed, once, before any attach.
void BpfSession::find_kprobe_events(const SessionConfig& config) {
    const bool kprobes = std::any_of(config.programs.begin(), config.programs.end(), [](auto& c) {
        return c.via == AttachVia::Kprobe || c.via == AttachVia::Kretprobe;
    });
    if (!kprobes) return;
    if (takes_kprobe_events(config.tracefs)) {
        tracefs_ = config.tracefs;
        remove_stale_kprobe_events(tracefs_);
        return;
    }
    std::fprintf(stderr,
                 "epscope: no tracefs with kprobe_events: kprobes are made without it, so a "
                 "kretprobe has the kernel's default instances (returns past them are lost "
                 "unseen) and missed runs are not counted (mount -t tracefs nodev "
                 "/sys/kernel/tracing)\n");
}

// The kprobe as a tracefs event, which owns its link (throws CaptureError).
void BpfSession::attach_kprobe_event(bpf_program* prog, const ProgramChoice& choice) {
    const bool ret = choice.via == AttachVia::Kretprobe;
    const KprobeSpec spec{ret, choice.target, ret ? choice.maxactive : 0};
    kprobe_events_.push_back(std::make_unique<KprobeEvent>(tracefs_, prog, spec));
    kprobe_programs_.emplace_back(choice.program, kprobe_events_.back()->name());
}

void BpfSession::attach(const ProgramChoice& choice) {
    bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, choice.program.c_str());
    const std::string where = choice.target.empty() ? "" : "(" + choice.target + ")";
    const bool kprobe = choice.via == AttachVia::Kprobe || choice.via == AttachVia::Kretprobe;
    if (kprobe && !tracefs_.empty()) {
        attach_kprobe_event(prog, choice);
        attached_.push_back(choice.program + where);
        return;
    }
    bpf_link* link = kprobe ? bpf_program__attach_kprobe(prog, choice.via == AttachVia::Kretprobe,
                                                         choice.target.c_str())
                            : bpf_program__attach(prog);
    if (!link) {
        int err = errno;
        throw CaptureError("cannot attach " + choice.program +
                           (choice.target.empty() ? "" : " to " + choice.target) + ": " +
                           bpf_error_text(err));
    }
    links_.emplace_back(link);
    attached_.push_back(choice.program + where);
}

// Episodes of edge-undrained stay exact across the arming: reads attach at one
// moment, so an episode sees all of its reads or a suffix of them (the exits
// attached before the enters), and an episode with no read seen is not judged.
void BpfSession::arm_reads() {
    if (deferred_.empty()) return;
    if (!__atomic_load_n(&skel_->bss->edge_registrations, __ATOMIC_ACQUIRE)) return;
    std::vector<ProgramChoice> todo;
    todo.swap(deferred_);  // tried once: a failure is said, not retried every tick
    for (const auto& choice : todo) attach(choice);
}

void BpfSession::fill_selectors(const SessionConfig& config) {
    const std::uint8_t one = 1;
    for (const std::string& comm : config.select_comms) {
        char key[16] = {};  // NUL-padded: BPF reads the comm into a zeroed buffer
        comm.copy(key, sizeof(key) - 1);
        if (bpf_map__update_elem(skel_->maps.select_comms, key, sizeof(key), &one, sizeof(one),
                                 BPF_ANY))
            throw CaptureError("cannot select the name " + comm + ": " + bpf_error_text(errno));
    }
    for (std::uint64_t id : config.select_cgroups)
        if (bpf_map__update_elem(skel_->maps.select_cgroups, &id, sizeof(id), &one, sizeof(one),
                                 BPF_ANY))
            throw CaptureError("cannot select cgroup id " + std::to_string(id) + ": " +
                               bpf_error_text(errno));
}

// LRU maps allocate every entry at creation: full size only when counting.
void BpfSession::size_counting_maps(const SessionConfig& config) {
    constexpr std::uint32_t kUnused = 64;
    const std::uint32_t instances = config.counting ? config.counting_instances : kUnused;
    const std::uint32_t items = config.counting ? config.counting_items : kUnused;
    if (bpf_map__set_max_entries(skel_->maps.count_instances, instances) ||
        bpf_map__set_max_entries(skel_->maps.count_items, items))
        throw CaptureError("cannot size the counting maps: " + bpf_error_text(errno));
}

BpfSession::~BpfSession() { detach_all(); }

// Detaching waits for the kernel's grace periods (a synchronize_rcu per
// tracepoint link, an RCU-tasks one per trampoline): 30-80 ms each, one after
// another 0.5 s for the dozen links of a tracepoint plan. Detached from one
// thread each, the waits overlap.
void BpfSession::detach_all() noexcept {
    std::vector<std::thread> threads;
    for (auto& link : links_) {
        try {
            threads.emplace_back([l = link.get()] { bpf_link__destroy(l); });
            link.release();
        } catch (const std::system_error&) {
            link.reset();  // no thread to spare: detach here
        }
    }
    for (auto& event : kprobe_events_) {
        try {
            threads.emplace_back([e = event.get()] { delete e; });
            event.release();
        } catch (const std::system_error&) {
            event.reset();
        }
    }
    for (auto& t : threads) t.join();
    links_.clear();
    kprobe_events_.clear();
}

void BpfSession::trace_tgid(pid_t tgid) {
    std::uint32_t key = static_cast<std::uint32_t>(tgid);
    std::uint8_t one = 1;
    if (bpf_map__update_elem(skel_->maps.tgids, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
        throw CaptureError("cannot add process " + std::to_string(tgid) +
                           " to the filter: " + bpf_error_text(errno));
}

std::vector<pid_t> BpfSession::traced_tgids() const {
    std::vector<pid_t> out;
    std::uint32_t key = 0, next = 0;
    const std::uint32_t* prev = nullptr;
    // BPF deletes a process's entry at its exit: iteration may skip a key
    // deleted under it, never invent one.
    while (bpf_map__get_next_key(skel_->maps.tgids, prev, &next, sizeof(next)) == 0) {
        out.push_back(static_cast<pid_t>(next));
        key = next;
        prev = &key;
    }
    return out;
}

int BpfSession::ring_fd() const { return bpf_map__fd(skel_->maps.events); }

namespace {

// BPF adds to these words with atomics while we read them through the mmap.
std::uint64_t load_shared(const std::uint64_t& word) {
    return __atomic_load_n(&word, __ATOMIC_ACQUIRE);
}

}  // namespace

// Read through the .bss mmap, never a map syscall (bpf/epscope.bpf.c says why).
std::vector<std::uint64_t> BpfSession::drops() const {
    const auto& slots = skel_->bss->ring_drops;
    const int ncpu = libbpf_num_possible_cpus();
    const std::size_t n = std::clamp<std::size_t>(ncpu > 0 ? ncpu : 1, 1, EP_DROP_CPUS);
    std::vector<std::uint64_t> per_cpu(n);
    for (std::size_t cpu = 0; cpu < n; ++cpu) per_cpu[cpu] = load_shared(slots[cpu]);
    return per_cpu;
}

std::vector<ProgramSkips> BpfSession::skipped_runs_by_program() const {
    std::vector<ProgramSkips> out;
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel_->obj) {
        const int fd = bpf_program__fd(prog);
        if (fd < 0) continue;  // not loaded
        bpf_prog_info info{};
        std::uint32_t len = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
            out.push_back({bpf_program__name(prog), info.recursion_misses});
    }
    if (kprobe_programs_.empty()) return out;
    const auto missed = read_kprobe_missed(tracefs_);
    for (const auto& [program, event] : kprobe_programs_) {
        const auto m = missed.find(event);
        if (m == missed.end()) continue;
        auto p =
            std::find_if(out.begin(), out.end(), [&](auto& s) { return s.program == program; });
        if (p != out.end()) p->missed += m->second;
    }
    return out;
}

std::uint64_t BpfSession::skipped_runs() const { return total_runs(skipped_runs_by_program()); }

// The instance's bucket of activity_seen, hashed as BPF's activity_bucket()
// does, read through the .bss mmap: gen first, as BPF bumps it first.
BpfSession::Activity BpfSession::activity(std::uint64_t ep) const {
    const auto& b = skel_->bss->activity_seen[EP_ACTIVITY_BUCKET(ep)];
    Activity a;
    a.gen = load_shared(b.gen);
    a.busy = load_shared(b.busy);
    return a;
}

BpfSession::CountingMaps BpfSession::counting_maps() const {
    return {bpf_map__fd(skel_->maps.count_instances), bpf_map__fd(skel_->maps.count_items),
            bpf_map__fd(skel_->maps.count_totals)};
}

}  // namespace epscope::capture
