// The attach plan: for each logical hook of DESIGN.md, which backend and which concrete BPF
// programs (bpf/epscope.bpf.c) see it on a given kernel, and why. Pure function of a
// KernelDescription, so it is tested against recorded kernels.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "plan/kernel_description.hpp"

namespace epscope::plan {

enum class BackendChoice { Auto, Fentry, Kprobe, Tracepoint };
enum class Backend { Fentry, Kprobe, Tracepoint, None };  // None: the hook is not visible
enum class Hook { Create, Insert, Remove, Callback, Wakeup, Wait, Harvest, Free };
enum class Level { Full, Partial, SyscallOnly, Nothing };
// How the loader attaches a program: the section kind in the BPF object.
enum class AttachKind { Fentry, Fexit, Kprobe, Kretprobe, Tracepoint, TpBtf };

// The read-family syscalls whose results on edge-triggered items' fds are
// recorded (FD_READ), each through its sys_enter_/sys_exit_ tracepoints.
inline constexpr const char* kReadSyscalls[] = {"read", "readv", "recvfrom", "recvmsg", "recvmmsg"};
// The start of the plan's "missing" line when no read is recorded (FD_READ):
// the findings engine then says edge-undrained was not judged.
inline constexpr const char* kReadsNotRecorded = "reads of edge-triggered items not recorded";
inline constexpr Hook kAllHooks[] = {Hook::Create, Hook::Insert, Hook::Remove,  Hook::Callback,
                                     Hook::Wakeup, Hook::Wait,   Hook::Harvest, Hook::Free};

const char* to_string(BackendChoice);
const char* to_string(Backend);
const char* to_string(Hook);
const char* to_string(Level);
const char* to_string(AttachKind);
// "auto", "fentry", "kprobe", "tracepoint"; throws PlanError naming the accepted words.
BackendChoice parse_backend_choice(const std::string&);

// One program to autoload and where it attaches: a kernel function (fentry/fexit/kprobe/
// kretprobe: may differ from the name in the program's section, e.g. fentry_ep_remove on
// __ep_remove), "group/name" for a tracepoint, the raw tracepoint name for tp_btf.
struct ProgramAttach {
    std::string program;
    AttachKind kind = AttachKind::Fentry;
    std::string target;
    // A kretprobe's instances (the kernel's maxactive): a thread holds one from the call to
    // the return, so a function threads sleep in needs one per sleeper; 0: the kernel's
    // default, max(10, 2 x CPUs), enough where nothing sleeps long.
    std::uint32_t maxactive = 0;
    bool operator==(const ProgramAttach&) const = default;
};

// The kernel's ceiling for a kretprobe's instances (KRETPROBE_MAXACTIVE_MAX, 5.10 to 7.x),
// given to the kretprobes of functions threads sleep in (the wait, and epoll_ctl on a
// contended instance's mutex).
inline constexpr std::uint32_t kMaxKretprobeInstances = 4096;

struct HookPlan {
    Hook hook = Hook::Create;
    Backend backend = Backend::None;
    std::vector<ProgramAttach> programs;
    std::string reason;  // one line, epoll's words: "insert: ep_insert is inlined here -> ..."
    // Remove only: the removal program's target (ep_remove on 6.12/6.18) is not on the file-close
    // path, so the eventpoll_release_file program must itself report every item on the closing
    // file's f_ep list (reason FILE_CLOSE) instead of only marking the context. The loader
    // passes this to the BPF side.
    bool release_file_reports_items = false;
};

struct Plan {
    BackendChoice requested = BackendChoice::Auto;
    Backend backend = Backend::None;  // main backend (hooks may mix fentry and kprobe)
    // Why this backend, e.g. "fentry: trial fentry on do_epoll_ctl failed (load EPERM); ...
    // -> syscall tracepoints". One line.
    std::string backend_reason;
    std::vector<HookPlan> hooks;        // one per logical hook, in kAllHooks order
    std::vector<ProgramAttach> always;  // process tracking, on with every backend
    std::vector<std::string> missing;   // what this kernel/session lacks, one line each
    // Why an event attaches another way than usual here, one line each (e.g. process
    // tracking by kprobe where tracepoint programs can be preempted).
    std::vector<std::string> notes;
    Level level = Level::Nothing;

    const HookPlan& hook(Hook h) const;
    // Every program to autoload, each once, with its attach target: hooks then process tracking.
    std::vector<ProgramAttach> programs() const;
    // Stable text for trace headers: `key value` lines.
    std::string to_text() const;
    // The plan back from to_text() (a trace header's), for showing it: the
    // programs come back in `always`, lines it does not know are skipped.
    static Plan from_text(const std::string& text);
};

class PlanError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws PlanError when a forced backend cannot work on this kernel (the message says why).
// Auto never throws: at worst the plan's level is Nothing.
Plan plan_for(const KernelDescription&, BackendChoice forced = BackendChoice::Auto);

}  // namespace epscope::plan
