#include "conn.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace epscope::poller {

Io read_into(int fd, std::string& dst, bool drain, Counters& c) {
    char buf[65536];
    bool got = false;
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            dst.append(buf, static_cast<size_t>(n));
            bump(c.bytes, static_cast<uint64_t>(n));
            got = true;
            if (!drain) return Io::Progress;
            continue;
        }
        if (n == 0) return Io::Closed;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return got ? Io::Progress : Io::WouldBlock;
        return Io::Closed;  // ECONNRESET and friends end the connection
    }
}

Io flush(int fd, Conn& conn, Counters& c) {
    size_t off = 0;
    Io result = Io::Progress;
    while (off < conn.out.size()) {
        const ssize_t n = send(fd, conn.out.data() + off, conn.out.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        result = (n < 0 && errno == EAGAIN) ? Io::WouldBlock : Io::Closed;
        break;
    }
    conn.out.erase(0, off);
    if (result == Io::Progress && off > 0) bump(c.requests);
    return result;
}

}  // namespace epscope::poller
