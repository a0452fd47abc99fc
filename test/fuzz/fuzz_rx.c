/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * libFuzzer target over the receive path: vhostzc_rx_burst and the
 * zero-copy lifetime (lending, completion, reclaim, memory table changes,
 * the stop that freezes and returns lent chains), driven through a queue
 * attached to a split ring in a fake guest (test/unit/vzc_fake_guest.h:
 * memfd guest memory, the driver's own fenced mappings of it, the queue
 * set up as the driver sets it up). EAL is initialised once, in
 * LLVMFuzzerInitialize; the guest memory and the mbuf pool are reused by
 * every input; the ring, the memory mappings, the lender and the queue are
 * made afresh for each, and everything an input wrote (guest memory,
 * mbuf data rooms) is zeroed after it, so an input's outcome does not
 * depend on the inputs before it.
 *
 * The input is a guest (ring size and base, memory table and IOVA mode,
 * layout and offloads, zero-copy policy) and a program: descriptors,
 * whole packets (headers from templates), indirect tables, avail entries
 * and runaway indices, bursts with a free-or-hold decision per mbuf,
 * reclaims, new memory tables, and how the ring ends (see run_ops).
 *
 * Checked after every burst and at the end, besides the sanitizers and
 * the fence pages around every mapping: each descriptor the device took
 * is returned exactly once (a head still lent and re-posted by the guest
 * never), only after its mbufs are freed if it was lent, and never under
 * an id past the ring; every delivered packet has exactly the bytes of
 * its chain after the virtio-net header (but for the VLAN tag stripped
 * and a checksum completed), an mbuf chain that adds up, lent segments
 * inside the mapping with the right IOVA, offload metadata that describes
 * the packet delivered; the lending cap holds. After each input: nothing
 * outstanding in the lender, the pool full, no lender or mapping left.
 *
 * Bugs it finds that are still open are listed in test/fuzz/known-bugs
 * with their reproducers; fz_allowed() names the checks VZC_FUZZ_ALLOW
 * relaxes meanwhile (run-fuzz.sh sets it). Reproducers of fixed ones stay
 * in test/fuzz/crashes/rx/ and must run clean.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/lsan_interface.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_net.h>

#include "vhostzc.h"
#include "vzc_fake_guest.h"
#include "fuzz_input.h"

#define GMEM_GPA	0x40000000ULL
#define GMEM_SIZE	(8u << 20)
#define RING_OFF	(7u << 20)	/* rings in the last MiB */
#define FAKE_PG		(2u << 20)	/* pretended hugepages, IOVA as PA */
#define POOL_SIZE	511
#define POOL_CACHE	256		/* LIFO reuse, as apps have it */
#define BURST_MAX	256
#define REMAP_MAX	12		/* memory tables per input */
#define DIRTY_MAX	512
#define TOUCHED_MAX	8192
/*
 * Pieces walked per input, at most (then the input ends early): a hostile
 * chain may take 32768 steps, 64 of them a burst, each walked by the
 * driver and again here.
 */
#define WORK_MAX	(1u << 20)

/* VZC_FUZZ_TRACE set: what each input does, on stderr (reproducers). */
static bool trace;
#define TRACE(...) do { \
	if (trace) \
		fprintf(stderr, "fuzz_rx: " __VA_ARGS__); \
} while (0)

static struct vzc_fake_guest g;
static struct rte_mempool *mp;
static struct vhostzc_internal in;
static uint32_t base_memgens, base_lenders;

/* IOVA as PA: pages in order, and with the middle two swapped. */
static const rte_iova_t phys_contig[GMEM_SIZE / FAKE_PG] = {
	0x100000000ULL, 0x100200000ULL, 0x7ff000000ULL, 0x7ff200000ULL,
};
static const rte_iova_t phys_split[GMEM_SIZE / FAKE_PG] = {
	0x100000000ULL, 0x7ff000000ULL, 0x7ff200000ULL, 0x100200000ULL,
};

static rte_iova_t
fake_phys(uint64_t off, void *arg)
{
	const rte_iova_t *t = arg;

	return t[off / FAKE_PG] + off % FAKE_PG;
}

/* One received packet the application holds. */
struct held {
	struct rte_mbuf *m;
	uint8_t ttl;		/* bursts until freed; 255: until the end */
	bool lent;
	uint16_t head;
	/* IN_ORDER: handed back early; frozen: its bytes then, as crc. */
	bool early;
	bool frozen;
	uint32_t crc;
};

/* Everything one input may change, reset before it. */
static struct {
	struct vhostzc_rxq *q;
	uint16_t size;
	/* The input's memory tables and make_mem selectors. */
	struct vhostzc_memgen *mg_of[REMAP_MAX + 1];
	uint8_t sel_of[REMAP_MAX + 1];
	uint32_t nmg;
	struct vhostzc_memgen *mgs[REMAP_MAX + 1];	/* extra refs (DMA) */
	uint32_t nmgs;
	uint32_t remaps;
	uint8_t end;
	uint32_t work;			/* pieces walked by chain_bytes */
	/* Per head: chains taken, returned, and lent now. */
	uint32_t taken[VZC_RING_MAX_SIZE];
	uint32_t returned[VZC_RING_MAX_SIZE];
	bool lent[VZC_RING_MAX_SIZE];
	uint32_t nlent;				/* heads lent now */
	/*
	 * IN_ORDER: heads to be returned, in take order (every valid take
	 * but a held re-post), oldest at of_first; slots returned early whose
	 * mbufs are still out (or freed, not yet reclaimed: early_freed).
	 */
	bool in_order;
	uint16_t ofifo[VZC_RING_MAX_SIZE];
	/*
	 * Per place: lent now. Not per head: a guest may re-post a head
	 * whose place is done but not yet written back, and that head then
	 * has two places, the older done, the newer lent (lent_at: where).
	 */
	bool olent[VZC_RING_MAX_SIZE];
	uint32_t lent_at[VZC_RING_MAX_SIZE];
	uint32_t of_first, nof;
	uint32_t nearly, early_freed;
	int32_t expect[VZC_RING_MAX_SIZE];	/* returns due, this check */
	uint16_t expect_heads[VZC_RING_MAX_SIZE];
	uint32_t nexpect;
	/* Lent heads whose mbufs were freed, not yet reclaimed. */
	uint16_t pending[POOL_SIZE + 1];
	uint32_t npending;
	struct held held[POOL_SIZE + 1];
	uint32_t nheld;
	/* Guest memory written, zeroed after the input. */
	uint32_t dirty_off[DIRTY_MAX], dirty_len[DIRTY_MAX];
	uint32_t ndirty;
	bool dirty_all;
	/* Mbufs whose data room was written, zeroed after the input. */
	struct rte_mbuf *touched[TOUCHED_MAX];
	uint32_t ntouched;
	bool touched_all;
} s;

