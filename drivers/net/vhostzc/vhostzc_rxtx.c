/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Burst functions. Receive walks the guest's TX ring through the ring layer
 * and turns each chain into an mbuf: zero-copy (a host-owned head with the
 * first VHOSTZC_ZC_HEAD_LEN payload bytes, then segments attached to the
 * guest buffer) or copied. Transmit goes through the vhost library's
 * enqueue (mergeable buffers). Neither burst blocks or makes a syscall
 * other than the eventfd kick of the guest.
 */

#include <errno.h>
#include <inttypes.h>
#include <sys/eventfd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_net.h>
#include <rte_power_intrinsics.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_vhost.h>

#include "vhostzc.h"

/* Host-visible layout of the virtio-net header (without num_buffers). */
struct vzc_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

#define VZC_NET_HDR_F_NEEDS_CSUM	1
#define VZC_NET_HDR_F_DATA_VALID	2
#define VZC_NET_HDR_GSO_NONE		0
#define VZC_NET_HDR_GSO_TCPV4		1
#define VZC_NET_HDR_GSO_UDP		3
#define VZC_NET_HDR_GSO_TCPV6		4

#define VZC_RX_RECLAIM_BURST	64
/* Most packets one rx_burst call takes from the guest. */
#define VZC_RX_BURST_MAX	64

/*
 * Live migration: every ring byte we wrote since `from` (a used_slots
 * count) must reach the dirty log. Split: the used elements and the index.
 * Packed: the descriptor slots written, by guest physical address (the
 * library's used-ring log base is not the descriptor ring for every
 * front-end).
 */
static void
rxq_log_used(struct vhostzc_rxq *q, uint32_t from)
{
	uint32_t n = q->vr.used_slots - from;
	uint16_t i;

	if (q->vr.packed) {
		uint32_t start, first;

		n = RTE_MIN(n, (uint32_t)q->vr.size);
		start = q->vr.used_idx >= n ? q->vr.used_idx - n :
			q->vr.used_idx + q->vr.size - n;
		first = RTE_MIN(n, (uint32_t)q->vr.size - start);
		rte_vhost_log_write(q->vid, q->desc_gpa +
				    (uint64_t)start * sizeof(struct vzc_pdesc),
				    (uint64_t)first * sizeof(struct vzc_pdesc));
		if (n > first)
			rte_vhost_log_write(q->vid, q->desc_gpa,
				(uint64_t)(n - first) * sizeof(struct vzc_pdesc));
		q->stats.logged += n;
		return;
	}
	for (i = (uint16_t)(q->vr.used_idx - n); i != q->vr.used_idx; i++)
		rte_vhost_log_used_vring(q->vid, q->vring_idx,
			offsetof(struct vzc_used, ring) +
			(uint64_t)(i & (q->vr.size - 1)) *
			sizeof(struct vzc_used_elem),
			sizeof(struct vzc_used_elem));
	rte_vhost_log_used_vring(q->vid, q->vring_idx,
				 offsetof(struct vzc_used, idx),
				 sizeof(uint16_t));
	q->stats.logged += n;
}

/*
 * Slots out (taken, not given back) past which the guest's ring counts as
 * low: 7/8 of it.
 */
static inline uint32_t
rxq_low_mark(const struct vhostzc_rxq *q)
{
	return (uint32_t)q->vr.size - (q->vr.size >> 3);
}

/* The queue's order queue when its ring is IN_ORDER and it lends, or NULL. */
static inline struct vzc_order *
rxq_order(struct vhostzc_rxq *q)
{
	return q->lender != NULL && q->lender->order.ent != NULL ?
		&q->lender->order : NULL;
}

/*
 * A lent chain is owed no more (its mbufs came back, or it is returned
 * early): staged now, or done in its order place and given back with
 * everything before it (vzc_order_flush).
 */
static inline void
rxq_give_back(struct vhostzc_rxq *q, struct vhostzc_slot *s)
{
	struct vzc_order *o = rxq_order(q);

	if (o != NULL)
		vzc_order_done(o, s->opos);
	else
		vzc_ring_put(&q->vr, s->head, 0, s->nslots);
	vhostzc_head_returned(q->lender, s);
	q->lent--;
}

/* Drain one completion ring into staged used entries. Owner only. */
static void
rxq_reclaim_ring(struct vhostzc_rxq *q, struct rte_ring *r)
{
	struct vhostzc_lender *l = q->lender;
	void *objs[VZC_RX_RECLAIM_BURST];
	unsigned int n, i;

	do {
		/* Acquire (in the ring): pairs with the free callback's enqueue. */
		n = rte_ring_sc_dequeue_burst(r, objs, RTE_DIM(objs), NULL);
		for (i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)(uintptr_t)objs[i];

			if (l->slots[idx].state == VHOSTZC_SLOT_LENT) {
				rxq_give_back(q, &l->slots[idx]);
				q->stats.returned++;
			}
			vhostzc_lender_complete(l, idx);
		}
	} while (n == RTE_DIM(objs));
}

static void
rxq_reclaim(struct vhostzc_rxq *q)
{
	struct vhostzc_lender *l = q->lender;

	if (l == NULL || l->outstanding == 0)
		return;
	rxq_reclaim_ring(q, l->done_local);
	rxq_reclaim_ring(q, l->done);
	if (l->order.ent != NULL)
		vzc_order_flush(&l->order, &q->vr);
}

/*
 * Make what was given back since old_slots (a used_slots count) visible
 * and kick the guest if it wants it.
 */
