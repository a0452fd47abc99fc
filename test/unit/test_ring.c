/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Unit tests of the ring datapath (vhostzc_ring.c) over split and packed
 * rings that this file builds in plain memory. No EAL, no mbufs, no socket.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhostzc_ring.h"
#include "vzc_test.h"

#define RING	16
#define MEM0_GPA	0x100000ULL
#define MEM0_SIZE	0x100000ULL
#define MEM1_GPA	(MEM0_GPA + MEM0_SIZE)	/* GPA-adjacent, host-apart */
#define MEM1_SIZE	0x10000ULL

struct fixture {
	uint8_t *mem0;
	uint8_t *mem1;
	struct vzc_mem_region regions[2];
	struct vzc_mem_view view;
	struct vzc_desc desc[RING];
	struct {
		uint16_t flags, idx, ring[RING], used_event;
	} avail;
	struct {
		uint16_t flags, idx;
		struct vzc_used_elem ring[RING];
		uint16_t avail_event;
	} used;
	struct vzc_vring vr;
};

static void
fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->mem0 = calloc(1, MEM0_SIZE);
	f->mem1 = calloc(1, MEM1_SIZE);
	f->regions[0] = (struct vzc_mem_region){ MEM0_GPA, MEM0_SIZE, f->mem0 };
	f->regions[1] = (struct vzc_mem_region){ MEM1_GPA, MEM1_SIZE, f->mem1 };
	f->view.nregions = 2;
	f->view.regions = f->regions;
	f->vr.desc = f->desc;
	f->vr.avail = (struct vzc_avail *)&f->avail;
	f->vr.used = (struct vzc_used *)&f->used;
	f->vr.size = RING;
}

static void
fx_fini(struct fixture *f)
{
	free(f->mem0);
	free(f->mem1);
}

static void
set_desc(struct fixture *f, uint16_t i, uint64_t addr, uint32_t len,
	 uint16_t flags, uint16_t next)
{
	f->desc[i] = (struct vzc_desc){ addr, len, flags, next };
}

/* Driver side: make head available. */
static void
post(struct fixture *f, uint16_t head)
{
	f->avail.ring[f->avail.idx % RING] = head;
	f->avail.idx++;
}

static void
test_single(void)
{
	struct fixture f;
	struct vzc_chain c;
	bool broken;

	fx_init(&f);
	set_desc(&f, 5, MEM0_GPA + 0x1000, 1500, 0, 0);
	post(&f, 5);
	CHECK(vzc_ring_avail_count(&f.vr, &broken) == 1 && !broken, "count");
	CHECK(vzc_ring_take_head(&f.vr) == 5, "head");
	CHECK(vzc_ring_walk(&f.vr, &f.view, 5, &c) == VZC_WALK_OK, "walk");
	CHECK(c.niov == 1 && c.total == 1500 && c.head == 5, "niov %u total %u",
	      c.niov, c.total);
	CHECK(c.iov[0].base == f.mem0 + 0x1000 && c.iov[0].len == 1500, "iov");
	CHECK(vzc_ring_avail_count(&f.vr, &broken) == 0, "drained");
	fx_fini(&f);
}

static void
test_chain_and_copy(void)
{
	struct fixture f;
	struct vzc_chain c;
	uint8_t out[300];
	int i;

	fx_init(&f);
	/* 3 -> 9 -> 0, scattered and out of index order. */
	set_desc(&f, 3, MEM0_GPA + 0x100, 12, VZC_DESC_F_NEXT, 9);
	set_desc(&f, 9, MEM0_GPA + 0x8000, 100, VZC_DESC_F_NEXT, 0);
	set_desc(&f, 0, MEM0_GPA + 0x200, 188, 0, 0);
	for (i = 0; i < 100; i++)
		f.mem0[0x8000 + i] = (uint8_t)i;
	for (i = 0; i < 188; i++)
		f.mem0[0x200 + i] = (uint8_t)(100 + i);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 3, &c) == VZC_WALK_OK, "walk");
	CHECK(c.niov == 3 && c.total == 300, "niov %u total %u", c.niov, c.total);
	CHECK(c.iov[1].base == f.mem0 + 0x8000, "order");
	CHECK(vzc_chain_copy(&c, 12, out, 288) == 288, "copy len");
	for (i = 0; i < 288; i++)
		if (out[i] != (uint8_t)i)
			break;
	CHECK(i == 288, "bytes differ at %d", i);
	CHECK(vzc_chain_copy(&c, 290, out, 100) == 10, "short copy");
	fx_fini(&f);
}

