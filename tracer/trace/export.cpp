#include "trace/export.hpp"

#include "trace/reader.hpp"

namespace epscope::trace {
namespace {

template <class Exporter>
std::uint64_t export_with(TraceReader& reader, const std::filesystem::path& path,
                          const ExportOptions& opts, std::string* kept) {
    Exporter e(path, opts);
    stream::IdMap ids(opts.raw_addresses);
    const std::uint64_t n = read_selected(reader, opts.filter, e, ids);
    const std::string note = e.finish();
    if (kept) *kept = note;
    return n;
}

}  // namespace

std::uint64_t export_trace(TraceReader& reader, ExportFormat format,
                           const std::filesystem::path& path, ExportOptions opts,
                           std::string* kept) {
    switch (format) {
        case ExportFormat::JsonLines:
            return export_with<JsonLinesExporter>(reader, path, opts, kept);
        case ExportFormat::Chrome:
            return export_with<ChromeTraceExporter>(reader, path, opts, kept);
        case ExportFormat::CsvSummary:
            return export_with<CsvSummaryExporter>(reader, path, opts, kept);
    }
    return 0;
}

}  // namespace epscope::trace
