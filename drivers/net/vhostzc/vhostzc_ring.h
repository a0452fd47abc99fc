/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_RING_H
#define VHOSTZC_RING_H

/*
 * The ring datapath: pure C over a view of a split virtqueue and a guest
 * memory table. Nothing here knows about EAL, mbufs, sockets or file
 * descriptors, so the unit tests drive it over rings built in a plain buffer.
 *
 * Everything read from the rings or descriptors is guest-controlled: every
 * index is bounded by the ring size, every chain walk by a step count, and
 * every (address, length) pair is checked against the memory table with
 * 64-bit arithmetic that cannot wrap.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VZC_DESC_F_NEXT		1
#define VZC_DESC_F_WRITE	2
#define VZC_DESC_F_INDIRECT	4

#define VZC_AVAIL_F_NO_INTERRUPT	1
#define VZC_USED_F_NO_NOTIFY		1

/* Packed virtqueues (virtio 1.1, 2.8): flags of a descriptor slot. */
#define VZC_PDESC_F_AVAIL	(1 << 7)
#define VZC_PDESC_F_USED	(1 << 15)
/* Event suppression: flags of the driver and device areas. */
#define VZC_EVENT_F_ENABLE	0
#define VZC_EVENT_F_DISABLE	1
#define VZC_EVENT_F_DESC	2

/* Largest split ring the spec allows. */
#define VZC_RING_MAX_SIZE	32768
/*
 * Host-contiguous pieces one walk step hands out. A longer chain (virtio
 * bounds a chain only by the ring size) is walked in steps of this many:
 * vzc_ring_walk returns VZC_WALK_MORE and vzc_ring_walk_next goes on.
 */
#define VZC_MAX_IOV		64
/* Largest packet accepted from a guest: 64 KiB GSO plus headers. */
#define VZC_MAX_PKT_LEN		(128 * 1024)
/* Most memory regions in one table (vhost-user without CONFIGURE_MEM_SLOTS). */
#define VZC_MAX_REGIONS		8

struct vzc_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vzc_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* size entries, then used_event */
};

struct vzc_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vzc_used {
	uint16_t flags;
	uint16_t idx;
	struct vzc_used_elem ring[];	/* size entries, then avail_event */
};

/* One slot of a packed ring: available, then used, in place. */
struct vzc_pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

/* Driver or device event suppression area of a packed ring. */
struct vzc_pevent {
	uint16_t off_wrap;	/* bits 0-14 slot, bit 15 wrap counter */
	uint16_t flags;		/* VZC_EVENT_F_* */
};

/* One guest memory region as seen through a host mapping. */
struct vzc_mem_region {
	uint64_t gpa;		/* guest physical start */
	uint64_t size;		/* bytes */
	uint8_t *hva;		/* host address of gpa */
};

struct vzc_mem_view {
	uint32_t nregions;
	const struct vzc_mem_region *regions;
};

/*
 * Host view of one virtqueue, split or packed, plus the device-side shadow
 * indices. Split: desc/avail/used, indices free-running mod 2^16. Packed:
 * pdesc and the two event areas, indices are slots (< size) with a wrap
 * counter each.
 */
struct vzc_vring {
	struct vzc_desc *desc;
	struct vzc_avail *avail;
	struct vzc_used *used;
	struct vzc_pdesc *pdesc;
	struct vzc_pevent *driver_event;	/* the driver's: our calls */
	struct vzc_pevent *device_event;	/* ours: its kicks */
	uint16_t size;		/* split: power of two; <= VZC_RING_MAX_SIZE */
	uint16_t last_avail;	/* next avail entry the device consumes */
	uint16_t used_idx;	/* next used entry to write (not yet published) */
	uint16_t signalled_used;	/* used idx at the last notification */
	bool signalled_valid;
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool packed;		/* VIRTIO_F_RING_PACKED */
	bool avail_wrap;	/* packed: wrap counter of last_avail */
	bool used_wrap;		/* packed: wrap counter of used_idx */
	uint32_t used_slots;	/* slots used so far, both formats (publish) */
};