/* A chain's bytes; a packet being written, a little past the largest. */
#define PKT_MAX		(VZC_MAX_PKT_LEN + 512)
static uint8_t chain_buf[PKT_MAX];
/*
 * Whether the chain last walked reads the used ring: the device writes
 * that during the burst, so those bytes are known only as it read them.
 */
static bool chain_reads_used;
static uint8_t pkt_buf[PKT_MAX];

/* ---- guest side ---- */

static void
dirty(uint64_t off, uint64_t len)
{
	if (len == 0)
		return;
	if (s.ndirty == DIRTY_MAX) {
		s.dirty_all = true;
		return;
	}
	s.dirty_off[s.ndirty] = (uint32_t)off;
	s.dirty_len[s.ndirty++] = (uint32_t)len;
}

/*
 * Store into guest memory, clipped to it, around the used ring: a guest
 * may scribble over anything else, but the checks read the used ring as
 * the device wrote it (p == NULL: fill with byte v).
 */
static void
gstore(uint64_t off, const uint8_t *p, int v, uint64_t len)
{
	uint64_t u0 = (uint64_t)((uint8_t *)g.used - g.mem);
	uint64_t u1 = u0 + sizeof(struct vzc_used) +
		sizeof(struct vzc_used_elem) * s.size + sizeof(uint16_t);
	uint64_t end;

	if (off >= GMEM_SIZE)
		return;
	len = RTE_MIN(len, GMEM_SIZE - off);
	end = off + len;
	if (off < u0) {
		uint64_t n = RTE_MIN(end, u0) - off;

		if (p != NULL)
			memcpy(g.mem + off, p, n);
		else
			memset(g.mem + off, v, n);
		dirty(off, n);
	}
	if (end > u1) {
		uint64_t from = RTE_MAX(off, u1);

		if (p != NULL)
			memcpy(g.mem + from, p + (from - off), end - from);
		else
			memset(g.mem + from, v, end - from);
		dirty(from, end - from);
	}
}

static void
gwrite(uint64_t off, const void *src, uint64_t len)
{
	gstore(off, src, 0, len);
}

/* An offset into guest memory, often near a page or a hugepage edge. */
static uint32_t
fz_goff(struct fz *f)
{
	uint8_t sel = fz_u8(f);

	switch (sel & 3) {
	case 0:
		return fz_u32(f) % GMEM_SIZE;
	case 1:			/* around a 2 MiB boundary */
		return ((1 + (sel >> 2) % 3) * FAKE_PG - 2048 + fz_u16(f) % 4096) %
			GMEM_SIZE;
	case 2:			/* around a 4 KiB boundary */
		return ((uint32_t)fz_u16(f) * 4096 - fz_u8(f)) % GMEM_SIZE;
	default:		/* a 16 KiB buffer slot, as the tests use */
		return (uint32_t)(fz_u16(f) % 448) * (16u << 10);
	}
}

static uint64_t
fz_gpa(struct fz *f)
{
	uint8_t sel = fz_u8(f);

	if (sel >= 0xf0)
		return fz_u64(f);
	return GMEM_GPA + fz_goff(f);
}

static void
set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	 uint16_t next)
{
	g.desc[i & (s.size - 1)] = (struct vzc_desc){ addr, len, flags, next };
}

