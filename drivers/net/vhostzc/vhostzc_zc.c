/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Zero-copy lifetime: our own mappings of guest memory (memgen), the
 * per-ring lending state (lender), and the extbuf free callback that runs
 * on whichever lcore frees the last segment of a lent packet.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_alarm.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "vhostzc.h"

/* Live objects, for leak checks in tests and the xstats. */
static VZC_ATOMIC(uint32_t) memgen_live;
static VZC_ATOMIC(uint32_t) lender_live;

uint32_t
vhostzc_memgen_count(void)
{
	return vzc_atomic_load(&memgen_live, VZC_RELAXED);
}

uint32_t
vhostzc_lender_count(void)
{
	return vzc_atomic_load(&lender_live, VZC_RELAXED);
}

static void
memgen_free(struct vhostzc_memgen *mg)
{
	uint32_t i;

	for (i = 0; i < mg->nregions; i++)
		if (mg->map_base[i] != NULL)
			munmap(mg->map_base[i], mg->map_len[i]);
	free(mg);
	vzc_atomic_sub_fetch(&memgen_live, 1, VZC_RELAXED);
}

/* An empty mapping set holding one reference; regions are filled in next. */
struct vhostzc_memgen *
vhostzc_memgen_alloc(void)
{
	struct vhostzc_memgen *mg = calloc(1, sizeof(*mg));

	if (mg == NULL)
		return NULL;
	mg->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	mg->view.regions = mg->regions;
	vzc_atomic_store(&mg->refcnt, 1, VZC_RELAXED);
	vzc_atomic_add_fetch(&memgen_live, 1, VZC_RELAXED);
	return mg;
}

/*
 * Map the front-end's current memory table ourselves. The vhost library
 * keeps each region's fd open while the table is current, so a second
 * mapping of the same fd is always possible here; from then on the pages
 * stay ours until munmap, independent of the library's own mapping.
 * Returns NULL when a region cannot be mapped: the caller then runs the
 * queue in copy mode through the library's mapping.
 */
struct vhostzc_memgen *
vhostzc_memgen_create(int vid)
{
	struct rte_vhost_memory *mem = NULL;
	struct vhostzc_memgen *mg;
	uint32_t i;

	if (rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		return NULL;
	if (mem->nregions > VZC_MAX_REGIONS) {
		VHOSTZC_LOG(ERR, "%u memory regions, at most %u supported",
			    mem->nregions, VZC_MAX_REGIONS);
		goto fail_mem;
	}
	mg = vhostzc_memgen_alloc();
	if (mg == NULL)
		goto fail_mem;

	for (i = 0; i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];
		uint64_t off = r->host_user_addr - (uint64_t)(uintptr_t)r->mmap_addr;
		struct stat st;
		void *base;

		if (r->fd < 0 || r->mmap_size == 0 ||
		    off > r->mmap_size || r->size > r->mmap_size - off) {
			VHOSTZC_LOG(WARNING, "region %u has no usable fd", i);
			goto fail_map;
		}
		base = mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE,
			    MAP_SHARED, r->fd, 0);
		if (base == MAP_FAILED) {
			VHOSTZC_LOG(WARNING, "cannot map region %u: %s", i,
				    strerror(errno));
			goto fail_map;
		}
		mg->map_base[i] = base;
		mg->map_len[i] = r->mmap_size;
		/* hugetlbfs reports its page size as the block size. */
		mg->page_size[i] = fstat(r->fd, &st) == 0 && st.st_blksize > 0 ?
			(size_t)st.st_blksize : 4096;
		mg->regions[i].gpa = r->guest_phys_addr;
		mg->regions[i].size = r->size;
		mg->regions[i].hva = (uint8_t *)base + off;
		mg->nregions = i + 1;
		mg->view.nregions = mg->nregions;
	}
	free(mem);
	return mg;

fail_map:
	memgen_free(mg);
fail_mem:
	free(mem);
	return NULL;
}

void
vhostzc_memgen_put(struct vhostzc_memgen *mg)
{
	/*
	 * Release on the decrement orders this holder's reads of guest memory
	 * before the unmap; the last holder's acquire (fused in acq_rel) makes
	 * every other holder's reads happen-before the munmap.
	 */
	if (vzc_atomic_sub_fetch(&mg->refcnt, 1, VZC_ACQ_REL) == 0)
		memgen_free(mg);
}

