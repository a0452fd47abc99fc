/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * ethdev glue: probe, devargs, ethdev ops, stats and xstats.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_bus_vdev.h>
#include <bus_vdev_driver.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "vhostzc.h"

#define VHOSTZC_ARG_IFACE	"iface"
#define VHOSTZC_ARG_QUEUES	"queues"
#define VHOSTZC_ARG_CLIENT	"client"
#define VHOSTZC_ARG_TSO		"tso"
#define VHOSTZC_ARG_IOMMU	"iommu-support"
#define VHOSTZC_ARG_POSTCOPY	"postcopy-support"
#define VHOSTZC_ARG_ZC		"zero-copy"
#define VHOSTZC_ARG_ZC_MIN_LEN	"zc-min-len"
#define VHOSTZC_ARG_ZC_MAX_LENT	"zc-max-lent"
#define VHOSTZC_ARG_ZC_HEAD	"zc-head"
#define VHOSTZC_ARG_ZC_FREEZE	"zc-freeze-budget"

#define VHOSTZC_PARAMS \
	VHOSTZC_ARG_IFACE "=<path> " \
	VHOSTZC_ARG_QUEUES "=<1-128> " \
	VHOSTZC_ARG_CLIENT "=<0|1> " \
	VHOSTZC_ARG_TSO "=<0|1> " \
	VHOSTZC_ARG_IOMMU "=<0> " \
	VHOSTZC_ARG_POSTCOPY "=<0> " \
	VHOSTZC_ARG_ZC "=<0|1> " \
	VHOSTZC_ARG_ZC_MIN_LEN "=<0-65535> " \
	VHOSTZC_ARG_ZC_MAX_LENT "=<0-32768> " \
	VHOSTZC_ARG_ZC_HEAD "=<0|1> " \
	VHOSTZC_ARG_ZC_FREEZE "=<KiB>"

struct vhostzc_args {
	char *iface;
	uint32_t queues;
	uint32_t client;
	uint32_t tso;
	uint32_t iommu;
	uint32_t postcopy;
	uint32_t zc;
	uint32_t zc_min_len;
	uint32_t zc_max_lent;
	uint32_t zc_head;
	uint32_t zc_freeze_kb;
};

struct vhostzc_uint_arg {
	const char *key;
	size_t off;
	uint32_t min;
	uint32_t max;
};

static const struct vhostzc_uint_arg vhostzc_uint_args[] = {
	{ VHOSTZC_ARG_QUEUES, offsetof(struct vhostzc_args, queues),
	  1, VHOSTZC_MAX_QUEUES },
	{ VHOSTZC_ARG_CLIENT, offsetof(struct vhostzc_args, client), 0, 1 },
	{ VHOSTZC_ARG_TSO, offsetof(struct vhostzc_args, tso), 0, 1 },
	{ VHOSTZC_ARG_IOMMU, offsetof(struct vhostzc_args, iommu), 0, 0 },
	{ VHOSTZC_ARG_POSTCOPY, offsetof(struct vhostzc_args, postcopy), 0, 0 },
	{ VHOSTZC_ARG_ZC, offsetof(struct vhostzc_args, zc), 0, 1 },
	{ VHOSTZC_ARG_ZC_MIN_LEN, offsetof(struct vhostzc_args, zc_min_len),
	  0, UINT16_MAX },
	{ VHOSTZC_ARG_ZC_MAX_LENT, offsetof(struct vhostzc_args, zc_max_lent),
	  0, VZC_RING_MAX_SIZE },
	{ VHOSTZC_ARG_ZC_HEAD, offsetof(struct vhostzc_args, zc_head), 0, 1 },
	{ VHOSTZC_ARG_ZC_FREEZE, offsetof(struct vhostzc_args, zc_freeze_kb),
	  0, 16u << 20 },
};

static const struct rte_ether_addr vhostzc_base_mac = {
	.addr_bytes = { 0x56, 0x5a, 0x43, 0x00, 0x00, 0x00 }
};

