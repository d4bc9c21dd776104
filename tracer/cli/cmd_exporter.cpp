// `epscope exporter`: counting mode (bpf/epscope_counting.h) left on as a
// daemon, its figures served to Prometheus. Processes are selected by name,
// cgroup v2 group or pid: BPF adds a process that execs with a selected
// name or in a selected group (from its first instruction on), a /proc scan
// every --scan-interval adds the ones already running or moved into a group
// later, and BPF drops each at its exit; the exporter then deletes its
// counts and its series. The capture loop is record's and live's
// (capture::run_capture), with SIGTERM/SIGINT ending it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "capture/capture_loop.hpp"
#include "capture/counting.hpp"
#include "capture/proc_snapshot.hpp"
#include "capture/process_select.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/session_plan.hpp"
#include "metrics/counting_families.hpp"
#include "metrics/metrics_server.hpp"

namespace epscope::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The selectors BPF holds (bpf/epscope.bpf.c: select_comms, select_cgroups).
constexpr std::size_t kMaxSelectors = 64;

class Exporter {
public:
    Exporter(const ExporterOptions& o, const capture::ProcessSelector& selector,
             std::string backend)
        : o_(o), selector_(selector), backend_(std::move(backend)), server_(o.metrics) {}

    // The /proc description of -p processes (run_capture's) goes here too.
    stream::RecordSink& sink() { return item_fds_; }

    // After the attach: processes running now are found by the scan; any
    // exec from here on is BPF's.
    void attached(capture::BpfSession& session, const capture::SessionConfig& config) {
        session_ = &session;
        counting_.emplace(session, config);
        scan();
        publish();
        // Said once attached: from here on nothing selected is missed.
        std::fprintf(stderr, "epscope exporter: Prometheus metrics on %s\n", server_.url().c_str());
    }

    bool tick() {
        const auto now = Clock::now();
        if (now - last_scan_ >= seconds(o_.scan_interval_s)) scan();
        if (now - last_publish_ >= seconds(o_.interval_s)) publish();
        return true;
    }

private:
    static Clock::duration seconds(double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    }

    // Adds the matching processes BPF has not (running before the attach,
    // or moved into a selected group after their exec), with the processes
    // they had already started; their items from before are named from /proc.
    void scan() {
        last_scan_ = Clock::now();
        const auto traced = session_->traced_tgids();
        const std::set<pid_t> known(traced.begin(), traced.end());
        std::vector<pid_t> found;
        for (pid_t pid : selector_.scan())
            if (!known.count(pid)) found.push_back(pid);
        if (found.empty()) return;
        std::vector<pid_t> children = capture::descendants_of(found);
        found.insert(found.end(), children.begin(), children.end());
        for (pid_t pid : found) {
            if (known.count(pid)) continue;
            session_->trace_tgid(pid);
            proc_.snapshot_process(pid);
        }
    }

    // The processes that left the filter (BPF removes each at its exit).
    std::vector<std::uint32_t> gone(const capture::CountingSnapshot& snap,
                                    const std::set<pid_t>& traced) const {
        std::vector<std::uint32_t> out;
        for (const auto& p : snap.processes)
            if (!traced.count(static_cast<pid_t>(p.tgid))) out.push_back(p.tgid);
        return out;
    }

    void publish() {
        last_publish_ = Clock::now();
        const auto tgids = session_->traced_tgids();
        const std::set<pid_t> traced(tgids.begin(), tgids.end());
        capture::CountingSnapshot snap = counting_->snapshot();
        if (const auto left = gone(snap, traced); !left.empty()) {
            counting_->forget(left);
            item_fds_.forget(left);
            fd_names_.forget(left);
            snap = counting_->snapshot();
        }
        item_fds_.fill(snap);
        name_instances(snap);
        metrics::CountingNames names{[this](std::uint64_t ep) { return instance_ids_.at(ep); },
                                     [this](std::uint32_t tgid, std::int32_t fd) {
                                         return fd_names_.name(static_cast<pid_t>(tgid), fd).name;
                                     }};
        metrics::CountingLimits limits{o_.max_processes, o_.max_instances, o_.top_items};
        server_.publish(metrics::counting_families(snap, counting_->visibility(), names, limits,
                                                   {backend_, traced.size()}));
    }

    // Instances get ep#N in order of first sight, never a kernel address;
    // the ids of instances gone from the maps are dropped with them.
    void name_instances(const capture::CountingSnapshot& snap) {
        std::map<std::uint64_t, std::string> ids;
        for (const auto& c : snap.instances) {
            auto it = instance_ids_.find(c.ep);
            ids[c.ep] =
                it != instance_ids_.end() ? it->second : "ep#" + std::to_string(next_instance_++);
        }
        instance_ids_ = std::move(ids);
    }

    const ExporterOptions& o_;
    const capture::ProcessSelector& selector_;
    const std::string backend_;
    metrics::MetricsServer server_;
    capture::BpfSession* session_ = nullptr;
    std::optional<capture::CountingSession> counting_;
    capture::SnapshotItemFds item_fds_;
    capture::ProcSnapshot proc_{item_fds_};
    // The busiest items are named at every publication: from the cache
    // while their fd shows the same file.
    capture::FdNameCache fd_names_;
    std::map<std::uint64_t, std::string> instance_ids_;
    std::uint64_t next_instance_ = 1;
    Clock::time_point last_scan_, last_publish_;
};

