/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Zero-copy lifetime: our own mappings of guest memory (memgen), the
 * per-ring lending state (lender), and the extbuf free callback that runs
 * on whichever lcore frees the last segment of a lent packet.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>
#include <rte_vhost.h>

#include "vhostzc.h"
#include "vhostzc_guard.h"

/* Live objects, for leak checks in tests and the xstats. */
static VZC_ATOMIC(uint32_t) memgen_live;
static VZC_ATOMIC(uint32_t) lender_live;
static VZC_ATOMIC(uint64_t) memgen_ids;

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

	for (i = 0; i < mg->nregions; i++) {
		struct vhostzc_map *m = &mg->map[i];

		if (m->dma_mapped &&
		    rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
				(uint64_t)(uintptr_t)m->lbase,
				(uint64_t)(uintptr_t)m->lbase, m->len) != 0)
			VHOSTZC_LOG(WARNING, "DMA unmap of %zu B at %p failed: %s",
				    m->len, m->lbase, rte_strerror(rte_errno));
		vhostzc_guard_del(m->guard);
		if (m->lbase != NULL && m->lbase != m->base) {
			vhostzc_guard_del(m->lguard);
			munmap(m->lbase, m->len);
		}
		if (m->base != NULL)
			munmap(m->base, m->len);
		if (m->fd >= 0)
			close(m->fd);
		free(m->page_iova);
		free(m->frozen_bits);
	}
	free(mg->fz);
	free(mg);
	(void)vzc_atomic_sub_fetch(&memgen_live, 1, VZC_RELAXED);
}

/* An empty mapping set holding one reference; regions are added next. */
struct vhostzc_memgen *
vhostzc_memgen_alloc(void)
{
	struct vhostzc_memgen *mg = calloc(1, sizeof(*mg));

	if (mg == NULL)
		return NULL;
	mg->view.regions = mg->regions;
	rte_spinlock_init(&mg->frozen_lock);
	mg->id = vzc_atomic_add_fetch(&memgen_ids, 1, VZC_RELAXED);
	vzc_atomic_store(&mg->refcnt, 1, VZC_RELAXED);
	(void)vzc_atomic_add_fetch(&memgen_live, 1, VZC_RELAXED);
	return mg;
}

/*
 * Add one region: guest [r->gpa, r->gpa + r->size) is at offset r->offset
 * of the views r->base (read) and r->lend (lend; NULL: the read view
 * itself) of a file with pages of r->page_size, each r->len bytes. From
 * now on the memgen owns both mappings and r->fd. No IOVA until
 * vhostzc_memgen_set_iova. The one place a region is set up, for the
 * driver and its tests.
 */
int
vhostzc_memgen_add_region(struct vhostzc_memgen *mg,
			  const struct vhostzc_region *r)
{
	struct vhostzc_map *m;

	if (mg->nregions == VZC_MAX_REGIONS || r->offset > r->len ||
	    r->size > r->len - r->offset || r->page_size == 0 ||
	    (r->page_size & (r->page_size - 1)) != 0)
		return -EINVAL;
	m = &mg->map[mg->nregions];
	*m = (struct vhostzc_map){
		.base = r->base,
		.lbase = r->lend != NULL ? r->lend : r->base,
		.len = r->len,
		.fd = r->fd,
		.fd_off = r->fd_off,
		.page_size = r->page_size,
		.page_shift = (uint8_t)rte_bsf64(r->page_size),
		.iova = VHOSTZC_IOVA_NONE,
		.guard = -1,
		.lguard = -1,
	};
	if (m->lbase != m->base) {
		size_t pages = (r->len + r->page_size - 1) >> m->page_shift;

		/* Without it nothing is frozen while running: still usable. */
		m->frozen_bits = calloc((pages + 63) / 64, sizeof(uint64_t));
	}
	mg->regions[mg->nregions] = (struct vzc_mem_region){
		.gpa = r->gpa,
		.size = r->size,
		.hva = (uint8_t *)r->base + r->offset,
	};
	mg->nregions++;
	mg->view.nregions = mg->nregions;
	return 0;
}

const char *
vhostzc_iova_mode_name(enum vhostzc_iova_mode mode)
{
	switch (mode) {
	case VHOSTZC_IOVA_VA:
		return "IOVA as VA";
	case VHOSTZC_IOVA_VA_DMA:
		return "IOVA as VA, DMA-mapped in VFIO";
	case VHOSTZC_IOVA_PA:
		return "IOVA as PA";
	default:
		return "no IOVA";
	}
}

/* Physical addresses of a mapping's pages, or none (small pages). */
static void
map_set_pa(struct vhostzc_memgen *mg, struct vhostzc_map *m,
	   vhostzc_virt2phys_t virt2phys, void *arg)
{
	uint32_t p, known = 0;

	/*
	 * Pages smaller than a hugepage are neither pinned nor stable: the
	 * kernel may move or reclaim them at any time, so no physical
	 * address of theirs is an IOVA.
	 */
	if (m->page_size < RTE_PGSIZE_2M) {
		mg->no_iova_why = "guest memory on small pages with IOVA as PA; "
			"use hugepage-backed guest memory or --iova-mode=va";
		return;
	}
	m->npages = (uint32_t)((m->len + m->page_size - 1) >> m->page_shift);
	m->page_iova = malloc(sizeof(*m->page_iova) * m->npages);
	if (m->page_iova == NULL) {
		mg->no_iova_why = "out of memory for the page table";
		return;
	}
	for (p = 0; p < m->npages; p++) {
		m->page_iova[p] = virt2phys(m->lbase + ((size_t)p << m->page_shift),
					    arg);
		known += m->page_iova[p] != RTE_BAD_IOVA;
	}
	if (known == 0) {
		free(m->page_iova);
		m->page_iova = NULL;
		m->npages = 0;
		mg->no_iova_why = "physical addresses unreadable "
			"(/proc/self/pagemap needs CAP_SYS_ADMIN)";
		return;
	}
	m->iova = VHOSTZC_IOVA_PA;
}