static void
rxq_publish(struct vhostzc_rxq *q, uint32_t old_slots)
{
	if (q->vr.used_slots == old_slots)
		return;
	vzc_ring_publish(&q->vr);
	if (unlikely(q->log_dirty))
		rxq_log_used(q, old_slots);
	if (vzc_ring_need_notify(&q->vr) && q->callfd >= 0) {
		eventfd_write(q->callfd, 1);
		q->stats.notify++;
	}
}

/*
 * Whether and how the queue lends on this attachment: the memgen's IOVA
 * mode, or why it copies everything. Queue locked (control path), from
 * q->internal, q->lender and q->mem; the one place these are set.
 */
void
vhostzc_rxq_zc_mode(struct vhostzc_rxq *q)
{
	q->zc = false;
	q->lend_mode = VHOSTZC_IOVA_NONE;
	q->zc_off_reason = VHOSTZC_COPY_OFF;
	if (!q->internal->zc.enabled || q->lender == NULL || q->mem == NULL ||
	    q->pinned_pool)
		return;
	if (q->mem->mode == VHOSTZC_IOVA_NONE) {
		q->zc_off_reason = VHOSTZC_COPY_NO_IOVA;
		return;
	}
	/*
	 * IN_ORDER needs early returns, and DMA-mapped pages are never
	 * frozen (the IOMMU keeps the guest's): such a ring copies.
	 */
	if (q->in_order && q->mem->mode == VHOSTZC_IOVA_VA_DMA)
		return;
	q->zc = true;
	q->lend_mode = (uint8_t)q->mem->mode;
}

/*
 * A new ring incarnation (or lender): in order or not, nothing held back.
 * Queue locked (control path); the one place these are set, for the
 * driver and its tests.
 */
void
vhostzc_rxq_order_setup(struct vhostzc_rxq *q, bool in_order)
{
	q->in_order = in_order;
	if (q->lender != NULL)
		vhostzc_lender_set_in_order(q->lender, in_order);
	q->hold_tsc = (uint64_t)q->internal->zc.hold_us * rte_get_tsc_hz() /
		US_PER_S;
	q->blocked_pos = UINT16_MAX;
	q->blocked_since = 0;
	q->pause_until = 0;
	q->pause_tsc = q->hold_tsc;
	q->last_pause = 0;
}

void
vhostzc_rxq_reclaim_and_publish(struct vhostzc_rxq *q)
{
	uint32_t old_used = q->vr.used_slots;

	rxq_reclaim(q);
	rxq_publish(q, old_used);
}

/*
 * Stop policy (GET_VRING_BASE, RESET_OWNER): every chain still lent on
 * queues qs[0..n) is returned to the guest as used with length 0 now, so
 * the ring bases and used rings we hand back account for every
 * descriptor we took, and the vhost-user thread never waits for the
 * application. First the pages under those chains (recorded at lend
 * time; guest descriptors are not read again) are frozen into private
 * copies in our own mapping, each page once across all the queues, up to
 * `budget` bytes, so the lent mbufs keep their bytes even when the guest
 * reuses the buffers; late completions go to the orphaned lenders and
 * never reach a ring. Control path; every queue of the device paused
 * (they all read through the mappings being frozen).
 */
void
vhostzc_rxqs_return_lent(struct vhostzc_rxq *const *qs, uint16_t n,
			 uint64_t budget)
{
	uint32_t old_used[VHOSTZC_MAX_QUEUES];
	uint32_t unfrozen = 0, over = 0, lent = 0, i;
	struct vhostzc_freeze *f;
	uint16_t k;

	n = RTE_MIN(n, (uint16_t)VHOSTZC_MAX_QUEUES);
	for (k = 0; k < n; k++) {
		old_used[k] = qs[k]->vr.used_slots;
		rxq_reclaim(qs[k]);
		lent += qs[k]->lent;
	}
	if (lent == 0)
		goto publish;
	f = vhostzc_freeze_begin(budget);
	for (k = 0; k < n; k++)
		if (qs[k]->lender != NULL)
			vhostzc_freeze_add(f, qs[k]->lender);
	vhostzc_freeze_run(f);
	vhostzc_freeze_end(f);
	for (k = 0; k < n; k++) {
		struct vhostzc_rxq *q = qs[k];
		struct vhostzc_lender *l = q->lender;

		for (i = 0; l != NULL && i < l->nslot && q->lent != 0; i++) {
			struct vhostzc_slot *s = &l->slots[i];

			if (s->state != VHOSTZC_SLOT_LENT)
				continue;
			if (s->freeze != VHOSTZC_FREEZE_FROZEN) {
				q->stats.snapshot_failed++;
				unfrozen++;
			}
			if (s->freeze == VHOSTZC_FREEZE_OVER_BUDGET) {
				q->stats.freeze_over_budget++;
				over++;
			}
			/* The mbufs are still out: the slot waits for their free. */
			s->state = VHOSTZC_SLOT_RETURNED;
			rxq_give_back(q, s);
			q->stats.reclaimed_at_stop++;
		}
		/* In order: every place is done now, all go back. */
		if (l != NULL && l->order.ent != NULL)
			vzc_order_flush(&l->order, &q->vr);
	}
	if (unfrozen != 0)
		VHOSTZC_LOG(WARNING, "port %u: %u of %u chains lent at the stop "
			    "returned unfrozen (%u over the %" PRIu64 " KiB freeze "
			    "budget): the application may see the guest's later "
			    "writes in them", qs[0]->port_id, unfrozen, lent, over,
			    budget >> 10);
publish:
	for (k = 0; k < n; k++)
		rxq_publish(qs[k], old_used[k]);
}

