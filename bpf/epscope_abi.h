/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI shared by the BPF programs (bpf/epscope.bpf.c) and the C++ side
 * (tracer/). Only constants and fixed-width structs with explicit padding live
 * here: every record is a header followed by one struct per kind, all sizes are
 * multiples of 8, and the C++ side static_asserts each size (tracer/stream/abi.hpp).
 *
 * The trace file stores these records verbatim (little-endian, as x86_64 and
 * the BPF target both are), so changing any layout bumps EPSCOPE_ABI_VERSION.
 */
#ifndef EPSCOPE_ABI_H
#define EPSCOPE_ABI_H

#ifndef EPSCOPE_BPF
#include <linux/types.h>
#endif

#define EPSCOPE_ABI_VERSION 5

/* Kinds of record. Values are stable: they are stored in trace files. */
enum ep_kind {
	EP_KIND_INVALID = 0,
	EP_KIND_INSTANCE_CREATE = 1, /* epoll_create{,1} returned */
	EP_KIND_INSTANCE_FREE = 2,   /* the eventpoll was torn down (last fd closed) */
	EP_KIND_ITEM_INSERT = 3,     /* EPOLL_CTL_ADD */
	EP_KIND_ITEM_MODIFY = 4,     /* EPOLL_CTL_MOD */
	EP_KIND_ITEM_REMOVE = 5,     /* EPOLL_CTL_DEL, file release, instance teardown */
	EP_KIND_CALLBACK = 6,        /* ep_poll_callback on an item, with its outcome */
	EP_KIND_WAKEUP = 7,          /* a waiter blocked in epoll_wait was woken */
	EP_KIND_WAIT_BEGIN = 8,      /* epoll_wait/epoll_pwait{,2} entered */
	EP_KIND_WAIT_SLEEP = 9,      /* the waiter went to sleep inside epoll_wait */
	EP_KIND_WAIT_END = 10,       /* epoll_wait returned */
	EP_KIND_HARVEST_BEGIN = 11,  /* ep_start_scan: ready list spliced out */
	EP_KIND_HARVEST_ITEM = 12,   /* one event delivered to user space */
	EP_KIND_HARVEST_END = 13,    /* ep_done_scan: leftovers and overflow list requeued */
	EP_KIND_KERNEL_NODE = 14,    /* one node of a BPF walk of a kernel list or tree */
	EP_KIND_WALK_END = 15,       /* end of one BPF walk */
	EP_KIND_LOST = 16,           /* records dropped because the ring buffer was full */
	EP_KIND_PROCESS = 17,        /* a traced process forked, exec'd, exited or was found */
	EP_KIND_FD_NAME = 18,        /* what an fd is, as /proc showed it at capture */
	EP_KIND_SNAPSHOT_INSTANCE = 19, /* /proc/PID/fdinfo of one epoll fd: header */
	EP_KIND_SNAPSHOT_ITEM = 20,  /* /proc/PID/fdinfo of one epoll fd: one tfd: line */
	EP_KIND_CHECKPOINT = 21,     /* a workload or tracer marked a point to verify */
	EP_KIND_SOCK_NAME = 22,      /* a socket's endpoints, read by BPF when it became an item */
	EP_KIND_FD_CLOSE = 23,       /* a traced process closed an fd whose file is an item (ABI 4) */
	EP_KIND_FD_READ = 24,        /* a read-family syscall on an EPOLLET item's fd returned (ABI 5) */
	EP_KIND_COUNT = 25,
};

/* Which mechanism produced a record (ep_header.source). */
enum ep_source {
	EP_SOURCE_USER = 0,       /* the tracer itself (/proc, loss counters, marks) */
	EP_SOURCE_FENTRY = 1,     /* fentry/fexit on a kernel function */
	EP_SOURCE_KPROBE = 2,     /* kprobe/kretprobe on a kernel function */
	EP_SOURCE_TRACEPOINT = 3, /* syscall or sched tracepoint */
};

/* ep_header.flags */
#define EP_FLAG_INFERRED 0x01 /* the kernel point was not hookable; derived nearby */
/* HARVEST_END, verify mode: during the harvest's walks a callback ran on the
 * instance, or since the previous harvest end one went to another list than
 * its record said (the record is read at ep_poll_callback entry, the list
 * chosen later under ep->lock): the overflow list and txlist walks may show
 * the kernel on the other side of that callback than the stream. */
#define EP_FLAG_RACED 0x02
/* CALLBACK, verify mode: the instance's ep_done_scan was running when the
 * callback began, so its item ends on the ready list when that harvest ends
 * (chained before ep_done_scan takes ep->lock, or linked after it), never on
 * a later harvest's overflow list (no harvest begins before ep->mtx is free). */
