// `epscope check FILE`: replays a trace through the findings engine and
// prints what is wrong with the traced event loops, worst first, with the
// evidence; exits 3 when something of severity warning or worse was found,
// so it can gate a server project's CI.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "cli/commands.hpp"
#include "cli/findings_text.hpp"
#include "cli/options.hpp"
#include "findings/findings.hpp"
#include "findings/header_options.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"
#include "trace/trace_header.hpp"
#include "trace/visibility.hpp"

namespace epscope::cli {
namespace {

// Names addresses in file order (as dump and stat do) before the engine sees the record.
class CheckSink : public stream::RecordSink {
public:
    CheckSink(findings::Engine& e, stream::IdMap& ids) : engine_(e), ids_(ids) {}
    void on_record(const stream::Record& rec) override {
        stream::name_addresses(rec, ids_);
        engine_.on_record(rec);
    }

private:
    findings::Engine& engine_;
    stream::IdMap& ids_;
};

findings::Options engine_options(const CheckOptions& o, const trace::TraceHeader& header,
                                 const stream::TimeWindow& window, std::uint64_t first_ts) {
    findings::Options e = findings::options_for(header);
    e.thresholds = o.thresholds;
    e.thresholds.blocked_turn_ns = static_cast<std::uint64_t>(o.blocked_turn_ms * 1e6);
    e.thresholds.blocked_error_ns = static_cast<std::uint64_t>(o.blocked_error_ms * 1e6);
    e.thresholds.oneshot_stuck_ns = static_cast<std::uint64_t>(o.oneshot_stuck_ms * 1e6);
    e.thresholds.edge_stall_ns = static_cast<std::uint64_t>(o.edge_stall_ms * 1e6);
    // The engine's window is relative to the first record, 0/0 for all of it.
    e.from_ns = window.from > first_ts ? window.from - first_ts : 0;
    if (window.to != UINT64_MAX) e.to_ns = window.to > first_ts ? window.to - first_ts : 1;
    return e;
}

void print_text(const CheckOptions& o, const trace::TraceReader& reader, findings::Engine& engine,
                stream::IdMap& ids, const std::vector<const findings::Finding*>& shown) {
    const auto& header = reader.header();
    std::printf("trace %s: kernel %s, backend %s, %llu records%s\n", o.input.c_str(),
                header.kernel_release.c_str(),
                std::string(header.get("backend").value_or("?")).c_str(),
                static_cast<unsigned long long>(engine.records()),
                reader.truncated() ? " (file cut off: readable prefix only)" : "");
    if (engine.lost())
        std::printf("lost records: %llu: findings may miss what they held\n",
                    static_cast<unsigned long long>(engine.lost()));
    for (const auto* f : shown)
        std::printf("\n%s", finding_block(*f, ids, engine.first_ts()).c_str());
    if (!engine.unjudged().empty()) std::printf("\nnot judged on this trace:\n");
    for (const auto& u : engine.unjudged())
        std::printf("  %s: %s\n", std::string(kind_name(u.kind)).c_str(), u.reason.c_str());
    std::size_t by[3] = {};
    for (const auto* f : shown) ++by[static_cast<int>(f->severity)];
    std::printf("\n%zu finding%s: %zu errors, %zu warnings, %zu info\n", shown.size(),
                shown.size() == 1 ? "" : "s", by[2], by[1], by[0]);
}

void print_json(const CheckOptions& o, const trace::TraceReader& reader, findings::Engine& engine,
                stream::IdMap& ids, const std::vector<const findings::Finding*>& shown) {
    using Json = nlohmann::ordered_json;  // keys in the order written, as before
    Json found = Json::array();
    for (const auto* f : shown) found.push_back(finding_json(*f, ids, engine.first_ts()));
    Json unjudged = Json::array();
    for (const auto& u : engine.unjudged())
        unjudged.push_back({{"kind", std::string(kind_name(u.kind))}, {"reason", u.reason}});
    const Json out{{"file", o.input},
                   {"backend", std::string(reader.header().get("backend").value_or(""))},
                   {"records", engine.records()},
                   {"lost", engine.lost()},
                   {"truncated", reader.truncated()},
                   {"findings", found},
                   {"unjudged", unjudged}};
    std::printf("%s\n", stream::json_text(out).c_str());
}

}  // namespace

int run_check(const CheckOptions& opts) {
    findings::Severity min{};
    if (!findings::parse_severity(opts.min_severity, min)) {
        std::fprintf(stderr, "epscope check: --min-severity %s: give info, warning or error\n",
                     opts.min_severity.c_str());
        return 2;
    }
    try {
        trace::TraceReader reader(opts.input);
        const std::uint64_t first_ts = trace::first_record_ts(reader);
        const stream::TimeWindow window =
            stream::resolve_window(opts.filter, first_ts, reader.header().realtime_offset_ns);
        findings::Engine engine(engine_options(opts, reader.header(), window, first_ts));
        stream::IdMap ids(opts.raw_addresses);
        CheckSink sink(engine, ids);
        reader.read_all(sink);
        engine.finish();
        if (window.from > engine.last_ts()) {
            std::fprintf(stderr,
                         "epscope check: --from %s is after the trace's last record (+%.3f s): "
                         "give a window inside the trace\n",
                         opts.filter.from.c_str(), (engine.last_ts() - engine.first_ts()) / 1e9);
            return 2;
        }
        if (reader.truncated())
            std::fprintf(stderr, "epscope check: warning: %s\n", reader.incomplete_note().c_str());
        std::vector<const findings::Finding*> shown;
        bool bad = false;
        for (const auto& f : engine.findings()) {
            if (f.severity < min || !stream::summary_selected(opts.filter, f.tgid, f.ep, ids))
                continue;
            shown.push_back(&f);
            bad = bad || f.severity >= findings::Severity::Warning;
        }
        if (opts.json)
            print_json(opts, reader, engine, ids, shown);
        else
            print_text(opts, reader, engine, ids, shown);
        if (bad) return 3;
        return reader.truncated() ? 2 : 0;  // a cut-off trace cannot vouch for health
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope check: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {  // a window that does not fit the trace
        std::fprintf(stderr, "epscope check: %s\n", e.what());
        return 2;
    }
}

// `check`: the trace, the output, the window and one option per threshold
// (docs/FINDINGS.md gives each default its reason).
CLI::App* add_check_command(CLI::App& app, CheckOptions& o) {
    auto* chk = app.add_subcommand(
        "check", "Report what is wrong with the traced epoll loops, worst first, with evidence");
    auto& t = o.thresholds;
    chk->add_option("file", o.input, "Trace file")->required();
    chk->add_flag("--json", o.json, "One JSON object, for scripts");
    chk->add_flag("--raw-addresses", o.raw_addresses, "Show kernel addresses, not per-trace ids");
    chk->add_option("--min-severity", o.min_severity,
                    "Show only findings this severe or worse: info, warning or error (the exit "
                    "status judges the shown ones)")
        ->check(CLI::IsMember({"info", "warning", "error"}))
        ->capture_default_str();
    // --from/--to: only events in the window are judged, the state before it
    // still built; --pid/--instance: the findings shown (and judged for the exit status).
    add_filter_options(chk, o.filter, false);
    auto add = [&](const char* name, auto& value, const char* help) {
        chk->add_option(name, value, help)
            ->check(CLI::PositiveNumber)
            ->capture_default_str()
            ->group("Thresholds");
    };
    add("--blocked-turn-ms", o.blocked_turn_ms,
        "Event loop blocked: a turn between two epoll_wait calls this long with items waiting");
    add("--blocked-error-ms", o.blocked_error_ms,
        "Event loop blocked: a stall this long is an error");
    add("--blocked-min-stalls", t.blocked_min_stalls,
        "Event loop blocked: at least this many such turns (unless one is an error)");
    add("--busy-min-polls", t.busy_min_polls,
        "Busy polling: at least this many empty timeout-0 waits");
    add("--busy-min-rate", t.busy_min_rate,
        "Busy polling: at least this many empty waits per second");
    add("--busy-min-empty-share", t.busy_min_empty_share,
        "Busy polling: this share (0-1) of the timeout-0 waits returned nothing");
    add("--oneshot-stuck-ms", o.oneshot_stuck_ms,
        "One-shot never re-armed: disarmed at least this long");
    add("--edge-stall-ms", o.edge_stall_ms,
        "Edge-triggered item left undrained: silent at least this long after partial reads");
    add("--herd-min-events", t.herd_min_events,
        "Thundering herd: at least this many wakeups that woke several waiters");
    add("--spurious-min", t.spurious_min, "Spurious wakeups: at least this many");
    add("--spurious-min-share", t.spurious_min_share,
        "Spurious wakeups: at least this share (0-1) of the instance's wakeups");
    add("--starved-min-harvests", t.starved_min_harvests,
        "Maxevents starvation: at least this many full harvests leaving items behind");
    add("--churn-min-rate", t.churn_min_rate, "Registration churn: epoll_ctl calls per second");
    add("--churn-min-per-delivery", t.churn_min_per_delivery,
        "Registration churn: epoll_ctl calls per delivered event");
    add("--spin-min-deliveries", t.spin_min_deliveries,
        "Level-triggered spin: EPOLLOUT-only deliveries of one item in a row");
    add("--spin-min-rate", t.spin_min_rate, "Level-triggered spin: such deliveries per second");
    add("--overflow-min-share", t.overflow_min_share,
        "Overflow pressure: share (0-1) of queueing callbacks on the overflow list");
    add("--overflow-min-callbacks", t.overflow_min_callbacks,
        "Overflow pressure: judged over at least this many queueing callbacks");
    add("--unbalanced-min-deliveries", t.unbalanced_min_deliveries,
        "Unbalanced pollers: judged over at least this many events of a process's pollers");
    add("--unbalanced-min-share", t.unbalanced_min_share,
        "Unbalanced pollers: share (0-1) of the events delivered to the busiest thread");
    add("--unbalanced-busy-share", t.unbalanced_busy_share,
        "Unbalanced pollers: a warning when the busiest thread spent this share (0-1) of its "
        "time outside epoll_wait");
    return chk;
}

}  // namespace epscope::cli