static void
test_indirect(void)
{
	struct fixture f;
	struct vzc_chain c;
	struct vzc_desc *tbl;

	fx_init(&f);
	tbl = (struct vzc_desc *)(f.mem0 + 0x4000);
	tbl[0] = (struct vzc_desc){ MEM0_GPA + 0x100, 12, VZC_DESC_F_NEXT, 2 };
	tbl[2] = (struct vzc_desc){ MEM0_GPA + 0x1000, 1000, VZC_DESC_F_NEXT, 1 };
	tbl[1] = (struct vzc_desc){ MEM0_GPA + 0x3000, 2000, 0, 0 };
	set_desc(&f, 7, MEM0_GPA + 0x4000, 3 * sizeof(struct vzc_desc),
		 VZC_DESC_F_INDIRECT, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_OK, "walk");
	CHECK(c.niov == 3 && c.total == 3012, "niov %u total %u", c.niov, c.total);
	CHECK(c.iov[2].base == f.mem0 + 0x3000, "order");

	/* Nested indirect is refused. */
	tbl[1].flags = VZC_DESC_F_INDIRECT;
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_BAD_FLAGS, "nested");
	/* A loop inside the table. */
	tbl[1] = (struct vzc_desc){ MEM0_GPA + 0x3000, 20, VZC_DESC_F_NEXT, 0 };
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_LOOP, "loop");
	/* next outside the table. */
	tbl[1].next = 3;
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_BAD_INDEX, "next");
	/* Table length not a multiple of a descriptor. */
	set_desc(&f, 7, MEM0_GPA + 0x4000, 20, VZC_DESC_F_INDIRECT, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_BAD_LEN, "tlen");
	/* Table outside guest memory. */
	set_desc(&f, 7, 0x10, 32, VZC_DESC_F_INDIRECT, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_BAD_ADDR, "taddr");
	/* INDIRECT together with NEXT. */
	set_desc(&f, 7, MEM0_GPA + 0x4000, 32,
		 VZC_DESC_F_INDIRECT | VZC_DESC_F_NEXT, 1);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 7, &c) == VZC_WALK_BAD_FLAGS, "i+n");
	/* Indirect as the second element of a chain. */
	set_desc(&f, 6, MEM0_GPA, 12, VZC_DESC_F_NEXT, 7);
	set_desc(&f, 7, MEM0_GPA + 0x4000, 32, VZC_DESC_F_INDIRECT, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 6, &c) == VZC_WALK_BAD_FLAGS, "2nd");
	fx_fini(&f);
}

static void
test_region_split(void)
{
	struct fixture f;
	struct vzc_chain c;

	fx_init(&f);
	/* 100 bytes before the region boundary, 400 after. */
	set_desc(&f, 1, MEM1_GPA - 100, 500, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 1, &c) == VZC_WALK_OK, "walk");
	CHECK(c.niov == 2, "niov %u", c.niov);
	CHECK(c.iov[0].base == f.mem0 + MEM0_SIZE - 100 && c.iov[0].len == 100,
	      "piece 0");
	CHECK(c.iov[1].base == f.mem1 && c.iov[1].len == 400, "piece 1");
	/* Each piece names its region: lending looks up nothing again. */
	CHECK(c.iov[0].region == 0 && c.iov[1].region == 1, "regions %u %u",
	      c.iov[0].region, c.iov[1].region);
	/* The one-piece fast walk names it too. */
	set_desc(&f, 1, MEM1_GPA + 0x100, 64, 0, 0);
	CHECK(vzc_ring_walk_fast(&f.vr, &f.view, 1, &c) == VZC_WALK_OK &&
	      c.niov == 1 && c.iov[0].region == 1, "fast walk region");
	/* Running off the end of the last region. */
	set_desc(&f, 1, MEM1_GPA + MEM1_SIZE - 10, 20, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 1, &c) == VZC_WALK_BAD_ADDR, "end");
	fx_fini(&f);
}

