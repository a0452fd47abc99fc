/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * IN_ORDER receive over a fake guest (vzc_fake_guest.h, two views of
 * guest memory as the driver maps it): used entries come back in the
 * order the chains were taken whatever order the application frees them
 * in, chains copied behind a lent one wait for it, a lent chain that
 * holds the others back too long or while the ring runs low is handed
 * back early with its pages frozen (the application keeps its bytes, the
 * guest reuses the buffer, later chains over that page are copied), the
 * page is restored when the held mbuf comes back, and a stop returns the
 * rest in order. The test reads the used ring as the guest would: every
 * head exactly once, in take order. No EAL device, no socket.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vhostzc.h"
#include "vzc_fake_guest.h"
#include "vzc_test.h"

#define RING		16
#define HDR		12
#define GMEM_GPA	0x40000000ULL
#define GMEM_SIZE	(4u << 20)
#define BUF_STRIDE	(16u << 10)	/* guest buffer per head: own pages */
#define RING_OFF	(2u << 20)
#define POOL_SIZE	1023
#define HOLD_US		20000		/* zc-hold-us for these tests */
#define BIG		1500		/* lent */
#define SMALL		64		/* copied (below zc-min-len) */

static struct vzc_fake_guest g;
static struct vhostzc_internal in;
static struct rte_mempool *mp;
static struct vhostzc_rxq *q;
/* Heads in the order the driver took them, and how many came back. */
static uint16_t taken[4096];
static uint32_t ntaken, nreturned;
static uint32_t returned[RING];
static uint8_t seq;

static uint8_t
pattern(uint16_t head, uint8_t s, uint32_t i)
{
	return (uint8_t)(head * 31 + s * 7 + i);
}

/* The guest posts head: one descriptor over its own buffer, len payload. */
static void
post(uint16_t head, uint32_t len)
{
	uint8_t *b = g.mem + (size_t)head * BUF_STRIDE;
	uint32_t i;

	seq++;
	memset(b, 0, HDR);
	for (i = 0; i < len; i++)
		b[HDR + i] = pattern(head, seq, i);
	g.desc[head] = (struct vzc_desc){
		.addr = GMEM_GPA + (uint64_t)head * BUF_STRIDE,
		.len = HDR + len,
	};
	vzc_fake_guest_avail_push(&g, head);
	taken[ntaken++] = head;
}

/* A packet's payload is what the guest wrote for head at sequence s. */
static bool
intact(struct rte_mbuf *m, uint16_t head, uint8_t s, uint32_t len)
{
	uint8_t buf[BIG];
	const uint8_t *p;
	uint32_t i;

	if (m->pkt_len != len)
		return false;
	p = rte_pktmbuf_read(m, 0, len, buf);
	for (i = 0; i < len; i++)
		if (p[i] != pattern(head, s, i))
			return false;
	return true;
}

static bool
is_lent(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (RTE_MBUF_HAS_EXTBUF(m))
			return true;
	return false;
}

/*
 * Read what the device published since the last look: each entry must be
 * the next head in take order, returned once. Returns how many came.
 */
static uint32_t
used_check(const char *when)
{
	struct vzc_used_elem e;
	uint32_t n = 0;

	CHECK(vzc_fake_guest_used_overrun(&g) == 0, "%s: used ring overrun",
	      when);
	while (vzc_fake_guest_used_pop(&g, &e)) {
		CHECK(nreturned < ntaken && e.id == taken[nreturned],
		      "%s: used entry %u is head %u, take order says %u", when,
		      nreturned, e.id, nreturned < ntaken ? taken[nreturned] :
		      0xffff);
		if (e.id < RING)
			returned[e.id]++;
		nreturned++;
		n++;
	}
	return n;
}

static uint16_t
burst(struct rte_mbuf **pkts, uint16_t n)
{
	return vhostzc_rx_burst(q, pkts, n);
}

static void
queue_open(bool in_order)
{
	struct vzc_fake_mem m = {
		.mode = VHOSTZC_IOVA_VA,
		.lend_view = true,
	};
	struct vzc_fake_rxq p = { .in_order = in_order };

	memset(returned, 0, sizeof(returned));
	ntaken = nreturned = 0;
	CHECK(vzc_fake_guest_rings(&g, RING, RING_OFF, 0) == 0, "rings");
	q = vzc_fake_guest_rxq(&g, vzc_fake_guest_memgen(&g, &m), &in, mp, &p);
	CHECK(q != NULL && q->zc && q->in_order == in_order, "queue");
}

