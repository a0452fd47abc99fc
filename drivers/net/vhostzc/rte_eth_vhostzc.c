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
#include <sys/epoll.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_bus_vdev.h>
#include <bus_vdev_driver.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "rte_pmd_vhostzc.h"
#include "vhostzc_ethdev.h"

#define VHOSTZC_ARG_IFACE	"iface"

/*
 * The one list of integer devargs: key, what the help string shows,
 * field, range. The parse table, the help string in every error line,
 * RTE_PMD_REGISTER_PARAM_STRING and the PMD_INFO_STRING that
 * dpdk-pmdinfo.py reads are all made from it.
 */
#define VHOSTZC_UINT_ARGS(X) \
	X("queues", "<1-128>", queues, 1, VHOSTZC_MAX_QUEUES) \
	X("client", "<0|1>", client, 0, 1) \
	X("tso", "<0|1>", tso, 0, 1) \
	X("packed_vq", "<0|1>", packed_vq, 0, 1) \
	X("in_order", "<0|1>", in_order, 0, 1) \
	X("iommu-support", "<0>", iommu, 0, 0) \
	X("postcopy-support", "<0>", postcopy, 0, 0) \
	X("zero-copy", "<0|1>", zc, 0, 1) \
	X("zc-min-len", "<0-65535>", zc_min_len, 0, UINT16_MAX) \
	X("zc-max-lent", "<0-32768>", zc_max_lent, 0, VZC_RING_MAX_SIZE) \
	X("zc-head", "<0|1>", zc_head, 0, 1) \
	X("zc-freeze-budget", "<KiB>", zc_freeze_kb, 0, 16u << 20) \
	X("zc-hold-us", "<1-1000000>", zc_hold_us, 1, VHOSTZC_MAX_PAUSE_US)

#define VZC_ARG_HELP(key, help, field, min, max) " " key "=" help
#define VHOSTZC_PARAMS \
	VHOSTZC_ARG_IFACE "=<path>" VHOSTZC_UINT_ARGS(VZC_ARG_HELP)

struct vhostzc_args {
	char *iface;
#define VZC_ARG_FIELD(key, help, field, min, max) uint32_t field;
	VHOSTZC_UINT_ARGS(VZC_ARG_FIELD)
};

struct vhostzc_uint_arg {
	const char *key;
	size_t off;
	uint32_t min;
	uint32_t max;
};

#define VZC_ARG_ENTRY(key, help, field, min, max) \
	{ key, offsetof(struct vhostzc_args, field), min, max },
static const struct vhostzc_uint_arg vhostzc_uint_args[] = {
	VHOSTZC_UINT_ARGS(VZC_ARG_ENTRY)
};

/*
 * What DPDK's build-time pmdinfogen embeds in in-tree drivers (and
 * Debian does not ship), made here from the same list: dpdk-pmdinfo.py
 * on the installed plugin prints the driver's name and devargs.
 */
const char net_vhostzc_pmd_info[] __rte_used =
	"PMD_INFO_STRING= {\"name\": \"net_vhostzc\", \"params\": \""
	VHOSTZC_PARAMS "\", \"pci_ids\": []}";

static const struct eth_dev_ops vhostzc_ops;

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
		.zc_hold_us = VHOSTZC_DEFAULT_HOLD_US,
		.packed_vq = 1,
		.in_order = 1,
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

/*
 * Rx interrupts: one eventfd per rx queue, the guest's kick eventfd of the
 * ring behind it, set up when the application asked for rx interrupts
 * (intr_conf.rxq) and kept current as front-ends come and go. An
 * application already waiting on an old fd is moved to the new one.
 */
static int
intr_install(struct rte_eth_dev *dev)
{
	uint16_t nb = dev->data->nb_rx_queues, i;
	struct rte_intr_handle *h;

	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL)
		return -ENOMEM;
	if (rte_intr_efd_counter_size_set(h, sizeof(uint64_t)) != 0 ||
	    rte_intr_vec_list_alloc(h, NULL, nb) != 0)
		goto fail;
	for (i = 0; i < nb; i++)
		if (rte_intr_vec_list_index_set(h, i,
				RTE_INTR_VEC_RXTX_OFFSET + i) != 0 ||
		    rte_intr_efds_index_set(h, i, -1) != 0)
			goto fail;
	if (rte_intr_nb_efd_set(h, nb) != 0 ||
	    rte_intr_max_intr_set(h, nb + 1) != 0 ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) != 0)
		goto fail;
	dev->intr_handle = h;
	return 0;
fail:
	rte_intr_vec_list_free(h);
	rte_intr_instance_free(h);
	return -ENOMEM;
}

static void
intr_free(struct rte_eth_dev *dev)
{
	if (dev->intr_handle == NULL)
		return;
	rte_intr_vec_list_free(dev->intr_handle);
	rte_intr_instance_free(dev->intr_handle);
	dev->intr_handle = NULL;
}

