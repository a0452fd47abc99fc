/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_COMPAT_H
#define VHOSTZC_COMPAT_H

/*
 * Every difference between the DPDK versions we build against lives here.
 * Built and tested against 22.11 LTS; the 23.11+ and 25.11 branches follow
 * the upstream API changes so the rest of the driver stays version-free.
 */

#include <rte_version.h>

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#include <rte_stdatomic.h>
#define vzc_atomic_load(p, mo)		rte_atomic_load_explicit(p, mo)
#define vzc_atomic_store(p, v, mo)	rte_atomic_store_explicit(p, v, mo)
#define vzc_atomic_add_fetch(p, v, mo)	(rte_atomic_fetch_add_explicit(p, v, mo) + (v))
#define vzc_atomic_sub_fetch(p, v, mo)	(rte_atomic_fetch_sub_explicit(p, v, mo) - (v))
#define VZC_RELAXED	rte_memory_order_relaxed
#define VZC_ACQUIRE	rte_memory_order_acquire
#define VZC_RELEASE	rte_memory_order_release
#define VZC_ACQ_REL	rte_memory_order_acq_rel
#define VZC_ATOMIC(t)	RTE_ATOMIC(t)
#else
/* 22.11 has no rte_stdatomic.h: the GCC builtins are what it wraps later. */
#define vzc_atomic_load(p, mo)		__atomic_load_n(p, mo)
#define vzc_atomic_store(p, v, mo)	__atomic_store_n(p, v, mo)
#define vzc_atomic_add_fetch(p, v, mo)	__atomic_add_fetch(p, v, mo)
#define vzc_atomic_sub_fetch(p, v, mo)	__atomic_sub_fetch(p, v, mo)
#define VZC_RELAXED	__ATOMIC_RELAXED
#define VZC_ACQUIRE	__ATOMIC_ACQUIRE
#define VZC_RELEASE	__ATOMIC_RELEASE
#define VZC_ACQ_REL	__ATOMIC_ACQ_REL
#define VZC_ATOMIC(t)	t
#endif

/* 25.11 passes per-queue stats to stats_get as a separate argument. */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define VZC_STATS_GET_ARGS \
	struct rte_eth_dev *dev, struct rte_eth_stats *stats, \
	struct eth_queue_stats *qstats __rte_unused
#else
#define VZC_STATS_GET_ARGS struct rte_eth_dev *dev, struct rte_eth_stats *stats
#endif

/* 22.11 lacks the vhost-user request enum in a public header. */
#define VZC_VHOST_USER_GET_FEATURES		1
#define VZC_VHOST_USER_RESET_OWNER		4
#define VZC_VHOST_USER_SET_MEM_TABLE		5
#define VZC_VHOST_USER_GET_VRING_BASE		11
#define VZC_VHOST_USER_GET_PROTOCOL_FEATURES	15
#define VZC_VHOST_USER_GET_QUEUE_NUM		17
#define VZC_VHOST_USER_SEND_RARP		19
#define VZC_VHOST_USER_GET_CONFIG		24
#define VZC_VHOST_USER_GET_INFLIGHT_FD		31
#define VZC_VHOST_USER_GET_STATUS		40

/* Wire header of a vhost-user message: what pre/post_msg_handle receive. */
struct vzc_vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
	} payload;
} __rte_packed;

#endif /* VHOSTZC_COMPAT_H */