/*
 * Freeze [addr, addr + len) of our mapping: each page under it is replaced,
 * at the same address, by a private anonymous copy. Used when a ring stops
 * with chains still lent: the descriptors go back to the guest, which may
 * then reuse the buffers, while the app keeps reading the bytes it was
 * given. mremap swaps the page in one step under the mm lock, so a reader
 * on another lcore sees the old page or its identical copy, never a hole.
 * A write by the app between the copy and the swap would be lost; the app
 * should not write into the payload of a zero-copy packet (see the docs).
 * Control path only. Returns 0 or -errno.
 */
int
vhostzc_memgen_snapshot(struct vhostzc_memgen *mg, const uint8_t *addr,
			uint32_t len)
{
	uint32_t i;

	for (i = 0; i < mg->nregions; i++) {
		uint8_t *base = mg->map_base[i];
		size_t pg = mg->page_size[i];
		uintptr_t p, end;

		if (addr < base || addr + len > base + mg->map_len[i])
			continue;
		p = RTE_ALIGN_FLOOR((uintptr_t)addr, pg);
		end = RTE_ALIGN_CEIL((uintptr_t)addr + len, pg);
		for (; p < end; p += pg) {
			void *copy = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (copy == MAP_FAILED)
				return -errno;
			memcpy(copy, (void *)p, pg);
			if (mremap(copy, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED,
				   (void *)p) == MAP_FAILED) {
				int err = errno;

				munmap(copy, pg);
				return -err;
			}
		}
		return 0;
	}
	return -EINVAL;
}

