// A small event loop in the spirit of workflow's poller: an opaque instance with
// create/start/add/mod/del/stop/destroy. One epoll instance per poller; `threads` waiters
// harvest it (1 = workflow's design; more = the thundering herd of a shared instance).
// A timerfd carries the per-item timeouts, an eventfd stops the loop deterministically
// (stop writes it and joins every waiter).
#pragma once

#include <cstddef>
#include <cstdint>

#include "counters.hpp"

namespace epscope::poller {

struct Poller;

// Called once per delivered event with the item's revents, or with revents == 0 when the
// item's timeout expired (the item is then already removed from the instance). A handler
// may call poller_mod/poller_del on any item. The context must outlive the item: a handler
// copied out just before a concurrent poller_del can still run once.
using Handler = void (*)(void* context, int fd, uint32_t revents);

// Returned by a before_wait hook to skip epoll_wait for this loop turn.
inline constexpr int kSkipWait = -2;

struct PollerParams {
    int max_events = 256;
    int threads = 1;
    size_t max_fds = 1024;  // size of the item table: fds must be below this
    Counters* counters = nullptr;
    // Called before each epoll_wait by each waiter: returns the wait timeout in ms
    // (-1 = block), or kSkipWait. Lets sepoll run its speculative list first.
    int (*before_wait)(void* context) = nullptr;
    void* before_wait_context = nullptr;
};

// Returns nullptr with errno set on failure.
Poller* poller_create(const PollerParams& params);
int poller_start(Poller* poller);
// timeout_ms < 0: no timeout. Returns 0 or -1 with errno (epoll_ctl's, or EBADF/ERANGE for
// an fd outside the item table).
int poller_add(Poller* poller, int fd, uint32_t events, Handler handler, void* context,
               int timeout_ms);
int poller_mod(Poller* poller, int fd, uint32_t events, int timeout_ms);
int poller_del(Poller* poller, int fd);
// Restarts an item's timeout without an epoll_ctl: activity on a connection moves its
// deadline, as workflow's poller keeps its timeouts in its own tree.
int poller_touch(Poller* poller, int fd, int timeout_ms);
// Forget an item whose fd is being closed without epoll_ctl(DEL): close() removes it from
// the instance (sepoll relies on that to save a syscall).
void poller_forget(Poller* poller, int fd);
int poller_epfd(const Poller* poller);
void poller_stop(Poller* poller);
void poller_destroy(Poller* poller);

}  // namespace epscope::poller
