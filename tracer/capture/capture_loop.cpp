#include "capture/capture_loop.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "capture/fd_namer.hpp"
#include "capture/fdinfo_checkpoints.hpp"
#include "capture/launcher.hpp"
#include "capture/proc_snapshot.hpp"
#include "capture/ring_consumer.hpp"
#include "capture/run_as.hpp"

namespace epscope::capture {
namespace {

// SIGINT/SIGTERM arrive through a signalfd polled with the ring buffer, so
// the loop needs no global flag and a signal never interrupts a half-written
// chunk. The mask is restored on every exit path.
class SignalFd {
public:
    SignalFd() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, &old_);
        fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd_ < 0) throw CaptureError(std::string("signalfd: ") + std::strerror(errno));
    }
    ~SignalFd() {
        close(fd_);
        sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    int fd() const { return fd_; }
    // Returns true if SIGINT or SIGTERM is pending (SIGCHLD just wakes us).
    bool stop_requested() {
        signalfd_siginfo si;
        bool stop = false;
        while (read(fd_, &si, sizeof(si)) == sizeof(si))
            stop |= si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM;
        return stop;
    }

private:
    int fd_ = -1;
    sigset_t old_;
};

bool alive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// A pid that names nothing epoll could be traced in: gone, a kernel thread
// (no user space, no epoll calls), or a zombie (exited, not yet reaped).
void refuse_unfit(pid_t pid) {
    const std::string p = "pid " + std::to_string(pid);
    if (pid <= 0 || !alive(pid))
        throw CaptureError("no process with " + p + " (check the pid with ps)");
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) return;  // gone meanwhile: the capture notices
    std::istringstream rest(stat.substr(paren + 1));
    char state = 0;
    std::string skip;
    unsigned long flags = 0;
    rest >> state >> skip >> skip >> skip >> skip >> skip >> flags;
    constexpr unsigned long kPfKthread = 0x00200000;  // include/linux/sched.h
    if (flags & kPfKthread)
        throw CaptureError(p +
                           " is a kernel thread: it makes no epoll calls (give a user "
                           "process's pid)");
    if (state == 'Z' || state == 'X')
        throw CaptureError(p +
                           " is a zombie: it has exited and waits for its parent to reap "
                           "it; nothing is left to trace");
}

// Is any process of the filter still running? Its entry goes at exit, so a
// reaped or zombie process does not count.
bool any_traced_alive(const BpfSession& session) {
    for (pid_t pid : session.traced_tgids())
        if (alive(pid)) return true;
    return false;
}

// The reads attach at the first EPOLLET registration (BpfSession::arm_reads).
// Should one fail to attach mid-capture, the capture goes on without them:
// edge-undrained then sees no read and judges nothing, which is said here.
void arm_reads_when_edge_triggered(BpfSession& session) {
    try {
        session.arm_reads();
    } catch (const CaptureError& e) {
        std::fprintf(stderr,
                     "epscope: %s: reads of edge-triggered items are not recorded from here on\n",
                     e.what());
    }
}

// What run_capture looks at, each round, to decide whether to stop.
struct StopWatch {
    const CaptureOptions& options;
    SignalFd& signals;
    std::chrono::steady_clock::time_point start;
    std::optional<LaunchedCommand>& command;
    const BpfSession& session;
    bool all_processes;
    const std::vector<pid_t>& watched;
};

// Why the capture stops now (a signal, --duration, the command or the traced
// processes gone, the viewer), or nullptr to go on.
const char* stop_reason(const StopWatch& w, const std::function<bool()>& on_tick) {
    pollfd fds[1] = {{w.signals.fd(), POLLIN, 0}};
    if (poll(fds, 1, 0) > 0 && w.signals.stop_requested()) return "signal";
    const CaptureOptions& options = w.options;
    if (options.duration && std::chrono::steady_clock::now() - w.start >= *options.duration)
        return "duration";
    if (w.command && w.command->try_wait()) {
        // --all has no filter to follow: the command is all there is.
        if (options.follow_exit == CaptureOptions::FollowExit::First || w.all_processes)
            return "command exited";
        if (!any_traced_alive(w.session)) return "command and its descendants exited";
    }
    if (!w.command && !options.pids.empty() && !options.until_stopped) {
        bool any = false;
        for (pid_t pid : w.watched) any |= alive(pid);
        if (!any) return "processes exited";
    }
    if (on_tick && !on_tick()) return "viewer";
    return nullptr;
}

