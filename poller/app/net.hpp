// Sockets and limits for the echo workload.
#pragma once

#include <cstddef>
#include <string>

#include "options.hpp"

namespace epscope::poller {

struct Endpoint {
    Transport transport = Transport::Tcp;
    std::string host;
    int port = 0;
    std::string path;
};

int set_nonblock(int fd);
// Returns a nonblocking listening socket, or -1 with a one-line reason in err.
int listen_on(const Options& opt, Endpoint& bound, std::string& err);
// Blocking connect, then nonblocking. Returns -1 on failure (errno set).
int connect_to(const Endpoint& ep);
// Raises RLIMIT_NOFILE's soft limit to at least `needed`; false with a reason if the hard
// limit is lower.
bool ensure_fd_limit(size_t needed, std::string& err);
size_t fd_table_size();

}  // namespace epscope::poller