/*
 * Give every region its IOVA source for `mode`: VA (nothing to look up),
 * VA_DMA (regions that were DMA-mapped; the others have none), or PA (a
 * per-page table from virt2phys, hugepage-backed regions only). The one
 * place IOVAs are set up, for the driver and its tests.
 */
void
vhostzc_memgen_set_iova(struct vhostzc_memgen *mg, enum vhostzc_iova_mode mode,
			vhostzc_virt2phys_t virt2phys, void *arg)
{
	uint32_t i;

	mg->all_va = mg->nregions != 0;
	mg->mode = VHOSTZC_IOVA_NONE;
	for (i = 0; i < mg->nregions; i++) {
		struct vhostzc_map *m = &mg->map[i];

		if (mode == VHOSTZC_IOVA_VA)
			m->iova = VHOSTZC_IOVA_VA;
		else if (mode == VHOSTZC_IOVA_VA_DMA)
			m->iova = m->dma_mapped ? VHOSTZC_IOVA_VA_DMA :
				VHOSTZC_IOVA_NONE;
		else if (mode == VHOSTZC_IOVA_PA)
			map_set_pa(mg, m, virt2phys, arg);
		if (m->iova != VHOSTZC_IOVA_VA && m->iova != VHOSTZC_IOVA_VA_DMA)
			mg->all_va = false;
		if (m->iova != VHOSTZC_IOVA_NONE)
			mg->mode = (enum vhostzc_iova_mode)m->iova;
	}
}

/*
 * IOVA of lend-view [va, va + len) inside map m, and in *contig how many
 * bytes from va on are IOVA-contiguous (at most len). RTE_BAD_IOVA when
 * the region has none. One table step per page crossed.
 */
