/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the tracer reads while it traces, shared by the BPF programs and the
 * tracer (tracer/capture/bpf_session.cpp). These live in the object's .bss,
 * which user space reads through the skeleton's mmap, never with a map
 * syscall: a map lookup, update or delete raises the CPU's bpf_prog_active
 * with only migration disabled, and where kernel code is preemptible (7.x:
 * lazy preemption) a tracer preempted inside one makes the kernel skip every
 * kprobe and classic tracepoint program of that CPU's next threads
 * (docs/KERNEL-NOTES.md, "5.10 and 7.2: what differs"). Not an event ABI:
 * a tracer only reads the object it embeds.
 */
#ifndef EPSCOPE_SHARED_H
#define EPSCOPE_SHARED_H

#ifndef EPSCOPE_BPF
#include <linux/types.h>
#endif

/* ring_drops[]: records dropped because the ring buffer was full, one word
 * per CPU; CPUs from EP_DROP_CPUS - 1 on share the last. */
#define EP_DROP_CPUS 1024

/* activity_seen[]: verify mode's gen and busy (struct ep_activity) per bucket
 * of instances, for the tracer's fdinfo checkpoints. */
#define EP_ACTIVITY_BUCKET_BITS 12
#define EP_ACTIVITY_BUCKETS (1u << EP_ACTIVITY_BUCKET_BITS)

struct ep_activity_seen {
	__u64 gen;
	__u64 busy;
};

/* An instance's bucket (ep: its struct eventpoll *): Fibonacci hashing, the
 * top bits of the product. A macro: inlined in BPF whatever the compiler. */
#define EP_ACTIVITY_BUCKET(ep) \
	((__u32)(((__u64)(ep) * 0x9E3779B97F4A7C15ULL) >> (64 - EP_ACTIVITY_BUCKET_BITS)))

#endif
