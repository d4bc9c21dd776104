#include "poller.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "syscalls.hpp"

namespace epscope::poller {

namespace {

using Clock = std::chrono::steady_clock;

// data values that cannot collide with item data (gen << 32 | fd, gen >= 1).
constexpr uint64_t kStopData = ~0ULL;
constexpr uint64_t kTimerData = ~0ULL - 1;

struct Slot {
    uint32_t gen = 0;
    bool used = false;
    Handler handler = nullptr;
    void* context = nullptr;
    int64_t deadline_ns = -1;
};

uint64_t item_data(int fd, uint32_t gen) {
    return (static_cast<uint64_t>(gen) << 32) | static_cast<uint32_t>(fd);
}

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

}  // namespace

struct Poller {
    PollerParams params;
    Counters own_counters;
    Counters* counters = nullptr;
    int epfd = -1;
    int stop_fd = -1;
    int timer_fd = -1;
    std::mutex mu;  // guards slots and deadlines
    std::vector<Slot> slots;
    std::multimap<int64_t, uint64_t> deadlines;  // deadline -> item data
    int64_t armed_ns = -1;
    std::vector<std::thread> threads;
};

namespace {

// Caller holds p->mu. Arms the timerfd to the earliest pending deadline.
void rearm_timer(Poller* p) {
    const int64_t next = p->deadlines.empty() ? -1 : p->deadlines.begin()->first;
    if (next == p->armed_ns) return;
    p->armed_ns = next;
    itimerspec its{};
    if (next >= 0) {
        const int64_t delta = std::max<int64_t>(next - now_ns(), 1);
        its.it_value.tv_sec = delta / 1000000000;
        its.it_value.tv_nsec = delta % 1000000000;
    }
    timerfd_settime(p->timer_fd, 0, &its, nullptr);
}

// Caller holds p->mu.
void set_deadline(Poller* p, int fd, Slot& s, int timeout_ms) {
    s.deadline_ns = timeout_ms < 0 ? -1 : now_ns() + int64_t{timeout_ms} * 1000000;
    if (s.deadline_ns >= 0) p->deadlines.emplace(s.deadline_ns, item_data(fd, s.gen));
    rearm_timer(p);
}

void handle_timeouts(Poller* p) {
    uint64_t expirations;
    if (read(p->timer_fd, &expirations, sizeof expirations) < 0) return;  // another waiter took it
    std::vector<std::pair<int, Slot>> expired;
    {
        std::lock_guard lock(p->mu);
        const int64_t now = now_ns();
        while (!p->deadlines.empty() && p->deadlines.begin()->first <= now) {
            const auto [deadline, data] = *p->deadlines.begin();
            p->deadlines.erase(p->deadlines.begin());
            const int fd = static_cast<int>(data & 0xffffffffu);
            Slot& s = p->slots[static_cast<size_t>(fd)];
            // Entries of modified or removed items are stale: skip them.
            if (!s.used || s.gen != (data >> 32) || s.deadline_ns != deadline) continue;
            ctl_del(*p->counters, p->epfd, fd);
            s.used = false;
            expired.emplace_back(fd, s);
        }
        p->armed_ns = -2;  // force a re-arm: the timer fired
        rearm_timer(p);
    }
    for (auto& [fd, s] : expired) {
        bump(p->counters->timeouts);
        s.handler(s.context, fd, 0);
    }
}

void thread_routine(Poller* p) {
    std::vector<epoll_event> events(static_cast<size_t>(p->params.max_events));
    for (;;) {
        int timeout = -1;
        if (p->params.before_wait) {
            timeout = p->params.before_wait(p->params.before_wait_context);
            if (timeout == kSkipWait) {
                bump(p->counters->waits_skipped);
                continue;
            }
        }
        const int n = wait(*p->counters, p->epfd, events.data(), p->params.max_events, timeout);
        if (n < 0) return;
        for (int i = 0; i < n; ++i) {
            const uint64_t data = events[static_cast<size_t>(i)].data.u64;
            if (data == kStopData) return;  // level-triggered, never read: every waiter sees it
            if (data == kTimerData) {
                handle_timeouts(p);
                continue;
            }
            const int fd = static_cast<int>(data & 0xffffffffu);
            Handler handler;
            void* context;
            {
                std::lock_guard lock(p->mu);
                const Slot& s = p->slots[static_cast<size_t>(fd)];
                // An event harvested before a del (or del + re-add of the same fd number)
                // belongs to the old item: drop it.
                if (!s.used || s.gen != (data >> 32)) continue;
                handler = s.handler;
                context = s.context;
            }
            bump(p->counters->events_handled);
            handler(context, fd, events[static_cast<size_t>(i)].events);
        }
    }
}

}  // namespace

Poller* poller_create(const PollerParams& params) {
    if (params.threads < 1 || params.max_events < 1) {
        errno = EINVAL;
        return nullptr;
    }
    auto p = std::make_unique<Poller>();
    p->params = params;
    p->counters = params.counters ? params.counters : &p->own_counters;
    p->slots.resize(params.max_fds);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (p->epfd < 0 || p->stop_fd < 0 || p->timer_fd < 0 ||
        ctl_add(*p->counters, p->epfd, p->timer_fd, EPOLLIN, kTimerData) < 0) {
        const int saved = errno;
        poller_destroy(p.release());
        errno = saved;
        return nullptr;
    }
    return p.release();
}

int poller_start(Poller* p) {
    if (ctl_add(*p->counters, p->epfd, p->stop_fd, EPOLLIN, kStopData) < 0) return -1;
    for (int i = 0; i < p->params.threads; ++i) p->threads.emplace_back(thread_routine, p);
    return 0;
}

int poller_add(Poller* p, int fd, uint32_t events, Handler handler, void* context, int timeout_ms) {
    if (fd < 0 || static_cast<size_t>(fd) >= p->slots.size()) {
        errno = fd < 0 ? EBADF : ERANGE;
        return -1;
    }
    std::lock_guard lock(p->mu);
    Slot& s = p->slots[static_cast<size_t>(fd)];
    if (s.used) {
        errno = EEXIST;
        return -1;
    }
    const uint32_t gen = s.gen + 1 == 0 ? 1 : s.gen + 1;
    if (ctl_add(*p->counters, p->epfd, fd, events, item_data(fd, gen)) < 0) return -1;
    s.gen = gen;
    s.used = true;
    s.handler = handler;
    s.context = context;
    set_deadline(p, fd, s, timeout_ms);
    return 0;
}

// The slot of a registered fd (caller holds p->mu; the slot table never
// resizes), or nullptr with errno EBADF (fd out of range) or ENOENT.
static Slot* registered_slot(Poller* p, int fd) {
    if (fd < 0 || static_cast<size_t>(fd) >= p->slots.size()) {
        errno = EBADF;
        return nullptr;
    }
    Slot& s = p->slots[static_cast<size_t>(fd)];
    if (!s.used) {
        errno = ENOENT;
        return nullptr;
    }
    return &s;
}

int poller_mod(Poller* p, int fd, uint32_t events, int timeout_ms) {
    std::lock_guard lock(p->mu);
    Slot* slot = registered_slot(p, fd);
    if (!slot) return -1;
    Slot& s = *slot;
    if (ctl_mod(*p->counters, p->epfd, fd, events, item_data(fd, s.gen)) < 0) return -1;
    set_deadline(p, fd, s, timeout_ms);
    return 0;
}

int poller_del(Poller* p, int fd) {
    std::lock_guard lock(p->mu);
    Slot* slot = registered_slot(p, fd);
    if (!slot) return -1;
    Slot& s = *slot;
    s.used = false;
    s.deadline_ns = -1;
    return ctl_del(*p->counters, p->epfd, fd);
}

int poller_touch(Poller* p, int fd, int timeout_ms) {
    std::lock_guard lock(p->mu);
    Slot* slot = registered_slot(p, fd);
    if (!slot) return -1;
    Slot& s = *slot;
    set_deadline(p, fd, s, timeout_ms);
    return 0;
}

void poller_forget(Poller* p, int fd) {
    if (fd < 0 || static_cast<size_t>(fd) >= p->slots.size()) return;
    std::lock_guard lock(p->mu);
    Slot& s = p->slots[static_cast<size_t>(fd)];
    s.used = false;
    s.deadline_ns = -1;
}

int poller_epfd(const Poller* p) { return p->epfd; }

void poller_stop(Poller* p) {
    if (p->threads.empty()) return;
    const uint64_t one = 1;
    if (write(p->stop_fd, &one, sizeof one) != sizeof one) return;
    for (auto& t : p->threads) t.join();
    p->threads.clear();
    // Leave the instance reusable: drain the stop event and unregister it.
    uint64_t value;
    while (read(p->stop_fd, &value, sizeof value) > 0) {
    }
    ctl_del(*p->counters, p->epfd, p->stop_fd);
}

void poller_destroy(Poller* p) {
    if (!p) return;
    for (int fd : {p->epfd, p->stop_fd, p->timer_fd})
        if (fd >= 0) close(fd);
    delete p;
}

}  // namespace epscope::poller
