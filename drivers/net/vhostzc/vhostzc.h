/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_H
#define VHOSTZC_H

#include <pthread.h>
#include <sys/queue.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "vhostzc_compat.h"
#include "vhostzc_ring.h"
#include "vhostzc_zc.h"

extern int vhostzc_logtype;
#define RTE_LOGTYPE_VHOSTZC vhostzc_logtype

#define VHOSTZC_LOG(level, ...) \
	VZC_LOG_LINE(level, VHOSTZC, "%s(): ", __func__, __VA_ARGS__)

/* Datapath logging is compiled out unless asked for. */
#ifdef RTE_ETHDEV_DEBUG_RX
#define VHOSTZC_DP_LOG(level, fmt, ...) VHOSTZC_LOG(level, fmt, ##__VA_ARGS__)
#else
#define VHOSTZC_DP_LOG(level, fmt, ...) do { } while (0)
#endif

#define VHOSTZC_MAX_QUEUES	128
/* Payload bytes copied into a host-owned head mbuf of a zero-copy packet. */
#define VHOSTZC_ZC_HEAD_LEN	128
/* Defaults; see doc/guides/nics/vhostzc.rst for how they were chosen. */
#define VHOSTZC_DEFAULT_ZC_MIN_LEN	1024
/* Bytes one stop may copy to freeze lent pages (zc-freeze-budget, KiB). */
#define VHOSTZC_DEFAULT_FREEZE_KB	(256 * 1024)
/*
 * IN_ORDER: how long a lent chain may hold back the chains after it
 * before it is handed back early (zc-hold-us), and the longest pause of
 * lending that early returns back off to.
 */
#define VHOSTZC_DEFAULT_HOLD_US		1000
#define VHOSTZC_MAX_PAUSE_US		(1000 * 1000)
/* Per-queue lending cap when none is given: this share of the ring. */
#define VHOSTZC_DEFAULT_LEND_SHIFT	1

/* Devarg-derived zero-copy policy, fixed for the port's life. */
struct vhostzc_zc_params {
	bool enabled;
	uint32_t min_len;	/* shorter payloads are copied */
	uint32_t max_lent;	/* 0: derived from the ring size */
	bool head;		/* zc-head: host-owned head + guest segments */
	uint64_t freeze_budget;	/* bytes a stop may copy to freeze pages */
	uint32_t hold_us;	/* zc-hold-us: IN_ORDER hold, first pause */
};

/*
 * Why a received chain was copied rather than lent: one verdict per chain,
 * one counter per reason (xstats rx_copy_*).
 */
enum vhostzc_copy_reason {
	VHOSTZC_COPY_SHORT,	/* payload below zc-min-len or the head */
	VHOSTZC_COPY_OFF,	/* zero-copy unavailable on this attachment */
	VHOSTZC_COPY_NO_IOVA,	/* guest memory without a valid IOVA */
	VHOSTZC_COPY_IOVA_SPLIT,	/* IOVA-discontiguous, one segment allowed */
	VHOSTZC_COPY_CAP,	/* lending cap reached */
	VHOSTZC_COPY_RING_LOW,	/* guest ring nearly exhausted */
	VHOSTZC_COPY_REWRITE,	/* an offload would write guest memory */
	VHOSTZC_COPY_LAYOUT,	/* does not fit the lent layout */
	VHOSTZC_COPY_FROZEN,	/* over a page frozen for an early return */
	VHOSTZC_COPY_HELD,	/* lending paused: early returns, cap held */
	VHOSTZC_COPY_NR
};

struct vhostzc_rxq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;
	uint64_t zc_pkts;
	uint64_t copied_pkts;
	uint64_t returned;	/* lent descriptors given back to the guest */
	uint64_t bad_desc;
	uint64_t notify;
	uint64_t copy[VHOSTZC_COPY_NR];	/* copied, by reason */
	uint64_t reclaimed_at_stop;	/* returned while still lent, at stop */
	uint64_t returned_early;	/* ... IN_ORDER: holding later ones back */
	uint64_t snapshot_failed;	/* ... without a private copy of its pages */
	uint64_t freeze_over_budget;	/* ... of those, past the freeze budget */
	uint64_t nombuf;
	uint64_t logged;	/* used entries written to the dirty log */
};