static void
queue_close(const char *name)
{
	vzc_fake_rxqs_stop(&q, 1);
	used_check(name);
	CHECK(nreturned == ntaken, "%s: %u of %u chains came back", name,
	      nreturned, ntaken);
	vzc_fake_rxq_free(q);
	q = NULL;
	vhostzc_reap_orphans();
	CHECK(vhostzc_lender_count() == 0 && vhostzc_memgen_count() == 0,
	      "%s: %u lenders, %u mappings left", name, vhostzc_lender_count(),
	      vhostzc_memgen_count());
	CHECK(rte_mempool_avail_count(mp) == POOL_SIZE, "%s: pool %u of %u",
	      name, rte_mempool_avail_count(mp), POOL_SIZE);
}

/* Lent chains freed in a shuffled order go back in take order. */
static void
test_shuffle(void)
{
	static const uint8_t order[8] = { 5, 2, 7, 0, 1, 6, 4, 3 };
	struct rte_mbuf *pkts[8];
	bool freed[8] = { false };
	uint16_t n, i, k;

	queue_open(true);
	for (i = 0; i < 8; i++)
		post(i, BIG);
	n = burst(pkts, 8);
	CHECK(n == 8, "shuffle: %u packets", n);
	for (i = 0; i < n; i++)
		CHECK(is_lent(pkts[i]) && intact(pkts[i], i, seq - 7 + i, BIG),
		      "shuffle: packet %u", i);
	CHECK(used_check("shuffle") == 0, "nothing back before a free");
	for (k = 0; k < 8; k++) {
		uint32_t prefix = 0;

		rte_pktmbuf_free(pkts[order[k]]);
		freed[order[k]] = true;
		while (prefix < 8 && freed[prefix])
			prefix++;
		burst(NULL, 0);
		used_check("shuffle");
		CHECK(nreturned == prefix, "shuffle: after freeing %u: %u back, "
		      "%u due", order[k], nreturned, prefix);
	}
	CHECK(q->stats.returned_early == 0, "no early return");
	queue_close("shuffle");
}

/* Copies taken behind a lent chain wait for it, then go back in order. */
static void
test_copies_wait(void)
{
	struct rte_mbuf *pkts[4];
	uint16_t n, i;

	queue_open(true);
	post(0, BIG);
	for (i = 1; i < 4; i++)
		post(i, SMALL);
	n = burst(pkts, 4);
	CHECK(n == 4 && is_lent(pkts[0]) && !is_lent(pkts[1]),
	      "copies: %u packets", n);
	CHECK(used_check("copies") == 0, "copies wait behind the lent chain");
	for (i = 1; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	burst(NULL, 0);
	CHECK(used_check("copies") == 0, "still waiting");
	rte_pktmbuf_free(pkts[0]);
	burst(NULL, 0);
	CHECK(used_check("copies") == 4, "all four back, in order");
	queue_close("copies");
}

/*
 * The application holds one lent mbuf forever while the guest keeps
 * sending small packets: the ring runs low, the held chain is handed back
 * early, frozen: the guest then writes new bytes into that buffer and
 * posts it again; the held mbuf keeps the old ones, the new chain is
 * copied (its page is frozen) with the new ones. Once the held mbuf is
 * freed the page is restored and that buffer is lent again; no second
 * used entry for the held chain.
 */
static void
test_hold_ring_low(void)
{
	struct rte_mbuf *held, *pkts[RING];
	uint64_t frozen0;
	uint8_t held_seq;
	uint16_t n, i, h = 0;
	uint32_t k;

	queue_open(true);
	post(h, BIG);
	held_seq = seq;
	n = burst(&held, 1);
	CHECK(n == 1 && is_lent(held), "hold: lent");
	/* Small packets, one at a time, freed at once: they queue behind. */
	for (k = 0; k < RING && q->stats.returned_early == 0; k++) {
		post((uint16_t)(1 + k % (RING - 1)), SMALL);
		n = burst(pkts, 1);
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		used_check("hold");
	}
	CHECK(q->stats.returned_early == 1, "hold: handed back early after "
	      "%u chains (%" PRIu64 " early)", k, q->stats.returned_early);
	CHECK(returned[h] == 1 && nreturned == ntaken, "hold: %u of %u back, "
	      "the held one once", nreturned, ntaken);
	CHECK(q->stats.snapshot_failed == 0, "hold: frozen");
	CHECK(vzc_atomic_load(&q->mem->nfrozen, VZC_RELAXED) != 0,
	      "hold: a page frozen");

	/* The guest reuses the buffer: the held mbuf does not see it. */
	CHECK(intact(held, h, held_seq, BIG), "hold: held bytes before reuse");
	frozen0 = q->stats.copy[VHOSTZC_COPY_FROZEN];
	rte_delay_us_sleep(3 * HOLD_US);	/* past the lending pause */
	post(h, BIG);
	n = burst(pkts, 1);
	CHECK(n == 1 && !is_lent(pkts[0]) && intact(pkts[0], h, seq, BIG),
	      "hold: the reused buffer copied, with the guest's new bytes");
	CHECK(q->stats.copy[VHOSTZC_COPY_FROZEN] == frozen0 + 1,
	      "hold: copied because its page is frozen");
	CHECK(intact(held, h, held_seq, BIG), "hold: held bytes after reuse");
	rte_pktmbuf_free(pkts[0]);
	burst(NULL, 0);
	used_check("hold");

	/* The held mbuf comes back: nothing owed; the page is restored. */
	rte_pktmbuf_free(held);
	burst(NULL, 0);
	CHECK(used_check("hold") == 0, "hold: no second return");
	CHECK(vzc_atomic_load(&q->mem->nfrozen, VZC_RELAXED) == 0,
	      "hold: page restored");
	post(h, BIG);
	n = burst(pkts, 1);
	CHECK(n == 1 && is_lent(pkts[0]) && intact(pkts[0], h, seq, BIG),
	      "hold: lent again from the restored page, the guest's bytes");
	rte_pktmbuf_free(pkts[0]);
	burst(NULL, 0);
	used_check("hold");
	queue_close("hold");
}

/* A lent chain holding others back for longer than zc-hold-us. */
static void
test_hold_time(void)
{
	struct rte_mbuf *pkts[3];
	uint16_t n, i;

	queue_open(true);
	post(0, BIG);
	post(1, SMALL);
	post(2, SMALL);
	n = burst(pkts, 3);
	CHECK(n == 3, "time: %u packets", n);
	rte_pktmbuf_free(pkts[1]);
	rte_pktmbuf_free(pkts[2]);
	burst(NULL, 0);
	CHECK(used_check("time") == 0, "time: held back");
	rte_delay_us_sleep(2 * HOLD_US);
	burst(NULL, 0);
	CHECK(used_check("time") == 3 && q->stats.returned_early == 1,
	      "time: handed back early, in order");
	/* Lending pauses after an early return: copies meanwhile. */
	post(3, BIG);
	n = burst(pkts + 1, 1);
	CHECK(n == 1 && !is_lent(pkts[1]) &&
	      q->stats.copy[VHOSTZC_COPY_HELD] == 1, "time: lending paused");
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[1 + i]);
	CHECK(intact(pkts[0], 0, seq - 3, BIG), "time: held bytes");
	rte_pktmbuf_free(pkts[0]);
	burst(NULL, 0);
	used_check("time");
	queue_close("time");
}