#define EP_FLAG_DONE_SCAN 0x04

/* Common header: 24 bytes. ts is CLOCK_MONOTONIC in ns (bpf_ktime_get_ns). */
struct ep_header {
	__u64 ts;
	__u32 tgid;
	__u32 tid;
	__u16 kind;
	__u16 size; /* whole record, header included */
	__u16 cpu;
	__u8 source;
	__u8 flags;
};

/*
 * Kernel identities (ep, epi, file) are kernel addresses as u64; 0 means the
 * backend could not see it (the syscall tracepoint backend sees no epitem).
 */

struct ep_instance_create {
	struct ep_header h;
	__u64 ep;    /* struct eventpoll * */
	__u64 file;  /* struct file * of the epoll fd */
	__s32 epfd;  /* the syscall's result: fd, or -errno */
	__u32 flags; /* EPOLL_CLOEXEC */
};

struct ep_instance_free {
	struct ep_header h;
	__u64 ep;
};

/* EPOLL_CTL_* values as the kernel defines them. */
#define EP_CTL_ADD 1
#define EP_CTL_DEL 2
#define EP_CTL_MOD 3

/* ITEM_INSERT and ITEM_MODIFY: the epoll_ctl call and its result. */
struct ep_item_ctl {
	struct ep_header h;
	__u64 ep;
	__u64 epi;  /* struct epitem * (0 when unknown or on failure) */
	__u64 file; /* struct file * of the target fd */
	__u64 data; /* epoll_event.data */
	__u64 ino;  /* inode number of the target file (matches fdinfo's ino:) */
	__s32 epfd;
	__s32 fd;
	__u32 events; /* requested mask, EPOLLET/EPOLLONESHOT/EPOLLEXCLUSIVE included */
	__s32 result; /* 0 or -errno */
	/* EP_CTL_QUEUED_*: ep_insert()/ep_modify() found the file ready and queued
	 * the item themselves, with no callback (kernel-hook backends only). */
	__u32 queued;
	__u32 pad;
};

#define EP_CTL_QUEUED_NO 0
#define EP_CTL_QUEUED_READY 1    /* appended to the ready list */
#define EP_CTL_QUEUED_OVERFLOW 2 /* a harvest was running: on the overflow list */
#define EP_CTL_QUEUED_UNKNOWN 3  /* the backend cannot tell (syscall tracepoints) */

enum ep_remove_reason {
	EP_REMOVE_CTL = 0,      /* EPOLL_CTL_DEL */
	EP_REMOVE_FILE_CLOSE = 1, /* last reference of the target file dropped */
	EP_REMOVE_TEARDOWN = 2, /* the instance itself was freed */
};

struct ep_item_remove {
	struct ep_header h;
	__u64 ep;
	__u64 epi;
	__u64 file;
	__s32 epfd;   /* -1 unless EPOLL_CTL_DEL */
	__s32 fd;
	__u32 reason; /* enum ep_remove_reason */
	__s32 result; /* 0 or -errno (EPOLL_CTL_DEL can fail) */
};

enum ep_callback_outcome {
	EP_CB_QUEUED_READY = 0,   /* put on the ready list */
	EP_CB_QUEUED_OVERFLOW = 1,/* a harvest was running: chained on the overflow list */
	EP_CB_ALREADY_READY = 2,  /* already on the ready list */
	EP_CB_ALREADY_OVERFLOW = 3, /* already on the overflow list */
	EP_CB_IGNORED_MASK = 4,   /* the wakeup key did not match the item's events */
	EP_CB_IGNORED_DISARMED = 5, /* EPOLLONESHOT item already fired, not re-armed */
};

struct ep_callback {
	struct ep_header h;
	__u64 ep;
	__u64 epi;
	__u64 file;
	__s32 fd;
	__u32 key;     /* wakeup key (poll mask); 0 = the waker gave none */
	__u32 events;  /* the item's mask at the time */
	__u8 outcome;  /* enum ep_callback_outcome */
	__u8 waiters;  /* 1 if a thread was waiting on the instance (ep->wq active) */
	__u8 pad[2];
};

struct ep_wakeup {
	struct ep_header h; /* tid/tgid: the thread that woke the waiter */
	__u64 ep;           /* instance whose callback did the wakeup (0 if unknown) */
	__u64 epi;          /* item whose callback did the wakeup (0 if unknown) */
	__u32 woken_tid;
	__u32 pad;
};