static inline rte_iova_t
map_iova(const struct vhostzc_map *m, const uint8_t *va, uint32_t len,
	 uint32_t *contig)
{
	size_t off = (size_t)(va - m->lbase), in_page, run;
	uint32_t pg;
	rte_iova_t first;

	if (m->iova == VHOSTZC_IOVA_VA || m->iova == VHOSTZC_IOVA_VA_DMA) {
		*contig = (uint32_t)RTE_MIN((size_t)len, m->len - off);
		return (rte_iova_t)(uintptr_t)va;
	}
	*contig = 0;
	if (m->iova != VHOSTZC_IOVA_PA)
		return RTE_BAD_IOVA;
	pg = (uint32_t)(off >> m->page_shift);
	first = m->page_iova[pg];
	if (first == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	in_page = off & (m->page_size - 1);
	run = m->page_size - in_page;
	for (; run < len && pg + 1 < m->npages &&
	       m->page_iova[pg + 1] != RTE_BAD_IOVA &&
	       m->page_iova[pg + 1] == m->page_iova[pg] + m->page_size;
	     pg++)
		run += m->page_size;
	*contig = (uint32_t)RTE_MIN(run, (size_t)len);
	return first + in_page;
}

/* /proc/self/pagemap: the physical address of one mapped virtual page. */
static rte_iova_t
pagemap_virt2phys(const void *va, void *arg)
{
	int fd = *(int *)arg;
	uint64_t e, pfn;
	off_t at = (off_t)((uintptr_t)va / 4096) * (off_t)sizeof(e);

	if (pread(fd, &e, sizeof(e), at) != (ssize_t)sizeof(e))
		return RTE_BAD_IOVA;
	/* Bit 63: present; bits 0-54: page frame (0 without CAP_SYS_ADMIN). */
	pfn = e & ((1ULL << 55) - 1);
	if ((e & (1ULL << 63)) == 0 || pfn == 0)
		return RTE_BAD_IOVA;
	return pfn * 4096 + ((uintptr_t)va & 4095);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

/*
 * Where our mappings go when a VFIO IOMMU translates their IOVAs (= their
 * virtual addresses): below 2^39, the narrowest address width an IOMMU
 * that EAL accepts for IOVA as VA has (Intel VT-d's 3-level tables;
 * QEMU's emulated intel-iommu defaults to it), and above 4 GiB, where EAL
 * puts its own memory for the same reason.
 */
#define VHOSTZC_DMA_VA_MIN	(1ULL << 32)
#define VHOSTZC_DMA_VA_LIMIT	(1ULL << 39)

/* mmap fd at the lowest free, aligned address in the DMA window. */
static void *
mmap_dma_window(int fd, size_t len, size_t align, int flags)
{
	uint64_t prev_end = VHOSTZC_DMA_VA_MIN;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	void *ret = MAP_FAILED;

	if (f == NULL)
		return MAP_FAILED;
	for (;;) {
		unsigned long long start = UINT64_MAX, end = UINT64_MAX;
		bool more = fgets(line, sizeof(line), f) != NULL;
		uint64_t at;

		if (more && sscanf(line, "%llx-%llx", &start, &end) != 2)
			continue;
		at = RTE_ALIGN_CEIL(prev_end, align);
		if (at < start && start - at >= len &&
		    at + len <= VHOSTZC_DMA_VA_LIMIT) {
			ret = mmap((void *)(uintptr_t)at, len,
				   PROT_READ | PROT_WRITE,
				   flags | MAP_FIXED_NOREPLACE, fd, 0);
			/* A kernel without the flag took it as a hint. */
			if (ret != MAP_FAILED && ret != (void *)(uintptr_t)at) {
				munmap(ret, len);
				ret = MAP_FAILED;
				errno = ENOMEM;
				break;
			}
			/* Taken meanwhile by another thread: keep looking. */
			if (ret != MAP_FAILED || errno != EEXIST)
				break;
		}
		if (!more || prev_end >= VHOSTZC_DMA_VA_LIMIT)
			break;
		if (end > prev_end)
			prev_end = end;
	}
	fclose(f);
	return ret;
}

/*
 * True when this process drives a device through a VFIO IOMMU (a group is
 * open), so that the IOVA of lent memory must be mapped in the default
 * container. Without one there is nothing to map (and EAL would log an
 * error for the attempt).
 */
bool
vhostzc_memgen_dma_needed(void)
{
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (rte_eal_iova_mode() != RTE_IOVA_VA || !rte_vfio_is_enabled("vfio"))
		return false;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], target[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strncmp(target, "/dev/vfio/", 10) == 0 &&
			target[10] >= '0' && target[10] <= '9';
	}
	closedir(d);
	return found;
}

/*
 * Map the front-end's current memory table ourselves. The vhost library
 * keeps each region's fd open while the table is current, so a second
 * mapping of the same fd is always possible here; from then on the pages
 * stay ours until munmap, independent of the library's own mapping.
 * Then give every region an IOVA that is right for EAL's IOVA mode:
 * - VA without VFIO: the address; no device translates it;
 * - VA with VFIO: the address, placed below the IOMMU's width and
 *   DMA-mapped in the default container (unmapped when the memgen goes);
 * - PA: per page its physical address from /proc/self/pagemap, for
 *   hugepage-backed regions (mapped with MAP_POPULATE so every page has
 *   one); small-page regions have none and are copied.
 * Every mapping is guarded against its file shrinking later (SIGBUS, see
 * vhostzc_guard.h) on behalf of owner. Returns NULL when a region cannot
 * be mapped: the caller then runs the queue in copy mode through the
 * library's mapping.
 */
struct vhostzc_memgen *
vhostzc_memgen_create(int vid, uint64_t owner)
{
	struct rte_vhost_memory *mem = NULL;
	enum rte_iova_mode eal = rte_eal_iova_mode();
	bool dma = vhostzc_memgen_dma_needed();
	struct vhostzc_memgen *mg;
	int pagemap = -1;
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
		int flags = MAP_SHARED;
		size_t pg = 4096;
		struct vhostzc_region reg;
		struct stat st;
		void *base, *lend;

		if (r->fd < 0 || r->mmap_size == 0 ||
		    off > r->mmap_size || r->size > r->mmap_size - off) {
			VHOSTZC_LOG(WARNING, "region %u has no usable fd", i);
			goto fail_map;
		}
		/* What the file cannot back we never map (SIGBUS). */
		if (fstat(r->fd, &st) != 0 || st.st_size < 0 ||
		    (uint64_t)st.st_size < off + r->size) {
			VHOSTZC_LOG(WARNING, "region %u: file smaller than its "
				    "mapping", i);
			goto fail_map;
		}
		/* hugetlbfs reports its page size as the block size. */
		if (st.st_blksize > 0 &&
		    rte_is_power_of_2((uint64_t)st.st_blksize))
			pg = (size_t)st.st_blksize;
		if (eal == RTE_IOVA_PA && pg >= RTE_PGSIZE_2M)
			flags |= MAP_POPULATE;
		/* Read view anywhere; the lend view is what a device reads. */
		base = mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE, flags,
			    r->fd, 0);
		if (base == MAP_FAILED) {
			VHOSTZC_LOG(WARNING, "cannot map region %u: %s", i,
				    strerror(errno));
			goto fail_map;
		}
		lend = dma ? mmap_dma_window(r->fd, r->mmap_size, pg, flags) :
			mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE, flags,
			     r->fd, 0);
		if (lend == MAP_FAILED) {
			VHOSTZC_LOG(WARNING, "cannot map region %u%s: %s", i,
				    dma ? " below the IOMMU's address width" : "",
				    strerror(errno));
			munmap(base, r->mmap_size);
			goto fail_map;
		}
		reg = (struct vhostzc_region){
			.gpa = r->guest_phys_addr,
			.size = r->size,
			.base = base,
			.lend = lend,
			.len = r->mmap_size,
			.offset = off,
			.page_size = pg,
			.fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0),
		};
		if (vhostzc_memgen_add_region(mg, &reg) != 0) {
			if (reg.fd >= 0)
				close(reg.fd);
			munmap(lend, r->mmap_size);
			munmap(base, r->mmap_size);
			goto fail_map;
		}
		mg->map[i].guard = vhostzc_guard_add(base, r->mmap_size, owner);
		mg->map[i].lguard = vhostzc_guard_add(lend, r->mmap_size, owner);
		base = lend;	/* what is DMA-mapped */
		if (dma) {
			if (rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
					(uint64_t)(uintptr_t)base,
					(uint64_t)(uintptr_t)base,
					r->mmap_size) == 0) {
				mg->map[i].dma_mapped = true;
			} else {
				mg->no_iova_why = "VFIO DMA map failed "
					"(RLIMIT_MEMLOCK or the VFIO dma_entry_limit)";
				VHOSTZC_LOG(WARNING, "region %u: VFIO DMA map of %"
					    PRIu64 " B failed: %s", i,
					    r->mmap_size,
					    rte_strerror(rte_errno));
			}
		}
	}
	free(mem);
	if (eal == RTE_IOVA_PA) {
		pagemap = open("/proc/self/pagemap", O_RDONLY);
		vhostzc_memgen_set_iova(mg, VHOSTZC_IOVA_PA,
					pagemap_virt2phys, &pagemap);
		if (pagemap >= 0)
			close(pagemap);
	} else {
		vhostzc_memgen_set_iova(mg, dma ? VHOSTZC_IOVA_VA_DMA :
					VHOSTZC_IOVA_VA, NULL, NULL);
	}
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
 * Freeze one page of our mapping: replace it, at the same address, by a
 * private anonymous copy. Used when a ring stops with chains still lent:
 * the descriptors go back to the guest, which may then reuse the buffers,
 * while the app keeps reading the bytes it was given. mremap swaps the
 * page in one step under the mm lock, so a reader on another lcore sees
 * the old page or its identical copy, never a hole. A write by the app
 * between the copy and the swap would be lost; the app should not write
 * into the payload of a zero-copy packet (see the docs).
 */
