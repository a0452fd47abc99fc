/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_ZC_H
#define VHOSTZC_ZC_H

/*
 * The zero-copy lifetime room: our own mappings of guest memory (memgen)
 * with the IOVA of every byte we may lend, the per-ring lending state
 * (lender), and the two calls the receive burst makes: vhostzc_lend()
 * (plan, then attach) and vhostzc_lender_complete(). Everything a device
 * could later read through a lent mbuf's IOVA is decided here, so that an
 * IOVA is either right for whatever device reads it or never handed out.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "vhostzc_compat.h"
#include "vhostzc_ring.h"

/* How lent bytes of one mapping get their IOVA. */
enum vhostzc_iova_mode {
	VHOSTZC_IOVA_NONE = 0,	/* no valid IOVA: such memory is copied */
	VHOSTZC_IOVA_VA,	/* the virtual address; no device maps it */
	VHOSTZC_IOVA_VA_DMA,	/* the virtual address, DMA-mapped in VFIO */
	VHOSTZC_IOVA_PA,	/* per-page host physical address table */
};

/*
 * Translates one virtual address of our mapping to its host physical
 * address; RTE_BAD_IOVA when unknown. The driver reads /proc/self/pagemap;
 * tests pass their own.
 */
typedef rte_iova_t (*vhostzc_virt2phys_t)(const void *va, void *arg);

/*
 * One region of guest memory as we mapped it: twice, from file offset 0.
 * The read view is what the ring walk and every copy read through; lent
 * mbufs point into the lend view. A page of the lend view can then be
 * frozen (a private copy) while the ring runs, for an IN_ORDER early
 * return, without the walk ever reading the copy; it is restored from the
 * file when its last frozen chain comes back. With one view (lbase ==
 * base, or no fd) pages are only frozen at a stop.
 */
struct vhostzc_map {
	uint8_t *base;		/* read view */
	uint8_t *lbase;		/* lend view (may be base) */
	size_t len;
	int fd;			/* the file, for restores; -1: none */
	int64_t fd_off;		/* file offset of lbase */
	size_t page_size;	/* of the backing file */
	uint8_t page_shift;
	uint8_t iova;		/* enum vhostzc_iova_mode */
	bool dma_mapped;	/* in the VFIO container: unmap at free */
	int guard;		/* SIGBUS guard handle of each view, or -1 */
	int lguard;
	uint32_t npages;
	rte_iova_t *page_iova;	/* VHOSTZC_IOVA_PA: per page, or BAD */
	/* Lend-view pages frozen now, one bit each (lends avoid them). */
	VZC_ATOMIC(uint64_t) *frozen_bits;
};

/* What the driver or a test maps one region with (memgen_add_region). */
struct vhostzc_region {
	uint64_t gpa;		/* guest physical start */
	uint64_t size;		/* bytes of guest memory */
	void *base;		/* read view of the file, offset 0 */
	void *lend;		/* lend view of the same file, or NULL */
	size_t len;		/* bytes of each view */
	size_t offset;		/* where gpa is in the views */
	size_t page_size;	/* of the backing file */
	int fd;			/* the file (owned from now on), or -1 */
	int64_t fd_off;		/* file offset of the views' first byte */
};

/* A lend-view page frozen while the ring runs (sorted by addr). */
struct vhostzc_frozen_page {
	uint8_t *addr;
	uint32_t refs;		/* chains returned early over it */
	uint8_t map;
	bool permanent;		/* frozen at a stop too: never restored */
};

/*
 * One set of our own mappings of the guest memory table. The driver maps
 * every region itself from the fd the front-end sent, so the memory stays
 * valid for as long as any mbuf points into it, whatever the vhost library
 * unmaps on SET_MEM_TABLE or disconnect. Refcounted: one reference for the
 * device while it is current, one per lent chain generation.
 */
struct vhostzc_memgen {
	VZC_ATOMIC(uint32_t) refcnt;
	uint32_t nregions;
	uint64_t id;		/* unique per process, from 1 (logs) */
	/* Every region's IOVA is its address (the attach log says so). */
	bool all_va;
	/* The best of the regions' modes, and why some region has none. */
	enum vhostzc_iova_mode mode;
	const char *no_iova_why;
	struct vzc_mem_region regions[VZC_MAX_REGIONS];
	struct vhostzc_map map[VZC_MAX_REGIONS];
	struct vzc_mem_view view;		/* over regions[] */
	/*
	 * Frozen lend-view pages: nfrozen is read by every lending lcore
	 * (relaxed, see vhostzc_lend_plan); the table, under frozen_lock, by
	 * early returns, their completions and stops.
	 */
	VZC_ATOMIC(uint32_t) nfrozen;
	rte_spinlock_t frozen_lock;
	uint64_t frozen_bytes;
	uint32_t nfz, fz_cap;
	struct vhostzc_frozen_page *fz;
};

