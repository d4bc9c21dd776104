#include "cli/options.hpp"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace epscope::cli {
namespace {

// Bad values are refused by CLI11 with the text these return (one line).
std::string pid_error(std::string& v) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (errno != 0 || end == v.c_str() || *end != 0 || n <= 0 || n > INT_MAX)
        return v +
               " is not a pid: a pid is a positive number (see ps; 0 and negative numbers "
               "name process groups)";
    return {};
}

// Seconds as the capture's clock can hold them: finite, positive, at most a year.
std::string seconds_error(std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != 0 || !std::isfinite(d) || d <= 0 || d > 31536000)
        return "'" + v.substr(0, 32) +
               "' is not a duration: give seconds, more than 0 and at "
               "most 31536000 (a year)";
    return {};
}

std::string path_error(std::string& v) {
    return v.empty() ? std::string("an empty path: give a file name") : std::string();
}

std::string power_of_two_error(std::string& v) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != 0 || n == 0 || n > 1024 || (n & (n - 1)) != 0)
        return v + " MiB: the ring buffer's size is a power of two from 1 to 1024";
    return {};
}

std::string time_bound_error(std::string& v) {
    stream::TimeBound b;
    return stream::parse_time_bound(v, b);
}

}  // namespace

const CLI::Validator kPid(pid_error, "PID");
const CLI::Validator kSeconds(seconds_error, "SECONDS");
const CLI::Validator kPath(path_error, "PATH");
const CLI::Validator kPowerOfTwo(power_of_two_error, "MIB");

void add_capture_options(CLI::App* cmd, CaptureArgs& a, const std::string& launch_help) {
    // Comma lists as perf and strace take them: -p 1,2 is -p 1 -p 2.
    auto* pid =
        cmd->add_option("-p,--pid", a.pids, "Trace these processes (comma-separated, repeatable)")
            ->delimiter(',')
            ->check(kPid);
    cmd->add_flag("-a,--all", a.all_processes, "Trace every process on the machine")->excludes(pid);
    cmd->add_option("-u,--user", a.run_as,
                    "Run the launched command as USER, with USER's groups (default: root)");
    cmd->add_option("command", a.command, launch_help);
    cmd->add_option("-d,--duration", a.duration_s, "Stop after SECONDS")->check(kSeconds);
    cmd->add_option("--backend", a.backend,
                    "Kernel hooks to use: auto, fentry, kprobe or tracepoint")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}))
        ->capture_default_str();
    cmd->add_option("--ring-mb", a.ring_mb, "BPF ring buffer size in MiB (power of two)")
        ->check(kPowerOfTwo)
        ->capture_default_str();
    cmd->add_flag("-v,--verbose", a.verbose, "Show libbpf's own messages");
    cmd->add_flag("--verify", a.verify,
                  "Also record kernel list/tree walks and /proc fdinfo checkpoints, so that "
                  "the model is proven (`epscope stat`'s fidelity line; costs more per event)");
    cmd->add_option("--verify-interval", a.verify_interval_ms,
                    "Milliseconds between fdinfo checkpoints with --verify")
        ->check(CLI::Range(10u, 3600000u))
        ->capture_default_str();
    cmd->add_flag("--no-children", a.no_children,
                  "With -p: trace only the given processes, not the ones they had already "
                  "started (a master's workers; children forked later are always followed)");
    cmd->add_option("--follow-exit", a.follow_exit,
                    "With -- CMD: stop when the command exits (first) or when the last of the "
                    "processes it started exits (all: follows daemons that double-fork)")
        ->check(CLI::IsMember({"first", "all"}))
        ->capture_default_str();
}

void add_stream_out_options(CLI::App* cmd, StreamOutOptions& o, const std::string& spool_default) {
    cmd->add_option("--serve", o.serve_path,
                    "Also serve the live stream on this unix socket (for epscope-gui --connect)")
        ->check(kPath);
    cmd->add_option("--stream-to", o.stream_to,
                    "Also write the live stream to this file or device (e.g. a virtio port)")
        ->check(kPath);
    cmd->add_option("--serve-spool-dir", o.spool_dir,
                    "With --serve: where the stream is spooled (an unnamed file) so that a "
                    "reader joining late gets it from the start; default: " +
                        spool_default);
    cmd->add_option("--serve-spool-mb", o.spool_mb,
                    "With --serve: the spool's cap; readers joining past it get the stream "
                    "marked incomplete")
        ->check(CLI::Range(1u, 1048576u))
        ->capture_default_str();
    // Test-only: a small in-memory tail makes late joiners use the spool.
    cmd->add_option("--serve-history-kb", o.history_kb)->check(CLI::Range(0u, 1048576u))->group("");
    // Test-only: a small reader queue gets a stalled reader dropped soon.
    cmd->add_option("--serve-queue-kb", o.queue_kb)->check(CLI::Range(16u, 1048576u))->group("");
}

void add_filter_options(CLI::App* cmd, stream::FilterArgs& f, bool records) {
    static const CLI::Validator time_bound(time_bound_error, "TIME");
    const char* group = "Filter";
    cmd->add_option("--pid", f.pids, "Only these processes (comma-separated, repeatable)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(kPid)
        ->group(group);
    cmd->add_option("--instance", f.instances,
                    "Only these epoll instances: ids as dump prints them (ep#2) or kernel "
                    "addresses (0x...); comma-separated")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->group(group);
    cmd->add_option("--from", f.from,
                    "From TIME: seconds after the first record (12.5), a wall-clock time "
                    "(13:04:05.25) or date and time (2026-12-05T13:04:05), local time")
        ->check(time_bound)
        ->group(group);
    cmd->add_option("--to", f.to, "Up to TIME (as --from)")->check(time_bound)->group(group);
    // A window that ends before it starts is refused before the trace is read.
    cmd->parse_complete_callback([&f] {
        if (std::string e = stream::check_window(f); !e.empty()) throw CLI::ValidationError(e);
    });
    if (!records) return;
    cmd->add_option("--tid", f.tids, "Only records of these threads (comma-separated)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(kPid)
        ->group(group);
    cmd->add_option("--fd", f.fds,
                    "Only records of these fds: an item's fd or an instance's epfd "
                    "(comma-separated; fds are per process: add --pid)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(CLI::NonNegativeNumber)
        ->group(group);
    cmd->add_option("--kind", f.kinds,
                    "Only records of these kinds, as dump names them (comma-separated)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(CLI::IsMember(stream::kind_names()))
        ->group(group);
}

bool has_target(const CaptureArgs& a, const char* command) {
    if (!a.pids.empty() || !a.command.empty() || a.all_processes) return true;
    std::fprintf(stderr, "epscope %s: nothing to trace: give -p PID, -a or -- CMD ARGS...\n",
                 command);
    return false;
}

}  // namespace epscope::cli
