#include "server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.hpp"

namespace epscope::poller {

Server::Server(const Options& opt, int listen_fd, Counters& counters)
    : opt_(opt), listen_fd_(listen_fd), counters_(counters), conns_(fd_table_size()) {}

Server::~Server() { close(listen_fd_); }

int Server::accept_one() {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return fd;
    bump(counters_.accepts);
    if (opt_.transport == Transport::Tcp) {
        // Echo replies are written as they are read: Nagle would hold the tail of each one
        // for the peer's delayed ACK.
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

Conn* Server::open_conn(int fd, Poller* owner) {
    Conn* c = conns_.at(fd);
    if (!c) return nullptr;
    std::lock_guard lock(c->mu);
    c->open = true;
    ++c->gen;
    c->owner = owner;
    c->server = this;
    c->in.clear();
    c->out.clear();
    c->interest = 0;
    c->registered = false;
    c->in_spec = false;
    c->queued = false;
    return c;
}

void Server::close_all() {
    for (int fd = 0; static_cast<size_t>(fd) < conns_.size(); ++fd) {
        Conn* c = conns_.at(fd);
        std::lock_guard lock(c->mu);
        if (!c->open) continue;
        c->open = false;
        close(fd);
    }
}

std::unique_ptr<Server> make_server(const Options& opt, int listen_fd, Counters& c) {
    switch (opt.model) {
        case Model::Sepoll:
            return make_sepoll_server(opt, listen_fd, c);
        case Model::MPoller:
            return make_mpoller_server(opt, listen_fd, c);
        case Model::Basic:
            break;
    }
    return make_basic_server(opt, listen_fd, c);
}

}  // namespace epscope::poller
