/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counting mode's map layouts, shared by the BPF programs and the tracer
 * (tracer/counting). Counting mode streams no records: the hooks add to
 * these maps and the tracer reads them. They are maps, not an event ABI:
 * nothing is stored in trace files, and a tracer only ever reads the maps of
 * the BPF object it embeds.
 */
#ifndef EPSCOPE_COUNTING_H
#define EPSCOPE_COUNTING_H

#ifndef EPSCOPE_BPF
#include <linux/types.h>
#endif

/* log2 buckets of nanoseconds: bucket i counts values in [2^i, 2^(i+1)),
 * bucket 0 also 0; the last one everything from 2^39 ns (about 9 minutes). */
#define EP_COUNT_BUCKETS 40
/* Callback outcomes: EP_CB_QUEUED_READY .. EP_CB_IGNORED_DISARMED. */
#define EP_COUNT_OUTCOMES 6

struct ep_count_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 buckets[EP_COUNT_BUCKETS];
};

/* Per instance (key: struct eventpoll *). */
struct ep_count_instance {
	__u32 tgid;  /* the process that created it or first used it */
	__s32 epfd;  /* the last epfd it was reached by */
	char comm[16]; /* the process's name when the instance was first counted */
	__u64 ctl_add, ctl_mod, ctl_del, ctl_failed; /* epoll_ctl calls; failed: result < 0 */
	__u64 waits;       /* epoll_wait calls returned */
	__u64 waits_slept; /* of them, those that blocked (the thread slept) */
	__u64 timeouts;    /* returned 0 */
	__u64 wait_errors; /* returned < 0 (EINTR, ...) */
	__u64 deliveries;  /* events delivered to user space */
	__u64 harvests;    /* ep_done_scan (kernel hooks only) */
	__u64 wakeups;     /* waiters woken (kernel hooks only) */
	__u64 callbacks[EP_COUNT_OUTCOMES]; /* kernel hooks only */
	struct ep_count_hist wait_time;     /* time in epoll_wait, per call */
	struct ep_count_hist latency;       /* callback that queued an item -> its delivery */
};

/* Per item: an instance and the data cookie user space gave it (what a
 * delivery carries, on every backend). */
struct ep_count_item_key {
	__u64 ep;
	__u64 data;
};

struct ep_count_item {
	__u32 tgid;
	__s32 fd; /* -1: not known (delivered before any epoll_ctl was seen) */
	__u64 deliveries;
	__u64 callbacks[EP_COUNT_OUTCOMES];
	__u64 queued_ns; /* a callback queued it and it is not delivered yet (0: no) */
};

/* Entries ever created, so that the tracer can tell how many the LRU maps
 * evicted (created - present): never silent. Per CPU, index 0. */
struct ep_count_totals {
	__u64 instances_created;
	__u64 items_created;
	__u64 failed_updates; /* an entry that could not be created (out of memory) */
};

#endif /* EPSCOPE_COUNTING_H */
