/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * libFuzzer target over the ring layer alone (vhostzc_ring.c and the
 * inline half of vhostzc_ring.h): no EAL, no mbufs, linked with nothing
 * but the ring library. The input builds a ring, split (any power of two)
 * or packed (any size), and a memory table of 1 to 8 regions (adjacent,
 * overlapping, aliasing one another or the descriptor ring, wrapping past
 * 2^64, empty), writes descriptors, indirect tables, avail entries and
 * indices (split) or available slots and wrap counters (packed), sets ring
 * bases, and consumes the ring through the ring-format layer the way the
 * receive burst does (ready, take, walk on, untake, done, put, publish,
 * notify); then, split, every head is walked. Every buffer the ring layer
 * may read is a heap block of exactly its size (descriptor ring, avail
 * and used rings, event areas, each region), so a read one byte outside
 * is an AddressSanitizer report; the other format's pointers are NULL.
 *
 * Checked, besides the sanitizers: the contract of vhostzc_ring.h. An
 * index past the ring is refused and nothing past it read; a walk, step
 * by step (VZC_WALK_MORE, vzc_ring_walk_next), gives non-empty pieces
 * that each lie inside one region's host range, at most VZC_MAX_IOV per
 * step (exactly that many when more follow), each step starting where
 * the last ended, all of them adding up to the chain's total, at most
 * VZC_MAX_PKT_LEN; the fast walk agrees with the full one; taking again
 * after an untake gives the same chain; a packed chain takes 1 to size
 * slots, done and put move the indices by exactly that with the wrap
 * counters, put writes the slot as the spec says; bases are brought into
 * the ring; vzc_chain_copy copies exactly a step's bytes;
 * vzc_ring_avail_count, vzc_ring_ready and vzc_ring_need_notify (both
 * formats) against their definitions, written differently here (packed
 * notification over absolute positions).
 *
 * A target of its own, not a selector byte in the receive one: this one
 * must build and run without DPDK (as the ring library does), runs at
 * many times the receive target's rate, and keeps its own corpus, so
 * coverage of the receive path does not crowd out the ring cases.
 *
 * Input encoding: see the comments at fx_setup and run_ops; gen-corpus.py
 * writes seeds in it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhostzc_ring.h"
#include "fuzz_input.h"

/* Rings up to this size have every head walked; larger ones the heads
 * the input touched (the rest are zeroed descriptors, all alike).
 */
#define ALL_HEADS_MAX	256
#define TOUCHED_MAX	4096
/*
 * Chains consumed at the end: a chain costs up to a ring's size of steps
 * (a hostile loop), so a whole large ring of them would take minutes.
 */
#define RUN_MAX		64
/*
 * Pieces walked per input, at most (then the input ends early): a chain
 * may take a ring's or an indirect table's size of steps (32768), so a
 * few hundred hostile loops would otherwise take minutes instrumented.
 */
#define WORK_MAX	(1u << 19)

static uint32_t work;

#define DIM(a)	(sizeof(a) / sizeof((a)[0]))

/* VZC_FUZZ_TRACE set: the chains each input consumes, on stderr. */
static int trace = -1;
#define TRACE(...) do { \
	if (trace < 0) \
		trace = getenv("VZC_FUZZ_TRACE") != NULL; \
	if (trace) \
		fprintf(stderr, "fuzz_ring: " __VA_ARGS__); \
} while (0)

static inline uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#define RTE_MIN_(a, b)	((a) < (b) ? (a) : (b))

struct fx {
	uint32_t size;
	uint32_t nregions;
	bool packed;
	struct vzc_desc *desc;		/* split: size entries */
	struct vzc_avail *avail;	/* size entries, then used_event */
	struct vzc_used *used;		/* size entries, then avail_event */
	struct vzc_pdesc *pdesc;	/* packed: size slots */
	struct vzc_pevent *drv_event, *dev_event;
	/* Packed: the guest driver's next slot to make available. */
	uint16_t g_slot;
	bool g_wrap;
	/*
	 * Packed: used positions on one line, for the notification model:
	 * position p (mod 2 * size) is slot p % size, wrap counter p < size;
	 * used slots put since the anchor, and that count at the last check.
	 */
	uint32_t anchor;
	uint64_t put, put_sig;
	struct vzc_mem_region regions[VZC_MAX_REGIONS];
	uint8_t *own[VZC_MAX_REGIONS];	/* region buffers to free */
	struct vzc_mem_view view;
	struct vzc_vring vr;
	uint16_t touched[TOUCHED_MAX];	/* descriptor indices written */
	uint32_t ntouched;
};

static void
touch(struct fx *x, uint16_t i)
{
	if (x->ntouched < TOUCHED_MAX)
		x->touched[x->ntouched++] = i;
}

/* A guest address, mostly in or near a region so that walks get far. */
static uint64_t
fz_addr(struct fz *f, const struct fx *x)
{
	uint8_t sel = fz_u8(f);
	const struct vzc_mem_region *r = &x->regions[(sel & 7) % x->nregions];
	uint64_t v;

	if (sel >= 0xf8)
		return fz_u64(f);
	v = fz_u16(f);
	switch ((sel >> 3) & 3) {
	case 0:
		return r->gpa + v;
	case 1:			/* straddling the region's end */
		return r->gpa + r->size - (v & 0xff);
	case 2:			/* just below its start */
		return r->gpa - (v & 0xff);
	default:
		return r->gpa + (v << 4);
	}
}

