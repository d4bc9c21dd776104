// Describes already-running processes from /proc, as records of the stream:
// PROCESS(FOUND), FD_NAME for every fd (named as a user would: "TCP
// 127.0.0.1:8080->127.0.0.1:51234", "pipe", "eventfd", ...), and for every
// epoll fd a SNAPSHOT_INSTANCE followed by one SNAPSHOT_ITEM per fdinfo
// "tfd:" line: the interest set, which is the rb-tree's content.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stream/record.hpp"

namespace epscope::capture {

// A whole file's text (/proc, tracefs); empty when it cannot be read.
std::string read_file(const std::string& path);

struct FdinfoItem {
    int tfd = -1;
    std::uint32_t events = 0;
    std::uint64_t data = 0;
    std::uint64_t pos = 0;
    std::uint64_t ino = 0;
    std::uint32_t sdev = 0;
};

// Parses the "tfd:" lines of /proc/PID/fdinfo/EPFD text.
std::vector<FdinfoItem> parse_epoll_fdinfo(const std::string& text);

struct FdName {
    ep_fd_type type = EP_FD_UNKNOWN;
    std::uint64_t ino = 0;
    std::string name;
};

// Names one fd of a process from /proc (readlink + net tables).
FdName name_fd(pid_t tgid, int fd);

// Names of fds asked for again and again (the exporter's busiest items, at
// every publication). The fd's link in /proc/PID/fd is read each time (one
// readlink) and its name kept while the link shows the same file; the socket
// tables (/proc/PID/net/tcp and /proc/net/unix: whole tables, most of what
// naming costs) are read only for a file not seen before. A socket not found
// in them (not connected yet) is looked up again next time.
class FdNameCache {
public:
    FdName name(pid_t tgid, int fd);
    // The processes gone: their fds' names are dropped.
    void forget(const std::vector<std::uint32_t>& tgids);
    std::size_t size() const { return names_.size(); }
    // Lookups that read the socket tables or a file's inode (cache misses).
    std::uint64_t misses() const { return misses_; }

private:
    struct Entry {
        std::string link;
        FdName name;
    };
    std::map<std::pair<pid_t, int>, Entry> names_;
    std::uint64_t misses_ = 0;
};

// The processes descended from `roots` now (children, their children, ...),
// from the parent pid of every /proc/PID/stat; roots excluded. A master
// process's existing workers, for `record -p`.
std::vector<pid_t> descendants_of(const std::vector<pid_t>& roots);

// The FD_NAME record saying `n` (ts 0: now).
ep_fd_name fd_name_record(pid_t tgid, int fd, std::uint64_t ts, const FdName& n);

class ProcSnapshot {
public:
    explicit ProcSnapshot(stream::RecordSink& sink) : sink_(sink) {}
    // Emits PROCESS(FOUND) and FD_NAMEs for one process and returns its epoll
    // fds, whose interest sets the caller snapshots where the stream needs
    // them (FdinfoCheckpoints::seed). nullopt: no such process.
    std::optional<std::vector<int>> describe_process(pid_t tgid);
    // describe_process, then every epoll fd's snapshot at once. Where no
    // model follows the stream's order (the exporter's naming of items).
    bool snapshot_process(pid_t tgid);
    // Emits FD_NAME for one fd (also when the stream shows a new fd).
    // ts: the record that made the fd interesting (0: now), to keep stream order.
    ep_fd_type name(pid_t tgid, int fd, std::uint64_t ts = 0);

    // Reads /proc/PID/fdinfo/EPFD; nullopt when the fd is gone or not epoll.
    static std::optional<std::vector<FdinfoItem>> read_epoll(pid_t tgid, int epfd);
    // Emits SNAPSHOT_INSTANCE (with the epoll fd's inode, looked up now) +
    // SNAPSHOT_ITEMs for what read_epoll returned.
    // ep: the instance, when the stream told which one (0: unknown).
    void emit_epoll(pid_t tgid, int epfd, std::uint64_t ep, const std::vector<FdinfoItem>& items);

private:
    stream::RecordSink& sink_;
    std::uint32_t next_snapshot_id_ = 1;
};

std::uint64_t monotonic_ns();

}  // namespace epscope::capture