static void
test_malformed(void)
{
	struct fixture f;
	struct vzc_chain c;
	bool broken;

	fx_init(&f);
	/* Head beyond the ring. */
	CHECK(vzc_ring_walk(&f.vr, &f.view, RING, &c) == VZC_WALK_BAD_INDEX,
	      "head");
	/* next out of range. */
	set_desc(&f, 2, MEM0_GPA, 64, VZC_DESC_F_NEXT, RING + 3);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_INDEX, "next");
	/* A two-element cycle. */
	set_desc(&f, 2, MEM0_GPA, 64, VZC_DESC_F_NEXT, 4);
	set_desc(&f, 4, MEM0_GPA, 64, VZC_DESC_F_NEXT, 2);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_LOOP, "loop");
	/* A self loop. */
	set_desc(&f, 2, MEM0_GPA, 64, VZC_DESC_F_NEXT, 2);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_LOOP, "self");
	/* Zero length. */
	set_desc(&f, 2, MEM0_GPA, 0, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_LEN, "zero");
	/* Length beyond guest memory, and an address that wraps 64 bits. */
	set_desc(&f, 2, MEM0_GPA + MEM0_SIZE + MEM1_SIZE - 8, 64, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_ADDR, "beyond");
	set_desc(&f, 2, UINT64_MAX - 8, 64, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_ADDR, "wrap");
	/* A length the packet limit refuses even though memory is there. */
	set_desc(&f, 2, MEM0_GPA, VZC_MAX_PKT_LEN + 1, 0, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_LEN, "huge");
	/* Device-writable buffer in a TX ring. */
	set_desc(&f, 2, MEM0_GPA, 64, VZC_DESC_F_WRITE, 0);
	CHECK(vzc_ring_walk(&f.vr, &f.view, 2, &c) == VZC_WALK_BAD_FLAGS, "write");
	/* A chain of more pieces than we take. */
	{
		uint16_t i;

		for (i = 0; i < RING; i++)
			set_desc(&f, i, MEM1_GPA - 1, 2, VZC_DESC_F_NEXT, i + 1);
		f.desc[RING - 1].flags = 0;
		/* 16 descriptors x 2 pieces = 32 pieces: still fine. */
		CHECK(vzc_ring_walk(&f.vr, &f.view, 0, &c) == VZC_WALK_OK,
		      "32 pieces");
		CHECK(c.niov == 32, "niov %u", c.niov);
	}
	/*
	 * An indirect table whose 40 entries make 80 pieces: legal, walked
	 * in steps of VZC_MAX_IOV pieces, each descriptor read once.
	 */
	{
		struct vzc_desc *tbl = (struct vzc_desc *)(f.mem0 + 0x6000);
		uint32_t seen = 0;
		uint16_t i;

		for (i = 0; i < 40; i++)
			tbl[i] = (struct vzc_desc){ MEM1_GPA - 1, 2,
						    VZC_DESC_F_NEXT, i + 1 };
		tbl[39].flags = 0;
		set_desc(&f, 3, MEM0_GPA + 0x6000, 40 * sizeof(*tbl),
			 VZC_DESC_F_INDIRECT, 0);
		CHECK(vzc_ring_walk(&f.vr, &f.view, 3, &c) == VZC_WALK_MORE,
		      "80 pieces: more");
		CHECK(c.niov == VZC_MAX_IOV && c.off == 0, "first step %u",
		      c.niov);
		seen = c.niov;
		CHECK(vzc_ring_walk_next(&f.view, &c) == VZC_WALK_OK, "rest");
		seen += c.niov;
		CHECK(seen == 80 && c.total == 80 && c.off == VZC_MAX_IOV,
		      "pieces %u total %u off %u", seen, c.total, c.off);
		/* A bad entry past the first step is found by the next one. */
		tbl[35].addr = 0x10;
		CHECK(vzc_ring_walk(&f.vr, &f.view, 3, &c) == VZC_WALK_MORE &&
		      vzc_ring_walk_next(&f.view, &c) == VZC_WALK_BAD_ADDR,
		      "bad after the first step");
		/* So is a cycle. */
		tbl[35].addr = MEM1_GPA - 1;
		tbl[39] = (struct vzc_desc){ MEM1_GPA - 1, 2, VZC_DESC_F_NEXT, 0 };
		CHECK(vzc_ring_walk(&f.vr, &f.view, 3, &c) == VZC_WALK_MORE &&
		      vzc_ring_walk_next(&f.view, &c) == VZC_WALK_LOOP,
		      "cycle after the first step");
	}
	/* avail->idx more than a ring ahead: broken, nothing read. */
	f.avail.idx = RING + 1;
	CHECK(vzc_ring_avail_count(&f.vr, &broken) == 0 && broken, "runaway idx");
	fx_fini(&f);
}

