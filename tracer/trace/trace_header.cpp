#include "trace/trace_header.hpp"

#include <sys/utsname.h>
#include <time.h>

namespace epscope::trace {

std::optional<std::string_view> TraceHeader::get(std::string_view key) const {
    for (const auto& [k, v] : metadata)
        if (k == key) return std::string_view(v);
    return std::nullopt;
}

void TraceHeader::set(std::string_view key, std::string_view value) {
    for (auto& [k, v] : metadata) {
        if (k == key) {
            v = value;
            return;
        }
    }
    metadata.emplace_back(key, value);
}

TraceHeader TraceHeader::for_this_host() {
    TraceHeader h;
    struct utsname u;
    if (uname(&u) == 0) {
        h.host = u.nodename;
        h.kernel_release = u.release;
    }
    h.clock_id = CLOCK_MONOTONIC;
    // Read realtime between two monotonic reads and pair it with their midpoint
    // so the offset is off by at most half the time between the reads.
    timespec m1, rt, m2;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    auto ns = [](const timespec& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
    };
    h.realtime_offset_ns = ns(rt) - (ns(m1) + (ns(m2) - ns(m1)) / 2);
    return h;
}

std::string header_text(const TraceHeader& h) {
    std::string out = "format " + std::to_string(h.format_version) + ", event ABI " +
                      std::to_string(h.abi_version) + "\n";
    out += "host: " + h.host + "\n";
    out += "kernel: " + h.kernel_release + "\n";
    out += "clock: ";
    out +=
        h.clock_id == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC" : "clock " + std::to_string(h.clock_id);
    out += ", realtime offset " + std::to_string(h.realtime_offset_ns) + " ns\n";
    for (const auto& [k, v] : h.metadata) out += k + ": " + v + "\n";
    out += "attach plan:\n";
    std::size_t start = 0;
    while (start < h.attach_plan.size()) {
        std::size_t end = h.attach_plan.find('\n', start);
        if (end == std::string::npos) end = h.attach_plan.size();
        out += "  " + h.attach_plan.substr(start, end - start) + "\n";
        start = end + 1;
    }
    return out;
}

}  // namespace epscope::trace