/* Parse one devarg value; one log line naming the key on failure. */
static int
parse_one(const char *key, const char *value, struct vhostzc_args *a)
{
	size_t i;

	if (strcmp(key, VHOSTZC_ARG_IFACE) == 0) {
		if (value == NULL || value[0] == '\0' || a->iface != NULL) {
			VHOSTZC_LOG(ERR, "devarg '%s': one non-empty socket path expected",
				    key);
			return -EINVAL;
		}
		a->iface = strdup(value);
		return a->iface == NULL ? -ENOMEM : 0;
	}
	for (i = 0; i < RTE_DIM(vhostzc_uint_args); i++) {
		const struct vhostzc_uint_arg *u = &vhostzc_uint_args[i];
		unsigned long v;
		char *end;

		if (strcmp(key, u->key) != 0)
			continue;
		errno = 0;
		v = value != NULL ? strtoul(value, &end, 0) : 0;
		if (value == NULL || value[0] == '\0' || value[0] == '-' ||
		    *end != '\0' || errno != 0 || v < u->min || v > u->max) {
			VHOSTZC_LOG(ERR, "devarg '%s=%s': expected an integer in [%u, %u]",
				    key, value != NULL ? value : "", u->min,
				    u->max);
			return -EINVAL;
		}
		*(uint32_t *)((uint8_t *)a + u->off) = (uint32_t)v;
		return 0;
	}
	VHOSTZC_LOG(ERR, "unknown devarg '%s'; allowed: %s", key, VHOSTZC_PARAMS);
	return -EINVAL;
}

static int
parse_args(const char *params, struct vhostzc_args *a)
{
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	*a = (struct vhostzc_args){
		.queues = 1,
		.zc = 1,
		.zc_min_len = VHOSTZC_DEFAULT_ZC_MIN_LEN,
		.zc_freeze_kb = VHOSTZC_DEFAULT_FREEZE_KB,
	};
	if (params == NULL || params[0] == '\0') {
		VHOSTZC_LOG(ERR, "devarg '%s' is required; allowed: %s",
			    VHOSTZC_ARG_IFACE, VHOSTZC_PARAMS);
		return -EINVAL;
	}
	kv = rte_kvargs_parse(params, NULL);
	if (kv == NULL) {
		VHOSTZC_LOG(ERR, "cannot parse devargs '%s'; allowed: %s",
			    params, VHOSTZC_PARAMS);
		return -EINVAL;
	}
	for (i = 0; i < kv->count && ret == 0; i++)
		ret = parse_one(kv->pairs[i].key, kv->pairs[i].value, a);
	rte_kvargs_free(kv);
	if (ret == 0 && a->iface == NULL) {
		VHOSTZC_LOG(ERR, "devarg '%s' is required; allowed: %s",
			    VHOSTZC_ARG_IFACE, VHOSTZC_PARAMS);
		ret = -EINVAL;
	}
	if (ret != 0) {
		free(a->iface);
		a->iface = NULL;
	}
	return ret;
}

/*
 * Nothing to negotiate at configure time: offload choices are applied to the
 * queues at start, once they exist; ethdev has already checked the counts.
 */