static void
test_wrap_and_used(void)
{
	struct fixture f;
	bool broken;
	uint16_t i;

	fx_init(&f);
	f.vr.last_avail = 65530;
	f.avail.idx = 65530;
	f.vr.used_idx = 65530;
	f.used.idx = 65530;
	for (i = 0; i < 10; i++) {
		set_desc(&f, i, MEM0_GPA + i * 0x100, 64, 0, 0);
		post(&f, i);
	}
	CHECK(f.avail.idx == 4, "avail idx wrapped to %u", f.avail.idx);
	CHECK(vzc_ring_avail_count(&f.vr, &broken) == 10 && !broken, "count");
	for (i = 0; i < 10; i++)
		CHECK(vzc_ring_take_head(&f.vr) == i, "head %u", i);
	CHECK(f.vr.last_avail == 4, "last_avail %u", f.vr.last_avail);

	/* Completions out of order: 7, 2, 9, then the rest. */
	vzc_ring_used_put(&f.vr, 7, 0);
	vzc_ring_used_put(&f.vr, 2, 0);
	vzc_ring_used_put(&f.vr, 9, 0);
	CHECK(f.used.idx == 65530, "not published yet");
	vzc_ring_used_publish(&f.vr);
	CHECK(f.used.idx == 65533, "published %u", f.used.idx);
	CHECK(f.used.ring[65530 % RING].id == 7 &&
	      f.used.ring[65531 % RING].id == 2 &&
	      f.used.ring[65532 % RING].id == 9, "order");
	for (i = 0; i < 10; i++)
		if (i != 7 && i != 2 && i != 9)
			vzc_ring_used_put(&f.vr, i, 0);
	vzc_ring_used_publish(&f.vr);
	CHECK(f.used.idx == 4, "used idx wrapped to %u", f.used.idx);
	CHECK(f.used.ring[3].id == 8 && f.used.ring[3].len == 0, "last entry");
	fx_fini(&f);
}

static void
test_notify(void)
{
	struct fixture f;

	fx_init(&f);
	/* Without EVENT_IDX: NO_INTERRUPT suppresses. */
	vzc_ring_used_put(&f.vr, 0, 0);
	vzc_ring_used_publish(&f.vr);
	CHECK(vzc_ring_need_notify(&f.vr), "default notifies");
	f.avail.flags = VZC_AVAIL_F_NO_INTERRUPT;
	vzc_ring_used_put(&f.vr, 1, 0);
	CHECK(!vzc_ring_need_notify(&f.vr), "NO_INTERRUPT");

	/* With EVENT_IDX: only when used crosses used_event. */
	fx_fini(&f);
	fx_init(&f);
	f.vr.event_idx = true;
	f.avail.used_event = 5;
	vzc_ring_used_put(&f.vr, 0, 0);
	CHECK(vzc_ring_need_notify(&f.vr), "first always");
	vzc_ring_used_put(&f.vr, 1, 0);		/* used 2: event 5 not crossed */
	CHECK(!vzc_ring_need_notify(&f.vr), "before event");
	f.vr.used_idx = 6;			/* crosses 5 */
	CHECK(vzc_ring_need_notify(&f.vr), "crossing event");
	f.vr.used_idx = 7;
	CHECK(!vzc_ring_need_notify(&f.vr), "past event");
	/*
	 * The guest asks for an interrupt only after a full wrap (event 3,
	 * behind us); we go round in windows that do not reach it, then
	 * cross it: the interrupt is wanted even though 2^16 entries went by
	 * without one (a shadow that only moves when notifying misses it).
	 */
	f.avail.used_event = 3;
	f.vr.used_idx = 30007;
	CHECK(!vzc_ring_need_notify(&f.vr), "wrap: first window");
	f.vr.used_idx = 60007;
	CHECK(!vzc_ring_need_notify(&f.vr), "wrap: second window");
	f.vr.used_idx = 7;			/* 65536 + 7: crossed 3 */
	CHECK(vzc_ring_need_notify(&f.vr), "wanted interrupt after a wrap");
	fx_fini(&f);
}

