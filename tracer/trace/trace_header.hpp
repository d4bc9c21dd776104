// What a trace file says about itself: where and how it was captured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace epscope::trace {

// Well-known metadata keys (any other key may be stored too).
inline constexpr std::string_view kMetaBackend = "backend";           // fentry|kprobe|tracepoint
inline constexpr std::string_view kMetaCommandLine = "command_line";  // the epscope invocation
inline constexpr std::string_view kMetaRedacted = "redacted";         // "1" if names were redacted
inline constexpr std::string_view kMetaVerify = "verify";  // "yes" if recorded with --verify
// Set by the live stream server in the header it sends a reader that joined
// too late to get the stream from the capture's start: what is missing.
inline constexpr std::string_view kMetaStreamIncomplete = "stream_incomplete";

struct TraceHeader {
    // Filled in by the reader from the file; the writer always writes the
    // versions of this build.
    std::uint32_t format_version = 0;
    std::uint32_t abi_version = 0;

    std::string host;            // uname nodename
    std::string kernel_release;  // uname release
    std::uint32_t clock_id = 1;  // CLOCK_MONOTONIC: the clock of every record's ts
    // CLOCK_REALTIME minus CLOCK_MONOTONIC at capture start, in ns: wall time of a
    // record is ts + realtime_offset_ns.
    std::int64_t realtime_offset_ns = 0;
    std::string attach_plan;  // the planner's text, as `epscope doctor` prints it
    std::vector<std::pair<std::string, std::string>> metadata;

    std::optional<std::string_view> get(std::string_view key) const;
    // Replaces the value of an existing key, else appends.
    void set(std::string_view key, std::string_view value);

    // host, kernel release, clock and realtime offset of the running machine.
    static TraceHeader for_this_host();
};

// Several lines for `epscope info`/`dump`: versions, host, kernel, clock,
// metadata, then the attach plan indented.
std::string header_text(const TraceHeader& h);

}  // namespace epscope::trace
