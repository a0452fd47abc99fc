/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * The receive datapath and the zero-copy lifetime (vhostzc_rxtx.c,
 * vhostzc_zc.c) driven through a queue attached to a split ring in plain
 * memory: no socket and no vhost library, but real mbufs, mempools,
 * extbufs and frees, here and on another thread.
 */

#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vhostzc.h"
#include "vhostzc_guard.h"
#include "vzc_test.h"

#define RING		256
#define HDR		12
#define GMEM_GPA	0x40000000ULL
#define GMEM_SIZE	(8u << 20)
#define BUF_STRIDE	(16u << 10)	/* guest buffer per head */
#define RING_OFF	(RING * BUF_STRIDE)	/* rings after the buffers */
#define POOL_SIZE	4095

static uint8_t *gmem;		/* the guest's own mapping */
static int gmem_fd;
static struct vzc_desc *desc;
static struct vzc_avail *avail;
static struct vzc_used *used;
static struct rte_mempool *mp;
static struct vhostzc_internal in;
static uint16_t drv_used_seen;	/* guest driver: next used entry to read */

static uint64_t
gpa_of(const void *p)
{
	return GMEM_GPA + (uint64_t)((const uint8_t *)p - gmem);
}

static uint8_t *
buf_of(uint16_t head)
{
	return gmem + (size_t)head * BUF_STRIDE;
}

/* Payload byte i of packet seq; bytes 0-3 carry seq itself. */
static uint8_t
pattern(uint32_t seq, uint32_t i)
{
	if (i < 4)
		return (uint8_t)(seq >> (8 * i));
	return (uint8_t)(seq * 31 + i * 7 + (i >> 8));
}

static uint32_t
seq_of_pkt(struct rte_mbuf *m)
{
	uint8_t tmp[4];
	const uint8_t *p = rte_pktmbuf_read(m, 0, 4, tmp);

	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Guest driver: post a packet of len payload bytes at b under head. */
static void
post_at(uint16_t head, uint8_t *b, uint32_t len, uint32_t seq)
{
	uint32_t i;

	memset(b, 0, HDR);
	for (i = 0; i < len; i++)
		b[HDR + i] = pattern(seq, i);
	desc[head] = (struct vzc_desc){ gpa_of(b), HDR + len, 0, 0 };
	avail->ring[avail->idx % RING] = head;
	__atomic_store_n(&avail->idx, avail->idx + 1, __ATOMIC_RELEASE);
}

static void
post_pkt(uint16_t head, uint32_t len, uint32_t seq)
{
	post_at(head, buf_of(head), len, seq);
}

static bool
pkt_ok(struct rte_mbuf *m, uint32_t len, uint32_t seq)
{
	static __thread uint8_t tmp[VZC_MAX_PKT_LEN];
	const uint8_t *p;
	uint32_t i;

	if (m->pkt_len != len || len > sizeof(tmp))
		return false;
	p = rte_pktmbuf_read(m, 0, len, tmp);
	for (i = 0; i < len; i++)
		if (p[i] != pattern(seq, i))
			return false;
	return true;
}

/*
 * The driver's view of guest memory: a second mapping of the guest's memfd,
 * owned and unmapped by the memgen, exactly as vhostzc_memgen_create does.
 */
/*
 * IOVA as PA over the test's memfd, which then pretends to be on 2 MB
 * pages at the physical addresses of fake_phys (one of the two layouts
 * below, chosen per test).
 */
static enum vhostzc_iova_mode iova_mode = VHOSTZC_IOVA_VA;
static size_t page_size = 4096;
#define FAKE_PG		(2u << 20)
static const rte_iova_t phys_contig[GMEM_SIZE / FAKE_PG] = {
	0x100000000ULL, 0x100200000ULL, 0x7ff000000ULL, 0x7ff200000ULL,
};
static const rte_iova_t phys_split[GMEM_SIZE / FAKE_PG] = {
	0x100000000ULL, 0x7ff000000ULL, 0x7ff200000ULL, 0x100200000ULL,
};
static const rte_iova_t *fake_phys = phys_contig;

static rte_iova_t
fake_virt2phys(const void *va, void *base)
{
	size_t off = (size_t)((const uint8_t *)va - (const uint8_t *)base);

	return fake_phys[off / FAKE_PG] + off % FAKE_PG;
}

static struct vhostzc_memgen *
make_memgen(void)
{
	struct vhostzc_memgen *mg = vhostzc_memgen_alloc();
	void *base = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  gmem_fd, 0);
	struct vhostzc_region r = {
		.gpa = GMEM_GPA,
		.size = GMEM_SIZE,
		.base = base,
		.len = GMEM_SIZE,
		.page_size = page_size,
		.fd = -1,
	};

	vhostzc_memgen_add_region(mg, &r);
	if (iova_mode == VHOSTZC_IOVA_PA)
		vhostzc_memgen_set_iova(mg, VHOSTZC_IOVA_PA, fake_virt2phys,
					mg->map[0].base);
	else
		vhostzc_memgen_set_iova(mg, iova_mode, NULL, NULL);
	return mg;
}

/* Host address in the driver's mapping of a guest buffer byte. */
static uint8_t *
host_of(struct vhostzc_rxq *q, const uint8_t *guest)
{
	return q->mem->regions[0].hva + (guest - gmem);
}

static struct vhostzc_rxq *
make_rxq(uint32_t max_lent)
{
	struct vhostzc_rxq *q = rte_zmalloc(NULL, sizeof(*q), RTE_CACHE_LINE_SIZE);

	memset(gmem + RING_OFF, 0, 64 << 10);
	desc = (struct vzc_desc *)(gmem + RING_OFF);
	avail = (struct vzc_avail *)(gmem + RING_OFF + RING * sizeof(*desc));
	used = (struct vzc_used *)(gmem + RING_OFF + (32 << 10));
	drv_used_seen = 0;

	rte_spinlock_init(&q->lock);
	q->vr.desc = desc;
	q->vr.avail = avail;
	q->vr.used = used;
	q->vr.size = RING;
	q->mem = make_memgen();
	q->memv = q->mem->view;
	q->lender = vhostzc_lender_create(RING, SOCKET_ID_ANY);
	q->hdr_len = HDR;
	q->max_lent = max_lent;
	q->callfd = -1;
	q->vid = -1;
	q->mp = mp;
	q->data_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	q->internal = &in;
	vhostzc_rxq_order_setup(q, false);
	vhostzc_rxq_zc_mode(q);
	q->ready = true;
	return q;
}

static void
free_rxq(struct vhostzc_rxq *q)
{
	if (q->lender != NULL)
		vhostzc_lender_orphan(q->lender);
	vhostzc_memgen_put(q->mem);
	rte_free(q);
}

