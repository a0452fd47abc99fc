/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VZC_FAKE_GUEST_H
#define VZC_FAKE_GUEST_H

/*
 * A guest without QEMU, for the tests and fuzzers that drive the receive
 * datapath (vhostzc_rxtx.c, vhostzc_zc.c) with no socket and no vhost
 * library: guest memory in a memfd at a guest physical address, a split
 * ring inside it, the driver's own mappings of that memory (a memgen, set
 * up by the driver's vhostzc_memgen_add_region / vhostzc_memgen_set_iova
 * as vhostzc_memgen_create does), and a receive queue attached to them the
 * way vhostzc_rx_queue_setup and rxq_attach do it. One place for this
 * setup, so that a queue field added to the driver is added here once.
 *
 * Every mapping made here is fenced by inaccessible pages (as large as the
 * pretended page size), so that a read past either end of guest memory,
 * or of one region of it, faults instead of reading a neighbour.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "vhostzc.h"

/* One guest: its memory, as the guest itself maps it, and one split ring. */
struct vzc_fake_guest {
	int fd;			/* memfd holding all of guest memory */
	uint8_t *mem;		/* the guest's own mapping */
	uint64_t gpa;		/* guest physical address of mem[0] */
	size_t size;
	/* The ring, at ring_off in guest memory (vzc_fake_guest_rings). */
	uint16_t ring_size;
	size_t ring_off;
	struct vzc_desc *desc;
	struct vzc_avail *avail;
	struct vzc_used *used;
	uint16_t base;		/* both indices when the ring was set up */
	uint16_t used_seen;	/* guest driver: next used entry to read */
	/* Private: the fenced reservation mem lies in. */
	uint8_t *map;
	size_t map_len;
};

/*
 * Reserve len bytes fenced by `guard` inaccessible bytes on each side,
 * the accessible part aligned to `guard` (a power of two, at least a
 * page), and map fd's [off, off + len) there. Returns the reservation
 * (len + 2 * guard bytes; the caller unmaps it whole) or MAP_FAILED.
 */
static inline uint8_t *
vzc_fake_map_fenced(int fd, off_t off, size_t len, size_t guard)
{
	size_t total = len + 2 * guard;
	size_t slack = total + guard;
	uint8_t *r, *start, *end;

	r = mmap(NULL, slack, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	start = RTE_PTR_ALIGN_CEIL(r, guard);
	end = start + total;
	if (start != r)
		munmap(r, (size_t)(start - r));
	if (end != r + slack)
		munmap(end, (size_t)(r + slack - end));
	if (mmap(start + guard, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, off) == MAP_FAILED) {
		munmap(start, total);
		return MAP_FAILED;
	}
	return start;
}

/* Guest memory of `size` bytes (a multiple of the page size) at gpa. */
static inline int
vzc_fake_guest_open(struct vzc_fake_guest *g, uint64_t gpa, size_t size)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	memset(g, 0, sizeof(*g));
	g->fd = memfd_create("vzc_fake_guest", 0);
	if (g->fd < 0)
		return -errno;
	if (ftruncate(g->fd, (off_t)size) != 0)
		goto fail;
	g->map = vzc_fake_map_fenced(g->fd, 0, size, pg);
	if (g->map == MAP_FAILED)
		goto fail;
	g->map_len = size + 2 * pg;
	g->mem = g->map + pg;
	g->gpa = gpa;
	g->size = size;
	return 0;
fail:
	close(g->fd);
	g->fd = -1;
	return -ENOMEM;
}

static inline void
vzc_fake_guest_close(struct vzc_fake_guest *g)
{
	if (g->map != NULL)
		munmap(g->map, g->map_len);
	if (g->fd >= 0)
		close(g->fd);
	memset(g, 0, sizeof(*g));
	g->fd = -1;
}

static inline uint64_t
vzc_fake_guest_gpa(const struct vzc_fake_guest *g, const void *p)
{
	return g->gpa + (uint64_t)((const uint8_t *)p - g->mem);
}

/* Bytes of a split ring of `size` entries as laid out here. */
static inline size_t
vzc_fake_ring_bytes(uint16_t size)
{
	size_t desc = sizeof(struct vzc_desc) * (size_t)size;
	size_t avail = sizeof(struct vzc_avail) + sizeof(uint16_t) *
		((size_t)size + 1);	/* ring, used_event */
	size_t used = sizeof(struct vzc_used) +
		sizeof(struct vzc_used_elem) * (size_t)size +
		sizeof(uint16_t);	/* avail_event */

	/* The used ring on its own 4 KiB, as legacy virtio lays it out. */
	return RTE_ALIGN_CEIL(desc + avail, 4096) + used;
}

