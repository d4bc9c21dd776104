// `epscope live`: a terminal view refreshing like top, built on the same
// capture loop as `record` with the model as the sink. Plain text and ANSI
// clear-screen only, so it works over ssh; when stdout is not a terminal,
// frames are printed one after another (for logs and tests).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/capture_loop.hpp"
#include "cli/commands.hpp"
#include "cli/fidelity.hpp"
#include "cli/format.hpp"
#include "cli/live_stream.hpp"
#include "cli/session_plan.hpp"
#include "model/model.hpp"
#include "stream/record_text.hpp"

namespace epscope::cli {
namespace {

// Counts records as they pass, for the rate line.
class CountingModel : public stream::RecordSink {
public:
    void on_record(const stream::Record& rec) override {
        ++records_;
        model_.on_record(rec);
    }
    const model::Model& model() const { return model_; }
    std::uint64_t records() const { return records_; }

private:
    model::Model model_;
    std::uint64_t records_ = 0;
};

void draw(const model::Model& m, std::uint64_t records, double rate, const std::string& backend,
          const trace::Visibility& seen, bool tty, bool verify) {
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
    struct Hot {
        std::uint64_t deliveries;
        std::uint32_t tgid;
        std::int32_t fd;
    };
    std::vector<Hot> hot;
    for (auto ref : m.instances()) {
        const auto& in = m.instance(ref);
        const std::uint32_t tgid = in.fds.empty() ? in.creator_tgid : in.fds.front().tgid;
        auto p = m.processes().find(tgid);
        std::string fds;
        for (const auto& f : in.fds) {
            if (!fds.empty()) fds += ',';
            fds += std::to_string(f.fd);
        }
        std::uint64_t cbs = 0;
        for (auto c : in.stats.callbacks) cbs += c;
        std::snprintf(line, sizeof line,
                      "%-7u %-15.15s %-6s %5u %5u %7zu %7llu %9s %9llu %9s %9s\n", tgid,
                      p == m.processes().end() ? "" : p->second.comm.c_str(),
                      fds.empty() ? "-" : fds.c_str(), in.items, in.ready.count, in.waiters.size(),
                      static_cast<unsigned long long>(in.stats.waits),
                      count_cell(cbs, seen.callbacks).c_str(),
                      static_cast<unsigned long long>(in.stats.deliveries),
                      duration_cell(in.stats.latency.quantile(0.5), seen.callbacks).c_str(),
                      duration_cell(in.stats.latency.quantile(0.99), seen.callbacks).c_str());
        out += line;
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
        for (auto it : m.items_in_order(ref))
            hot.push_back({m.item(it).stats.deliveries, tgid, m.item(it).fd});
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
    out += "\nhottest fds (events delivered):\n";
    for (std::size_t i = 0; i < hot.size() && i < 5 && hot[i].deliveries; ++i) {
        std::snprintf(line, sizeof line, "  pid %-7u fd %-5d %-40.40s %llu\n", hot[i].tgid,
                      hot[i].fd, std::string(m.fd_name(hot[i].tgid, hot[i].fd)).c_str(),
                      static_cast<unsigned long long>(hot[i].deliveries));
        out += line;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

int run_live(const LiveOptions& opts) {
    try {
        const PlannedSession planned = plan_session(opts.backend, opts.verbose, opts.verify);
        capture::CaptureOptions cap;
        cap.session = planned.config;
        cap.pids = opts.pids;
        cap.command = opts.command;
        cap.run_as = opts.run_as;
        if (opts.duration_s > 0)
            cap.duration = std::chrono::milliseconds(static_cast<long>(opts.duration_s * 1000));
        cap.session.verify = opts.verify;
        cap.verify_interval = std::chrono::milliseconds(opts.verify_interval_ms);
        if (opts.verify) cap.poll_interval = std::min(cap.poll_interval, cap.verify_interval);

        CountingModel model;
        const trace::TraceHeader header = header_for(planned, opts.invocation, opts.verify);
        const trace::Visibility seen = trace::visibility_of(header);
        LiveStream live(header, opts.stream);
        if (live.active()) cap.poll_interval = std::chrono::milliseconds(50);
        serve::TeeSink tee(model, live.active() ? live.sink() : model);
        stream::RecordSink& sink = live.active() ? static_cast<stream::RecordSink&>(tee) : model;
        const bool tty = isatty(STDOUT_FILENO);
        const auto interval = std::chrono::duration<double>(opts.interval_s);
        const std::string backend = plan::to_string(planned.plan.backend);
        auto last = std::chrono::steady_clock::now();
        std::uint64_t last_records = 0;
        bool drawn = false;
        auto result = capture::run_capture(cap, sink, [&] {
            live.tick();
            auto now = std::chrono::steady_clock::now();
            if (now - last < interval) return true;
            const double secs = std::chrono::duration<double>(now - last).count();
            draw(model.model(), model.records(), (model.records() - last_records) / secs, backend,
                 seen, tty, opts.verify);
            last = now;
            last_records = model.records();
            drawn = true;
            return true;
        });
        live.finish();
        // The last periodic frame stays on screen; the model has already
        // released exited processes, so a frame now would say less.
        if (!drawn) draw(model.model(), model.records(), 0, backend, seen, tty, opts.verify);
        std::fprintf(stderr, "epscope live: stopped (%s), %llu records, %llu lost\n",
                     result.stopped_by.c_str(), static_cast<unsigned long long>(model.records()),
                     static_cast<unsigned long long>(result.lost));
        return 0;
    } catch (const std::runtime_error& e) {
        // CaptureError, PlanError, ServeError, TraceError: each says what and why.
        std::fprintf(stderr, "epscope live: %s\n", e.what());
    }
    return 1;
}

}  // namespace epscope::cli
