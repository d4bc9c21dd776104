// Small text helpers shared by the terminal commands (stat, live).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "trace/visibility.hpp"

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

// A table cell for a figure the backend may not see (trace/visibility.hpp):
// the count, or "unseen" (never a 0 that is not a count).
inline constexpr const char* kUnseen = "unseen";
inline std::string count_cell(std::uint64_t n, bool seen) {
    return seen ? std::to_string(n) : kUnseen;
}
inline std::string duration_cell(std::uint64_t ns, bool seen) {
    return seen ? format_duration(ns) : kUnseen;
}
// The line under a table that has "unseen" cells: which and why. Empty when
// the backend sees everything.
inline std::string unseen_note(const trace::Visibility& v) {
    std::string what;
    auto add = [&](bool seen, const char* name) {
        if (!seen) what += (what.empty() ? "" : ", ") + std::string(name);
    };
    add(v.harvests, "harvests");
    add(v.callbacks, "callbacks");
    add(v.wakeups, "wakeups (spurious)");
    add(v.callbacks, "callback latency");
    if (what.empty()) return {};
    return "unseen: " + what + ": " + v.not_seen();
}

}  // namespace epscope::cli
