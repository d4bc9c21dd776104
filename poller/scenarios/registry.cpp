#include "scenario.hpp"

namespace epscope::poller {

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> table = {
        {"insert-modify-delete", "ADD, MOD and DEL of items, and the errors of bad ctl calls",
         scenario_insert_modify_delete},
        {"close-registered", "close() of a registered fd removes its item (no DEL)",
         scenario_close_registered},
        {"dup-registered-twice", "one file registered through an fd and its dup(): two items",
         scenario_dup_registered_twice},
        {"fork-shared", "an epoll fd shared by parent and child after fork()",
         scenario_fork_shared},
        {"fd-passing", "an epoll fd and an item's file passed to another process (SCM_RIGHTS)",
         scenario_fd_passing},
        {"nested", "an epoll instance registered inside another", scenario_nested},
        {"exit-with-items",
         "processes _exit() with ready items registered, the epoll fd above and below its "
         "targets: every item removed at exit",
         scenario_exit_with_items},
        {"oneshot-rearm", "EPOLLONESHOT disarms after one event; MOD re-arms it",
         scenario_oneshot_rearm},
        {"edge-vs-level", "partial reads: level re-delivers, edge waits for new data",
         scenario_edge_vs_level},
        {"maxevents-small", "maxevents below the ready list: the rest stays queued, in order",
         scenario_maxevents_small},
        {"overflow-harvest",
         "callbacks while another thread harvests a large ready list (overflow list; timing "
         "dependent)",
         scenario_overflow_harvest},
        {"exclusive-waiters", "EPOLLEXCLUSIVE: one fd in several instances, each with a waiter",
         scenario_exclusive_waiters},
        {"mixed-types", "pipe, eventfd, timerfd, signalfd, TCP and unix sockets in one instance",
         scenario_mixed_types},
        {"many-fds", "a few thousand eventfds in one instance", scenario_many_fds},
        {"bad-busy-poll", "misuse: epoll_wait with timeout 0 in a loop on an idle pipe (0.3 s)",
         scenario_bad_busy_poll},
        {"bad-oneshot-not-rearmed",
         "misuse: an EPOLLONESHOT item never re-armed while data keeps arriving (1.5 s)",
         scenario_bad_oneshot_not_rearmed},
        {"bad-closed-fd-registered",
         "misuse: a registered fd closed while its dup keeps the file open, the number reused "
         "and registered for another pipe; data keeps arriving on both (0.5 s)",
         scenario_bad_closed_fd_registered},
        {"bad-edge-undrained",
         "misuse: an EPOLLET socket read once (1 KiB of 4 KiB) and left; no new event for the "
         "rest while the loop waits (1.5 s)",
         scenario_bad_edge_undrained},
        {"bad-loop-blocked",
         "misuse: the handler blocks 200 ms per turn while the next event waits (6 turns)",
         scenario_bad_loop_blocked},
        {"bad-maxevents-starved",
         "misuse: 64 ready items harvested with maxevents 4, 60 left behind each time (40 waits)",
         scenario_bad_maxevents_starved},
        {"bad-thundering-herd",
         "misuse: one eventfd in 4 instances without EPOLLEXCLUSIVE, each write wakes 4 "
         "threads (40 writes, 2 s)",
         scenario_bad_thundering_herd},
        {"bad-spurious-wakeups",
         "misuse: other signals wake a signalfd item's waiter, whose wait returns nothing "
         "(80 signals, 2 s)",
         scenario_bad_spurious_wakeups},
        {"bad-level-spin",
         "misuse: a writable socket registered for EPOLLOUT level-triggered, returned by "
         "3000 waits in a row",
         scenario_bad_level_spin},
        {"bad-registration-churn",
         "misuse: 4 MOD, a DEL and an ADD of the item per delivered event (1000 events)",
         scenario_bad_registration_churn},
        {"bad-overflow-pressure",
         "callbacks while a harvest is stopped on a userfaultfd page land on the overflow list "
         "(info; 10 rounds of 100)",
         scenario_bad_overflow_pressure},
        {"bad-unbalanced-pollers",
         "misuse: 3 threads with an instance each, all 32 busy items on the first, 40 ms of "
         "work per turn (4 s)",
         scenario_bad_unbalanced_pollers},
    };
    return table;
}

const Scenario* find_scenario(const std::string& name) {
    for (const Scenario& s : scenarios())
        if (name == s.name) return &s;
    return nullptr;
}

}  // namespace epscope::poller
