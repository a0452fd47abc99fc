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

/* Append [gpa, gpa + len) to c, split at memory region boundaries. */
static enum vzc_walk_err
chain_add(struct vzc_chain *c, const struct vzc_mem_view *mem, uint64_t gpa,
	  uint32_t len)
{
	uint64_t left = len;

	if (len == 0)
		return VZC_WALK_BAD_LEN;
	if ((uint64_t)c->total + len > VZC_MAX_PKT_LEN)
		return VZC_WALK_BAD_LEN;

	while (left != 0) {
		uint64_t contig;
		uint8_t *hva = vzc_gpa_to_hva(mem, gpa, left, &contig);

		if (hva == NULL)
			return VZC_WALK_BAD_ADDR;
		if (c->niov == VZC_MAX_IOV)
			return VZC_WALK_TOO_MANY;
		c->iov[c->niov].base = hva;
		c->iov[c->niov].len = (uint32_t)contig;
		c->niov++;
		gpa += contig;
		left -= contig;
	}
	c->total += len;
	return VZC_WALK_OK;
}

/*
 * Walk an indirect table. The table must be host-contiguous; it is read
 * with plain loads since the driver wrote it before publishing the head.
 */
static enum vzc_walk_err
walk_indirect(const struct vzc_mem_view *mem, const struct vzc_desc *d,
	      struct vzc_chain *c)
{
	/* d is a private copy: the guest cannot change it between checks. */
	const struct vzc_desc *table;
	uint64_t contig;
	uint32_t n, i, steps;

	if ((d->flags & VZC_DESC_F_NEXT) != 0)
		return VZC_WALK_BAD_FLAGS;
	if (d->len == 0 || d->len % sizeof(struct vzc_desc) != 0)
		return VZC_WALK_BAD_LEN;
	n = d->len / sizeof(struct vzc_desc);
	if (n > VZC_INDIRECT_MAX)
		return VZC_WALK_BAD_LEN;
	table = (const struct vzc_desc *)vzc_gpa_to_hva(mem, d->addr, d->len,
							&contig);
	if (table == NULL || contig != d->len)
		return VZC_WALK_BAD_ADDR;

	i = 0;
	for (steps = 0; steps < n; steps++) {
		/* One snapshot per entry: check and use the same values. */
		const struct vzc_desc e = table[i];
		uint16_t flags = e.flags;
		enum vzc_walk_err err;

		/* Nested indirect and device-writable buffers are invalid. */
		if ((flags & (VZC_DESC_F_INDIRECT | VZC_DESC_F_WRITE)) != 0)
			return VZC_WALK_BAD_FLAGS;
		err = chain_add(c, mem, e.addr, e.len);
		if (err != VZC_WALK_OK)
			return err;
		if ((flags & VZC_DESC_F_NEXT) == 0)
			return VZC_WALK_OK;
		i = e.next;
		if (i >= n)
			return VZC_WALK_BAD_INDEX;
	}
	/* n steps and still a NEXT flag: the table has a cycle. */
	return VZC_WALK_LOOP;
}

enum vzc_walk_err
vzc_ring_walk(const struct vzc_vring *vr, const struct vzc_mem_view *mem,
	      uint16_t head, struct vzc_chain *c)
{
	uint32_t steps;
	uint16_t i = head;

	c->head = head;
	c->niov = 0;
	c->total = 0;
	if (head >= vr->size)
		return VZC_WALK_BAD_INDEX;

	for (steps = 0; steps < vr->size; steps++) {
		/* One snapshot per entry: check and use the same values. */
		const struct vzc_desc d = vr->desc[i];
		uint16_t flags = d.flags;
		enum vzc_walk_err err;

		if ((flags & VZC_DESC_F_WRITE) != 0)
			return VZC_WALK_BAD_FLAGS;
		if ((flags & VZC_DESC_F_INDIRECT) != 0) {
			/* An indirect descriptor must be the only one. */
			if (steps != 0)
				return VZC_WALK_BAD_FLAGS;
			return walk_indirect(mem, &d, c);
		}
		err = chain_add(c, mem, d.addr, d.len);
		if (err != VZC_WALK_OK)
			return err;
		if ((flags & VZC_DESC_F_NEXT) == 0)
			return VZC_WALK_OK;
		i = d.next;
		if (i >= vr->size)
			return VZC_WALK_BAD_INDEX;
	}
	return VZC_WALK_LOOP;
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
