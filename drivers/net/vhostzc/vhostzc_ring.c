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
vzc_ring_size_valid_packed(uint32_t size)
{
	return size != 0 && size <= VZC_RING_MAX_SIZE;
}

/*
 * Packed: the driver's event area says always, never, or when the used
 * slot it names (off_wrap) is among those written since the last check.
 * Slots are mod size with a wrap counter: both ends of the window and the
 * event are brought onto one line before the split-ring comparison.
 */
static bool
need_notify_packed(struct vzc_vring *vr)
{
	uint16_t old = vr->signalled_used, new_idx = vr->used_idx;
	bool valid = vr->signalled_valid;
	uint16_t flags, off_wrap, off;

	/* Store(used flags) -> load(driver event area): a full fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vr->signalled_used = new_idx;
	vr->signalled_valid = true;
	flags = __atomic_load_n(&vr->driver_event->flags, __ATOMIC_RELAXED);
	if (flags != VZC_EVENT_F_DESC)
		return flags != VZC_EVENT_F_DISABLE;
	if (!valid)
		return true;
	off_wrap = __atomic_load_n(&vr->driver_event->off_wrap, __ATOMIC_RELAXED);
	off = off_wrap & 0x7fff;
	if (new_idx <= old)
		old = (uint16_t)(old - vr->size);
	if ((off_wrap >> 15) != vr->used_wrap)
		off = (uint16_t)(off - vr->size);
	return vzc_need_event(off, new_idx, old);
}

bool
vzc_ring_need_notify(struct vzc_vring *vr)
{
	uint16_t old = vr->signalled_used;
	uint16_t new_idx = vr->used_idx;
	bool valid = vr->signalled_valid;

	if (vr->packed)
		return need_notify_packed(vr);
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
		uint32_t region;
		uint8_t *hva;

		if (c->niov == VZC_MAX_IOV)
			return VZC_WALK_MORE;
		hva = vzc_gpa_to_hva(mem, w->gpa, w->left, &contig, &region);
		if (hva == NULL)
			return VZC_WALK_BAD_ADDR;
		c->iov[c->niov].base = hva;
		c->iov[c->niov].len = (uint32_t)contig;
		c->iov[c->niov].region = region;
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
		    uint64_t addr, uint32_t len, uint16_t flags)
{
	const uint8_t *table;
	uint64_t contig;
	uint32_t region;

	/* Only as the chain's one descriptor, and not nested. */
	if (w->indirect || w->steps != 1 || (flags & VZC_DESC_F_NEXT) != 0)
		return VZC_WALK_BAD_FLAGS;
	/* Both formats' descriptors are 16 bytes. */
	if (len == 0 || len % sizeof(struct vzc_desc) != 0 ||
	    len / sizeof(struct vzc_desc) > VZC_RING_MAX_SIZE)
		return VZC_WALK_BAD_LEN;
	table = vzc_gpa_to_hva(mem, addr, len, &contig, &region);
	if (table == NULL || contig != len)
		return VZC_WALK_BAD_ADDR;
	w->table = table;
	w->n = len / sizeof(struct vzc_desc);
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
		memcpy(&d, (const uint8_t *)w->table + (size_t)w->idx * sizeof(d),
		       sizeof(d));
		w->steps++;
		if ((d.flags & VZC_DESC_F_WRITE) != 0)
			return VZC_WALK_BAD_FLAGS;
		if ((d.flags & VZC_DESC_F_INDIRECT) != 0) {
			err = walk_enter_indirect(w, mem, d.addr, d.len, d.flags);
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

/*
 * The packed walk: slots follow one another (wrapping, with the wrap
 * counter), each must be available under it, NEXT links them, the buffer
 * id is the last slot's. An indirect table's entries are all used, in
 * order. c->nslots and c->head follow the ring slots read.
 */
static enum vzc_walk_err
walk_run_packed(struct vzc_chain *c, const struct vzc_mem_view *mem)
{
	struct vzc_walk_pos *w = &c->pos;
	enum vzc_walk_err err;

	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, id;

		err = walk_take(c, mem);
		if (err != VZC_WALK_OK)
			return err;
		if (w->steps != 0) {
			if (w->last)
				return VZC_WALK_OK;
			if (++w->idx == w->n) {
				w->idx = 0;
				w->wrap = !w->wrap;
			}
		}
		if (w->steps == w->n)
			return VZC_WALK_LOOP;
		if (!w->indirect) {
			const struct vzc_pdesc *t = w->table;

			/*
			 * Ring slots: flags first with acquire (pairs with the
			 * driver's release of the chain's first flags), then
			 * the rest, each once.
			 */
			flags = __atomic_load_n(&t[w->idx].flags, __ATOMIC_ACQUIRE);
			addr = __atomic_load_n(&t[w->idx].addr, __ATOMIC_RELAXED);
			len = __atomic_load_n(&t[w->idx].len, __ATOMIC_RELAXED);
			id = __atomic_load_n(&t[w->idx].id, __ATOMIC_RELAXED);
		} else {
			/* Ordered by the ring slot's acquire; any alignment. */
			struct vzc_pdesc e;

			memcpy(&e, (const uint8_t *)w->table +
			       (size_t)w->idx * sizeof(e), sizeof(e));
			flags = e.flags;
			addr = e.addr;
			len = e.len;
			id = e.id;
		}
		if (!w->indirect) {
			if (!vzc_pdesc_avail(flags, w->wrap))
				return w->steps == 0 ? VZC_WALK_EMPTY :
					VZC_WALK_BAD_FLAGS;
			c->nslots = (uint16_t)(w->steps + 1);
			c->head = id;
		}
		w->steps++;
		/*
		 * DPDK's virtio driver leaves VIRTQ_DESC_F_WRITE on the
		 * entries of its packed TX indirect tables (the header entry
		 * always); DPDK's vhost ignores it there, and so do we: we
		 * only read the buffer. In the ring a device-writable buffer
		 * is a malformed TX chain.
		 */
		if ((flags & VZC_DESC_F_WRITE) != 0 && !w->indirect)
			return VZC_WALK_BAD_FLAGS;
		if ((flags & VZC_DESC_F_INDIRECT) != 0) {
			err = walk_enter_indirect(w, mem, addr, len, flags);
			if (err != VZC_WALK_OK)
				return err;
			continue;
		}
		if (len == 0 || (uint64_t)c->total + len > VZC_MAX_PKT_LEN)
			return VZC_WALK_BAD_LEN;
		c->total += len;
		w->gpa = addr;
		w->left = len;
		w->last = w->indirect ? w->idx + 1 == w->n :
			(flags & VZC_DESC_F_NEXT) == 0;
	}
}

enum vzc_walk_err
vzc_ring_take_packed(const struct vzc_vring *vr, const struct vzc_mem_view *mem,
		     struct vzc_chain *c)
{
	c->head = UINT16_MAX;
	c->nslots = 0;
	c->niov = 0;
	c->total = 0;
	c->off = 0;
	c->pos = (struct vzc_walk_pos){
		.table = vr->pdesc,
		.n = vr->size,
		.idx = vr->last_avail,
		.packed = true,
		.wrap = vr->avail_wrap,
	};
	return walk_run_packed(c, mem);
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
	return c->pos.packed ? walk_run_packed(c, mem) : walk_run(c, mem);
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
