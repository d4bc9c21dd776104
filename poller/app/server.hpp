// The echo server of each model. A server owns the listening socket it is given.
#pragma once

#include <memory>
#include <string>

#include "conn.hpp"
#include "counters.hpp"
#include "options.hpp"

namespace epscope::poller {

class Server {
public:
    Server(const Options& opt, int listen_fd, Counters& counters);
    virtual ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    // Returns -1 with a one-line reason in err.
    virtual int start(std::string& err) = 0;
    // Stops every thread (deterministic: eventfd + join) and closes every connection.
    virtual void stop() = 0;

protected:
    // accept4 of one connection, nonblocking; -1 when the backlog is empty.
    int accept_one();
    // Marks the slot open for a new connection and returns it.
    Conn* open_conn(int fd, Poller* owner);
    void close_all();

    const Options& opt_;
    int listen_fd_;
    Counters& counters_;
    ConnTable conns_;
};

std::unique_ptr<Server> make_basic_server(const Options& opt, int listen_fd, Counters& c);
std::unique_ptr<Server> make_sepoll_server(const Options& opt, int listen_fd, Counters& c);
std::unique_ptr<Server> make_mpoller_server(const Options& opt, int listen_fd, Counters& c);
std::unique_ptr<Server> make_server(const Options& opt, int listen_fd, Counters& c);

}  // namespace epscope::poller