static int
vhostzc_dev_configure(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

static void
apply_offloads(struct rte_eth_dev *dev)
{
	const struct vhostzc_internal *in = dev->data->dev_private;
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhostzc_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		q->sw_csum = (conf->rxmode.offloads &
			      (RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) == 0;
		q->vlan_strip = (conf->rxmode.offloads &
				 RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0;
		/*
		 * By default a lent packet is one extbuf segment: every
		 * application takes it (Open vSwitch even enables scatter for
		 * jumbo frames yet cannot handle chains). zc-head=1 asks for
		 * a host-owned head plus guest segments, which only an
		 * application that enabled RX scatter may be given.
		 */
		q->linear = !in->zc.head ||
			(conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER) == 0;
		if (in->zc.head && q->linear && i == 0)
			VHOSTZC_LOG(WARNING, "port %u: zc-head=1 needs RX scatter; "
				    "lending single segments", in->port_id);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vhostzc_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		q->vlan_insert = (conf->txmode.offloads &
				  RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
		q->rxq = i < dev->data->nb_rx_queues ?
			dev->data->rx_queues[i] : NULL;
	}
}

static int
vhostzc_dev_start(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	uint16_t i;

	apply_offloads(dev);
	pthread_mutex_lock(&in->ctl);
	in->started = true;
	vhostzc_queues_sync(in);
	vhostzc_txqs_update(in);
	pthread_mutex_unlock(&in->ctl);

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

/*
 * Stop keeps the rings' lending state: descriptors lent before the stop go
 * back to the guest when their mbufs are freed and the port runs again, or
 * at the ring's GET_VRING_BASE, whichever comes first.
 */
static int
vhostzc_dev_stop(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	uint16_t i;

	pthread_mutex_lock(&in->ctl);
	in->started = false;
	vhostzc_queues_detach_all(in, false);
	vhostzc_txqs_update(in);
	pthread_mutex_unlock(&in->ctl);
	/* Not under in->ctl: a burst may be waiting on the vhost thread. */
	vhostzc_txqs_quiesce(in);

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static void
rxq_free(struct vhostzc_rxq *q)
{
	/* Lent mbufs keep the lender and the mapping alive on their own. */
	if (q->lender != NULL)
		vhostzc_lender_orphan(q->lender);
	if (q->mem != NULL)
		vhostzc_memgen_put(q->mem);
	rte_free(q);
}

/* in->ctl held. */
static void
rxq_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vhostzc_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return;
	vhostzc_rxq_release_ring(dev->data->dev_private, q);
	dev->data->rx_queues[qid] = NULL;
	/* The same-index transmit queue does its housekeeping no more. */
	if (qid < dev->data->nb_tx_queues && dev->data->tx_queues[qid] != NULL)
		((struct vhostzc_txq *)dev->data->tx_queues[qid])->rxq = NULL;
	rxq_free(q);
}

static void
vhostzc_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vhostzc_internal *in = dev->data->dev_private;

	pthread_mutex_lock(&in->ctl);
	rxq_release(dev, qid);
	pthread_mutex_unlock(&in->ctl);
}

static void
vhostzc_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

static int
vhostzc_dev_close(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	uint16_t i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (in->started)
		vhostzc_dev_stop(dev);
	/* Unregistering runs destroy_device if a front-end is attached. */
	vhostzc_vhost_unregister(in);

	pthread_mutex_lock(&in->ctl);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		rxq_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		vhostzc_tx_queue_release(dev, i);
	if (in->mem != NULL) {
		vhostzc_memgen_put(in->mem);
		in->mem = NULL;
	}
	pthread_mutex_unlock(&in->ctl);
	pthread_mutex_destroy(&in->ctl);
	/* Free now what the reaper would free at its next tick. */
	vhostzc_reap_orphans();
	free(in->iface);
	in->iface = NULL;
	return 0;
}

static int
vhostzc_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		       uint16_t nb_desc __rte_unused, unsigned int socket,
		       const struct rte_eth_rxconf *conf __rte_unused,
		       struct rte_mempool *mp)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	uint32_t room = rte_pktmbuf_data_room_size(mp);
	struct vhostzc_rxq *q;

	if (room < RTE_PKTMBUF_HEADROOM + VHOSTZC_ZC_HEAD_LEN) {
		VHOSTZC_LOG(ERR, "port %u rxq %u: mbuf data room %u too small (need %u)",
			    in->port_id, qid, room,
			    RTE_PKTMBUF_HEADROOM + VHOSTZC_ZC_HEAD_LEN);
		return -EINVAL;
	}
	pthread_mutex_lock(&in->ctl);
	rxq_release(dev, qid);
	q = rte_zmalloc_socket("vhostzc_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL) {
		pthread_mutex_unlock(&in->ctl);
		return -ENOMEM;
	}
	rte_spinlock_init(&q->lock);
	q->mp = mp;
	/*
	 * An mbuf of a pool with pinned external buffers cannot be attached
	 * to guest memory: its detach path (22.11 and later) skips the
	 * extbuf free callback, so the descriptor would never go back and
	 * the mbuf would return to its pool pointing into the guest. Such
	 * queues copy.
	 */
	q->pinned_pool = (rte_pktmbuf_priv_flags(mp) &
			  RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) != 0;
	if (q->pinned_pool && in->zc.enabled)
		VHOSTZC_LOG(NOTICE, "port %u rxq %u: mempool %s has pinned "
			    "external buffers: zero-copy off on this queue",
			    in->port_id, qid, mp->name);
	q->data_room = room - RTE_PKTMBUF_HEADROOM;
	q->internal = in;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	q->vring_idx = qid * 2 + 1;
	q->callfd = -1;
	q->logged_mode = -1;
	dev->data->rx_queues[qid] = q;
	pthread_mutex_unlock(&in->ctl);
	return 0;
}

static int
vhostzc_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		       uint16_t nb_desc __rte_unused, unsigned int socket,
		       const struct rte_eth_txconf *conf __rte_unused)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	struct vhostzc_txq *q;

	pthread_mutex_lock(&in->ctl);
	vhostzc_tx_queue_release(dev, qid);
	q = rte_zmalloc_socket("vhostzc_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL) {
		pthread_mutex_unlock(&in->ctl);
		return -ENOMEM;
	}
	rte_spinlock_init(&q->lock);
	q->internal = in;
	q->queue_id = qid;
	q->vring_idx = qid * 2;
	q->vid = -1;
	dev->data->tx_queues[qid] = q;
	pthread_mutex_unlock(&in->ctl);
	return 0;
}