/* Receive queue: packets the guest transmits (its TX virtqueue 2q+1). */
struct vhostzc_rxq {
	/*
	 * Held by a burst (rx, or tx doing housekeeping) while it touches the
	 * ring, and by the control path while it attaches or detaches the
	 * queue. Bursts only trylock: a paused queue costs the datapath one
	 * failed trylock per burst, never a spin.
	 */
	rte_spinlock_t lock;
	bool ready;		/* ring view valid; changed under lock */
	/* vr's indices belong to the current ring incarnation (control). */
	bool shadow_valid;
	struct vzc_vring vr;
	uint64_t desc_gpa;	/* packed: the descriptor ring's (dirty log) */
	struct vzc_mem_view memv;
	struct vhostzc_memgen *mem;	/* current mapping, one ref, or NULL */
	/* The library's mapping, used (copy only) when ours is unavailable. */
	struct vzc_mem_region lib_regions[VZC_MAX_REGIONS];
	struct vhostzc_lender *lender;	/* owned while attached */
	uint32_t lent;			/* chains lent now */
	uint32_t max_lent;
	uint16_t hdr_len;	/* virtio-net header bytes */
	bool log_dirty;
	bool in_order;		/* VIRTIO_F_IN_ORDER on this incarnation */
	bool ring_broken;	/* avail index past the ring: nothing read */
	bool zc;		/* zero-copy allowed on this attachment */
	/* Why not, when !zc (VHOSTZC_COPY_OFF or _NO_IOVA). */
	uint8_t zc_off_reason;
	/* IOVA mode chains are lent in (enum vhostzc_iova_mode; xstats). */
	uint8_t lend_mode;
	/* Mapping and mode last logged for this queue: one line per change. */
	uint64_t logged_mem_id;
	int8_t logged_mode;
	bool sw_csum;
	bool vlan_strip;
	bool linear;		/* no RX scatter: one segment per packet */
	bool pinned_pool;	/* mp has pinned extbufs: never lend */
	int callfd;
	int kickfd;		/* the guest's kick eventfd: our rx interrupt */
	bool intr_on;		/* the application sleeps on it: kicks wanted */
	int vid;
	uint16_t nb_desc;	/* asked for at setup (rxq_info) */
	uint16_t vring_idx;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t data_room;	/* mbuf data room past the headroom */
	/*
	 * Holding applications (datapath): IN_ORDER, since when the oldest
	 * chain out (at order place blocked_pos) holds the others back, in
	 * TSC cycles; either format, lending paused until pause_until (0:
	 * not paused) after an early return or a burst that found the
	 * lending cap reached, for a pause that doubles while they keep
	 * coming (last_pause: when the last one began).
	 */
	uint16_t blocked_pos;
	uint64_t blocked_since;
	uint64_t hold_tsc;
	uint64_t pause_until;
	uint64_t pause_tsc;
	uint64_t last_pause;
	struct rte_mempool *mp;
	struct vhostzc_internal *internal;
	struct vhostzc_rxq_stats stats;	/* written by the datapath only */
	/* Counts at the last stats_reset (control path): shown = stats - base. */
	struct vhostzc_rxq_stats stats_base;
} __rte_cache_aligned;

struct vhostzc_txq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;	/* dropped: guest ring full or not ready */
};

/* Transmit queue: packets to the guest (its RX virtqueue 2q). */
struct vhostzc_txq {
	rte_spinlock_t lock;	/* held by a burst; see vhostzc_txqs_quiesce */
	VZC_ATOMIC(bool) ready;
	bool vlan_insert;
	int vid;
	uint16_t nb_desc;	/* asked for at setup (txq_info) */
	struct vhostzc_rxq *rxq;	/* same-index rx queue, for housekeeping */
	uint16_t vring_idx;
	uint16_t queue_id;
	struct vhostzc_internal *internal;
	struct vhostzc_txq_stats stats;	/* written by the datapath only */
	struct vhostzc_txq_stats stats_base;	/* as for rx */
} __rte_cache_aligned;

