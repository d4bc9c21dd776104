// Small text helpers shared by the terminal commands (stat, live).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace epscope::cli {

// A duration for a table cell: "850ns", "12.3us", "4.2ms", "1.05s"; "-" when
// nothing was measured (0, e.g. no callbacks on the syscall backend).
// Said by `record` at its end and by `stat` for a trace without any.
inline constexpr const char* kNoEpollActivity =
    "no epoll activity: the traced processes created no epoll instance, held none and made "
    "no epoll call (is the event loop in another process? -p follows a process's children "
    "unless --no-children)";

inline std::string format_duration(std::uint64_t ns) {
    if (ns == 0) return "-";
    char buf[32];
    if (ns < 1'000)
        std::snprintf(buf, sizeof buf, "%lluns", static_cast<unsigned long long>(ns));
    else if (ns < 1'000'000)
        std::snprintf(buf, sizeof buf, "%.1fus", ns / 1e3);
    else if (ns < 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.1fms", ns / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.2fs", ns / 1e9);
    return buf;
}

}  // namespace epscope::cli
