/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * ethdev glue: basic stats and the table-driven xstats. Counters are read
 * here from any process (a secondary such as dpdk-proc-info included) and
 * reset by baseline, so nothing here writes what the datapath writes.
 */

#include <stdio.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>

#include "vhostzc_ethdev.h"

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

int
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

int
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

int
vhostzc_xstats_reset(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;

	RTE_BUILD_BUG_ON(sizeof(struct vhostzc_port_stats) % sizeof(uint64_t));
	counters_baseline(&in->stats_base, &in->stats, sizeof(in->stats));
	return vhostzc_stats_reset(dev);
}

/* Per-queue receive counters exposed as xstats, summed for the port too. */
enum vhostzc_xstat_kind {
	VHOSTZC_XS_COUNTER,	/* uint64_t at off in struct vhostzc_rxq_stats */
	VHOSTZC_XS_LENT,	/* chains lent now */
	VHOSTZC_XS_MODE,	/* 1 while the queue lends in IOVA mode off */
	VHOSTZC_XS_BROKEN,	/* 1 while the guest's ring is broken */
	VHOSTZC_XS_PACKED,	/* 1 if the queue's last ring was packed */
	VHOSTZC_XS_IN_ORDER,	/* 1 if the queue's last ring was IN_ORDER */
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
	{ "ring_packed", VHOSTZC_XS_PACKED, 0 },
	{ "ring_in_order", VHOSTZC_XS_IN_ORDER, 0 },
	VZC_XS_COPY("copy_short", VHOSTZC_COPY_SHORT),
	VZC_XS_COPY("copy_cap_reached", VHOSTZC_COPY_CAP),
	VZC_XS_COPY("copy_unmappable", VHOSTZC_COPY_OFF),
	VZC_XS_COPY("copy_no_iova", VHOSTZC_COPY_NO_IOVA),
	VZC_XS_COPY("copy_iova_split", VHOSTZC_COPY_IOVA_SPLIT),
	VZC_XS_COPY("copy_ring_low", VHOSTZC_COPY_RING_LOW),
	VZC_XS_COPY("copy_rewrite", VHOSTZC_COPY_REWRITE),
	VZC_XS_COPY("copy_layout", VHOSTZC_COPY_LAYOUT),
	VZC_XS_COPY("copy_frozen", VHOSTZC_COPY_FROZEN),
	VZC_XS_COPY("copy_held", VHOSTZC_COPY_HELD),
	VZC_XS("desc_returned_at_stop", reclaimed_at_stop),
	VZC_XS("desc_returned_early", returned_early),
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
	case VHOSTZC_XS_PACKED:
		return q->vr.packed;
	case VHOSTZC_XS_IN_ORDER:
		return q->in_order;
	default:
		return counter(&q->stats, &q->stats_base, x->off);
	}
}

/* Port-level counters, kept by the control path. */
static const struct {
	const char *name;
	size_t off;	/* in struct vhostzc_port_stats */
} vhostzc_port_xstats[] = {
	{ "vhost_connects", offsetof(struct vhostzc_port_stats, connects) },
	{ "vhost_mem_table_updates",
	  offsetof(struct vhostzc_port_stats, mem_updates) },
	{ "vhost_msg_refused", offsetof(struct vhostzc_port_stats, msg_refused) },
	{ "vhost_mem_faults", offsetof(struct vhostzc_port_stats, mem_faults) },
};

#define VHOSTZC_NB_PORT_XSTATS RTE_DIM(vhostzc_port_xstats)

static unsigned int
vhostzc_nb_xstats(struct rte_eth_dev *dev)
{
	return VHOSTZC_NB_PORT_XSTATS +
		VHOSTZC_NB_RX_XSTATS * (1 + dev->data->nb_rx_queues);
}

int
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

int
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
		xs[i].value = counter(&in->stats, &in->stats_base,
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