struct vhostzc_lender;

enum vhostzc_slot_state {
	VHOSTZC_SLOT_FREE = 0,
	VHOSTZC_SLOT_LENT,	/* mbufs out, descriptor owed to the guest */
	VHOSTZC_SLOT_RETURNED,	/* mbufs out, descriptor returned early */
};

/*
 * Host ranges one lent chain may span (after merging adjacent segments):
 * recorded at lend time, so that a stop freezes exactly those pages
 * without reading guest descriptors again. More scattered chains are
 * copied (VHOSTZC_LEND_LAYOUT).
 */
#define VHOSTZC_SLOT_RANGES	4

/* What a stop did to the pages under one lent chain. */
enum vhostzc_freeze_result {
	VHOSTZC_FREEZE_FROZEN = 0,	/* every page a private copy */
	VHOSTZC_FREEZE_DMA,		/* DMA-mapped memory: never frozen */
	VHOSTZC_FREEZE_OVER_BUDGET,	/* past the stop's freeze budget */
	VHOSTZC_FREEZE_FAILED,		/* out of memory, or mremap failed */
};

/*
 * Lending state of one lent chain; cache-line aligned to keep frees on
 * different lcores from sharing lines. Slots are not the ring's heads: a
 * chain returned early (IN_ORDER) keeps its slot until its mbufs come
 * back, while the guest reuses the head. Only the owner touches the
 * fields after idx.
 */
struct vhostzc_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	struct vhostzc_lender *lender;	/* fixed at creation */
	uint32_t idx;			/* in lender->slots, fixed */
	uint16_t head;			/* the chain's head (id) while lent */
	uint8_t gen;			/* index into lender->gens */
	uint8_t state;			/* enum vhostzc_slot_state */
	uint8_t nrange;
	uint8_t freeze;			/* enum vhostzc_freeze_result */
	bool live_frozen;		/* its pages frozen while running */
	uint16_t nslots;		/* ring slots of the chain (packed) */
	uint16_t opos;			/* its place in lender->order */
	uint32_t rlen[VHOSTZC_SLOT_RANGES];
	uint8_t *rbase[VHOSTZC_SLOT_RANGES];	/* in gens[gen]'s mapping */
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
	uint16_t size;		/* of the ring */
	uint8_t cur_gen;	/* generation of the queue's mapping, or NONE */
	uint32_t outstanding;	/* slots not FREE */
	uint32_t nslot;		/* slots: twice the ring */
	uint32_t nfree;		/* free_slot[0..nfree): slots to lend from */
	uint32_t *free_slot;
	/* Per head: the slot it is lent under, or VHOSTZC_NO_SLOT. */
	uint32_t *head_slot;
	struct rte_ring *done;
	/*
	 * Frees on the first thread that lent from the queue (run-to-
	 * completion apps free where they receive) go to this single-producer
	 * ring instead: no compare-and-swap. The owner is a thread, known by
	 * pthread_self() (one load, where rte_lcore_id() from a shared
	 * library is a __tls_get_addr call per free); it never changes, so
	 * it is the only producer; consumers are serialised as for `done`.
	 */
	struct rte_ring *done_local;
	VZC_ATOMIC(uintptr_t) owner_thread;	/* 0 until set */
	struct vhostzc_lend_gen gens[VHOSTZC_LEND_GENS];
	TAILQ_ENTRY(vhostzc_lender) orphan_next;
	/* IN_ORDER: chains given back in take order (vhostzc_ring.h). */
	struct vzc_order order;
	struct vzc_order_ent *order_mem;
	struct vhostzc_slot slots[];
};

#define VHOSTZC_GEN_NONE	UINT8_MAX
#define VHOSTZC_NO_SLOT		UINT32_MAX