struct ep_wait_begin {
	struct ep_header h;
	__u64 ep;
	__s64 timeout_ns; /* -1: infinite */
	__u64 events_uaddr;
	__s32 epfd;
	__s32 maxevents;
};

struct ep_wait_sleep {
	struct ep_header h;
	__u64 ep;
};

struct ep_wait_end {
	struct ep_header h;
	__u64 ep;
	__s32 epfd;
	__s32 result; /* number of events, or -errno */
};

struct ep_harvest_begin {
	struct ep_header h;
	__u64 ep;
};

struct ep_harvest_item {
	struct ep_header h;
	__u64 ep;
	__u64 data;    /* epoll_event.data as delivered */
	__u32 revents; /* epoll_event.events as delivered */
	__u32 index;   /* position in the returned array */
};

struct ep_harvest_end {
	struct ep_header h;
	__u64 ep;
	__u32 ready;    /* items on the ready list after requeueing (-1u: not walked) */
	__u32 overflow; /* items that came through the overflow list */
};

/* Which kernel structure a KERNEL_NODE / WALK_END describes. */
enum ep_walk_list {
	EP_WALK_READY = 0,    /* ep->rdllist, in order */
	EP_WALK_OVERFLOW = 1, /* ep->ovflist chain, in order */
	EP_WALK_TXLIST = 2,   /* items not harvested (maxevents reached), in order */
	EP_WALK_TREE = 3,     /* ep->rbr, preorder, with parent and colour */
};

#define EP_RB_RED 0
#define EP_RB_BLACK 1

struct ep_kernel_node {
	struct ep_header h;
	__u64 ep;
	__u64 epi;
	__u64 file;
	__u64 parent;  /* EP_WALK_TREE: parent epitem (0 at the root) */
	__u32 walk_id; /* ties nodes to their WALK_END */
	__s32 fd;
	__u32 events;
	__u16 index;   /* position in the walk */
	__u8 list;     /* enum ep_walk_list */
	__u8 color;    /* EP_RB_RED / EP_RB_BLACK for EP_WALK_TREE */
};

struct ep_walk_end {
	struct ep_header h;
	__u64 ep;
	__u32 walk_id;
	__u32 count;
	__u8 list;
	__u8 truncated; /* the walk hit its bound before the end of the list */
	__u8 pad[6];
};

/* ep_lost's cpu for runs the kernel skipped (a program already running on
 * that CPU, e.g. preempted): their CPU is not known. */
#define EP_LOST_ANY_CPU 0xffff

struct ep_lost {
	struct ep_header h; /* cpu: the CPU whose records were dropped (or EP_LOST_ANY_CPU) */
	__u64 count;        /* records dropped since the previous LOST for that CPU */
};

enum ep_process_what {
	EP_PROC_FOUND = 0, /* already running when capture started */
	EP_PROC_FORK = 1,  /* tgid is the child, parent_tgid the parent */
	EP_PROC_EXEC = 2,
	EP_PROC_EXIT = 3,
	EP_PROC_THREAD = 4, /* a new thread (tid) in tgid */
	EP_PROC_THREAD_EXIT = 5,
};

struct ep_process {
	struct ep_header h;
	__u32 what; /* enum ep_process_what */
	__u32 parent_tgid;
	char comm[16];
};

enum ep_fd_type {
	EP_FD_UNKNOWN = 0,
	EP_FD_FILE = 1,
	EP_FD_PIPE = 2,
	EP_FD_TCP = 3,
	EP_FD_UDP = 4,
	EP_FD_UNIX = 5,
	EP_FD_EVENTFD = 6,
	EP_FD_TIMERFD = 7,
	EP_FD_SIGNALFD = 8,
	EP_FD_EPOLL = 9,
	EP_FD_SOCKET = 10, /* another socket family */
	EP_FD_OTHER = 11,  /* anon_inode or device not listed above */
};

#define EP_FD_NAME_LEN 96

struct ep_fd_name {
	struct ep_header h; /* tgid: the process owning the fd */
	__u64 ino;
	__s32 fd;
	__u32 type; /* enum ep_fd_type */
	char name[EP_FD_NAME_LEN]; /* NUL-terminated, e.g. "TCP 127.0.0.1:8080->127.0.0.1:51234" */
};

struct ep_snapshot_instance {
	struct ep_header h; /* tgid: the process; ts: when fdinfo was read */
	__u64 ep;           /* 0: /proc does not show it */
	__u64 ino;          /* inode of the epoll file: one instance, many fds */
	__s32 epfd;
	__u32 items;        /* number of SNAPSHOT_ITEM records that follow */
	__u32 snapshot_id;
	__u32 pad;
};

