// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * epscope's BPF programs: every logical hook of DESIGN.md, once per backend
 * (fentry/fexit, kprobe/kretprobe, syscall tracepoints). Each backend's
 * programs are thin wrappers around one shared handler per hook; the
 * planner (tracer/plan) switches each program's autoload on or off for the
 * running kernel before load, so only one backend per hook is ever attached.
 */
#include "kernel_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "epscope_abi.h"
#include "epscope_counting.h"
#include "epscope_shared.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Read-only configuration, set by the loader before load. */
const volatile bool targ_all = false;         /* trace every process (tests) */
const volatile bool have_start_scan = false;  /* ep_start_scan is hookable */
const volatile __u32 walk_limit = 256;        /* max nodes per list walk */
/* --verify: walk the lists at harvest ends and the tree after ADD/DEL. Off,
 * a harvest end costs no walk and HARVEST_END says "not walked". */
const volatile bool verify = false;
/* Ring bytes not yet read past which a submit wakes the collector. Below it
 * no submit wakes anyone (the collector drains on a short timer): a wakeup is
 * an irq_work, a self-IPI in a VM, raised inside the traced program's own
 * syscall. Set by the loader from the ring size; 0 wakes on every submit. */
const volatile __u64 wake_threshold = 0;
/* Counting mode (live --counting): the hooks add to the count_* maps and
 * submit nothing; reserve() is the one place that says so to every record. */
const volatile bool counting = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

/* Read by the tracer through mmap (epscope_shared.h says why). */
__u64 ring_drops[EP_DROP_CPUS] = {};

/* Traced processes (tgid). Children of traced processes are added at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

/* The exporter's selectors (`epscope exporter --comm/--cgroup`): a process
 * whose new image has one of these names, or that execs inside one of these
 * cgroup v2 groups, is traced from its exec on, before its first epoll call
 * (the exporter's /proc scan alone would find it late). Empty: no lookup. */
const volatile bool targ_select = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, char[16]); /* comm, NUL-padded, as the kernel truncates it */
	__type(value, __u8);
} select_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, __u8);
} select_cgroups SEC(".maps");

/*
 * Instances (struct eventpoll *) of traced processes -> owner tgid. Callbacks
 * run in the waker's context (another process, or softirq for TCP), so they
 * are filtered by the instance, not by the current task.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
} instances SEC(".maps");

struct ctl_state {
	__u64 ep, epi, file, data, ino;
	__s32 epfd, fd;
	__u32 events, op;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct ctl_state);
} ctls SEC(".maps");

/* A thread's entry stays from its first epoll_wait to its exit and is
 * rewritten in place by each wait: a hash update and delete per call (an
 * element taken from and given back to the map's free list, a bucket lock
 * each) cost more than the rest of the program. `active` says whether the
 * thread is inside epoll_wait now. */
struct wait_state {
	__u64 ep;
	__u64 uevents;
	__s32 epfd;
	__s32 maxevents;
	__u32 slept;
	__u32 harvested; /* verify: ep_done_scan ran, activity held until the exit */
	__u64 start_ns;  /* counting: the wait's entry */
	__u32 active;    /* between the wait's entry and its exit */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct wait_state);
} waits SEC(".maps");

/* Why ep_remove is running on this thread: set by its callers' hooks. */
struct remove_ctx {
	__u64 release_file; /* eventpoll_release_file(file) */
	__u64 teardown_ep;  /* ep_clear_and_put(ep) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct remove_ctx);
} removes SEC(".maps");

/* The callback running on this CPU, for the wakeup it causes; verify mode:
 * per nesting level, its item and the outcome its record said, checked at
 * its exit. */
#define CALLBACK_DEPTH 4
struct callback_ctx {
	__u64 ep, epi;
	__u32 tid;
	__u32 depth; /* verify: callbacks entered and not yet exited on this CPU */
	__u64 items[CALLBACK_DEPTH];
	__u64 scans_done[CALLBACK_DEPTH]; /* the instance's scans_done at the entry */
	__u8 said[CALLBACK_DEPTH];
	__u8 overlap[CALLBACK_DEPTH]; /* another overflow queueing ran at the entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct callback_ctx);
} callbacks SEC(".maps");

/*
 * Verify mode: what is in flight on an instance. A change to the interest set
 * (epoll_ctl, a one-shot disarm by a harvest) is made under ep->mtx but
 * reported later, at the syscall's exit: between the two, /proc fdinfo or a
 * tree walk shows a state the stream has not reached yet. busy counts such
 * operations from their start to the moment their records are submitted; gen
 * counts every start and end. A reader (a tree walk here, the tracer's
 * fdinfo checkpoints through activity_seen below) whose busy was 0 (a walk:
 * only its own call) and whose gen did not move saw a state that sits
 * exactly at its place in the stream.
 */
struct ep_activity {
	__u64 gen; /* mirrored in activity_seen for the tracer */
	__u64 busy;
	__u32 tree_ops;   /* ADD/DEL since the last tree walk */
	__u32 tree_large; /* the last tree walk hit its bound */
	/* Callbacks: a callback's record is read at ep_poll_callback entry, its
	 * list chosen later under ep->lock, and a harvest's walks hold no lock.
	 * cb_gen counts entries and exits, cb_busy the callbacks running,
	 * cb_missed those whose list was not the one their record said (checked
	 * at the exit); cb_missed_seen is cb_missed at the last harvest end. */
	__u64 cb_gen;
	__u64 cb_busy;
	__u64 cb_missed;
	__u64 cb_missed_seen;
	/* Callbacks running whose record said QUEUED_OVERFLOW. Two that overlap
	 * chain in the order they take ep->lock, which their records (reserved
	 * at the entry) need not show: the chain's order is then unknown to the
	 * stream, and the exit counts it in cb_missed. Two that do not overlap
	 * are recorded and chained in the same order. */
	__u64 ovf_busy;
	__u64 done_scans; /* ep_done_scan calls running (verify: its exit) */
	__u64 scans_done; /* ep_done_scan calls returned (the overflow list made inactive) */
};

/* The tracer's view of gen and busy (its fdinfo checkpoints), read through
 * mmap: instances share a bucket by a hash of their address, so a bucket's
 * busy is 0 only if each of its instances' is, and its gen stays put only if
 * each of theirs does (a neighbour's activity costs a checkpoint, never
 * makes a wrong one). */
struct ep_activity_seen activity_seen[EP_ACTIVITY_BUCKETS] = {};

static __always_inline struct ep_activity_seen *activity_bucket(__u64 ep)
{
	/* In fentry programs ep holds a typed pointer, on which the verifier
	 * allows no multiplication: its value is read as a plain number. */
	__u64 addr = 0;
	bpf_probe_read_kernel(&addr, sizeof(addr), &ep);
	return &activity_seen[EP_ACTIVITY_BUCKET(addr)];
}

/* A tree larger than walk_limit is walked (truncated) once per this many ADD/DEL:
 * a walk after each of thousands of inserts would fill the ring buffer. */
#define TREE_LARGE_EVERY 64

/* Never deleted (an LRU map ages entries out instead): a reader that saw "no
 * entry" before and after must not miss an instance created and freed between. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct eventpoll * */
	__type(value, struct ep_activity);
} activity SEC(".maps");

/* Verify mode: the instance each thread's running ep_done_scan is for, so
 * that only an exit whose entry was counted uncounts it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, __u64); /* struct eventpoll * */
} done_scans SEC(".maps");

/* One tree walk, kept until it is known to be untorn, then emitted. */
#define TREE_MAX 512
struct tree_node_rec {
	__u64 epi, file, parent;
	__s32 fd;
	__u32 events;
	__u32 color;
	__u32 pad;
};

/* The walk's state lives here, not on the stack: the bounded flavour's
 * verifier then sees the same state at every iteration whichever way the
 * previous one went (a count it tracked exactly would multiply its paths). */
struct tree_walk {
	__u64 node; /* current struct rb_node * */
	__u32 count;
	__u32 limit;
	__u32 done;
	__u32 climbing; /* node's subtree is done: go up from it */
	__u32 released; /* a node's file is being released: the tree is about to change */
	__u32 pad;
};

struct tree_scratch {
	struct tree_walk w;
	struct tree_node_rec n[TREE_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tree_scratch);
} tree_scratch SEC(".maps");

/* Counting mode: per instance and per item, bounded (sizes set by the
 * loader). LRU maps: a full map evicts its least used entry rather than
 * refuse a new one; the tracer tells evictions from count_totals. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* struct eventpoll * */
	__type(value, struct ep_count_instance);
} count_instances SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ep_count_item_key);
	__type(value, struct ep_count_item);
} count_items SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ep_count_totals);
} count_totals SEC(".maps");

/* A new instance's first value: too large for the BPF stack. */
struct ep_count_instance count_zero_instance = {};

/*
 * Loops over kernel lists. bpf_loop (5.17+) where the kernel has it; the
 * object's bounded flavour (EPSCOPE_BOUNDED_LOOPS, for 5.10-5.16) runs the
 * same step functions in plain loops the verifier walks iteration by
 * iteration: a program that merely refers to a bpf_loop callback fails to
 * load there, so the flavour is a second build of this file, chosen at open
 * time (bpf_session.cpp). Its caps keep each program within the verifier's
 * 1M-instruction budget; a walk cut by them is reported truncated.
 */
#ifdef EPSCOPE_BOUNDED_LOOPS
#define LOOP_STEP static __always_inline long
#define EP_LOOP(n, cap, step, ctx)                                                                 \
	do {                                                                                       \
		_Pragma("clang loop unroll(disable)") for (__u32 i_ = 0; i_ < (cap); i_++)         \
		{                                                                                  \
			if (i_ >= (__u32)(n) || step(i_, ctx))                                     \
				break;                                                             \
		}                                                                                  \
	} while (0)
#define WALK_CAP 256
#define TREE_CAP 128
#define DELIVER_CAP 256
#else
#define LOOP_STEP static long
#define EP_LOOP(n, cap, step, ctx) bpf_loop((n), step, ctx, 0)
#define WALK_CAP walk_limit
#define TREE_CAP TREE_MAX
#define DELIVER_CAP 0 /* unused */
#endif

/* ---- helpers ---------------------------------------------------------- */

/* The events an epoll_wait returned, read from user memory a block at a
 * time: one bpf_probe_read_user per DELIVER_BLOCK events instead of one per
 * event (each call pays for a fault-safe user copy). */
#define DELIVER_BLOCK 16
struct event_block {
	__u64 uevents; /* the user's array */
	__u32 n;       /* events the call returned */
	struct epoll_event ev[DELIVER_BLOCK];
};