static int
freeze_page(uintptr_t p, size_t pg)
{
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
	return 0;
}

enum freeze_page_state {
	FREEZE_PAGE_NEW,
	FREEZE_PAGE_CLAIMED,	/* counted for the chain being decided */
	FREEZE_PAGE_FROZEN,
	FREEZE_PAGE_DMA,	/* DMA-mapped: never frozen */
	FREEZE_PAGE_FAILED,
};

struct freeze_page {
	uintptr_t addr;
	size_t size;
	struct vhostzc_memgen *mg;
	uint8_t map;
	uint8_t state;	/* enum freeze_page_state */
};

/*
 * DMA-mapped memory is never frozen: the IOMMU keeps translating the
 * lent IOVAs to the guest's pages, and VFIO cannot switch them to the
 * copies atomically, so a freeze would make the CPU and a device read
 * different bytes. There the chain is returned unfrozen (counted). With
 * IOVA as PA the CPU view is frozen; a device that reads the lent
 * physical address after the stop reads the guest's page (doc/design.md).
 */
struct vhostzc_freeze {
	uint64_t budget;	/* bytes still to copy */
	bool nomem;		/* some chain could not be recorded */
	uint32_t npages, pages_cap;
	struct freeze_page *pages;
	uint32_t nslots, slots_cap;
	struct vhostzc_slot **slots;
};

struct vhostzc_freeze *
vhostzc_freeze_begin(uint64_t budget)
{
	struct vhostzc_freeze *f = calloc(1, sizeof(*f));

	if (f != NULL)
		f->budget = budget;
	return f;
}

/* Append to a growing array; false when out of memory. */
static bool
grow(void **arr, uint32_t *cap, uint32_t n, size_t elt)
{
	uint32_t ncap;
	void *a;

	if (n < *cap)
		return true;
	ncap = *cap != 0 ? *cap * 2 : 256;
	a = realloc(*arr, (size_t)ncap * elt);
	if (a == NULL)
		return false;
	*arr = a;
	*cap = ncap;
	return true;
}

static const struct vhostzc_map *
map_of(const struct vhostzc_memgen *mg, const uint8_t *va)
{
	uint32_t i;

	for (i = 0; i < mg->nregions; i++)
		if (va >= mg->map[i].lbase &&
		    (size_t)(va - mg->map[i].lbase) < mg->map[i].len)
			return &mg->map[i];
	return NULL;
}

/*
 * Call fn on the start of every page under s's recorded ranges (a page two
 * ranges share, more than once); stops at the first nonzero result.
 */