// Processes already running: described from /proc first (before any record
// of theirs is read from the ring), then each interest set put in the stream
// after the records of what it already shows.
void describe_running(const std::vector<pid_t>& pids, ProcSnapshot& snapshot,
                      FdinfoCheckpoints& checkpoints, CheckpointReads& reads) {
    std::vector<std::pair<pid_t, std::vector<int>>> running;
    for (pid_t pid : pids)
        if (auto epolls = snapshot.describe_process(pid))
            running.emplace_back(pid, std::move(*epolls));
    for (const auto& [pid, epolls] : running) checkpoints.seed(reads, snapshot, pid, epolls);
}

}  // namespace

CaptureResult run_capture(const CaptureOptions& options, stream::RecordSink& sink,
                          const std::function<bool()>& on_tick) {
    CaptureResult result;
    SignalFd signals;
    FdNamer namer(sink);

    for (pid_t pid : options.pids) refuse_unfit(pid);

    std::optional<LaunchedCommand> command;
    if (!options.command.empty())
        command.emplace(options.command, options.run_as.empty()
                                             ? std::nullopt
                                             : std::optional(RunAs::lookup(options.run_as)));

    SessionConfig config = options.session;
    config.tgids = options.pids;
    if (command) config.tgids.push_back(command->pid());
    BpfSession session(config);
    FdinfoCheckpoints checkpoints(namer, config.verify);
    RingConsumer ring(session, checkpoints);
    LiveCheckpointReads checkpoint_reads(session, ring);
    if (options.on_attached) options.on_attached(session);

    // After the attach: a child forked from now on is added by BPF at fork,
    // one forked before is found here.
    std::vector<pid_t> watched = options.pids;
    if (options.follow_children && !options.pids.empty() && !config.all_processes) {
        result.children = descendants_of(options.pids);
        for (pid_t child : result.children) session.trace_tgid(child);
        watched.insert(watched.end(), result.children.begin(), result.children.end());
    }

    ProcSnapshot snapshot(checkpoints);
    describe_running(watched, snapshot, checkpoints, checkpoint_reads);
    if (command) command->release();

    const auto start = std::chrono::steady_clock::now();
    auto last_checkpoint = start;
    while (true) {
        if (config.verify &&
            std::chrono::steady_clock::now() - last_checkpoint >= options.verify_interval) {
            checkpoints.run(checkpoint_reads, snapshot);
            last_checkpoint = std::chrono::steady_clock::now();
        }
        // The ring is waited for alone (poll(2) on its fd, RingConsumer says
        // why no epoll); short waits alternate with a non-blocking look at the signals.
        ring.poll(std::min(options.poll_interval, options.drain_interval));
        arm_reads_when_edge_triggered(session);
        namer.flush();
        const StopWatch w{options, signals, start, command, session, config.all_processes, watched};
        if (const char* why = stop_reason(w, on_tick)) {
            result.stopped_by = why;
            break;
        }
    }
    // The last checkpoint, if anything traced is still there to read.
    if (config.verify) checkpoints.run(checkpoint_reads, snapshot);
    ring.drain();
    if (command) {
        result.command_ended = command->try_wait().has_value();
        command->terminate();
        result.command_status = command->try_wait();
    }
    ring.drain();
    if (options.on_stopping) options.on_stopping(session);
    // The naming thread ends here, its last names written before the sink
    // is closed (the destructor stops it without them on error paths).
    namer.finish();
    result.records = ring.delivered();
    result.lost = ring.lost();
    result.lost_skipped = ring.lost_skipped();
    result.skipped_programs = ring.skipped_by_program();
    result.rejected = ring.rejected();
    result.fdinfo_snapshots = checkpoints.snapshots();
    result.fdinfo_busy = checkpoints.busy();
    result.ring_delay = ring.delay();
    return result;
}

}  // namespace epscope::capture
