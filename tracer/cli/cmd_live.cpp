// `epscope live`: a terminal view refreshing like top, built on the same
// capture loop as `record` with the model as the sink. Plain text and ANSI
// clear-screen only, so it works over ssh; when stdout is not a terminal,
// frames are printed one after another (for logs and tests).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/capture_loop.hpp"
#include "cli/commands.hpp"
#include "cli/fidelity.hpp"
#include "cli/findings_text.hpp"
#include "cli/format.hpp"
#include "cli/live_stream.hpp"
#include "cli/options.hpp"
#include "cli/session_plan.hpp"
#include "findings/findings.hpp"
#include "findings/header_options.hpp"
#include "metrics/metrics_families.hpp"
#include "metrics/metrics_server.hpp"
#include "model/model.hpp"
#include "serve/stream_publisher.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/visibility.hpp"

namespace epscope::cli {
namespace {

// Counts records as they pass, for the rate line, and names addresses as
// dump, stat and check of the same stream do (ep#N in metrics labels and
// findings); the findings engine sees every record too.
class CountingModel : public stream::RecordSink {
public:
    explicit CountingModel(const trace::TraceHeader& header)
        : findings_(findings::options_for(header)) {}
    void on_record(const stream::Record& rec) override {
        ++records_;
        stream::name_addresses(rec, ids_);
        model_.on_record(rec);
        findings_.on_record(rec);
    }
    const model::Model& model() const { return model_; }
    std::uint64_t records() const { return records_; }
    std::string instance_name(const model::Instance& in) {
        return in.ep ? ids_.name(stream::AddrSpace::Instance, in.ep) : std::string();
    }
    findings::Engine& findings() { return findings_; }
    stream::IdMap& ids() { return ids_; }

private:
    model::Model model_;
    findings::Engine findings_;
    stream::IdMap ids_;
    std::uint64_t records_ = 0;
};

// --metrics: the model's families published at most every 250 ms (a scrape
// reads the last copy) and once more at the end.
class MetricsPublisher {
public:
    MetricsPublisher(const LiveOptions& o, const trace::Visibility& seen) : seen_(seen) {
        if (o.metrics.empty()) return;
        server_ = std::make_unique<metrics::MetricsServer>(o.metrics);
        limits_.max_instances = o.metrics_max_instances;
        limits_.top_items = o.metrics_top_items;
        std::fprintf(stderr, "epscope live: Prometheus metrics on %s\n", server_->url().c_str());
    }
    void tick(CountingModel& m, std::uint64_t lost, bool force = false) {
        if (!server_) return;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_ < std::chrono::milliseconds(250)) return;
        last_ = now;
        metrics::CaptureCounts counts{seen_.backend, m.records(), lost};
        auto families = metrics::model_families(
            m.model(), [&m](const model::Instance& in) { return m.instance_name(in); }, limits_,
            seen_, counts);
        // The findings as the view last built them (every -i seconds).
        for (auto& f : metrics::findings_families(m.findings().findings(), m.findings().unjudged()))
            families.push_back(std::move(f));
        server_->publish(std::move(families));
    }

private:
    std::unique_ptr<metrics::MetricsServer> server_;
    metrics::MetricsLimits limits_;
    trace::Visibility seen_;
    std::chrono::steady_clock::time_point last_{};
};

// The findings so far, one line each (`epscope check` on a recorded trace has the evidence).
std::string findings_section(CountingModel& m) {
    const auto& found = m.findings().snapshot();
    std::string out = "\nfindings so far: " + std::to_string(found.size()) + "\n";
    for (std::size_t i = 0; i < found.size() && i < 8; ++i)
        out += "  " + finding_line(found[i], m.ids()) + "\n";
    if (found.size() > 8) out += "  ... (" + std::to_string(found.size() - 8) + " more)\n";
    // What this capture cannot see is said, not left looking like "none found".
    std::string unjudged;
    for (const auto& u : m.findings().unjudged())
        unjudged += (unjudged.empty() ? "" : ", ") + std::string(findings::kind_name(u.kind));
    if (!unjudged.empty()) out += "  not judged by this capture: " + unjudged + "\n";
    return out;
}

// An item with the instance's process, for the hottest fds.
struct Hot {
    std::uint64_t deliveries;
    std::uint32_t tgid;
    std::int32_t fd;
    model::ItemRef item;
};

// An instance's row of the table, and its ready list (the first 8 fds) under it.
std::string instance_rows(const model::Model& m, model::InstanceRef ref, std::uint32_t tgid,
                          const trace::Visibility& seen) {
    const auto& in = m.instance(ref);
    auto p = m.processes().find(tgid);
    std::string fds;
    for (const auto& f : in.fds) {
        if (!fds.empty()) fds += ',';
        fds += std::to_string(f.fd);
    }
    std::uint64_t cbs = 0;
    for (auto c : in.stats.callbacks) cbs += c;
    char line[256];
    std::snprintf(line, sizeof line, "%-7u %-15.15s %-6s %5u %5u %7zu %7llu %9s %9llu %9s %9s\n",
                  tgid, p == m.processes().end() ? "" : p->second.comm.c_str(),
                  fds.empty() ? "-" : fds.c_str(), in.items, in.ready.count, in.waiters.size(),
                  static_cast<unsigned long long>(in.stats.waits),
                  count_cell(cbs, seen.callbacks).c_str(),
                  static_cast<unsigned long long>(in.stats.deliveries),
                  duration_cell(in.stats.latency.quantile(0.5), seen.callbacks).c_str(),
                  duration_cell(in.stats.latency.quantile(0.99), seen.callbacks).c_str());
    std::string out = line;
    auto ready = m.ready_list(ref);
    if (!ready.empty()) {
        out += "        ready list:";
        for (std::size_t i = 0; i < ready.size() && i < 8; ++i) {
            out += ' ';
            out += std::to_string(m.item(ready[i]).fd);
        }
        if (ready.size() > 8) out += " ...";
        out += "\n";
    }
    return out;
}

// The five items that delivered most events (`hot` sorted, most first).
std::string hottest_section(const model::Model& m, const std::vector<Hot>& hot) {
    std::string out = "\nhottest fds (events delivered):\n";
    char line[256];
    for (std::size_t i = 0; i < hot.size() && i < 5 && hot[i].deliveries; ++i) {
        // A stale item (its fd closed, the file still registered) is its own
        // row, named as its fd was, never as the file the number names now.
        std::string name(m.item_fd_name(hot[i].tgid, hot[i].item));
        if (m.item_stale(hot[i].item)) name = "[closed fd] " + name;
        std::snprintf(line, sizeof line, "  pid %-7u fd %-5d %-40.40s %llu\n", hot[i].tgid,
                      hot[i].fd, name.c_str(), static_cast<unsigned long long>(hot[i].deliveries));
        out += line;
    }
    return out;
}

void draw(CountingModel& counting, double rate, const std::string& backend,
          const trace::Visibility& seen, bool tty, bool verify) {
    const model::Model& m = counting.model();
    const std::uint64_t records = counting.records();
    std::string out = tty ? "\033[H\033[2J" : "----\n";
    char line[256];
    std::snprintf(line, sizeof line,
                  "epscope live  backend %s  %llu records (%.0f/s)  lost %llu\n\n", backend.c_str(),
                  static_cast<unsigned long long>(records), rate,
                  static_cast<unsigned long long>(m.stats().lost));
    out += line;
    std::snprintf(line, sizeof line, "%-7s %-15s %-6s %5s %5s %7s %7s %9s %9s %9s %9s\n", "PID",
                  "COMMAND", "EPFD", "ITEMS", "READY", "WAITERS", "WAITS", "CALLBACKS", "DELIVERED",
                  "LAT p50", "LAT p99");
    out += line;
    std::vector<Hot> hot;
    for (auto ref : m.instances()) {
        const auto& in = m.instance(ref);
        const std::uint32_t tgid = in.fds.empty() ? in.creator_tgid : in.fds.front().tgid;
        out += instance_rows(m, ref, tgid, seen);
        for (auto it : m.items_in_order(ref))
            hot.push_back({m.item(it).stats.deliveries, tgid, m.item(it).fd, it});
    }
    std::sort(hot.begin(), hot.end(),
              [](const Hot& a, const Hot& b) { return a.deliveries > b.deliveries; });
    if (const std::string note = unseen_note(seen); !note.empty()) {
        out += note;
        out += '\n';
    }
    if (verify) {
        out += '\n';
        out += fidelity_line(m.stats().verify);
        out += '\n';
    }
    out += hottest_section(m, hot);
    out += findings_section(counting);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

int run_live(const LiveOptions& opts) {
    if (opts.counting) return run_live_counting(opts);
    try {
        const CaptureArgs& args = opts.capture;
        const PlannedSession planned = plan_session(args);
        capture::CaptureOptions cap = capture_options(args, planned);

        const std::string backend = plan::to_string(planned.plan.backend);
        const trace::TraceHeader header = header_for(planned, args.invocation, args.verify);
        CountingModel model(header);
        const trace::Visibility seen = trace::visibility_of(header);
        MetricsPublisher metrics(opts, seen);
        LiveStream live(header, opts.stream);
        if (live.active()) cap.poll_interval = serve::kLiveChunkInterval;
        serve::TeeSink tee(model, live.active() ? live.sink() : model);
        stream::RecordSink& sink = live.active() ? static_cast<stream::RecordSink&>(tee) : model;
        const bool tty = isatty(STDOUT_FILENO);
        const auto interval = std::chrono::duration<double>(opts.interval_s);
        auto last = std::chrono::steady_clock::now();
        std::uint64_t last_records = 0;
        bool drawn = false;
        auto result = capture::run_capture(cap, sink, [&] {
            live.tick();
            metrics.tick(model, model.model().stats().lost);
            auto now = std::chrono::steady_clock::now();
            if (now - last < interval) return true;
            const double secs = std::chrono::duration<double>(now - last).count();
            draw(model, (model.records() - last_records) / secs, backend, seen, tty, args.verify);
            last = now;
            last_records = model.records();
            drawn = true;
            return true;
        });
        live.finish();
        metrics.tick(model, model.model().stats().lost, true);
        // The last periodic frame stays on screen; the model has already
        // released exited processes, so a frame now would say less.
        if (!drawn) draw(model, 0, backend, seen, tty, args.verify);
        std::fprintf(stderr, "epscope live: stopped (%s), %llu records, %llu lost\n",
                     result.stopped_by.c_str(), static_cast<unsigned long long>(model.records()),
                     static_cast<unsigned long long>(result.lost));
        if (result.lost_skipped)
            std::fprintf(stderr, "epscope live: %s\n",
                         capture::describe_skipped_runs(result.skipped_programs).c_str());
        return 0;
    } catch (const std::runtime_error& e) {
        // CaptureError, PlanError, ServeError, TraceError: each says what and why.
        std::fprintf(stderr, "epscope live: %s\n", e.what());
    }
    return 1;
}

CLI::App* add_live_command(CLI::App& app, LiveOptions& o) {
    auto* cmd =
        app.add_subcommand("live", "Watch epoll instances of processes, refreshing like top");
    add_capture_options(cmd, o.capture, "-- CMD ARGS...: launch and watch a command");
    cmd->add_option("-i,--interval", o.interval_s, "Seconds between refreshes")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    add_stream_out_options(cmd, o.stream, "/var/tmp");
    cmd->add_option("--metrics", o.metrics,
                    "Serve Prometheus metrics over HTTP on [ADDR:]PORT (PORT alone: 127.0.0.1; any "
                    "other address must be written out)");
    cmd->add_option("--metrics-max-instances", o.metrics_max_instances,
                    "With --metrics: instances with their own series, the busiest first (the rest "
                    "are summed as instance=\"other\")")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--metrics-top-items", o.metrics_top_items,
                    "With --metrics: the busiest items given series of their own")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    auto* counting = cmd->add_flag(
        "--counting", o.counting,
        "Count in BPF maps instead of streaming records (per instance and item: calls, "
        "deliveries, callbacks, harvests, wakeups, latency histograms): cheap enough to leave on");
    cmd->add_option("--counting-items", o.counting_items,
                    "With --counting: items counted at most (the least used are evicted, and "
                    "counted)")
        ->check(CLI::Range(64u, 4194304u))
        ->capture_default_str()
        ->needs(counting);
    cmd->add_flag("--json", o.json, "With --counting: one JSON object per refresh")
        ->needs(counting);
    return cmd;
}

}  // namespace epscope::cli