/* A packed position (mod 2 * size) from a slot and its wrap counter. */
static uint32_t
ppos(const struct fx *x, uint16_t slot, bool wrap)
{
	return slot + (wrap ? 0 : x->size);
}

static void
ppos_split(const struct fx *x, uint32_t p, uint16_t *slot, bool *wrap)
{
	p %= 2 * x->size;
	*slot = (uint16_t)(p % x->size);
	*wrap = p < x->size;
}

/* The packed notification model starts over from the used position. */
static void
anchor(struct fx *x)
{
	x->anchor = ppos(x, x->vr.used_idx, x->vr.used_wrap);
	x->put = 0;
	x->put_sig = 0;
}

/*
 * Layout: u8 size (bit 7: a raw u32 follows, only its validity is
 * checked; else 1 << (bits 0-3)); u8 table (bits 0-2: regions - 1, bit 3:
 * region 0 is the descriptor ring, bit 4: EVENT_IDX, bit 5: packed, then
 * u16 size - 1 mod 32768); per region u8 kind (bits 0-1 placement: after
 * the previous one, u32 page number, raw u64, overlapping an earlier one
 * at u8 index + u16; bit 2: host buffer aliases an earlier region's at a
 * u16 offset; bit 3: empty) and u16 size - 1; then u16 last_avail,
 * used_idx, signalled_used, u8 signalled_valid, u16 avail flags,
 * used_event, and u16 avail idx - last_avail (mod size+2). Packed: the
 * same fields are the avail position (bit 15 its wrap counter), slots in
 * flight (mod size + 1), the notified window's length (mod size), the
 * driver event area's flags and off_wrap; the last is unused.
 * Returns false when the input stops at the size check.
 */
static bool
fx_setup(struct fx *x, struct fz *f)
{
	uint8_t s = fz_u8(f), t;
	uint16_t a, u, sig, delta;
	uint32_t i;
	uint8_t *ring;

	memset(x, 0, sizeof(*x));
	if ((s & 0x80) != 0) {
		uint32_t raw = fz_u32(f);
		bool valid = __builtin_popcount(raw) == 1 &&
			raw <= VZC_RING_MAX_SIZE;

		FZ_CHECK(vzc_ring_size_valid(raw) == valid, "size %u", raw);
		FZ_CHECK(vzc_ring_size_valid_packed(raw) ==
			 (raw >= 1 && raw <= VZC_RING_MAX_SIZE), "size %u", raw);
		return false;
	}
	t = fz_u8(f);
	x->packed = (t & 0x20) != 0;
	if (x->packed) {
		x->size = 1 + fz_u16(f) % VZC_RING_MAX_SIZE;
		FZ_CHECK(vzc_ring_size_valid_packed(x->size), "size %u", x->size);
		x->pdesc = calloc(x->size, sizeof(*x->pdesc));
		x->drv_event = calloc(1, sizeof(*x->drv_event));
		x->dev_event = calloc(1, sizeof(*x->dev_event));
		if (x->pdesc == NULL || x->drv_event == NULL ||
		    x->dev_event == NULL)
			abort();
		ring = (uint8_t *)x->pdesc;
	} else {
		x->size = 1u << (s & 15);
		FZ_CHECK(vzc_ring_size_valid(x->size), "size %u", x->size);
		x->desc = calloc(x->size, sizeof(*x->desc));
		x->avail = calloc(1, sizeof(*x->avail) +
				  sizeof(uint16_t) * (x->size + 1));
		x->used = calloc(1, sizeof(*x->used) +
				 sizeof(struct vzc_used_elem) * x->size +
				 sizeof(uint16_t));
		if (x->desc == NULL || x->avail == NULL || x->used == NULL)
			abort();
		ring = (uint8_t *)x->desc;
	}

	x->nregions = 1 + (t & 7);
	for (i = 0; i < x->nregions; i++) {
		struct vzc_mem_region *r = &x->regions[i];
		uint8_t kind = fz_u8(f);
		uint64_t size = (uint64_t)fz_u16(f) + 1;
		const struct vzc_mem_region *prev = i > 0 ? &x->regions[i - 1] : NULL;

		switch (kind & 3) {
		case 0:
			r->gpa = prev != NULL ? prev->gpa + prev->size : 0x100000;
			break;
		case 1:
			r->gpa = (uint64_t)fz_u32(f) << 12;
			break;
		case 2:
			r->gpa = fz_u64(f);
			break;
		default:
			if (i == 0) {
				r->gpa = (uint64_t)fz_u32(f) << 12;
			} else {
				const struct vzc_mem_region *o =
					&x->regions[fz_u8(f) % i];

				r->gpa = o->gpa + fz_u16(f);
			}
			break;
		}
		if (i == 0 && (t & 8) != 0) {
			/* Guest memory that holds the descriptor ring. */
			r->hva = ring;
			r->size = sizeof(struct vzc_desc) * x->size;
			continue;
		}
		if ((kind & 8) != 0) {
			r->size = 0;
			r->hva = NULL;
			continue;
		}
		if ((kind & 4) != 0 && i > 0) {
			const struct vzc_mem_region *o = &x->regions[fz_u8(f) % i];
			uint64_t off = o->size != 0 ? fz_u16(f) % o->size : 0;

			if (o->size != 0) {
				/* The same host bytes at a second address. */
				r->hva = o->hva + off;
				r->size = min_u64(size, o->size - off);
				continue;
			}
		}
		r->size = size;
		r->hva = x->own[i] = calloc(1, size);
		if (r->hva == NULL)
			abort();
	}
	x->view.nregions = x->nregions;
	x->view.regions = x->regions;

	x->vr.size = (uint16_t)x->size;
	x->vr.event_idx = (t & 16) != 0;
	a = fz_u16(f);
	u = fz_u16(f);
	sig = fz_u16(f);
	x->vr.signalled_valid = (fz_u8(f) & 1) != 0;
	if (x->packed) {
		uint32_t pa, pu;

		x->vr.packed = true;
		x->vr.pdesc = x->pdesc;
		x->vr.driver_event = x->drv_event;
		x->vr.device_event = x->dev_event;
		/* In flight at most the ring: used trails avail by u. */
		pa = ppos(x, (a & 0x7fff) % x->size, (a >> 15) != 0);
		pu = pa + 2 * x->size - u % (x->size + 1);
		ppos_split(x, pa, &x->vr.last_avail, &x->vr.avail_wrap);
		ppos_split(x, pu, &x->vr.used_idx, &x->vr.used_wrap);
		x->g_slot = x->vr.last_avail;
		x->g_wrap = x->vr.avail_wrap;
		x->drv_event->flags = fz_u16(f);
		x->drv_event->off_wrap = fz_u16(f);
		(void)fz_u16(f);
		/* A window of sig slots already put since the last check. */
		sig %= x->size;
		ppos_split(x, pu + 2 * x->size - sig, &x->vr.signalled_used,
			   &(bool){ false });
		x->anchor = (pu + 2 * x->size - sig) % (2 * x->size);
		x->put = sig;
		x->put_sig = 0;
	} else {
		x->vr.desc = x->desc;
		x->vr.avail = x->avail;
		x->vr.used = x->used;
		x->vr.last_avail = a;
		x->vr.used_idx = u;
		x->used->idx = u;
		x->vr.signalled_used = sig;
		x->avail->flags = fz_u16(f);
		x->avail->ring[x->size] = fz_u16(f);	/* used_event */
		delta = fz_u16(f);
		x->avail->idx = (uint16_t)(a + delta % (x->size + 2));
	}
	TRACE("%s ring %u, %u regions, event_idx %d, last_avail %u, used %u\n",
	      x->packed ? "packed" : "split", x->size, x->nregions,
	      x->vr.event_idx, x->vr.last_avail, x->vr.used_idx);
	return true;
}