static uint8_t
pattern(uint8_t seed, uint32_t i)
{
	return (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/*
 * Frame bytes for template t (bits 0-2: raw, IPv4/TCP, IPv4/UDP,
 * IPv6/TCP, IPv6/UDP, IPv4 with another protocol, ARP, input bytes;
 * bit 3: 802.1Q tag; bit 4: QinQ), truncated to len, payload pattern.
 */
static void
frame(uint8_t *p, uint32_t len, uint8_t t, uint8_t seed, struct fz *f)
{
	uint8_t h[128], period[251];
	uint32_t n = 0, l3, i;
	uint16_t et;
	uint8_t kind = t & 7;

	memset(h, 0, sizeof(h));
	for (i = 0; i < 12; i++)
		h[i] = (uint8_t)(i == 0 ? 0x52 : seed + i);
	n = 12;
	if ((t & 16) != 0) {
		h[n++] = 0x88;
		h[n++] = 0xa8;
		h[n++] = seed;
		h[n++] = 1;
	}
	if ((t & 8) != 0) {
		h[n++] = 0x81;
		h[n++] = 0x00;
		h[n++] = (uint8_t)(seed & 0x0f);
		h[n++] = 7;
	}
	et = kind == 3 || kind == 4 ? RTE_ETHER_TYPE_IPV6 :
		kind == 6 ? RTE_ETHER_TYPE_ARP : RTE_ETHER_TYPE_IPV4;
	h[n++] = (uint8_t)(et >> 8);
	h[n++] = (uint8_t)et;
	l3 = n;
	if (kind == 1 || kind == 2 || kind == 5) {
		uint32_t tot = len > l3 ? len - l3 : 0;

		h[n++] = 0x45;
		n++;
		h[n++] = (uint8_t)(tot >> 8);
		h[n++] = (uint8_t)tot;
		n += 4;
		h[n++] = 64;
		h[n++] = kind == 1 ? 6 : kind == 2 ? 17 : 47;
		n += 2;
		h[n++] = 10;
		h[n++] = 0;
		h[n++] = 0;
		h[n++] = 1;
		h[n++] = 10;
		h[n++] = 0;
		h[n++] = 0;
		h[n++] = 2;
	} else if (kind == 3 || kind == 4) {
		uint32_t pl = len > l3 + 40 ? len - l3 - 40 : 0;

		h[n++] = 0x60;
		n += 3;
		h[n++] = (uint8_t)(pl >> 8);
		h[n++] = (uint8_t)pl;
		h[n++] = kind == 3 ? 6 : 17;
		h[n++] = 64;
		for (i = 0; i < 32; i++)
			h[n++] = (uint8_t)(i == 15 || i == 31 ? 1 + i / 16 : 0xfd);
	} else if (kind == 6) {
		n += 28;
	} else if (kind == 7) {
		n = 0;
		fz_bytes(f, h, 64);
		n = 64;
	} else {
		n = 0;
	}
	if (kind == 1 || kind == 3) {		/* TCP */
		h[n++] = 0x30;
		h[n++] = 0x39;
		h[n++] = 0x00;
		h[n++] = 0x50;
		n += 8;
		h[n++] = 0x50;
		h[n++] = 0x18;
		h[n++] = 0x01;
		h[n++] = 0x00;
		n += 4;
	} else if (kind == 2 || kind == 4) {	/* UDP */
		uint32_t ul = len > n ? len - n : 0;

		h[n++] = 0x30;
		h[n++] = 0x39;
		h[n++] = 0x12;
		h[n++] = 0xb5;
		h[n++] = (uint8_t)(ul >> 8);
		h[n++] = (uint8_t)ul;
		n += 2;
	}
	/* The payload: a 251-byte period (prime: offsets stay visible). */
	n = RTE_MIN(n, len);
	memcpy(p, h, n);
	for (i = 0; i < 251; i++)
		period[i] = pattern(seed, i);
	for (i = n; i < len; i += 251)
		memcpy(p + i, period, RTE_MIN(251u, len - i));
}

/*
 * A whole packet at guest offset off: virtio-net header (fields from the
 * input), frame, as a chain of pieces descriptors head, head + 1, ...,
 * made available.
 */
static void
op_packet(struct fz *f)
{
	uint16_t head = fz_u16(f) & (s.size - 1);
	uint32_t off = fz_goff(f);
	uint32_t plen = fz_u16(f);
	uint8_t t = fz_u8(f), shape = fz_u8(f), seed = fz_u8(f);
	uint16_t hdr = s.q->hdr_len;
	uint8_t vh[12] = { 0 };
	uint32_t total, npieces, own_hdr, k, at;
	uint8_t *p;

	if ((shape & 0x80) != 0)	/* to just past 128 KiB */
		plen = RTE_MIN(plen * 2 + fz_u8(f), (uint32_t)PKT_MAX - hdr);
	vh[0] = fz_u8(f);			/* flags */
	vh[1] = fz_u8(f);			/* gso_type */
	fz_bytes(f, vh + 2, 8);		/* hdr_len, gso_size, csum */
	total = hdr + plen;
	if (total > GMEM_SIZE - off)
		off = GMEM_SIZE - total;
	p = chain_buf;
	memcpy(p, vh, hdr);
	frame(p + hdr, plen, t, seed, f);
	gwrite(off, p, total);

	own_hdr = (shape & 1) != 0 && plen != 0;
	npieces = 1 + ((shape >> 1) & 15);
	if (npieces > plen && plen != 0)
		npieces = plen;
	at = 0;
	if (own_hdr) {
		set_desc(head, GMEM_GPA + off, hdr, VZC_DESC_F_NEXT,
			 (head + 1) & (s.size - 1));
		at = hdr;
	}
	for (k = 0; k < npieces; k++) {
		uint32_t rest = total - at;
		uint32_t n = k + 1 == npieces ? rest : rest / (npieces - k);
		uint16_t i = (uint16_t)(head + own_hdr + k);

		set_desc(i, GMEM_GPA + off + at, n,
			 k + 1 == npieces ? 0 : VZC_DESC_F_NEXT,
			 (uint16_t)(i + 1) & (s.size - 1));
		at += n;
	}
	TRACE("packet head %u at %#x: %u B (+%u), template %#x, %u pieces%s, "
	      "vnet flags %#x gso %u%s\n", head, off, plen, hdr, t, npieces,
	      own_hdr ? " + header" : "", vh[0], vh[1],
	      (shape & 0x40) == 0 ? ", posted" : "");
	if ((shape & 0x40) == 0)
		vzc_fake_guest_avail_push(&g, head);
}

/* An indirect table at a guest offset and a descriptor naming it. */
static void
op_indirect(struct fz *f)
{
	uint16_t head = fz_u16(f) & (s.size - 1);
	uint32_t off = fz_goff(f);
	uint8_t n = fz_u8(f) % 64, k, how = fz_u8(f);
	struct vzc_desc t[64];
	uint32_t len = sizeof(t[0]) * n;

	for (k = 0; k < n; k++) {
		t[k].addr = fz_gpa(f);
		t[k].len = fz_len(f);
		t[k].flags = fz_flags(f);
		t[k].next = fz_u8(f);
	}
	gwrite(off, t, len);
	if ((how & 1) != 0)
		len = fz_u32(f);		/* any length at all */
	set_desc(head, GMEM_GPA + off, len,
		 VZC_DESC_F_INDIRECT | ((how & 2) != 0 ? VZC_DESC_F_NEXT : 0),
		 fz_u16(f));
	TRACE("indirect head %u: %u entries at %#x, len %u%s\n", head, n, off,
	      len, (how & 4) == 0 ? ", posted" : "");
	if ((how & 4) == 0)
		vzc_fake_guest_avail_push(&g, head);
}

/* ---- the driver's mappings ---- */

/*
 * A memory table: bits 0-2 the IOVA mode (VA; PA over pages in order; PA
 * over swapped pages; PA on small pages, i.e. none; VA DMA-mapped), bits
 * 3-4 the regions (1, 2, 4, 1).
 */
static struct vhostzc_memgen *
make_mem(uint8_t sel)
{
	static const uint32_t nr[] = { 1, 2, 4, 1 };
	struct vzc_fake_mem m = { .nregions = nr[(sel >> 3) & 3] };
	struct vhostzc_memgen *mg;
	uint32_t i;

	switch (sel & 7) {
	case 1:
	case 2:
		m.mode = VHOSTZC_IOVA_PA;
		m.page_size = FAKE_PG;
		m.phys = fake_phys;
		m.phys_arg = (void *)(uintptr_t)((sel & 7) == 1 ? phys_contig :
						   phys_split);
		break;
	case 3:
		m.mode = VHOSTZC_IOVA_PA;
		m.phys = fake_phys;
		m.phys_arg = (void *)(uintptr_t)phys_contig;
		break;
	default:
		m.mode = VHOSTZC_IOVA_VA;
		break;
	}
	/* IN_ORDER freezes while running: the driver's two views. */
	m.lend_view = s.in_order;
	mg = vzc_fake_guest_memgen(&g, &m);
	FZ_CHECK(mg != NULL, "memgen");
	if ((sel & 7) == 4) {
		/* As vhostzc_memgen_create records a VFIO DMA map. */
		for (i = 0; i < mg->nregions; i++)
			mg->map[i].dma_mapped = true;
		vhostzc_memgen_set_iova(mg, VHOSTZC_IOVA_VA_DMA, NULL, NULL);
		/* Ours until the end: then unmarked, never VFIO-unmapped. */
		s.mgs[s.nmgs++] = vhostzc_memgen_get(mg);
	}
	s.mg_of[s.nmg] = mg;
	s.sel_of[s.nmg++] = sel;
	return mg;
}

/*
 * Which of the input's mappings holds host address p in its read view (the
 * walk's) or its lend view (what mbufs point into), and its file offset.
 */
static bool
view_off(const struct vhostzc_memgen *mg, bool lend, const uint8_t *p,
	 uint32_t len, uint64_t *off)
{
	uint32_t i;

	for (i = 0; i < mg->nregions; i++) {
		const struct vzc_mem_region *r = &mg->regions[i];
		const uint8_t *start = lend ?
			mg->map[i].lbase + (r->hva - mg->map[i].base) : r->hva;

		if ((uintptr_t)p >= (uintptr_t)start &&
		    (uintptr_t)p - (uintptr_t)start < r->size &&
		    len <= r->size - ((uintptr_t)p - (uintptr_t)start)) {
			*off = r->gpa - GMEM_GPA + (uint64_t)(p - start);
			return true;
		}
	}
	return false;
}

/* The make_mem selector mg was made with (the latest such mg). */
static uint8_t
sel_of(const struct vhostzc_memgen *mg)
{
	uint32_t i;

	for (i = s.nmg; i-- > 0;)
		if (s.mg_of[i] == mg)
			return s.sel_of[i];
	FZ_CHECK(false, "a mapping this input never made");
	return 0;
}

/* ---- checks ---- */

/* Lent head h is lent no more (its mbufs came back, or returned early). */
static void
model_unlend(uint16_t h)
{
	s.lent[h] = false;
	s.nlent--;
	if (s.in_order)
		s.olent[s.lent_at[h]] = false;
}

static void
expect_return(uint16_t h)
{
	if (s.in_order)
		return;		/* the order is the check: s.ofifo */
	if (s.expect[h]++ == 0)
		s.expect_heads[s.nexpect++] = h;
}

static const struct vhostzc_slot *slot_of(struct rte_mbuf *m);

/*
 * IN_ORDER: every used entry is the oldest take still owed, each once
 * (a head returned early may be lent again in the same burst); afterwards
 * the oldest one owed (if any) is lent, for a chain done is never left
 * behind one that is not.
 */
static void
check_used_in_order(const char *when, uint32_t lost)
{
	struct vzc_used_elem e;

	/*
	 * Overwritten unread (a guest that re-posted heads in flight had more
	 * out than its ring holds): the oldest owed, whose ids are lost.
	 */
	FZ_CHECK(lost <= s.nof, "%s: %u used entries lost, %u owed", when,
		 lost, s.nof);
	for (; lost != 0; lost--) {
		s.returned[s.ofifo[s.of_first]]++;
		s.of_first = (s.of_first + 1) % VZC_RING_MAX_SIZE;
		s.nof--;
	}
	while (vzc_fake_guest_used_pop(&g, &e)) {
		uint16_t want = s.nof != 0 ? s.ofifo[s.of_first] : UINT16_MAX;

		TRACE("%s: used head %u (in order: %u)\n", when, e.id, want);
		FZ_CHECK(e.len == 0, "%s: used len %u", when, e.len);
		FZ_CHECK(s.nof != 0 && e.id == want, "%s: used head %u, the "
			 "oldest owed is %u (%u owed)", when, e.id, want, s.nof);
		FZ_CHECK(++s.returned[e.id] <= s.taken[e.id],
			 "%s: head %u returned %u times, taken %u", when, e.id,
			 s.returned[e.id], s.taken[e.id]);
		s.of_first = (s.of_first + 1) % VZC_RING_MAX_SIZE;
		s.nof--;
	}
	FZ_CHECK(s.nof == 0 || s.olent[s.of_first], "%s: head %u owed "
		 "and done, not returned", when, s.ofifo[s.of_first]);
	FZ_CHECK(s.nof <= s.size, "%s: %u chains owed on a ring of %u", when,
		 s.nof, s.size);
}

static uint32_t
pkt_crc(const struct rte_mbuf *m)
{
	uint32_t h = 2166136261u;

	for (; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint16_t i;

		for (i = 0; i < m->data_len; i++)
			h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

/*
 * IN_ORDER: the burst handed back early, before taking anything, the
 * oldest owed chains that were lent (as many as the counter moved): mirror
 * it before the takes are read (a head returned early may be re-posted
 * and taken in the same burst). Their mbufs' bytes are remembered when
 * frozen: no guest write may reach them now.
 */
static void
model_early_returns(uint64_t n)
{
	uint32_t i, at = s.of_first;

	for (i = 0; i < s.nof && n != 0; i++, at = (at + 1) % VZC_RING_MAX_SIZE) {
		uint16_t h = s.ofifo[at];
		uint32_t k;

		if (!s.olent[at])
			continue;
		FZ_CHECK(s.lent[h] && s.lent_at[h] == at, "head %u lent at place "
			 "%u, not %u", h, s.lent_at[h], at);
		model_unlend(h);
		s.nearly++;
		n--;
		for (k = 0; k < s.nheld; k++) {
			struct held *hd = &s.held[k];
			const struct vhostzc_slot *sl;

			if (!hd->lent || hd->head != h)
				continue;
			sl = slot_of(hd->m);
			hd->lent = false;
			hd->early = true;
			hd->frozen = sl != NULL && sl->freeze == VHOSTZC_FREEZE_FROZEN;
			hd->crc = pkt_crc(hd->m);
			break;
		}
		TRACE("early return of head %u\n", h);
	}
	FZ_CHECK(n == 0, "%" PRIu64 " early returns the model cannot place", n);
}

/*
 * The used entries published since the last check are exactly those due.
 * When the guest had more chains out than the ring has slots (it re-posted
 * heads still in flight), the oldest entries were overwritten unread: each
 * one read is still checked, and the returns not seen must be exactly as
 * many as the entries lost.
 */
static void
check_used(const char *when)
{
	struct vzc_used_elem e;
	uint32_t i, lost, missing = 0;

	FZ_CHECK(s.q->vr.used_idx == g.used->idx, "%s: used idx %u staged, %u "
		 "published", when, s.q->vr.used_idx, g.used->idx);
	lost = vzc_fake_guest_used_overrun(&g);
	if (s.in_order) {
		check_used_in_order(when, lost);
		return;
	}
	while (vzc_fake_guest_used_pop(&g, &e)) {
		FZ_CHECK(e.id < s.size, "%s: used id %u of a ring of %u", when,
			 e.id, s.size);
		FZ_CHECK(e.len == 0, "%s: used len %u", when, e.len);
		TRACE("%s: used head %u\n", when, e.id);
		FZ_CHECK(++s.returned[e.id] <= s.taken[e.id],
			 "%s: head %u returned %u times, taken %u", when, e.id,
			 s.returned[e.id], s.taken[e.id]);
		FZ_CHECK(s.expect[e.id]-- > 0, "%s: head %u returned, not due "
			 "(lent %d)", when, e.id, s.lent[e.id]);
	}
	for (i = 0; i < s.nexpect; i++) {
		uint16_t h = s.expect_heads[i];

		/* Lost entries: those still due, counted as returned. */
		missing += (uint32_t)s.expect[h];
		s.returned[h] += (uint32_t)s.expect[h];
		s.expect[h] = 0;
	}
	FZ_CHECK(missing == lost, "%s: %u returns missing, %u used entries "
		 "overwritten unread", when, missing, lost);
	if (lost != 0)
		TRACE("%s: %u used entries overwritten unread\n", when, lost);
	s.nexpect = 0;
}

/* Frees whose completions a reclaim now returns. */
static void
expect_pending(void)
{
	uint32_t i;

	for (i = 0; i < s.npending; i++) {
		uint16_t h = s.pending[i];

		FZ_CHECK(s.lent[h], "pending head %u not lent", h);
		model_unlend(h);
		expect_return(h);
	}
	s.npending = 0;
	s.nearly -= s.early_freed;
	s.early_freed = 0;
}

/* The lent slot behind a packet's guest segments, or NULL if copied. */
static const struct vhostzc_slot *
slot_of(struct rte_mbuf *m)
{
	const struct vhostzc_slot *slot = NULL;

	for (; m != NULL; m = m->next) {
		if (!RTE_MBUF_HAS_EXTBUF(m))
			continue;
		FZ_CHECK(m->shinfo != NULL &&
			 m->shinfo->free_cb == vhostzc_zc_free_cb,
			 "foreign extbuf");
		FZ_CHECK(slot == NULL || slot == m->shinfo->fcb_opaque,
			 "one packet, two slots");
		slot = m->shinfo->fcb_opaque;
	}
	return slot;
}

static void
touch_mbuf(struct rte_mbuf *m)
{
	if (s.ntouched == TOUCHED_MAX)
		s.touched_all = true;
	else
		s.touched[s.ntouched++] = m;
}

/* The mbuf chain holds together; lent segments are guest memory. */
static void
check_mbuf(struct rte_mbuf *m0, bool lent)
{
	uint32_t sum = 0, n = 0;
	struct rte_mbuf *m;

	FZ_CHECK(m0->port == 0, "port %u", m0->port);
	for (m = m0; m != NULL; m = m->next) {
		FZ_CHECK((uint32_t)m->data_off + m->data_len <= m->buf_len,
			 "segment %u past its buffer", n);
		FZ_CHECK(m->data_len != 0 || m0->pkt_len == 0, "empty segment");
		sum += m->data_len;
		n++;
		if (!RTE_MBUF_HAS_EXTBUF(m)) {
			touch_mbuf(m);
			continue;
		}
		{
			const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
			const struct vhostzc_slot *sl = m->shinfo->fcb_opaque;
			const struct vhostzc_memgen *mg =
				sl->lender->gens[sl->gen].mg;
			rte_iova_t iova = rte_mbuf_data_iova(m), want;
			uint64_t off;

			FZ_CHECK(mg != NULL && view_off(mg, true, p, m->data_len, &off),
				 "lent segment %u outside guest memory", n);
			FZ_CHECK(mg->mode != VHOSTZC_IOVA_NONE,
				 "lent from memory without an IOVA");
			if (mg->mode == VHOSTZC_IOVA_PA) {
				uint8_t sel = sel_of(mg);
				const rte_iova_t *t = (sel & 7) == 2 ?
					phys_split : phys_contig;

				/* Right at both ends: contiguous in between. */
				want = fake_phys(off, (void *)(uintptr_t)t);
				FZ_CHECK(iova == want &&
					 iova + m->data_len - 1 ==
					 fake_phys(off + m->data_len - 1,
						   (void *)(uintptr_t)t),
					 "segment %u IOVA %#" PRIx64
					 ", want %#" PRIx64, n, iova, want);
			} else {
				FZ_CHECK(iova == (rte_iova_t)(uintptr_t)p,
					 "segment %u IOVA not its address", n);
			}
		}
	}
	FZ_CHECK(n == m0->nb_segs && sum == m0->pkt_len,
		 "%u segments of %u B, header says %u of %u", n, sum,
		 m0->nb_segs, m0->pkt_len);
	FZ_CHECK(!lent || !s.q->linear || m0->nb_segs == 1, "linear: segments");
}

/*
 * Offload metadata describes the packet as delivered: what parsing it
 * now gives, and 0 (an mbuf's reset value) for lengths the parse does
 * not reach or the mbuf cannot hold.
 */
static void
check_meta(struct rte_mbuf *m)
{
	struct rte_net_hdr_lens hl = { 0 };
	bool stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	uint32_t ptype;

	if (m->packet_type == 0 && m->l2_len == 0 && m->l3_len == 0 &&
	    m->l4_len == 0)
		return;		/* no offload asked for: nothing parsed */
	ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK);
	/* Lengths the mbuf's fields cannot hold (l2 7 bits, l3 9): none. */
	if (hl.l2_len >= 1u << 7 || hl.l3_len >= 1u << 9)
		hl.l2_len = hl.l3_len = hl.l4_len = 0;
	FZ_CHECK(ptype == m->packet_type && hl.l2_len == m->l2_len &&
		 hl.l3_len == m->l3_len && hl.l4_len == m->l4_len,
		 "metadata ptype %#x l2 %u l3 %u l4 %u, the packet parses as "
		 "%#x %u %u %u (vlan stripped: %d)", m->packet_type, m->l2_len,
		 m->l3_len, m->l4_len, ptype, hl.l2_len, hl.l3_len, hl.l4_len,
		 stripped);
}

/*
 * Walk head as the driver would now, to its end: the chain's bytes into
 * chain_buf. Returns the length, or -1 when the chain is refused (-2
 * when only after more than one walk step: the driver copied part).
 */
static int64_t
chain_bytes(uint16_t head)
{
	static struct vzc_chain c;
	uint64_t u0 = (uint64_t)((uint8_t *)g.used - g.mem);
	uint64_t u1 = u0 + sizeof(struct vzc_used) +
		sizeof(struct vzc_used_elem) * s.size + sizeof(uint16_t);
	enum vzc_walk_err err;
	uint32_t at = 0;
	uint16_t k;

	chain_reads_used = false;
	err = vzc_ring_walk(&s.q->vr, &s.q->memv, head, &c);
	for (;;) {
		if (err != VZC_WALK_OK && err != VZC_WALK_MORE)
			return at != 0 ? -2 : -1;
		at += vzc_chain_copy(&c, 0, chain_buf + at, VZC_MAX_PKT_LEN - at);
		s.work += 1 + c.niov;
		for (k = 0; k < c.niov; k++) {
			uint64_t off;

			if (view_off(s.q->mem, false, c.iov[k].base, c.iov[k].len,
				     &off) &&
			    off < u1 && off + c.iov[k].len > u0)
				chain_reads_used = true;
		}
		if (err == VZC_WALK_OK)
			break;
		err = vzc_ring_walk_next(&s.q->memv, &c);
	}
	FZ_CHECK(at == c.total, "walked %u of %u B", at, c.total);
	return at;
}

/* A delivered packet carries exactly its chain's payload. */
static void
check_bytes(struct rte_mbuf *m, uint32_t total, const uint8_t *vnet)
{
	uint16_t hdr = s.q->hdr_len;
	const uint8_t *e = chain_buf + hdr, *got;
	uint32_t len = total - hdr, skip_at = UINT32_MAX, i;
	bool stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	/* A tag to strip: the Ethernet and 802.1Q headers, whole. */
	bool tagged = len >= 18 && e[12] == 0x81 && e[13] == 0x00;

	if (chain_reads_used) {
		FZ_CHECK(m->pkt_len == len || (stripped && m->pkt_len == len - 4),
			 "delivered %u B of a %u B payload", m->pkt_len, len);
		return;
	}
	FZ_CHECK(stripped == (s.q->vlan_strip && tagged), "a %u B frame, "
		 "tagged %d, strip %d, stripped %d", len, tagged,
		 s.q->vlan_strip, stripped);
	if (stripped) {
		FZ_CHECK(m->vlan_tci == (uint16_t)(e[14] << 8 | e[15]),
			 "vlan tci %#x", m->vlan_tci);
		/* Expected: the MACs, then everything after the tag. */
		memcpy(pkt_buf, e, 12);
		memcpy(pkt_buf + 12, e + 16, len - 16);
		e = pkt_buf;
		len -= 4;
	}
	FZ_CHECK(m->pkt_len == len, "delivered %u B of a %u B payload",
		 m->pkt_len, len);
	/* A checksum the driver completed is not the guest's byte. */
	if (s.q->sw_csum && (vnet[0] & 1) != 0 &&
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
	    RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint32_t l4 = m->l2_len + m->l3_len;	/* the frame delivered */

		skip_at = l4 + ((m->packet_type & RTE_PTYPE_L4_MASK) ==
				RTE_PTYPE_L4_TCP ? 16 : 6);
	}
	got = rte_pktmbuf_read(m, 0, len, pkt_buf == e ? chain_buf : pkt_buf);
	FZ_CHECK(got != NULL, "unreadable");
	if (skip_at != UINT32_MAX && skip_at + 2 <= len &&
	    memcmp(got, e, skip_at) == 0 &&
	    memcmp(got + skip_at + 2, e + skip_at + 2, len - skip_at - 2) == 0)
		return;
	if (memcmp(got, e, len) == 0)
		return;
	for (i = 0; i < len; i++) {
		if (i == skip_at) {
			i++;
			continue;
		}
		FZ_CHECK(got[i] == e[i], "payload byte %u of %u: %#x, the "
			 "guest's %#x (%u segments, lent %d, flags %#" PRIx64
			 ", checksum at %u)", i, len, got[i], e[i], m->nb_segs,
			 slot_of(m) != NULL, m->ol_flags, skip_at);
	}
}

/* ---- the application side ---- */

static void
zero_room(struct rte_mbuf *m)
{
	memset((uint8_t *)m + sizeof(*m) + rte_pktmbuf_priv_size(mp), 0,
	       rte_pktmbuf_data_room_size(mp));
}

static void
free_held(uint32_t i)
{
	struct held h = s.held[i];

	if (h.early && h.frozen)
		FZ_CHECK(pkt_crc(h.m) == h.crc, "head %u returned early: its "
			 "frozen bytes changed", h.head);
	rte_pktmbuf_free(h.m);
	if (h.lent && s.q->lender != NULL)
		s.pending[s.npending++] = h.head;
	if (h.early && s.q->lender != NULL)
		s.early_freed++;
	s.held[i] = s.held[--s.nheld];
}

static void
age_held(void)
{
	uint32_t i = 0;

	while (i < s.nheld) {
		if (s.held[i].ttl != 255 && s.held[i].ttl-- <= 1)
			free_held(i);
		else
			i++;
	}
}

/*
 * Trace: the model's chains owed and the driver's order queue, oldest
 * first (head, L lent / d done, slot state), to compare the two.
 */
static void
trace_order(void)
{
	const struct vzc_order *o;
	uint32_t i;

	if (!trace || !s.in_order || s.q->lender == NULL)
		return;
	o = &s.q->lender->order;
	fprintf(stderr, "fuzz_rx:   model owed:");
	for (i = 0; i < s.nof; i++) {
		uint32_t at = (s.of_first + i) % VZC_RING_MAX_SIZE;

		fprintf(stderr, " %u%s", s.ofifo[at], s.olent[at] ? "L" : "");
	}
	fprintf(stderr, "\nfuzz_rx:   driver order:");
	for (i = 0; i < o->count; i++) {
		const struct vzc_order_ent *e = &o->ent[(o->first + i) % o->size];
		const struct vhostzc_slot *sl = vhostzc_lent_slot(s.q->lender,
								  e->id);

		fprintf(stderr, " %u%s%s", e->id, e->done ? "d" : "",
			sl == NULL ? "" : sl->state == VHOSTZC_SLOT_LENT ?
			"L" : "R");
	}
	fprintf(stderr, "\n");
}

/* One burst of up to nb packets, then the checks. */
static void
op_burst(struct fz *f)
{
	static struct rte_mbuf *pkts[BURST_MAX];
	static uint16_t takes[BURST_MAX];
	uint16_t nb = fz_u8(f), n, t, k, pi = 0;
	uint16_t old_last = s.q->vr.last_avail;
	uint64_t pkts0 = s.q->stats.pkts, nombuf0 = s.q->stats.nombuf;
	uint64_t early0 = s.q->stats.returned_early;

	age_held();
	expect_pending();	/* the burst reclaims first */
	n = vhostzc_rx_burst(s.q, pkts, nb);
	if (s.q->stats.returned_early != early0)
		model_early_returns(s.q->stats.returned_early - early0);
	TRACE("burst %u: %u packets, %u taken, used %u, lent %u\n", nb, n,
	      (uint16_t)(s.q->vr.last_avail - old_last), s.q->vr.used_idx,
	      s.q->lent);
	FZ_CHECK(n <= nb, "%u packets for %u", n, nb);
	FZ_CHECK(s.q->stats.pkts - pkts0 == n, "pkts counter");
	t = (uint16_t)(s.q->vr.last_avail - old_last);
	FZ_CHECK(t <= nb, "took %u for a burst of %u", t, nb);
	/* Mbufs written, then given back to the pool: scrub them all. */
	if (s.q->stats.nombuf != nombuf0)
		s.touched_all = true;
	for (k = 0; k < t; k++)
		takes[k] = g.avail->ring[(uint16_t)(old_last + k) & (s.size - 1)];

	/*
	 * Each take in order: past the ring, skipped; a head still lent,
	 * refused; else walked as the driver walked it: refused (returned
	 * now), or delivered as the next packet, lent or copied (returned
	 * now).
	 */
	for (k = 0; k < t; k++) {
		uint16_t h = takes[k];
		const struct vhostzc_slot *sl;
		uint32_t at = 0;
		int64_t total;
		uint8_t vnet[12];
		struct rte_mbuf *m;

		if (h >= s.size) {
			TRACE("take %u: head %u past the ring\n", k, h);
			continue;
		}
		s.taken[h]++;
		if (s.lent[h]) {
			TRACE("take %u: head %u still lent\n", k, h);
			continue;
		}
		if (s.in_order) {
			/* Returns not read yet still count here: room enough. */
			FZ_CHECK(s.nof < VZC_RING_MAX_SIZE, "model full");
			at = (s.of_first + s.nof++) % VZC_RING_MAX_SIZE;
			s.ofifo[at] = h;
			s.olent[at] = false;
		}
		total = chain_bytes(h);
		TRACE("take %u: head %u, %lld B\n", k, h, (long long)total);
		if (total == -2)
			s.touched_all = true;	/* copied, then refused */
		if (total < 0 || total <= s.q->hdr_len) {
			expect_return(h);
			continue;
		}
		FZ_CHECK(pi < n, "take %u (head %u) delivered nothing", k, h);
		m = pkts[pi++];
		sl = slot_of(m);
		check_mbuf(m, sl != NULL);
		if (sl != NULL) {
			FZ_CHECK(sl->head == h && sl->state == VHOSTZC_SLOT_LENT,
				 "packet of head %u lent under slot %u", h,
				 sl->head);
			s.lent[h] = true;
			s.nlent++;
			if (s.in_order) {
				s.lent_at[h] = at;
				s.olent[at] = true;
			}
		} else {
			expect_return(h);
		}
		memcpy(vnet, chain_buf, sizeof(vnet));
		check_bytes(m, (uint32_t)total, vnet);
		if (!chain_reads_used)
			check_meta(m);
	}
	FZ_CHECK(pi == n, "%u packets delivered, %u chains deliverable", n, pi);
	check_used("burst");
	trace_order();
	FZ_CHECK(s.q->lent == s.nlent && s.q->lent <= s.q->max_lent,
		 "lent %u, model %u, cap %u", s.q->lent, s.nlent, s.q->max_lent);
	FZ_CHECK(s.q->lender == NULL ||
		 s.q->lender->outstanding == s.nlent + s.nearly,
		 "outstanding %u, lent %u, early %u", s.q->lender->outstanding,
		 s.nlent, s.nearly);
	/* The application: free now, or hold for some bursts. */
	for (k = 0; k < n; k++) {
		uint8_t d = fz_u8(f);
		const struct vhostzc_slot *sl = slot_of(pkts[k]);

		s.held[s.nheld++] = (struct held){
			.m = pkts[k],
			.ttl = (d & 3) == 3 ? 255 : d & 3,
			.lent = sl != NULL,
			.head = sl != NULL ? sl->head : 0,
		};
		if ((d & 3) == 0)
			free_held(s.nheld - 1);
	}
}

/* ---- input ---- */

/*
 * Operations until the input ends (op = u8 % 12):
 *  0 descriptor: u16 index, address, length, flags, u16 next
 *  1 packet: u16 head, offset, u16 length, u8 template, u8 shape, u8 seed,
 *    [u8 if shape bit 7: length = 2 * length + u8], virtio-net header (u8
 *    flags, u8 gso, 8 bytes), [64 frame bytes for template 7]; shape bit
 *    0: header in its own descriptor, bits 1-4: pieces - 1, bit 6: not
 *    made available
 *  2 indirect: u16 head, offset, u8 count, u8 how, entries, [u32], u16 next
 *  3 avail entry: u16 head, raw
 *  4 avail idx += u16
 *  5 burst: u8 size, then a u8 per packet: free after 0, 1, 2 bursts or
 *    at the end (bits 0-1)
 *  6 reclaim (as a transmit burst does)
 *  7 bytes: offset, u8 count, bytes
 *  8 new memory table: u8 as make_mem
 *  9 free a held packet now: u8 which
 * 10 suppression: u16 avail flags, u16 used_event
 * 11 fill: offset, u16 length, u8 byte
 * 12 time passes: zc-hold-us for the oldest chain out, and the pause of
 *    lending after early returns (the fuzzer's only clock)
 */
static void
run_ops(struct fz *f)
{
	while (fz_more(f) && s.work < WORK_MAX) {
		switch (fz_u8(f) % 13) {
		case 0: {
			uint16_t i = fz_u16(f);
			uint64_t addr = fz_gpa(f);
			uint32_t len = fz_len(f);
			uint16_t flags = fz_flags(f);

			set_desc(i, addr, len, flags, fz_u16(f));
			TRACE("desc %u: %#" PRIx64 " %u B flags %#x next %u\n",
			      i & (s.size - 1), addr, len, flags,
			      g.desc[i & (s.size - 1)].next);
			break;
		}
		case 1:
			op_packet(f);
			break;
		case 2:
			op_indirect(f);
			break;
		case 3: {
			uint16_t h = fz_u16(f);

			TRACE("post %u\n", h);
			vzc_fake_guest_avail_push(&g, h);
			break;
		}
		case 4:
			g.avail->idx += fz_u16(f);
			TRACE("avail idx %u\n", g.avail->idx);
			break;
		case 5:
			op_burst(f);
			break;
		case 6:
			TRACE("reclaim\n");
			expect_pending();
			vhostzc_rxq_reclaim_and_publish(s.q);
			check_used("reclaim");
			break;
		case 7: {
			uint32_t off = fz_goff(f);
			uint8_t n = fz_u8(f), b[256];

			fz_bytes(f, b, n);
			gwrite(off, b, n);
			TRACE("bytes at %#x: %u\n", off, n);
			break;
		}
		case 8: {
			uint8_t sel = fz_u8(f);

			TRACE("memory table %#x\n", sel);
			if (s.remaps++ < REMAP_MAX)
				vzc_fake_rxq_set_mem(s.q, make_mem(sel));
			break;
		}
		case 9:
			if (s.nheld != 0)
				free_held(fz_u8(f) % s.nheld);
			break;
		case 10:
			g.avail->flags = fz_u16(f);
			g.avail->ring[s.size] = fz_u16(f);
			break;
		case 12:
			/* zc-hold-us passes: the held chain, the lending pause. */
			TRACE("time passes\n");
			s.q->blocked_since = 0;
			s.q->pause_until = 0;
			break;
		default: {
			uint32_t off = fz_goff(f);
			uint32_t len = fz_u16(f);

			gstore(off, NULL, fz_u8(f), len);
			TRACE("fill at %#x: %u\n", off, len);
			break;
		}
		}
	}
}

/*
 * The guest: u8 ring (bits 0-3: size 1 << n; bit 4: linear layout, else
 * zc-head; bit 5: EVENT_IDX; bit 6: 10-byte header, else 12; bit 7:
 * zero-copy off), u8 memory (make_mem; bit 5: VLAN strip; bit 6:
 * software checksum), u8 zc-min-len / 4, u8 zc-max-lent (0: derived),
 * u16 ring base, u8 end (bits 0-1: free all then detach; stop with mbufs
 * held; free all then stop; bit 2: IN_ORDER, with a lend view of guest
 * memory), u8 freeze budget in pages (0: default).
 */
static bool
setup(struct fz *f)
{
	uint8_t r = fz_u8(f), m = fz_u8(f), minl = fz_u8(f), maxl = fz_u8(f);
	uint16_t base = fz_u16(f);
	struct vzc_fake_rxq p;
	uint8_t budget;

	memset(&s, 0, offsetof(typeof(s), taken));
	s.size = (uint16_t)(1u << (r & 15));
	memset(s.taken, 0, sizeof(s.taken[0]) * s.size);
	memset(s.returned, 0, sizeof(s.returned[0]) * s.size);
	memset(s.lent, 0, sizeof(s.lent[0]) * s.size);
	memset(s.expect, 0, sizeof(s.expect[0]) * s.size);
	s.nexpect = s.npending = s.nheld = s.ndirty = s.ntouched = s.nlent = 0;
	s.of_first = s.nof = s.nearly = s.early_freed = 0;
	s.dirty_all = s.touched_all = false;

	in.zc.enabled = (r & 0x80) == 0;
	in.zc.min_len = (uint32_t)minl * 4;
	in.zc.max_lent = maxl;
	s.end = fz_u8(f);
	s.in_order = (s.end & 4) != 0;
	/* Only the fuzzer's own clock (op 12) lets zc-hold-us pass. */
	in.zc.hold_us = VHOSTZC_MAX_PAUSE_US;
	budget = fz_u8(f);
	in.zc.freeze_budget = budget == 0 ?
		(uint64_t)VHOSTZC_DEFAULT_FREEZE_KB << 10 :
		(uint64_t)budget * 4096;
	FZ_CHECK(vzc_fake_guest_rings(&g, s.size, RING_OFF, base) == 0, "rings");
	p = (struct vzc_fake_rxq){
		.hdr_len = (r & 0x40) != 0 ? 10 : 12,
		.event_idx = (r & 0x20) != 0,
		.in_order = s.in_order,
	};
	s.q = vzc_fake_guest_rxq(&g, make_mem(m), &in, mp, &p);
	FZ_CHECK(s.q != NULL, "rxq");
	s.q->linear = (r & 0x10) != 0;
	s.q->vlan_strip = (m & 0x20) != 0;
	s.q->sw_csum = (m & 0x40) != 0;
	TRACE("ring %u base %u, %s, hdr %u, event_idx %d, in order %d, zc %d "
	      "(min %u, max lent %u), memory %#x, vlan strip %d, sw csum %d, "
	      "end %u, freeze budget %" PRIu64 "\n", s.size, base,
	      s.q->linear ? "linear" : "zc-head", s.q->hdr_len, p.event_idx,
	      s.in_order, s.q->zc, in.zc.min_len, s.q->max_lent, m, s.q->vlan_strip,
	      s.q->sw_csum, s.end, in.zc.freeze_budget);
	return true;
}

static void
free_all_held(void)
{
	while (s.nheld != 0)
		free_held(s.nheld - 1);
}

/* How the ring ends, then the accounting at the end of the input. */
static void
finish(uint8_t end)
{
	struct vhostzc_rxq *qs[1] = { s.q };
	uint32_t i;

	switch (end & 3) {
	case 1: {	/* stop with mbufs still held */
		uint16_t used;

		expect_pending();
		for (i = 0; i < s.size && s.nlent != 0; i++) {
			if (s.lent[i]) {
				model_unlend((uint16_t)i);
				expect_return((uint16_t)i);
			}
		}
		vzc_fake_rxqs_stop(qs, 1);
		check_used("stop");
		used = g.used->idx;
		s.npending = 0;
		for (i = 0; i < s.nheld; i++)
			s.held[i].lent = false;	/* late frees touch no ring */
		free_all_held();
		FZ_CHECK(vhostzc_reap_orphans() == 0, "orphaned lender kept");
		FZ_CHECK(g.used->idx == used, "a late free wrote the used ring");
		break;
	}
	case 2:		/* free everything, then stop */
		free_all_held();
		expect_pending();
		vzc_fake_rxqs_stop(qs, 1);
		check_used("stop");
		break;
	default:
		free_all_held();
		expect_pending();
		vhostzc_rxq_reclaim_and_publish(s.q);
		check_used("drain");
		FZ_CHECK(s.q->lent == 0 && (s.q->lender == NULL ||
			 s.q->lender->outstanding == 0),
			 "lent %u outstanding %u after the drain", s.q->lent,
			 s.q->lender != NULL ? s.q->lender->outstanding : 0);
		break;
	}
	FZ_CHECK(s.nlent == 0, "%u heads still lent", s.nlent);
	FZ_CHECK(s.nof == 0, "%u chains never returned (in order)", s.nof);
	FZ_CHECK(rte_mempool_avail_count(mp) == POOL_SIZE,
		 "pool: %u of %u back", rte_mempool_avail_count(mp), POOL_SIZE);
	vzc_fake_rxq_free(s.q);
	s.q = NULL;
	for (i = 0; i < s.nmgs; i++) {
		uint32_t k;

		for (k = 0; k < s.mgs[i]->nregions; k++)
			s.mgs[i]->map[k].dma_mapped = false;
		vhostzc_memgen_put(s.mgs[i]);
	}
	FZ_CHECK(vhostzc_lender_count() == base_lenders &&
		 vhostzc_memgen_count() == base_memgens,
		 "%u lenders, %u mappings left", vhostzc_lender_count() -
		 base_lenders, vhostzc_memgen_count() - base_memgens);
}

/* What this input wrote, zeroed: the next one starts from the same state. */
static void
scrub(void)
{
	uint32_t i;

	if (s.dirty_all) {
		memset(g.mem, 0, GMEM_SIZE);
	} else {
		for (i = 0; i < s.ndirty; i++)
			memset(g.mem + s.dirty_off[i], 0, s.dirty_len[i]);
		memset(g.mem + RING_OFF, 0, vzc_fake_ring_bytes(s.size));
	}
	if (s.touched_all) {
		struct rte_mbuf *all[POOL_SIZE];

		FZ_CHECK(rte_pktmbuf_alloc_bulk(mp, all, POOL_SIZE) == 0, "pool");
		for (i = 0; i < POOL_SIZE; i++)
			memset(all[i]->buf_addr, 0, all[i]->buf_len);
		rte_pktmbuf_free_bulk(all, POOL_SIZE);
	} else {
		for (i = 0; i < s.ntouched; i++)
			zero_room(s.touched[i]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *eal_args[] = {
		"fuzz_rx", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
		"--no-telemetry", "-l", "0",
		"--log-level=lib.eal:error", "--log-level=pmd.net.vhostzc:error",
		NULL,
	};
	trace = getenv("VZC_FUZZ_TRACE") != NULL;
	(void)argc;
	(void)argv;
	/* What EAL keeps for the process's life is not a leak of an input. */
	__lsan_disable();
	if (rte_eal_init((int)RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "fuzz_rx: EAL init failed\n");
		exit(1);
	}
	if (vzc_fake_guest_open(&g, GMEM_GPA, GMEM_SIZE) != 0) {
		fprintf(stderr, "fuzz_rx: no guest memory\n");
		exit(1);
	}
	mp = vzc_fake_pool("fuzz_pool", POOL_SIZE, POOL_CACHE);
	if (mp == NULL) {
		fprintf(stderr, "fuzz_rx: no mbuf pool\n");
		exit(1);
	}
	__lsan_enable();
	base_memgens = vhostzc_memgen_count();
	base_lenders = vhostzc_lender_count();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	if (size < 8)
		return 0;
	setup(&f);
	run_ops(&f);
	finish(s.end);
	scrub();
	return 0;
}