struct ep_snapshot_item {
	struct ep_header h;
	__u64 data;
	__u64 pos;
	__u64 ino;
	__s32 epfd;
	__s32 tfd;
	__u32 events;
	__u32 sdev;
	__u32 snapshot_id;
	__u32 pad;
};

/*
 * SOCK_NAME (ABI 3): emitted by BPF just before the ITEM_INSERT of a socket,
 * from the struct sock the item watches, so the socket is named as it was at
 * insert time even if it is closed before user space could read /proc.
 * Addresses are in network order (IPv4: the first 4 bytes); ports in host
 * order. AF_UNIX sockets carry only family and type (named from /proc).
 */
struct ep_sock_name {
	struct ep_header h; /* tgid: the process owning the fd */
	__u64 file;         /* struct file * of the socket (as in ITEM_INSERT) */
	__u64 ino;          /* inode number of the socket (socket:[ino]) */
	__s32 fd;
	__u16 family;       /* AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 type;         /* SOCK_STREAM, SOCK_DGRAM, ... (struct socket.type) */
	__u8 state;         /* sk_state (TCP: 10 = listening) */
	__u8 pad[3];
	__u16 local_port;
	__u16 peer_port;
	__u8 local_addr[16];
	__u8 peer_addr[16];
};

#define EP_CHECKPOINT_LABEL_LEN 48

struct ep_checkpoint {
	struct ep_header h;
	__u32 id;
	__u32 pad;
	char label[EP_CHECKPOINT_LABEL_LEN];
};

/*
 * FD_CLOSE (ABI 4): a traced process's fd went away while its file was
 * watched by some epoll instance (file->f_ep not empty), from the syscall
 * tracepoints of close() and of dup2()/dup3() over an open fd, on every
 * backend. The kernel keys an item by (file, fd): if the file stays open
 * elsewhere (a dup, a child, an SCM_RIGHTS copy), close() does not remove it
 * and it stays registered under an fd number the program no longer owns.
 * Read at syscall entry, emitted at exit with the result.
 */
enum ep_fd_close_via {
	EP_FD_CLOSE_CLOSE = 0, /* close(fd) */
	EP_FD_CLOSE_DUP2 = 1,  /* dup2()/dup3() onto an open fd: it was closed first */
};

#define EP_FD_CLOSE_SHARED_UNKNOWN 2

struct ep_fd_close {
	struct ep_header h; /* tgid: the process whose fd it was */
	__u64 file;         /* struct file * the fd named */
	__u64 ino;          /* its inode number (as ITEM_INSERT and FD_NAME carry) */
	__s32 fd;
	__s32 result;  /* the syscall's result: 0 (close), the new fd (dup2/3), or -errno */
	__u8 via;      /* enum ep_fd_close_via */
	/* 1: the file had other references (its items stay registered), 0: this
	 * was the last (the kernel removes its items at file close),
	 * EP_FD_CLOSE_SHARED_UNKNOWN: the kernel's count could not be read. */
	__u8 shared;
	__u8 pad[6];
};

/*
 * FD_READ (ABI 5): a read-family syscall of a traced process on an fd that
 * some epoll instance of that process watches edge-triggered (EPOLLET),
 * emitted at the syscall's exit with its result, on every backend (syscall
 * tracepoints). An edge-triggered item is queued by a callback, i.e. when
 * new data arrives, not while data is left: a program that stops reading
 * before -EAGAIN gets no new event for what it left until the peer sends more.
 * recv/recvfrom/recvmsg calls with MSG_PEEK are not recorded (they consume
 * nothing).
 */
enum ep_fd_read_via {
	EP_FD_READ_READ = 0,     /* read() */
	EP_FD_READ_READV = 1,    /* readv() */
	EP_FD_READ_RECVFROM = 2, /* recvfrom() (and recv()) */
	EP_FD_READ_RECVMSG = 3,  /* recvmsg() */
	EP_FD_READ_RECVMMSG = 4, /* recvmmsg(): result counts messages, not bytes */
};

struct ep_fd_read {
	struct ep_header h; /* tgid/tid: the reading thread */
	__s64 result;       /* bytes read (messages for recvmmsg), 0 at end of file, or -errno */
	__u64 requested;    /* the buffer's size (read, recvfrom); 0: not read (vector calls) */
	__s32 fd;
	__u8 via;           /* enum ep_fd_read_via */
	__u8 pad[3];
};

#endif /* EPSCOPE_ABI_H */
