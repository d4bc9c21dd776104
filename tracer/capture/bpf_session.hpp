// Owns the loaded BPF skeleton: open, set read-only config, switch programs'
// autoload from the attach plan, load, attach. One order, one place; every
// libbpf object is released by RAII.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/kprobe_events.hpp"
#include "capture/skipped_runs.hpp"
// Counting mode's map layouts; the skeleton also names a global of them.
#include "epscope_counting.h"
#include "epscope_shared.h"  // the skeletons' .bss names its types

struct epscope_bpf;
struct bpf_link;
struct bpf_program;

namespace epscope::capture {

class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// How a program attaches: as its SEC() says (tracepoints), or to a kernel
// function chosen by the planner at run time.
enum class AttachVia { Section, Trampoline /* fentry/fexit */, Kprobe, Kretprobe };

// One concrete program to load and, unless via Section, its kernel function.
struct ProgramChoice {
    std::string program;
    AttachVia via = AttachVia::Section;
    std::string target;
    std::uint32_t maxactive = 0;  // Kretprobe: instances (plan::ProgramAttach::maxactive)
};

struct SessionConfig {
    std::vector<ProgramChoice> programs;
    // tracefs's root as the kernel description found it ("" if none): where
    // kprobes are made (capture/kprobe_events.hpp).
    std::string tracefs;
    std::vector<pid_t> tgids;      // processes to trace (children follow)
    bool all_processes = false;    // trace every process (tests, debugging)
    bool have_start_scan = false;  // ep_start_scan is among the programs
    std::uint32_t walk_limit = 256;
    bool verify = false;  // --verify: kernel list and tree walks (off: none, cheaper)
    std::uint32_t ring_bytes = 16u << 20;
    // Records submitted below this fill (unread bytes) wake nobody: the
    // collector drains on a timer (CaptureOptions::drain_interval). Past it,
    // every submit wakes the collector.
    std::uint64_t wake_threshold_bytes() const { return ring_bytes / 4; }
    // false: the kernel's own wakeups (the first record the collector has not
    // read wakes it: about one interrupt per record at low rates). Kept for
    // measuring the difference (docs/BENCHMARKS.md).
    bool wake_on_threshold = true;
    // Counting mode (`live --counting`): BPF adds to per-instance and
    // per-item maps of these sizes and submits no records.
    bool counting = false;
    std::uint32_t counting_instances = 4096;
    std::uint32_t counting_items = 16384;
    // `epscope exporter`: processes that exec with one of these names (the
    // kernel's comm, at most 15 bytes) or inside one of these cgroup v2 ids
    // join the filter at their exec (bpf/epscope.bpf.c, exec_selected).
    std::vector<std::string> select_comms;
    std::vector<std::uint64_t> select_cgroups;
};

class BpfSession {
public:
    // Loads and attaches; throws CaptureError with one clear line.
    explicit BpfSession(const SessionConfig& config);
    ~BpfSession();
    BpfSession(const BpfSession&) = delete;
    BpfSession& operator=(const BpfSession&) = delete;

    void trace_tgid(pid_t tgid);
    // The processes in the filter now: the ones given, plus their children
    // since (BPF adds a child at fork and removes a process at its exit).
    std::vector<pid_t> traced_tgids() const;
    int ring_fd() const;
    // Sum of records dropped per CPU since load (index = CPU). Like activity(),
    // read through the object's mmapped .bss, no map syscall (bpf/epscope_shared.h).
    std::vector<std::uint64_t> drops() const;
    // Runs of the loaded programs the kernel skipped (bpf_prog_info.recursion_misses,
    // 5.12+; kprobes 6.7+), per program since load: a trampoline program preempted
    // mid-run (PREEMPT_LAZY or full preemption, e.g. 7.x) makes another thread's
    // event on that CPU go unrecorded; a kprobe or classic tracepoint program is
    // skipped while any such program holds the CPU's bpf_prog_active. And, as
    // `missed`, the runs the kernel's kprobes missed (kprobe_profile: a kretprobe
    // out of instances, a kprobe hit inside another's handler).
    // A bpf syscall per loaded program, one read of kprobe_profile.
    std::vector<ProgramSkips> skipped_runs_by_program() const;
    std::uint64_t skipped_runs() const;  // their sum
    const std::vector<std::string>& attached() const { return attached_; }
    // The read-family programs (FD_READ) are loaded but attached only once
    // BPF has counted an EPOLLET registration (edge_registrations): until
    // then they have nothing to record, and attached they would tax every
    // read on the machine. Cheap when there is nothing to do (one mmap
    // read); throws CaptureError if one cannot attach (then never tried again).
    void arm_reads();

    // Verify mode: what BPF counted as in flight on the instance's bucket of
    // instances (bpf/epscope_shared.h, activity_seen): busy 0 and gen unchanged
    // across a read of its fdinfo mean nothing was in flight on it.
    struct Activity {
        std::uint64_t gen = 0;
        std::uint64_t busy = 0;
        bool operator==(const Activity&) const = default;
    };
    Activity activity(std::uint64_t ep) const;

    // Counting mode's maps (bpf/epscope_counting.h), read by CountingSession.
    struct CountingMaps {
        int instances = -1, items = -1, totals = -1;
    };
    CountingMaps counting_maps() const;

private:
    void size_counting_maps(const SessionConfig& config);
    void fill_selectors(const SessionConfig& config);
    void detach_all() noexcept;
    void attach(const ProgramChoice& choice);
    void find_kprobe_events(const SessionConfig& config);
    void attach_kprobe_event(bpf_program* prog, const ProgramChoice& choice);

    struct SkelDeleter {
        void operator()(epscope_bpf* skel) const;
    };
    std::unique_ptr<epscope_bpf, SkelDeleter> skel_;
    struct LinkDeleter {
        void operator()(bpf_link* link) const;
    };
    // Declared after skel_, so destroyed before it, even when the constructor throws.
    std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;
    // Kprobes and kretprobes, made in tracefs (capture/kprobe_events.hpp) when it
    // is mounted, else by libbpf (links_): then no instance count, no missed runs.
    std::string tracefs_;
    std::vector<std::unique_ptr<KprobeEvent>> kprobe_events_;
    // (program, its kprobe event): where its missed runs are read.
    std::vector<std::pair<std::string, std::string>> kprobe_programs_;
    std::vector<std::string> attached_;
    std::vector<ProgramChoice> deferred_;  // exits first (arm_reads)
};

// Routes libbpf's messages to stderr only when verbose; otherwise silent
// (errors reach the user as CaptureError lines instead).
void set_libbpf_verbose(bool verbose);

}  // namespace epscope::capture