static int
vhostzc_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vhostzc_internal *in = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = VZC_MAX_PKT_LEN;
	info->max_rx_queues = in->max_queues;
	info->max_tx_queues = in->max_queues;
	info->min_rx_bufsize = RTE_PKTMBUF_HEADROOM + VHOSTZC_ZC_HEAD_LEN;
	info->rx_desc_lim.nb_max = VZC_RING_MAX_SIZE;
	info->tx_desc_lim.nb_max = VZC_RING_MAX_SIZE;
	/* Zero-copy packets are always chains: a host head and guest pages. */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER |
		RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		RTE_ETH_TX_OFFLOAD_VLAN_INSERT | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	if (in->tso)
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	return 0;
}

static int
vhostzc_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};

	pthread_mutex_lock(&in->ctl);
	link.link_status = in->running ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	pthread_mutex_unlock(&in->ctl);
	return rte_eth_linkstatus_set(dev, &link);
}

/*
 * Queue counters are written by the datapath alone, never reset under
 * it (a reset racing `+=` on another lcore would be lost): a reset takes
 * a baseline, and every reader shows the count since. One relaxed 64-bit
 * load per counter: each value is whole, the set need not be coherent.
 */
static inline uint64_t
counter(const void *stats, const void *base, size_t off)
{
	return __atomic_load_n((const uint64_t *)((const uint8_t *)stats + off),
			       __ATOMIC_RELAXED) -
		*(const uint64_t *)((const uint8_t *)base + off);
}

#define RXQ_COUNT(q, field) counter(&(q)->stats, &(q)->stats_base, \
	offsetof(struct vhostzc_rxq_stats, field))
#define TXQ_COUNT(q, field) counter(&(q)->stats, &(q)->stats_base, \
	offsetof(struct vhostzc_txq_stats, field))

static void
counters_baseline(void *base, const void *stats, size_t size)
{
	size_t off;

	for (off = 0; off + sizeof(uint64_t) <= size; off += sizeof(uint64_t))
		*(uint64_t *)((uint8_t *)base + off) = __atomic_load_n(
			(const uint64_t *)((const uint8_t *)stats + off),
			__ATOMIC_RELAXED);
}

static int
vhostzc_stats_get(VZC_STATS_GET_ARGS)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct vhostzc_rxq *q = dev->data->rx_queues[i];
		uint64_t pkts, bytes, bad;

		if (q == NULL)
			continue;
		pkts = RXQ_COUNT(q, pkts);
		bytes = RXQ_COUNT(q, bytes);
		bad = RXQ_COUNT(q, bad_desc);
		stats->ipackets += pkts;
		stats->ibytes += bytes;
		stats->ierrors += bad;
		stats->rx_nombuf += RXQ_COUNT(q, nombuf);
		if (VZC_QSTATS != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			VZC_QSTATS->q_ipackets[i] += pkts;
			VZC_QSTATS->q_ibytes[i] += bytes;
			VZC_QSTATS->q_errors[i] += bad;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct vhostzc_txq *q = dev->data->tx_queues[i];
		uint64_t pkts, bytes;

		if (q == NULL)
			continue;
		pkts = TXQ_COUNT(q, pkts);
		bytes = TXQ_COUNT(q, bytes);
		stats->opackets += pkts;
		stats->obytes += bytes;
		stats->oerrors += TXQ_COUNT(q, errors);
		if (VZC_QSTATS != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			VZC_QSTATS->q_opackets[i] += pkts;
			VZC_QSTATS->q_obytes[i] += bytes;
		}
	}
	return 0;
}

