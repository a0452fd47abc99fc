/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#include <string.h>

#include "vhostzc_ring.h"

bool
vzc_ring_size_valid(uint32_t size)
{
	return size != 0 && size <= VZC_RING_MAX_SIZE &&
		(size & (size - 1)) == 0;
}

bool
vzc_ring_need_notify(struct vzc_vring *vr)
{
	uint16_t old = vr->signalled_used;
	uint16_t new_idx = vr->used_idx;
	bool valid = vr->signalled_valid;

	/* Store(used->idx) -> load(flags / used_event): needs a full fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (vr->event_idx) {
		uint16_t used_event = __atomic_load_n(&vr->avail->ring[vr->size],
						      __ATOMIC_RELAXED);

		/*
		 * Every check consumes its window [old, new): the shadow
		 * advances whether or not we notify (as Linux vhost does), so
		 * that it never falls 2^16 entries behind and a later window
		 * is never misread.
		 */
		vr->signalled_used = new_idx;
		vr->signalled_valid = true;
		return !valid || vzc_need_event(used_event, new_idx, old);
	}
	return (__atomic_load_n(&vr->avail->flags, __ATOMIC_RELAXED) &
		VZC_AVAIL_F_NO_INTERRUPT) == 0;
}

/*
 * Move the rest of the descriptor in hand into iov[], split at memory
 * region boundaries: VZC_WALK_MORE when iov[] fills up first.
 */
static enum vzc_walk_err
walk_take(struct vzc_chain *c, const struct vzc_mem_view *mem)
{
	struct vzc_walk_pos *w = &c->pos;

	while (w->left != 0) {
		uint64_t contig;
		uint8_t *hva;

		if (c->niov == VZC_MAX_IOV)
			return VZC_WALK_MORE;
		hva = vzc_gpa_to_hva(mem, w->gpa, w->left, &contig);
		if (hva == NULL)
			return VZC_WALK_BAD_ADDR;
		c->iov[c->niov].base = hva;
		c->iov[c->niov].len = (uint32_t)contig;
		c->niov++;
		w->gpa += contig;
		w->left -= (uint32_t)contig;
	}
	return VZC_WALK_OK;
}

/*
 * Switch the walk to the indirect table d names (d is a private copy:
 * the guest cannot change it between checks). The table must be
 * host-contiguous and, like any chain, no longer than the ring.
 */
static enum vzc_walk_err
walk_enter_indirect(struct vzc_walk_pos *w, const struct vzc_mem_view *mem,
		    const struct vzc_desc *d)
{
	const struct vzc_desc *table;
	uint64_t contig;

	/* Only as the chain's one descriptor, and not nested. */
	if (w->indirect || w->steps != 1 || (d->flags & VZC_DESC_F_NEXT) != 0)
		return VZC_WALK_BAD_FLAGS;
	if (d->len == 0 || d->len % sizeof(struct vzc_desc) != 0 ||
	    d->len / sizeof(struct vzc_desc) > VZC_RING_MAX_SIZE)
		return VZC_WALK_BAD_LEN;
	table = (const struct vzc_desc *)vzc_gpa_to_hva(mem, d->addr, d->len,
							&contig);
	if (table == NULL || contig != d->len)
		return VZC_WALK_BAD_ADDR;
	w->table = table;
	w->n = d->len / sizeof(struct vzc_desc);
	w->idx = 0;
	w->steps = 0;
	w->indirect = true;
	return VZC_WALK_OK;
}

/*
 * The walk proper, from wherever c->pos stands. At most one read of each
 * table entry, at most n entries per table: a cycle ends as VZC_WALK_LOOP.
 */
static enum vzc_walk_err
walk_run(struct vzc_chain *c, const struct vzc_mem_view *mem)
{
	struct vzc_walk_pos *w = &c->pos;
	enum vzc_walk_err err;

	for (;;) {
		struct vzc_desc d;

		err = walk_take(c, mem);
		if (err != VZC_WALK_OK)
			return err;
		if (w->steps != 0) {
			if (w->last)
				return VZC_WALK_OK;
			if (w->next >= w->n)
				return VZC_WALK_BAD_INDEX;
			w->idx = w->next;
		}
		if (w->steps == w->n)
			return VZC_WALK_LOOP;
		/* One snapshot per entry: check and use the same values. */
		d = w->table[w->idx];
		w->steps++;
		if ((d.flags & VZC_DESC_F_WRITE) != 0)
			return VZC_WALK_BAD_FLAGS;
		if ((d.flags & VZC_DESC_F_INDIRECT) != 0) {
			err = walk_enter_indirect(w, mem, &d);
			if (err != VZC_WALK_OK)
				return err;
			continue;
		}
		if (d.len == 0 || (uint64_t)c->total + d.len > VZC_MAX_PKT_LEN)
			return VZC_WALK_BAD_LEN;
		c->total += d.len;
		w->gpa = d.addr;
		w->left = d.len;
		w->last = (d.flags & VZC_DESC_F_NEXT) == 0;
		w->next = d.next;
	}
}

enum vzc_walk_err
vzc_ring_walk(const struct vzc_vring *vr, const struct vzc_mem_view *mem,
	      uint16_t head, struct vzc_chain *c)
{
	c->head = head;
	c->niov = 0;
	c->total = 0;
	c->off = 0;
	if (head >= vr->size)
		return VZC_WALK_BAD_INDEX;
	c->pos = (struct vzc_walk_pos){
		.table = vr->desc,
		.n = vr->size,
		.idx = head,
	};
	return walk_run(c, mem);
}

enum vzc_walk_err
vzc_ring_walk_next(const struct vzc_mem_view *mem, struct vzc_chain *c)
{
	uint16_t k;

	for (k = 0; k < c->niov; k++)
		c->off += c->iov[k].len;
	c->niov = 0;
	return walk_run(c, mem);
}

uint32_t
vzc_chain_copy(const struct vzc_chain *c, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *out = dst;
	uint32_t done = 0;
	uint16_t k;

	for (k = 0; k < c->niov && done < len; k++) {
		const struct vzc_iov *v = &c->iov[k];
		uint32_t n;

		if (off >= v->len) {
			off -= v->len;
			continue;
		}
		n = v->len - off;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, v->base + off, n);
		done += n;
		off = 0;
	}
	return done;
}