static void
test_sizes(void)
{
	CHECK(vzc_ring_size_valid(256) && vzc_ring_size_valid(32768), "valid");
	CHECK(!vzc_ring_size_valid(0) && !vzc_ring_size_valid(100) &&
	      !vzc_ring_size_valid(65536), "invalid");
}

/* Kicks asked for and not: both suppression schemes. */
static void
test_device_notify(void)
{
	struct fixture f;

	fx_init(&f);
	f.used.flags = VZC_USED_F_NO_NOTIFY;
	vzc_ring_set_notify(&f.vr, true);
	CHECK(f.used.flags == 0, "kicks wanted: flag clear");
	vzc_ring_set_notify(&f.vr, false);
	CHECK(f.used.flags == VZC_USED_F_NO_NOTIFY, "no kicks: flag set");
	f.vr.event_idx = true;
	f.vr.last_avail = 4242;
	f.used.flags = 0;
	vzc_ring_set_notify(&f.vr, true);
	CHECK(f.used.avail_event == 4242 && f.used.flags == 0,
	      "EVENT_IDX: avail_event at the next entry we take (%u)",
	      f.used.avail_event);
	f.vr.last_avail = 5000;
	vzc_ring_set_notify(&f.vr, false);
	CHECK(f.used.avail_event == 4242, "disabling leaves it behind");
	fx_fini(&f);
}

/*
 * Packed rings: a fixture of its own (slots and event areas) over the
 * same guest memory, and a driver that posts as virtio's does (flags of a
 * chain's first slot written last).
 */
struct pfixture {
	struct fixture f;
	struct vzc_pdesc slots[RING];
	struct vzc_pevent driver, device;
	uint16_t drv_idx;	/* driver: next slot it posts into */
	bool drv_wrap;
};

static void
pfx_init(struct pfixture *p, uint16_t size)
{
	fx_init(&p->f);
	memset(p->slots, 0, sizeof(p->slots));
	p->f.vr.packed = true;
	p->f.vr.pdesc = p->slots;
	p->f.vr.driver_event = &p->driver;
	p->f.vr.device_event = &p->device;
	p->f.vr.size = size;
	p->f.vr.avail_wrap = true;
	p->f.vr.used_wrap = true;
	p->driver = (struct vzc_pevent){ 0, VZC_EVENT_F_ENABLE };
	p->drv_idx = 0;
	p->drv_wrap = true;
}

static uint16_t
pflags(bool wrap)
{
	return wrap ? VZC_PDESC_F_AVAIL : VZC_PDESC_F_USED;
}

/* Post a chain of n (gpa, len, flags) pieces under buffer id. */
static void
ppost(struct pfixture *p, uint16_t id, uint16_t n, const uint64_t *gpa,
      const uint32_t *len, const uint16_t *extra)
{
	uint16_t first = p->drv_idx, i;
	bool first_wrap = p->drv_wrap;

	for (i = 0; i < n; i++) {
		struct vzc_pdesc *d = &p->slots[p->drv_idx];
		uint16_t fl = (i + 1 < n ? VZC_DESC_F_NEXT : 0) |
			(extra != NULL ? extra[i] : 0);

		d->addr = gpa[i];
		d->len = len[i];
		d->id = i + 1 == n ? id : 0xdead;
		if (i != 0)
			d->flags = fl | pflags(p->drv_wrap);
		else
			first_wrap = p->drv_wrap, d->flags = fl;
		if (++p->drv_idx == p->f.vr.size) {
			p->drv_idx = 0;
			p->drv_wrap = !p->drv_wrap;
		}
	}
	__atomic_store_n(&p->slots[first].flags, p->slots[first].flags |
			 pflags(first_wrap), __ATOMIC_RELEASE);
}

