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

extern int vhostzc_logtype;
#define RTE_LOGTYPE_VHOSTZC vhostzc_logtype

#define VHOSTZC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vhostzc_logtype, "VHOSTZC: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

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
#define VHOSTZC_DEFAULT_ZC_MIN_LEN	512
/* Per-queue lending cap when none is given: this share of the ring. */
#define VHOSTZC_DEFAULT_LEND_SHIFT	1

/* Devarg-derived zero-copy policy, fixed for the port's life. */
struct vhostzc_zc_params {
	bool enabled;
	uint32_t min_len;	/* shorter payloads are copied */
	uint32_t max_lent;	/* 0: derived from the ring size */
	bool head;		/* zc-head: host-owned head + guest segments */
};

/*
 * One set of our own mappings of the guest memory table. The driver maps
 * every region itself from the fd the front-end sent, so the memory stays
 * valid for as long as any mbuf points into it, whatever the vhost library
 * unmaps on SET_MEM_TABLE or disconnect. Refcounted: one reference for the
 * device while it is current, one per lent chain.
 */
struct vhostzc_memgen {
	VZC_ATOMIC(uint32_t) refcnt;
	uint32_t nregions;
	bool iova_va;		/* IOVA of a mapped byte is its virtual address */
	struct vzc_mem_region regions[VZC_MAX_REGIONS];
	void *map_base[VZC_MAX_REGIONS];
	size_t map_len[VZC_MAX_REGIONS];
	size_t page_size[VZC_MAX_REGIONS];	/* of the backing file */
	struct vzc_mem_view view;		/* over regions[] */
};

struct vhostzc_lender;

enum vhostzc_slot_state {
	VHOSTZC_SLOT_FREE = 0,
	VHOSTZC_SLOT_LENT,	/* mbufs out, descriptor owed to the guest */
	VHOSTZC_SLOT_RETURNED,	/* mbufs out, descriptor returned at a stop */
};

/* Per-descriptor-head lending state; one cache line each to keep frees on
 * different lcores from sharing lines. Only the owner touches gen/state.
 */
struct vhostzc_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	struct vhostzc_lender *lender;	/* fixed at creation */
	uint16_t head;			/* fixed at creation */
	uint8_t gen;			/* index into lender->gens */
	uint8_t state;			/* enum vhostzc_slot_state */
} __rte_cache_aligned;

/* Memory generations one lender has chains out in, at most this many. */
#define VHOSTZC_LEND_GENS	8

/*
 * One memory mapping that lent chains point into, with how many: the
 * lender holds one memgen reference per generation in use, so lending a
 * chain costs no atomic operation.
 */
struct vhostzc_lend_gen {
	struct vhostzc_memgen *mg;
	uint32_t lent;
};

/*
 * Zero-copy state of one guest TX ring incarnation. Frees on any lcore
 * push the head into `done` (multi-producer), and that is all they do.
 * The owner (the polling lcore; the control path while the queue is
 * paused) drains it: it writes the used ring and does every count. When
 * the ring incarnation ends with mbufs still out, the lender is orphaned:
 * a reaper on the EAL alarm thread becomes its only owner, drains it, and
 * frees it once the last mbuf came back.
 */
struct vhostzc_lender {
	uint16_t size;
	uint8_t cur_gen;	/* generation of the queue's mapping, or NONE */
	uint32_t outstanding;	/* slots not FREE */
	struct rte_ring *done;
	/*
	 * Frees on the first lcore that polled the queue (run-to-completion
	 * apps free where they receive) go to this single-producer ring
	 * instead: no compare-and-swap. The owner lcore never changes, so
	 * it is the only producer; consumers are serialised as for `done`.
	 */
	struct rte_ring *done_local;
	VZC_ATOMIC(unsigned int) owner_lcore;	/* LCORE_ID_ANY until set */
	struct vhostzc_lend_gen gens[VHOSTZC_LEND_GENS];
	TAILQ_ENTRY(vhostzc_lender) orphan_next;
	struct vhostzc_slot slots[];
};

#define VHOSTZC_GEN_NONE	UINT8_MAX

