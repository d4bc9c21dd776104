// A native Perfetto trace (protobuf TracePacket/TrackEvent, as Perfetto's UI
// and trace processor read without conversion) of a record stream:
//   - a process track per process, a thread track per thread: time blocked in
//     epoll_wait and the harvests inside it as slices (their counts as args),
//     each delivered event as an instant;
//   - a track per epoll instance with its callbacks, epoll_ctl calls and
//     lifetime as instants, and three counter tracks under it: items,
//     ready-list length and waiters, as the model has them after each record;
//   - flows from each callback to the wakeup of the waiter it woke and on to
//     the harvest that delivered its item.
// Event names (which carry comm and fd names) and argument names are interned
// per sequence. Packets are written as they are made: memory grows with live
// items and distinct names, never with the trace's length. Kernel addresses
// appear as stable ids (ep#N) unless raw addresses were asked for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "stream/record.hpp"
#include "trace/export.hpp"

namespace epscope::exporter {

class PerfettoExporter : public stream::RecordSink {
public:
    PerfettoExporter(std::filesystem::path path, trace::ExportOptions opts = {});
    ~PerfettoExporter() override;
    PerfettoExporter(const PerfettoExporter&) = delete;
    PerfettoExporter& operator=(const PerfettoExporter&) = delete;

    void on_record(const stream::Record& rec) override;
    void on_unselected(const stream::Record& rec) override;
    // Closes slices still open at the last timestamp, then completes the file;
    // returns what became of an older FILE (see AtomicOutput::commit).
    std::string finish();

    std::uint64_t packets() const;
    std::uint64_t bytes() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace epscope::exporter