/*
 * A host-contiguous piece of a guest buffer, and the region of the view
 * it lies in (its index in the view's regions[]: lending finds the
 * region's mapping there without searching again).
 */
struct vzc_iov {
	uint8_t *base;
	uint32_t len;
	uint32_t region;
};

/* Where a walk stands: the table it reads and the descriptor in hand. */
struct vzc_walk_pos {
	/*
	 * The ring's descriptors, or an indirect table: that one is at an
	 * address the guest chose, of any alignment, so its entries are
	 * only ever read by memcpy (bytes, no typed access).
	 */
	const void *table;
	uint32_t n;		/* entries in table */
	uint32_t idx;		/* entry to read next */
	uint32_t steps;		/* entries read from table: bounds cycles */
	uint64_t gpa;		/* unsplit rest of the descriptor in hand */
	uint32_t left;		/* its bytes not yet in iov[] */
	bool indirect;		/* table is an indirect table */
	bool last;		/* the descriptor in hand ends the chain */
	bool packed;		/* table holds struct vzc_pdesc */
	bool wrap;		/* packed ring: wrap counter at idx */
	uint16_t next;		/* else the entry that follows it */
};

/*
 * One descriptor chain flattened into host pieces: all of it, or (after
 * VZC_WALK_MORE) the next VZC_MAX_IOV pieces, which start `off` bytes in.
 */
struct vzc_chain {
	uint16_t head;		/* split: head index; packed: buffer id */
	uint16_t nslots;	/* packed: ring slots it took (0: nothing taken) */
	uint16_t niov;
	uint32_t total;		/* bytes of the descriptors walked so far */
	uint32_t off;		/* chain offset of iov[0] */
	struct vzc_walk_pos pos;
	struct vzc_iov iov[VZC_MAX_IOV];
};

/* Why a chain was refused; each maps to an xstat-visible bad-descriptor count. */
enum vzc_walk_err {
	VZC_WALK_OK = 0,
	VZC_WALK_BAD_INDEX,	/* head or next beyond the ring/table */
	VZC_WALK_LOOP,		/* more steps than entries: a cycle */
	VZC_WALK_BAD_ADDR,	/* not inside guest memory */
	VZC_WALK_BAD_LEN,	/* zero length or packet too big */
	VZC_WALK_BAD_FLAGS,	/* write-only buffer in a TX ring, bad indirect */
	VZC_WALK_MORE,		/* not an error: iov[] is full, the chain goes on */
	VZC_WALK_EMPTY,		/* not an error: packed, nothing available */
};

bool vzc_ring_size_valid(uint32_t size);
/* Packed rings need not be a power of two. */
bool vzc_ring_size_valid_packed(uint32_t size);

/*
 * Translate [gpa, gpa + len) to a host address. Returns the host address of
 * gpa and stores in *contig how many bytes from there lie in the same region
 * (at most len) and in *region which region that is, or NULL when gpa is
 * not in guest memory.
 */
static inline uint8_t *
vzc_gpa_to_hva(const struct vzc_mem_view *mem, uint64_t gpa, uint64_t len,
	       uint64_t *contig, uint32_t *region)
{
	uint32_t i;

	for (i = 0; i < mem->nregions; i++) {
		const struct vzc_mem_region *r = &mem->regions[i];
		uint64_t off;

		/* Written as offset compares so that gpa + len cannot wrap. */
		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off >= r->size)
			continue;
		*contig = r->size - off < len ? r->size - off : len;
		*region = i;
		return r->hva + off;
	}
	return NULL;
}

/*
 * Entries the driver made available and the device has not consumed.
 * The acquire load of avail->idx pairs with the driver's write barrier
 * before it publishes idx: ring entries and the descriptors they name are
 * read only after this load, so they are seen complete.
 * A count larger than the ring is a broken or hostile driver: *broken is set
 * and 0 returned so that nothing past the ring is ever read.
 */
