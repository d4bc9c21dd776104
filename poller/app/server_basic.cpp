// --model basic: plain epoll with the chosen trigger. Layouts: one instance per thread with
// the listener in the first (connections spread round robin), one instance shared by every
// thread (--shared-epoll: the thundering herd), or one instance per thread each holding the
// listener with EPOLLEXCLUSIVE (--exclusive).
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "mpoller.hpp"
#include "server.hpp"

namespace epscope::poller {

namespace {

class BasicServer final : public Server {
public:
    using Server::Server;

    int start(std::string& err) override {
        PollerParams params;
        params.max_events = opt_.max_events;
        params.max_fds = conns_.size();
        params.counters = &counters_;
        params.threads = opt_.shared_epoll ? opt_.threads : 1;
        pollers_ = MPoller::create(opt_.shared_epoll ? 1 : opt_.threads, params);
        if (!pollers_) {
            err = std::string("cannot create epoll instances: ") + std::strerror(errno);
            return -1;
        }
        // The listener stays level-triggered: accept takes one connection per event in the
        // exclusive layout so the wakeups spread over the instances.
        const size_t listeners = opt_.exclusive ? pollers_->size() : 1;
        listen_ctx_.resize(listeners);
        for (size_t i = 0; i < listeners; ++i) {
            const uint32_t ev = EPOLLIN | (opt_.exclusive ? EPOLLEXCLUSIVE : 0u);
            listen_ctx_[i] = {this, pollers_->at(i)};
            if (poller_add(pollers_->at(i), listen_fd_, ev, on_listen, &listen_ctx_[i], -1) < 0) {
                err = std::string("cannot register the listening socket: ") + std::strerror(errno);
                return -1;
            }
        }
        if (pollers_->start() < 0) {
            err = std::string("cannot start poller threads: ") + std::strerror(errno);
            return -1;
        }
        return 0;
    }

    void stop() override {
        if (pollers_) pollers_->stop();
        close_all();
    }

private:
    uint32_t conn_events(bool want_out) const {
        switch (opt_.trigger) {
            case Trigger::Edge:
                return EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
            case Trigger::OneShot:
                return EPOLLIN | EPOLLRDHUP | EPOLLONESHOT | (want_out ? EPOLLOUT : 0u);
            case Trigger::Level:
                break;
        }
        return EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
    }

    struct ListenCtx {
        BasicServer* server;
        Poller* poller;  // the instance this listener item belongs to
    };

    static void on_listen(void* ctx, int, uint32_t) {
        auto* l = static_cast<ListenCtx*>(ctx);
        BasicServer* s = l->server;
        // Accept what is queued; the exclusive layout takes one per wakeup so the other
        // instances get their share.
        const int max = s->opt_.exclusive ? 1 : 64;
        bool any = false;
        for (int i = 0; i < max; ++i) {
            const int fd = s->accept_one();
            if (fd < 0) break;
            any = true;
            s->admit(fd, l->poller);
        }
        if (!any) bump(s->counters_.events_spurious);
    }

    // In the exclusive layout a connection stays with the instance whose waiter accepted
    // it; otherwise connections are spread round robin.
    void admit(int fd, Poller* accepting) {
        Poller* owner = opt_.exclusive ? accepting : pollers_->at(next_++ % pollers_->size());
        Conn* c = open_conn(fd, owner);
        if (!c) {
            close(fd);
            return;
        }
        std::lock_guard lock(c->mu);
        c->interest = conn_events(false);
        if (poller_add(owner, fd, c->interest, on_conn, c, -1) < 0) {
            c->open = false;
            close(fd);
        }
    }

    static void on_conn(void* ctx, int fd, uint32_t revents) {
        auto* c = static_cast<Conn*>(ctx);
        std::lock_guard lock(c->mu);
        if (!c->open) return;  // closed by another waiter of a shared instance
        static_cast<BasicServer*>(c->server)->serve(fd, *c, revents);
    }

    void serve(int fd, Conn& c, uint32_t revents) {
        const bool drain = opt_.trigger != Trigger::Level;
        Io r = Io::WouldBlock;
        if (revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            r = read_into(fd, c.out, drain, counters_);
        if (r == Io::WouldBlock && c.out.empty()) bump(counters_.events_spurious);
        Io w = flush(fd, c, counters_);
        if (r == Io::Closed || w == Io::Closed) {
            // The explicit DEL before close is what workflow does; sepoll saves it.
            poller_del(c.owner, fd);
            c.open = false;
            close(fd);
            return;
        }
        const uint32_t want = conn_events(!c.out.empty());
        if (opt_.trigger == Trigger::OneShot || want != c.interest) {
            c.interest = want;
            poller_mod(c.owner, fd, want, -1);
        }
    }

    std::unique_ptr<MPoller> pollers_;
    std::vector<ListenCtx> listen_ctx_;
    std::atomic<size_t> next_{0};  // several waiters of a shared instance may accept
};

}  // namespace

std::unique_ptr<Server> make_basic_server(const Options& opt, int listen_fd, Counters& c) {
    return std::make_unique<BasicServer>(opt, listen_fd, c);
}

}  // namespace epscope::poller