static int
slot_each_page(struct vhostzc_freeze *f, const struct vhostzc_slot *s,
	       int (*fn)(struct vhostzc_freeze *f, uintptr_t page,
			 struct vhostzc_memgen *mg, const struct vhostzc_map *m,
			 void *arg), void *arg)
{
	struct vhostzc_memgen *mg = s->lender->gens[s->gen].mg;
	uint8_t r;
	int ret;

	for (r = 0; r < s->nrange; r++) {
		const struct vhostzc_map *m = map_of(mg, s->rbase[r]);
		uintptr_t p, end = (uintptr_t)s->rbase[r] + s->rlen[r];

		if (m == NULL)
			return -ENOENT;
		for (p = RTE_ALIGN_FLOOR((uintptr_t)s->rbase[r], m->page_size);
		     p < end; p += m->page_size) {
			ret = fn(f, p, mg, m, arg);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

/*
 * ---- Frozen lend-view pages, per memgen ----
 *
 * An IN_ORDER early return freezes the pages under one chain while every
 * queue of the device keeps running: other lcores then lend from no page
 * whose bit is set. The bit is set before the copy is made and a full
 * fence separates the two (see vhostzc_lend_plan for the reader). A page
 * goes back to the file (restore) when its last early-returned chain
 * comes back, unless a stop froze it too (permanent: chains returned at
 * the stop may still read it). All under mg->frozen_lock.
 */

static void
bit_set(struct vhostzc_map *m, size_t pg, bool on)
{
	if (on)
		(void)vzc_atomic_fetch_or(&m->frozen_bits[pg / 64],
					  1ULL << (pg % 64), VZC_RELAXED);
	else
		(void)vzc_atomic_fetch_and(&m->frozen_bits[pg / 64],
					   ~(1ULL << (pg % 64)), VZC_RELEASE);
}

/* The table entry for addr, or where it would go. */
static uint32_t
fz_find(const struct vhostzc_memgen *mg, const uint8_t *addr, bool *found)
{
	uint32_t lo = 0, hi = mg->nfz;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (mg->fz[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < mg->nfz && mg->fz[lo].addr == addr;
	return lo;
}

/* A new entry (refs 0) at i; false when out of memory. */
static bool
fz_insert(struct vhostzc_memgen *mg, uint32_t i, uint8_t *addr, uint8_t map)
{
	if (!grow((void **)&mg->fz, &mg->fz_cap, mg->nfz, sizeof(*mg->fz)))
		return false;
	memmove(&mg->fz[i + 1], &mg->fz[i], sizeof(*mg->fz) * (mg->nfz - i));
	mg->fz[i] = (struct vhostzc_frozen_page){ .addr = addr, .map = map };
	mg->nfz++;
	return true;
}

static void
fz_remove(struct vhostzc_memgen *mg, uint32_t i)
{
	memmove(&mg->fz[i], &mg->fz[i + 1], sizeof(*mg->fz) * (mg->nfz - i - 1));
	mg->nfz--;
}

/*
 * Freeze one lend-view page with its bit set first: lock held, page not
 * frozen yet.
 */
static int
page_freeze_marked(struct vhostzc_memgen *mg, uint8_t map, uint8_t *addr)
{
	struct vhostzc_map *m = &mg->map[map];
	size_t pg = (size_t)(addr - m->lbase) >> m->page_shift;
	int ret;

	if (m->frozen_bits != NULL) {
		bit_set(m, pg, true);
		(void)vzc_atomic_add_fetch(&mg->nfrozen, 1, VZC_RELAXED);
		/*
		 * Full fence: the bit (and count) are visible to every lender
		 * before we read the page to copy it. A lender that took its
		 * chain after this point sees the bit; one that missed it had
		 * taken the chain, so its bytes were written before we copy.
		 */
		vzc_atomic_thread_fence(VZC_SEQ_CST);
	}
	ret = freeze_page((uintptr_t)addr, m->page_size);
	if (ret != 0 && m->frozen_bits != NULL) {
		bit_set(m, pg, false);
		(void)vzc_atomic_sub_fetch(&mg->nfrozen, 1, VZC_RELAXED);
	}
	return ret;
}

/*
 * A stop freezes a page (queues paused): it stays frozen for good, and
 * the memgen's lenders avoid it (a queue set up again lends from the same
 * memgen).
 */
static int
page_freeze_stop(struct vhostzc_memgen *mg, uint8_t map, uint8_t *addr)
{
	bool found;
	uint32_t i;
	int ret = 0;

	rte_spinlock_lock(&mg->frozen_lock);
	i = fz_find(mg, addr, &found);
	if (found) {
		/* Frozen for an early return: copy it again, now for good. */
		ret = freeze_page((uintptr_t)addr, mg->map[map].page_size);
		if (ret == 0)
			mg->fz[i].permanent = true;
	} else {
		ret = page_freeze_marked(mg, map, addr);
		if (ret == 0 && mg->map[map].frozen_bits != NULL) {
			if (fz_insert(mg, i, addr, map))
				mg->fz[i].permanent = true;
			/* Else the bit stays set, untracked: never restored. */
		}
	}
	rte_spinlock_unlock(&mg->frozen_lock);
	return ret;
}

/* Put the file's page back under addr (lock held). */
static int
page_restore(struct vhostzc_map *m, uint8_t *addr)
{
	int flags = MAP_SHARED | MAP_FIXED;

	if (m->page_size >= RTE_PGSIZE_2M)
		flags |= MAP_POPULATE;
	if (mmap(addr, m->page_size, PROT_READ | PROT_WRITE, flags, m->fd,
		 (off_t)(m->fd_off + (addr - m->lbase))) == MAP_FAILED)
		return -errno;
	return 0;
}

struct live_freeze {
	uint64_t budget;
	uint32_t done;		/* pages referenced so far */
	int err;
};

/* Reference, freezing if new, one page of a chain returned early. */
static int
page_ref_live(struct vhostzc_freeze *f __rte_unused, uintptr_t page,
	      struct vhostzc_memgen *mg, const struct vhostzc_map *m,
	      void *arg)
{
	struct live_freeze *lf = arg;
	uint8_t map = (uint8_t)(m - mg->map);
	bool found;
	uint32_t i = fz_find(mg, (uint8_t *)page, &found);

	if (!found) {
		if (mg->frozen_bytes + m->page_size > lf->budget)
			return lf->err = -ENOSPC;
		if (!fz_insert(mg, i, (uint8_t *)page, map))
			return lf->err = -ENOMEM;
		lf->err = page_freeze_marked(mg, map, (uint8_t *)page);
		if (lf->err != 0) {
			fz_remove(mg, i);
			return lf->err;
		}
		mg->frozen_bytes += m->page_size;
	}
	mg->fz[i].refs++;
	lf->done++;
	return 0;
}

/* Drop one chain's reference to a page; restore it when it was the last. */
static int
page_unref_live(struct vhostzc_freeze *f __rte_unused, uintptr_t page,
		struct vhostzc_memgen *mg, const struct vhostzc_map *m,
		void *arg)
{
	uint32_t *left = arg;
	struct vhostzc_map *wm = &mg->map[m - mg->map];
	bool found;
	uint32_t i;
	size_t pg;

	if (left != NULL && (*left)-- == 0)
		return 1;	/* unwinding: past the pages referenced */
	i = fz_find(mg, (uint8_t *)page, &found);
	if (!found || mg->fz[i].refs == 0 || --mg->fz[i].refs != 0 ||
	    mg->fz[i].permanent)
		return 0;
	/* A page that cannot be restored stays frozen, never lent from. */
	if (page_restore(wm, (uint8_t *)page) != 0) {
		mg->fz[i].permanent = true;
		return 0;
	}
	pg = (size_t)((uint8_t *)page - wm->lbase) >> wm->page_shift;
	/* Release (in bit_set): the restored mapping before the bit clears. */
	bit_set(wm, pg, false);
	(void)vzc_atomic_sub_fetch(&mg->nfrozen, 1, VZC_RELAXED);
	mg->frozen_bytes -= wm->page_size;
	fz_remove(mg, i);
	return 0;
}

enum vhostzc_freeze_result
vhostzc_slot_freeze(struct vhostzc_slot *s, uint64_t budget)
{
	struct vhostzc_memgen *mg = s->lender->gens[s->gen].mg;
	struct live_freeze lf = { .budget = budget };
	uint8_t r;
	int ret;

	for (r = 0; r < s->nrange; r++) {
		const struct vhostzc_map *m = map_of(mg, s->rbase[r]);

		if (m == NULL || m->frozen_bits == NULL || m->fd < 0)
			return s->freeze = VHOSTZC_FREEZE_FAILED;
		if (m->dma_mapped)
			return s->freeze = VHOSTZC_FREEZE_DMA;
	}
	rte_spinlock_lock(&mg->frozen_lock);
	ret = slot_each_page(NULL, s, page_ref_live, &lf);
	if (ret != 0)
		slot_each_page(NULL, s, page_unref_live, &lf.done);
	rte_spinlock_unlock(&mg->frozen_lock);
	if (ret != 0)
		return s->freeze = lf.err == -ENOSPC ?
			VHOSTZC_FREEZE_OVER_BUDGET : VHOSTZC_FREEZE_FAILED;
	s->live_frozen = true;
	return s->freeze = VHOSTZC_FREEZE_FROZEN;
}

void
vhostzc_slot_thaw(struct vhostzc_slot *s)
{
	struct vhostzc_memgen *mg = s->lender->gens[s->gen].mg;

	rte_spinlock_lock(&mg->frozen_lock);
	slot_each_page(NULL, s, page_unref_live, NULL);
	rte_spinlock_unlock(&mg->frozen_lock);
	s->live_frozen = false;
}

static int
page_record(struct vhostzc_freeze *f, uintptr_t page,
	    struct vhostzc_memgen *mg, const struct vhostzc_map *m,
	    void *arg __rte_unused)
{
	if (!grow((void **)&f->pages, &f->pages_cap, f->npages,
		  sizeof(*f->pages)))
		return -ENOMEM;
	f->pages[f->npages++] = (struct freeze_page){
		.addr = page,
		.size = m->page_size,
		.mg = mg,
		.map = (uint8_t)(m - mg->map),
		.state = m->dma_mapped ? FREEZE_PAGE_DMA : FREEZE_PAGE_NEW,
	};
	return 0;
}

/* Every chain lent from l now; the lender's owner is the caller. */
void
vhostzc_freeze_add(struct vhostzc_freeze *f, struct vhostzc_lender *l)
{
	uint32_t i;

	for (i = 0; i < l->nslot; i++) {
		struct vhostzc_slot *s = &l->slots[i];

		if (s->state != VHOSTZC_SLOT_LENT)
			continue;
		s->freeze = VHOSTZC_FREEZE_FAILED;
		if (f == NULL || !grow((void **)&f->slots, &f->slots_cap,
				       f->nslots, sizeof(*f->slots)) ||
		    slot_each_page(f, s, page_record, NULL) != 0) {
			if (f != NULL)
				f->nomem = true;
			continue;
		}
		f->slots[f->nslots++] = s;
	}
}

static int
page_cmp(const void *a, const void *b)
{
	const struct freeze_page *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* What one chain's decision does to each of its pages. */
struct page_op {
	void (*fn)(struct freeze_page *pg, void *arg);
	void *arg;
};

static int
page_apply(struct vhostzc_freeze *f, uintptr_t page,
	   struct vhostzc_memgen *mg __rte_unused,
	   const struct vhostzc_map *m __rte_unused, void *arg)
{
	const struct page_op *op = arg;
	struct freeze_page key = { .addr = page };
	struct freeze_page *pg = bsearch(&key, f->pages, f->npages,
					 sizeof(*f->pages), page_cmp);

	if (pg == NULL)
		return -ENOENT;
	op->fn(pg, op->arg);
	return 0;
}

static int
slot_pages(struct vhostzc_freeze *f, const struct vhostzc_slot *s,
	   void (*fn)(struct freeze_page *pg, void *arg), void *arg)
{
	struct page_op op = { fn, arg };

	return slot_each_page(f, s, page_apply, &op);
}

struct claim {
	uint64_t cost;
	bool dma, failed;
};

static void
page_claim(struct freeze_page *pg, void *arg)
{
	struct claim *c = arg;

	if (pg->state == FREEZE_PAGE_NEW) {
		pg->state = FREEZE_PAGE_CLAIMED;
		c->cost += pg->size;
	}
	c->dma |= pg->state == FREEZE_PAGE_DMA;
	c->failed |= pg->state == FREEZE_PAGE_FAILED;
}

static void
page_unclaim(struct freeze_page *pg, void *arg __rte_unused)
{
	if (pg->state == FREEZE_PAGE_CLAIMED)
		pg->state = FREEZE_PAGE_NEW;
}

static void
page_freeze(struct freeze_page *pg, void *arg)
{
	bool *ok = arg;

	if (pg->state == FREEZE_PAGE_CLAIMED)
		pg->state = page_freeze_stop(pg->mg, pg->map,
					     (uint8_t *)pg->addr) == 0 ?
			FREEZE_PAGE_FROZEN : FREEZE_PAGE_FAILED;
	*ok &= pg->state == FREEZE_PAGE_FROZEN;
}

/*
 * Decide every recorded chain, in lending-slot order: all of its pages
 * frozen (those not frozen yet for an earlier chain cost budget), or none
 * and why. A chain whose new pages exceed what is left of the budget is
 * returned unfrozen; smaller later ones may still fit.
 */
void
vhostzc_freeze_run(struct vhostzc_freeze *f)
{
	uint32_t i, j;

	if (f == NULL || f->nslots == 0)
		return;
	/* Sort and merge: one entry per page across chains and queues. */
	qsort(f->pages, f->npages, sizeof(*f->pages), page_cmp);
	for (i = 0, j = 0; i < f->npages; i++) {
		if (j != 0 && f->pages[j - 1].addr == f->pages[i].addr)
			continue;
		f->pages[j++] = f->pages[i];
	}
	f->npages = j;
	for (i = 0; i < f->nslots; i++) {
		struct vhostzc_slot *s = f->slots[i];
		struct claim c = { 0 };
		bool ok = true;

		if (slot_pages(f, s, page_claim, &c) != 0 || c.failed) {
			slot_pages(f, s, page_unclaim, NULL);
			s->freeze = VHOSTZC_FREEZE_FAILED;
		} else if (c.dma) {
			slot_pages(f, s, page_unclaim, NULL);
			s->freeze = VHOSTZC_FREEZE_DMA;
		} else if (c.cost > f->budget) {
			slot_pages(f, s, page_unclaim, NULL);
			s->freeze = VHOSTZC_FREEZE_OVER_BUDGET;
		} else {
			f->budget -= c.cost;
			slot_pages(f, s, page_freeze, &ok);
			s->freeze = ok ? VHOSTZC_FREEZE_FROZEN :
				VHOSTZC_FREEZE_FAILED;
		}
	}
}

void
vhostzc_freeze_end(struct vhostzc_freeze *f)
{
	if (f == NULL)
		return;
	free(f->pages);
	free(f->slots);
	free(f);
}

struct vhostzc_lender *
vhostzc_lender_create(uint16_t size, int socket)
{
	struct vhostzc_lender *l;
	uint32_t nslot = 2 * (uint32_t)size, i;
	unsigned int count = rte_align32pow2(nslot + 1);
	ssize_t ring_sz = rte_ring_get_memsize(count);
	size_t slots_sz = sizeof(struct vhostzc_slot) * nslot;
	size_t order_sz = sizeof(struct vzc_order_ent) * size;
	size_t maps_sz = sizeof(uint32_t) * (nslot + size);
	uint8_t *p;

	if (ring_sz < 0)
		return NULL;
	l = rte_zmalloc_socket("vhostzc_lender",
			       sizeof(*l) + slots_sz + 2 * (size_t)ring_sz +
			       order_sz + maps_sz, RTE_CACHE_LINE_SIZE, socket);
	if (l == NULL)
		return NULL;
	l->size = size;
	l->nslot = nslot;
	l->cur_gen = VHOSTZC_GEN_NONE;
	vzc_atomic_store(&l->owner_thread, 0, VZC_RELAXED);
	/*
	 * Capacity count - 1 >= nslot: every slot is in one of the rings at
	 * most once, so the enqueue in the free callback never fails.
	 */
	p = (uint8_t *)l->slots + slots_sz;
	l->done = (struct rte_ring *)p;
	l->done_local = (struct rte_ring *)(p + ring_sz);
	p += 2 * (size_t)ring_sz;
	l->order.size = size;
	l->order_mem = (struct vzc_order_ent *)(void *)p;
	p += order_sz;
	l->free_slot = (uint32_t *)(void *)RTE_PTR_ALIGN_CEIL(p, 4);
	l->head_slot = l->free_slot + nslot;
	if (rte_ring_init(l->done, "vhostzc_done", count, RING_F_SC_DEQ) != 0 ||
	    rte_ring_init(l->done_local, "vhostzc_done_local", count,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		rte_free(l);
		return NULL;
	}
	for (i = 0; i < nslot; i++) {
		l->slots[i].lender = l;
		l->slots[i].idx = i;
		l->slots[i].shinfo.free_cb = vhostzc_zc_free_cb;
		l->slots[i].shinfo.fcb_opaque = &l->slots[i];
		/* Popped from the end: slot 0 first. */
		l->free_slot[i] = nslot - 1 - i;
	}
	l->nfree = nslot;
	for (i = 0; i < size; i++)
		l->head_slot[i] = VHOSTZC_NO_SLOT;
	(void)vzc_atomic_add_fetch(&lender_live, 1, VZC_RELAXED);
	return l;
}

/* In order or not, for the ring incarnation the lender serves. */
void
vhostzc_lender_set_in_order(struct vhostzc_lender *l, bool on)
{
	l->order.first = 0;
	l->order.count = 0;
	l->order.ent = on ? l->order_mem : NULL;
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
static int
lender_new_gen(struct vhostzc_lender *l, struct vhostzc_memgen *mg)
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

/* Generation index for lending from mg: the current one without a call. */
static inline int
lender_gen(struct vhostzc_lender *l, struct vhostzc_memgen *mg)
{
	if (likely(l->cur_gen != VHOSTZC_GEN_NONE &&
		   l->gens[l->cur_gen].mg == mg))
		return l->cur_gen;
	return lender_new_gen(l, mg);
}

static inline bool
page_bit(const struct vhostzc_map *m, size_t pg)
{
	return (vzc_atomic_load(&m->frozen_bits[pg / 64], VZC_RELAXED) &
		(1ULL << (pg % 64))) != 0;
}

/* Whether any page under the planned ranges is frozen now. */
static bool
plan_frozen(const struct vhostzc_memgen *mg, const struct vhostzc_lend_plan *p,
	    uint8_t nr)
{
	uint8_t r;
	uint32_t i;

	for (r = 0; r < nr; r++) {
		for (i = 0; i < mg->nregions; i++) {
			const struct vhostzc_map *m = &mg->map[i];
			size_t off, end, pg;

			if (m->frozen_bits == NULL || p->rbase[r] < m->lbase ||
			    (size_t)(p->rbase[r] - m->lbase) >= m->len)
				continue;
			off = (size_t)(p->rbase[r] - m->lbase);
			end = off + p->rlen[r] - 1;
			for (pg = off >> m->page_shift;
			     pg <= end >> m->page_shift; pg++)
				if (page_bit(m, pg))
					return true;
		}
	}
	return false;
}

enum vhostzc_lend_verdict
vhostzc_lend_plan(struct vhostzc_lender *l, struct vhostzc_memgen *mg,
		  const struct vzc_iov *iov, uint16_t niov, uint32_t skip,
		  uint32_t len, uint16_t max_segs, struct vhostzc_lend_plan *p)
{
	/* One segment: buf_len's whole range; several: page-friendly cuts. */
	uint32_t seg_max = max_segs == 1 ? UINT16_MAX : VHOSTZC_EXT_SEG_MAX;
	bool cut_by_iova = false;
	int gen = lender_gen(l, mg);
	uint16_t k, n = 0;
	uint8_t nr = 0;

	if (unlikely(gen < 0))
		return VHOSTZC_LEND_NO_GEN;
	if (unlikely(l->nfree == 0))
		return VHOSTZC_LEND_NO_SLOT;
	for (k = 0; k < niov && len != 0; k++) {
		/*
		 * The walk found the piece's region (over mg->regions, the
		 * queue's view): its mapping, without searching again.
		 */
		const struct vhostzc_map *m;
		uint8_t *base;
		uint32_t left = iov[k].len;

		if (unlikely(iov[k].region >= mg->nregions))
			return VHOSTZC_LEND_LAYOUT;	/* cannot be */
		m = &mg->map[iov[k].region];
		base = m->lbase + (iov[k].base - m->base);

		if (skip >= left) {
			skip -= left;
			continue;
		}
		base += skip;
		left = RTE_MIN(left - skip, len);
		skip = 0;
		len -= left;
		/* The host range this piece adds to, or starts. */
		if (nr != 0 && p->rbase[nr - 1] + p->rlen[nr - 1] == base) {
			p->rlen[nr - 1] += left;
		} else {
			if (unlikely(nr == VHOSTZC_SLOT_RANGES))
				return VHOSTZC_LEND_LAYOUT;
			p->rbase[nr] = base;
			p->rlen[nr] = left;
			nr++;
		}
		while (left != 0) {
			uint32_t want = RTE_MIN(left, seg_max), contig;
			rte_iova_t iova = map_iova(m, base, want, &contig);

			if (unlikely(iova == RTE_BAD_IOVA))
				return VHOSTZC_LEND_NO_IOVA;
			if (unlikely(n == max_segs))
				return cut_by_iova ? VHOSTZC_LEND_IOVA_SPLIT :
					VHOSTZC_LEND_LAYOUT;
			cut_by_iova = contig < want;
			p->seg[n].base = base;
			p->seg[n].iova = iova;
			p->seg[n].len = (uint16_t)contig;
			n++;
			base += contig;
			left -= contig;
		}
	}
	if (unlikely(len != 0))
		return VHOSTZC_LEND_LAYOUT;	/* pieces shorter than len */
	/*
	 * Pages frozen for an early return are lent from no more: the lend
	 * view there is a copy. Relaxed loads: they come after the acquire
	 * that made this chain visible (the avail index or the slot flags),
	 * and a freezer sets the bit and then fences before it copies (see
	 * page_freeze_live), so either this chain sees the bit or the copy
	 * holds everything the guest wrote before it posted the chain.
	 */
	if (unlikely(vzc_atomic_load(&mg->nfrozen, VZC_RELAXED) != 0) &&
	    plan_frozen(mg, p, nr))
		return VHOSTZC_LEND_FROZEN;
	p->gen = (uint8_t)gen;
	p->nseg = n;
	p->nrange = nr;
	return VHOSTZC_LEND_OK;
}

static void
lender_free(struct vhostzc_lender *l)
{
	uint8_t g;

	for (g = 0; g < VHOSTZC_LEND_GENS; g++)
		if (l->gens[g].mg != NULL)
			vhostzc_memgen_put(l->gens[g].mg);
	rte_free(l);
	(void)vzc_atomic_sub_fetch(&lender_live, 1, VZC_RELAXED);
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
					(uint32_t)(uintptr_t)objs[i]);
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

	/*
	 * Both enqueues have release semantics, pairing with the owner's
	 * dequeue (acquire): the app's reads of the guest buffer through
	 * this mbuf happen before the guest is told the buffer is free.
	 * Neither can fail (see lender_create); lender and idx never change.
	 * The owner thread was set once by the thread that now compares it,
	 * or by another (then it is not equal): relaxed is enough.
	 */
	if (vzc_atomic_load(&l->owner_thread, VZC_RELAXED) ==
	    (uintptr_t)pthread_self())
		rte_ring_sp_enqueue(l->done_local, (void *)(uintptr_t)s->idx);
	else
		rte_ring_mp_enqueue(l->done, (void *)(uintptr_t)s->idx);
}
