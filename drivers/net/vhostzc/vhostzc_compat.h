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

#include <rte_common.h>
#include <rte_log.h>
#include <rte_version.h>
#include <bus_driver.h>
#include <bus_vdev_driver.h>

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#include <rte_stdatomic.h>
#define vzc_atomic_load(p, mo)		rte_atomic_load_explicit(p, mo)
#define vzc_atomic_store(p, v, mo)	rte_atomic_store_explicit(p, v, mo)
#define vzc_atomic_add_fetch(p, v, mo)	(rte_atomic_fetch_add_explicit(p, v, mo) + (v))
#define vzc_atomic_sub_fetch(p, v, mo)	(rte_atomic_fetch_sub_explicit(p, v, mo) - (v))
#define vzc_atomic_exchange(p, v, mo)	rte_atomic_exchange_explicit(p, v, mo)
#define vzc_atomic_fetch_or(p, v, mo)	rte_atomic_fetch_or_explicit(p, v, mo)
#define vzc_atomic_fetch_and(p, v, mo)	rte_atomic_fetch_and_explicit(p, v, mo)
#define vzc_atomic_thread_fence(mo)	rte_atomic_thread_fence(mo)
#define VZC_RELAXED	rte_memory_order_relaxed
#define VZC_ACQUIRE	rte_memory_order_acquire
#define VZC_RELEASE	rte_memory_order_release
#define VZC_ACQ_REL	rte_memory_order_acq_rel
#define VZC_SEQ_CST	rte_memory_order_seq_cst
#define VZC_ATOMIC(t)	RTE_ATOMIC(t)
#else
/* 22.11 has no rte_stdatomic.h: the GCC builtins are what it wraps later. */
#define vzc_atomic_load(p, mo)		__atomic_load_n(p, mo)
#define vzc_atomic_store(p, v, mo)	__atomic_store_n(p, v, mo)
#define vzc_atomic_add_fetch(p, v, mo)	__atomic_add_fetch(p, v, mo)
#define vzc_atomic_sub_fetch(p, v, mo)	__atomic_sub_fetch(p, v, mo)
#define vzc_atomic_exchange(p, v, mo)	__atomic_exchange_n(p, v, mo)
#define vzc_atomic_fetch_or(p, v, mo)	__atomic_fetch_or(p, v, mo)
#define vzc_atomic_fetch_and(p, v, mo)	__atomic_fetch_and(p, v, mo)
#define vzc_atomic_thread_fence(mo)	__atomic_thread_fence(mo)
#define VZC_RELAXED	__ATOMIC_RELAXED
#define VZC_ACQUIRE	__ATOMIC_ACQUIRE
#define VZC_RELEASE	__ATOMIC_RELEASE
#define VZC_ACQ_REL	__ATOMIC_ACQ_REL
#define VZC_SEQ_CST	__ATOMIC_SEQ_CST
#define VZC_ATOMIC(t)	t
#endif

/*
 * What the vhost library's message hooks receive is its struct
 * vhu_msg_context: the raw message, then the fds that came with it. The
 * message's payload union grew in 25.03 (crypto session parameters), so
 * the fds moved: offsets measured on each release's lib/vhost/vhost_user.h.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 3, 0, 0)
#define VZC_VHOST_MSG_FDS_OFF	1084
#else
#define VZC_VHOST_MSG_FDS_OFF	644
#endif

/*
 * 25.11 passes per-queue stats to stats_get as a separate, optional
 * argument; before, they were fields of struct rte_eth_stats. Either way
 * VZC_QSTATS (possibly NULL) has the q_* arrays.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define VZC_STATS_GET_ARGS \
	struct rte_eth_dev *dev, struct rte_eth_stats *stats, \
	struct eth_queue_stats *qstats
#define VZC_QSTATS	qstats
#else
#define VZC_STATS_GET_ARGS struct rte_eth_dev *dev, struct rte_eth_stats *stats
#define VZC_QSTATS	stats
#endif

/*
 * 23.07 lets a vhost driver cap the queue pairs offered to the guest
 * (GET_QUEUE_NUM); before, a guest sees the library's maximum.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 7, 0, 0)
#define VZC_HAVE_MAX_QUEUE_NUM	1
#define vzc_vhost_set_max_queues(path, n) \
	rte_vhost_driver_set_max_queue_num(path, n)
#else
#define VZC_HAVE_MAX_QUEUE_NUM	0
#define vzc_vhost_set_max_queues(path, n)	((void)(path), (void)(n), 0)
#endif

/* 25.03 made __rte_packed a pair around the type. */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 3, 0, 0)
#define VZC_PACKED_BEGIN	__rte_packed_begin
#define VZC_PACKED_END		__rte_packed_end
#else
#define VZC_PACKED_BEGIN
#define VZC_PACKED_END		__rte_packed
#endif

/*
 * One log line with a prefix: 24.03's RTE_LOG_LINE_PREFIX checks that the
 * format has no newline of its own; before, the newline is appended here.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
#define VZC_LOG_LINE(level, type, prefix, arg, ...) \
	RTE_LOG_LINE_PREFIX(level, type, prefix, arg, __VA_ARGS__)
#else
#define VZC_LOG_LINE(level, type, prefix, arg, fmt, ...) \
	RTE_LOG(level, type, prefix fmt "\n", arg, ##__VA_ARGS__)
#endif

/*
 * The vdev drivers registered before `me` (which must be the last one
 * registered), in registration order, at most n: from 26.07 the bus keeps
 * every driver in the driver-SDK struct rte_bus list; before, the vdev
 * bus kept its own list, reachable only through the `next` links of the
 * driver-SDK struct rte_vdev_driver, walked back from `me` to the head
 * (recognised by its tqh_last pointing at our own link).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(26, 7, 0, 0)
static inline unsigned int
vzc_vdev_drivers_before(struct rte_vdev_driver *me,
			struct rte_vdev_driver **out, unsigned int n)
{
	struct rte_bus *bus = rte_bus_find_by_name("vdev");
	struct rte_driver *d;
	unsigned int k = 0;

	if (bus == NULL || TAILQ_NEXT(&me->driver, next) != NULL)
		return 0;
	TAILQ_FOREACH(d, &bus->driver_list, next) {
		if (d == &me->driver || k == n)
			break;
		out[k++] = container_of(d, struct rte_vdev_driver, driver);
	}
	return k;
}
#else
static inline unsigned int
vzc_vdev_drivers_before(struct rte_vdev_driver *me,
			struct rte_vdev_driver **out, unsigned int n)
{
	struct rte_vdev_driver **link = me->next.tqe_prev;
	unsigned int k = 0, i, steps;

	if (me->next.tqe_next != NULL)
		return 0;
	for (steps = 0; steps < 1024 && k < n; steps++) {
		/* A head is {first, last}; only the head's "last" is our link. */
		if (((struct rte_vdev_driver ***)link)[1] == &me->next.tqe_next)
			break;
		out[k] = RTE_PTR_SUB(link, offsetof(struct rte_vdev_driver, next));
		link = out[k++]->next.tqe_prev;
	}
	/* Collected back to front: put them in registration order. */
	for (i = 0; i < k / 2; i++) {
		struct rte_vdev_driver *t = out[i];

		out[i] = out[k - 1 - i];
		out[k - 1 - i] = t;
	}
	return k;
}
#endif

#endif /* VHOSTZC_COMPAT_H */