static void
fx_free(struct fx *x)
{
	uint32_t i;

	for (i = 0; i < VZC_MAX_REGIONS; i++)
		free(x->own[i]);
	free(x->desc);
	free(x->avail);
	free(x->used);
	free(x->pdesc);
	free(x->drv_event);
	free(x->dev_event);
}

static bool
in_some_region(const struct fx *x, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < x->nregions; i++) {
		const struct vzc_mem_region *r = &x->regions[i];

		uintptr_t lo = (uintptr_t)r->hva, at = (uintptr_t)p;

		if (r->size != 0 && at >= lo && at - lo <= r->size &&
		    len <= r->size - (at - lo))
			return true;
	}
	return false;
}

/*
 * The contract of one walk step's result: the pieces in c->iov[] lie in
 * guest memory, are not empty, start `off` bytes into the chain, and
 * together with the earlier steps never exceed the chain's total. Split:
 * c->head is the head walked, and a head past the ring reads nothing.
 */
static void
check_step(const struct fx *x, uint16_t head, enum vzc_walk_err err,
	   const struct vzc_chain *c, uint64_t off)
{
	uint64_t sum = 0;
	uint16_t k;

	FZ_CHECK(err >= VZC_WALK_OK && err <= VZC_WALK_EMPTY, "err %d", err);
	FZ_CHECK(x->packed || err != VZC_WALK_EMPTY, "split ring empty");
	FZ_CHECK(c->niov <= VZC_MAX_IOV, "niov %u", c->niov);
	FZ_CHECK(c->total <= VZC_MAX_PKT_LEN, "total %u", c->total);
	if (!x->packed) {
		FZ_CHECK(c->head == head, "head %u reported as %u", head,
			 c->head);
		if (head >= x->size)
			FZ_CHECK(err == VZC_WALK_BAD_INDEX && c->niov == 0 &&
				 c->total == 0, "head %u of %u: err %d", head,
				 x->size, err);
	} else {
		FZ_CHECK(c->nslots <= x->size, "%u slots of %u", c->nslots,
			 x->size);
		FZ_CHECK((err == VZC_WALK_EMPTY) == (c->nslots == 0),
			 "err %d with %u slots", err, c->nslots);
	}
	if (err != VZC_WALK_OK && err != VZC_WALK_MORE)
		return;
	FZ_CHECK(c->off == off, "step at chain offset %u, expected %lu",
		 c->off, (unsigned long)off);
	FZ_CHECK(err != VZC_WALK_MORE || c->niov == VZC_MAX_IOV,
		 "more to walk with %u pieces", c->niov);
	FZ_CHECK(c->niov >= 1, "empty step accepted at head %u", head);
	for (k = 0; k < c->niov; k++) {
		FZ_CHECK(c->iov[k].len != 0, "empty piece %u at head %u", k, head);
		FZ_CHECK(in_some_region(x, c->iov[k].base, c->iov[k].len),
			 "piece %u (%p, %u) of head %u outside every region", k,
			 (void *)c->iov[k].base, c->iov[k].len, head);
		sum += c->iov[k].len;
	}
	if (err == VZC_WALK_OK)
		FZ_CHECK(off + sum == c->total, "total %u, pieces add up to %lu",
			 c->total, (unsigned long)(off + sum));
	else
		FZ_CHECK(off + sum <= c->total, "total %u, pieces past it: %lu",
			 c->total, (unsigned long)(off + sum));
}

