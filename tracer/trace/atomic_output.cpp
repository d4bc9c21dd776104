#include "trace/atomic_output.hpp"

#include "trace/trace_error.hpp"

namespace epscope::trace {

AtomicOutput::AtomicOutput(std::filesystem::path path) : path_(std::move(path)) {
    partial_ = path_;
    partial_ += ".partial";
    out_.open(partial_, std::ios::binary | std::ios::trunc);
    if (!out_) throw TraceError(TraceErrorKind::Io, partial_.string(), -1, "cannot create");
}

AtomicOutput::~AtomicOutput() {
    if (!committed_) {
        out_.close();
        std::error_code ec;
        std::filesystem::remove(partial_, ec);
    }
}

void AtomicOutput::commit() {
    out_.flush();
    bool ok = static_cast<bool>(out_);
    out_.close();
    if (!ok || out_.fail())
        throw TraceError(TraceErrorKind::Io, partial_.string(), -1, "write failed");
    std::error_code ec;
    std::filesystem::rename(partial_, path_, ec);
    if (ec)
        throw TraceError(TraceErrorKind::Io, partial_.string(), -1,
                         "cannot rename to " + path_.string() + ": " + ec.message());
    committed_ = true;
}

}  // namespace epscope::trace
