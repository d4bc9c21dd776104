// A trace with one finding on the instance the GUI does not show first: pid
// 100 ("calm") holds an instance of 12 items, pid 200 ("stuck") one of a
// single one-shot item, fd 7, which a delivery disarms at 100 ms and which
// is never re-armed while callbacks keep arriving (ignored as disarmed) for
// 1.5 s: `epscope check` reports "oneshot-not-rearmed" on it, its evidence
// the disarming delivery.
#pragma once

#include <cstdint>
#include <filesystem>

#include "model/model.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"

namespace epscope::gui_test {

inline constexpr std::uint64_t kStuckDeliveryTs = 100'000'000;
// CLOCK_REALTIME - CLOCK_MONOTONIC: record time 0 is 2026-12-05 00:00:00 UTC.
inline constexpr std::int64_t kRealtimeOffsetNs = 1'796'428'800'000'000'000;

inline std::filesystem::path write_findings_trace(const std::filesystem::path& p,
                                                  int filler_records = 0) {
    trace::TraceHeader header;
    header.set("backend", "fentry");
    header.realtime_offset_ns = kRealtimeOffsetNs;
    trace::TraceWriter w(p, header);
    Synth s(w);
    s.tgid = 100;
    s.process("calm");
    s.create(ep_of(1), 3);
    for (int fd = 4; fd < 16; ++fd) s.insert(ep_of(1), 3, fd);
    // Records that change nothing: a trace longer than a judging batch.
    for (int i = 0; i < filler_records; ++i) s.fd_name(4, "pipe:[1]");
    s.tgid = 200;
    s.process("stuck");
    s.create(ep_of(2), 5);
    s.insert(ep_of(2), 5, 7, 0x1 | EPOLLONESHOT);
    s.ts = kStuckDeliveryTs;
    s.wait_begin(ep_of(2), 5, 201);
    s.harvest_begin(ep_of(2), 201);
    s.harvest_item(ep_of(2), 7, 0, 201);
    s.harvest_end(ep_of(2), 201, 0);
    s.wait_end(ep_of(2), 5, 1, 201);
    for (int i = 1; i <= 3; ++i) {
        s.ts = kStuckDeliveryTs + static_cast<std::uint64_t>(i) * 500'000'000;
        s.callback(ep_of(2), 7, EP_CB_IGNORED_DISARMED, 0, 300);
    }
    s.ts = kStuckDeliveryTs + 2'000'000'000;
    s.wait_begin(ep_of(2), 5, 201);
    w.close();
    return p;
}

}  // namespace epscope::gui_test