/* One whole walk, step by step: its outcome and a digest of its pieces. */
struct walk_sum {
	enum vzc_walk_err err;
	uint32_t total;
	uint32_t steps;
	uint64_t digest;
};

static void
digest_step(struct walk_sum *w, const struct vzc_chain *c)
{
	uint16_t k;

	for (k = 0; k < c->niov; k++) {
		w->digest = (w->digest ^ (uintptr_t)c->iov[k].base) *
			0x100000001b3ULL;
		w->digest = (w->digest ^ c->iov[k].len) * 0x100000001b3ULL;
	}
}

typedef void (*step_fn)(struct fx *x, const struct vzc_chain *c, struct fz *f);

/*
 * From a first step's result err, walk on to the chain's end
 * (vzc_ring_walk_next while it says VZC_WALK_MORE), each step checked,
 * the last one left in c; on each step, fn (if any).
 */
static struct walk_sum
walk_on(const struct fx *x, uint16_t head, enum vzc_walk_err err,
	struct vzc_chain *c, step_fn fn, struct fz *f)
{
	struct walk_sum w = { .err = err, .digest = 0xcbf29ce484222325ULL };
	uint64_t off = 0;
	uint16_t k;

	for (;;) {
		check_step(x, head, w.err, c, off);
		w.steps++;
		work += 1 + c->niov;
		if (w.err != VZC_WALK_OK && w.err != VZC_WALK_MORE)
			break;
		digest_step(&w, c);
		if (fn != NULL)
			fn((struct fx *)x, c, f);
		if (w.err == VZC_WALK_OK)
			break;
		/* At most VZC_MAX_PKT_LEN bytes, at least one per piece. */
		FZ_CHECK(w.steps <= VZC_MAX_PKT_LEN / VZC_MAX_IOV,
			 "head %u: %u steps", head, w.steps);
		for (k = 0; k < c->niov; k++)
			off += c->iov[k].len;
		w.err = vzc_ring_walk_next(&x->view, c);
	}
	w.total = c->total;
	return w;
}

/* Split: walk head to its end, by the fast walk or the full one. */
static struct walk_sum
walk_chain(const struct fx *x, uint16_t head, bool fast, struct vzc_chain *c,
	   step_fn fn, struct fz *f)
{
	return walk_on(x, head, fast ?
		       vzc_ring_walk_fast(&x->vr, &x->view, head, c) :
		       vzc_ring_walk(&x->vr, &x->view, head, c), c, fn, f);
}

/* Split: walk head both ways; the two must agree. Returns the outcome. */
static struct walk_sum
walk_both(const struct fx *x, uint16_t head, struct vzc_chain *c)
{
	static struct vzc_chain slow;
	struct walk_sum a, b;

	b = walk_chain(x, head, false, &slow, NULL, NULL);
	if (head >= x->size)
		return b;
	/* Not one direct descriptor: the fast walk is the full one. */
	if ((x->desc[head].flags & (VZC_DESC_F_NEXT | VZC_DESC_F_INDIRECT |
				    VZC_DESC_F_WRITE)) != 0) {
		*c = slow;
		return b;
	}
	a = walk_chain(x, head, true, c, NULL, NULL);
	FZ_CHECK(a.err == b.err, "head %u: fast walk %d, full walk %d", head,
		 a.err, b.err);
	FZ_CHECK(a.err != VZC_WALK_OK || (a.total == b.total &&
		 a.steps == b.steps && a.digest == b.digest),
		 "head %u: fast and full walk differ", head);
	return a;
}

/* Packed: whether slot i is available under wrap counter w (the spec). */
static bool
slot_avail(const struct fx *x, uint16_t i, bool w)
{
	uint16_t fl = x->pdesc[i].flags;

	return ((fl >> 7) & 1) == w && ((fl >> 15) & 1) != w;
}

