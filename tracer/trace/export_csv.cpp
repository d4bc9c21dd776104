#include "stream/record_text.hpp"
#include "trace/export.hpp"

namespace epscope::trace {
namespace {

// RFC 4180: quote when the field holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

}  // namespace

CsvSummaryExporter::CsvSummaryExporter(std::filesystem::path path, ExportOptions opts)
    : out_(std::move(path), opts.force) {}

void CsvSummaryExporter::on_record(const stream::Record& rec) {
    const ep_header& h = rec.header();
    ++counts_[{h.tgid, h.kind}];
    if (rec.kind() == EP_KIND_PROCESS) {
        const auto& p = rec.as<ep_process>();
        // Thread records carry the thread's comm; the process keeps its own.
        if (p.what != EP_PROC_THREAD && p.what != EP_PROC_THREAD_EXIT)
            comm_[h.tgid] = std::string(stream::fixed_text(p.comm, sizeof p.comm));
    }
}

std::string CsvSummaryExporter::finish() {
    out_.write("tgid,comm,kind,count\n");
    for (const auto& [key, n] : counts_) {
        auto it = comm_.find(key.first);
        std::string comm = it == comm_.end() ? std::string() : it->second;
        out_.write(std::to_string(key.first) + "," + csv_field(comm) + "," +
                   std::string(abi::kind_name(key.second)) + "," + std::to_string(n) + "\n");
    }
    return out_.commit();
}

}  // namespace epscope::trace
