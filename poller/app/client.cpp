#include "client.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

#include "syscalls.hpp"

namespace epscope::poller {

namespace {

constexpr uint64_t kStopData = ~0ULL;

using Clock = std::chrono::steady_clock;

// The byte at offset i of request `seq` on connection `id`: differs per connection and per
// request, so a byte echoed to the wrong connection or out of order is caught.
inline char pattern(uint32_t id, uint64_t seq, size_t i) {
    return static_cast<char>((id * 131u + seq * 17u + i * 7u + (i >> 8)) & 0xffu);
}

struct ClientConn {
    int fd = -1;
    uint32_t id = 0;
    uint64_t seq = 0;        // requests completed on this connection id
    uint64_t on_socket = 0;  // requests completed on the current socket
    size_t sent = 0;
    size_t received = 0;
    bool active = false;  // a request is in flight
    bool want_out = false;
    std::string request;  // the bytes of the request in flight
};

}  // namespace

struct Client::Worker {
    std::vector<ClientConn> conns;
    std::deque<size_t> idle;  // connections waiting for a rate token
    int epfd = -1;
    double tokens = 0;
    double rate = 0;  // per worker, 0 = unlimited
    Clock::time_point last;
};

Client::Client(const Options& opt, const Endpoint& ep, Counters& counters)
    : opt_(opt), ep_(ep), counters_(counters) {}

Client::~Client() {
    stop();
    for (Worker* w : workers_) {
        for (ClientConn& c : w->conns)
            if (c.fd >= 0) close(c.fd);
        if (w->epfd >= 0) close(w->epfd);
        delete w;
    }
    if (stop_fd_ >= 0) close(stop_fd_);
}

int Client::start(std::string& err) {
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const int nthreads = std::max(1, std::min(opt_.client_threads, opt_.conns));
    for (int t = 0; t < nthreads; ++t) {
        auto* w = new Worker;
        workers_.push_back(w);
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->rate = opt_.rate / nthreads;
        w->last = Clock::now();
        if (w->epfd < 0 || ctl_add(counters_, w->epfd, stop_fd_, EPOLLIN, kStopData) < 0) {
            err = std::string("client: cannot create an epoll instance: ") + std::strerror(errno);
            return -1;
        }
    }
    for (int i = 0; i < opt_.conns; ++i) {
        Worker* w = workers_[static_cast<size_t>(i % nthreads)];
        ClientConn c;
        c.id = static_cast<uint32_t>(i);
        c.fd = connect_to(ep_);
        if (c.fd < 0) {
            err = std::string("client: cannot connect to the server: ") + std::strerror(errno);
            return -1;
        }
        w->conns.push_back(c);
    }
    for (Worker* w : workers_) {
        for (size_t i = 0; i < w->conns.size(); ++i) {
            if (ctl_add(counters_, w->epfd, w->conns[i].fd, EPOLLIN, i) < 0) {
                err = std::string("client: epoll_ctl: ") + std::strerror(errno);
                return -1;
            }
            w->idle.push_back(i);
        }
    }
    for (Worker* w : workers_) threads_.emplace_back([this, w] { run(*w); });
    return 0;
}

void Client::stop() {
    if (threads_.empty()) return;
    const uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) != sizeof one) return;
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void Client::write_some(Worker& w, size_t idx) {
    ClientConn& c = w.conns[idx];
    const size_t payload = opt_.payload;
    while (c.sent < payload) {
        const ssize_t n = send(c.fd, c.request.data() + c.sent, payload - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        failed_ = true;
        c.active = false;
        return;
    }
    const bool want_out = c.sent < payload;
    if (want_out != c.want_out) {
        c.want_out = want_out;
        ctl_mod(counters_, w.epfd, c.fd, EPOLLIN | (want_out ? EPOLLOUT : 0u), idx);
    }
}

void Client::begin_request(Worker& w, size_t idx) {
    ClientConn& c = w.conns[idx];
    c.active = true;
    c.sent = 0;
    c.received = 0;
    // Generated once per request: write_some may run many times for a large payload.
    c.request.resize(opt_.payload);
    for (size_t i = 0; i < opt_.payload; ++i) c.request[i] = pattern(c.id, c.seq, i);
    write_some(w, idx);
}

// --requests-per-conn: a new socket for the same connection id; false when that failed.
bool Client::reconnect(Worker& w, size_t idx) {
    ClientConn& c = w.conns[idx];
    ctl_del(counters_, w.epfd, c.fd);
    close(c.fd);
    c.fd = connect_to(ep_);
    c.on_socket = 0;
    c.want_out = false;
    if (c.fd < 0 || ctl_add(counters_, w.epfd, c.fd, EPOLLIN, idx) < 0) {
        failed_ = true;
        return false;
    }
    return true;
}

void Client::finish_request(Worker& w, size_t idx) {
    ClientConn& c = w.conns[idx];
    c.active = false;
    ++c.seq;
    ++c.on_socket;
    bump(counters_.requests);
    if (opt_.requests_per_conn > 0 &&
        c.on_socket >= static_cast<uint64_t>(opt_.requests_per_conn) && !reconnect(w, idx))
        return;
    w.idle.push_back(idx);
}

// Starts the requests of idle connections that the rate allows.
void Client::start_allowed(Worker& w) {
    if (w.rate > 0) {
        const auto now = Clock::now();
        w.tokens += w.rate * std::chrono::duration<double>(now - w.last).count();
        w.last = now;
        const double cap = std::max(1.0, w.rate / 10);  // at most 100 ms of burst
        if (w.tokens > cap) w.tokens = cap;
    }
    while (!w.idle.empty() && (w.rate <= 0 || w.tokens >= 1)) {
        const size_t idx = w.idle.front();
        w.idle.pop_front();
        if (w.rate > 0) w.tokens -= 1;
        begin_request(w, idx);
    }
}

// How long epoll_wait may block: until the next rate token when a connection is idle.
int Client::rate_timeout(const Worker& w) const {
    if (w.idle.empty()) return -1;
    return std::max(1, static_cast<int>(1000.0 * (1 - w.tokens) / w.rate));
}

// Reads what the server echoed and compares it with the request as sent.
void Client::read_echo(Worker& w, size_t idx, std::vector<char>& rbuf) {
    ClientConn& c = w.conns[idx];
    const ssize_t got = read(c.fd, rbuf.data(), rbuf.size());
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        bump(counters_.events_spurious);
        return;
    }
    if (got <= 0) {
        // The server closed or reset: a lost connection is a failure of the run.
        failed_ = true;
        ctl_del(counters_, w.epfd, c.fd);
        c.active = false;
        return;
    }
    bump(counters_.bytes, static_cast<uint64_t>(got));
    // Bytes beyond what was sent (or arriving with no request in flight) are mismatches too.
    const size_t n = static_cast<size_t>(got);
    const size_t comparable = c.active ? std::min(n, c.sent - std::min(c.sent, c.received)) : 0;
    if (std::memcmp(rbuf.data(), c.request.data() + c.received, comparable) != 0) {
        for (size_t i = 0; i < comparable; ++i)
            if (rbuf[i] != c.request[c.received + i]) bump(counters_.mismatches);
    }
    if (n > comparable) bump(counters_.mismatches, n - comparable);
    c.received += n;
    if (c.active && c.received == opt_.payload) finish_request(w, idx);
}

void Client::run(Worker& w) {
    std::vector<epoll_event> events(256);
    std::vector<char> rbuf(65536);
    for (;;) {
        start_allowed(w);
        const int n = wait(counters_, w.epfd, events.data(), static_cast<int>(events.size()),
                           rate_timeout(w));
        if (n < 0) return;
        for (int e = 0; e < n; ++e) {
            const uint64_t data = events[static_cast<size_t>(e)].data.u64;
            if (data == kStopData) return;
            const size_t idx = static_cast<size_t>(data);
            const uint32_t rev = events[static_cast<size_t>(e)].events;
            if ((rev & EPOLLOUT) && w.conns[idx].active) write_some(w, idx);
            if (rev & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_echo(w, idx, rbuf);
        }
    }
}

}  // namespace epscope::poller