static void
test_packed(void)
{
	struct pfixture p;
	struct vzc_chain c;
	bool broken;
	uint64_t g[3] = { MEM0_GPA, MEM0_GPA + 0x1000, MEM1_GPA - 10 };
	uint32_t l[3] = { 12, 1000, 30 };
	struct vzc_pdesc *tbl;
	uint16_t a, u;

	pfx_init(&p, RING);
	CHECK(vzc_ring_ready(&p.f.vr, 8, &broken) == 0 && !broken, "empty");
	CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_EMPTY, "none");
	ppost(&p, 5, 3, g, l, NULL);
	CHECK(vzc_ring_ready(&p.f.vr, 8, &broken) == 3, "three slots");
	CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_OK &&
	      c.head == 5 && c.nslots == 3 && c.total == 1042 && c.niov == 4,
	      "chain: id %u slots %u total %u pieces %u", c.head, c.nslots,
	      c.total, c.niov);
	vzc_ring_done(&p.f.vr, &c);
	CHECK(p.f.vr.last_avail == 3, "past it");
	/* Returned: the used slot is the chain's first, then 3 slots on. */
	vzc_ring_put(&p.f.vr, 5, 0, 3);
	CHECK(p.slots[0].id == 5 && (p.slots[0].flags &
	      (VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED)) ==
	      (VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED) && p.f.vr.used_idx == 3,
	      "used in place");

	/*
	 * Indirect, DPDK virtio's way: id in the ring slot, header first,
	 * with the WRITE flag it presets on table entries (ignored there).
	 */
	tbl = (struct vzc_pdesc *)(p.f.mem0 + 0x8000);
	tbl[0] = (struct vzc_pdesc){ MEM0_GPA, 12, 0, VZC_DESC_F_WRITE };
	tbl[1] = (struct vzc_pdesc){ MEM0_GPA + 0x2000, 1000, 0,
				     VZC_DESC_F_NEXT | VZC_PDESC_F_AVAIL };
	tbl[2] = (struct vzc_pdesc){ MEM0_GPA + 0x3000, 1000, 0,
				     VZC_DESC_F_NEXT | VZC_PDESC_F_AVAIL };
	tbl[3] = (struct vzc_pdesc){ MEM0_GPA + 0x4000, 1000, 9,
				     VZC_PDESC_F_AVAIL };
	{
		uint64_t ig = MEM0_GPA + 0x8000;
		uint32_t il = 4 * sizeof(*tbl);
		uint16_t ifl = VZC_DESC_F_INDIRECT;

		ppost(&p, 7, 1, &ig, &il, &ifl);
	}
	CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_OK &&
	      c.head == 7 && c.nslots == 1 && c.total == 3012 && c.niov == 4,
	      "indirect: id %u slots %u total %u", c.head, c.nslots, c.total);
	vzc_ring_done(&p.f.vr, &c);

	/* Malformed: WRITE, nested indirect, a slot of the chain not posted. */
	{
		uint16_t wfl = VZC_DESC_F_WRITE;

		ppost(&p, 1, 1, g, l, &wfl);
		CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_BAD_FLAGS &&
		      c.head == 1 && c.nslots == 1, "write-only");
		vzc_ring_done(&p.f.vr, &c);
	}
	tbl[1].flags = VZC_DESC_F_INDIRECT;
	{
		uint64_t ig = MEM0_GPA + 0x8000;
		uint32_t il = 4 * sizeof(*tbl);
		uint16_t ifl = VZC_DESC_F_INDIRECT;

		ppost(&p, 2, 1, &ig, &il, &ifl);
		CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_BAD_FLAGS,
		      "nested indirect");
		vzc_ring_done(&p.f.vr, &c);
	}
	/* First slot says NEXT, the next one was never posted. */
	{
		uint16_t nfl = VZC_DESC_F_NEXT;

		p.slots[p.drv_idx].flags = 0;
		ppost(&p, 3, 1, g, l, &nfl);
		CHECK(vzc_ring_take(&p.f.vr, &p.f.view, &c) == VZC_WALK_BAD_FLAGS &&
		      c.nslots == 1, "chain runs into an unposted slot");
		vzc_ring_done(&p.f.vr, &c);
	}

	/* Wrap: post and take across the end of the ring, twice round. */
	{
		uint32_t k;

		for (k = 0; k < 3 * RING; k++) {
			ppost(&p, (uint16_t)(k % RING), 1, g + 1, l + 1, NULL);
			if (vzc_ring_take(&p.f.vr, &p.f.view, &c) != VZC_WALK_OK ||
			    c.head != k % RING)
				break;
			vzc_ring_done(&p.f.vr, &c);
		}
		CHECK(k == 3 * RING, "wrapped round: %u", k);
	}
	vzc_ring_get_base(&p.f.vr, &a, &u);
	CHECK((a & 0x7fff) == p.f.vr.last_avail &&
	      (a >> 15) == p.f.vr.avail_wrap, "base carries the wrap counter");
	vzc_ring_set_base(&p.f.vr, 0x8000 | 40, 3);
	CHECK(p.f.vr.last_avail == 0 && p.f.vr.avail_wrap && p.f.vr.used_idx == 3 &&
	      !p.f.vr.used_wrap, "a base beyond the ring is brought into it");
	fx_fini(&p.f);
}