/*
 * Mbufs for one burst, taken from the mempool in one bulk call up front
 * (one head per packet, plus one extbuf segment per packet when zero-copy
 * may happen) and the unused ones put back at the end: per-packet mempool
 * calls cost more than a 64 B copy.
 */
struct rx_stash {
	uint16_t n;
	uint16_t next;
	struct rte_mbuf *m[2 * VZC_RX_BURST_MAX];
};

static __rte_always_inline int
stash_take(struct vhostzc_rxq *q, struct rx_stash *st, struct rte_mbuf **mb,
	   uint32_t n)
{
	if (likely((uint32_t)(st->n - st->next) >= n)) {
		uint32_t i;

		for (i = 0; i < n; i++)
			mb[i] = st->m[st->next++];
		return 0;
	}
	return rte_pktmbuf_alloc_bulk(q->mp, mb, n);
}

/* Copy len bytes from the chain at offset off into consecutive mbufs. */
static void
chain_to_mbufs(const struct vzc_chain *c, uint32_t off, uint32_t len,
	       struct rte_mbuf **mb, uint32_t room)
{
	uint16_t k = 0;
	uint32_t in_iov = off;
	uint32_t s = 0;

	/* Find the piece that holds byte off. */
	while (k < c->niov && in_iov >= c->iov[k].len) {
		in_iov -= c->iov[k].len;
		k++;
	}
	while (len != 0) {
		struct rte_mbuf *m = mb[s++];
		uint32_t want = RTE_MIN(len, room);
		uint8_t *dst = rte_pktmbuf_mtod(m, uint8_t *);

		m->data_len = (uint16_t)want;
		len -= want;
		while (want != 0) {
			uint32_t n = RTE_MIN(want, c->iov[k].len - in_iov);

			rte_memcpy(dst, c->iov[k].base + in_iov, n);
			dst += n;
			want -= n;
			in_iov += n;
			if (in_iov == c->iov[k].len) {
				k++;
				in_iov = 0;
			}
		}
	}
}

static void
link_segs(struct rte_mbuf **mb, uint16_t nseg, uint32_t pkt_len, uint16_t port)
{
	uint16_t i;

	for (i = 0; i + 1 < nseg; i++)
		mb[i]->next = mb[i + 1];
	mb[0]->nb_segs = nseg;
	mb[0]->pkt_len = pkt_len;
	mb[0]->port = port;
}

/*
 * Copy a chain too long for one walk step (err VZC_WALK_MORE) or whose
 * payload needs more than VHOSTZC_MAX_SEGS mbufs: walked on while it is
 * copied, one mbuf at a time. Legal, rare, never lent. NULL when out of
 * mbufs, or with *bad set when the rest of the chain is malformed.
 */
static struct rte_mbuf *
rxq_copy_long(struct vhostzc_rxq *q, struct vzc_chain *c, enum vzc_walk_err err,
	      bool *bad)
{
	struct rte_mbuf *head = NULL, *m = NULL;
	uint32_t skip = q->hdr_len, room = 0;
	uint16_t k;

	for (;;) {
		for (k = 0; k < c->niov; k++) {
			const uint8_t *src = c->iov[k].base;
			uint32_t n = c->iov[k].len, x = RTE_MIN(skip, n);

			src += x;
			n -= x;
			skip -= x;
			while (n != 0) {
				if (room == 0) {
					struct rte_mbuf *nm;

					if (head != NULL &&
					    head->nb_segs == UINT16_MAX) {
						*bad = true;
						goto fail;
					}
					nm = rte_pktmbuf_alloc(q->mp);
					if (nm == NULL)
						goto fail;
					if (head == NULL) {
						head = nm;
					} else {
						m->next = nm;
						head->nb_segs++;
					}
					m = nm;
					room = q->data_room;
				}
				x = RTE_MIN(n, room);
				rte_memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *,
								   m->data_len),
					   src, x);
				m->data_len += x;
				head->pkt_len += x;
				room -= x;
				src += x;
				n -= x;
			}
		}
		if (err == VZC_WALK_OK)
			break;
		err = vzc_ring_walk_next(&q->memv, c);
		if (err != VZC_WALK_OK && err != VZC_WALK_MORE) {
			*bad = true;
			goto fail;
		}
	}
	head->port = q->port_id;
	q->stats.copied_pkts++;
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/* Copy the payload into ordinary mbufs. NULL only when out of mbufs. */
static struct rte_mbuf *
rxq_copy(struct vhostzc_rxq *q, struct rx_stash *st, struct vzc_chain *c,
	 uint32_t len, bool *bad)
{
	struct rte_mbuf *mb[VHOSTZC_MAX_SEGS];
	uint32_t nseg = (len + q->data_room - 1) / q->data_room;

	if (unlikely(nseg > VHOSTZC_MAX_SEGS))
		return rxq_copy_long(q, c, VZC_WALK_OK, bad);
	if (unlikely(stash_take(q, st, mb, nseg) != 0))
		return NULL;
	chain_to_mbufs(c, q->hdr_len, len, mb, q->data_room);
	link_segs(mb, (uint16_t)nseg, len, q->port_id);
	q->stats.copied_pkts++;
	return mb[0];
}

/* What became of one received chain. */
enum rx_verdict {
	RX_LENT,	/* zero-copy mbuf out; descriptor owed */
	RX_COPIED,	/* ordinary mbuf out; descriptor returned now */
	RX_BAD,		/* dropped and counted; returned now */
	RX_HELD,	/* head still lent: dropped, counted, never returned */
	RX_NO_ID,	/* no valid id to return it under: counted, skipped */
	RX_NOMBUF,	/* out of mbufs: chain left for the next burst */
};