static uint16_t
rx_all(struct vhostzc_rxq *q, struct rte_mbuf **pkts, uint16_t want)
{
	uint16_t n = 0;
	int tries = 0;

	while (n < want && tries++ < 100)
		n += vhostzc_rx_burst(q, pkts + n, want - n);
	return n;
}

/* Sizes around every decision point, single descriptors. */
static void
test_copy_and_zc(void)
{
	static const uint32_t sizes[] = { 64, 511, 512, 1518, 9000 };
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mbuf *pkts[8];
	uint16_t i, n;

	for (i = 0; i < RTE_DIM(sizes); i++)
		post_pkt(i, sizes[i], i);
	n = rx_all(q, pkts, RTE_DIM(sizes));
	CHECK(n == RTE_DIM(sizes), "received %u", n);
	for (i = 0; i < n; i++)
		CHECK(pkt_ok(pkts[i], sizes[i], i), "bytes of %u B", sizes[i]);
	CHECK(q->stats.copied_pkts == 2 && q->stats.zc_pkts == 3,
	      "copied %" PRIu64 " zc %" PRIu64, q->stats.copied_pkts,
	      q->stats.zc_pkts);
	CHECK(RTE_MBUF_HAS_EXTBUF(pkts[3]->next) && !RTE_MBUF_HAS_EXTBUF(pkts[3]),
	      "head is host-owned, rest is guest memory");
	CHECK(rte_pktmbuf_headroom(pkts[3]) == RTE_PKTMBUF_HEADROOM, "headroom");
	CHECK(rte_pktmbuf_mtod(pkts[4]->next, uint8_t *) ==
	      host_of(q, buf_of(4) + HDR + VHOSTZC_ZC_HEAD_LEN),
	      "no copy of the payload");
	/* Copies were returned at once; the three lent ones were not. */
	CHECK(used->idx == 2 && q->lent == 3, "used %u lent %u", used->idx, q->lent);

	/* Free out of order: 9000, 512, 1518. */
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	rte_pktmbuf_free(pkts[4]);
	rte_pktmbuf_free(pkts[2]);
	rte_pktmbuf_free(pkts[3]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(used->idx == 5 && q->lent == 0, "used %u lent %u", used->idx, q->lent);
	CHECK(used->ring[2].id == 4 && used->ring[3].id == 2 &&
	      used->ring[4].id == 3, "used order %u %u %u", used->ring[2].id,
	      used->ring[3].id, used->ring[4].id);
	CHECK(q->stats.returned == 3, "returned");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full: %u",
	      rte_mempool_avail_count(mp));
	free_rxq(q);
}

/*
 * Without RX scatter: one-piece payloads are lent as one extbuf segment
 * with the virtio-net header's bytes as headroom; anything else is copied.
 */
