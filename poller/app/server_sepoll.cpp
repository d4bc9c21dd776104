// --model sepoll: speculative I/O after HAProxy's ev_sepoll. A new connection is not
// registered: it goes on the speculative list and its reads are simply tried. Only when a
// read says EAGAIN is the fd registered (EPOLL_CTL_ADD); a connection that ends while still
// speculative never costs an epoll_ctl, and a registered one is closed without DEL (close()
// removes the item). Writes are tried directly and EPOLLOUT is only requested after EAGAIN.
// When speculation did enough work, the next epoll_wait is skipped (every other turn, as
// HAProxy did, so polled fds do not starve).
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "mpoller.hpp"
#include "server.hpp"

namespace epscope::poller {

namespace {

// Speculative successes in one turn that make the next epoll_wait skippable.
constexpr int kMinReturnEvents = 2;

class SepollServer;

// One loop per thread: its instance, its speculative list.
struct Loop {
    SepollServer* server = nullptr;
    Poller* poller = nullptr;
    std::vector<int> spec;  // fds on the speculative list (touched by this loop's thread only)
    bool skipped_last = false;
};

class SepollServer final : public Server {
public:
    using Server::Server;

    int start(std::string& err) override {
        loops_.resize(static_cast<size_t>(opt_.threads));
        PollerParams params;
        params.max_events = opt_.max_events;
        params.max_fds = conns_.size();
        params.counters = &counters_;
        params.before_wait = before_wait;
        // Each loop has its own instance; with several, they share the listener through
        // EPOLLEXCLUSIVE so one waiter is woken per connection.
        const uint32_t listen_ev = EPOLLIN | (opt_.threads > 1 ? EPOLLEXCLUSIVE : 0u);
        for (Loop& l : loops_) {
            l.server = this;
            params.before_wait_context = &l;
            l.poller = poller_create(params);
            if (!l.poller || poller_add(l.poller, listen_fd_, listen_ev, on_listen, &l, -1) < 0) {
                err = std::string("cannot set up an epoll instance: ") + std::strerror(errno);
                return -1;
            }
        }
        for (Loop& l : loops_) {
            if (poller_start(l.poller) < 0) {
                err = std::string("cannot start poller threads: ") + std::strerror(errno);
                return -1;
            }
        }
        return 0;
    }

    void stop() override {
        for (Loop& l : loops_)
            if (l.poller) poller_stop(l.poller);
        close_all();
    }

    ~SepollServer() override {
        for (Loop& l : loops_) {
            if (!l.poller) continue;
            poller_stop(l.poller);
            poller_destroy(l.poller);
        }
    }

private:
    static void on_listen(void* ctx, int, uint32_t) {
        auto* l = static_cast<Loop*>(ctx);
        SepollServer* s = l->server;
        const int max = s->opt_.threads > 1 ? 1 : 64;
        for (int i = 0; i < max; ++i) {
            const int fd = s->accept_one();
            if (fd < 0) break;
            Conn* c = s->open_conn(fd, l->poller);
            if (!c) {
                close(fd);
                continue;
            }
            c->in_spec = true;
            l->spec.push_back(fd);
        }
    }

    // Runs the speculative list, then decides how to wait.
    static int before_wait(void* ctx) {
        auto* l = static_cast<Loop*>(ctx);
        SepollServer* s = l->server;
        int done = 0;
        std::vector<int> keep;
        keep.reserve(l->spec.size());
        for (int fd : l->spec) {
            Conn& c = *s->conns_.at(fd);
            std::lock_guard lock(c.mu);
            if (!c.open) continue;
            bump(s->counters_.spec_attempts);
            const Io r = read_into(fd, c.out, false, s->counters_);
            if (r == Io::Progress) {
                bump(s->counters_.spec_successes);
                ++done;
            }
            const Io w = flush(fd, c, s->counters_);
            if (r == Io::Closed || w == Io::Closed) {
                s->close_conn(fd, c);
                continue;
            }
            if (r == Io::Progress && w == Io::Progress) {
                keep.push_back(fd);  // speculation worked: try again next turn
                continue;
            }
            c.in_spec = false;  // EAGAIN: from now on the fd is polled
            s->update_poll(fd, c);
        }
        l->spec.swap(keep);
        if (done >= kMinReturnEvents && !l->skipped_last) {
            l->skipped_last = true;
            return kSkipWait;
        }
        l->skipped_last = false;
        return l->spec.empty() ? -1 : 0;
    }

    // Registers or updates the item so it matches what the connection waits for.
    void update_poll(int fd, Conn& c) {
        const uint32_t want = EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0u : EPOLLOUT);
        if (!c.registered) {
            if (poller_add(c.owner, fd, want, on_conn, &c, -1) == 0) {
                c.registered = true;
                c.interest = want;
            }
        } else if (want != c.interest) {
            poller_mod(c.owner, fd, want, -1);
            c.interest = want;
        }
    }

    static void on_conn(void* ctx, int fd, uint32_t revents) {
        auto* c = static_cast<Conn*>(ctx);
        std::lock_guard lock(c->mu);
        if (!c->open) return;
        auto* s = static_cast<SepollServer*>(c->server);
        Io r = Io::WouldBlock;
        if (revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            r = read_into(fd, c->out, false, s->counters_);
        if (r == Io::WouldBlock && c->out.empty()) bump(s->counters_.events_spurious);
        const Io w = flush(fd, *c, s->counters_);
        if (r == Io::Closed || w == Io::Closed) {
            s->close_conn(fd, *c);
            return;
        }
        s->update_poll(fd, *c);
    }

    // No EPOLL_CTL_DEL: the last close() of the file removes the item. A connection that
    // never left the speculative list saved its ADD as well.
    void close_conn(int fd, Conn& c) {
        bump(counters_.ctl_saved, c.registered ? 1 : 2);
        if (c.registered) poller_forget(c.owner, fd);
        c.open = false;
        c.registered = false;
        c.in_spec = false;
        close(fd);
    }

    std::vector<Loop> loops_;
};

}  // namespace

std::unique_ptr<Server> make_sepoll_server(const Options& opt, int listen_fd, Counters& c) {
    return std::make_unique<SepollServer>(opt, listen_fd, c);
}

}  // namespace epscope::poller