/*
 * A fresh ring of `size` entries at byte ring_off of guest memory: zeroed,
 * both indices at `base` (a ring that already ran; the driver side then
 * starts from it, as from SET_VRING_BASE). Returns -EINVAL when it does
 * not fit.
 */
static inline int
vzc_fake_guest_rings(struct vzc_fake_guest *g, uint16_t size, size_t ring_off,
		     uint16_t base)
{
	size_t bytes = vzc_fake_ring_bytes(size);
	size_t desc = sizeof(struct vzc_desc) * (size_t)size;

	if (!vzc_ring_size_valid(size) || ring_off > g->size ||
	    bytes > g->size - ring_off || ring_off % 4096 != 0)
		return -EINVAL;
	memset(g->mem + ring_off, 0, bytes);
	g->ring_size = size;
	g->ring_off = ring_off;
	g->desc = (struct vzc_desc *)(g->mem + ring_off);
	g->avail = (struct vzc_avail *)(g->mem + ring_off + desc);
	g->used = (struct vzc_used *)(g->mem + ring_off +
		RTE_ALIGN_CEIL(desc + sizeof(struct vzc_avail) +
			       sizeof(uint16_t) * ((size_t)size + 1), 4096));
	g->avail->idx = base;
	g->used->idx = base;
	g->base = base;
	g->used_seen = base;
	return 0;
}