static enum vhostzc_copy_reason
lend_verdict_reason(enum vhostzc_lend_verdict v)
{
	switch (v) {
	case VHOSTZC_LEND_NO_IOVA:
		return VHOSTZC_COPY_NO_IOVA;
	case VHOSTZC_LEND_IOVA_SPLIT:
		return VHOSTZC_COPY_IOVA_SPLIT;
	case VHOSTZC_LEND_FROZEN:
		return VHOSTZC_COPY_FROZEN;
	case VHOSTZC_LEND_NO_SLOT:
		return VHOSTZC_COPY_CAP;
	default:
		return VHOSTZC_COPY_LAYOUT;
	}
}

/*
 * Lend the guest buffer: a host-owned head mbuf (headroom, headers the
 * guest can no longer change) plus extbuf segments over the rest, all
 * sharing the slot's shinfo. Returns the copy reason when it cannot be
 * lent, VHOSTZC_COPY_NR when lent (*out set, or NULL: out of mbufs).
 */
static enum vhostzc_copy_reason
rxq_lend(struct vhostzc_rxq *q, struct rx_stash *st, const struct vzc_chain *c,
	 uint32_t len, struct rte_mbuf **out)
{
	struct vhostzc_lend_plan p;
	struct rte_mbuf *mb[VHOSTZC_MAX_SEGS];
	uint32_t head_len = RTE_MIN(len, (uint32_t)VHOSTZC_ZC_HEAD_LEN);
	enum vhostzc_lend_verdict v;

	*out = NULL;
	v = vhostzc_lend_plan(q->lender, q->mem, c->iov, c->niov,
			      q->hdr_len + head_len, len - head_len,
			      VHOSTZC_MAX_SEGS - 1, &p);
	if (unlikely(v != VHOSTZC_LEND_OK))
		return lend_verdict_reason(v);
	if (unlikely(stash_take(q, st, mb, 1 + p.nseg) != 0))
		return VHOSTZC_COPY_NR;
	chain_to_mbufs(c, q->hdr_len, head_len, mb, q->data_room);
	vhostzc_lend(q->lender, c->head, c->nslots, &p, mb + 1);
	link_segs(mb, 1 + p.nseg, len, q->port_id);
	*out = mb[0];
	return VHOSTZC_COPY_NR;
}

/*
 * Linear layout, for applications that did not enable
 * RTE_ETH_RX_OFFLOAD_SCATTER and so must get one segment per packet: the
 * whole payload as a single extbuf mbuf over the guest buffer. Possible
 * when the payload is one host-contiguous and IOVA-contiguous piece
 * (after the virtio-net header, in the same piece or its own descriptor).
 * The headroom is the header's own bytes when it precedes the payload in
 * the same piece (12), else none; headers stay in guest memory (see the
 * docs). Returns as rxq_lend.
 */
static enum vhostzc_copy_reason
rxq_lend_linear(struct vhostzc_rxq *q, struct rx_stash *st,
		const struct vzc_chain *c, uint32_t len, struct rte_mbuf **out)
{
	struct vhostzc_lend_plan p;
	enum vhostzc_lend_verdict v;
	const struct vzc_iov *piece;
	struct rte_mbuf *m;
	uint16_t headroom;

	*out = NULL;
	if (c->niov == 1) {
		piece = &c->iov[0];
		headroom = q->hdr_len;
	} else if (c->niov == 2 && c->iov[0].len == q->hdr_len) {
		piece = &c->iov[1];
		headroom = 0;
	} else {
		return VHOSTZC_COPY_LAYOUT;
	}
	v = vhostzc_lend_plan(q->lender, q->mem, piece, 1, 0, piece->len, 1,
			      &p);
	if (unlikely(v != VHOSTZC_LEND_OK))
		return lend_verdict_reason(v);
	if (unlikely(stash_take(q, st, &m, 1) != 0))
		return VHOSTZC_COPY_NR;
	vhostzc_lend(q->lender, c->head, c->nslots, &p, &m);
	m->data_off = headroom;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = q->port_id;
	*out = m;
	return VHOSTZC_COPY_NR;
}

/* Complete an L4 checksum the guest left to us (virtio NEEDS_CSUM). */
static void
rx_sw_csum(struct rte_mbuf *m, const struct rte_net_hdr_lens *hl,
	   uint32_t ptype)
{
	uint32_t l4_off = hl->l2_len + hl->l3_len;
	uint32_t csum_off;
	uint16_t csum = 0;

	switch (ptype & RTE_PTYPE_L4_MASK) {
	case RTE_PTYPE_L4_TCP:
		csum_off = l4_off + offsetof(struct rte_tcp_hdr, cksum);
		break;
	case RTE_PTYPE_L4_UDP:
		csum_off = l4_off + offsetof(struct rte_udp_hdr, dgram_cksum);
		break;
	default:
		return;
	}
	/* Only the host-owned first segment is ever written. */
	if (csum_off + sizeof(uint16_t) > m->data_len)
		return;
	/* The pseudo-header sum is already in place, per the virtio spec. */
	if (rte_raw_cksum_mbuf(m, l4_off, m->pkt_len - l4_off, &csum) < 0)
		return;
	csum = (uint16_t)~csum;
	if ((ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP && csum == 0)
		csum = 0xffff;
	*rte_pktmbuf_mtod_offset(m, uint16_t *, csum_off) = csum;
	m->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* Turn the virtio-net header into mbuf offload flags. */
static void
rx_offload(struct vhostzc_rxq *q, struct rte_mbuf *m,
	   const struct vzc_net_hdr *h)
{
	/* rte_net_get_ptype sets only the lengths of headers it parsed. */
	struct rte_net_hdr_lens hl = { 0 };
	uint32_t ptype;

	if (h->flags == 0 && h->gso_type == VZC_NET_HDR_GSO_NONE)
		return;
	ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK);
	m->packet_type = ptype;
	/*
	 * Headers longer than the mbuf's length fields hold (l2 7 bits, l3
	 * 9: an IPv6 header with kilobytes of extension headers) would be
	 * delivered truncated: no lengths and no checksum verdict then.
	 */
	if (hl.l2_len >= 1u << 7 || hl.l3_len >= 1u << 9)
		return;
	m->l2_len = hl.l2_len;
	m->l3_len = hl.l3_len;
	m->l4_len = hl.l4_len;

	if ((h->flags & VZC_NET_HDR_F_NEEDS_CSUM) != 0) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		if (q->sw_csum)
			rx_sw_csum(m, &hl, ptype);
	} else if ((h->flags & VZC_NET_HDR_F_DATA_VALID) != 0) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}

	switch (h->gso_type & 0x7f) {
	case VZC_NET_HDR_GSO_TCPV4:
	case VZC_NET_HDR_GSO_TCPV6:
	case VZC_NET_HDR_GSO_UDP:
		m->ol_flags |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = h->gso_size;
		break;
	default:
		break;
	}
}