/* Largest guest piece one extbuf mbuf can describe (buf_len is 16 bits). */
#define VHOSTZC_EXT_SEG_MAX	61440
/* Most mbufs one received packet may use, head included. */
#define VHOSTZC_MAX_SEGS	128

/* Why a chain cannot be lent (it is then copied, counted by reason). */
enum vhostzc_lend_verdict {
	VHOSTZC_LEND_OK = 0,
	VHOSTZC_LEND_NO_GEN,	/* VHOSTZC_LEND_GENS old mappings still lent */
	VHOSTZC_LEND_LAYOUT,	/* does not fit the segments allowed */
	VHOSTZC_LEND_NO_IOVA,	/* memory without a valid IOVA */
	VHOSTZC_LEND_IOVA_SPLIT,	/* IOVA-discontiguous, one segment allowed */
	VHOSTZC_LEND_FROZEN,	/* over a page frozen for an early return */
	VHOSTZC_LEND_NO_SLOT,	/* every slot out (held after early returns) */
};

/* The extbuf segments one lent chain becomes, and the ranges they cover. */
struct vhostzc_lend_plan {
	uint8_t gen;
	uint8_t nrange;
	uint16_t nseg;
	uint32_t rlen[VHOSTZC_SLOT_RANGES];
	uint8_t *rbase[VHOSTZC_SLOT_RANGES];
	struct {
		uint8_t *base;
		rte_iova_t iova;
		uint16_t len;
	} seg[VHOSTZC_MAX_SEGS];
};

/* Memgen: mappings and their IOVAs (control path unless noted). */
struct vhostzc_memgen *vhostzc_memgen_alloc(void);
struct vhostzc_memgen *vhostzc_memgen_create(int vid, uint64_t owner);
int vhostzc_memgen_add_region(struct vhostzc_memgen *mg,
			      const struct vhostzc_region *r);
void vhostzc_memgen_set_iova(struct vhostzc_memgen *mg,
			     enum vhostzc_iova_mode mode,
			     vhostzc_virt2phys_t virt2phys, void *arg);
void vhostzc_memgen_put(struct vhostzc_memgen *mg);
uint32_t vhostzc_memgen_count(void);
const char *vhostzc_iova_mode_name(enum vhostzc_iova_mode mode);
/* Whether new mappings get DMA-mapped for a VFIO device (IOVA as VA). */
bool vhostzc_memgen_dma_needed(void);

static inline struct vhostzc_memgen *
vhostzc_memgen_get(struct vhostzc_memgen *mg)
{
	/* Relaxed: the caller already holds a reference, nothing to order. */
	(void)vzc_atomic_add_fetch(&mg->refcnt, 1, VZC_RELAXED);
	return mg;
}

/* Lender: owner only, unless noted. */
struct vhostzc_lender *vhostzc_lender_create(uint16_t size, int socket);
/* The lender gives chains back in take order (IN_ORDER) from now on. */
void vhostzc_lender_set_in_order(struct vhostzc_lender *l, bool on);
void vhostzc_lender_orphan(struct vhostzc_lender *l);
void vhostzc_gen_release_if_idle(struct vhostzc_lender *l, uint8_t g);
unsigned int vhostzc_reap_orphans(void);
void vhostzc_zc_free_cb(void *addr, void *opaque);	/* any lcore */
uint32_t vhostzc_lender_count(void);

/*
 * Freezing at a stop (control path, queues paused): every chain lent
 * from the lenders added gets a private copy of the pages under it, each
 * page copied once however many chains or queues share it, until the
 * byte budget is spent; vhostzc_freeze_run leaves the verdict in each
 * lent slot's `freeze`. Then the chains can go back to the guest.
 */
struct vhostzc_freeze;
struct vhostzc_freeze *vhostzc_freeze_begin(uint64_t budget);
void vhostzc_freeze_add(struct vhostzc_freeze *f, struct vhostzc_lender *l);
void vhostzc_freeze_run(struct vhostzc_freeze *f);
void vhostzc_freeze_end(struct vhostzc_freeze *f);

/*
 * IN_ORDER early return (the owner, ring running): freeze the lend-view
 * pages under lent slot s, each page once however many chains share it,
 * while the memgen's frozen bytes stay within budget; the verdict is left
 * in s->freeze. Frozen pages are lent from no more (VHOSTZC_LEND_FROZEN)
 * until vhostzc_slot_thaw, when the slot's mbufs come back, restores the
 * last ones from the file. Any thread for the thaw (the reaper).
 */
