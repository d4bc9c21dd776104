#include <cstdio>

#include "cli/commands.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/export.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::cli {

int run_dump(const DumpOptions& opts) {
    try {
        trace::TraceReader reader(opts.input);
        stream::IdMap ids(opts.raw_addresses);
        stream::Record rec;
        while (reader.next(rec)) {
            const std::string line =
                opts.json ? stream::format_json(rec, ids) : stream::format_line(rec, ids);
            std::fputs(line.c_str(), stdout);
            std::fputc('\n', stdout);
        }
        if (reader.truncated())
            std::fprintf(stderr,
                         "epscope dump: %s was not closed by its writer: showed its readable "
                         "prefix (%llu bytes at the end unreadable)\n",
                         opts.input.c_str(),
                         static_cast<unsigned long long>(reader.unreadable_tail()));
        return 0;
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope dump: %s\n", e.what());
        return 1;
    }
}

int run_export(const ExportOptions& opts) {
    try {
        trace::TraceReader reader(opts.input);
        const auto format = opts.format == "jsonl" ? trace::ExportFormat::JsonLines
                            : opts.format == "csv" ? trace::ExportFormat::CsvSummary
                                                   : trace::ExportFormat::Chrome;
        trace::ExportOptions eo;
        eo.raw_addresses = opts.raw_addresses;
        auto n = trace::export_trace(reader, format, opts.output, eo);
        std::fprintf(stderr, "epscope: exported %llu records to %s\n",
                     static_cast<unsigned long long>(n), opts.output.c_str());
        return 0;
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope export: %s\n", e.what());
        return 1;
    }
}

}  // namespace epscope::cli