/* Event i (< n), reading its block when i begins one; false: unreadable. */
static __always_inline bool delivered_event(struct event_block *b, __u32 i,
					    struct epoll_event *out)
{
	__u32 k = i % DELIVER_BLOCK;
	if (k == 0) {
		/* The mask, not a min(): the verifier must see the size bounded
		 * in the very register passed (clang may pass the unclamped one). */
		__u32 left = b->n - i;
		__u32 count = left >= DELIVER_BLOCK ? DELIVER_BLOCK : left & (DELIVER_BLOCK - 1);
		if (bpf_probe_read_user(b->ev, count * sizeof(struct epoll_event),
					(void *)(b->uevents + (__u64)i * sizeof(struct epoll_event))))
			return false;
	}
	*out = b->ev[k & (DELIVER_BLOCK - 1)];
	return true;
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline bool tgid_traced(__u32 tgid)
{
	return targ_all || bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

static __always_inline bool instance_traced(__u64 ep)
{
	return ep && bpf_map_lookup_elem(&instances, &ep) != NULL;
}

/* An instance a traced process uses: traced from now on. Looked up first:
 * almost every call finds it there, and a lookup takes no bucket lock. */
static __always_inline void trace_instance(__u64 ep, __u32 tgid)
{
	if (!instance_traced(ep))
		bpf_map_update_elem(&instances, &ep, &tgid, BPF_NOEXIST);
}

/* The calling thread's wait, when it is inside epoll_wait. */
static __always_inline struct wait_state *current_wait(__u32 tid)
{
	struct wait_state *s = bpf_map_lookup_elem(&waits, &tid);
	return s && s->active ? s : NULL;
}

/* __fput is releasing the file (its last reference is gone): up to 6.12, f_count is 0. */
static __always_inline bool file_released(struct file *file)
{
	if (bpf_core_field_exists(struct file, f_count))
		return BPF_CORE_READ(file, f_count.counter) == 0;
	if (bpf_core_field_exists(struct file___f_ref, f_ref))
		return BPF_CORE_READ((struct file___f_ref *)file, f_ref.refcnt.counter) < 0;
	return false;
}

static __always_inline void count_drop(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	if (cpu >= EP_DROP_CPUS)
		cpu = EP_DROP_CPUS - 1;
	/* A no-op after the clamp, but the bound the verifier sees: clang
	 * tests one copy of cpu and indexes with another, which 5.10 and 6.1
	 * reject; the barrier keeps clang from dropping the mask. */
	barrier_var(cpu);
	cpu &= EP_DROP_CPUS - 1;
	__sync_fetch_and_add(&ring_drops[cpu], 1);
}

/* Every record leaves through here: see wake_threshold. */
static __always_inline void submit_record(void *rec)
{
	__u64 flags = 0; /* the kernel's own: wake when the reader has caught up */
	if (wake_threshold)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wake_threshold
				? BPF_RB_FORCE_WAKEUP
				: BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline void *reserve(__u32 size, __u16 kind, __u8 source)
{
	if (counting) /* a constant at load: the verifier drops the rest */
		return NULL;
	struct ep_header *h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		count_drop();
		return NULL;
	}
	__u64 id = bpf_get_current_pid_tgid();
	h->ts = bpf_ktime_get_ns();
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->kind = kind;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->source = source;
	h->flags = 0;
	return h;
}

#define RESERVE(type, kind, source) ((struct type *)reserve(sizeof(struct type), kind, source))

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline __u64 fd_instance(int epfd)
{
	struct file *file = fd_file(epfd);
	return file ? (__u64)BPF_CORE_READ(file, private_data) : 0;
}

/* ep_find(): the rb-tree is ordered by (file, fd) as ep_cmp_ffd compares. */
static __always_inline __u64 find_item(struct eventpoll *ep, struct file *file, int fd)
{
	struct rb_node *node = BPF_CORE_READ(ep, rbr.rb_root.rb_node);
	__u64 rbn_off = bpf_core_field_offset(struct epitem, rbn);

	/* A red-black tree of 2^32 items is at most 64 deep. */
	for (int i = 0; i < 64 && node; i++) {
		struct epitem *epi = (void *)node - rbn_off;
		struct file *f = BPF_CORE_READ(epi, ffd.file);
		int ifd = BPF_CORE_READ(epi, ffd.fd);
		long cmp = file > f ? 1 : file < f ? -1 : (long)fd - ifd;

		if (cmp == 0)
			return (__u64)epi;
		node = cmp > 0 ? BPF_CORE_READ(node, rb_right) : BPF_CORE_READ(node, rb_left);
	}
	return 0;
}

/* The overflow-list link of an item, under either of its names. */
static __always_inline struct epitem *ovflist_next(struct epitem *epi)
{
	if (bpf_core_field_exists(struct epitem___ovflist_next, ovflist_next))
		return BPF_CORE_READ((struct epitem___ovflist_next *)epi, ovflist_next);
	return BPF_CORE_READ(epi, next);
}

/* ---- counting mode ------------------------------------------------------ */

static __always_inline struct ep_count_totals *count_totals_here(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&count_totals, &zero);
}

/* log2 of a duration in ns, capped at the last bucket. */
static __always_inline __u32 count_bucket(__u64 ns)
{
	__u32 b = 0;
	for (int i = 0; i < EP_COUNT_BUCKETS - 1; i++) {
		if (ns < 2)
			break;
		ns >>= 1;
		b++;
	}
	return b;
}

static __always_inline void count_hist_add(struct ep_count_hist *h, __u64 ns)
{
	__u32 b = count_bucket(ns);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
	if (b < EP_COUNT_BUCKETS)
		__sync_fetch_and_add(&h->buckets[b], 1);
}

/* The instance's counters; tgid 0 (a callback, in the waker's context)
 * finds one but never creates one. */
static __always_inline struct ep_count_instance *count_instance(__u64 ep, __u32 tgid, __s32 epfd)
{
	if (!ep)
		return NULL;
	struct ep_count_instance *c = bpf_map_lookup_elem(&count_instances, &ep);
	if (!c && tgid) {
		struct ep_count_totals *t = count_totals_here();
		long err = bpf_map_update_elem(&count_instances, &ep, &count_zero_instance,
					       BPF_NOEXIST);
		if (t && !err)
			t->instances_created++;
		else if (t && err != -17 /* EEXIST: another CPU made it */)
			t->failed_updates++;
		c = bpf_map_lookup_elem(&count_instances, &ep);
		if (c && !err) {
			c->tgid = tgid;
			bpf_get_current_comm(c->comm, sizeof(c->comm));
		}
	}
	if (c && epfd >= 0)
		c->epfd = epfd;
	return c;
}

/* A new instance at a freed one's address starts from zero (reset in place:
 * a delete and a new entry would count as an eviction). */
static __always_inline void count_instance_reset(__u64 ep, __u32 tgid, __s32 epfd)
{
	struct ep_count_instance *c = bpf_map_lookup_elem(&count_instances, &ep);
	if (c && bpf_map_update_elem(&count_instances, &ep, &count_zero_instance, BPF_EXIST) == 0)
		c = bpf_map_lookup_elem(&count_instances, &ep);
	if (c) {
		c->tgid = tgid;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
	}
	count_instance(ep, tgid, epfd);
}

static __always_inline struct ep_count_item *count_item(__u64 ep, __u64 data, __u32 tgid, __s32 fd)
{
	struct ep_count_item_key k = {.ep = ep, .data = data};
	struct ep_count_item *it = bpf_map_lookup_elem(&count_items, &k);
	if (!it) {
		struct ep_count_item v = {.tgid = tgid, .fd = fd};
		struct ep_count_totals *t = count_totals_here();
		long err = bpf_map_update_elem(&count_items, &k, &v, BPF_NOEXIST);
		if (t && !err)
			t->items_created++;
		else if (t && err != -17)
			t->failed_updates++;
		it = bpf_map_lookup_elem(&count_items, &k);
	}
	if (it && fd >= 0)
		it->fd = fd;
	return it;
}

static __always_inline void count_ctl(const struct ctl_state *s, int ret)
{
	struct ep_count_instance *c = count_instance(s->ep, current_tgid(), s->epfd);
	if (!c)
		return;
	if (ret < 0) {
		__sync_fetch_and_add(&c->ctl_failed, 1);
		return;
	}
	if (s->op == EP_CTL_DEL) {
		__sync_fetch_and_add(&c->ctl_del, 1);
		return;
	}
	__sync_fetch_and_add(s->op == EP_CTL_ADD ? &c->ctl_add : &c->ctl_mod, 1);
	count_item(s->ep, s->data, current_tgid(), s->fd);
}

static __always_inline void count_callback(__u64 ep, struct epitem *epi, __u8 outcome)
{
	struct ep_count_instance *c = count_instance(ep, 0, -1);
	if (!c || outcome >= EP_COUNT_OUTCOMES)
		return;
	__sync_fetch_and_add(&c->callbacks[outcome], 1);
	__u64 data = BPF_CORE_READ(epi, event.data);
	struct ep_count_item *it = count_item(ep, data, c->tgid, BPF_CORE_READ(epi, ffd.fd));
	if (!it)
		return;
	__sync_fetch_and_add(&it->callbacks[outcome], 1);
	if ((outcome == EP_CB_QUEUED_READY || outcome == EP_CB_QUEUED_OVERFLOW) && !it->queued_ns)
		it->queued_ns = bpf_ktime_get_ns();
}

struct count_delivery {
	__u64 ep;
	__u64 now;
	struct ep_count_instance *c;
	__u32 tgid;
	struct event_block events;
};

/* One delivered event: its item's count, and the latency from the callback
 * that queued it. */
LOOP_STEP count_delivery_step(__u32 i, struct count_delivery *d)
{
	struct epoll_event ev = {};
	if (i >= d->events.n || !delivered_event(&d->events, i, &ev))
		return 1;
	struct ep_count_item *it = count_item(d->ep, ev.data, d->tgid, -1);
	if (!it)
		return 0;
	__sync_fetch_and_add(&it->deliveries, 1);
	__u64 queued = it->queued_ns;
	if (queued && d->c) {
		it->queued_ns = 0;
		count_hist_add(&d->c->latency, d->now > queued ? d->now - queued : 0);
	}
	return 0;
}

static __always_inline void count_wait_end(const struct wait_state *s, int ret)
{
	__u32 tgid = current_tgid();
	struct ep_count_instance *c = count_instance(s->ep, tgid, s->epfd);
	if (!c)
		return;
	__u64 now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&c->waits, 1);
	if (s->slept)
		__sync_fetch_and_add(&c->waits_slept, 1);
	if (ret == 0)
		__sync_fetch_and_add(&c->timeouts, 1);
	else if (ret < 0)
		__sync_fetch_and_add(&c->wait_errors, 1);
	count_hist_add(&c->wait_time, now > s->start_ns ? now - s->start_ns : 0);
	if (ret <= 0)
		return;
	__sync_fetch_and_add(&c->deliveries, ret);
	struct count_delivery d = {.ep = s->ep, .now = now, .c = c, .tgid = tgid,
				   .events = {.uevents = s->uevents, .n = ret}};
	EP_LOOP(ret, DELIVER_CAP, count_delivery_step, &d);
}

/* ---- walks of the kernel's lists -------------------------------------- */

struct walk {
	__u64 ep;
	__u64 pos;  /* current list_head * or epitem * */
	__u64 head; /* end marker */
	__u32 walk_id;
	__u32 count;
	__u8 list;
	__u8 source;
	__u8 done;
};

static __always_inline void emit_node(struct walk *w, struct epitem *epi)
{
	struct ep_kernel_node *n = RESERVE(ep_kernel_node, EP_KIND_KERNEL_NODE, w->source);
	if (!n)
		return;
	n->ep = w->ep;
	n->epi = (__u64)epi;
	n->file = (__u64)BPF_CORE_READ(epi, ffd.file);
	n->parent = 0;
	n->walk_id = w->walk_id;
	n->fd = BPF_CORE_READ(epi, ffd.fd);
	n->events = BPF_CORE_READ(epi, event.events);
	n->index = w->count;
	n->list = w->list;
	n->color = 0;
	submit_record(n);
}

/* One step of a walk along rdllink (ready list, txlist). */
LOOP_STEP walk_rdllink_step(__u32 i, struct walk *w)
{
	struct list_head *pos = (void *)w->pos;
	if (w->pos == w->head) {
		w->done = 1;
		return 1;
	}
	struct epitem *epi = (void *)pos - bpf_core_field_offset(struct epitem, rdllink);
	emit_node(w, epi);
	w->count++;
	w->pos = (__u64)BPF_CORE_READ(pos, next);
	return 0;
}

/* One step along the overflow chain (epi->next until EP_UNACTIVE_PTR). */
LOOP_STEP walk_ovflist_step(__u32 i, struct walk *w)
{
	struct epitem *epi = (void *)w->pos;
	if (w->pos == (__u64)EP_UNACTIVE_PTR || !w->pos) {
		w->done = 1;
		return 1;
	}
	emit_node(w, epi);
	w->count++;
	w->pos = (__u64)ovflist_next(epi);
	return 0;
}

