// `epscope stat FILE`: replays a trace through the model and prints, per
// process and epoll instance, what happened: items, ready list, waiters,
// calls by kind and outcome, latencies; then lost records, fidelity and the
// attach plan. Instances are summarised when they are freed (the model
// releases them) and at the end of the trace.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/fidelity.hpp"
#include "cli/findings_text.hpp"
#include "cli/format.hpp"
#include "cli/options.hpp"
#include "findings/findings.hpp"
#include "findings/header_options.hpp"
#include "model/model.hpp"
#include "plan/doctor.hpp"
#include "stat/window_stat.hpp"
#include "stream/abi.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"
#include "trace/trace_header.hpp"
#include "trace/visibility.hpp"

namespace epscope::cli {
namespace {

using stat::InstanceSummary;
using stat::StaleSummary;
using stat::StatCollector;

// "4" or "4,7": the fds that reach the instance.
std::string epfd_list(const InstanceSummary& s) {
    std::string fds;
    for (auto fd : s.epfds) {
        if (!fds.empty()) fds += ',';
        fds += std::to_string(fd);
    }
    return fds;
}

// One line per stale item: registered under an fd its process closed (the
// file stayed open elsewhere), kept apart from the file the number names now.
// (Times as `epscope dump` prints them.)
void print_stale(const InstanceSummary& s, stream::IdMap& ids, const trace::Visibility& seen) {
    for (const StaleSummary& st : s.stale) {
        const std::string file = ids.name(stream::AddrSpace::File, st.file);
        std::printf(
            "           stale item: fd %d%s%s, its fd closed at %llu.%09llu with the file "
            "open elsewhere, %s: callbacks %s, delivered %llu\n",
            st.fd, st.name.empty() ? "" : (" (" + st.name + ")").c_str(),
            file.empty() ? "" : (" " + file).c_str(),
            static_cast<unsigned long long>(st.closed_ts / 1'000'000'000),
            static_cast<unsigned long long>(st.closed_ts % 1'000'000'000),
            st.removed ? "removed later" : "still registered",
            count_cell(st.callbacks, seen.callbacks).c_str(),
            static_cast<unsigned long long>(st.deliveries));
    }
}

// The findings of the processes and instances --pid and --instance select.
std::vector<const findings::Finding*> shown_findings(const findings::Engine& engine,
                                                     const stream::FilterArgs& filter,
                                                     stream::IdMap& ids) {
    std::vector<const findings::Finding*> shown;
    for (const auto& f : engine.findings())
        if (stream::summary_selected(filter, f.tgid, f.ep, ids)) shown.push_back(&f);
    return shown;
}

// One line per finding; `epscope check` has the evidence.
void print_findings(const findings::Engine& engine,
                    const std::vector<const findings::Finding*>& shown, stream::IdMap& ids) {
    std::printf("\nfindings: %zu (`epscope check FILE` shows the evidence", shown.size());
    if (!engine.unjudged().empty())
        std::printf(" and the %zu kinds this trace cannot judge", engine.unjudged().size());
    std::printf(")\n");
    for (const auto* f : shown) std::printf("  %s\n", finding_line(*f, ids).c_str());
}

// The mismatch messages with the trace's ids for kernel addresses (as dump
// prints them), or raw addresses with --raw-addresses.
model::VerifyStats named_mismatches(const model::VerifyStats& v, stream::IdMap& ids) {
    model::VerifyStats named = v;
    for (std::string& line : named.log) line = stream::name_addresses_in_text(line, ids);
    named.last_mismatch = stream::name_addresses_in_text(named.last_mismatch, ids);
    return named;
}

using Json = nlohmann::ordered_json;  // keys in the order written: the output's, as before
using ByProcess = std::map<std::uint32_t, std::vector<const InstanceSummary*>>;

// What `stat` reports, as text or JSON, gathered by run_stat.
struct StatReport {
    const StatOptions& opts;
    const trace::TraceReader& reader;
    StatCollector& collector;
    const model::VerifyStats& verify;  // mismatches with the trace's ids
    const std::string& incomplete;
    const ByProcess& by_process;
    const std::vector<const findings::Finding*>& shown;
    const findings::Engine& engine;
};

Json stale_json(const InstanceSummary& s, stream::IdMap& ids) {
    Json out = Json::array();
    for (const StaleSummary& st : s.stale)
        out.push_back({{"fd", st.fd},
                       {"file", ids.name(stream::AddrSpace::File, st.file)},
                       {"name", st.name},
                       {"closed_ts", st.closed_ts},
                       {"callbacks", st.callbacks},
                       {"deliveries", st.deliveries},
                       {"removed", st.removed}});
    return out;
}

Json instance_json(const InstanceSummary& s, stream::IdMap& ids) {
    Json callbacks = Json::object();
    for (std::size_t o = 0; o < model::kOutcomes; ++o)
        callbacks[stream::callback_outcome_name(static_cast<std::uint32_t>(o))] =
            s.stats.callbacks[o];
    return Json{{"ep", ids.name(stream::AddrSpace::Instance, s.ep)},
                {"epfds", s.epfds},
                {"items", s.items},
                {"ready", s.ready},
                {"waiters", s.waiters},
                {"freed", s.freed},
                {"waits", s.stats.waits},
                {"harvests", s.stats.harvests},
                {"deliveries", s.stats.deliveries},
                {"wakeups", s.stats.wakeups},
                {"spurious_wakeups", s.stats.spurious_wakeups},
                {"herds", s.stats.herds},
                {"callbacks", callbacks},
                {"latency_p50_ns", s.stats.latency.quantile(0.5)},
                {"latency_p99_ns", s.stats.latency.quantile(0.99)},
                {"wait_p50_ns", s.stats.wait_time.quantile(0.5)},
                {"wait_p99_ns", s.stats.wait_time.quantile(0.99)},
                {"stale_items", stale_json(s, ids)}};
}

std::string stat_json(const StatReport& in) {
    const auto& header = in.reader.header();
    const auto& st = in.collector.model().stats();
    stream::IdMap& ids = in.collector.ids();
    Json processes = Json::array();
    for (const auto& [tgid, list] : in.by_process) {
        Json instances = Json::array();
        for (const auto* s : list) instances.push_back(instance_json(*s, ids));
        processes.push_back(
            {{"tgid", tgid}, {"comm", in.collector.comm(tgid)}, {"instances", instances}});
    }
    Json found = Json::array();
    for (const auto* f : in.shown) found.push_back(finding_json(*f, ids, in.engine.first_ts()));
    const Json out{{"file", in.opts.input},
                   {"kernel", header.kernel_release},
                   {"backend", std::string(header.get("backend").value_or(""))},
                   {"records", st.records},
                   {"lost", st.lost},
                   {"truncated", in.reader.truncated()},
                   {"verify_checks", st.verify.total_checks()},
                   {"verify_mismatches", st.verify.total_mismatches()},
                   {"fidelity", fidelity_json(in.verify)},
                   {"incomplete", in.incomplete},
                   {"epoll_activity", in.collector.epoll_activity()},
                   {"processes", processes},
                   {"findings", found}};
    // Names from the traced program are bytes, not always UTF-8.
    return stream::json_text(out);
}

// One instance's row of the text report, its callbacks by outcome and its stale items.
void print_instance_row(const InstanceSummary& s, stream::IdMap& ids,
                        const trace::Visibility& seen) {
    const std::string fds = epfd_list(s);
    const std::string id = ids.name(stream::AddrSpace::Instance, s.ep);
    std::uint64_t cbs = 0;
    for (auto c : s.stats.callbacks) cbs += c;
    std::printf("  %-8s %-8s %5u %5u %7u %6llu %8s %10s %9llu %7s %9s %9s %9s %9s%s\n",
                id.empty() ? "-" : id.c_str(), fds.empty() ? "-" : fds.c_str(), s.items, s.ready,
                s.waiters, static_cast<unsigned long long>(s.stats.waits),
                count_cell(s.stats.harvests, seen.harvests).c_str(),
                count_cell(cbs, seen.callbacks).c_str(),
                static_cast<unsigned long long>(s.stats.deliveries),
                count_cell(s.stats.spurious_wakeups, seen.wakeups).c_str(),
                duration_cell(s.stats.latency.quantile(0.5), seen.callbacks).c_str(),
                duration_cell(s.stats.latency.quantile(0.99), seen.callbacks).c_str(),
                format_duration(s.stats.wait_time.quantile(0.5)).c_str(),
                format_duration(s.stats.wait_time.quantile(0.99)).c_str(),
                s.freed ? "  (freed)" : "");
    if (cbs) {
        std::printf("           callbacks:");
        for (std::size_t o = 0; o < model::kOutcomes; ++o)
            if (s.stats.callbacks[o])
                std::printf(" %s %llu",
                            stream::callback_outcome_name(static_cast<std::uint32_t>(o)).c_str(),
                            static_cast<unsigned long long>(s.stats.callbacks[o]));
        std::printf("\n");
    }
    print_stale(s, ids, seen);
}

// Lost records and skipped program runs, the fidelity of verify mode, its mismatches.
void print_losses_and_fidelity(const StatReport& in) {
    const auto& header = in.reader.header();
    const auto& st = in.collector.model().stats();
    std::printf("\nlost records: %llu%s%s\n", static_cast<unsigned long long>(st.lost),
                st.lost > st.lost_skipped
                    ? " (the ring buffer was full: record with a larger --ring-mb)"
                    : "",
                !st.lost_skipped ? ""
                // kprobe programs are skipped only when another BPF program runs on the
                // same CPU (bpf_prog_active): no other backend avoids that.
                : header.get("backend").value_or("") == "kprobe"
                    ? " (program runs the kernel skipped: another BPF program was running "
                      "on the CPU)"
                    : " (program runs the kernel skipped: record with --backend kprobe)");
    if (!in.collector.epoll_activity()) std::printf("%s\n", kNoEpollActivity);
    const bool verified = header.get(trace::kMetaVerify).value_or("") == "yes";
    std::printf("%s\n", fidelity_line(st.verify, verified).c_str());
    if (in.opts.mismatches) {
        for (const std::string& line : in.verify.log)
            std::printf("  mismatch at %s\n", line.c_str());
        if (st.verify.total_mismatches() > st.verify.log.size())
            std::printf("  (%llu more not listed)\n",
                        static_cast<unsigned long long>(st.verify.total_mismatches() -
                                                        st.verify.log.size()));
    } else if (!in.verify.last_mismatch.empty()) {
        std::printf("  last mismatch: %s\n", in.verify.last_mismatch.c_str());
    }
}

// The text report: a table per process, findings, losses, fidelity, the plan.
void print_stat_text(const StatReport& in) {
    const StatOptions& opts = in.opts;
    const trace::TraceReader& reader = in.reader;
    const auto& header = reader.header();
    const auto& st = in.collector.model().stats();
    const StatCollector& collector = in.collector;
    const trace::Visibility seen = trace::visibility_of(header);
    stream::IdMap& ids = in.collector.ids();
    std::printf("trace %s: kernel %s on %s, backend %s, %llu records%s\n", opts.input.c_str(),
                header.kernel_release.c_str(), header.host.c_str(),
                std::string(header.get("backend").value_or("?")).c_str(),
                static_cast<unsigned long long>(st.records),
                reader.truncated() ? " (file cut off: readable prefix only)" : "");
    if (opts.wall_clock && collector.last_ts())
        std::printf(
            "time: from %s to %s (%.3f s)\n",
            stream::wall_clock_text(collector.first_ts(), header.realtime_offset_ns, true).c_str(),
            stream::wall_clock_text(collector.last_ts(), header.realtime_offset_ns, true).c_str(),
            (collector.last_ts() - collector.first_ts()) / 1e9);
    for (const auto& [tgid, list] : in.by_process) {
        std::printf("\nprocess %u %s\n", tgid, collector.comm(tgid).c_str());
        std::printf("  %-8s %-8s %5s %5s %7s %6s %8s %10s %9s %7s %9s %9s %9s %9s\n", "instance",
                    "epfd", "items", "ready", "waiters", "waits", "harvests", "callbacks",
                    "delivered", "spur.", "lat p50", "lat p99", "wait p50", "wait p99");
        for (const auto* s : list) print_instance_row(*s, ids, seen);
    }
    if (const std::string note = unseen_note(seen); !note.empty() && !in.by_process.empty())
        std::printf("\n%s\n", note.c_str());
    print_findings(in.engine, in.shown, ids);
    if (!in.incomplete.empty()) std::printf("\nincomplete stream: %s\n", in.incomplete.c_str());
    print_losses_and_fidelity(in);
    std::printf("attach %s", plan::format_plan(plan::Plan::from_text(header.attach_plan)).c_str());
}

}  // namespace

int run_stat(const StatOptions& opts) {
    try {
        trace::TraceReader reader(opts.input);
        const std::uint64_t first_ts = trace::first_record_ts(reader);
        const stream::TimeWindow window =
            stream::resolve_window(opts.filter, first_ts, reader.header().realtime_offset_ns);
        StatCollector collector(opts.raw_addresses, window);
        findings::Options fo = findings::options_for(reader.header());
        // As check's window (relative to the first record; 0/0: all of it).
        fo.from_ns = window.from > first_ts ? window.from - first_ts : 0;
        if (window.to != UINT64_MAX) fo.to_ns = window.to > first_ts ? window.to - first_ts : 1;
        findings::Engine engine(fo);
        collector.set_findings(&engine);
        reader.read_all(collector);
        collector.finish();
        engine.finish();
        if (reader.truncated())
            std::fprintf(stderr, "epscope stat: warning: %s\n", reader.incomplete_note().c_str());
        const auto& header = reader.header();
        stream::IdMap& ids = collector.ids();
        const model::VerifyStats verify = named_mismatches(collector.model().stats().verify, ids);
        // A stream saved by a reader that joined after the server's history
        // was gone starts mid-capture (serve/stream_server.hpp).
        const std::string incomplete(header.get(trace::kMetaStreamIncomplete).value_or(""));

        ByProcess by_process;
        for (const auto& [key, s] : collector.summaries())
            if (stream::summary_selected(opts.filter, s.tgid, s.ep, ids))
                by_process[s.tgid].push_back(&s);
        const auto shown = shown_findings(engine, opts.filter, ids);

        const StatReport in{opts, reader, collector, verify, incomplete, by_process, shown, engine};
        if (opts.json)
            std::printf("%s\n", stat_json(in).c_str());
        else
            print_stat_text(in);
        return reader.truncated() ? 2 : 0;  // as epscope-gui: shown, but cut off
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope stat: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {  // a window that does not fit the trace
        std::fprintf(stderr, "epscope stat: %s\n", e.what());
        return 2;
    }
}

CLI::App* add_stat_command(CLI::App& app, StatOptions& o) {
    auto* cmd = app.add_subcommand("stat", "Summarise a trace per process and epoll instance");
    cmd->add_option("file", o.input, "Trace file")->required();
    cmd->add_flag("--json", o.json, "One JSON object, for scripts");
    cmd->add_flag("-T,--wall-clock", o.wall_clock,
                  "Say when the trace starts and ends in wall-clock time (local time; --from/--to "
                  "take it back)");
    cmd->add_flag("--mismatches", o.mismatches,
                  "With a --verify trace: list the first 64 mismatches with their times "
                  "(find them with `epscope dump`: the same ids)");
    cmd->add_flag("--raw-addresses", o.raw_addresses,
                  "Show kernel addresses, not per-trace ids (tables and mismatches)");
    // --pid/--instance: the rows shown; --from/--to: the counts of that window
    // and the state at its end (the model is built from every record before it).
    add_filter_options(cmd, o.filter, false);
    return cmd;
}

}  // namespace epscope::cli