/* Split: the used element just put. */
static void
check_put_split(const struct fx *x, uint16_t id, uint32_t len)
{
	const struct vzc_used_elem *e =
		&x->used->ring[(uint16_t)(x->vr.used_idx - 1) & (x->size - 1)];

	FZ_CHECK(e->id == id && e->len == len, "used %u/%u for %u/%u", e->id,
		 e->len, id, len);
}

/*
 * The device takes up to max chains through the ring-format layer, as
 * the burst does, and gives each back at once (a copy); the chains whose
 * bit in `untake` is set are first left (out of mbufs) and taken again.
 */
static void
run(struct fx *x, uint32_t max, uint8_t untake)
{
	uint16_t old_sig = x->vr.signalled_used, n, want_n = 0, i;
	uint64_t put0 = x->put;
	bool broken, valid = x->vr.signalled_valid, notify, want = false;
	bool checkable = true;

	n = vzc_ring_ready(&x->vr, (uint16_t)RTE_MIN_(max, UINT16_MAX), &broken);
	if (!x->packed) {
		uint16_t avail = (uint16_t)(x->avail->idx - x->vr.last_avail);

		FZ_CHECK(broken == (avail > x->size) &&
			 n == (broken ? 0 : RTE_MIN_(avail, max)),
			 "ready %u (broken %d) for %u of %u", n, broken, avail,
			 x->size);
	} else {
		uint16_t slot = x->vr.last_avail;
		bool w = x->vr.avail_wrap;

		while (want_n < max && want_n < x->size && slot_avail(x, slot, w)) {
			want_n++;
			if (++slot == x->size) {
				slot = 0;
				w = !w;
			}
		}
		FZ_CHECK(!broken && n == want_n, "ready %u, %u available", n,
			 want_n);
	}
	for (i = 0; i < max && work < WORK_MAX; i++) {
		static struct vzc_chain c, again;
		uint16_t last = x->vr.last_avail, used = x->vr.used_idx;
		bool aw = x->vr.avail_wrap, uw = x->vr.used_wrap;
		enum vzc_walk_err err;
		struct walk_sum ws;
		uint32_t len;

		if (!x->packed && i >= n)
			break;
		err = vzc_ring_take(&x->vr, &x->view, &c);
		if (!x->packed) {
			FZ_CHECK(c.head == x->avail->ring[last & (x->size - 1)] &&
				 x->vr.last_avail == (uint16_t)(last + 1),
				 "take head");
			if (c.head >= x->size) {
				check_step(x, c.head, err, &c, 0);
				continue;	/* no id to return it under */
			}
			ws = walk_on(x, c.head, err, &c, NULL, NULL);
			/* The fast walk of the take agrees with the full one. */
			{
				struct walk_sum full = walk_both(x, c.head, &again);

				FZ_CHECK(ws.err == full.err && (ws.err != VZC_WALK_OK ||
					 ws.digest == full.digest),
					 "take and walk of %u differ", c.head);
			}
		} else {
			FZ_CHECK(x->vr.last_avail == last, "take moved the ring");
			ws = walk_on(x, c.head, err, &c, NULL, NULL);
			/* The inline take of one slot agrees with the full walk. */
			{
				enum vzc_walk_err e2 = vzc_ring_take_packed(
					&x->vr, &x->view, &again);
				struct walk_sum full = walk_on(x, again.head, e2,
							       &again, NULL, NULL);

				FZ_CHECK(ws.err == full.err &&
					 (ws.err != VZC_WALK_OK ||
					  (ws.digest == full.digest &&
					   c.head == again.head &&
					   c.nslots == again.nslots)),
					 "packed take and full walk at %u differ",
					 last);
			}
			TRACE("take at %u/%d: %d, id %u, %u slots\n", last, aw,
			      err, c.head, c.nslots);
			if (err == VZC_WALK_EMPTY) {
				/* (ready counts slots: chains may span several) */
				FZ_CHECK(!slot_avail(x, last, aw),
					 "empty at available slot %u", last);
				break;
			}
			FZ_CHECK(c.nslots >= 1, "a chain of no slots");
		}
		if ((untake >> (i % 8) & 1) != 0) {
			/* Out of mbufs: left for the next burst, then again. */
			vzc_ring_untake(&x->vr);
			FZ_CHECK(x->vr.last_avail == last && x->vr.avail_wrap == aw,
				 "untake");
			err = vzc_ring_take(&x->vr, &x->view, &again);
			FZ_CHECK(walk_on(x, again.head, err, &again, NULL,
					 NULL).digest == ws.digest &&
				 again.head == c.head && again.nslots == c.nslots,
				 "taken again, a different chain");
		}
		vzc_ring_done(&x->vr, &c);
		if (x->packed) {
			uint16_t s2;
			bool w2;

			ppos_split(x, ppos(x, last, aw) + c.nslots, &s2, &w2);
			FZ_CHECK(x->vr.last_avail == s2 && x->vr.avail_wrap == w2,
				 "done: %u/%d after %u slots from %u/%d",
				 x->vr.last_avail, x->vr.avail_wrap, c.nslots,
				 last, aw);
			if (c.head >= x->size)
				continue;	/* no id to return it under */
		}
		len = ws.err == VZC_WALK_OK ? c.total : 0;
		TRACE("head %u: walk %d, total %u, %u slots\n", c.head, ws.err,
		      c.total, c.nslots);
		vzc_ring_put(&x->vr, c.head, len, c.nslots);
		if (!x->packed) {
			FZ_CHECK(x->vr.used_idx == (uint16_t)(used + 1), "put");
			check_put_split(x, c.head, len);
		} else {
			const struct vzc_pdesc *d = &x->pdesc[used];
			uint16_t s2;
			bool w2;

			FZ_CHECK(d->id == c.head && d->len == len &&
				 d->flags == (uw ? VZC_PDESC_F_AVAIL |
					      VZC_PDESC_F_USED : 0),
				 "used slot %u: id %u len %u flags %#x", used,
				 d->id, d->len, d->flags);
			ppos_split(x, ppos(x, used, uw) + c.nslots, &s2, &w2);
			FZ_CHECK(x->vr.used_idx == s2 && x->vr.used_wrap == w2,
				 "put: %u/%d after %u slots", x->vr.used_idx,
				 x->vr.used_wrap, c.nslots);
			x->put += c.nslots;
		}
		{
			/* Slots in flight, where the indices say so (a hostile
			 * base may put used ahead: nothing is defined then).
			 */
			uint32_t d = x->packed ?
				(ppos(x, x->vr.last_avail, x->vr.avail_wrap) +
				 2 * x->size - ppos(x, x->vr.used_idx,
						    x->vr.used_wrap)) %
				(2 * x->size) :
				(uint16_t)(x->vr.last_avail - x->vr.used_idx);

			FZ_CHECK(d > x->size || vzc_ring_in_flight(&x->vr) == d,
				 "%u slots in flight, indices say %u (avail "
				 "%u/%d, used %u/%d)", vzc_ring_in_flight(&x->vr),
				 d, x->vr.last_avail, x->vr.avail_wrap,
				 x->vr.used_idx, x->vr.used_wrap);
		}
	}
	vzc_ring_publish(&x->vr);
	if (!x->packed) {
		FZ_CHECK(x->used->idx == x->vr.used_idx, "used idx not published");
		notify = vzc_ring_need_notify(&x->vr);
		if (x->vr.event_idx) {
			uint16_t event = x->avail->ring[x->size];

			/* Notify iff entry used_event was published in [old, new). */
			want = !valid || (uint16_t)(event - old_sig) <
				(uint16_t)(x->vr.used_idx - old_sig);
			FZ_CHECK(x->vr.signalled_used == x->vr.used_idx &&
				 x->vr.signalled_valid, "event window not consumed");
		} else {
			want = (x->avail->flags & VZC_AVAIL_F_NO_INTERRUPT) == 0;
			FZ_CHECK(x->vr.signalled_used == old_sig &&
				 x->vr.signalled_valid == valid, "shadow moved");
		}
		FZ_CHECK(notify == want, "notify %d, want %d", notify, want);
		return;
	}
	if (x->put == put0)
		return;		/* nothing given back: no notification asked */
	notify = vzc_ring_need_notify(&x->vr);
	if (x->drv_event->flags != VZC_EVENT_F_DESC) {
		want = x->drv_event->flags != VZC_EVENT_F_DISABLE;
	} else if (!valid) {
		want = true;
	} else if (x->put - x->put_sig <= x->size &&
		   (x->drv_event->off_wrap & 0x7fff) < x->size) {
		/* (an event slot past the ring names no slot: either way) */
		uint16_t off = x->drv_event->off_wrap & 0x7fff;
		bool ew = (x->drv_event->off_wrap >> 15) != 0;
		uint64_t p;

		/* Whether slot off, under wrap ew, was used in the window. */
		for (p = x->put_sig; p < x->put && !want; p++) {
			uint16_t s2;
			bool w2;

			ppos_split(x, x->anchor + (uint32_t)(p % (2 * x->size)),
				   &s2, &w2);
			want = s2 == off && w2 == ew;
		}
	} else {
		checkable = false;	/* a window past the ring: ambiguous */
	}
	FZ_CHECK(!checkable || notify == want, "packed notify %d, want %d "
		 "(flags %u off_wrap %#x, window %lu)", notify, want,
		 x->drv_event->flags, x->drv_event->off_wrap,
		 (unsigned long)(x->put - x->put_sig));
	FZ_CHECK(x->vr.signalled_used == x->vr.used_idx && x->vr.signalled_valid,
		 "event window not consumed");
	x->put_sig = x->put;
}