static __always_inline void walk_end(struct walk *w)
{
	struct ep_walk_end *e = RESERVE(ep_walk_end, EP_KIND_WALK_END, w->source);
	if (!e)
		return;
	e->ep = w->ep;
	e->walk_id = w->walk_id;
	e->count = w->count;
	e->list = w->list;
	e->truncated = !w->done;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	submit_record(e);
}

static __always_inline __u32 new_walk_id(void)
{
	return bpf_get_prandom_u32();
}

static __always_inline __u32 walk_list(__u64 ep, struct list_head *head, __u8 list, __u8 source)
{
	struct walk w = {
		.ep = ep,
		.pos = (__u64)BPF_CORE_READ(head, next),
		.head = (__u64)head,
		.walk_id = new_walk_id(),
		.list = list,
		.source = source,
	};
	EP_LOOP(walk_limit, WALK_CAP, walk_rdllink_step, &w);
	walk_end(&w);
	return w.count;
}

static __always_inline __u32 walk_overflow(struct eventpoll *ep, __u8 source)
{
	struct walk w = {
		.ep = (__u64)ep,
		.pos = (__u64)BPF_CORE_READ(ep, ovflist),
		.walk_id = new_walk_id(),
		.list = EP_WALK_OVERFLOW,
		.source = source,
	};
	EP_LOOP(walk_limit, WALK_CAP, walk_ovflist_step, &w);
	walk_end(&w);
	return w.count;
}

/* ---- verify: activity on an instance and the tree walk ----------------- */

static __always_inline struct ep_activity *activity_of(__u64 ep)
{
	struct ep_activity *a = bpf_map_lookup_elem(&activity, &ep);
	if (a)
		return a;
	struct ep_activity zero = {};
	bpf_map_update_elem(&activity, &ep, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&activity, &ep);
}

static __always_inline void activity_begin(__u64 ep)
{
	struct ep_activity *a;
	if (!verify || !ep || !(a = activity_of(ep)))
		return;
	__sync_fetch_and_add(&a->gen, 1);
	__sync_fetch_and_add(&a->busy, 1);
	struct ep_activity_seen *b = activity_bucket(ep);
	__sync_fetch_and_add(&b->gen, 1);
	__sync_fetch_and_add(&b->busy, 1);
}

/* Called after the operation's records are submitted. */
static __always_inline void activity_end(__u64 ep)
{
	struct ep_activity *a;
	if (!verify || !ep || !(a = bpf_map_lookup_elem(&activity, &ep)))
		return;
	__sync_fetch_and_add(&a->gen, 1);
	__sync_fetch_and_add(&a->busy, (__u64)-1);
	struct ep_activity_seen *b = activity_bucket(ep);
	__sync_fetch_and_add(&b->gen, 1);
	__sync_fetch_and_add(&b->busy, (__u64)-1);
}

/* A change reported before it is made (file release): readers retry. */
static __always_inline void activity_bump(__u64 ep)
{
	struct ep_activity *a;
	if (!verify || !ep || !(a = activity_of(ep)))
		return;
	__sync_fetch_and_add(&a->gen, 1);
	__sync_fetch_and_add(&activity_bucket(ep)->gen, 1);
}

static __always_inline __u64 rb_parent_of(struct rb_node *node)
{
	/* __rb_parent_color: parent pointer, colour in bit 0 (1 = black). */
	return BPF_CORE_READ(node, __rb_parent_color) & ~3UL;
}

/* Records one node of the walk (the scratch slot k). */
static __always_inline void tree_record(struct tree_scratch *sc, struct rb_node *node, __u32 k)
{
	__u64 rbn_off = bpf_core_field_offset(struct epitem, rbn);
	struct epitem *epi = (void *)node - rbn_off;
	unsigned long pc = BPF_CORE_READ(node, __rb_parent_color);
	__u64 parent = pc & ~3UL;
	struct file *file = BPF_CORE_READ(epi, ffd.file);
	struct tree_node_rec *r = &sc->n[k & (TREE_MAX - 1)];
	r->epi = (__u64)epi;
	r->file = (__u64)file;
	r->parent = parent ? parent - rbn_off : 0;
	r->fd = BPF_CORE_READ(epi, ffd.fd);
	r->events = BPF_CORE_READ(epi, event.events);
	r->color = pc & 1;
	if (file_released(file))
		sc->w.released = 1;
}

/*
 * One step of an iterative preorder walk that needs no stack, because the
 * kernel's nodes know their parent. A step either records a node and goes to
 * its left child, else its right child, else starts climbing; or climbs one
 * level: to the parent's right subtree when coming from its left, else on up.
 * Each node is recorded once and climbed from once: 2n+1 steps at most.
 */
LOOP_STEP tree_step(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct tree_scratch *sc = bpf_map_lookup_elem(&tree_scratch, &zero);
	if (!sc)
		return 1;
	struct tree_walk *w = &sc->w;
	struct rb_node *node = (void *)w->node;
	if (!node) {
		w->done = 1;
		return 1;
	}
	if (w->climbing) {
		struct rb_node *p = (void *)rb_parent_of(node);
		struct rb_node *right = p ? BPF_CORE_READ(p, rb_right) : NULL;
		if (right && right != node) {
			w->climbing = 0;
			w->node = (__u64)right;
		} else {
			w->node = (__u64)p; /* NULL past the root: the walk is complete */
		}
		return 0;
	}
	__u32 k = w->count;
	if (k >= w->limit || k >= TREE_MAX)
		return 1;
	tree_record(sc, node, k);
	w->count = k + 1;
	struct rb_node *next = BPF_CORE_READ(node, rb_left);
	if (!next)
		next = BPF_CORE_READ(node, rb_right);
	if (next)
		w->node = (__u64)next;
	else
		w->climbing = 1;
	return 0;
}

struct tree_emit {
	__u64 ep;
	__u32 walk_id;
	__u32 count;
	__u8 source;
};

LOOP_STEP tree_emit_step(__u32 i, struct tree_emit *e)
{
	__u32 zero = 0;
	struct tree_scratch *sc = bpf_map_lookup_elem(&tree_scratch, &zero);
	if (i >= e->count || i >= TREE_MAX || !sc)
		return 1;
	struct tree_node_rec *t = &sc->n[i & (TREE_MAX - 1)]; /* the mask: for the verifier */
	struct ep_kernel_node *n = RESERVE(ep_kernel_node, EP_KIND_KERNEL_NODE, e->source);
	if (!n)
		return 0;
	n->ep = e->ep;
	n->epi = t->epi;
	n->file = t->file;
	n->parent = t->parent;
	n->walk_id = e->walk_id;
	n->fd = t->fd;
	n->events = t->events;
	n->index = i;
	n->list = EP_WALK_TREE;
	n->color = t->color ? EP_RB_BLACK : EP_RB_RED;
	submit_record(n);
	return 0;
}

/*
 * The rb-tree in preorder with parents and colours, after an ADD or DEL, on
 * the thread that made it, before its activity ends. The walk holds no lock:
 * it is taken only when no other operation on the instance is in flight and
 * emitted only if none started meanwhile and no node's file was being
 * released, so it shows the tree exactly as the records before it built it.
 * It goes to a per-CPU buffer first so that a torn walk leaves no record.
 */
static __always_inline void walk_tree(__u64 ep_addr, __u8 source)
{
	struct ep_activity *a = bpf_map_lookup_elem(&activity, &ep_addr);
	if (!a || a->busy != 1)
		return;
	if (a->tree_large && ++a->tree_ops < TREE_LARGE_EVERY)
		return;
	a->tree_ops = 0;
	__u64 gen = a->gen;
	__u32 zero = 0;
	struct tree_scratch *sc = bpf_map_lookup_elem(&tree_scratch, &zero);
	if (!sc)
		return;
	struct eventpoll *ep = (void *)ep_addr;
	struct tree_walk *w = &sc->w;
	__builtin_memset(w, 0, sizeof(*w));
	w->node = (__u64)BPF_CORE_READ(ep, rbr.rb_root.rb_node);
	w->limit = walk_limit < TREE_CAP ? walk_limit : TREE_CAP;
	int unused = 0;
	EP_LOOP(2 * TREE_CAP + 2, 2 * TREE_CAP + 2, tree_step, &unused);
	a->tree_large = !w->done;
	if (*(volatile __u64 *)&a->gen != gen || *(volatile __u64 *)&a->busy != 1 || w->released)
		return;
	struct tree_emit e = {.ep = ep_addr, .walk_id = new_walk_id(), .count = w->count,
			      .source = source};
	EP_LOOP(e.count, TREE_CAP, tree_emit_step, &e);
	struct walk end = {.ep = ep_addr, .walk_id = e.walk_id, .count = e.count,
			   .list = EP_WALK_TREE, .source = source, .done = w->done};
	walk_end(&end);
}

/* ---- create ------------------------------------------------------------ */

static __always_inline void on_create_exit(int ret, __u32 flags, __u8 source)
{
	if (!tgid_traced(current_tgid()))
		return;
	struct file *file = ret >= 0 ? fd_file(ret) : NULL;
	__u64 ep = file ? (__u64)BPF_CORE_READ(file, private_data) : 0;
	__u32 tgid = current_tgid();

	if (ep)
		bpf_map_update_elem(&instances, &ep, &tgid, BPF_ANY);
	if (counting && ep)
		count_instance_reset(ep, tgid, ret);
	/* Reserved last and checked at once: 6.1's verifier does not know a
	 * reserved record checked earlier is not NULL, and sees it leak. */
	struct ep_instance_create *r = RESERVE(ep_instance_create, EP_KIND_INSTANCE_CREATE, source);
	if (!r)
		return;
	r->ep = ep;
	r->file = (__u64)file;
	r->epfd = ret;
	r->flags = flags;
	submit_record(r);
}