static int
vhostzc_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;

	RTE_BUILD_BUG_ON(sizeof(struct vhostzc_rxq_stats) % sizeof(uint64_t));
	RTE_BUILD_BUG_ON(sizeof(struct vhostzc_txq_stats) % sizeof(uint64_t));
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vhostzc_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			counters_baseline(&q->stats_base, &q->stats,
					  sizeof(q->stats));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vhostzc_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			counters_baseline(&q->stats_base, &q->stats,
					  sizeof(q->stats));
	}
	return 0;
}

static int
vhostzc_xstats_reset(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;

	pthread_mutex_lock(&in->ctl);
	in->connects = 0;
	in->mem_updates = 0;
	in->msg_refused = 0;
	in->mem_faults = 0;
	pthread_mutex_unlock(&in->ctl);
	return vhostzc_stats_reset(dev);
}

/* Per-queue receive counters exposed as xstats, summed for the port too. */
enum vhostzc_xstat_kind {
	VHOSTZC_XS_COUNTER,	/* uint64_t at off in struct vhostzc_rxq_stats */
	VHOSTZC_XS_LENT,	/* chains lent now */
	VHOSTZC_XS_MODE,	/* 1 while the queue lends in IOVA mode off */
	VHOSTZC_XS_BROKEN,	/* 1 while the guest's ring is broken */
};

struct vhostzc_xstat {
	const char *name;
	enum vhostzc_xstat_kind kind;
	size_t off;
};

#define VZC_XS(n, field) \
	{ n, VHOSTZC_XS_COUNTER, offsetof(struct vhostzc_rxq_stats, field) }
#define VZC_XS_COPY(n, reason) \
	{ n, VHOSTZC_XS_COUNTER, offsetof(struct vhostzc_rxq_stats, copy) + \
	  sizeof(uint64_t) * (reason) }

static const struct vhostzc_xstat vhostzc_rx_xstats[] = {
	VZC_XS("zc_packets", zc_pkts),
	VZC_XS("copied_packets", copied_pkts),
	{ "desc_lent_now", VHOSTZC_XS_LENT, 0 },
	VZC_XS("desc_returned", returned),
	VZC_XS("bad_desc", bad_desc),
	{ "ring_broken", VHOSTZC_XS_BROKEN, 0 },
	VZC_XS_COPY("copy_short", VHOSTZC_COPY_SHORT),
	VZC_XS_COPY("copy_cap_reached", VHOSTZC_COPY_CAP),
	VZC_XS_COPY("copy_unmappable", VHOSTZC_COPY_OFF),
	VZC_XS_COPY("copy_no_iova", VHOSTZC_COPY_NO_IOVA),
	VZC_XS_COPY("copy_iova_split", VHOSTZC_COPY_IOVA_SPLIT),
	VZC_XS_COPY("copy_ring_low", VHOSTZC_COPY_RING_LOW),
	VZC_XS_COPY("copy_rewrite", VHOSTZC_COPY_REWRITE),
	VZC_XS_COPY("copy_layout", VHOSTZC_COPY_LAYOUT),
	VZC_XS("desc_returned_at_stop", reclaimed_at_stop),
	VZC_XS("snapshot_failed", snapshot_failed),
	VZC_XS("freeze_over_budget", freeze_over_budget),
	VZC_XS("guest_notifications", notify),
	VZC_XS("used_writes_logged", logged),
	{ "lend_iova_va", VHOSTZC_XS_MODE, VHOSTZC_IOVA_VA },
	{ "lend_iova_va_dma", VHOSTZC_XS_MODE, VHOSTZC_IOVA_VA_DMA },
	{ "lend_iova_pa", VHOSTZC_XS_MODE, VHOSTZC_IOVA_PA },
};

#define VHOSTZC_NB_RX_XSTATS RTE_DIM(vhostzc_rx_xstats)