enum vhostzc_freeze_result vhostzc_slot_freeze(struct vhostzc_slot *s,
					       uint64_t budget);
void vhostzc_slot_thaw(struct vhostzc_slot *s);

/*
 * Plan the lending of `len` bytes of the pieces iov[0..niov), starting
 * `skip` bytes in, from mapping mg: into at most max_segs extbuf
 * segments, split at VHOSTZC_EXT_SEG_MAX and wherever the IOVA is not
 * contiguous, over at most VHOSTZC_SLOT_RANGES host ranges. Nothing is
 * changed but the lender's current generation.
 */
enum vhostzc_lend_verdict
vhostzc_lend_plan(struct vhostzc_lender *l, struct vhostzc_memgen *mg,
		  const struct vzc_iov *iov, uint16_t niov, uint32_t skip,
		  uint32_t len, uint16_t max_segs, struct vhostzc_lend_plan *p);

/*
 * Lend chain `head` (nslots ring slots) as planned: attach mb[0..p->nseg)
 * to its pieces and
 * mark the slot lent. Plain stores, no atomics: the slot is free, so no
 * free callback can be looking at it; the mbufs reach other lcores only
 * through the application's own hand-off, which orders these writes.
 */
static inline void
vhostzc_lend(struct vhostzc_lender *l, uint16_t head, uint16_t nslots,
	     const struct vhostzc_lend_plan *p, struct rte_mbuf **mb)
{
	/* The plan made sure there is one. */
	struct vhostzc_slot *s = &l->slots[l->free_slot[--l->nfree]];
	uint16_t i;

	for (i = 0; i < p->nseg; i++) {
		rte_pktmbuf_attach_extbuf(mb[i], p->seg[i].base,
					  p->seg[i].iova, p->seg[i].len,
					  &s->shinfo);
		mb[i]->data_len = p->seg[i].len;
	}
	rte_mbuf_ext_refcnt_set(&s->shinfo, p->nseg);
	for (i = 0; i < p->nrange; i++) {
		s->rbase[i] = p->rbase[i];
		s->rlen[i] = p->rlen[i];
	}
	s->nrange = p->nrange;
	s->nslots = nslots;
	s->head = head;
	l->head_slot[head] = s->idx;
	s->gen = p->gen;
	s->live_frozen = false;
	s->state = VHOSTZC_SLOT_LENT;
	l->gens[p->gen].lent++;
	l->outstanding++;
}

/*
 * The first thread to lend from l owns its single-producer completion
 * ring (done_local). Relaxed: the owner stores it once and the free
 * callback only compares it with its own thread (another thread's value,
 * or 0, is never equal).
 */
static inline void
vhostzc_lender_claim(struct vhostzc_lender *l)
{
	if (unlikely(vzc_atomic_load(&l->owner_thread, VZC_RELAXED) == 0))
		vzc_atomic_store(&l->owner_thread, (uintptr_t)pthread_self(),
				 VZC_RELAXED);
}

/* The slot chain head is lent under, or NULL. */
static inline struct vhostzc_slot *
vhostzc_lent_slot(struct vhostzc_lender *l, uint16_t head)
{
	uint32_t i = l->head_slot[head];

	return i == VHOSTZC_NO_SLOT ? NULL : &l->slots[i];
}

/* The guest has the head back (the slot may wait for its mbufs). */
static inline void
vhostzc_head_returned(struct vhostzc_lender *l, struct vhostzc_slot *s)
{
	l->head_slot[s->head] = VHOSTZC_NO_SLOT;
}

/* A lent chain's last mbuf was freed (its slot came out of `done`). */
static inline void
vhostzc_lender_complete(struct vhostzc_lender *l, uint32_t idx)
{
	struct vhostzc_slot *s = &l->slots[idx];

	if (unlikely(s->live_frozen))
		vhostzc_slot_thaw(s);
	if (s->state == VHOSTZC_SLOT_LENT)
		vhostzc_head_returned(l, s);
	s->state = VHOSTZC_SLOT_FREE;
	l->free_slot[l->nfree++] = idx;
	l->outstanding--;
	/* An older mapping whose last chain came back is released. */
	if (--l->gens[s->gen].lent == 0 && s->gen != l->cur_gen)
		vhostzc_gen_release_if_idle(l, s->gen);
}

#endif /* VHOSTZC_ZC_H */