static void
test_linear(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mbuf *pkts[3];
	uint8_t *b = buf_of(7);
	uint32_t i;

	q->linear = true;
	post_pkt(5, 1518, 50);
	post_pkt(6, 9000, 51);
	/* head 7: header and payload in two descriptors, payload split. */
	memset(b, 0, HDR);
	for (i = 0; i < 2000; i++)
		b[HDR + i] = pattern(52, i);
	desc[7] = (struct vzc_desc){ gpa_of(b), HDR + 1000, VZC_DESC_F_NEXT, 8 };
	desc[8] = (struct vzc_desc){ gpa_of(b + HDR + 1000), 1000, 0, 0 };
	avail->ring[avail->idx++ % RING] = 7;

	CHECK(rx_all(q, pkts, 3) == 3, "received");
	CHECK(pkt_ok(pkts[0], 1518, 50) && pkt_ok(pkts[1], 9000, 51) &&
	      pkt_ok(pkts[2], 2000, 52), "bytes");
	CHECK(pkts[0]->nb_segs == 1 && RTE_MBUF_HAS_EXTBUF(pkts[0]) &&
	      pkts[1]->nb_segs == 1 && RTE_MBUF_HAS_EXTBUF(pkts[1]),
	      "one guest segment each");
	CHECK(rte_pktmbuf_headroom(pkts[0]) == HDR &&
	      rte_pktmbuf_mtod(pkts[0], uint8_t *) ==
	      host_of(q, buf_of(5) + HDR), "payload in place, header as headroom");
	CHECK(!RTE_MBUF_HAS_EXTBUF(pkts[2]) && q->stats.copied_pkts == 1 &&
	      q->stats.zc_pkts == 2, "a two-piece payload is copied");
	rte_pktmbuf_free(pkts[1]);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[2]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(used->idx == 3 && q->lent == 0, "all back");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/* Chains and indirect tables become mbuf chains with the bytes intact. */
static void
test_chains(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct vzc_desc *tbl = (struct vzc_desc *)buf_of(20);
	struct rte_mbuf *pkts[2];
	uint8_t *b = buf_of(10), *c = buf_of(11);
	uint32_t i;

	/* head 10: header alone, then 3000 B split over two buffers. */
	memset(b, 0, HDR);
	for (i = 0; i < 3000; i++)
		(i < 1000 ? b + HDR : c - 1000)[i] = pattern(7, i);
	desc[10] = (struct vzc_desc){ gpa_of(b), HDR, VZC_DESC_F_NEXT, 12 };
	desc[12] = (struct vzc_desc){ gpa_of(b + HDR), 1000, VZC_DESC_F_NEXT, 11 };
	desc[11] = (struct vzc_desc){ gpa_of(c), 2000, 0, 0 };
	avail->ring[avail->idx++ % RING] = 10;

	/* head 13: indirect, 12 B header + 5000 B in three entries. */
	b = buf_of(21);
	memset(b, 0, HDR);
	for (i = 0; i < 5000; i++)
		b[HDR + i] = pattern(8, i);
	tbl[0] = (struct vzc_desc){ gpa_of(b), HDR + 100, VZC_DESC_F_NEXT, 1 };
	tbl[1] = (struct vzc_desc){ gpa_of(b + HDR + 100), 2900, VZC_DESC_F_NEXT, 2 };
	tbl[2] = (struct vzc_desc){ gpa_of(b + HDR + 3000), 2000, 0, 0 };
	desc[13] = (struct vzc_desc){ gpa_of(tbl), 3 * sizeof(*tbl),
				      VZC_DESC_F_INDIRECT, 0 };
	avail->ring[avail->idx++ % RING] = 13;

	CHECK(rx_all(q, pkts, 2) == 2, "received");
	CHECK(pkt_ok(pkts[0], 3000, 7), "chain bytes");
	CHECK(pkt_ok(pkts[1], 5000, 8), "indirect bytes");
	CHECK(pkts[0]->nb_segs == 3 && pkts[1]->nb_segs == 3,
	      "segments %u %u", pkts[0]->nb_segs, pkts[1]->nb_segs);
	rte_pktmbuf_free(pkts[1]);
	rte_pktmbuf_free(pkts[0]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(used->idx == 2 && used->ring[0].id == 13 && used->ring[1].id == 10,
	      "used");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/*
 * An application that holds a whole lending cap across bursts (a FIFO, a
 * NIC's TX ring): lending pauses, so the guest gets copies and its
 * descriptors back at once, and resumes after the pause; every
 * descriptor comes back exactly once.
 */
static void
test_cap_pause(void)
{
	struct vhostzc_rxq *q = make_rxq(4);
	struct rte_mbuf *held[4], *pkts[4];
	uint32_t seen[10] = { 0 };
	uint16_t i, n;

	for (i = 0; i < 4; i++)
		post_pkt(i, 2000, i);
	CHECK(rx_all(q, held, 4) == 4 && q->stats.zc_pkts == 4, "lent");
	for (i = 4; i < 8; i++)
		post_pkt(i, 2000, i);
	n = rx_all(q, pkts, 4);
	CHECK(n == 4 && q->stats.zc_pkts == 4 &&
	      q->stats.copy[VHOSTZC_COPY_CAP] == 4, "cap held: %u copied, "
	      "%" PRIu64 " lent", n, q->stats.zc_pkts);
	CHECK(used->idx == 4, "copies returned at once: %u", used->idx);
	for (i = 0; i < n; i++) {
		CHECK(pkt_ok(pkts[i], 2000, 4 + i), "copy bytes %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	for (i = 0; i < 4; i++) {
		CHECK(pkt_ok(held[i], 2000, i), "held bytes %u", i);
		rte_pktmbuf_free(held[i]);
	}
	/* Still paused, though nothing is held now. */
	post_pkt(8, 2000, 8);
	CHECK(rx_all(q, pkts, 1) == 1 && q->stats.zc_pkts == 4 &&
	      q->stats.copy[VHOSTZC_COPY_HELD] == 1, "paused");
	rte_pktmbuf_free(pkts[0]);
	rte_delay_us_sleep(2 * in.zc.hold_us);
	post_pkt(9, 2000, 9);
	CHECK(rx_all(q, pkts, 1) == 1 && q->stats.zc_pkts == 5 &&
	      pkt_ok(pkts[0], 2000, 9), "lends again after the pause");
	rte_pktmbuf_free(pkts[0]);
	CHECK(vhostzc_rx_burst(q, pkts, 1) == 0 && used->idx == 10 &&
	      q->lent == 0, "all back: used %u, lent %u", used->idx, q->lent);
	for (i = 0; i < 10; i++)
		seen[used->ring[i].id]++;
	for (i = 0; i < 10; i++)
		CHECK(seen[i] == 1, "head %u returned %u times", i, seen[i]);
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/* Past the lending cap the guest keeps moving: packets are copied. */
static void
test_cap(void)
{
	struct vhostzc_rxq *q = make_rxq(4);
	struct rte_mbuf *pkts[10];
	uint16_t i, n;

	for (i = 0; i < 10; i++)
		post_pkt(i, 2000, i);
	n = rx_all(q, pkts, 10);
	CHECK(n == 10, "received %u", n);
	CHECK(q->stats.zc_pkts == 4 && q->stats.copied_pkts == 6 &&
	      q->stats.copy[VHOSTZC_COPY_CAP] == 6, "zc %" PRIu64 " copied %" PRIu64,
	      q->stats.zc_pkts, q->stats.copied_pkts);
	CHECK(used->idx == 6, "copies returned at once: %u", used->idx);
	for (i = 0; i < n; i++) {
		CHECK(pkt_ok(pkts[i], 2000, i), "bytes %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	/* A burst with nothing new still reclaims. */
	CHECK(vhostzc_rx_burst(q, pkts, 10) == 0, "empty");
	CHECK(used->idx == 10 && q->lent == 0, "all back");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/* With no cap, a guest ring running low still switches to copying. */
static void
test_ring_low(void)
{
	struct vhostzc_rxq *q = make_rxq(RING);
	static struct rte_mbuf *pkts[RING];
	uint16_t i, n = 0;

	for (i = 0; i < 240; i++)
		post_pkt(i, 1500, i);
	while (n < 240) {
		uint16_t got = vhostzc_rx_burst(q, pkts + n, 32);

		if (got == 0)
			break;
		n += got;
	}
	CHECK(n == 240, "received %u", n);
	CHECK(q->stats.copy[VHOSTZC_COPY_RING_LOW] > 0 && q->lent <= RING - RING / 8,
	      "ring low: %" PRIu64 " copied, %u lent",
	      q->stats.copy[VHOSTZC_COPY_RING_LOW], q->lent);
	CHECK(q->stats.zc_pkts + q->stats.copied_pkts == 240, "all counted");
	for (i = 0; i < n; i++) {
		CHECK(pkt_ok(pkts[i], 1500, i), "bytes %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(used->idx == 240 && q->lent == 0, "all back");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/* Bad chains are returned with length 0 and counted, never delivered. */
static void
test_malformed(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mbuf *pkts[8];
	uint16_t n;

	post_pkt(1, 100, 1);
	desc[1].next = 999;
	desc[1].flags = VZC_DESC_F_NEXT;		/* next out of range */
	post_pkt(2, 100, 2);
	desc[2].addr = 0x1000;				/* outside memory */
	post_pkt(3, 100, 3);
	desc[3].len = 0;				/* zero length */
	post_pkt(4, 100, 4);
	desc[4].len = HDR;				/* header only */
	post_pkt(5, 1000, 5);				/* good, lent */
	avail->ring[avail->idx % RING] = 5000;		/* head out of range */
	avail->idx++;
	n = rx_all(q, pkts, 8);
	CHECK(n == 1 && pkt_ok(pkts[0], 1000, 5), "only the good one: %u", n);
	CHECK(q->stats.bad_desc == 5, "bad %" PRIu64, q->stats.bad_desc);
	CHECK(used->idx == 4 && used->ring[0].len == 0, "bad ones returned");
	/* The guest re-posts head 5 while we still hold it. */
	avail->ring[avail->idx % RING] = 5;
	avail->idx++;
	CHECK(vhostzc_rx_burst(q, pkts + 1, 1) == 0 && q->stats.bad_desc == 6,
	      "duplicate head refused");
	/* ... and again as a short packet, which would be copied: a copy
	 * returns its head at once, so this one must be refused first.
	 */
	desc[5].len = HDR + 64;
	avail->ring[avail->idx % RING] = 5;
	avail->idx++;
	CHECK(vhostzc_rx_burst(q, pkts + 1, 1) == 0 && q->stats.bad_desc == 7 &&
	      used->idx == 4, "held head never returned by the copy path");
	rte_pktmbuf_free(pkts[0]);
	vhostzc_rx_burst(q, pkts, 1);
	CHECK(used->idx == 5 && q->lent == 0, "lent one back");
	/* A runaway avail index is refused without reading the ring. */
	avail->idx += RING + 1;
	CHECK(vhostzc_rx_burst(q, pkts, 8) == 0 && q->stats.bad_desc == 8 &&
	      q->ring_broken, "runaway index");
	CHECK(vhostzc_rx_burst(q, pkts, 8) == 0 &&
	      vhostzc_rx_burst(q, pkts, 8) == 0 && q->stats.bad_desc == 8,
	      "a broken ring is counted once, not per poll");
	avail->idx -= RING + 1;
	CHECK(vhostzc_rx_burst(q, pkts, 8) == 0 && !q->ring_broken,
	      "and recovers when the index is sane again");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/*
 * Stop with mbufs held: every descriptor is returned at once, the held
 * mbufs stay readable, and their late frees touch no ring.
 */
static void
test_stop_with_lent(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	uint32_t lenders = vhostzc_lender_count();
	struct rte_mbuf *pkts[3];
	uint16_t i;

	for (i = 0; i < 3; i++)
		post_pkt(i, 4000, 40 + i);
	CHECK(rx_all(q, pkts, 3) == 3 && q->lent == 3, "lent 3");
	vhostzc_rxqs_return_lent(&q, 1, in.zc.freeze_budget);
	CHECK(used->idx == 3 && q->lent == 0 &&
	      q->stats.reclaimed_at_stop == 3, "returned at stop");
	CHECK(q->stats.snapshot_failed == 0, "pages frozen");
	vhostzc_lender_orphan(q->lender);	/* what the stop path does */
	q->lender = NULL;
	/* The guest reuses its buffers: the app must not see it. */
	for (i = 0; i < 3; i++)
		memset(buf_of(i), 0xee, BUF_STRIDE);
	CHECK(host_of(q, buf_of(5))[0] == 0 && (host_of(q, buf_of(5))[0] = 1) &&
	      buf_of(5)[0] == 1, "other pages still shared with the guest");
	CHECK(vhostzc_lender_count() == lenders, "lender kept by the mbufs");
	for (i = 0; i < 3; i++) {
		CHECK(pkt_ok(pkts[i], 4000, 40 + i), "held bytes %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	CHECK(vhostzc_reap_orphans() == 0 &&
	      vhostzc_lender_count() == lenders - 1, "lender freed by the reaper");
	CHECK(used->idx == 3, "late frees wrote nothing");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/*
 * Stop with chains lent from DMA-mapped memory (IOVA as VA with VFIO):
 * nothing is frozen, so the CPU and a device keep reading the same page;
 * the descriptors still go back at once, counted as not frozen.
 */
static void
test_stop_dma_mapped(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mbuf *pkts[2];
	uint16_t i;

	/* What vhostzc_memgen_create records after a VFIO DMA map. */
	q->mem->map[0].dma_mapped = true;
	vhostzc_memgen_set_iova(q->mem, VHOSTZC_IOVA_VA_DMA, NULL, NULL);
	vhostzc_rxq_zc_mode(q);
	CHECK(q->zc && q->lend_mode == VHOSTZC_IOVA_VA_DMA, "lends DMA-mapped");
	for (i = 0; i < 2; i++)
		post_pkt(i, 4000, 60 + i);
	CHECK(rx_all(q, pkts, 2) == 2 && q->lent == 2, "lent 2");
	vhostzc_rxqs_return_lent(&q, 1, in.zc.freeze_budget);
	CHECK(used->idx == 2 && q->lent == 0 && q->stats.snapshot_failed == 2,
	      "returned at once, not frozen");
	vhostzc_lender_orphan(q->lender);
	q->lender = NULL;
	memset(buf_of(0), 0xee, BUF_STRIDE);
	CHECK(rte_pktmbuf_mtod(pkts[0]->next, uint8_t *)[0] == 0xee,
	      "one page for CPU and device: the guest's rewrite is seen");
	rte_pktmbuf_free_bulk(pkts, 2);
	CHECK(vhostzc_reap_orphans() == 0, "lender freed");
	/* The test never mapped anything in VFIO: nothing to unmap. */
	q->mem->map[0].dma_mapped = false;
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/*
 * Legal chains longer than one walk step (virtio bounds a chain only by
 * the ring size) and packets that need more mbufs than VHOSTZC_MAX_SEGS
 * are received, copied; a bad descriptor past the first step still drops
 * the chain, returned once.
 */
static void
test_long_chains(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mempool *small = rte_pktmbuf_pool_create("small_pool", 1023,
		0, 0, RTE_PKTMBUF_HEADROOM + VHOSTZC_ZC_HEAD_LEN, SOCKET_ID_ANY);
	struct rte_mbuf *pkts[2];
	uint8_t *b = buf_of(10);
	uint16_t i;

	/* Head 10: the header, then 99 pieces of 15 B, 17 B apart. */
	memset(b, 0, HDR);
	desc[10] = (struct vzc_desc){ gpa_of(b), HDR, VZC_DESC_F_NEXT, 11 };
	for (i = 0; i < 99; i++) {
		uint8_t *piece = b + 64 + 17 * i;
		uint32_t k;

		for (k = 0; k < 15; k++)
			piece[k] = pattern(70, 15 * i + k);
		desc[11 + i] = (struct vzc_desc){ gpa_of(piece), 15,
			i == 98 ? 0 : VZC_DESC_F_NEXT, 12 + i };
	}
	avail->ring[avail->idx++ % RING] = 10;
	CHECK(rx_all(q, pkts, 1) == 1 && pkt_ok(pkts[0], 99 * 15, 70),
	      "100 descriptors received intact");
	CHECK(q->stats.bad_desc == 0 && q->stats.copy[VHOSTZC_COPY_LAYOUT] == 1 &&
	      used->idx == 1, "copied, returned at once");
	rte_pktmbuf_free(pkts[0]);

	/* The same with a bad address in the 80th piece: dropped once. */
	desc[90].addr = 0x10;
	avail->ring[avail->idx++ % RING] = 10;
	CHECK(rx_all(q, pkts, 1) == 0 && q->stats.bad_desc == 1 &&
	      used->idx == 2 && used->ring[1].id == 10, "bad past 64 pieces");

	/* 30000 B into 128 B mbufs: 235 segments. */
	q->mp = small;
	q->data_room = VHOSTZC_ZC_HEAD_LEN;
	q->zc = false;
	post_at(20, buf_of(20), 30000, 71);
	CHECK(rx_all(q, pkts, 1) == 1 && pkt_ok(pkts[0], 30000, 71) &&
	      pkts[0]->nb_segs == 235, "needs more than %u mbufs",
	      VHOSTZC_MAX_SEGS);
	CHECK(q->stats.bad_desc == 1 && used->idx == 3, "received, returned");
	rte_pktmbuf_free(pkts[0]);
	CHECK(rte_mempool_avail_count(small) == 1023, "small pool full");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	rte_mempool_free(small);
	free_rxq(q);
}

/*
 * The freeze budget of a stop: pages are copied once however many chains
 * share them, and a chain whose pages do not fit is returned unfrozen,
 * counted (its bytes are then the guest's again).
 */
static void
test_freeze_budget(void)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	struct rte_mbuf *pkts[3];
	uint16_t i;

	/* Chains 0 and 1 in one page, chain 2 in another. */
	post_at(0, buf_of(0), 1500, 80);
	post_at(1, buf_of(0) + 2048, 1500, 81);
	post_at(2, buf_of(1), 1500, 82);
	CHECK(rx_all(q, pkts, 3) == 3 && q->lent == 3, "lent 3");
	vhostzc_rxqs_return_lent(&q, 1, page_size);
	CHECK(used->idx == 3 && q->lent == 0 && q->stats.reclaimed_at_stop == 3,
	      "all returned at once");
	CHECK(q->stats.snapshot_failed == 1 && q->stats.freeze_over_budget == 1,
	      "one page frozen for two chains, the third over budget: "
	      "%" PRIu64 " %" PRIu64, q->stats.snapshot_failed,
	      q->stats.freeze_over_budget);
	vhostzc_lender_orphan(q->lender);
	q->lender = NULL;
	memset(buf_of(0), 0xee, 2 * BUF_STRIDE);
	CHECK(pkt_ok(pkts[0], 1500, 80) && pkt_ok(pkts[1], 1500, 81),
	      "frozen chains keep their bytes");
	CHECK(!pkt_ok(pkts[2], 1500, 82), "the unfrozen one is the guest's");
	for (i = 0; i < 3; i++)
		rte_pktmbuf_free(pkts[i]);
	CHECK(vhostzc_reap_orphans() == 0, "lender freed");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	free_rxq(q);
}

/*
 * The SIGBUS guard: a read of guarded memory whose file shrank completes
 * (zeros), the owner hears of it on the EAL interrupt thread; a SIGBUS
 * anywhere else goes to the handler that was there before.
 */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;	/* bus_jmp valid on this thread */
static pthread_t bus_thread;
static volatile sig_atomic_t prev_bus_hits;
static volatile uint64_t fault_owner;
static volatile uint32_t fault_count;

/*
 * The handler before ours. It jumps back only into a probe that is armed
 * on the thread that armed it: any other SIGBUS (another thread, or after
 * this test) takes the default action instead of a stale jump.
 */
static void
prev_bus_handler(int sig)
{
	if (bus_armed && pthread_equal(pthread_self(), bus_thread)) {
		prev_bus_hits++;
		bus_armed = 0;
		siglongjmp(bus_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
test_fault_cb(uint64_t owner, uint32_t n)
{
	fault_owner = owner;
	__atomic_add_fetch(&fault_count, n, __ATOMIC_RELEASE);
}

/* A 64 KiB shared mapping of a memfd that is then truncated to nothing. */
static volatile uint8_t *
shrunk_mapping(int *fd)
{
	uint8_t *p;

	*fd = memfd_create("vzc_guard", 0);
	if (*fd < 0 || ftruncate(*fd, 64 << 10) != 0)
		return NULL;
	p = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, 64 << 10);
	return p;
}

static void
test_guard(void)
{
	struct sigaction sa = { .sa_handler = prev_bus_handler };
	uint64_t faults0 = vhostzc_guard_faults();
	volatile uint8_t *p, *q;
	uint8_t v = 0xff;
	int fd, fd2, h, i;

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "a handler before ours");
	CHECK(vhostzc_guard_init(test_fault_cb) == 0, "guard installed");
	p = shrunk_mapping(&fd);
	h = p != NULL ? vhostzc_guard_add((const void *)p, 64 << 10, 42) : -1;
	CHECK(h >= 0, "guarded");
	if (h < 0)
		return;
	CHECK(ftruncate(fd, 0) == 0, "file shrunk under the mapping");
	bus_thread = pthread_self();
	if (sigsetjmp(bus_jmp, 1) == 0) {
		bus_armed = 1;
		v = p[8192];
	}
	bus_armed = 0;
	CHECK(v == 0 && prev_bus_hits == 0 &&
	      vhostzc_guard_faults() == faults0 + 1,
	      "read completed as zeros: %u, %d earlier-handler hits", v,
	      (int)prev_bus_hits);
	for (i = 0; i < 1000 &&
	     __atomic_load_n(&fault_count, __ATOMIC_ACQUIRE) == 0; i++)
		usleep(1000);
	CHECK(fault_count == 1 && fault_owner == 42,
	      "owner told on the interrupt thread: %u x %" PRIu64,
	      fault_count, fault_owner);
	CHECK(p[0] == 0 && p[(64 << 10) - 1] == 0 && vhostzc_guard_faults() ==
	      faults0 + 1, "the whole mapping is zeros now, no second fault");
	vhostzc_guard_del(h);
	munmap((void *)(uintptr_t)p, 64 << 10);
	close(fd);

	/* Not guarded: the earlier handler gets it. */
	q = shrunk_mapping(&fd2);
	CHECK(q != NULL && ftruncate(fd2, 0) == 0, "unguarded, shrunk");
	if (q != NULL && sigsetjmp(bus_jmp, 1) == 0) {
		bus_armed = 1;
		v = q[0];
	}
	bus_armed = 0;
	CHECK(prev_bus_hits == 1 && vhostzc_guard_faults() == faults0 + 1,
	      "chained to the earlier handler");
	if (q != NULL)
		munmap((void *)(uintptr_t)q, 64 << 10);
	close(fd2);
	CHECK(vhostzc_guard_add(NULL, 1, 1) == -EINVAL &&
	      vhostzc_guard_add((const void *)&v, 1, 0) == -EINVAL,
	      "bad ranges refused");
}

/*
 * Packed rings through the same datapath: a driver of the test's own posts
 * one slot per packet (the header pushed in front), reads used slots in
 * place, and checks each buffer id comes back exactly once.
 */
struct pdriver {
	struct vzc_pdesc *slots;
	uint16_t avail_idx, used_idx;
	bool avail_wrap, used_wrap;
	uint8_t back[RING];	/* times each id came back */
	uint16_t posted[RING];	/* the id posted in each slot */
	uint32_t out;		/* posted, not back yet */
	uint32_t bad;		/* in order: walks that missed the used id */
};

static struct vhostzc_rxq *
make_rxq_packed(struct pdriver *d, uint32_t max_lent)
{
	struct vhostzc_rxq *q = make_rxq(max_lent);

	memset(d, 0, sizeof(*d));
	d->slots = (struct vzc_pdesc *)(gmem + RING_OFF);
	d->avail_wrap = d->used_wrap = true;
	q->vr.packed = true;
	q->vr.pdesc = d->slots;
	q->vr.driver_event = (struct vzc_pevent *)(gmem + RING_OFF + (40 << 10));
	q->vr.device_event = q->vr.driver_event + 1;
	vzc_ring_set_base(&q->vr, 0x8000, 0x8000);
	return q;
}

static void
ppost_pkt(struct pdriver *d, uint16_t id, uint32_t len, uint32_t seq)
{
	uint8_t *b = buf_of(id);
	struct vzc_pdesc *sl = &d->slots[d->avail_idx];
	uint32_t i;

	memset(b, 0, HDR);
	for (i = 0; i < len; i++)
		b[HDR + i] = pattern(seq, i);
	sl->addr = gpa_of(b);
	sl->len = HDR + len;
	sl->id = id;
	d->posted[d->avail_idx] = id;
	d->out++;
	__atomic_store_n(&sl->flags, d->avail_wrap ? VZC_PDESC_F_AVAIL :
			 VZC_PDESC_F_USED, __ATOMIC_RELEASE);
	if (++d->avail_idx == RING) {
		d->avail_idx = 0;
		d->avail_wrap = !d->avail_wrap;
	}
}

/* The next slot the device gave back, or NULL; pnext_used steps past it. */
static struct vzc_pdesc *
pused_slot(const struct pdriver *d)
{
	struct vzc_pdesc *sl = &d->slots[d->used_idx];
	uint16_t f = __atomic_load_n(&sl->flags, __ATOMIC_ACQUIRE);

	return ((f & VZC_PDESC_F_AVAIL) != 0) == d->used_wrap &&
		((f & VZC_PDESC_F_USED) != 0) == d->used_wrap ? sl : NULL;
}

static void
pnext_used(struct pdriver *d)
{
	if (++d->used_idx == RING) {
		d->used_idx = 0;
		d->used_wrap = !d->used_wrap;
	}
}

/* Read every used slot the device wrote; returns how many. */
static uint32_t
preap(struct pdriver *d)
{
	struct vzc_pdesc *sl;
	uint32_t n = 0;

	while ((sl = pused_slot(d)) != NULL) {
		if (sl->id < RING)
			d->back[sl->id]++;
		n++;
		d->out--;
		pnext_used(d);
	}
	return n;
}

/*
 * As an IN_ORDER driver reads them (DPDK's virtio does so): one used slot
 * may stand for a run of chains, with the id of the run's last; the
 * driver walks its own posts up to it. Returns the chains back; *ndesc
 * counts the used slots read.
 */
static uint32_t
preap_in_order(struct pdriver *d, uint32_t *ndesc)
{
	struct vzc_pdesc *sl;
	uint32_t n = 0;

	while ((sl = pused_slot(d)) != NULL && d->out != 0) {
		uint16_t last = sl->id, id;

		(*ndesc)++;
		do {
			id = d->posted[d->used_idx];
			d->back[id]++;
			n++;
			d->out--;
			pnext_used(d);
		} while (id != last && d->out != 0);
		d->bad += id != last;
	}
	return n;
}

static void
test_packed(void)
{
	static const uint32_t sizes[] = { 64, 511, 512, 1518, 9000 };
	struct pdriver d;
	struct vhostzc_rxq *q = make_rxq_packed(&d, RING / 2);
	struct rte_mbuf *pkts[8];
	uint32_t k, once = 0;
	uint16_t i, n;

	for (i = 0; i < RTE_DIM(sizes); i++)
		ppost_pkt(&d, i, sizes[i], i);
	n = rx_all(q, pkts, RTE_DIM(sizes));
	CHECK(n == RTE_DIM(sizes), "packed: received %u", n);
	for (i = 0; i < n; i++)
		CHECK(pkt_ok(pkts[i], sizes[i], i), "packed: bytes of %u B",
		      sizes[i]);
	CHECK(q->stats.copied_pkts == 2 && q->stats.zc_pkts == 3,
	      "packed: copied %" PRIu64 " zc %" PRIu64, q->stats.copied_pkts,
	      q->stats.zc_pkts);
	CHECK(preap(&d) == 2 && d.back[0] == 1 && d.back[1] == 1,
	      "packed: copies returned at once, in place");
	/* Free out of order: 9000, 512, 1518. */
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	rte_pktmbuf_free(pkts[4]);
	rte_pktmbuf_free(pkts[2]);
	rte_pktmbuf_free(pkts[3]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(preap(&d) == 3 && d.back[2] == 1 && d.back[3] == 1 &&
	      d.back[4] == 1 && q->lent == 0, "packed: lent ones back once");

	/* Three laps of the ring, lending and freeing one at a time. */
	memset(d.back, 0, sizeof(d.back));
	for (k = 0; k < 3 * RING; k++) {
		ppost_pkt(&d, (uint16_t)(k % RING), 1500, k);
		if (rx_all(q, pkts, 1) != 1 || !pkt_ok(pkts[0], 1500, k))
			break;
		rte_pktmbuf_free(pkts[0]);
		vhostzc_rxq_reclaim_and_publish(q);
		preap(&d);
	}
	for (i = 0; i < RING; i++)
		once += d.back[i] == 3;
	CHECK(k == 3 * RING && once == RING,
	      "packed: three laps, every id back once a lap (%u, %u)", k, once);

	/* A stop with chains lent: all back at once, their bytes kept. */
	memset(d.back, 0, sizeof(d.back));
	for (i = 0; i < 3; i++)
		ppost_pkt(&d, i, 4000, 90 + i);
	CHECK(rx_all(q, pkts, 3) == 3 && q->lent == 3, "packed: lent 3");
	vhostzc_rxqs_return_lent(&q, 1, in.zc.freeze_budget);
	CHECK(preap(&d) == 3 && d.back[0] == 1 && d.back[1] == 1 &&
	      d.back[2] == 1 && q->stats.snapshot_failed == 0,
	      "packed: returned at the stop, frozen");
	vhostzc_lender_orphan(q->lender);
	q->lender = NULL;
	memset(buf_of(0), 0xee, 3 * BUF_STRIDE);
	for (i = 0; i < 3; i++) {
		CHECK(pkt_ok(pkts[i], 4000, 90 + i), "packed: held bytes %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	CHECK(vhostzc_reap_orphans() == 0, "packed: lender freed");
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "packed: pool full");
	free_rxq(q);
}

/*
 * Packed and IN_ORDER: chains go back in take order, a run of them as one
 * used slot (its last id), each exactly once, whatever order the
 * application frees in.
 */
static void
test_packed_in_order(void)
{
	static const uint32_t sizes[] = { 64, 511, 1518, 4000, 9000 };
	struct pdriver d;
	struct vhostzc_rxq *q = make_rxq_packed(&d, RING / 2);
	struct rte_mbuf *pkts[RING];
	uint32_t k, ndesc = 0, once = 0;
	uint16_t i, n;

	vhostzc_rxq_order_setup(q, true);
	for (i = 0; i < RTE_DIM(sizes); i++)
		ppost_pkt(&d, i, sizes[i], i);
	n = rx_all(q, pkts, RTE_DIM(sizes));
	CHECK(n == RTE_DIM(sizes) && q->stats.copied_pkts == 2 &&
	      q->stats.zc_pkts == 3, "in order: received %u, copied %" PRIu64,
	      n, q->stats.copied_pkts);
	for (i = 0; i < n; i++)
		CHECK(pkt_ok(pkts[i], sizes[i], i), "in order: bytes of %u B",
		      sizes[i]);
	CHECK(preap_in_order(&d, &ndesc) == 2 && ndesc == 1 &&
	      d.back[0] == 1 && d.back[1] == 1,
	      "in order: both copies in one used slot (%u)", ndesc);
	/* The last lent one first: nothing may go back yet. */
	rte_pktmbuf_free(pkts[4]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(preap_in_order(&d, &ndesc) == 0, "in order: 9000 B held back");
	rte_pktmbuf_free(pkts[2]);
	rte_pktmbuf_free(pkts[3]);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	vhostzc_rxq_reclaim_and_publish(q);
	CHECK(preap_in_order(&d, &ndesc) == 3 && ndesc == 2 &&
	      d.back[2] == 1 && d.back[3] == 1 && d.back[4] == 1 &&
	      q->lent == 0, "in order: three lent ones in one used slot (%u)",
	      ndesc);

	/* Laps of the ring in bursts of 7 lent chains, freed backwards. */
	memset(d.back, 0, sizeof(d.back));
	for (k = 0; k < 3 * RING; k += 7) {
		for (i = 0; i < 7; i++)
			ppost_pkt(&d, (uint16_t)((k + i) % RING), 1500, k + i);
		if (rx_all(q, pkts, 7) != 7)
			break;
		for (i = 7; i-- > 0;) {
			if (!pkt_ok(pkts[i], 1500, k + i))
				break;
			rte_pktmbuf_free(pkts[i]);
		}
		vhostzc_rxq_reclaim_and_publish(q);
		preap_in_order(&d, &ndesc);
	}
	for (i = 0; i < RING; i++)
		once += d.back[i] >= 3;
	CHECK(k >= 3 * RING && d.out == 0 && once == RING && q->lent == 0 &&
	      d.bad == 0, "in order: laps, every id back (%u, %u out, %u, %u bad)",
	      k, d.out, once, d.bad);
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "in order: pool full");
	free_rxq(q);
}

/* Frees on another lcore, concurrent with rx: every descriptor returns. */
static struct rte_ring *hand_off;
static volatile bool producer_done;
static uint64_t consumer_bad;

static int
consumer(void *arg __rte_unused)
{
	struct rte_mbuf *m[32];
	unsigned int n, i;

	for (;;) {
		n = rte_ring_sc_dequeue_burst(hand_off, (void **)m, 32, NULL);
		if (n == 0) {
			if (__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE) &&
			    rte_ring_count(hand_off) == 0)
				break;
			continue;
		}
		for (i = 0; i < n; i++) {
			uint32_t seq = seq_of_pkt(m[i]);

			if (!pkt_ok(m[i], 1024, seq))
				consumer_bad++;
			rte_pktmbuf_free(m[i]);
		}
	}
	return 0;
}

static void
test_cross_thread(uint32_t total)
{
	struct vhostzc_rxq *q = make_rxq(RING / 2);
	uint16_t free_heads[RING], nfree = RING, i;
	uint32_t posted = 0, got = 0;
	struct rte_mbuf *pkts[32];

	for (i = 0; i < RING; i++)
		free_heads[i] = i;
	hand_off = rte_ring_create("hand_off", 4096, SOCKET_ID_ANY,
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	producer_done = false;
	consumer_bad = 0;
	/* The freeing side runs on a second EAL lcore. */
	if (rte_eal_remote_launch(consumer, NULL, rte_get_next_lcore(-1, 1, 0)) != 0) {
		CHECK(false, "second lcore available");
		return;
	}
	while (got < total) {
		uint16_t n, k;

		/* Guest driver: reap used entries, post fresh packets. */
		while (drv_used_seen !=
		       __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE)) {
			free_heads[nfree++] =
				used->ring[drv_used_seen % RING].id;
			drv_used_seen++;
		}
		while (nfree > 0 && posted < total) {
			uint16_t h = free_heads[--nfree];

			post_pkt(h, 1024, posted++);
		}
		n = vhostzc_rx_burst(q, pkts, 32);
		got += n;
		for (k = 0; k < n;)
			k += rte_ring_sp_enqueue_burst(hand_off,
				(void **)pkts + k, n - k, NULL);
	}
	__atomic_store_n(&producer_done, true, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	vhostzc_rxq_reclaim_and_publish(q);

	CHECK(consumer_bad == 0, "%" PRIu64 " packets corrupted", consumer_bad);
	CHECK(q->stats.zc_pkts + q->stats.copied_pkts == total, "all received");
	CHECK(q->stats.zc_pkts > 0, "zero-copy happened: %" PRIu64,
	      q->stats.zc_pkts);
	CHECK(q->lent == 0 && q->stats.returned == q->stats.zc_pkts,
	      "lent %u", q->lent);
	CHECK(used->idx == (uint16_t)total, "every descriptor back: used %u",
	      used->idx);
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
	rte_ring_free(hand_off);
	free_rxq(q);
}

/* The IOVA a device would use for the host byte p of the driver's mapping. */
static rte_iova_t
expected_iova(struct vhostzc_rxq *q, const uint8_t *p)
{
	if (iova_mode == VHOSTZC_IOVA_PA)
		return fake_virt2phys(p, q->mem->map[0].base);
	return (rte_iova_t)(uintptr_t)p;
}

/* Every guest segment of m: IOVA right at its first and its last byte. */
static bool
iovas_ok(struct vhostzc_rxq *q, struct rte_mbuf *m, uint16_t *ext_segs)
{
	bool ok = true;

	*ext_segs = 0;
	for (; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		rte_iova_t iova = rte_mbuf_data_iova(m);

		if (!RTE_MBUF_HAS_EXTBUF(m))
			continue;
		(*ext_segs)++;
		if (iova != expected_iova(q, p) ||
		    iova + m->data_len - 1 !=
		    expected_iova(q, p + m->data_len - 1)) {
			fprintf(stderr, "segment at %p: iova %#" PRIx64
				", expected %#" PRIx64 "\n", (const void *)p,
				iova, expected_iova(q, p));
			ok = false;
		}
	}
	return ok;
}

/*
 * IOVA of every lent segment, in VA and PA mode, for a payload inside one
 * page, across two physically contiguous pages and across two that are
 * not: the latter is split into two segments with RX scatter and copied
 * (counted) without.
 */
static void
test_iova(enum vhostzc_iova_mode mode, bool linear)
{
	uint8_t *in_page = buf_of(1);			/* page 0 */
	uint8_t *at_2m = gmem + FAKE_PG - 2000;		/* pages 0 and 1 */
	static const char *const what[] = {
		"inside a page", "across contiguous pages",
		"across discontiguous pages",
	};
	struct rte_mbuf *pkts[3];
	struct vhostzc_rxq *q;
	uint16_t i, segs;

	iova_mode = mode;
	page_size = mode == VHOSTZC_IOVA_PA ? FAKE_PG : 4096;
	for (i = 0; i < 3; i++) {
		bool split = mode == VHOSTZC_IOVA_PA && i == 2;

		fake_phys = i == 2 ? phys_split : phys_contig;
		q = make_rxq(RING / 2);
		q->linear = linear;
		CHECK(q->zc && q->lend_mode == mode, "lends in mode %d", mode);
		post_at(1, i == 0 ? in_page : at_2m, 4000, 90 + i);
		CHECK(rx_all(q, pkts, 1) == 1 && pkt_ok(pkts[0], 4000, 90 + i),
		      "received %s", what[i]);
		if (split && linear) {
			CHECK(!RTE_MBUF_HAS_EXTBUF(pkts[0]) &&
			      q->stats.copy[VHOSTZC_COPY_IOVA_SPLIT] == 1,
			      "one-segment layout: copied, counted");
		} else {
			CHECK(iovas_ok(q, pkts[0], &segs), "IOVAs %s (mode %d)",
			      what[i], mode);
			CHECK(segs == (split ? 2 : 1) && q->stats.zc_pkts == 1,
			      "%u guest segments %s", segs, what[i]);
		}
		rte_pktmbuf_free(pkts[0]);
		vhostzc_rxq_reclaim_and_publish(q);
		CHECK(used->idx == 1 && q->lent == 0, "returned once");
		CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "pool full");
		free_rxq(q);
	}
	iova_mode = VHOSTZC_IOVA_VA;
	page_size = 4096;
	fake_phys = phys_contig;
}

/* Small pages under PA: no IOVA exists, so nothing is lent (counted). */
static void
test_no_iova(void)
{
	struct rte_mbuf *pkt;
	struct vhostzc_rxq *q;

	iova_mode = VHOSTZC_IOVA_PA;
	page_size = 4096;
	q = make_rxq(RING / 2);
	CHECK(!q->zc && q->mem->mode == VHOSTZC_IOVA_NONE &&
	      q->mem->no_iova_why != NULL, "small pages: no IOVA");
	post_pkt(3, 4000, 77);
	CHECK(rx_all(q, &pkt, 1) == 1 && pkt_ok(pkt, 4000, 77) &&
	      !RTE_MBUF_HAS_EXTBUF(pkt), "copied");
	CHECK(q->stats.copy[VHOSTZC_COPY_NO_IOVA] == 1 && used->idx == 1,
	      "counted as no IOVA, returned at once");
	rte_pktmbuf_free(pkt);
	free_rxq(q);
	iova_mode = VHOSTZC_IOVA_VA;
}

int
main(int argc, char **argv)
{
	uint32_t total = 2000000;
	uint32_t memgens, lenders;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (getenv("VZC_CROSS_PACKETS") != NULL)
		total = (uint32_t)strtoul(getenv("VZC_CROSS_PACKETS"), NULL, 0);
	gmem_fd = memfd_create("guest", 0);
	if (gmem_fd < 0 || ftruncate(gmem_fd, GMEM_SIZE) != 0)
		return 1;
	gmem = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    gmem_fd, 0);
	/* No per-lcore cache, so that "pool full" is exact. */
	mp = rte_pktmbuf_pool_create("test_pool", POOL_SIZE, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (gmem == MAP_FAILED || mp == NULL) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	in.zc.enabled = true;
	in.zc.min_len = 512;
	in.zc.freeze_budget = (uint64_t)VHOSTZC_DEFAULT_FREEZE_KB << 10;
	in.zc.hold_us = 20000;	/* the lending pause: long enough to see */
	memgens = vhostzc_memgen_count();
	lenders = vhostzc_lender_count();

	VZC_RUN(test_copy_and_zc);
	VZC_RUN(test_chains);
	VZC_RUN(test_linear);
	VZC_RUN(test_cap);
	VZC_RUN(test_cap_pause);
	VZC_RUN(test_ring_low);
	VZC_RUN(test_malformed);
	VZC_RUN(test_stop_with_lent);
	VZC_RUN(test_stop_dma_mapped);
	VZC_RUN(test_long_chains);
	VZC_RUN(test_freeze_budget);
	VZC_RUN(test_guard);
	VZC_RUN(test_packed);
	VZC_RUN(test_packed_in_order);
	VZC_RUN(test_iova, VHOSTZC_IOVA_VA, false);
	VZC_RUN(test_iova, VHOSTZC_IOVA_VA, true);
	VZC_RUN(test_iova, VHOSTZC_IOVA_PA, false);
	VZC_RUN(test_iova, VHOSTZC_IOVA_PA, true);
	VZC_RUN(test_no_iova);
	VZC_RUN(test_cross_thread, total);

	CHECK(vhostzc_lender_count() == lenders, "no lender leaked");
	CHECK(vhostzc_memgen_count() == memgens, "no mapping leaked");
	rte_mempool_free(mp);
	munmap(gmem, GMEM_SIZE);
	close(gmem_fd);
	fprintf(stderr, "== rte_eal_cleanup\n");
	rte_eal_cleanup();
	return vzc_test_summary("test_datapath");
}