/* Prefetch the buffer at guest address addr: its header and what follows. */
static inline void
prefetch_buf(const struct vhostzc_rxq *q, uint64_t addr)
{
	uint64_t contig;
	uint32_t region;
	uint8_t *p = vzc_gpa_to_hva(&q->memv, addr, 1, &contig, &region);

	/* The header often ends a line that the payload follows. */
	if (p != NULL) {
		rte_prefetch0(p);
		rte_prefetch0(p + q->hdr_len);
	}
}

/*
 * Prefetch the next n descriptors and the buffers they start with. What
 * the guest wrote there is only a hint here (not yet checked available,
 * masked or bounded by the translation); the walk reads it again.
 */
static inline void
rxq_prefetch(struct vhostzc_rxq *q, uint16_t n)
{
	uint16_t mask = q->vr.size - 1, i;

	if (q->vr.packed) {
		for (i = 0; i < n; i++)
			rte_prefetch0(&q->vr.pdesc[(q->vr.last_avail + i) %
						   q->vr.size]);
		for (i = 0; i < n; i++)
			prefetch_buf(q, q->vr.pdesc[(q->vr.last_avail + i) %
						    q->vr.size].addr);
		return;
	}
	for (i = 0; i < n; i++)
		rte_prefetch0(&q->vr.desc[q->vr.avail->ring[
			(uint16_t)(q->vr.last_avail + i) & mask] & mask]);
	for (i = 0; i < n; i++)
		prefetch_buf(q, q->vr.desc[q->vr.avail->ring[
			(uint16_t)(q->vr.last_avail + i) & mask] & mask].addr);
}

/* The virtio-net header, read in place when the first piece holds it. */
static inline void
read_net_hdr(const struct vzc_chain *c, struct vzc_net_hdr *h)
{
	if (likely(c->iov[0].len >= sizeof(*h)))
		rte_memcpy(h, c->iov[0].base, sizeof(*h));
	else
		vzc_chain_copy(c, 0, h, sizeof(*h));
}

/*
 * Whether this chain may be lent, as the burst's conditions stand:
 * VHOSTZC_COPY_NR when it may, else why it is copied.
 */
static inline enum vhostzc_copy_reason
rx_copy_reason(const struct vhostzc_rxq *q, uint32_t len, uint32_t min_len,
	       enum vhostzc_copy_reason burst_why, const struct vzc_net_hdr *h)
{
	if (len < min_len || len <= VHOSTZC_ZC_HEAD_LEN)
		return VHOSTZC_COPY_SHORT;
	if (!q->zc)
		return (enum vhostzc_copy_reason)q->zc_off_reason;
	if (q->lent >= q->max_lent)
		return VHOSTZC_COPY_CAP;
	if (burst_why != VHOSTZC_COPY_NR)
		return burst_why;	/* ring low, or lending paused */
	/* Would rewrite bytes that are guest memory. */
	if (q->linear && (q->vlan_strip || (q->sw_csum &&
	    (h->flags & VZC_NET_HDR_F_NEEDS_CSUM) != 0)))
		return VHOSTZC_COPY_REWRITE;
	return VHOSTZC_COPY_NR;
}

/*
 * One received chain, one verdict: lent, copied (counted by reason), or
 * dropped. A head the application still holds (a hostile or confused
 * guest re-posted it) is refused before anything else: it must never be
 * returned twice, nor its slot touched.
 */
static enum rx_verdict
rx_chain(struct vhostzc_rxq *q, struct rx_stash *st, struct vzc_chain *c,
	 enum vzc_walk_err err, uint32_t min_len,
	 enum vhostzc_copy_reason burst_why, struct rte_mbuf **out)
{
	enum vhostzc_copy_reason why;
	struct vzc_net_hdr h;
	bool bad = false;
	uint32_t len;

	if (unlikely(c->head >= q->vr.size))
		return RX_NO_ID;
	if (unlikely(q->lender != NULL &&
		     vhostzc_lent_slot(q->lender, c->head) != NULL))
		return RX_HELD;
	if (unlikely(err == VZC_WALK_MORE)) {
		/* More pieces than one walk step: copied as it is walked. */
		read_net_hdr(c, &h);
		why = VHOSTZC_COPY_LAYOUT;
		*out = rxq_copy_long(q, c, err, &bad);
		goto copied;
	}
	if (unlikely(err != VZC_WALK_OK || c->total <= q->hdr_len))
		return RX_BAD;
	len = c->total - q->hdr_len;
	read_net_hdr(c, &h);