/*
 * vzc_chain_copy of [off, off + len) of one step's pieces (the input
 * gives off and len), checked byte-wise against the pieces themselves.
 */
static void
copy_step(struct fx *x, const struct vzc_chain *c, struct fz *f)
{
	uint32_t sum = 0, got, want, at = 0, off, len;
	uint8_t *ref, *dst;
	uint16_t k;

	(void)x;
	for (k = 0; k < c->niov; k++)
		sum += c->iov[k].len;
	off = fz_u32(f) % (sum + 2);
	len = fz_u32(f) % (VZC_MAX_PKT_LEN + 2);
	ref = malloc(sum);
	dst = malloc(len != 0 ? len : 1);	/* exactly len: overruns show */
	if (ref == NULL || dst == NULL)
		abort();
	for (k = 0; k < c->niov; k++) {
		memcpy(ref + at, c->iov[k].base, c->iov[k].len);
		at += c->iov[k].len;
	}
	got = vzc_chain_copy(c, off, dst, len);
	want = off < sum ? (uint32_t)min_u64(len, sum - off) : 0;
	FZ_CHECK(got == want, "copied %u of [%u, +%u) from %u", got, off, len,
		 sum);
	FZ_CHECK(got == 0 || memcmp(dst, ref + off, got) == 0, "copied bytes");
	free(ref);
	free(dst);
}