SEC("fexit/do_epoll_create")
int BPF_PROG(fexit_do_epoll_create, int flags, int ret)
{
	on_create_exit(ret, flags, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/do_epoll_create")
int BPF_KPROBE(kprobe_do_epoll_create, int flags)
{
	/* The flags are only needed at return: keep them in the ctl slot. */
	__u32 tid = current_tid();
	struct ctl_state s = {.op = 0, .events = flags};
	if (tgid_traced(current_tgid()))
		bpf_map_update_elem(&ctls, &tid, &s, BPF_ANY);
	return 0;
}

SEC("kretprobe/do_epoll_create")
int BPF_KRETPROBE(kretprobe_do_epoll_create, int ret)
{
	__u32 tid = current_tid();
	struct ctl_state *s = bpf_map_lookup_elem(&ctls, &tid);
	__u32 flags = s ? s->events : 0;
	if (s)
		bpf_map_delete_elem(&ctls, &tid);
	on_create_exit(ret, flags, EP_SOURCE_KPROBE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_create1")
int tp_sys_exit_epoll_create1(struct syscall_exit_ctx *ctx)
{
	on_create_exit(ctx->ret, 0, EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_create")
int tp_sys_exit_epoll_create(struct syscall_exit_ctx *ctx)
{
	on_create_exit(ctx->ret, 0, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* ---- edge-triggered items' fds ------------------------------------------ */

/*
 * The fds a traced process registered with EPOLLET, keyed by (tgid, fd), so
 * that the read-family hooks below (FD_READ) record only reads of those: an
 * edge-triggered item gets a new event only when data arrives, so whether
 * the program read it down to -EAGAIN is what tells a stalled item from an
 * idle one. Filled at a successful EPOLL_CTL_ADD/MOD with EPOLLET, emptied
 * by DEL, a MOD without it, close() and dup2()/dup3() over the fd; an LRU
 * map, so the entries of processes that exit without closing age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* tgid << 32 | fd */
	__type(value, __u8);
} edge_fds SEC(".maps");

static __always_inline __u64 edge_key(__u32 tgid, int fd)
{
	return ((__u64)tgid << 32) | (__u32)fd;
}

/* EPOLLET registrations so far, read by the tracer through the mmap
 * (epscope_shared.h): it attaches the read-family programs at the first one
 * (BpfSession::arm_reads), so tracing a level-triggered program costs the
 * machine's reads nothing. */
__u64 edge_registrations = 0;

static __always_inline void edge_fd_ctl(int op, int fd, __u32 events, int ret)
{
	if (ret != 0)
		return;
	__u64 key = edge_key(current_tgid(), fd);
	if (op != EP_CTL_DEL && (events & EPOLLET)) {
		__u8 one = 1;
		bpf_map_update_elem(&edge_fds, &key, &one, BPF_ANY);
		__sync_fetch_and_add(&edge_registrations, 1);
	} else if (bpf_map_lookup_elem(&edge_fds, &key)) {
		bpf_map_delete_elem(&edge_fds, &key);
	}
}

/* The fd is going away (close, or the target of dup2/dup3). */
static __always_inline void edge_fd_gone(int fd)
{
	if (counting)
		return;
	__u64 key = edge_key(current_tgid(), fd);
	if (bpf_map_lookup_elem(&edge_fds, &key))
		bpf_map_delete_elem(&edge_fds, &key);
}

static __always_inline void on_ctl_enter(int epfd, int op, int fd, __u32 events, __u64 data)
{
	__u32 tgid = current_tgid();
	if (!tgid_traced(tgid))
		return;

	struct ctl_state s = {.epfd = epfd, .fd = fd, .op = op, .events = events, .data = data};
	struct file *file = fd_file(fd);
	s.ep = fd_instance(epfd);
	s.file = (__u64)file;
	if (file)
		s.ino = BPF_CORE_READ(file, f_inode, i_ino);
	if (s.ep) {
		trace_instance(s.ep, tgid);
		/* For MOD and DEL the item exists now; for ADD it does not yet.
		 * Counting keys items by data cookie: no epitem needed. */
		if (!counting)
			s.epi = find_item((void *)s.ep, file, fd);
	}
	__u32 tid = current_tid();
	if (bpf_map_update_elem(&ctls, &tid, &s, BPF_ANY) == 0)
		activity_begin(s.ep);
}

/*
 * After a successful ADD or MOD: did ep_insert()/ep_modify() queue the item
 * itself (the file was ready already)? It is then linked on the ready list,
 * or chained on the overflow list if a harvest is running, with no callback.
 * The syscall tracepoint backend reads the same state, but at syscall exit a
 * callback on another CPU may have queued the item meanwhile: it says unknown.
 */
static __always_inline __u32 ctl_queued(__u64 ep, __u64 epi_addr, __u8 source)
{
	struct epitem *epi = (void *)epi_addr;
	if (!epi || source == EP_SOURCE_TRACEPOINT)
		return EP_CTL_QUEUED_UNKNOWN;
	if (ovflist_next(epi) != EP_UNACTIVE_PTR)
		return EP_CTL_QUEUED_OVERFLOW;
	struct list_head *link = (void *)epi + bpf_core_field_offset(struct epitem, rdllink);
	return BPF_CORE_READ(epi, rdllink.next) != link ? EP_CTL_QUEUED_READY : EP_CTL_QUEUED_NO;
}

/*
 * SOCK_NAME for a socket that just became an item: its endpoints as struct
 * sock holds them now, read before the program can close it (a /proc read
 * in user space comes too late for short connections). Any file whose inode
 * is not a socket is skipped; AF_UNIX carries only family and type.
 */
static __always_inline void emit_sock_name(__u64 file_addr, int fd, __u64 ino, __u8 source)
{
	struct file *file = (void *)file_addr;
	if (!file)
		return;
	unsigned short mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sock || !sk)
		return;
	struct ep_sock_name *r = RESERVE(ep_sock_name, EP_KIND_SOCK_NAME, source);
	if (!r)
		return;
	r->file = file_addr;
	r->ino = ino;
	r->fd = fd;
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->type = BPF_CORE_READ(sock, type);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	__builtin_memset(r->local_addr, 0, sizeof(r->local_addr));
	__builtin_memset(r->peer_addr, 0, sizeof(r->peer_addr));
	r->local_port = 0;
	r->peer_port = 0;
	if (r->family == AF_INET || r->family == AF_INET6) {
		r->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		r->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
	if (r->family == AF_INET) {
		bpf_core_read(r->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(r->peer_addr, 4, &sk->__sk_common.skc_daddr);
	} else if (r->family == AF_INET6 &&
		   bpf_core_field_exists(struct sock_common, skc_v6_daddr)) {
		bpf_core_read(r->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(r->peer_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	submit_record(r);
}

static __always_inline void on_ctl_exit(int ret, __u8 source)
{
	__u32 tid = current_tid();
	struct ctl_state *s = bpf_map_lookup_elem(&ctls, &tid);
	if (!s)
		return;
	if (counting) {
		count_ctl(s, ret);
		bpf_map_delete_elem(&ctls, &tid);
		return;
	}

	if (s->op == EP_CTL_DEL) {
		struct ep_item_remove *r = RESERVE(ep_item_remove, EP_KIND_ITEM_REMOVE, source);
		if (r) {
			r->ep = s->ep;
			r->epi = s->epi;
			r->file = s->file;
			r->epfd = s->epfd;
			r->fd = s->fd;
			r->reason = EP_REMOVE_CTL;
			r->result = ret;
			submit_record(r);
		}
	} else if (s->op == EP_CTL_ADD || s->op == EP_CTL_MOD) {
		if (s->op == EP_CTL_ADD && ret == 0)
			emit_sock_name(s->file, s->fd, s->ino, source);
		struct ep_item_ctl *r = RESERVE(ep_item_ctl, s->op == EP_CTL_ADD ? EP_KIND_ITEM_INSERT
									   : EP_KIND_ITEM_MODIFY, source);
		if (r) {
			/* A new item: ep_ptable_queue_proc saw it, or find it now. */
			if (s->op == EP_CTL_ADD && ret == 0 && !s->epi && s->ep)
				s->epi = find_item((void *)s->ep, (void *)s->file, s->fd);
			r->ep = s->ep;
			r->epi = ret == 0 || s->op == EP_CTL_MOD ? s->epi : 0;
			r->file = s->file;
			r->data = s->data;
			r->ino = s->ino;
			r->epfd = s->epfd;
			r->fd = s->fd;
			r->events = s->events;
			r->result = ret;
			r->queued = ctl_queued(s->ep, r->epi, source);
			r->pad = 0;
			submit_record(r);
		}
	}
	/* The tracepoint backend sees no epitem: its tree cannot be compared. */
	if (verify && ret == 0 && (s->op == EP_CTL_ADD || s->op == EP_CTL_DEL) && s->ep &&
	    source != EP_SOURCE_TRACEPOINT)
		walk_tree(s->ep, source);
	edge_fd_ctl(s->op, s->fd, s->events, ret);
	activity_end(s->ep);
	bpf_map_delete_elem(&ctls, &tid);
}

static __always_inline void ctl_enter_kernel(int epfd, int op, int fd, struct epoll_event *epds)
{
	__u32 events = 0;
	__u64 data = 0;
	if (op != EP_CTL_DEL && epds) {
		events = BPF_CORE_READ(epds, events);
		data = BPF_CORE_READ(epds, data);
	}
	on_ctl_enter(epfd, op, fd, events, data);
}

SEC("fentry/do_epoll_ctl")
int BPF_PROG(fentry_do_epoll_ctl, int epfd, int op, int fd, struct epoll_event *epds)
{
	ctl_enter_kernel(epfd, op, fd, epds);
	return 0;
}

SEC("fexit/do_epoll_ctl")
int BPF_PROG(fexit_do_epoll_ctl, int epfd, int op, int fd, struct epoll_event *epds, bool nonblock,
	     int ret)
{
	on_ctl_exit(ret, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/do_epoll_ctl")
int BPF_KPROBE(kprobe_do_epoll_ctl, int epfd, int op, int fd, struct epoll_event *epds)
{
	ctl_enter_kernel(epfd, op, fd, epds);
	return 0;
}

SEC("kretprobe/do_epoll_ctl")
int BPF_KRETPROBE(kretprobe_do_epoll_ctl, int ret)
{
	on_ctl_exit(ret, EP_SOURCE_KPROBE);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_epoll_ctl")
int tp_sys_enter_epoll_ctl(struct syscall_enter_ctx *ctx)
{
	int op = ctx->args[1];
	struct epoll_event ev = {};
	if (op != EP_CTL_DEL && ctx->args[3])
		bpf_probe_read_user(&ev, sizeof(ev), (void *)ctx->args[3]);
	on_ctl_enter(ctx->args[0], op, ctx->args[2], ev.events, ev.data);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_ctl")
int tp_sys_exit_epoll_ctl(struct syscall_exit_ctx *ctx)
{
	on_ctl_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

/*
 * ep_insert() is inlined on every kernel we know; the epitem it allocates is
 * first visible when the target's poll() registers its wait queue through
 * ep_ptable_queue_proc(), whose poll_table sits at the start of
 * struct ep_pqueue { poll_table pt; struct epitem *epi; }.
 */
static __always_inline void on_queue_proc(void *pt)
{
	__u32 tid = current_tid();
	struct ctl_state *s = bpf_map_lookup_elem(&ctls, &tid);
	if (!s || s->op != EP_CTL_ADD || s->epi)
		return;
	__u64 epi = 0;
	bpf_probe_read_kernel(&epi, sizeof(epi), pt + 16 /* sizeof(poll_table) */);
	s->epi = epi;
}

SEC("fentry/ep_ptable_queue_proc")
int BPF_PROG(fentry_ep_ptable_queue_proc, struct file *file, struct wait_queue_head *whead,
	     void *pt)
{
	on_queue_proc(pt);
	return 0;
}

SEC("kprobe/ep_ptable_queue_proc")
int BPF_KPROBE(kprobe_ep_ptable_queue_proc, struct file *file, struct wait_queue_head *whead,
	       void *pt)
{
	on_queue_proc(pt);
	return 0;
}

/* ---- removal by file close or instance teardown ------------------------ */

static __always_inline void remember_removal(__u64 release_file, __u64 teardown_ep)
{
	__u32 tid = current_tid();
	struct remove_ctx c = {.release_file = release_file, .teardown_ep = teardown_ep};
	bpf_map_update_elem(&removes, &tid, &c, BPF_ANY);
}

/* A removal the kernel made on its own (file close, teardown): no epfd, no error. */
static __always_inline void emit_kernel_remove(struct eventpoll *ep, struct epitem *epi,
					       __u64 file, __u32 reason, __u8 source)
{
	struct ep_item_remove *r = RESERVE(ep_item_remove, EP_KIND_ITEM_REMOVE, source);
	if (!r)
		return;
	r->ep = (__u64)ep;
	r->epi = (__u64)epi;
	r->file = file;
	r->epfd = -1;
	r->fd = BPF_CORE_READ(epi, ffd.fd);
	r->reason = reason;
	r->result = 0;
	submit_record(r);
}

static __always_inline void on_remove(struct eventpoll *ep, struct epitem *epi, __u8 source)
{
	__u32 tid = current_tid();
	struct remove_ctx *c;
	__u64 file;
	__u32 reason;

	if (!instance_traced((__u64)ep))
		return;
	/* EPOLL_CTL_DEL is reported at the syscall's exit, with its result. */
	struct ctl_state *s = bpf_map_lookup_elem(&ctls, &tid);
	if (s && s->op == EP_CTL_DEL)
		return;

	file = (__u64)BPF_CORE_READ(epi, ffd.file);
	c = bpf_map_lookup_elem(&removes, &tid);
	/* Only two callers besides EPOLL_CTL_DEL: instance teardown, and the
	 * release of a watched file, whose items on_release_file() reported. */
	if (c && c->release_file == file)
		return;
	/* ep_remove() leaves an item whose file is being released to that file's
	 * eventpoll_release_file(), which on_release_file() reports: at process
	 * exit every fd is closed before the deferred releases run, so an epoll fd
	 * above its targets is torn down first and its items outlive the teardown. */
	if (!bpf_core_field_exists(struct file___5_10, f_ep_links) &&
	    file_released((struct file *)file))
		return;
	/* Up to 5.10 ep_remove() unlinks every item it is given, released file
	 * or not (its eventpoll_release_file() then finds none): reported here. */
	reason = c && c->teardown_ep == (__u64)ep ? EP_REMOVE_TEARDOWN : EP_REMOVE_FILE_CLOSE;
	emit_kernel_remove(ep, epi, file, reason, source);
	activity_bump((__u64)ep);
}

/* The attach target is set by the loader (ep_remove, __ep_remove, ...). */
SEC("fentry/ep_remove")
int BPF_PROG(fentry_ep_remove, struct eventpoll *ep, struct epitem *epi)
{
	on_remove(ep, epi, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_remove")
int BPF_KPROBE(kprobe_ep_remove, struct eventpoll *ep, struct epitem *epi)
{
	on_remove(ep, epi, EP_SOURCE_KPROBE);
	return 0;
}

/*
 * The last close of a watched file: eventpoll_release_file() removes every
 * item of the file from every instance. On 6.1 it goes through the hooked
 * removal function; on 6.12 it calls compiler clones (ep_remove_file.isra.0,
 * ep_remove_epi.isra.0) that cannot be hooked by prototype. So the items are
 * reported here, from the file's own list (file->f_ep, linked through
 * epi->fllink), on every kernel, and on_remove() skips them.
 */
static __always_inline void release_file_item(struct file *file, void *fllink, __u8 source)
{
	struct epitem *epi = fllink - bpf_core_field_offset(struct epitem, fllink);
	struct eventpoll *ep = BPF_CORE_READ(epi, ep);
	if (instance_traced((__u64)ep)) {
		emit_kernel_remove(ep, epi, (__u64)file, EP_REMOVE_FILE_CLOSE, source);
		activity_bump((__u64)ep);
	}
}

static __always_inline void on_release_file(struct file *file, __u8 source)
{
	remember_removal((__u64)file, 0);
	if (bpf_core_field_exists(struct file, f_ep)) {
		struct hlist_node *node = BPF_CORE_READ(file, f_ep, first);
		for (int i = 0; i < 16 && node; i++) {
			struct hlist_node *next = BPF_CORE_READ(node, next);
			release_file_item(file, node, source);
			node = next;
		}
		return;
	}
	/* Up to 5.10: a list_head, ending where it began. */
	struct file___5_10 *f = (void *)file;
	struct list_head *head = (void *)f + bpf_core_field_offset(struct file___5_10, f_ep_links);
	struct list_head *node = BPF_CORE_READ(f, f_ep_links.next);
	for (int i = 0; i < 16 && node && node != head; i++) {
		struct list_head *next = BPF_CORE_READ(node, next);
		release_file_item(file, node, source);
		node = next;
	}
}

SEC("fentry/eventpoll_release_file")
int BPF_PROG(fentry_eventpoll_release_file, struct file *file)
{
	on_release_file(file, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/eventpoll_release_file")
int BPF_KPROBE(kprobe_eventpoll_release_file, struct file *file)
{
	on_release_file(file, EP_SOURCE_KPROBE);
	return 0;
}

/* ---- close() of fds whose file is an item ------------------------------ */

/*
 * The kernel keys an item by (file, fd) and removes it when the file's last
 * reference goes, not when the fd is closed: with a dup, a child or an
 * SCM_RIGHTS copy holding the file, close(fd) leaves the item registered
 * under a number the program may reuse. So every backend records the close
 * of a traced fd whose file epoll watches (FD_CLOSE), from syscall
 * tracepoints: read at entry (the fd still names the file), emitted at exit.
 * dup2()/dup3() onto an open fd close it the same way. close_range() and
 * exec's close-on-exec are not seen (they would need a walk of the fd table).
 */
struct close_state {
	__u64 file, ino;
	__s32 fd;
	__u8 via, shared;
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct close_state);
} closes SEC(".maps");

/* Whether some epoll instance watches the file: items hang on file->f_ep. */
static __always_inline bool file_watched(struct file *file)
{
	if (bpf_core_field_exists(struct file, f_ep))
		return BPF_CORE_READ(file, f_ep) && BPF_CORE_READ(file, f_ep, first);
	struct file___5_10 *f = (void *)file;
	struct list_head *head = (void *)f + bpf_core_field_offset(struct file___5_10, f_ep_links);
	struct list_head *next = BPF_CORE_READ(f, f_ep_links.next);
	return next && next != head;
}

/* Other references than the fd being closed: the file (and its items) outlive the close. */
static __always_inline __u8 file_shared(struct file *file)
{
	if (bpf_core_field_exists(struct file, f_count))
		return BPF_CORE_READ(file, f_count.counter) > 1;
	if (bpf_core_field_exists(struct file___f_ref, f_ref)) /* the count minus one */
		return BPF_CORE_READ((struct file___f_ref *)file, f_ref.refcnt.counter) > 0;
	return EP_FD_CLOSE_SHARED_UNKNOWN;
}

static __always_inline void on_fd_gone_enter(int fd, __u8 via)
{
	edge_fd_gone(fd);
	if (counting || !tgid_traced(current_tgid()))
		return;
	struct file *file = fd_file(fd);
	if (!file || !file_watched(file))
		return;
	struct close_state s = {.file = (__u64)file, .fd = fd, .via = via};
	s.ino = BPF_CORE_READ(file, f_inode, i_ino);
	s.shared = file_shared(file);
	__u32 tid = current_tid();
	bpf_map_update_elem(&closes, &tid, &s, BPF_ANY);
}

static __always_inline void on_fd_gone_exit(long ret, __u8 source)
{
	__u32 tid = current_tid();
	struct close_state *s = bpf_map_lookup_elem(&closes, &tid);
	if (!s)
		return;
	/* close() frees the fd whatever it returns (a failed flush); a failed
	 * dup2/dup3 closed nothing. */
	if (s->via == EP_FD_CLOSE_CLOSE || ret >= 0) {
		struct ep_fd_close *r = RESERVE(ep_fd_close, EP_KIND_FD_CLOSE, source);
		if (r) {
			r->file = s->file;
			r->ino = s->ino;
			r->fd = s->fd;
			r->result = ret;
			r->via = s->via;
			r->shared = s->shared;
			__builtin_memset(r->pad, 0, sizeof(r->pad));
			submit_record(r);
		}
	}
	bpf_map_delete_elem(&closes, &tid);
}

SEC("tracepoint/syscalls/sys_enter_close")
int tp_sys_enter_close(struct syscall_enter_ctx *ctx)
{
	on_fd_gone_enter(ctx->args[0], EP_FD_CLOSE_CLOSE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close")
int tp_sys_exit_close(struct syscall_exit_ctx *ctx)
{
	on_fd_gone_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* dup2(old, new) / dup3(old, new, flags): new is closed first if open (and not old). */
static __always_inline void on_dup_enter(int oldfd, int newfd)
{
	if (oldfd != newfd)
		on_fd_gone_enter(newfd, EP_FD_CLOSE_DUP2);
}

SEC("tracepoint/syscalls/sys_enter_dup2")
int tp_sys_enter_dup2(struct syscall_enter_ctx *ctx)
{
	on_dup_enter(ctx->args[0], ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_dup2")
int tp_sys_exit_dup2(struct syscall_exit_ctx *ctx)
{
	on_fd_gone_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int tp_sys_enter_dup3(struct syscall_enter_ctx *ctx)
{
	on_dup_enter(ctx->args[0], ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_dup3")
int tp_sys_exit_dup3(struct syscall_exit_ctx *ctx)
{
	on_fd_gone_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* The same by kprobe on the syscall functions (__x64_sys_close...), where the
 * kernel runs a syscall tracepoint's program preemptible (7.x: faultable
 * syscall tracepoints, trace_call_bpf_faultable): preempted, it would hold its
 * CPU's bpf_prog_active and the kernel would skip every kprobe and tracepoint
 * program of the next threads there. A kprobe handler runs with preemption
 * off. The planner chooses (plan.cpp, add_closes). */
SEC("kprobe/sys_close")
int BPF_KSYSCALL(kprobe_sys_close, int fd)
{
	on_fd_gone_enter(fd, EP_FD_CLOSE_CLOSE);
	return 0;
}

SEC("kprobe/sys_dup2")
int BPF_KSYSCALL(kprobe_sys_dup2, int oldfd, int newfd)
{
	on_dup_enter(oldfd, newfd);
	return 0;
}

SEC("kprobe/sys_dup3")
int BPF_KSYSCALL(kprobe_sys_dup3, int oldfd, int newfd)
{
	on_dup_enter(oldfd, newfd);
	return 0;
}

SEC("kretprobe/sys_close")
int BPF_KRETPROBE(kretprobe_sys_close, long ret)
{
	on_fd_gone_exit(ret, EP_SOURCE_KPROBE);
	return 0;
}

SEC("kretprobe/sys_dup2")
int BPF_KRETPROBE(kretprobe_sys_dup2, long ret)
{
	on_fd_gone_exit(ret, EP_SOURCE_KPROBE);
	return 0;
}

SEC("kretprobe/sys_dup3")
int BPF_KRETPROBE(kretprobe_sys_dup3, long ret)
{
	on_fd_gone_exit(ret, EP_SOURCE_KPROBE);
	return 0;
}

/* ---- reads of edge-triggered items' fds ------------------------------- */

/*
 * FD_READ: read(), readv(), recv()/recvfrom(), recvmsg() and recvmmsg() on an
 * fd in edge_fds, with the result at exit (bytes, 0 at end of file, or
 * -errno: -EAGAIN says the program read the queue empty). Every read of the
 * machine passes here: an untraced process or an fd not edge-triggered costs
 * one or two hash lookups and nothing is stored.
 */
#define MSG_PEEK 2

struct read_state {
	__u64 requested;
	__s32 fd;
	__u8 via;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct read_state);
} reads SEC(".maps");

static __always_inline void on_read_enter(int fd, __u64 requested, __u8 via)
{
	if (counting)
		return;
	__u32 tgid = current_tgid();
	__u64 key = edge_key(tgid, fd);
	if (!bpf_map_lookup_elem(&edge_fds, &key) || !tgid_traced(tgid))
		return;
	struct read_state st = {.requested = requested, .fd = fd, .via = via};
	__u32 tid = current_tid();
	bpf_map_update_elem(&reads, &tid, &st, BPF_ANY);
}

static __always_inline void on_read_exit(long ret)
{
	if (counting)
		return;
	__u32 tid = current_tid();
	struct read_state *st = bpf_map_lookup_elem(&reads, &tid);
	if (!st)
		return;
	struct ep_fd_read *r = RESERVE(ep_fd_read, EP_KIND_FD_READ, EP_SOURCE_TRACEPOINT);
	if (r) {
		r->result = ret;
		r->requested = st->requested;
		r->fd = st->fd;
		r->via = st->via;
		__builtin_memset(r->pad, 0, sizeof(r->pad));
		submit_record(r);
	}
	bpf_map_delete_elem(&reads, &tid);
}

SEC("tracepoint/syscalls/sys_enter_read")
int tp_sys_enter_read(struct syscall_enter_ctx *ctx)
{
	on_read_enter(ctx->args[0], ctx->args[2], EP_FD_READ_READ);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_readv")
int tp_sys_enter_readv(struct syscall_enter_ctx *ctx)
{
	on_read_enter(ctx->args[0], 0, EP_FD_READ_READV);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int tp_sys_enter_recvfrom(struct syscall_enter_ctx *ctx)
{
	if (!(ctx->args[3] & MSG_PEEK))
		on_read_enter(ctx->args[0], ctx->args[2], EP_FD_READ_RECVFROM);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int tp_sys_enter_recvmsg(struct syscall_enter_ctx *ctx)
{
	if (!(ctx->args[2] & MSG_PEEK))
		on_read_enter(ctx->args[0], 0, EP_FD_READ_RECVMSG);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int tp_sys_enter_recvmmsg(struct syscall_enter_ctx *ctx)
{
	if (!(ctx->args[3] & MSG_PEEK))
		on_read_enter(ctx->args[0], 0, EP_FD_READ_RECVMMSG);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_read")
int tp_sys_exit_read(struct syscall_exit_ctx *ctx)
{
	on_read_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_readv")
int tp_sys_exit_readv(struct syscall_exit_ctx *ctx)
{
	on_read_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int tp_sys_exit_recvfrom(struct syscall_exit_ctx *ctx)
{
	on_read_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int tp_sys_exit_recvmsg(struct syscall_exit_ctx *ctx)
{
	on_read_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvmmsg")
int tp_sys_exit_recvmmsg(struct syscall_exit_ctx *ctx)
{
	on_read_exit(ctx->ret);
	return 0;
}

/* ---- instance teardown ------------------------------------------------- */

static __always_inline void on_teardown_enter(struct eventpoll *ep)
{
	if (instance_traced((__u64)ep))
		remember_removal(0, (__u64)ep);
}

/* The instance is gone: no record of it can follow. */
static __always_inline void emit_instance_free(__u64 ep, __u8 source)
{
	bpf_map_delete_elem(&instances, &ep);
	activity_bump(ep);
	struct ep_instance_free *r = RESERVE(ep_instance_free, EP_KIND_INSTANCE_FREE, source);
	if (!r)
		return;
	r->ep = ep;
	submit_record(r);
}

/* Kernels without ep_refcount_dec_and_test: ep_clear_and_put (ep_free) removes
 * every item and frees the instance before it returns. */
static __always_inline void on_teardown_exit(__u64 ep, __u8 source)
{
	__u32 tid = current_tid();
	struct remove_ctx *c = bpf_map_lookup_elem(&removes, &tid);

	if (!c || c->teardown_ep != ep)
		return;
	bpf_map_delete_elem(&removes, &tid);
	emit_instance_free(ep, source);
}

SEC("fentry/ep_clear_and_put")
int BPF_PROG(fentry_ep_clear_and_put, struct eventpoll *ep)
{
	on_teardown_enter(ep);
	return 0;
}

SEC("fexit/ep_clear_and_put")
int BPF_PROG(fexit_ep_clear_and_put, struct eventpoll *ep)
{
	on_teardown_exit((__u64)ep, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_clear_and_put")
int BPF_KPROBE(kprobe_ep_clear_and_put, struct eventpoll *ep)
{
	on_teardown_enter(ep);
	return 0;
}

SEC("kretprobe/ep_clear_and_put")
int BPF_KRETPROBE(kretprobe_ep_clear_and_put)
{
	__u32 tid = current_tid();
	struct remove_ctx *c = bpf_map_lookup_elem(&removes, &tid);
	if (c && c->teardown_ep)
		on_teardown_exit(c->teardown_ep, EP_SOURCE_KPROBE);
	return 0;
}

/* ---- the instance's last reference ------------------------------------ */

/*
 * Since the eventpoll refcount (6.4, and Debian's 6.1), an instance is freed
 * when ep_refcount_dec_and_test() drops its last reference: its epoll file's
 * (ep_clear_and_put) or its last item's (eventpoll_release_file). At process
 * exit every fd is closed before the deferred file releases run, last closed
 * first: an epoll fd numbered above its targets is torn down while they are
 * being released, ep_remove() leaves their items to eventpoll_release_file(),
 * and the instance outlives ep_clear_and_put() until the last of them goes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, __u64); /* the traced instance ep_refcount_dec_and_test() was given */
} instance_puts SEC(".maps");

static __always_inline void on_instance_put(__u64 ep, __u8 freed, __u8 source)
{
	if (!freed || !instance_traced(ep))
		return;
	__u32 tid = current_tid();
	struct remove_ctx *c = bpf_map_lookup_elem(&removes, &tid);
	if (c && c->teardown_ep == ep)
		bpf_map_delete_elem(&removes, &tid);
	emit_instance_free(ep, source);
}

/* The result is a bool: only its low byte is defined. */
SEC("fexit/ep_refcount_dec_and_test")
int BPF_PROG(fexit_ep_refcount_dec_and_test, struct eventpoll *ep, __u64 freed)
{
	on_instance_put((__u64)ep, (__u8)freed, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_refcount_dec_and_test")
int BPF_KPROBE(kprobe_ep_refcount_dec_and_test, struct eventpoll *ep)
{
	__u32 tid = current_tid();
	__u64 e = (__u64)ep;
	if (instance_traced(e))
		bpf_map_update_elem(&instance_puts, &tid, &e, BPF_ANY);
	return 0;
}

SEC("kretprobe/ep_refcount_dec_and_test")
int BPF_KRETPROBE(kretprobe_ep_refcount_dec_and_test)
{
	__u32 tid = current_tid();
	__u64 *ep = bpf_map_lookup_elem(&instance_puts, &tid);
	if (!ep)
		return 0;
	__u64 e = *ep;
	bpf_map_delete_elem(&instance_puts, &tid);
	on_instance_put(e, (__u8)PT_REGS_RC(ctx), EP_SOURCE_KPROBE);
	return 0;
}

/* ---- the poll callback and the wakeup it causes ------------------------ */

#define CALLBACK_UNTRACED 0xff

/* Verify mode: every callback, traced or not, takes a nesting level on its CPU
 * (ep_poll_callback -> wake_up -> a nested instance's callback), so that each
 * exit pops its own. Returns the instance's activity (NULL: none, untraced). */
static __always_inline struct ep_activity *callback_push(struct epitem *epi, __u64 ep, __u8 said)
{
	__u32 zero = 0;
	struct callback_ctx *cc;
	if (!verify || !(cc = bpf_map_lookup_elem(&callbacks, &zero)))
		return NULL;
	__u32 d = cc->depth;
	cc->depth = d + 1;
	struct ep_activity *a = said == CALLBACK_UNTRACED ? NULL : activity_of(ep);
	if (d >= CALLBACK_DEPTH)
		return a;
	cc->items[d] = (__u64)epi;
	cc->said[d] = a ? said : CALLBACK_UNTRACED;
	cc->overlap[d] = 0;
	if (a) {
		__sync_fetch_and_add(&a->cb_gen, 1);
		__sync_fetch_and_add(&a->cb_busy, 1);
		cc->scans_done[d] = a->scans_done;
		/* Before the record is reserved. Read after the add (no fetching
		 * atomics before 5.12): of two overlapping queueings, the later
		 * add sees the earlier's, or the earlier's exit sees the later's. */
		if (said == EP_CB_QUEUED_OVERFLOW) {
			__sync_fetch_and_add(&a->ovf_busy, 1);
			cc->overlap[d] = a->ovf_busy > 1;
		}
	}
	return a;
}

static __always_inline void on_callback(struct wait_queue_entry *wait, void *key, __u8 source)
{
	struct eppoll_entry *pwq =
		(void *)wait - bpf_core_field_offset(struct eppoll_entry, wait);
	struct epitem *epi = BPF_CORE_READ(pwq, base);
	struct eventpoll *ep = BPF_CORE_READ(epi, ep);

	if (!instance_traced((__u64)ep)) {
		callback_push(epi, (__u64)ep, CALLBACK_UNTRACED);
		return;
	}

	/* The outcome as ep_poll_callback() is about to decide it, in its order. */
	__u32 events = BPF_CORE_READ(epi, event.events);
	__u32 key_mask = (__u32)(unsigned long)key;
	__u8 outcome;
	if (!(events & ~EP_PRIVATE_BITS)) {
		outcome = EP_CB_IGNORED_DISARMED;
	} else if (key_mask && !(key_mask & events)) {
		outcome = EP_CB_IGNORED_MASK;
	} else if (BPF_CORE_READ(ep, ovflist) != EP_UNACTIVE_PTR) {
		outcome = ovflist_next(epi) == EP_UNACTIVE_PTR ? EP_CB_QUEUED_OVERFLOW
								      : EP_CB_ALREADY_OVERFLOW;
	} else {
		struct list_head *link = (void *)epi + bpf_core_field_offset(struct epitem, rdllink);
		outcome = BPF_CORE_READ(epi, rdllink.next) != link ? EP_CB_ALREADY_READY
								   : EP_CB_QUEUED_READY;
	}
	struct list_head *wq_head = (void *)ep + bpf_core_field_offset(struct eventpoll, wq.head);
	bool waiters = BPF_CORE_READ(ep, wq.head.next) != wq_head;

	__u32 zero = 0;
	struct callback_ctx *cc = bpf_map_lookup_elem(&callbacks, &zero);
	if (cc) {
		cc->ep = (__u64)ep;
		cc->epi = (__u64)epi;
		cc->tid = current_tid();
	}
	if (counting) {
		count_callback((__u64)ep, epi, outcome);
		return;
	}
	struct ep_activity *act = callback_push(epi, (__u64)ep, outcome);

	struct ep_callback *r = RESERVE(ep_callback, EP_KIND_CALLBACK, source);
	if (!r)
		return;
	r->ep = (__u64)ep;
	r->epi = (__u64)epi;
	r->file = (__u64)BPF_CORE_READ(epi, ffd.file);
	r->fd = BPF_CORE_READ(epi, ffd.fd);
	r->key = key_mask;
	r->events = events;
	r->outcome = outcome;
	r->waiters = waiters;
	if (act && act->done_scans != 0)
		r->h.flags |= EP_FLAG_DONE_SCAN;
	r->pad[0] = r->pad[1] = 0;
	submit_record(r);
}

SEC("fentry/ep_poll_callback")
int BPF_PROG(fentry_ep_poll_callback, struct wait_queue_entry *wait, unsigned int mode, int sync,
	     void *key)
{
	on_callback(wait, key, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_poll_callback")
int BPF_KPROBE(kprobe_ep_poll_callback, struct wait_queue_entry *wait, unsigned int mode,
	       int sync, void *key)
{
	on_callback(wait, key, EP_SOURCE_KPROBE);
	return 0;
}

/*
 * Verify mode: the callback's exit. The list it chose is known now: chained on
 * the overflow list (epi->next set) or not. A record that said otherwise is
 * counted in cb_missed (a harvest began or ended on another CPU between the
 * record and ep->lock; also, rarely, a harvest already took the item: counted
 * too, which only costs a comparison). Loaded only with --verify and attached
 * before the entry program; an exit whose entry this CPU did not see (depth
 * 0) changes nothing.
 */
static __always_inline void on_callback_exit(void)
{
	__u32 zero = 0;
	struct callback_ctx *cc = bpf_map_lookup_elem(&callbacks, &zero);
	if (!cc || cc->depth == 0)
		return;
	__u32 d = cc->depth - 1;
	cc->depth = d;
	if (d >= CALLBACK_DEPTH || cc->said[d] == CALLBACK_UNTRACED)
		return;
	struct epitem *epi = (void *)cc->items[d];
	__u64 ep = (__u64)BPF_CORE_READ(epi, ep);
	struct ep_activity *a = bpf_map_lookup_elem(&activity, &ep);
	if (!a)
		return;
	__u8 said = cc->said[d];
	bool chained = ovflist_next(epi) != EP_UNACTIVE_PTR;
	bool to_overflow = said == EP_CB_QUEUED_OVERFLOW || said == EP_CB_ALREADY_OVERFLOW;
	bool to_ready = said == EP_CB_QUEUED_READY || said == EP_CB_ALREADY_READY;
	/* Chained, and an ep_done_scan returned since the entry: on the overflow
	 * list of a harvest that began after that one, not the harvest its record
	 * ran in (the callback waited for ep->lock, or its CPU was preempted). */
	bool later_harvest = chained && a->scans_done != cc->scans_done[d];
	/* Said ignored, yet chained: re-armed or its mask changed between the
	 * record and the kernel's own check (or chained before: costs a comparison). */
	bool ignored = said == EP_CB_IGNORED_DISARMED || said == EP_CB_IGNORED_MASK;
	/* Another overflow queueing of the instance ran beside this one: which
	 * of the two took ep->lock first, and so the chain's order, is unknown. */
	bool overlapped = false;
	if (said == EP_CB_QUEUED_OVERFLOW) {
		overlapped = cc->overlap[d] || a->ovf_busy > 1;
		__sync_fetch_and_add(&a->ovf_busy, (__u64)-1);
	}
	if ((to_ready && chained) || (to_overflow && !chained) || later_harvest ||
	    (ignored && chained) || overlapped)
		__sync_fetch_and_add(&a->cb_missed, 1);
	__sync_fetch_and_add(&a->cb_gen, 1);
	__sync_fetch_and_add(&a->cb_busy, (__u64)-1);
}

SEC("fexit/ep_poll_callback")
int BPF_PROG(fexit_ep_poll_callback, struct wait_queue_entry *wait, unsigned int mode, int sync,
	     void *key, int ret)
{
	on_callback_exit();
	return 0;
}

SEC("kretprobe/ep_poll_callback")
int BPF_KRETPROBE(kretprobe_ep_poll_callback)
{
	on_callback_exit();
	return 0;
}

static __always_inline void on_wakeup(struct wait_queue_entry *wq_entry, __u8 source)
{
	struct task_struct *task = BPF_CORE_READ(wq_entry, private);
	__u32 woken_tgid = BPF_CORE_READ(task, tgid);
	__u32 zero = 0;
	struct callback_ctx *cc = bpf_map_lookup_elem(&callbacks, &zero);
	__u64 ep = 0, epi = 0;

	if (!tgid_traced(woken_tgid))
		return;
	/* ep_poll_callback -> wake_up -> this, on the same CPU and thread. */
	if (cc && cc->tid == current_tid()) {
		ep = cc->ep;
		epi = cc->epi;
	}
	if (counting) {
		/* Else the instance the woken thread waits on. */
		__u32 woken = BPF_CORE_READ(task, pid);
		struct wait_state *ws = ep ? NULL : current_wait(woken);
		struct ep_count_instance *c = count_instance(ep ? ep : ws ? ws->ep : 0, 0, -1);
		if (c)
			__sync_fetch_and_add(&c->wakeups, 1);
		return;
	}
	struct ep_wakeup *r = RESERVE(ep_wakeup, EP_KIND_WAKEUP, source);
	if (!r)
		return;
	r->ep = ep;
	r->epi = epi;
	r->woken_tid = BPF_CORE_READ(task, pid);
	r->pad = 0;
	submit_record(r);
}

SEC("fentry/ep_autoremove_wake_function")
int BPF_PROG(fentry_ep_autoremove_wake_function, struct wait_queue_entry *wq_entry)
{
	on_wakeup(wq_entry, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_autoremove_wake_function")
int BPF_KPROBE(kprobe_ep_autoremove_wake_function, struct wait_queue_entry *wq_entry)
{
	on_wakeup(wq_entry, EP_SOURCE_KPROBE);
	return 0;
}

/* ---- epoll_wait: begin, sleep, delivered events, end ------------------- */

static __always_inline void on_wait_enter(int epfd, __u64 uevents, int maxevents,
					  __s64 timeout_ns, __u8 source)
{
	__u32 tgid = current_tgid();
	if (!tgid_traced(tgid))
		return;
	__u32 tid = current_tid();
	struct wait_state s = {.epfd = epfd, .uevents = uevents, .maxevents = maxevents,
			       .start_ns = bpf_ktime_get_ns(), .active = 1};
	s.ep = fd_instance(epfd);
	if (s.ep)
		trace_instance(s.ep, tgid);
	struct wait_state *old = bpf_map_lookup_elem(&waits, &tid);
	if (old)
		*old = s;
	else
		bpf_map_update_elem(&waits, &tid, &s, BPF_NOEXIST);

	struct ep_wait_begin *r = RESERVE(ep_wait_begin, EP_KIND_WAIT_BEGIN, source);
	if (!r)
		return;
	r->ep = s.ep;
	r->timeout_ns = timeout_ns;
	r->events_uaddr = uevents;
	r->epfd = epfd;
	r->maxevents = maxevents;
	submit_record(r);
}

struct deliver {
	__u64 ep;
	__u8 source;
	struct event_block events;
};

LOOP_STEP deliver_step(__u32 i, struct deliver *d)
{
	struct epoll_event ev = {};
	if (i >= d->events.n || !delivered_event(&d->events, i, &ev))
		return 1;
	struct ep_harvest_item *r = RESERVE(ep_harvest_item, EP_KIND_HARVEST_ITEM, d->source);
	if (!r)
		return 0;
	r->ep = d->ep;
	r->data = ev.data;
	r->revents = ev.events;
	r->index = i;
	submit_record(r);
	return 0;
}

/* Verify mode: ep_done_scan returned (ep->lock released, the overflow list
 * inactive): callbacks from now on are not EP_FLAG_DONE_SCAN. Loaded only
 * with --verify, attached before the entry program. */
static __always_inline void on_done_scan_exit(void)
{
	__u32 tid = current_tid();
	__u64 *ep = bpf_map_lookup_elem(&done_scans, &tid);
	if (!ep)
		return;
	__u64 ep_addr = *ep;
	bpf_map_delete_elem(&done_scans, &tid);
	struct ep_activity *a = bpf_map_lookup_elem(&activity, &ep_addr);
	if (a) {
		__sync_fetch_and_add(&a->scans_done, 1);
		__sync_fetch_and_add(&a->done_scans, (__u64)-1);
	}
}

/*
 * Up to 5.10 no hook sees the end of a harvest's overflow list: the
 * kretprobe on ep_scan_ready_list.constprop.0 is not entered by epoll_wait
 * (ep_send_events has its own inlined copy there; lab, 2026-12-05: every
 * callback after an instance's first harvest was EP_FLAG_DONE_SCAN). The
 * harvesting thread has passed it once it blocks again in the wait or
 * epoll_wait returns (5.10 preempts voluntarily: not inside it), so the
 * window closes there on kernels whose files have f_ep_links (5.10).
 */
static __always_inline void harvester_passed_done_scan(void)
{
	if (bpf_core_field_exists(struct file___5_10, f_ep_links))
		on_done_scan_exit();
}

static __always_inline void on_wait_exit(int ret, __u8 source)
{
	__u32 tid = current_tid();
	struct wait_state *s = current_wait(tid);
	if (!s)
		return;
	harvester_passed_done_scan();
	if (counting) {
		count_wait_end(s, ret);
		s->active = 0;
		return;
	}
	if (ret > 0) {
		struct deliver d = {.ep = s->ep, .source = source,
				    .events = {.uevents = s->uevents, .n = ret}};
		EP_LOOP(ret, DELIVER_CAP, deliver_step, &d);
	}
	struct ep_wait_end *r = RESERVE(ep_wait_end, EP_KIND_WAIT_END, source);
	if (r) {
		r->ep = s->ep;
		r->epfd = s->epfd;
		r->result = ret;
		submit_record(r);
	}
	if (s->harvested)
		activity_end(s->ep);
	s->active = 0;
}

/* do_epoll_wait() gets the absolute deadline (CLOCK_MONOTONIC) or NULL. */
static __always_inline __s64 deadline_to_timeout(struct timespec64 *to)
{
	if (!to)
		return -1;
	__s64 end = BPF_CORE_READ(to, tv_sec) * 1000000000LL + BPF_CORE_READ(to, tv_nsec);
	__s64 left = end - (__s64)bpf_ktime_get_ns();
	return left > 0 ? left : 0;
}

SEC("fentry/do_epoll_wait")
int BPF_PROG(fentry_do_epoll_wait, int epfd, struct epoll_event *events, int maxevents,
	     struct timespec64 *to)
{
	on_wait_enter(epfd, (__u64)events, maxevents, deadline_to_timeout(to), EP_SOURCE_FENTRY);
	return 0;
}

SEC("fexit/do_epoll_wait")
int BPF_PROG(fexit_do_epoll_wait, int epfd, struct epoll_event *events, int maxevents,
	     struct timespec64 *to, int ret)
{
	on_wait_exit(ret, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/do_epoll_wait")
int BPF_KPROBE(kprobe_do_epoll_wait, int epfd, struct epoll_event *events, int maxevents,
	       struct timespec64 *to)
{
	on_wait_enter(epfd, (__u64)events, maxevents, deadline_to_timeout(to), EP_SOURCE_KPROBE);
	return 0;
}

SEC("kretprobe/do_epoll_wait")
int BPF_KRETPROBE(kretprobe_do_epoll_wait, int ret)
{
	on_wait_exit(ret, EP_SOURCE_KPROBE);
	return 0;
}

static __always_inline __s64 ms_to_timeout(int ms)
{
	return ms < 0 ? -1 : (__s64)ms * 1000000LL;
}

SEC("tracepoint/syscalls/sys_enter_epoll_wait")
int tp_sys_enter_epoll_wait(struct syscall_enter_ctx *ctx)
{
	on_wait_enter(ctx->args[0], ctx->args[1], ctx->args[2], ms_to_timeout(ctx->args[3]),
		      EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_wait")
int tp_sys_exit_epoll_wait(struct syscall_exit_ctx *ctx)
{
	on_wait_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait")
int tp_sys_enter_epoll_pwait(struct syscall_enter_ctx *ctx)
{
	on_wait_enter(ctx->args[0], ctx->args[1], ctx->args[2], ms_to_timeout(ctx->args[3]),
		      EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait")
int tp_sys_exit_epoll_pwait(struct syscall_exit_ctx *ctx)
{
	on_wait_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait2")
int tp_sys_enter_epoll_pwait2(struct syscall_enter_ctx *ctx)
{
	__s64 timeout = -1;
	struct {
		__s64 tv_sec;
		__s64 tv_nsec;
	} ts;
	if (ctx->args[3] && !bpf_probe_read_user(&ts, sizeof(ts), (void *)ctx->args[3]))
		timeout = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	on_wait_enter(ctx->args[0], ctx->args[1], ctx->args[2], timeout, EP_SOURCE_TRACEPOINT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait2")
int tp_sys_exit_epoll_pwait2(struct syscall_exit_ctx *ctx)
{
	on_wait_exit(ctx->ret, EP_SOURCE_TRACEPOINT);
	return 0;
}

/*
 * ep_poll() is inlined into do_epoll_wait(), so the moment a waiter blocks is
 * seen from the scheduler: a traced thread inside epoll_wait switching out
 * while not runnable.
 */
static __always_inline void on_switch_out(__u32 tid, bool runnable)
{
	struct wait_state *s = current_wait(tid);
	if (s && !runnable)
		harvester_passed_done_scan();
	if (!s || s->slept || runnable)
		return;
	s->slept = 1;
	struct ep_wait_sleep *r = RESERVE(ep_wait_sleep, EP_KIND_WAIT_SLEEP, EP_SOURCE_TRACEPOINT);
	if (!r)
		return;
	r->h.tgid = current_tgid();
	r->h.tid = tid;
	r->ep = s->ep;
	submit_record(r);
}

/* TASK_RUNNING is 0 under either name of the field. */
static __always_inline bool task_running(struct task_struct *task)
{
	if (bpf_core_field_exists(struct task_struct, __state))
		return BPF_CORE_READ(task, __state) == 0;
	return BPF_CORE_READ((struct task_struct___state *)task, state) == 0;
}

/* A preempted task stays on the run queue whatever its state says (it may be
 * preempted between setting TASK_INTERRUPTIBLE and calling schedule()): it is
 * runnable, not asleep. Lazily preemptible kernels (7.2) preempt a waiter
 * anywhere, e.g. between its ep_done_scan and epoll_wait's return. */
SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch_out(BPF_CORE_READ(prev, pid), preempt || task_running(prev));
	return 0;
}

/* The classic tracepoint's layout (events/sched/sched_switch/format). */
struct sched_switch_ctx {
	__u64 common;
	char prev_comm[16];
	__s32 prev_pid;
	__s32 prev_prio;
	__s64 prev_state;
	char next_comm[16];
	__s32 next_pid;
	__s32 next_prio;
};

/* The classic tracepoint reports a preempted task's state as TASK_REPORT_MAX
 * (0x100, "R+" in the format; blocked states are single bits up to 0x80). */
#define SWITCH_STATE_PREEMPTED 0x100

SEC("tracepoint/sched/sched_switch")
int tp_sched_switch(struct sched_switch_ctx *ctx)
{
	on_switch_out(ctx->prev_pid,
		      ctx->prev_state == 0 || (ctx->prev_state & SWITCH_STATE_PREEMPTED));
	return 0;
}

/* ---- harvest ----------------------------------------------------------- */

static __always_inline void emit_harvest_begin(__u64 ep, __u8 source, __u8 flags)
{
	struct ep_harvest_begin *r = RESERVE(ep_harvest_begin, EP_KIND_HARVEST_BEGIN, source);
	if (!r)
		return;
	r->h.flags = flags;
	r->ep = ep;
	submit_record(r);
}

static __always_inline void on_start_scan(struct eventpoll *ep, __u8 source)
{
	if (instance_traced((__u64)ep))
		emit_harvest_begin((__u64)ep, source, 0);
}

/*
 * At ep_done_scan() entry: txlist holds what was not delivered (maxevents),
 * rdllist the level-triggered items delivered and requeued, ovflist the
 * callbacks that arrived during the harvest. Walk all three, then end.
 */
static __always_inline void on_done_scan(struct eventpoll *ep, struct list_head *txlist,
					 __u8 source)
{
	if (!instance_traced((__u64)ep))
		return;
	if (counting) {
		struct ep_count_instance *c = count_instance((__u64)ep, 0, -1);
		if (c)
			__sync_fetch_and_add(&c->harvests, 1);
		return;
	}
	if (!have_start_scan)
		emit_harvest_begin((__u64)ep, source, EP_FLAG_INFERRED);
	__u32 ready = -1u; /* not walked */
	__u32 overflow = 0;
	__u8 flags = 0;
	if (verify) {
		/* One-shot items were disarmed under ep->mtx; the deliveries that
		 * tell the stream so come at epoll_wait's exit. */
		__u32 tid = current_tid();
		struct wait_state *ws = current_wait(tid);
		if (ws && ws->ep == (__u64)ep && !ws->harvested) {
			ws->harvested = 1;
			activity_begin((__u64)ep);
		}
		/* Callbacks during the walks, or one whose list was not its
		 * record's since the last harvest end: EP_FLAG_RACED. */
		struct ep_activity *a = activity_of((__u64)ep);
		__u64 ep_addr = (__u64)ep;
		if (a && !bpf_map_update_elem(&done_scans, &tid, &ep_addr, BPF_ANY))
			__sync_fetch_and_add(&a->done_scans, 1);
		__u64 cb_gen = a ? a->cb_gen : 0;
		__u64 cb_busy = a ? a->cb_busy : 0;
		walk_list((__u64)ep, txlist, EP_WALK_TXLIST, source);
		struct list_head *rdllist =
			(void *)ep + bpf_core_field_offset(struct eventpoll, rdllist);
		ready = walk_list((__u64)ep, rdllist, EP_WALK_READY, source);
		overflow = walk_overflow(ep, source);
		if (a) {
			__u64 missed = a->cb_missed;
			if (cb_busy != 0 || a->cb_gen != cb_gen || missed != a->cb_missed_seen)
				flags |= EP_FLAG_RACED;
			a->cb_missed_seen = missed;
		}
	}

	struct ep_harvest_end *r = RESERVE(ep_harvest_end, EP_KIND_HARVEST_END, source);
	if (!r)
		return;
	r->h.flags = flags;
	r->ep = (__u64)ep;
	r->ready = ready;
	r->overflow = overflow;
	submit_record(r);
}

SEC("fentry/ep_start_scan")
int BPF_PROG(fentry_ep_start_scan, struct eventpoll *ep)
{
	on_start_scan(ep, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_start_scan")
int BPF_KPROBE(kprobe_ep_start_scan, struct eventpoll *ep)
{
	on_start_scan(ep, EP_SOURCE_KPROBE);
	return 0;
}

SEC("fentry/ep_done_scan")
int BPF_PROG(fentry_ep_done_scan, struct eventpoll *ep, struct list_head *txlist)
{
	on_done_scan(ep, txlist, EP_SOURCE_FENTRY);
	return 0;
}

SEC("kprobe/ep_done_scan")
int BPF_KPROBE(kprobe_ep_done_scan, struct eventpoll *ep, struct list_head *txlist)
{
	on_done_scan(ep, txlist, EP_SOURCE_KPROBE);
	return 0;
}

/*
 * Up to 5.10 there is no ep_start_scan/ep_done_scan: ep_scan_ready_list()
 * (a compiler clone on Debian's 5.10) splices the ready list onto its txlist
 * and activates the overflow list under ep->lock (an rwlock there), calls
 * ep_send_events_proc(ep, txlist, priv), then under the lock again moves the
 * overflow list to the ready list and splices txlist back. So the entry of
 * ep_send_events_proc is the harvest's begin (fentry_ep_start_scan targets it)
 * and its return sees what ep_done_scan's entry sees on later kernels: txlist
 * holds what maxevents left, the ready list the level-triggered items
 * requeued, the overflow list the callbacks meanwhile. The kprobe backend
 * keeps the arguments from the entry for the return.
 */
SEC("fexit/ep_send_events_proc")
int BPF_PROG(fexit_ep_send_events_proc, struct eventpoll *ep, struct list_head *txlist)
{
	on_done_scan(ep, txlist, EP_SOURCE_FENTRY);
	return 0;
}

struct send_events_args {
	__u64 ep, txlist;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct send_events_args);
} send_events SEC(".maps");

SEC("kprobe/ep_send_events_proc")
int BPF_KPROBE(kprobe_ep_send_events_proc, struct eventpoll *ep, struct list_head *txlist)
{
	__u32 tid = current_tid();
	struct send_events_args args = {(__u64)ep, (__u64)txlist};
	bpf_map_update_elem(&send_events, &tid, &args, BPF_ANY);
	on_start_scan(ep, EP_SOURCE_KPROBE);
	return 0;
}

SEC("kretprobe/ep_send_events_proc")
int BPF_KRETPROBE(kretprobe_ep_send_events_proc)
{
	__u32 tid = current_tid();
	struct send_events_args *args = bpf_map_lookup_elem(&send_events, &tid);
	if (!args)
		return 0;
	struct eventpoll *ep = (void *)args->ep;
	struct list_head *txlist = (void *)args->txlist;
	bpf_map_delete_elem(&send_events, &tid);
	on_done_scan(ep, txlist, EP_SOURCE_KPROBE);
	return 0;
}

SEC("fexit/ep_done_scan")
int BPF_PROG(fexit_ep_done_scan, struct eventpoll *ep, struct list_head *txlist)
{
	on_done_scan_exit();
	return 0;
}

SEC("kretprobe/ep_done_scan")
int BPF_KRETPROBE(kretprobe_ep_done_scan)
{
	on_done_scan_exit();
	return 0;
}

/* ---- processes: follow children, see threads and exits ----------------- */

static __always_inline void emit_process(__u32 tgid, __u32 tid, __u32 what, __u32 parent,
					 struct task_struct *task, __u8 source)
{
	struct ep_process *r = RESERVE(ep_process, EP_KIND_PROCESS, source);
	if (!r)
		return;
	r->h.tgid = tgid;
	r->h.tid = tid;
	r->what = what;
	r->parent_tgid = parent;
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	submit_record(r);
}

static __always_inline void on_process_fork(struct task_struct *parent, struct task_struct *child,
					    __u8 source)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	if (!tgid_traced(ptgid))
		return;
	__u32 ctgid = BPF_CORE_READ(child, tgid), cpid = BPF_CORE_READ(child, pid);
	if (ctgid == ptgid) {
		emit_process(ctgid, cpid, EP_PROC_THREAD, ptgid, child, source);
		return;
	}
	__u8 one = 1;
	bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY);
	emit_process(ctgid, cpid, EP_PROC_FORK, ptgid, child, source);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	on_process_fork(parent, child, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* Process tracking by kprobe where the kernel runs a tracepoint's program
 * preemptible (7.x): preempted mid-run, a tp_btf program is skipped for every
 * other thread's event on that CPU (its recursion guard stays raised). A
 * kprobe handler runs with preemption off. The planner chooses (plan.cpp,
 * add_always). The fork: the new task is woken once, by its parent. */
SEC("kprobe/wake_up_new_task")
int BPF_KPROBE(kprobe_wake_up_new_task, struct task_struct *child)
{
	on_process_fork((struct task_struct *)bpf_get_current_task(), child, EP_SOURCE_KPROBE);
	return 0;
}

/* At exec the task is current and already carries its new comm. */
static __always_inline bool exec_selected(struct task_struct *p)
{
	char comm[16] = {};
	BPF_CORE_READ_STR_INTO(&comm, p, comm);
	if (bpf_map_lookup_elem(&select_comms, comm))
		return true;
	__u64 cgroup = bpf_get_current_cgroup_id();
	return bpf_map_lookup_elem(&select_cgroups, &cgroup) != NULL;
}

static __always_inline void on_process_exec(struct task_struct *p, __u8 source)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (targ_select && !targ_all && !tgid_traced(tgid) && exec_selected(p)) {
		__u8 one = 1;
		bpf_map_update_elem(&tgids, &tgid, &one, BPF_ANY);
	}
	if (tgid_traced(tgid))
		emit_process(tgid, BPF_CORE_READ(p, pid), EP_PROC_EXEC, 0, p, source);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_sched_process_exec, struct task_struct *p)
{
	on_process_exec(p, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* begin_new_exec() returns 0 past the point of no return, the task carrying
 * its new comm and, after de_thread(), the leader's pid. */
SEC("kretprobe/begin_new_exec")
int BPF_KRETPROBE(kretprobe_begin_new_exec, int ret)
{
	if (ret == 0)
		on_process_exec((struct task_struct *)bpf_get_current_task(), EP_SOURCE_KPROBE);
	return 0;
}

static __always_inline void on_process_exit(struct task_struct *p, __u8 source)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), pid = BPF_CORE_READ(p, pid);
	__u32 tid = pid;
	/* Before the tgid check: a thread of a process that is no longer
	 * traced (its leader exited first) must not keep its entry. */
	struct wait_state *ws = bpf_map_lookup_elem(&waits, &tid);
	if (ws) {
		if (ws->active && ws->harvested && tgid_traced(tgid))
			activity_end(ws->ep);
		bpf_map_delete_elem(&waits, &tid);
	}
	if (!tgid_traced(tgid))
		return;
	/* A thread killed inside epoll_ctl or after a harvest: end its activity. */
	struct ctl_state *cs = bpf_map_lookup_elem(&ctls, &tid);
	if (cs)
		activity_end(cs->ep);
	bpf_map_delete_elem(&ctls, &tid);
	bpf_map_delete_elem(&removes, &tid);
	emit_process(tgid, pid, pid == tgid ? EP_PROC_EXIT : EP_PROC_THREAD_EXIT, 0, p, source);
	if (pid == tgid && !targ_all)
		bpf_map_delete_elem(&tgids, &tgid);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_sched_process_exit, struct task_struct *p)
{
	on_process_exit(p, EP_SOURCE_TRACEPOINT);
	return 0;
}

/* The task exiting is current; do_exit() is where sched_process_exit fires. */
SEC("kprobe/do_exit")
int BPF_KPROBE(kprobe_do_exit)
{
	on_process_exit((struct task_struct *)bpf_get_current_task(), EP_SOURCE_KPROBE);
	return 0;
}