	why = rx_copy_reason(q, len, min_len, burst_why, &h);
	if (why == VHOSTZC_COPY_NR) {
		why = q->linear ? rxq_lend_linear(q, st, c, len, out) :
			rxq_lend(q, st, c, len, out);
		if (why == VHOSTZC_COPY_NR) {
			if (unlikely(*out == NULL))
				return RX_NOMBUF;
			q->lent++;
			q->stats.zc_pkts++;
			goto deliver;
		}
	}
	*out = rxq_copy(q, st, c, len, &bad);
copied:
	if (unlikely(*out == NULL))
		return bad ? RX_BAD : RX_NOMBUF;
	q->stats.copy[why]++;
deliver:
	/*
	 * Strip first, so that the packet type and header lengths describe
	 * the frame the application gets; only a frame whose first segment
	 * holds the Ethernet and VLAN headers has a tag to strip.
	 */
	if (q->vlan_strip && (*out)->data_len >=
	    sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr))
		rte_vlan_strip(*out);
	rx_offload(q, *out, &h);
	return why == VHOSTZC_COPY_NR ? RX_LENT : RX_COPIED;
}

/*
 * IN_ORDER: an early return. The chain's pages are frozen (its mbufs keep
 * their bytes whatever the guest writes next) within the freeze budget,
 * and its descriptor is done in its order place; its mbufs come back
 * later to nothing owed. Past the budget, or where pages cannot be frozen,
 * it goes back unfrozen and counted, as at a stop: the guest is never
 * stalled by an application.
 */
static void
rxq_return_early(struct vhostzc_rxq *q, struct vhostzc_slot *s)
{
	enum vhostzc_freeze_result r =
		vhostzc_slot_freeze(s, q->internal->zc.freeze_budget);

	if (unlikely(r != VHOSTZC_FREEZE_FROZEN)) {
		q->stats.snapshot_failed++;
		if (r == VHOSTZC_FREEZE_OVER_BUDGET)
			q->stats.freeze_over_budget++;
	}
	s->state = VHOSTZC_SLOT_RETURNED;
	rxq_give_back(q, s);
	q->stats.returned_early++;
}

/*
 * The application holds lent chains: lend none for a while, and copy, so
 * that the guest gets its descriptors back at once, as from net_vhost.
 * The pause starts at zc-hold-us and doubles (up to VHOSTZC_MAX_PAUSE_US)
 * while the next one comes within twice the last pause: an application
 * that always holds gets copies, one that holds once lends again soon.
 */
static void
rxq_pause_lending(struct vhostzc_rxq *q, uint64_t now)
{
	if (now - q->last_pause < 2 * q->pause_tsc + q->hold_tsc)
		q->pause_tsc = RTE_MIN(2 * q->pause_tsc, (uint64_t)
				       VHOSTZC_MAX_PAUSE_US * rte_get_tsc_hz() /
				       US_PER_S);
	else
		q->pause_tsc = q->hold_tsc;
	q->last_pause = now;
	q->pause_until = now + q->pause_tsc;
}

/*
 * IN_ORDER: the oldest chain out is lent and holds back every later one.
 * Once it has done so for zc-hold-us, or while the guest's ring runs low,
 * it is handed back early (rxq_return_early), and the next one likewise
 * while the ring stays low. Lending then pauses, for twice as long each
 * time early returns keep coming (up to VHOSTZC_MAX_PAUSE_US): an
 * application that holds its mbufs gets copies, not a freeze per chain.
 * Owner, burst lock held.
 */
static void
rxq_unblock(struct vhostzc_rxq *q, struct vzc_order *o, uint64_t now)
{
	struct vhostzc_lender *l = q->lender;
	uint32_t low = rxq_low_mark(q);
	uint16_t n;

	if (o->first != q->blocked_pos) {
		q->blocked_pos = o->first;
		q->blocked_since = now;
	}
	for (n = 0; n < VZC_RX_BURST_MAX && vzc_order_blocked(o); n++) {
		struct vhostzc_slot *s = vhostzc_lent_slot(l,
						o->ent[o->first].id);

		if (vzc_ring_in_flight(&q->vr) <= low &&
		    now - q->blocked_since < q->hold_tsc)
			break;
		if (likely(s != NULL && s->state == VHOSTZC_SLOT_LENT))
			rxq_return_early(q, s);
		else
			vzc_order_done(o, o->first);	/* cannot be: never wait */
		vzc_order_flush(o, &q->vr);
		q->blocked_pos = o->first;
		q->blocked_since = now;
	}
	if (n != 0)
		rxq_pause_lending(q, now);
}

/* A chain that goes back now (copied or bad): in order, or staged. */
struct rx_done {
	uint16_t id;
	uint16_t nslots;
};

static inline void
rx_return_now(struct vzc_order *o, struct rx_done *done, uint16_t *ndone,
	      const struct vzc_chain *c)
{
	if (o != NULL) {
		(void)vzc_order_add(o, c->head, c->nslots, true);
		return;
	}
	done[*ndone].id = c->head;
	done[(*ndone)++].nslots = c->nslots;
}