/* Store n bytes at off of region r's host memory, as far as they fit. */
static void
region_write(struct fx *x, uint8_t ri, uint16_t off, const void *src, size_t n)
{
	const struct vzc_mem_region *r = &x->regions[ri % x->nregions];

	if (off >= r->size)
		return;
	memcpy(r->hva + off, src, min_u64(n, r->size - off));
}

/* A ring base as vhost-user sets it: hostile ones brought into the ring. */
static void
set_base(struct fx *x, uint16_t a, uint16_t u)
{
	uint16_t a2, u2;

	vzc_ring_set_base(&x->vr, a, u);
	FZ_CHECK(!x->vr.signalled_valid, "base kept the notification shadow");
	if (x->packed) {
		FZ_CHECK(x->vr.last_avail < x->size && x->vr.used_idx < x->size &&
			 x->vr.avail_wrap == (a >> 15) &&
			 x->vr.used_wrap == (u >> 15), "packed base %#x %#x: "
			 "%u/%d %u/%d", a, u, x->vr.last_avail,
			 x->vr.avail_wrap, x->vr.used_idx, x->vr.used_wrap);
		x->g_slot = x->vr.last_avail;
		x->g_wrap = x->vr.avail_wrap;
		anchor(x);
	} else {
		FZ_CHECK(x->vr.last_avail == a && x->vr.used_idx == u,
			 "split base");
		x->used->idx = u;
	}
	vzc_ring_get_base(&x->vr, &a2, &u2);
	if (!x->packed || ((a & 0x7fff) < x->size && (u & 0x7fff) < x->size))
		FZ_CHECK(a2 == a && u2 == u, "base %#x %#x read back %#x %#x",
			 a, u, a2, u2);
}

/* Packed: the guest makes the next n slots available as one chain. */
static void
make_avail(struct fx *x, uint8_t n, uint16_t id)
{
	uint16_t k, head = x->g_slot;
	bool hw = x->g_wrap;

	for (k = 0; k < n; k++) {
		struct vzc_pdesc *d = &x->pdesc[x->g_slot];
		uint16_t fl = d->flags & ~(VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED |
					   VZC_DESC_F_NEXT);

		if (k + 1 < n)
			fl |= VZC_DESC_F_NEXT;
		else
			d->id = id;
		fl |= x->g_wrap ? VZC_PDESC_F_AVAIL : VZC_PDESC_F_USED;
		/* The head's flags last, as a driver publishes a chain. */
		if (k != 0)
			__atomic_store_n(&d->flags, fl, __ATOMIC_RELEASE);
		else
			head = x->g_slot, hw = (fl & VZC_PDESC_F_AVAIL) != 0;
		if (++x->g_slot == x->size) {
			x->g_slot = 0;
			x->g_wrap = !x->g_wrap;
		}
	}
	if (n != 0) {
		struct vzc_pdesc *d = &x->pdesc[head];
		uint16_t fl = d->flags & ~(VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED |
					   VZC_DESC_F_NEXT);

		fl |= (n > 1 ? VZC_DESC_F_NEXT : 0) |
			(hw ? VZC_PDESC_F_AVAIL : VZC_PDESC_F_USED);
		__atomic_store_n(&d->flags, fl, __ATOMIC_RELEASE);
	}
}

/*
 * Operations, until the input ends (op = u8 % 9):
 * 0 descriptor: u16 index, address, length, flags, u16 next (packed: the
 *   buffer id, and then u8 bits 0-1: AVAIL, USED)
 * 1 indirect table in a region: u8 region, u16 offset, u8 count (% 64),
 *   then per entry address, length, flags, u8 next (packed: id)
 * 2 split: avail entry: u16 slot, u16 head; packed: the next u8 % 16 + 1
 *   slots made available as a chain with id u16
 * 3 split: avail idx, u16 raw; packed: the guest's next slot, u16 (bit 15
 *   its wrap counter)
 * 4 consume: u8 count, u8 untake mask
 * 5 chain copy: u16 head (packed: the next chain, not taken), then per
 *   walk step u32 offset, u32 length
 * 6 suppression: u16 avail flags, u16 used_event (packed: the driver
 *   event area's flags and off_wrap)
 * 7 raw bytes in a region: u8 region, u16 offset, u8 count, bytes
 * 8 ring base: u16 avail, u16 used
 */