static uint64_t
rx_xstat_value(const struct vhostzc_rxq *q, const struct vhostzc_xstat *x)
{
	switch (x->kind) {
	case VHOSTZC_XS_LENT:
		return q->lent;
	case VHOSTZC_XS_MODE:
		return q->ready && q->zc && q->lend_mode == x->off;
	case VHOSTZC_XS_BROKEN:
		return q->ready && q->ring_broken;
	default:
		return counter(&q->stats, &q->stats_base, x->off);
	}
}

/* Port-level counters, kept by the control path. */
static const struct {
	const char *name;
	size_t off;	/* in struct vhostzc_internal */
} vhostzc_port_xstats[] = {
	{ "vhost_connects", offsetof(struct vhostzc_internal, connects) },
	{ "vhost_mem_table_updates",
	  offsetof(struct vhostzc_internal, mem_updates) },
	{ "vhost_msg_refused", offsetof(struct vhostzc_internal, msg_refused) },
	{ "vhost_mem_faults", offsetof(struct vhostzc_internal, mem_faults) },
};

#define VHOSTZC_NB_PORT_XSTATS RTE_DIM(vhostzc_port_xstats)

static unsigned int
vhostzc_nb_xstats(struct rte_eth_dev *dev)
{
	return VHOSTZC_NB_PORT_XSTATS +
		VHOSTZC_NB_RX_XSTATS * (1 + dev->data->nb_rx_queues);
}

static int
vhostzc_xstats_get_names(struct rte_eth_dev *dev,
			 struct rte_eth_xstat_name *names, unsigned int limit)
{
	unsigned int n = vhostzc_nb_xstats(dev), k = 0, i;
	uint16_t qid;

	if (names == NULL || limit < n)
		return n;
	for (i = 0; i < VHOSTZC_NB_PORT_XSTATS; i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s",
			 vhostzc_port_xstats[i].name);
	for (i = 0; i < VHOSTZC_NB_RX_XSTATS; i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_%s",
			 vhostzc_rx_xstats[i].name);
	for (qid = 0; qid < dev->data->nb_rx_queues; qid++)
		for (i = 0; i < VHOSTZC_NB_RX_XSTATS; i++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE,
				 "rx_q%u_%s", qid, vhostzc_rx_xstats[i].name);
	return n;
}

static int
vhostzc_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		   unsigned int limit)
{
	const struct vhostzc_internal *in = dev->data->dev_private;
	unsigned int n = vhostzc_nb_xstats(dev), k, i;
	struct rte_eth_xstat *rx = xs + VHOSTZC_NB_PORT_XSTATS;
	uint16_t qid;

	if (xs == NULL || limit < n)
		return n;
	for (k = 0; k < n; k++) {
		xs[k].id = k;
		xs[k].value = 0;
	}
	for (i = 0; i < VHOSTZC_NB_PORT_XSTATS; i++)
		xs[i].value = *(const uint64_t *)((const uint8_t *)in +
						 vhostzc_port_xstats[i].off);
	for (qid = 0; qid < dev->data->nb_rx_queues; qid++) {
		const struct vhostzc_rxq *q = dev->data->rx_queues[qid];

		if (q == NULL)
			continue;
		for (i = 0; i < VHOSTZC_NB_RX_XSTATS; i++) {
			uint64_t v = rx_xstat_value(q, &vhostzc_rx_xstats[i]);

			rx[i].value += v;
			rx[VHOSTZC_NB_RX_XSTATS * (1 + qid) + i].value = v;
		}
	}
	return n;
}

static const struct eth_dev_ops vhostzc_ops = {
	.dev_configure = vhostzc_dev_configure,
	.dev_start = vhostzc_dev_start,
	.dev_stop = vhostzc_dev_stop,
	.dev_close = vhostzc_dev_close,
	.dev_infos_get = vhostzc_dev_infos_get,
	.rx_queue_setup = vhostzc_rx_queue_setup,
	.tx_queue_setup = vhostzc_tx_queue_setup,
	.rx_queue_release = vhostzc_rx_queue_release,
	.tx_queue_release = vhostzc_tx_queue_release,
	.link_update = vhostzc_link_update,
	.stats_get = vhostzc_stats_get,
	.stats_reset = vhostzc_stats_reset,
	.xstats_get = vhostzc_xstats_get,
	.xstats_get_names = vhostzc_xstats_get_names,
	.xstats_reset = vhostzc_xstats_reset,
};

