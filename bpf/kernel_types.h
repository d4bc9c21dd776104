/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel types the BPF programs read, declared with only the fields we
 * use. preserve_access_index makes every access a CO-RE relocation, so libbpf
 * fixes offsets against the running kernel's BTF: one object loads unchanged
 * on 6.1, 6.12 and 6.18. Nothing here comes from the build host's kernel.
 */
#ifndef EPSCOPE_KERNEL_TYPES_H
#define EPSCOPE_KERNEL_TYPES_H

#include <linux/types.h>
#include <linux/bpf.h>

#define EPSCOPE_BPF 1
/* This header stands in for vmlinux.h: bpf_tracing.h then uses the
 * kernel's pt_regs field names (di, si, ...), declared below. */
#define __VMLINUX_H__ 1

typedef _Bool bool;
#define true 1
#define false 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct rb_node {
	unsigned long __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

struct wait_queue_head {
	struct list_head head;
};

struct wait_queue_entry {
	unsigned int flags;
	void *private;
	struct list_head entry;
};

struct epoll_filefd {
	struct file *file;
	int fd;
};

/* The kernel's struct epoll_event is packed on x86_64 (12 bytes, EPOLL_PACKED
 * in include/uapi/linux/eventpoll.h), naturally aligned elsewhere (16 bytes):
 * the harvest reads the user's array with this stride. */
#if defined(__TARGET_ARCH_x86)
#define EPSCOPE_EPOLL_PACKED __attribute__((packed))
#else
#define EPSCOPE_EPOLL_PACKED
#endif
struct epoll_event {
	__u32 events;
	__u64 data;
} EPSCOPE_EPOLL_PACKED;

struct hlist_node {
	struct hlist_node *next;
};

struct hlist_head {
	struct hlist_node *first;
};

struct epitem {
	struct rb_node rbn; /* inside an anonymous union in the kernel: CO-RE finds it */
	struct list_head rdllink;
	struct epitem *next;
	struct epoll_filefd ffd;
	struct eventpoll *ep;
	struct hlist_node fllink; /* in the watched file's f_ep list */
	struct epoll_event event;
};

/*
 * Newer kernels (mainline's eventpoll spinlock rework, backported into
 * Debian's 6.12) renamed epitem->next, the overflow-list link, to
 * ovflist_next. A CO-RE flavor (the ___suffix is ignored when matching)
 * lets one object read whichever the running kernel has.
 */
struct epitem___ovflist_next {
	struct epitem *ovflist_next;
};

/*
 * Up to 5.10 a file's items hang on a list_head, file->f_ep_links, linked
 * through epitem->fllink (a list_head there too; CO-RE matches the member by
 * name, and any struct by offset). 5.11 made both hlists (file->f_ep).
 */
struct file___5_10 {
	struct list_head f_ep_links;
};

struct eventpoll {
	struct wait_queue_head wq;
	struct wait_queue_head poll_wait;
	struct list_head rdllist;
	struct rb_root_cached rbr;
	struct epitem *ovflist;
};

struct eppoll_entry {
	struct epitem *base;
	struct wait_queue_entry wait;
};

struct inode {
	unsigned short i_mode; /* umode_t: S_ISSOCK tells a socket */
	unsigned long i_ino;
};

/* The socket an item watches, for SOCK_NAME (include/net/sock.h). */
struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr; /* these four sit in anonymous unions: CO-RE finds them */
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr; /* CONFIG_IPV6 only */
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
};

struct socket {
	short type;
	struct sock *sk;
};

typedef struct {
	long counter;
} atomic_long_t;

struct file {
	struct inode *f_inode;
	void *private_data;
	struct hlist_head *f_ep; /* items watching this file */
	atomic_long_t f_count;   /* 0 while __fput releases it (up to 6.12) */
};

/* 6.13 on: f_count became f_ref, a file_ref_t holding the count minus one:
 * negative from the last reference's put until __fput has run. */
typedef struct {
	atomic_long_t refcnt;
} file_ref_t;

struct file___f_ref {
	file_ref_t f_ref;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
	struct files_struct *files;
	struct task_struct *real_parent;
	char comm[16];
};

/* Up to 5.13 the task's state is `volatile long state` (5.14 on: __state). */
struct task_struct___state {
	volatile long state;
};

struct timespec64 {
	long long tv_sec;
	long tv_nsec;
};

struct linux_binprm;

/* The registers kprobes see, as bpf_tracing.h names them per architecture
 * (__TARGET_ARCH_*, set by bpf/bpf.cmake from EPSCOPE_BPF_ARCH). */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#elif defined(__TARGET_ARCH_arm64)
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
struct pt_regs {
	struct user_pt_regs user_regs;
	__u64 orig_x0;
};
#else
#error "kernel_types.h: no pt_regs for this __TARGET_ARCH (x86 and arm64 are declared)"
#endif

#pragma clang attribute pop

/* Layouts of the syscall tracepoints' contexts (tracefs .../format). */
struct syscall_enter_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/* From fs/eventpoll.c and include/uapi/linux/eventpoll.h. */
#define EPOLLIN 0x00000001
#define EPOLLOUT 0x00000004
#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP (1U << 29)
#define EPOLLONESHOT (1U << 30)
#define EPOLLET (1U << 31)
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_UNACTIVE_PTR ((void *)-1L)

/* From include/uapi/linux/stat.h and include/linux/socket.h. */
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10

#endif