uint16_t
vhostzc_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vhostzc_rxq *q = rxq;
	struct rx_stash st;
	struct vzc_chain c;
	struct vzc_order *o;
	/*
	 * Heads to return (copied or bad), written to the used ring in one
	 * tight run after the loop: used-ring lines are read by the guest,
	 * and one write at a time between copies makes both sides miss.
	 * In order, the order queue does the same.
	 */
	struct rx_done done[VZC_RX_BURST_MAX];
	uint16_t ndone = 0, avail, max, nb = 0, i;
	enum vhostzc_copy_reason burst_why = VHOSTZC_COPY_NR;
	uint32_t min_len, old_used;
	uint64_t bytes = 0, now = 0;
	bool broken, zc_possible;

	/* Paused or being reattached: the control path holds the lock. */
	if (!rte_spinlock_trylock(&q->lock))
		return 0;
	if (unlikely(!q->ready))
		goto out;

	old_used = q->vr.used_slots;
	rxq_reclaim(q);
	max = RTE_MIN(nb_pkts, (uint16_t)VZC_RX_BURST_MAX);
	o = rxq_order(q);
	/*
	 * The clock only when a deadline is running: rdtsc costs about 26
	 * cycles here, and an empty poll not much more than that (profile
	 * of OVS's PMD thread, 64 B: 31 % of this function's samples).
	 */
	if ((o != NULL && vzc_order_blocked(o)) ||
	    unlikely(q->pause_until != 0))
		now = rte_get_tsc_cycles();
	if (o != NULL) {
		if (vzc_order_blocked(o))
			rxq_unblock(q, o, now);
		/* No more chains out than the order queue has places. */
		max = RTE_MIN(max, vzc_order_room(o));
	}
	if (unlikely(q->pause_until != 0)) {
		if (now < q->pause_until)
			burst_why = VHOSTZC_COPY_HELD;
		else
			q->pause_until = 0;
	}
	/*
	 * A whole lending cap still out when a burst starts: the
	 * application holds its mbufs (a FIFO, a NIC's TX ring), and the
	 * guest's TX runs on what is left of its ring. Lending pauses, as
	 * after an early return (measured: with IN_ORDER off and no pause,
	 * a 256-packet FIFO gave the guest 0.55x net_vhost's rate at 1518 B).
	 */
	if (unlikely(q->zc && q->lent != 0 && q->lent >= q->max_lent &&
		     burst_why != VHOSTZC_COPY_HELD)) {
		now = rte_get_tsc_cycles();
		rxq_pause_lending(q, now);
		burst_why = VHOSTZC_COPY_HELD;
	}
	avail = vzc_ring_ready(&q->vr, max, &broken);
	if (unlikely(broken)) {
		/* Counted once when it breaks, not on every poll. */
		if (!q->ring_broken) {
			q->ring_broken = true;
			q->stats.bad_desc++;
		}
		goto publish;
	}
	if (unlikely(q->ring_broken))
		q->ring_broken = false;
	if (avail == 0)
		goto publish;
	/*
	 * Guest ring nearly exhausted: most of its descriptors are lent to
	 * the app or waiting for us. Copy this burst so its descriptors go
	 * straight back and the guest's TX keeps moving.
	 */
	if (vzc_ring_in_flight(&q->vr) + avail > rxq_low_mark(q))
		burst_why = VHOSTZC_COPY_RING_LOW;
	min_len = q->internal->zc.enabled ? q->internal->zc.min_len : UINT32_MAX;
	zc_possible = q->zc && burst_why == VHOSTZC_COPY_NR &&
		q->lent < q->max_lent;
	if (zc_possible)
		vhostzc_lender_claim(q->lender);

	/*
	 * Overlap the cache misses of the burst: descriptors first, then the
	 * start of each buffer, all before the first packet is touched.
	 */
	rxq_prefetch(q, avail);

	st.next = 0;
	st.n = zc_possible && !q->linear ? 2 * avail : avail;
	if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, st.m, st.n) != 0))
		st.n = 0;	/* per packet, as far as the pool goes */

	for (i = 0; i < avail; i++) {
		enum vzc_walk_err err = vzc_ring_take(&q->vr, &q->memv, &c);
		struct rte_mbuf *m;

		if (err == VZC_WALK_EMPTY)
			break;
		switch (rx_chain(q, &st, &c, err, min_len, burst_why, &m)) {
		case RX_LENT:
			if (o != NULL)
				vhostzc_lent_slot(q->lender, c.head)->opos =
					vzc_order_add(o, c.head, c.nslots,
						      false);
			break;
		case RX_COPIED:
			rx_return_now(o, done, &ndone, &c);
			break;
		case RX_BAD:
			q->stats.bad_desc++;
			rx_return_now(o, done, &ndone, &c);
			vzc_ring_done(&q->vr, &c);
			continue;
		case RX_HELD:
		case RX_NO_ID:
			q->stats.bad_desc++;
			vzc_ring_done(&q->vr, &c);
			continue;
		case RX_NOMBUF:
			/* Leave the chain for the next burst. */
			vzc_ring_untake(&q->vr);
			q->stats.nombuf++;
			goto end_loop;
		}
		vzc_ring_done(&q->vr, &c);
		bytes += m->pkt_len;
		pkts[nb++] = m;
	}
end_loop:
	if (o != NULL)
		vzc_order_flush(o, &q->vr);
	for (i = 0; i < ndone; i++)
		vzc_ring_put(&q->vr, done[i].id, 0, done[i].nslots);
	/* Fresh from the pool and untouched: they go back as they are. */
	if (st.next < st.n)
		rte_mempool_put_bulk(q->mp, (void **)&st.m[st.next],
				     st.n - st.next);
	q->stats.pkts += nb;
	q->stats.bytes += bytes;
publish:
	rxq_publish(q, old_used);
out:
	rte_spinlock_unlock(&q->lock);
	return nb;
}