static int
vhostzc_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct vhostzc_internal *in;
	struct rte_eth_dev *dev;
	struct rte_ether_addr *mac;
	struct vhostzc_args a;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VHOSTZC_LOG(ERR, "%s: secondary processes are not supported",
			    name);
		return -ENOTSUP;
	}
	ret = parse_args(rte_vdev_device_args(vdev), &a);
	if (ret != 0)
		return ret;

	dev = rte_eth_vdev_allocate(vdev, sizeof(*in));
	if (dev == NULL) {
		ret = -ENOMEM;
		goto fail_args;
	}
	mac = rte_zmalloc_socket(name, sizeof(*mac), 0, rte_socket_id());
	if (mac == NULL) {
		ret = -ENOMEM;
		goto fail_dev;
	}
	*mac = vhostzc_base_mac;
	mac->addr_bytes[5] = (uint8_t)dev->data->port_id;
	dev->data->mac_addrs = mac;

	in = dev->data->dev_private;
	in->iface = a.iface;
	in->max_queues = (uint16_t)a.queues;
	in->tso = a.tso != 0;
	in->zc.enabled = a.zc != 0;
	in->zc.min_len = a.zc_min_len;
	in->zc.max_lent = a.zc_max_lent;
	in->zc.head = a.zc_head != 0;
	in->zc.freeze_budget = (uint64_t)a.zc_freeze_kb << 10;
	in->vid = -1;
	in->port_id = dev->data->port_id;
	in->eth_dev = dev;
	in->vhost_flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	if (a.client != 0)
		in->vhost_flags |= RTE_VHOST_USER_CLIENT;
	pthread_mutex_init(&in->ctl, NULL);

	dev->dev_ops = &vhostzc_ops;
	dev->rx_pkt_burst = vhostzc_rx_burst;
	dev->tx_pkt_burst = vhostzc_tx_burst;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
		RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;

	ret = vhostzc_vhost_register(in);
	if (ret != 0) {
		VHOSTZC_LOG(ERR, "%s: cannot create vhost-user socket %s",
			    name, a.iface);
		goto fail_mutex;
	}
	rte_eth_dev_probing_finish(dev);
	VHOSTZC_LOG(INFO, "%s: port %u on %s (%s), zero-copy %s, min %u B",
		    name, in->port_id, in->iface,
		    a.client != 0 ? "client" : "server",
		    in->zc.enabled ? "on" : "off", in->zc.min_len);
	return 0;

fail_mutex:
	pthread_mutex_destroy(&in->ctl);
	in->iface = NULL;
fail_dev:
	/* Frees dev_private and mac_addrs. */
	rte_eth_dev_release_port(dev);
fail_args:
	free(a.iface);
	return ret;
}

static int
vhostzc_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;
	vhostzc_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver vhostzc_drv = {
	.probe = vhostzc_probe,
	.remove = vhostzc_remove,
};

RTE_PMD_REGISTER_VDEV(net_vhostzc, vhostzc_drv);
RTE_PMD_REGISTER_ALIAS(net_vhostzc, eth_vhostzc);
RTE_PMD_REGISTER_PARAM_STRING(net_vhostzc, VHOSTZC_PARAMS);

/*
 * The vdev bus gives a device name to the first registered driver whose
 * name is a prefix of it, so a net_vhost registered before us would take
 * "net_vhostzc0". Right after our own registration (this constructor is
 * defined after it, same priority) we are the list's tail: re-register
 * every earlier driver whose name is a strict prefix of ours, in their
 * order, so that they move behind us. A second copy of this driver (an
 * installed one next to a -d build) keeps the order EAL loaded them in.
 */
RTE_INIT(vhostzc_claim_name)
{
	/* As many as the walk of older releases visits at most. */
	struct rte_vdev_driver *before[1024];
	const char *me = vhostzc_drv.driver.name;
	unsigned int n, i;

	if (me == NULL)
		return;
	n = vzc_vdev_drivers_before(&vhostzc_drv, before, RTE_DIM(before));
	for (i = 0; i < n; i++) {
		const char *name = before[i]->driver.name;

		if (name != NULL && strcmp(name, me) != 0 &&
		    strncmp(name, me, strlen(name)) == 0) {
			rte_vdev_unregister(before[i]);
			rte_vdev_register(before[i]);
		}
	}
}
