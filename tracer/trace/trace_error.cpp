#include "trace/trace_error.hpp"

#include <cerrno>
#include <cstring>

namespace epscope::trace {
namespace {

std::string compose(const std::string& file, std::int64_t offset, const std::string& detail) {
    std::string s = file + ": ";
    if (offset >= 0) s += "at offset " + std::to_string(offset) + ": ";
    return s + detail;
}

}  // namespace

std::string_view trace_error_kind_name(TraceErrorKind kind) {
    switch (kind) {
        case TraceErrorKind::NotATrace:
            return "not a trace";
        case TraceErrorKind::NewerVersion:
            return "newer version";
        case TraceErrorKind::OlderVersion:
            return "older version";
        case TraceErrorKind::Truncated:
            return "truncated";
        case TraceErrorKind::Corrupt:
            return "corrupt";
        case TraceErrorKind::Io:
            return "i/o error";
    }
    return "unknown";
}

TraceError::TraceError(TraceErrorKind kind, const std::string& file, std::int64_t offset,
                       const std::string& detail)
    : std::runtime_error(compose(file, offset, detail)),
      kind_(kind),
      file_(file),
      offset_(offset) {}

std::string errno_text(std::string_view what) {
    const int err = errno;
    return std::string(what) + ": " + std::strerror(err);
}

}  // namespace epscope::trace
