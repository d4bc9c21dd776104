#include "stream/record_text.hpp"
#include "trace/export.hpp"

namespace epscope::trace {

JsonLinesExporter::JsonLinesExporter(std::filesystem::path path, ExportOptions opts)
    : out_(std::move(path), opts.force), ids_(opts.raw_addresses) {}

void JsonLinesExporter::on_unselected(const stream::Record& rec) {
    stream::name_addresses(rec, ids_);
}

void JsonLinesExporter::on_record(const stream::Record& rec) {
    out_.write(stream::format_json(rec, ids_));
    out_.write("\n");
}

std::string JsonLinesExporter::finish() { return out_.commit(); }

}  // namespace epscope::trace
