#include "trace/export.hpp"

#include "trace/reader.hpp"

namespace epscope::trace {

std::uint64_t export_trace(TraceReader& reader, ExportFormat format,
                           const std::filesystem::path& path, ExportOptions opts,
                           std::string* kept) {
    switch (format) {
        case ExportFormat::JsonLines: {
            JsonLinesExporter e(path, opts);
            std::uint64_t n = reader.read_all(e);
            const std::string note = e.finish();
            if (kept) *kept = note;
            return n;
        }
        case ExportFormat::Chrome: {
            ChromeTraceExporter e(path, opts);
            std::uint64_t n = reader.read_all(e);
            const std::string note = e.finish();
            if (kept) *kept = note;
            return n;
        }
        case ExportFormat::CsvSummary: {
            CsvSummaryExporter e(path, opts);
            std::uint64_t n = reader.read_all(e);
            const std::string note = e.finish();
            if (kept) *kept = note;
            return n;
        }
    }
    return 0;
}

}  // namespace epscope::trace
