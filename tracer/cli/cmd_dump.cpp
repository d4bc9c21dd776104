#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.hpp"
#include "export/perfetto_exporter.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/export.hpp"
#include "trace/reader.hpp"
#include "trace/stream_reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::cli {

namespace {

void print(const stream::Record& rec, stream::IdMap& ids, bool json) {
    const std::string line = json ? stream::format_json(rec, ids) : stream::format_line(rec, ids);
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
}

// A live stream: records as they arrive, until the tracer closes it.
int dump_stream(const DumpOptions& opts) {
    std::unique_ptr<trace::StreamClient> client;
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<long>(opts.wait_s * 1000));
    while (!client) {
        try {
            client = std::make_unique<trace::StreamClient>(opts.connect);
        } catch (const trace::TraceError&) {
            if (std::chrono::steady_clock::now() >= give_up) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    stream::IdMap ids(opts.raw_addresses);
    stream::Record rec;
    trace::StreamClient::Read st;
    bool told = false;
    do {
        st = client->wait_and_pump(-1);
        if (!told && client->parser().has_header()) {
            told = true;
            if (auto note = client->parser().header().get(trace::kMetaStreamIncomplete))
                std::fprintf(stderr, "epscope dump: %s: incomplete stream: %.*s\n",
                             opts.connect.c_str(), static_cast<int>(note->size()), note->data());
        }
        while (client->parser().next(rec)) print(rec, ids, opts.json);
        std::fflush(stdout);
    } while (st != trace::StreamClient::Read::Eof);
    if (!client->parser().has_header()) {
        std::fprintf(stderr, "epscope dump: %s: the stream ended before its header\n",
                     opts.connect.c_str());
        return 1;
    }
    if (client->parser().partial_bytes() != 0)
        std::fprintf(stderr,
                     "epscope dump: %s: the stream ended inside a chunk (%zu bytes unreadable)\n",
                     opts.connect.c_str(), client->parser().partial_bytes());
    const auto records = static_cast<unsigned long long>(client->parser().records());
    const auto& end = client->parser().end();
    if (!end) {
        std::fprintf(stderr,
                     "epscope dump: %s: the stream was cut off after %llu records (no end "
                     "marker: the connection broke or the tracer died)\n",
                     opts.connect.c_str(), records);
        return 1;
    }
    if (end->reason != trace::EndReason::Stopped) {
        std::fprintf(stderr, "epscope dump: %s: %s after %llu records\n", opts.connect.c_str(),
                     trace::end_reason_text(*end).c_str(), records);
        return 1;
    }
    std::fprintf(stderr, "epscope dump: %s: stream ended after %llu records (%s)\n",
                 opts.connect.c_str(), records, trace::end_reason_text(*end).c_str());
    return 0;
}

}  // namespace

int run_dump(const DumpOptions& opts) {
    try {
        if (!opts.connect.empty()) return dump_stream(opts);
        trace::TraceReader reader(opts.input);
        stream::IdMap ids(opts.raw_addresses);
        stream::Record rec;
        while (reader.next(rec)) print(rec, ids, opts.json);
        if (reader.truncated())
            std::fprintf(stderr, "epscope dump: %s\n", reader.incomplete_note().c_str());
        return reader.truncated() ? 2 : 0;  // as stat and epscope-gui: shown, but cut off
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope dump: %s\n", e.what());
        return 1;
    }
}

namespace {

trace::ExportFormat trace_format(const std::string& name) {
    return name == "jsonl" ? trace::ExportFormat::JsonLines
           : name == "csv" ? trace::ExportFormat::CsvSummary
                           : trace::ExportFormat::Chrome;
}

std::uint64_t export_perfetto(trace::TraceReader& reader, const std::string& path,
                              const trace::ExportOptions& eo, std::string* kept) {
    exporter::PerfettoExporter e(path, eo);
    std::uint64_t n = reader.read_all(e);
    *kept = e.finish();
    return n;
}

}  // namespace

int run_export(const ExportOptions& opts) {
    try {
        trace::TraceReader reader(opts.input);
        trace::ExportOptions eo;
        eo.raw_addresses = opts.raw_addresses;
        eo.force = opts.force;
        std::string kept;
        auto n = opts.format == "perfetto"
                     ? export_perfetto(reader, opts.output, eo, &kept)
                     : trace::export_trace(reader, trace_format(opts.format), opts.output, eo,
                                           &kept);
        if (!kept.empty()) std::fprintf(stderr, "epscope: %s\n", kept.c_str());
        std::fprintf(stderr, "epscope: exported %llu records to %s\n",
                     static_cast<unsigned long long>(n), opts.output.c_str());
        if (!reader.truncated()) return 0;
        // As stat and dump: the readable part is exported, and said not to be whole.
        std::fprintf(stderr, "epscope export: %s\n", reader.incomplete_note().c_str());
        return 2;
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope export: %s\n", e.what());
        return 1;
    }
}

}  // namespace epscope::cli
