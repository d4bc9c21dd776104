// The one exception type of the trace library: a kind to branch on and a
// message that names the file and the offset, ready for one stderr line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace epscope::trace {

enum class TraceErrorKind {
    NotATrace,     // no trace magic at the start
    NewerVersion,  // written by a newer epscope (format or event ABI)
    OlderVersion,  // an event ABI older than this build reads
    Truncated,     // ends before its file header is complete
    Corrupt,       // a checksum or a structure does not hold
    Io,            // the OS refused (open, read, write, rename)
};

std::string_view trace_error_kind_name(TraceErrorKind kind);

// "WHAT: strerror(errno)", for the one line an error becomes (trace and serve
// alike; call it before anything else can change errno).
std::string errno_text(std::string_view what);

class TraceError : public std::runtime_error {
public:
    // `what()` reads "FILE: at offset N: DETAIL" (offset omitted when < 0).
    TraceError(TraceErrorKind kind, const std::string& file, std::int64_t offset,
               const std::string& detail);

    TraceErrorKind kind() const { return kind_; }
    const std::string& file() const { return file_; }
    std::int64_t offset() const { return offset_; }

private:
    TraceErrorKind kind_;
    std::string file_;
    std::int64_t offset_;
};

}  // namespace epscope::trace