/* Packed event suppression, both directions. */
static void
test_packed_notify(void)
{
	struct pfixture p;

	pfx_init(&p, RING);
	vzc_ring_put(&p.f.vr, 0, 0, 1);
	p.driver.flags = VZC_EVENT_F_DISABLE;
	CHECK(!vzc_ring_need_notify(&p.f.vr), "disabled: no call");
	p.driver.flags = VZC_EVENT_F_ENABLE;
	vzc_ring_put(&p.f.vr, 1, 0, 1);
	CHECK(vzc_ring_need_notify(&p.f.vr), "enabled: call");
	/* DESC: call once used slot 5 (wrap 1) is written. */
	p.driver = (struct vzc_pevent){ 0x8000 | 5, VZC_EVENT_F_DESC };
	vzc_ring_put(&p.f.vr, 2, 0, 2);		/* slots 2-3 */
	CHECK(!vzc_ring_need_notify(&p.f.vr), "not yet at slot 5");
	vzc_ring_put(&p.f.vr, 3, 0, 3);		/* slots 4-6 */
	CHECK(vzc_ring_need_notify(&p.f.vr), "slot 5 written: call");
	/* Across the wrap: event at slot 1 of the next lap. */
	p.driver = (struct vzc_pevent){ 1, VZC_EVENT_F_DESC };
	vzc_ring_put(&p.f.vr, 4, 0, 8);		/* slots 7-14 */
	CHECK(!vzc_ring_need_notify(&p.f.vr), "next lap not reached");
	vzc_ring_put(&p.f.vr, 5, 0, 3);		/* 15, then 0-1 wrapped */
	CHECK(!p.f.vr.used_wrap && p.f.vr.used_idx == 2 &&
	      vzc_ring_need_notify(&p.f.vr), "wrapped past slot 1: call");
	vzc_ring_set_notify(&p.f.vr, true);
	CHECK(p.device.flags == VZC_EVENT_F_ENABLE, "kicks wanted");
	vzc_ring_set_notify(&p.f.vr, false);
	CHECK(p.device.flags == VZC_EVENT_F_DISABLE, "no kicks");
	fx_fini(&p.f);
}

/*
 * IN_ORDER: chains done out of order go back in take order, each once,
 * on both formats (packed: one used descriptor per flushed run, with the
 * wrap).
 */