struct vhostzc_rxq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;
	uint64_t zc_pkts;
	uint64_t copied_pkts;
	uint64_t returned;	/* lent descriptors given back to the guest */
	uint64_t bad_desc;
	uint64_t notify;
	uint64_t fallback_cap;	/* copied because the lending cap was hit */
	uint64_t fallback_map;	/* copied because the buffer was not mappable */
	uint64_t fallback_ring_low;	/* copied because the guest ring ran low */
	uint64_t reclaimed_at_stop;	/* returned while still lent, at stop */
	uint64_t snapshot_failed;	/* ... without a private copy of its pages */
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
	struct vzc_mem_view memv;
	struct vhostzc_memgen *mem;	/* current mapping, one ref, or NULL */
	/* The library's mapping, used (copy only) when ours is unavailable. */
	struct vzc_mem_region lib_regions[VZC_MAX_REGIONS];
	struct vhostzc_lender *lender;	/* owned while attached */
	uint32_t lent;			/* chains lent now */
	uint32_t max_lent;
	uint16_t hdr_len;	/* virtio-net header bytes */
	bool log_dirty;
	bool zc;		/* zero-copy allowed on this attachment */
	bool sw_csum;
	bool vlan_strip;
	bool linear;		/* no RX scatter: one segment per packet */
	int callfd;
	int vid;
	uint16_t vring_idx;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t data_room;	/* mbuf data room past the headroom */
	struct rte_mempool *mp;
	struct vhostzc_internal *internal;
	struct vhostzc_rxq_stats stats;
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
	struct vhostzc_rxq *rxq;	/* same-index rx queue, for housekeeping */
	uint16_t vring_idx;
	uint16_t queue_id;
	struct vhostzc_internal *internal;
	struct vhostzc_txq_stats stats;
} __rte_cache_aligned;

/* Port-private data. */
struct vhostzc_internal {
	char *iface;
	uint64_t vhost_flags;
	uint16_t max_queues;
	bool tso;
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
	uint64_t features;
	struct vhostzc_memgen *mem;
	uint64_t mem_updates;	/* memory tables mapped (xstat) */
	uint64_t connects;	/* new_device count (xstat) */
};

/* vhostzc_zc.c: zero-copy lifetime */
struct vhostzc_memgen *vhostzc_memgen_alloc(void);
struct vhostzc_memgen *vhostzc_memgen_create(int vid);
void vhostzc_memgen_put(struct vhostzc_memgen *mg);
int vhostzc_memgen_snapshot(struct vhostzc_memgen *mg, const uint8_t *addr,
			    uint32_t len);
static inline struct vhostzc_memgen *
vhostzc_memgen_get(struct vhostzc_memgen *mg)
{
	/* Relaxed: the caller already holds a reference, nothing to order. */
	vzc_atomic_add_fetch(&mg->refcnt, 1, VZC_RELAXED);
	return mg;
}
struct vhostzc_lender *vhostzc_lender_create(uint16_t size, int socket);
void vhostzc_lender_orphan(struct vhostzc_lender *l);
void vhostzc_gen_release_if_idle(struct vhostzc_lender *l, uint8_t g);
int vhostzc_lender_new_gen(struct vhostzc_lender *l, struct vhostzc_memgen *mg);
unsigned int vhostzc_reap_orphans(void);
void vhostzc_zc_free_cb(void *addr, void *opaque);
uint32_t vhostzc_lender_count(void);

/* A lent chain's last mbuf was freed (its head came out of `done`). */
static inline void
vhostzc_lender_complete(struct vhostzc_lender *l, uint16_t head)
{
	struct vhostzc_slot *s = &l->slots[head];

	s->state = VHOSTZC_SLOT_FREE;
	l->outstanding--;
	/* An older mapping whose last chain came back is released. */
	if (--l->gens[s->gen].lent == 0 && s->gen != l->cur_gen)
		vhostzc_gen_release_if_idle(l, s->gen);
}

/* Generation index for lending from mg: the current one without a call. */
static inline int
vhostzc_lender_gen(struct vhostzc_lender *l, struct vhostzc_memgen *mg)
{
	if (likely(l->cur_gen != VHOSTZC_GEN_NONE &&
		   l->gens[l->cur_gen].mg == mg))
		return l->cur_gen;
	return vhostzc_lender_new_gen(l, mg);
}
uint32_t vhostzc_memgen_count(void);

/* vhostzc_rxtx.c: bursts and queue housekeeping */
uint16_t vhostzc_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t vhostzc_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n);
void vhostzc_rxq_reclaim_and_publish(struct vhostzc_rxq *q);
void vhostzc_rxq_return_lent(struct vhostzc_rxq *q);

/* vhostzc_vhost.c: vhost-user control */
int vhostzc_vhost_register(struct vhostzc_internal *in);
void vhostzc_vhost_unregister(struct vhostzc_internal *in);
void vhostzc_queues_sync(struct vhostzc_internal *in);
void vhostzc_queues_detach_all(struct vhostzc_internal *in, bool stop);
void vhostzc_txqs_update(struct vhostzc_internal *in);
void vhostzc_txqs_quiesce(struct vhostzc_internal *in);

#endif /* VHOSTZC_H */
