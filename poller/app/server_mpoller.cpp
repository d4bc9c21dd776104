// --model mpoller: workflow's layout. N poller threads each own an epoll instance (with its
// timerfd and stop eventfd, see poller.cpp); an fd lives on poller fd % N. A poller thread
// only does the I/O: it reads into the connection and hands the connection to M handler
// threads through a message queue, as Communicator does; a handler produces the reply (the
// echo) and writes it, asking its poller for EPOLLOUT only when the socket is full.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "mpoller.hpp"
#include "msgqueue.hpp"
#include "server.hpp"

namespace epscope::poller {

namespace {

struct Message {
    int fd = -1;
    uint32_t gen = 0;
};

class MPollerServer final : public Server {
public:
    using Server::Server;

    int start(std::string& err) override {
        PollerParams params;
        params.max_events = opt_.max_events;
        params.max_fds = conns_.size();
        params.counters = &counters_;
        pollers_ = MPoller::create(opt_.pollers, params);
        if (!pollers_) {
            err = std::string("cannot create pollers: ") + std::strerror(errno);
            return -1;
        }
        if (pollers_->add(listen_fd_, EPOLLIN, on_listen, this, -1) < 0) {
            err = std::string("cannot register the listening socket: ") + std::strerror(errno);
            return -1;
        }
        for (int i = 0; i < opt_.handlers; ++i)
            handlers_.emplace_back([this] { handler_routine(); });
        if (pollers_->start() < 0) {
            err = std::string("cannot start poller threads: ") + std::strerror(errno);
            return -1;
        }
        return 0;
    }

    void stop() override {
        // Pollers first (no new messages), then drain and stop the handlers.
        if (pollers_) pollers_->stop();
        queue_.set_nonblock();
        for (auto& t : handlers_) t.join();
        handlers_.clear();
        close_all();
    }

    ~MPollerServer() override { stop(); }

private:
    static constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;

    static void on_listen(void* ctx, int, uint32_t) {
        auto* s = static_cast<MPollerServer*>(ctx);
        for (int i = 0; i < 64; ++i) {
            const int fd = s->accept_one();
            if (fd < 0) break;
            Conn* c = s->open_conn(fd, s->pollers_->of(fd));
            if (!c) {
                close(fd);
                continue;
            }
            std::lock_guard lock(c->mu);
            c->interest = kReadEvents;
            if (s->pollers_->add(fd, kReadEvents, on_conn, c, s->opt_.idle_timeout_ms) < 0) {
                c->open = false;
                close(fd);
            }
        }
    }

    // Poller thread: I/O only.
    static void on_conn(void* ctx, int fd, uint32_t revents) {
        auto* c = static_cast<Conn*>(ctx);
        auto* s = static_cast<MPollerServer*>(c->server);
        std::lock_guard lock(c->mu);
        if (!c->open) return;
        if (revents == 0) {
            // Idle timeout: the poller already removed the item.
            c->open = false;
            close(fd);
            return;
        }
        if (revents & EPOLLOUT) {
            const Io w = flush(fd, *c, s->counters_);
            if (w == Io::Closed) {
                s->close_conn(fd, *c);
                return;
            }
            if (c->out.empty()) s->set_interest(fd, *c, kReadEvents);
        }
        if (!(revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
        const Io r = read_into(fd, c->in, false, s->counters_);
        if (r == Io::Closed) {
            s->close_conn(fd, *c);
            return;
        }
        if (r == Io::WouldBlock) {
            bump(s->counters_.events_spurious);
            return;
        }
        if (s->opt_.idle_timeout_ms >= 0) poller_touch(c->owner, fd, s->opt_.idle_timeout_ms);
        if (!c->queued) {
            c->queued = true;
            s->queue_.put(Message{fd, c->gen});
        }
    }

    // Handler thread: turns what was read into the reply and writes it.
    void handler_routine() {
        Message m;
        while (queue_.get(m)) {
            bump(counters_.handler_messages);
            Conn& c = *conns_.at(m.fd);
            std::lock_guard lock(c.mu);
            if (!c.open || c.gen != m.gen) continue;  // closed (and maybe reused) meanwhile
            c.queued = false;
            c.out += c.in;
            c.in.clear();
            const Io w = flush(m.fd, c, counters_);
            if (w == Io::Closed) {
                close_conn(m.fd, c);
            } else if (w == Io::WouldBlock) {
                set_interest(m.fd, c, kReadEvents | EPOLLOUT);
            }
        }
    }

    void set_interest(int fd, Conn& c, uint32_t want) {
        if (want == c.interest) return;
        c.interest = want;
        pollers_->mod(fd, want, opt_.idle_timeout_ms);
    }

    void close_conn(int fd, Conn& c) {
        pollers_->del(fd);
        c.open = false;
        close(fd);
    }

    std::unique_ptr<MPoller> pollers_;
    MsgQueue<Message> queue_;
    std::vector<std::thread> handlers_;
};

}  // namespace

std::unique_ptr<Server> make_mpoller_server(const Options& opt, int listen_fd, Counters& c) {
    return std::make_unique<MPollerServer>(opt, listen_fd, c);
}

}  // namespace epscope::poller