static int
vhostzc_dev_start(struct rte_eth_dev *dev)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	uint16_t i;

	apply_offloads(dev);
	if (dev->data->dev_conf.intr_conf.rxq != 0 && dev->intr_handle == NULL &&
	    intr_install(dev) != 0) {
		VHOSTZC_LOG(ERR, "port %u: cannot set up rx interrupts",
			    in->port_id);
		return -ENOMEM;
	}
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
	intr_free(dev);
	/* Free now what the reaper would free at its next tick. */
	vhostzc_reap_orphans();
	free(in->iface);
	in->iface = NULL;
	return 0;
}

static int
vhostzc_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		       uint16_t nb_desc, unsigned int socket,
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
	q->kickfd = -1;
	q->nb_desc = nb_desc;
	q->logged_mode = -1;
	dev->data->rx_queues[qid] = q;
	pthread_mutex_unlock(&in->ctl);
	return 0;
}

static int
vhostzc_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		       uint16_t nb_desc, unsigned int socket,
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
	q->nb_desc = nb_desc;
	dev->data->tx_queues[qid] = q;
	pthread_mutex_unlock(&in->ctl);
	return 0;
}

static int
vhostzc_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vhostzc_internal *in = dev->data->dev_private;

	info->max_mac_addrs = 1;
	/* The largest chain we take, less its virtio-net header. */
	info->max_rx_pktlen = VZC_MAX_PKT_LEN - sizeof(struct virtio_net_hdr_mrg_rxbuf);
	info->min_mtu = RTE_ETHER_MIN_MTU;
	/* A guest with VIRTIO_NET_F_MTU sends no more than its MTU. */
	info->max_mtu = in->guest_mtu != 0 ? in->guest_mtu : UINT16_MAX;
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
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	info->default_rxportconf.ring_size = 256;
	info->default_txportconf.ring_size = 256;
	return 0;
}

/*
 * Any MTU the port can receive, within the guest's own when it has one
 * (VIRTIO_NET_F_MTU; the guest then sends no larger frame). Nothing to
 * program: frames of any size up to max_rx_pktlen are received, in as
 * many mbufs as they need.
 */
static int
vhostzc_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct vhostzc_internal *in = dev->data->dev_private;
	int ret = 0;

	pthread_mutex_lock(&in->ctl);
	if (in->guest_mtu != 0 && mtu > in->guest_mtu) {
		VHOSTZC_LOG(ERR, "port %u: MTU %u above the guest's %u",
			    in->port_id, mtu, in->guest_mtu);
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&in->ctl);
	return ret;
}

/* A vhost port receives every frame the guest sends: nothing to filter. */
static int
vhostzc_promisc_noop(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

static int
vhostzc_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	return vhostzc_rxq_intr(dev->data->rx_queues[qid], true);
}

static int
vhostzc_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	return vhostzc_rxq_intr(dev->data->rx_queues[qid], false);
}

static int
vhostzc_get_monitor_addr(void *rxq, struct rte_power_monitor_cond *pmc)
{
	return vhostzc_rxq_monitor_addr(rxq, pmc);
}

static void
vhostzc_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		     struct rte_eth_rxq_info *qinfo)
{
	const struct vhostzc_rxq *q = dev->data->rx_queues[qid];

	qinfo->mp = q->mp;
	qinfo->scattered_rx = !q->linear;
	qinfo->nb_desc = q->nb_desc;
	qinfo->rx_buf_size = q->data_room;
	qinfo->conf.offloads = dev->data->dev_conf.rxmode.offloads;
}

static void
vhostzc_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		     struct rte_eth_txq_info *qinfo)
{
	const struct vhostzc_txq *q = dev->data->tx_queues[qid];

	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.offloads = dev->data->dev_conf.txmode.offloads;
}

/*
 * Transmit holds no mbuf (the library copies into the guest and we free
 * at once); what "done" can mean here is the receive side of the same
 * queue pair: descriptors the application freed go back to the guest.
 */
static int
vhostzc_tx_done_cleanup(void *txq, uint32_t free_cnt __rte_unused)
{
	vhostzc_txq_housekeeping(txq);
	return 0;
}