/* Guest driver: make head available (release: after the descriptors). */
static inline void
vzc_fake_guest_avail_push(struct vzc_fake_guest *g, uint16_t head)
{
	uint16_t idx = g->avail->idx;

	g->avail->ring[idx & (g->ring_size - 1)] = head;
	__atomic_store_n(&g->avail->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

/*
 * Guest driver: how many used entries the device published that the ring
 * no longer holds, skipped. A guest that re-posts heads still in flight
 * can have more chains out than the ring has slots; the device returns
 * each once, and past ring-size unread entries the oldest are overwritten
 * before the guest reads them (its own doing: only it is harmed).
 */
static inline uint16_t
vzc_fake_guest_used_overrun(struct vzc_fake_guest *g)
{
	uint16_t n = (uint16_t)(__atomic_load_n(&g->used->idx,
						__ATOMIC_ACQUIRE) - g->used_seen);

	if (n <= g->ring_size)
		return 0;
	n -= g->ring_size;
	g->used_seen += n;
	return n;
}

/* Guest driver: the next used element, if the device published one. */
static inline bool
vzc_fake_guest_used_pop(struct vzc_fake_guest *g, struct vzc_used_elem *e)
{
	if (g->used_seen == __atomic_load_n(&g->used->idx, __ATOMIC_ACQUIRE))
		return false;
	*e = g->used->ring[g->used_seen & (g->ring_size - 1)];
	g->used_seen++;
	return true;
}

/*
 * The pretended physical address of byte `off` of guest memory (an offset
 * into the memfd), for IOVA as PA; RTE_BAD_IOVA when unknown.
 */
typedef rte_iova_t (*vzc_fake_phys_t)(uint64_t off, void *arg);

/* How the driver maps guest memory: one memory table. */
struct vzc_fake_mem {
	/* Regions splitting guest memory evenly, GPA-adjacent, each its own
	 * mapping (host-apart); 0 means 1.
	 */
	uint32_t nregions;
	enum vhostzc_iova_mode mode;	/* as for vhostzc_memgen_set_iova */
	size_t page_size;		/* of the "backing file"; 0: 4096 */
	vzc_fake_phys_t phys;		/* VHOSTZC_IOVA_PA only */
	void *phys_arg;
	/* A lend view of its own, as the driver maps it (else lends point
	 * into the read view, and pages freeze only at a stop).
	 */
	bool lend_view;
};

struct vzc_fake_v2p {
	const struct vzc_fake_guest *g;
	const struct vhostzc_memgen *mg;
	vzc_fake_phys_t phys;
	void *arg;
};

/* vhostzc_virt2phys_t over the memgen's lend views: their file offsets. */
static inline rte_iova_t
vzc_fake_virt2phys(const void *va, void *arg)
{
	const struct vzc_fake_v2p *v = arg;
	const uint8_t *p = va;
	uint32_t i;

	for (i = 0; i < v->mg->nregions; i++) {
		const struct vzc_mem_region *r = &v->mg->regions[i];
		const struct vhostzc_map *m = &v->mg->map[i];
		const uint8_t *start = m->lbase + (r->hva - m->base);

		if (p >= start && (uint64_t)(p - start) < r->size)
			return v->phys(r->gpa - v->g->gpa +
				       (uint64_t)(p - start), v->arg);
	}
	return RTE_BAD_IOVA;	/* a fence page: nothing there */
}

/*
 * The driver's view of guest memory: second mappings of the guest's memfd,
 * owned (and unmapped) by the memgen, as vhostzc_memgen_create makes them,
 * with one reference for the caller. NULL when out of memory or when the
 * regions do not split memory into whole pages.
 */
static inline struct vhostzc_memgen *
vzc_fake_guest_memgen(const struct vzc_fake_guest *g, const struct vzc_fake_mem *m)
{
	uint32_t n = m->nregions == 0 ? 1 : m->nregions;
	size_t pg = m->page_size == 0 ? 4096 : m->page_size;
	size_t rsize = g->size / n, i;
	struct vzc_fake_v2p v2p;
	struct vhostzc_memgen *mg;

	if (n > VZC_MAX_REGIONS || rsize == 0 || rsize % pg != 0 ||
	    g->size % n != 0)
		return NULL;
	mg = vhostzc_memgen_alloc();
	if (mg == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		/* Fenced by a whole page: a page table entry of its own. */
		uint8_t *base = vzc_fake_map_fenced(g->fd, (off_t)(i * rsize),
						    rsize, pg);
		uint8_t *lend = NULL;
		struct vhostzc_region r = {
			.gpa = g->gpa + i * rsize,
			.size = rsize,
			.len = rsize + 2 * pg,
			.offset = pg,
			.page_size = pg,
			.fd = -1,
			/* The fence page comes first. */
			.fd_off = (int64_t)(i * rsize) - (int64_t)pg,
		};

		if (base == MAP_FAILED)
			goto fail;
		if (m->lend_view) {
			lend = vzc_fake_map_fenced(g->fd, (off_t)(i * rsize),
						   rsize, pg);
			if (lend == MAP_FAILED)
				lend = NULL;
			r.fd = dup(g->fd);
			if (lend == NULL || r.fd < 0)
				goto fail_region;
		}
		r.base = base;
		r.lend = lend;
		if (vhostzc_memgen_add_region(mg, &r) == 0)
			continue;
fail_region:
		if (lend != NULL)
			munmap(lend, rsize + 2 * pg);
		if (r.fd >= 0)
			close(r.fd);
		munmap(base, rsize + 2 * pg);
		goto fail;
	}
	v2p = (struct vzc_fake_v2p){ g, mg, m->phys, m->phys_arg };
	vhostzc_memgen_set_iova(mg, m->mode,
				m->mode == VHOSTZC_IOVA_PA ? vzc_fake_virt2phys : NULL,
				&v2p);
	return mg;
fail:
	vhostzc_memgen_put(mg);
	return NULL;
}

/* A pool of mbufs as applications make them; cache 0 keeps counts exact. */
static inline struct rte_mempool *
vzc_fake_pool(const char *name, unsigned int n, unsigned int cache)
{
	return rte_pktmbuf_pool_create(name, n, cache, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

/* What the vhost-user negotiation would have decided for one queue. */
struct vzc_fake_rxq {
	/* 0: as the driver derives it from in->zc.max_lent */
	uint32_t max_lent;
	uint16_t hdr_len;	/* 0: 12 (VERSION_1 or MRG_RXBUF) */
	bool event_idx;
	bool in_order;		/* VIRTIO_F_IN_ORDER negotiated */
};

/*
 * A receive queue over g's (split) ring and mapping mg (its reference is
 * taken over; NULL: no mapping at all), set up as vhostzc_rx_queue_setup
 * and a first rxq_attach of a new ring incarnation do it: the base by
 * vzc_ring_set_base, a lender when zero-copy is enabled, the zero-copy
 * mode by the driver's own vhostzc_rxq_zc_mode. No vid, no call or kick
 * fd, no dirty log. NULL when out of memory (mg is then put). The fields
 * those two functions set are copied here: keep them in step (or move
 * them into a vhostzc_rxq_init of the core library that both call).
 */
static inline struct vhostzc_rxq *
vzc_fake_guest_rxq(const struct vzc_fake_guest *g, struct vhostzc_memgen *mg,
		   struct vhostzc_internal *in, struct rte_mempool *mp,
		   const struct vzc_fake_rxq *p)
{
	struct vhostzc_rxq *q = rte_zmalloc_socket("vzc_fake_rxq", sizeof(*q),
						   RTE_CACHE_LINE_SIZE,
						   SOCKET_ID_ANY);

	if (q == NULL) {
		if (mg != NULL)
			vhostzc_memgen_put(mg);
		return NULL;
	}
	/* vhostzc_rx_queue_setup */
	rte_spinlock_init(&q->lock);
	q->mp = mp;
	q->pinned_pool = (rte_pktmbuf_priv_flags(mp) &
			  RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) != 0;
	q->data_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	q->internal = in;
	q->vring_idx = 1;
	q->callfd = -1;
	q->kickfd = -1;
	q->nb_desc = g->ring_size;
	q->logged_mode = -1;
	/* rxq_attach, a new ring incarnation from the ring's own indices */
	q->vid = -1;
	q->vr.packed = false;
	q->vr.size = g->ring_size;
	vzc_ring_set_base(&q->vr, g->base, g->base);
	q->shadow_valid = true;
	if (in->zc.enabled)
		q->lender = vhostzc_lender_create(g->ring_size, SOCKET_ID_ANY);
	vhostzc_rxq_order_setup(q, p->in_order);
	q->vr.desc = g->desc;
	q->vr.avail = g->avail;
	q->vr.used = g->used;
	q->vr.event_idx = p->event_idx;
	vzc_ring_set_notify(&q->vr, q->intr_on);
	q->hdr_len = p->hdr_len != 0 ? p->hdr_len : 12;
	q->mem = mg;
	if (mg != NULL) {
		q->memv.regions = mg->regions;
		q->memv.nregions = mg->nregions;
	}
	vhostzc_rxq_zc_mode(q);
	q->max_lent = p->max_lent != 0 ? p->max_lent :
		in->zc.max_lent != 0 ?
		RTE_MIN(in->zc.max_lent, (uint32_t)g->ring_size) :
		(uint32_t)g->ring_size >> VHOSTZC_DEFAULT_LEND_SHIFT;
	q->ready = true;
	return q;
}

/*
 * A new memory table while the ring runs on (a SET_MEM_TABLE between a
 * pause and a resumed rxq_attach): the queue switches to mg (reference
 * taken over); its lender, with chains still out in the old mapping, stays.
 */
static inline void
vzc_fake_rxq_set_mem(struct vhostzc_rxq *q, struct vhostzc_memgen *mg)
{
	rte_spinlock_lock(&q->lock);
	q->ready = false;
	if (q->mem != NULL)
		vhostzc_memgen_put(q->mem);
	q->mem = mg;
	q->memv.regions = mg != NULL ? mg->regions : NULL;
	q->memv.nregions = mg != NULL ? mg->nregions : 0;
	vhostzc_rxq_zc_mode(q);
	q->ready = true;
	rte_spinlock_unlock(&q->lock);
}

/*
 * The guest stops the rings of queues qs[0..n) (rxqs_end after
 * device_stop_rings paused them all): every chain still lent goes back
 * now, frozen within the port's freeze budget; each lender is orphaned
 * (freed when its last mbuf comes back).
 */
static inline void
vzc_fake_rxqs_stop(struct vhostzc_rxq *const *qs, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		rte_spinlock_lock(&qs[i]->lock);
		qs[i]->ready = false;
		rte_spinlock_unlock(&qs[i]->lock);
	}
	if (n != 0)
		vhostzc_rxqs_return_lent(qs, n,
					 qs[0]->internal->zc.freeze_budget);
	for (i = 0; i < n; i++) {
		if (qs[i]->lender != NULL) {
			vhostzc_lender_orphan(qs[i]->lender);
			qs[i]->lender = NULL;
		}
		qs[i]->lent = 0;
		qs[i]->shadow_valid = false;
	}
}

/* Detach and release the queue (rxq_detach, then the queue release). */
static inline void
vzc_fake_rxq_free(struct vhostzc_rxq *q)
{
	if (q->lender != NULL)
		vhostzc_lender_orphan(q->lender);
	if (q->mem != NULL)
		vhostzc_memgen_put(q->mem);
	rte_free(q);
}

#endif /* VZC_FAKE_GUEST_H */