/* Port counters (xstats vhost_*), kept by the control path. */
struct vhostzc_port_stats {
	uint64_t connects;	/* new_device count */
	uint64_t mem_updates;	/* memory tables mapped */
	uint64_t msg_refused;	/* messages refused, front-end dropped */
	uint64_t mem_faults;	/* SIGBUS caught in its memory */
};

/* Port-private data. */
struct vhostzc_internal {
	char *iface;
	uint64_t vhost_flags;
	uint16_t max_queues;
	bool tso;
	bool packed_vq;		/* offer VIRTIO_F_RING_PACKED */
	bool in_order;		/* offer VIRTIO_F_IN_ORDER */
	struct vhostzc_zc_params zc;
	uint16_t port_id;
	struct rte_eth_dev *eth_dev;

	/* Serialises the vhost-user thread's callbacks with ethdev ops. */
	pthread_mutex_t ctl;
	int vid;		/* -1 when no front-end is attached */
	bool running;		/* between new_device and destroy_device */
	bool started;		/* between dev_start and dev_stop */
	bool paused;		/* between a pre and post message hook */
	bool registered;	/* vhost driver registered for iface */
	bool vring_enabled[VHOSTZC_MAX_QUEUES * 2];
	/* What rte_pmd_vhostzc_get_queue_event last reported, per ring. */
	bool vring_seen[VHOSTZC_MAX_QUEUES * 2];
	uint16_t guest_mtu;	/* VIRTIO_NET_F_MTU: the guest's, else 0 */
	uint64_t features;
	struct vhostzc_memgen *mem;
	struct vhostzc_port_stats stats;	/* xstats; control path */
	struct vhostzc_port_stats stats_base;	/* at the last xstats_reset */
	/* Unique per port: guards and drops find the port by it. */
	uint64_t owner;
	/* The current connection: owner << 20 | its sequence number. */
	uint64_t conn;
	uint32_t conn_seq;
	int refused_vid;	/* a message of it was refused, or -1 */
	bool closing;		/* socket being unregistered: add no guards */
	/* The library's mappings of the front-end's memory and log, guarded. */
	int lib_guard[VZC_MAX_REGIONS + 1];
};

/* vhostzc_zc.c: see vhostzc_zc.h */

/* vhostzc_rxtx.c: bursts and queue housekeeping */
uint16_t vhostzc_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vhostzc_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n);
void vhostzc_rxq_reclaim_and_publish(struct vhostzc_rxq *q);
void vhostzc_txq_housekeeping(struct vhostzc_txq *q);
void vhostzc_rxqs_return_lent(struct vhostzc_rxq *const *qs, uint16_t n,
			      uint64_t budget);
void vhostzc_rxq_zc_mode(struct vhostzc_rxq *q);
void vhostzc_rxq_order_setup(struct vhostzc_rxq *q, bool in_order);
int vhostzc_rxq_intr(struct vhostzc_rxq *q, bool on);
struct rte_power_monitor_cond;
int vhostzc_rxq_monitor_addr(struct vhostzc_rxq *q,
			     struct rte_power_monitor_cond *pmc);

/* vhostzc_vhost.c: vhost-user control */
int vhostzc_vhost_register(struct vhostzc_internal *in);
void vhostzc_vhost_unregister(struct vhostzc_internal *in);
void vhostzc_queues_sync(struct vhostzc_internal *in);
void vhostzc_queues_detach_all(struct vhostzc_internal *in, bool stop);
void vhostzc_txqs_update(struct vhostzc_internal *in);
void vhostzc_txqs_quiesce(struct vhostzc_internal *in);
void vhostzc_rxq_release_ring(struct vhostzc_internal *in,
			      struct vhostzc_rxq *q);

#endif /* VHOSTZC_H */