struct vhostzc_lender *
vhostzc_lender_create(uint16_t size, int socket)
{
	struct vhostzc_lender *l;
	unsigned int count = rte_align32pow2((uint32_t)size + 1);
	ssize_t ring_sz = rte_ring_get_memsize(count);
	size_t slots_sz = sizeof(struct vhostzc_slot) * size;
	uint16_t i;

	if (ring_sz < 0)
		return NULL;
	l = rte_zmalloc_socket("vhostzc_lender",
			       sizeof(*l) + slots_sz + 2 * (size_t)ring_sz,
			       RTE_CACHE_LINE_SIZE, socket);
	if (l == NULL)
		return NULL;
	l->size = size;
	l->cur_gen = VHOSTZC_GEN_NONE;
	vzc_atomic_store(&l->owner_lcore, LCORE_ID_ANY, VZC_RELAXED);
	/*
	 * Capacity count - 1 >= size: every head is in one of the rings at
	 * most once, so the enqueue in the free callback never fails.
	 */
	l->done = (struct rte_ring *)((uint8_t *)l->slots + slots_sz);
	l->done_local = (struct rte_ring *)((uint8_t *)l->done + ring_sz);
	if (rte_ring_init(l->done, "vhostzc_done", count, RING_F_SC_DEQ) != 0 ||
	    rte_ring_init(l->done_local, "vhostzc_done_local", count,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		rte_free(l);
		return NULL;
	}
	for (i = 0; i < size; i++) {
		l->slots[i].lender = l;
		l->slots[i].head = i;
		l->slots[i].shinfo.free_cb = vhostzc_zc_free_cb;
		l->slots[i].shinfo.fcb_opaque = &l->slots[i];
	}
	vzc_atomic_add_fetch(&lender_live, 1, VZC_RELAXED);
	return l;
}

void
vhostzc_gen_release_if_idle(struct vhostzc_lender *l, uint8_t g)
{
	if (l->gens[g].mg != NULL && l->gens[g].lent == 0 && g != l->cur_gen) {
		vhostzc_memgen_put(l->gens[g].mg);
		l->gens[g].mg = NULL;
	}
}

/*
 * Make mg the mapping new chains are lent from; returns its generation
 * index, or -1 when VHOSTZC_LEND_GENS older mappings still have chains out
 * (the caller then copies). Owner only.
 */
int
vhostzc_lender_new_gen(struct vhostzc_lender *l, struct vhostzc_memgen *mg)
{
	uint8_t g, old = l->cur_gen, free_g = VHOSTZC_GEN_NONE;

	for (g = 0; g < VHOSTZC_LEND_GENS; g++) {
		if (l->gens[g].mg == mg)
			break;
		if (l->gens[g].mg == NULL && free_g == VHOSTZC_GEN_NONE)
			free_g = g;
	}
	if (g == VHOSTZC_LEND_GENS) {
		if (free_g == VHOSTZC_GEN_NONE)
			return -1;
		g = free_g;
		l->gens[g].mg = vhostzc_memgen_get(mg);
		l->gens[g].lent = 0;
	}
	l->cur_gen = g;
	if (old != VHOSTZC_GEN_NONE)
		vhostzc_gen_release_if_idle(l, old);
	return g;
}

static void
lender_free(struct vhostzc_lender *l)
{
	uint8_t g;

	for (g = 0; g < VHOSTZC_LEND_GENS; g++)
		if (l->gens[g].mg != NULL)
			vhostzc_memgen_put(l->gens[g].mg);
	rte_free(l);
	vzc_atomic_sub_fetch(&lender_live, 1, VZC_RELAXED);
}

/* Drain completions; true when no mbuf of this lender is out any more. */
static bool
lender_drain(struct vhostzc_lender *l)
{
	struct rte_ring *rings[] = { l->done_local, l->done };
	void *objs[64];
	unsigned int n, i, r;

	for (r = 0; r < RTE_DIM(rings); r++) {
		do {
			n = rte_ring_sc_dequeue_burst(rings[r], objs,
						      RTE_DIM(objs), NULL);
			for (i = 0; i < n; i++)
				vhostzc_lender_complete(l,
					(uint16_t)(uintptr_t)objs[i]);
		} while (n == RTE_DIM(objs));
	}
	return l->outstanding == 0;
}

static TAILQ_HEAD(, vhostzc_lender) orphans = TAILQ_HEAD_INITIALIZER(orphans);
static pthread_mutex_t orphans_lock = PTHREAD_MUTEX_INITIALIZER;
static bool reaper_armed;

#define VHOSTZC_REAP_US	(20 * 1000)

static void
reaper_alarm(void *arg __rte_unused)
{
	pthread_mutex_lock(&orphans_lock);
	reaper_armed = false;
	pthread_mutex_unlock(&orphans_lock);
	vhostzc_reap_orphans();
}

/* Orphans list lock held. */
static void
reaper_arm(void)
{
	if (!reaper_armed && !TAILQ_EMPTY(&orphans) &&
	    rte_eal_alarm_set(VHOSTZC_REAP_US, reaper_alarm, NULL) == 0)
		reaper_armed = true;
}

/*
 * Free orphaned lenders whose mbufs have all come back; re-arms itself
 * while some are still out. Returns how many orphans remain.
 */
unsigned int
vhostzc_reap_orphans(void)
{
	struct vhostzc_lender *l, *next;
	unsigned int left = 0;

	pthread_mutex_lock(&orphans_lock);
	for (l = TAILQ_FIRST(&orphans); l != NULL; l = next) {
		next = TAILQ_NEXT(l, orphan_next);
		if (lender_drain(l)) {
			TAILQ_REMOVE(&orphans, l, orphan_next);
			lender_free(l);
		} else {
			left++;
		}
	}
	reaper_arm();
	pthread_mutex_unlock(&orphans_lock);
	return left;
}

/*
 * The ring incarnation ended (queue paused by the caller): completions
 * can no longer reach a ring. Free the lender now if nothing is out, else
 * hand it to the reaper, which becomes its single consumer.
 */
void
vhostzc_lender_orphan(struct vhostzc_lender *l)
{
	uint8_t g;

	l->cur_gen = VHOSTZC_GEN_NONE;
	for (g = 0; g < VHOSTZC_LEND_GENS; g++)
		vhostzc_gen_release_if_idle(l, g);
	if (lender_drain(l)) {
		lender_free(l);
		return;
	}
	pthread_mutex_lock(&orphans_lock);
	TAILQ_INSERT_TAIL(&orphans, l, orphan_next);
	reaper_arm();
	pthread_mutex_unlock(&orphans_lock);
}

/*
 * Runs when the last mbuf attached to a lent chain is freed, on any lcore,
 * possibly long after the port stopped or the front-end went away. It only
 * hands the head to the lender's owner: no counter, no lock.
 */
void
vhostzc_zc_free_cb(void *addr __rte_unused, void *opaque)
{
	const struct vhostzc_slot *s = opaque;
	struct vhostzc_lender *l = s->lender;
	unsigned int lcore = rte_lcore_id();

	/*
	 * Both enqueues have release semantics, pairing with the owner's
	 * dequeue (acquire): the app's reads of the guest buffer through
	 * this mbuf happen before the guest is told the buffer is free.
	 * Neither can fail (see lender_create); lender and head never change.
	 * The owner lcore was set once by the thread that now compares it,
	 * or by another (then it is not equal): relaxed is enough.
	 */
	if (lcore != LCORE_ID_ANY &&
	    lcore == vzc_atomic_load(&l->owner_lcore, VZC_RELAXED))
		rte_ring_sp_enqueue(l->done_local, (void *)(uintptr_t)s->head);
	else
		rte_ring_mp_enqueue(l->done, (void *)(uintptr_t)s->head);
}
