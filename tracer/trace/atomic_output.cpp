#include "trace/atomic_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "trace/safe_path.hpp"
#include "trace/trace_error.hpp"

namespace epscope::trace {

AtomicOutput::AtomicOutput(std::filesystem::path path, bool force)
    : path_(std::move(path)), force_(force) {
    if (is_stdout(path_)) {
        // A copy of fd 1: closing the buffer leaves the process's stdout open.
        const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) throw TraceError(TraceErrorKind::Io, "standard output", -1, "not open");
        buf_ =
            std::make_unique<__gnu_cxx::stdio_filebuf<char>>(fd, std::ios::out | std::ios::binary);
        out_.rdbuf(buf_.get());
        return;
    }
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
        if (!to_stdout()) ::unlink(partial_.c_str());
    }
}

std::string AtomicOutput::commit() {
    out_.flush();
    if (to_stdout()) {
        const bool ok = static_cast<bool>(out_) && buf_->close() != nullptr;
        committed_ = true;
        if (!ok) throw TraceError(TraceErrorKind::Io, "standard output", -1, "write failed");
        return {};
    }
    const bool ok = static_cast<bool>(out_) && ::fsync(buf_->fd()) == 0;
    const bool closed = buf_->close() != nullptr;
    if (!ok || !closed) throw TraceError(TraceErrorKind::Io, partial_.string(), -1, "write failed");
    committed_ = true;  // closed: from here on the name is install_output's
    return install_output(partial_, path_, force_);
}

}  // namespace epscope::trace