/*
 * Rx interrupt on or off (the application's thread, between bursts). On:
 * the guest is asked to kick, then the ring is checked again after the
 * fence in vzc_ring_set_notify; entries that arrived before the guest saw
 * the request would bring no kick, so we make the kick eventfd readable
 * ourselves and the application's epoll returns at once. The choice is
 * kept across reattachments (vhostzc_queues_sync applies it).
 */
int
vhostzc_rxq_intr(struct vhostzc_rxq *q, bool on)
{
	bool broken;

	rte_spinlock_lock(&q->lock);
	q->intr_on = on;
	if (q->ready) {
		vzc_ring_set_notify(&q->vr, on);
		if (on && q->kickfd >= 0 &&
		    (vzc_ring_ready(&q->vr, 1, &broken) != 0 || broken))
			eventfd_write(q->kickfd, 1);
	}
	rte_spinlock_unlock(&q->lock);
	return 0;
}

/*
 * Sleep (0) while nothing was posted: split, the avail index is where we
 * last took from (opaque[0]); packed, the next slot's flags do not say
 * available under our wrap counter (opaque[1]).
 */
static int
monitor_avail(const uint64_t value,
	      const uint64_t opaque[RTE_POWER_MONITOR_OPAQUE_SZ])
{
	if (opaque[2] != 0)
		return vzc_pdesc_avail((uint16_t)value, opaque[1] != 0) ? -1 : 0;
	return (uint16_t)value == (uint16_t)opaque[0] ? 0 : -1;
}

/*
 * rte_power_monitor on the guest's avail index: the lcore sleeps until the
 * guest publishes an entry. The address is in the vhost library's mapping
 * of the ring and stays valid while the front-end's memory table does;
 * power-management code asks again before every sleep.
 */
int
vhostzc_rxq_monitor_addr(struct vhostzc_rxq *q,
			 struct rte_power_monitor_cond *pmc)
{
	int ret = -ENODEV;

	if (!rte_spinlock_trylock(&q->lock))
		return -EBUSY;
	if (q->ready) {
		pmc->addr = q->vr.packed ?
			(volatile void *)&q->vr.pdesc[q->vr.last_avail].flags :
			(volatile void *)&q->vr.avail->idx;
		pmc->opaque[0] = q->vr.last_avail;
		pmc->opaque[1] = q->vr.avail_wrap;
		pmc->opaque[2] = q->vr.packed;
		pmc->fn = monitor_avail;
		pmc->size = sizeof(uint16_t);
		ret = 0;
	}
	rte_spinlock_unlock(&q->lock);
	return ret;
}

/*
 * Insert the VLAN tag the application asked for. A lent (extbuf) or shared
 * mbuf cannot take it in place (its bytes are the guest's, or another
 * holder's): it is copied into a direct mbuf from its own pool first.
 */
static int
tx_vlan_insert(struct rte_mbuf **m)
{
	struct rte_mbuf *c;

	if (rte_vlan_insert(m) == 0)
		return 0;
	c = rte_pktmbuf_copy(*m, (*m)->pool, 0, UINT32_MAX);
	if (c == NULL)
		return -ENOMEM;
	if (rte_vlan_insert(&c) != 0) {
		rte_pktmbuf_free(c);
		return -EINVAL;
	}
	rte_pktmbuf_free(*m);
	*m = c;
	return 0;
}

/*
 * Housekeeping for the receive side of the same queue pair, so that
 * descriptors freed by the app go back to the guest even when the app
 * stops polling rx. Skipped if rx_burst is running right now. Only on a
 * started port, whose queue pairs are fixed; everything about the receive
 * queue is read under its lock: the control path may orphan its lender
 * at any time (one trylock per burst, not per packet).
 */
void
vhostzc_txq_housekeeping(struct vhostzc_txq *q)
{
	struct vhostzc_rxq *rq = q->rxq;

	if (!vzc_atomic_load(&q->ready, VZC_ACQUIRE) || rq == NULL ||
	    !rte_spinlock_trylock(&rq->lock))
		return;
	if (rq->ready)
		vhostzc_rxq_reclaim_and_publish(rq);
	rte_spinlock_unlock(&rq->lock);
}

uint16_t
vhostzc_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vhostzc_txq *q = txq;
	uint64_t bytes = 0;
	uint16_t sent = 0, i;

	/* Acquire: pairs with the release in vhostzc_txqs_update (vid). */
	if (unlikely(!vzc_atomic_load(&q->ready, VZC_ACQUIRE)))
		return 0;
	vhostzc_txq_housekeeping(q);

	if (!rte_spinlock_trylock(&q->lock))
		return 0;
	/* Again under the lock: vhostzc_txqs_quiesce waits for holders. */
	if (unlikely(!vzc_atomic_load(&q->ready, VZC_ACQUIRE)))
		goto out;

	if (q->vlan_insert) {
		for (i = 0; i < nb_pkts; i++) {
			/* Out of mbufs for a copy: the app keeps the rest. */
			if ((pkts[i]->ol_flags & RTE_MBUF_F_TX_VLAN) != 0 &&
			    tx_vlan_insert(&pkts[i]) != 0) {
				nb_pkts = i;
				break;
			}
		}
	}
	/* The library copies into the guest; after that the mbufs are ours. */
	sent = rte_vhost_enqueue_burst(q->vid, q->vring_idx, pkts, nb_pkts);
	for (i = 0; i < sent; i++) {
		bytes += pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	q->stats.pkts += sent;
	q->stats.bytes += bytes;
	q->stats.errors += nb_pkts - sent;
out:
	rte_spinlock_unlock(&q->lock);
	return sent;
}
