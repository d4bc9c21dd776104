// A pass-through sink that names fds as the stream first shows them: after an
// INSTANCE_CREATE or a successful ITEM_INSERT it reads /proc for that fd and
// emits an FD_NAME, while the fd is still open. Each (process, fd, file) is
// named once.
#pragma once

#include <cstdint>
#include <set>
#include <tuple>

#include "capture/proc_snapshot.hpp"
#include "stream/record.hpp"

namespace epscope::capture {

class FdNamer : public stream::RecordSink {
public:
    explicit FdNamer(stream::RecordSink& next) : next_(next), snapshot_(next) {}
    void on_record(const stream::Record& rec) override;

private:
    void name_once(std::uint32_t tgid, int fd, std::uint64_t file, std::uint64_t ts);
    stream::RecordSink& next_;
    ProcSnapshot snapshot_;
    std::set<std::tuple<std::uint32_t, int, std::uint64_t>> named_;
};

}  // namespace epscope::capture