static void
run_ops(struct fx *x, struct fz *f)
{
	while (fz_more(f) && work < WORK_MAX) {
		switch (fz_u8(f) % 9) {
		case 0: {
			uint16_t i = fz_u16(f) % x->size;
			uint64_t addr = fz_addr(f, x);
			uint32_t len = fz_len(f);
			uint16_t flags = fz_flags(f), next = fz_u16(f);

			if (x->packed) {
				uint8_t av = fz_u8(f);

				flags &= ~(VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED);
				flags |= ((av & 1) != 0 ? VZC_PDESC_F_AVAIL : 0) |
					((av & 2) != 0 ? VZC_PDESC_F_USED : 0);
				x->pdesc[i] = (struct vzc_pdesc){ addr, len, next,
								  flags };
			} else {
				x->desc[i] = (struct vzc_desc){ addr, len, flags,
								next };
				touch(x, i);
			}
			break;
		}
		case 1: {
			uint8_t ri = fz_u8(f);
			uint16_t off = fz_u16(f);
			uint8_t n = fz_u8(f) % 64, k;
			struct vzc_desc t[64];

			for (k = 0; k < n; k++) {
				uint64_t addr = fz_addr(f, x);
				uint32_t len = fz_len(f);
				uint16_t flags = fz_flags(f), next = fz_u8(f);

				/* Both formats' entries are 16 bytes. */
				if (x->packed)
					memcpy(&t[k], &(struct vzc_pdesc){ addr,
					       len, next, flags }, sizeof(t[k]));
				else
					t[k] = (struct vzc_desc){ addr, len,
								  flags, next };
			}
			region_write(x, ri, off, t, sizeof(t[0]) * n);
			break;
		}
		case 2: {
			if (x->packed) {
				uint8_t n = 1 + fz_u8(f) % 16;

				make_avail(x, n, fz_u16(f));
			} else {
				uint16_t slot = fz_u16(f);

				x->avail->ring[slot & (x->size - 1)] = fz_u16(f);
			}
			break;
		}
		case 3: {
			uint16_t v = fz_u16(f);

			if (x->packed) {
				x->g_slot = (v & 0x7fff) % x->size;
				x->g_wrap = (v >> 15) != 0;
			} else {
				x->avail->idx = v;
			}
			break;
		}
		case 4: {
			uint8_t max = fz_u8(f);

			run(x, max, fz_u8(f));
			break;
		}
		case 5: {
			static struct vzc_chain c;

			if (x->packed)
				walk_on(x, 0, vzc_ring_take_packed(&x->vr, &x->view,
								   &c),
					&c, copy_step, f);
			else
				walk_chain(x, fz_u16(f) & (x->size - 1), true, &c,
					   copy_step, f);
			break;
		}
		case 6: {
			uint16_t a = fz_u16(f), b = fz_u16(f);

			if (x->packed) {
				x->drv_event->flags = a;
				x->drv_event->off_wrap = b;
			} else {
				x->avail->flags = a;
				x->avail->ring[x->size] = b;
			}
			break;
		}
		case 7: {
			uint8_t ri = fz_u8(f), buf[256];
			uint16_t off = fz_u16(f);
			uint8_t n = fz_u8(f);

			fz_bytes(f, buf, n);
			region_write(x, ri, off, buf, n);
			break;
		}
		default: {
			uint16_t a = fz_u16(f);

			set_base(x, a, fz_u16(f));
			break;
		}
		}
	}
}

/*
 * Split: every head (or, in a large ring, every one the input wrote or
 * made available: the rest are zeroed descriptors, all alike), each once,
 * and heads past the ring.
 */
static void
walk_all(struct fx *x)
{
	static const uint32_t beyond[] = { 0, 1, 0x7fff, 0xffff };
	static uint8_t seen[VZC_RING_MAX_SIZE / 8];
	static struct vzc_chain c;
	uint32_t i;

	if (x->size <= ALL_HEADS_MAX) {
		for (i = 0; i < x->size && work < WORK_MAX; i++)
			walk_both(x, (uint16_t)i, &c);
	} else {
		memset(seen, 0, x->size / 8);
		for (i = 0; i < x->ntouched + x->size + 2; i++) {
			uint16_t h = i < x->ntouched ? x->touched[i] :
				i < x->ntouched + x->size ?
				x->avail->ring[i - x->ntouched] :
				i == x->ntouched + x->size ? 0 : x->size - 1;

			if (work >= WORK_MAX)
				break;
			if (h >= x->size || (seen[h / 8] & (1 << (h % 8))) != 0)
				continue;
			seen[h / 8] |= 1 << (h % 8);
			walk_both(x, h, &c);
		}
	}
	for (i = 0; i < DIM(beyond); i++)
		if (x->size + beyond[i] <= UINT16_MAX)
			walk_both(x, (uint16_t)(x->size + beyond[i]), &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	static struct fx x;

	work = 0;
	if (fx_setup(&x, &f)) {
		run_ops(&x, &f);
		run(&x, RUN_MAX, 0);
		if (!x.packed)
			walk_all(&x);
	}
	fx_free(&x);
	return 0;
}