// One line when nothing, or more than BPF holds, is selected.
bool selectors_fit(const ExporterOptions& o) {
    if (o.comms.empty() && o.cgroups.empty() && o.pids.empty()) {
        std::fprintf(stderr,
                     "epscope exporter: nothing to trace: give --comm NAME, --cgroup PATH or "
                     "-p PID (repeatable)\n");
        return false;
    }
    if (o.comms.size() > kMaxSelectors || o.cgroups.size() > kMaxSelectors) {
        std::fprintf(stderr,
                     "epscope exporter: at most %zu names and %zu cgroups can be selected (run "
                     "a second exporter for more)\n",
                     kMaxSelectors, kMaxSelectors);
        return false;
    }
    return true;
}

// The selectors and the address checked before anything is loaded: a bad
// one is a usage error (exit 2, which the systemd unit does not restart).
std::optional<capture::ProcessSelector> checked_selector(const ExporterOptions& o) {
    try {
        metrics::listen_address(o.metrics);
        return capture::ProcessSelector(o.comms, o.cgroups);
    } catch (const std::runtime_error& e) {  // MetricsError, SelectError
        std::fprintf(stderr, "epscope exporter: %s\n", e.what());
    }
    return std::nullopt;
}

// The capture loop's options: record's and live's, in counting mode, on
// until stopped.
capture::CaptureOptions exporter_capture(const ExporterOptions& o, const CaptureArgs& args,
                                         const PlannedSession& planned,
                                         const capture::ProcessSelector& selector) {
    capture::CaptureOptions cap = capture_options(args, planned);
    cap.session.counting = true;
    cap.session.counting_items = o.counting_items;
    cap.session.select_comms = selector.comms();
    cap.session.select_cgroups = selector.cgroup_ids();
    // No record is submitted: the smallest ring the kernel accepts.
    cap.session.ring_bytes = static_cast<std::uint32_t>(sysconf(_SC_PAGESIZE));
    cap.until_stopped = true;
    // Nothing to drain: wake to publish, scan and notice a signal.
    const auto step = std::chrono::milliseconds(
        static_cast<long>(1000 * std::min({0.1, o.interval_s, o.scan_interval_s})));
    cap.poll_interval = cap.drain_interval = std::max(step, std::chrono::milliseconds(10));
    return cap;
}

}  // namespace

int run_exporter(const ExporterOptions& o) {
    if (!selectors_fit(o)) return 2;
    const std::optional<capture::ProcessSelector> checked = checked_selector(o);
    if (!checked) return 2;
    const capture::ProcessSelector& selector = *checked;
    try {
        CaptureArgs args;
        args.pids = o.pids;
        args.backend = o.backend;
        args.verbose = o.verbose;
        args.duration_s = o.duration_s;
        const PlannedSession planned = plan_session(args);
        capture::CaptureOptions cap = exporter_capture(o, args, planned, selector);
        Exporter exporter(o, selector, plan::to_string(planned.plan.backend));
        cap.on_attached = [&](capture::BpfSession& s) { exporter.attached(s, cap.session); };
        const auto result =
            capture::run_capture(cap, exporter.sink(), [&] { return exporter.tick(); });
        std::fprintf(stderr, "epscope exporter: stopped (%s)\n", result.stopped_by.c_str());
        return 0;
    } catch (const std::runtime_error& e) {
        // MetricsError (cannot bind), CaptureError, PlanError: each says what and why.
        std::fprintf(stderr, "epscope exporter: %s\n", e.what());
    }
    return 1;
}

CLI::App* add_exporter_command(CLI::App& app, ExporterOptions& o) {
    auto* cmd = app.add_subcommand(
        "exporter",
        "Serve Prometheus metrics (counting mode) of processes selected by name, cgroup or pid, "
        "picking up new ones as they start");
    cmd->add_option("--comm", o.comms,
                    "Trace processes of this name: the kernel's comm (15 bytes) or the "
                    "executable's file name (comma-separated, repeatable)")
        ->delimiter(',');
    cmd->add_option("--cgroup", o.cgroups,
                    "Trace the processes of this cgroup v2 group and the groups below it "
                    "(/system.slice/x.service, or its directory; repeatable)");
    cmd->add_option("-p,--pid", o.pids,
                    "Trace these processes and their children (comma-separated, repeatable)")
        ->delimiter(',')
        ->check(kPid);
    cmd->add_option("--metrics", o.metrics,
                    "Serve on [ADDR:]PORT (PORT alone: 127.0.0.1; any other address must be "
                    "written out)")
        ->capture_default_str();
    cmd->add_option("-i,--interval", o.interval_s, "Seconds between updates of the figures")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    cmd->add_option("--scan-interval", o.scan_interval_s,
                    "Seconds between scans of /proc for selected processes BPF did not see "
                    "start (running before, or moved into a group)")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    cmd->add_option("--max-processes", o.max_processes,
                    "Processes with their own series, the busiest first (the rest are summed "
                    "as pid=\"other\")")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--max-instances", o.max_instances,
                    "Instances with their own series (the rest: instance=\"other\")")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--top-items", o.top_items, "The busiest items given series of their own")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    cmd->add_option("--counting-items", o.counting_items,
                    "Items counted at most (the least used are evicted, and counted)")
        ->check(CLI::Range(64u, 4194304u))
        ->capture_default_str();
    cmd->add_option("--backend", o.backend,
                    "Kernel hooks to use: auto, fentry, kprobe or tracepoint")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}))
        ->capture_default_str();
    cmd->add_option("-d,--duration", o.duration_s, "Stop after SECONDS")->check(kSeconds);
    cmd->add_flag("-v,--verbose", o.verbose, "Show libbpf's own messages");
    return cmd;
}

}  // namespace epscope::cli