static inline uint16_t
vzc_ring_avail_count(const struct vzc_vring *vr, bool *broken)
{
	uint16_t idx = __atomic_load_n(&vr->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t n = (uint16_t)(idx - vr->last_avail);

	*broken = n > vr->size;
	return *broken ? 0 : n;
}

/* Head of the next available chain; advances last_avail. No range check. */
static inline uint16_t
vzc_ring_take_head(struct vzc_vring *vr)
{
	uint16_t head = vr->avail->ring[vr->last_avail & (vr->size - 1)];

	vr->last_avail++;
	return head;
}

/* Stage one used element; it becomes visible only at vzc_ring_used_publish. */
static inline void
vzc_ring_used_put(struct vzc_vring *vr, uint16_t id, uint32_t len)
{
	struct vzc_used_elem *e = &vr->used->ring[vr->used_idx & (vr->size - 1)];

	e->id = id;
	e->len = len;
	vr->used_idx++;
}

/*
 * Publish staged used elements. The release store orders the element writes
 * before the index the driver polls, pairing with the driver's read barrier
 * after it reads used->idx.
 */
static inline void
vzc_ring_used_publish(struct vzc_vring *vr)
{
	__atomic_store_n(&vr->used->idx, vr->used_idx, __ATOMIC_RELEASE);
}

static inline bool
vzc_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/*
 * Whether the driver wants an interrupt for the used entries published since
 * the last notification. The full fence orders our used->idx store before
 * the load of the driver's suppression state (flags or used_event); without
 * it the two could pass each other and a driver that just re-enabled
 * interrupts would sleep forever (the classic store-load race).
 * With EVENT_IDX every call consumes the window since the previous one.
 */
bool vzc_ring_need_notify(struct vzc_vring *vr);

/*
 * Ask the driver for a kick when it makes more entries available (enable),
 * or not: VRING_USED_F_NO_NOTIFY without EVENT_IDX; with it, avail_event
 * set to the next entry we consume (disabling leaves it behind, so the
 * driver stops kicking once it passed it). The full fence orders this store
 * before the caller's re-check of avail->idx: a driver that published an
 * entry just before it saw the store does not kick, and the re-check finds
 * that entry (the classic lost wake-up).
 */
static inline void
vzc_ring_set_notify(struct vzc_vring *vr, bool enable)
{
	if (vr->packed) {
		__atomic_store_n(&vr->device_event->flags, enable ?
				 VZC_EVENT_F_ENABLE : VZC_EVENT_F_DISABLE,
				 __ATOMIC_RELAXED);
	} else if (vr->event_idx) {
		if (enable)
			__atomic_store_n((uint16_t *)&vr->used->ring[vr->size],
					 vr->last_avail, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&vr->used->flags,
				 enable ? 0 : VZC_USED_F_NO_NOTIFY,
				 __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Walk the chain starting at head, resolving indirect tables, into c.
 * VZC_WALK_MORE: c->iov[] holds the first VZC_MAX_IOV pieces and the
 * chain goes on; vzc_ring_walk_next replaces them with the next ones
 * until it returns VZC_WALK_OK (or an error). Each descriptor is read
 * once, whatever the guest writes meanwhile. On error the chain must
 * still be returned to the driver (if head is in range) with length 0,
 * and counted.
 */
enum vzc_walk_err vzc_ring_walk(const struct vzc_vring *vr,
				const struct vzc_mem_view *mem, uint16_t head,
				struct vzc_chain *c);
enum vzc_walk_err vzc_ring_walk_next(const struct vzc_mem_view *mem,
				     struct vzc_chain *c);

/*
 * The fast takes' common case, both formats: a chain of one direct
 * descriptor of len bytes at addr, inside one memory region. Fills c but
 * for head and nslots and returns true; false leaves c untouched, for
 * the full walk (which checks everything again).
 */
static inline bool
vzc_chain_one_piece(const struct vzc_mem_view *mem, uint64_t addr,
		    uint32_t len, struct vzc_chain *c)
{
	uint64_t contig;
	uint32_t region;
	uint8_t *hva;

	if (len == 0 || len > VZC_MAX_PKT_LEN)
		return false;
	hva = vzc_gpa_to_hva(mem, addr, len, &contig, &region);
	if (hva == NULL || contig != len)
		return false;
	c->niov = 1;
	c->total = len;
	c->off = 0;
	c->iov[0].base = hva;
	c->iov[0].len = len;
	c->iov[0].region = region;
	return true;
}

/*
 * vzc_ring_walk with the common case inline: one direct descriptor (a
 * virtio-net header pushed in front of a one-segment frame) inside one
 * memory region. Same checks, same result; head must be < size.
 */
static inline enum vzc_walk_err
vzc_ring_walk_fast(const struct vzc_vring *vr, const struct vzc_mem_view *mem,
		   uint16_t head, struct vzc_chain *c)
{
	const struct vzc_desc *d = &vr->desc[head];
	/* One read of each field: the guest may change them under us. */
	uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_RELAXED);
	uint64_t addr = __atomic_load_n(&d->addr, __ATOMIC_RELAXED);
	uint32_t len = __atomic_load_n(&d->len, __ATOMIC_RELAXED);

	if ((flags & (VZC_DESC_F_NEXT | VZC_DESC_F_INDIRECT |
		      VZC_DESC_F_WRITE)) == 0 &&
	    vzc_chain_one_piece(mem, addr, len, c)) {
		c->head = head;
		return VZC_WALK_OK;
	}
	return vzc_ring_walk(vr, mem, head, c);
}

/*
 * Copy len bytes starting at byte offset off of c->iov[] into dst.
 * Returns the number of bytes copied (less than len if iov[] is shorter).
 */
uint32_t vzc_chain_copy(const struct vzc_chain *c, uint32_t off, void *dst,
			uint32_t len);

/*
 * The ring-format layer: everything the datapath does to a ring, for
 * either format, chosen per ring incarnation (vr->packed). The split-only
 * functions above stay the split implementation.
 */

/* Whether a packed slot's flags say available under wrap counter w. */
static inline bool
vzc_pdesc_avail(uint16_t flags, bool w)
{
	return ((flags & VZC_PDESC_F_AVAIL) != 0) == w &&
		((flags & VZC_PDESC_F_USED) != 0) != w;
}

/*
 * At most max chains that may be taken now (an upper bound for packed:
 * available slots). Split: the acquire load of avail->idx. Packed: one
 * acquire load of each slot's flags, pairing with the driver's release of
 * the flags it writes last; the slot's other fields are read after it.
 */
static inline uint16_t
vzc_ring_ready(const struct vzc_vring *vr, uint16_t max, bool *broken)
{
	uint16_t n = 0, i;
	bool w;

	if (!vr->packed) {
		n = vzc_ring_avail_count(vr, broken);
		return n < max ? n : max;
	}
	*broken = false;
	for (i = vr->last_avail, w = vr->avail_wrap; n < max && n < vr->size;
	     n++) {
		if (!vzc_pdesc_avail(__atomic_load_n(&vr->pdesc[i].flags,
						     __ATOMIC_ACQUIRE), w))
			break;
		if (++i == vr->size) {
			i = 0;
			w = !w;
		}
	}
	return n;
}

/*
 * Take the next chain into c and walk it (VZC_WALK_EMPTY: none). Split:
 * the head leaves the avail ring at once. Packed: the walk reads the slots
 * from last_avail, c->nslots counts them, and vzc_ring_done moves past
 * them once the caller is done with the chain (it may walk on with
 * vzc_ring_walk_next). c->head is the id to return the chain under; valid
 * only if < size.
 */
enum vzc_walk_err vzc_ring_take_packed(const struct vzc_vring *vr,
				       const struct vzc_mem_view *mem,
				       struct vzc_chain *c);

/*
 * Packed: the common chain, one direct slot (no NEXT, INDIRECT or WRITE)
 * inside one memory region, taken inline; anything else (or nothing
 * available) goes to the full walk, which checks it again from the
 * start. Same checks, same result as vzc_ring_take_packed.
 */
static inline enum vzc_walk_err
vzc_ring_take_packed_fast(const struct vzc_vring *vr,
			  const struct vzc_mem_view *mem, struct vzc_chain *c)
{
	const struct vzc_pdesc *d = &vr->pdesc[vr->last_avail];
	/* Acquire: pairs with the driver's release of the slot's flags. */
	uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

	/* One read of each field: the guest may change them. */
	if (vzc_pdesc_avail(flags, vr->avail_wrap) &&
	    (flags & (VZC_DESC_F_NEXT | VZC_DESC_F_INDIRECT |
		      VZC_DESC_F_WRITE)) == 0 &&
	    vzc_chain_one_piece(mem,
				__atomic_load_n(&d->addr, __ATOMIC_RELAXED),
				__atomic_load_n(&d->len, __ATOMIC_RELAXED), c)) {
		c->head = __atomic_load_n(&d->id, __ATOMIC_RELAXED);
		c->nslots = 1;
		return VZC_WALK_OK;
	}
	return vzc_ring_take_packed(vr, mem, c);
}

static inline enum vzc_walk_err
vzc_ring_take(struct vzc_vring *vr, const struct vzc_mem_view *mem,
	      struct vzc_chain *c)
{
	if (vr->packed)
		return vzc_ring_take_packed_fast(vr, mem, c);
	c->head = vzc_ring_take_head(vr);
	c->nslots = 1;
	if (c->head >= vr->size) {
		c->niov = 0;
		c->total = 0;
		return VZC_WALK_BAD_INDEX;
	}
	return vzc_ring_walk_fast(vr, mem, c->head, c);
}

/* The chain taken last is done with (any verdict but "leave it"). */
static inline void
vzc_ring_done(struct vzc_vring *vr, const struct vzc_chain *c)
{
	uint32_t i;

	if (!vr->packed)
		return;
	i = (uint32_t)vr->last_avail + c->nslots;
	if (i >= vr->size) {
		i -= vr->size;
		vr->avail_wrap = !vr->avail_wrap;
	}
	vr->last_avail = (uint16_t)i;
}

/* Leave the chain taken last for the next burst (out of mbufs). */
static inline void
vzc_ring_untake(struct vzc_vring *vr)
{
	if (!vr->packed)
		vr->last_avail--;
}

/*
 * Give chain id (nslots ring slots) back, len bytes written. Split: staged
 * until vzc_ring_publish. Packed: the slot at used_idx gets id and len,
 * then its flags with a release store: the driver reads id and len only
 * after it saw the flags flip.
 */
static inline void
vzc_ring_put(struct vzc_vring *vr, uint16_t id, uint32_t len, uint16_t nslots)
{
	struct vzc_pdesc *d;
	uint32_t i;

	if (!vr->packed) {
		vzc_ring_used_put(vr, id, len);
		vr->used_slots++;
		return;
	}
	d = &vr->pdesc[vr->used_idx];
	d->id = id;
	d->len = len;
	__atomic_store_n(&d->flags, vr->used_wrap ?
			 VZC_PDESC_F_AVAIL | VZC_PDESC_F_USED : 0,
			 __ATOMIC_RELEASE);
	i = (uint32_t)vr->used_idx + nslots;
	if (i >= vr->size) {
		i -= vr->size;
		vr->used_wrap = !vr->used_wrap;
	}
	vr->used_idx = (uint16_t)i;
	vr->used_slots += nslots;
}

/* Make what vzc_ring_put staged visible (packed: it already is). */
static inline void
vzc_ring_publish(struct vzc_vring *vr)
{
	if (!vr->packed)
		vzc_ring_used_publish(vr);
}

/* Slots taken from the driver and not given back yet. */
static inline uint32_t
vzc_ring_in_flight(const struct vzc_vring *vr)
{
	if (!vr->packed)
		return (uint16_t)(vr->last_avail - vr->used_idx);
	return (uint32_t)vr->last_avail - vr->used_idx +
		(vr->avail_wrap != vr->used_wrap ? vr->size : 0);
}

/* The ring base as vhost-user carries it (packed: wrap counter in bit 15). */
static inline void
vzc_ring_get_base(const struct vzc_vring *vr, uint16_t *avail, uint16_t *used)
{
	*avail = vr->last_avail;
	*used = vr->used_idx;
	if (vr->packed) {
		*avail |= (uint16_t)vr->avail_wrap << 15;
		*used |= (uint16_t)vr->used_wrap << 15;
	}
}

static inline void
vzc_ring_set_base(struct vzc_vring *vr, uint16_t avail, uint16_t used)
{
	if (vr->packed) {
		vr->avail_wrap = (avail >> 15) != 0;
		vr->used_wrap = (used >> 15) != 0;
		avail &= 0x7fff;
		used &= 0x7fff;
		/* A hostile base is brought into the ring. */
		if (avail >= vr->size)
			avail = 0;
		if (used >= vr->size)
			used = 0;
	}
	vr->last_avail = avail;
	vr->used_idx = used;
	vr->signalled_valid = false;
}

/*
 * IN_ORDER (VIRTIO_F_IN_ORDER): the device gives chains back in the order
 * it took them, and a driver may rely on it without reading used ids
 * (DPDK's virtio does, on split rings). Completions of lent chains arrive
 * in the order the application frees them, so every chain taken gets a
 * place here, in take order, and goes back (vzc_ring_put, one used entry
 * each) only once it and every chain before it are done. Room for `size`
 * places (the caller's memory): a ring's worth, as many chains as a
 * driver can have out; the caller takes no more than vzc_order_room().
 */
struct vzc_order_ent {
	uint16_t id;
	uint16_t nslots;
	bool done;
};

struct vzc_order {
	struct vzc_order_ent *ent;	/* NULL: not in order */
	uint16_t size;
	uint16_t first;		/* oldest place still out */
	uint16_t count;		/* places in use */
};

static inline uint16_t
vzc_order_room(const struct vzc_order *o)
{
	return (uint16_t)(o->size - o->count);
}

/* A place for chain id taken now; done: it may go back at once. */
static inline uint16_t
vzc_order_add(struct vzc_order *o, uint16_t id, uint16_t nslots, bool done)
{
	uint32_t pos = (uint32_t)o->first + o->count;

	if (pos >= o->size)
		pos -= o->size;
	o->ent[pos] = (struct vzc_order_ent){ id, nslots, done };
	o->count++;
	return (uint16_t)pos;
}

static inline void
vzc_order_done(struct vzc_order *o, uint16_t pos)
{
	o->ent[pos].done = true;
}

/* The oldest chain out is not done: it holds back every later one. */
static inline bool
vzc_order_blocked(const struct vzc_order *o)
{
	return o->count != 0 && !o->ent[o->first].done;
}

/*
 * Give back, in take order, every chain up to the first one not done.
 * Split: one used entry each. Packed: one used descriptor per run of
 * chains, in the run's first slot, with the id of its last chain; the
 * used index skips the run's slots (virtio 1.1, packed virtqueues,
 * "In-order use of descriptors": the device "can write out a single used
 * descriptor with the buffer ID corresponding to the last descriptor in
 * the batch", and the driver walks its own chains up to that id). The
 * guest then reads one descriptor line per burst instead of one per four
 * chains, and we write one line it wrote (a miss each) instead of all of
 * them. A run never spans more than a ring's worth of slots (a guest that
 * re-posts slots still out can have more out): the used index then moves
 * by every slot given back, as with one descriptor per chain.
 */
static inline void
vzc_order_flush(struct vzc_order *o, struct vzc_vring *vr)
{
	uint32_t run = 0;
	uint16_t last = 0;

	while (o->count != 0 && o->ent[o->first].done) {
		const struct vzc_order_ent *e = &o->ent[o->first];

		if (!vr->packed) {
			vzc_ring_put(vr, e->id, 0, e->nslots);
		} else {
			if (run + e->nslots > vr->size) {
				vzc_ring_put(vr, last, 0, (uint16_t)run);
				run = 0;
			}
			last = e->id;
			run += e->nslots;
		}
		if (++o->first == o->size)
			o->first = 0;
		o->count--;
	}
	if (run != 0)
		vzc_ring_put(vr, last, 0, (uint16_t)run);
}

#endif /* VHOSTZC_RING_H */