/* A stop with lent chains freed out of order: the rest back in order. */
static void
test_stop(void)
{
	struct rte_mbuf *pkts[6];
	uint16_t n, i;

	queue_open(true);
	for (i = 0; i < 6; i++)
		post(i, i % 2 == 0 ? BIG : SMALL);
	n = burst(pkts, 6);
	CHECK(n == 6, "stop: %u packets", n);
	rte_pktmbuf_free(pkts[4]);
	rte_pktmbuf_free(pkts[1]);
	burst(NULL, 0);
	CHECK(used_check("stop") == 0, "stop: held back by head 0");
	vzc_fake_rxqs_stop(&q, 1);
	CHECK(used_check("stop") == 6, "stop: all back in order");
	for (i = 0; i < n; i++)
		if (i != 4 && i != 1)
			rte_pktmbuf_free(pkts[i]);
	queue_close("stop");
}

/* Without IN_ORDER the same frees go back as they come. */
static void
test_not_in_order(void)
{
	struct rte_mbuf *pkts[2];
	struct vzc_used_elem e;

	queue_open(false);
	post(0, BIG);
	post(1, BIG);
	CHECK(burst(pkts, 2) == 2, "out of order: two packets");
	rte_pktmbuf_free(pkts[1]);
	burst(NULL, 0);
	CHECK(vzc_fake_guest_used_pop(&g, &e) && e.id == 1,
	      "out of order: head 1 first");
	rte_pktmbuf_free(pkts[0]);
	burst(NULL, 0);
	CHECK(vzc_fake_guest_used_pop(&g, &e) && e.id == 0,
	      "out of order: then head 0");
	ntaken = nreturned = 0;
	queue_close("out of order");
}

int
main(int argc, char **argv)
{
	int ret = rte_eal_init(argc, argv);

	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	in.zc.enabled = true;
	in.zc.min_len = 512;
	in.zc.freeze_budget = 64u << 20;
	in.zc.hold_us = HOLD_US;
	mp = vzc_fake_pool("inorder", POOL_SIZE, 0);
	CHECK(mp != NULL, "pool");
	CHECK(vzc_fake_guest_open(&g, GMEM_GPA, GMEM_SIZE) == 0, "guest");
	if (mp == NULL || g.mem == NULL)
		return vzc_test_summary("inorder");

	test_shuffle();
	test_copies_wait();
	test_hold_ring_low();
	test_hold_time();
	test_stop();
	test_not_in_order();

	vzc_fake_guest_close(&g);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return vzc_test_summary("inorder");
}