void
vhostzc_intr_sync(struct vhostzc_internal *in)
{
	struct rte_eth_dev *dev = in->eth_dev;
	struct rte_intr_handle *h = dev->intr_handle;
	uint16_t i;

	if (h == NULL)
		return;
	for (i = 0; i < dev->data->nb_rx_queues &&
	     i < rte_intr_nb_efd_get(h); i++) {
		const struct vhostzc_rxq *q = dev->data->rx_queues[i];
		int fd = q != NULL && q->ready ? q->kickfd : -1;
		struct rte_epoll_event *ev;
		struct rte_epoll_event rev;

		if (rte_intr_efds_index_get(h, i) == fd)
			continue;
		rte_intr_efds_index_set(h, i, fd);
		ev = rte_intr_elist_index_get(h, i);
		if (ev == NULL || ev->status == RTE_EPOLL_INVALID || fd < 0)
			continue;
		/* The application sleeps on the old fd: move it. */
		rev = *ev;
		rte_epoll_ctl(rev.epfd, EPOLL_CTL_DEL, rev.fd, ev);
		rev.fd = fd;
		if (rte_intr_elist_index_set(h, i, rev) != 0 ||
		    rte_epoll_ctl(rev.epfd, EPOLL_CTL_ADD, fd,
				  rte_intr_elist_index_get(h, i)) != 0)
			VHOSTZC_LOG(ERR, "port %u rxq %u: cannot move the rx "
				    "interrupt to the new kick fd", in->port_id, i);
	}
}

int
rte_pmd_vhostzc_get_queue_event(uint16_t port_id,
				struct rte_pmd_vhostzc_queue_event *event)
{
	struct vhostzc_internal *in;
	struct rte_eth_dev *dev;
	uint32_t i;
	int ret = -EAGAIN;

	if (event == NULL)
		return -EINVAL;
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &vhostzc_ops)
		return -ENOTSUP;
	in = dev->data->dev_private;
	pthread_mutex_lock(&in->ctl);
	for (i = 0; i < 2u * in->max_queues; i++) {
		if (in->vring_seen[i] == in->vring_enabled[i])
			continue;
		in->vring_seen[i] = in->vring_enabled[i];
		event->queue_id = (uint16_t)(i / 2);
		event->rx = (i & 1) != 0;
		event->enable = in->vring_enabled[i];
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&in->ctl);
	return ret;
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
	.mtu_set = vhostzc_mtu_set,
	.promiscuous_enable = vhostzc_promisc_noop,
	.promiscuous_disable = vhostzc_promisc_noop,
	.allmulticast_enable = vhostzc_promisc_noop,
	.allmulticast_disable = vhostzc_promisc_noop,
	.rx_queue_intr_enable = vhostzc_rx_intr_enable,
	.rx_queue_intr_disable = vhostzc_rx_intr_disable,
	.get_monitor_addr = vhostzc_get_monitor_addr,
	.rxq_info_get = vhostzc_rxq_info_get,
	.txq_info_get = vhostzc_txq_info_get,
	.tx_done_cleanup = vhostzc_tx_done_cleanup,
};

/*
 * A secondary process (dpdk-proc-info, dpdk-pdump, dpdk-dumpcap) sees the
 * port's shared data: stats, xstats, link and device info are read from
 * it; nothing is written that the primary writes. It must never run a
 * burst: the rings are mapped in the primary's address space only, and
 * captures (pdump) run inside the primary's own bursts.
 */
static uint16_t
burst_none(void *q __rte_unused, struct rte_mbuf **pkts __rte_unused,
	   uint16_t n __rte_unused)
{
	return 0;
}

/* The primary keeps the shared link status current; nothing to ask. */
static int
secondary_link_update(struct rte_eth_dev *dev __rte_unused,
		      int wait __rte_unused)
{
	return 0;
}

static const struct eth_dev_ops vhostzc_secondary_ops = {
	.dev_infos_get = vhostzc_dev_infos_get,
	.link_update = secondary_link_update,
	.stats_get = vhostzc_stats_get,
	.stats_reset = vhostzc_stats_reset,
	.xstats_get = vhostzc_xstats_get,
	.xstats_get_names = vhostzc_xstats_get_names,
	.xstats_reset = vhostzc_xstats_reset,
	.rxq_info_get = vhostzc_rxq_info_get,
	.txq_info_get = vhostzc_txq_info_get,
};

static int
probe_secondary(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(name);

	if (dev == NULL) {
		VHOSTZC_LOG(ERR, "%s: not found in the primary process", name);
		return -ENODEV;
	}
	dev->dev_ops = &vhostzc_secondary_ops;
	dev->device = &vdev->device;
	dev->rx_pkt_burst = burst_none;
	dev->tx_pkt_burst = burst_none;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

static int
vhostzc_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct vhostzc_internal *in;
	struct rte_eth_dev *dev;
	struct rte_ether_addr *mac;
	struct vhostzc_args a;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return probe_secondary(vdev);
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
	in->packed_vq = a.packed_vq != 0;
	in->in_order = a.in_order != 0;
	in->zc.enabled = a.zc != 0;
	in->zc.min_len = a.zc_min_len;
	in->zc.max_lent = a.zc_max_lent;
	in->zc.head = a.zc_head != 0;
	in->zc.freeze_budget = (uint64_t)a.zc_freeze_kb << 10;
	in->zc.hold_us = a.zc_hold_us;
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
	/* A secondary only lets go of its view; the primary owns the port. */
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
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
