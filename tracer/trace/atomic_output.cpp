#include "trace/atomic_output.hpp"

#include <unistd.h>

#include "trace/safe_path.hpp"
#include "trace/trace_error.hpp"

namespace epscope::trace {

AtomicOutput::AtomicOutput(std::filesystem::path path, bool force)
    : path_(std::move(path)), force_(force) {
    check_new_output(path_);
    partial_ = path_;
    partial_ += ".partial";
    const int fd = create_new_file(partial_);
    buf_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(fd, std::ios::out | std::ios::binary);
    out_.rdbuf(buf_.get());
}

AtomicOutput::~AtomicOutput() {
    if (!committed_) {
        buf_->close();
        ::unlink(partial_.c_str());
    }
}

std::string AtomicOutput::commit() {
    out_.flush();
    const bool ok = static_cast<bool>(out_) && ::fsync(buf_->fd()) == 0;
    const bool closed = buf_->close() != nullptr;
    if (!ok || !closed) throw TraceError(TraceErrorKind::Io, partial_.string(), -1, "write failed");
    committed_ = true;  // closed: from here on the name is install_output's
    return install_output(partial_, path_, force_);
}

}  // namespace epscope::trace