static void
test_order(void)
{
	static const uint16_t done_order[6] = { 3, 0, 5, 1, 4, 2 };
	static const uint16_t nslots[6] = { 1, 3, 2, 1, 4, 5 };
	struct vzc_order_ent ent[16];
	struct pfixture p;
	struct fixture f;
	struct vzc_order o;
	uint16_t pos[6], i, k, used;

	fx_init(&f);
	o = (struct vzc_order){ .ent = ent, .size = 8 };
	for (i = 0; i < 6; i++)
		pos[i] = vzc_order_add(&o, (uint16_t)(10 + i), 1, false);
	CHECK(vzc_order_room(&o) == 2 && vzc_order_blocked(&o), "six out");
	for (k = 0; k < 6; k++) {
		vzc_order_done(&o, pos[done_order[k]]);
		vzc_order_flush(&o, &f.vr);
	}
	vzc_ring_publish(&f.vr);
	CHECK(f.used.idx == 6 && o.count == 0 && !vzc_order_blocked(&o),
	      "all six back: %u", f.used.idx);
	for (i = 0; i < 6; i++)
		CHECK(f.used.ring[i].id == (uint32_t)(10 + i), "split entry %u: id %u", i,
		      f.used.ring[i].id);
	/* Done at once behind one not done: they wait, then go in order. */
	pos[0] = vzc_order_add(&o, 1, 1, false);
	(void)vzc_order_add(&o, 2, 1, true);
	(void)vzc_order_add(&o, 3, 1, true);
	vzc_order_flush(&o, &f.vr);
	vzc_ring_publish(&f.vr);
	CHECK(f.used.idx == 6 && o.count == 3, "held back");
	vzc_order_done(&o, pos[0]);
	vzc_order_flush(&o, &f.vr);
	vzc_ring_publish(&f.vr);
	CHECK(f.used.idx == 9 && f.used.ring[6].id == 1 &&
	      f.used.ring[7].id == 2 && f.used.ring[8].id == 3 &&
	      o.first == 1 && o.count == 0, "then in order, wrapping the queue");
	fx_fini(&f);

	/*
	 * Packed, ring of 16: each flush writes one used descriptor, in the
	 * first slot of its run, with the run's last id, and skips the run's
	 * slots, wrapping. The flushes give back chain 0 (slot 0), chain 1
	 * (slots 1-3), then chains 2-5 together (slots 4-15, id 25).
	 */
	pfx_init(&p, 16);
	o = (struct vzc_order){ .ent = ent, .size = 16 };
	for (i = 0; i < 6; i++)
		pos[i] = vzc_order_add(&o, (uint16_t)(20 + i), nslots[i], false);
	for (k = 0; k < 6; k++) {
		vzc_order_done(&o, pos[done_order[k]]);
		vzc_order_flush(&o, &p.f.vr);
	}
	for (i = 0, used = 0; i < 16; i++) {
		uint16_t want = i == 0 ? 20 : i == 1 ? 21 : i == 4 ? 25 : 0;
		bool written = p.slots[i].flags ==
			(VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED);

		used += written;
		CHECK(p.slots[i].id == want && written == (want != 0),
		      "packed slot %u: id %u flags %#x", i, p.slots[i].id,
		      p.slots[i].flags);
	}
	CHECK(p.f.vr.used_idx == 0 && !p.f.vr.used_wrap && used == 3 &&
	      p.f.vr.used_slots == 16 && o.count == 0,
	      "packed: used %u, wrap %d, %u descriptors written",
	      p.f.vr.used_idx, p.f.vr.used_wrap, used);
	fx_fini(&p.f);

	/*
	 * A run of more than a ring's worth of slots (a guest re-posting
	 * slots still out can have that many out) goes back as two used
	 * descriptors, the used index moving by every slot.
	 */
	pfx_init(&p, 16);
	o = (struct vzc_order){ .ent = ent, .size = 16 };
	for (i = 0; i < 3; i++)
		vzc_order_done(&o, vzc_order_add(&o, (uint16_t)(30 + i),
						 i == 2 ? 4 : 8, false));
	vzc_order_flush(&o, &p.f.vr);
	CHECK(p.slots[0].id == 32 && p.f.vr.used_slots == 20 &&
	      p.f.vr.used_idx == 4 && !p.f.vr.used_wrap && o.count == 0,
	      "packed: long run split: id %u, %u slots, used %u, wrap %d",
	      p.slots[0].id, p.f.vr.used_slots, p.f.vr.used_idx,
	      p.f.vr.used_wrap);
	fx_fini(&p.f);
}

int
main(void)
{
	test_single();
	test_chain_and_copy();
	test_indirect();
	test_region_split();
	test_malformed();
	test_wrap_and_used();
	test_notify();
	test_device_notify();
	test_packed();
	test_packed_notify();
	test_order();
	test_sizes();
	return vzc_test_summary("test_ring");
}
