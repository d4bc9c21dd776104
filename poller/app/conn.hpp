// Server-side connection state, one slot per fd number (slots are never freed, so a
// stale event for a closed fd finds a closed slot, not freed memory), and the echo I/O.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "counters.hpp"
#include "poller.hpp"

namespace epscope::poller {

struct Conn {
    std::mutex mu;
    bool open = false;
    uint32_t gen = 0;         // bumped on each accept of this fd number
    Poller* owner = nullptr;  // the poller whose instance holds this fd
    void* server = nullptr;
    std::string in;   // mpoller: read by the poller, not yet echoed by a handler
    std::string out;  // echo bytes not yet written
    uint32_t interest = 0;
    bool registered = false;  // sepoll: has an item in the instance
    bool in_spec = false;     // sepoll: on the speculative list
    bool queued = false;      // mpoller: a message for it is in the handler queue
};

class ConnTable {
public:
    explicit ConnTable(size_t size) : conns_(size) {}
    Conn* at(int fd) {
        return fd >= 0 && static_cast<size_t>(fd) < conns_.size() ? &conns_[static_cast<size_t>(fd)]
                                                                  : nullptr;
    }
    size_t size() const { return conns_.size(); }

private:
    std::vector<Conn> conns_;
};

enum class Io { Progress, WouldBlock, Closed };

// Reads what is available into `dst` (all of it until EAGAIN when drain is set, else one
// read). Progress if anything was read.
Io read_into(int fd, std::string& dst, bool drain, Counters& c);
// Writes c.out until it is empty (Progress) or the socket is full (WouldBlock).
Io flush(int fd, Conn& conn, Counters& c);

}  // namespace epscope::poller
