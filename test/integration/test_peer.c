/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Integration test against DPDK's own virtio-user as the guest side, both
 * in this process: net_vhostzc0 is the vhost-user server, net_virtio_user0
 * connects to it. EAL arguments (including both --vdev) come from
 * test/run-integration.sh.
 *
 * Checks, byte by byte: virtio-user TX -> our RX at 64, 1518 and 9000 B and
 * as multi-segment (indirect) chains; our TX -> virtio-user RX the same.
 * Then: zero-copy counters, every descriptor back (the peer's TX mempool is
 * full again once it stops), all mempools full.
 */

/* rte_pktmbuf_pool_create_extbuf is experimental on 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "rte_pmd_vhostzc.h"

#include "../unit/vzc_test.h"
#include "vzc_itest.h"
#include "vzc_pattern.h"

#define PER_SIZE	600	/* more than two rings' worth per size */
#define BIG_ROOM	(10240 + RTE_PKTMBUF_HEADROOM)

static uint16_t be_port = RTE_MAX_ETHPORTS, peer_port = RTE_MAX_ETHPORTS;
static uint32_t queue_state_calls;
static struct rte_mempool *be_rx_pool, *be_tx_pool, *peer_rx_pool, *peer_tx_pool;

/*
 * The IOVA of every guest segment of m is what a device must use for its
 * bytes in EAL's IOVA mode: the virtual address, or the physical address
 * of both its first and its last byte (so it is contiguous too).
 */
static uint32_t iova_checked, iova_bad;

static void
check_iovas(const struct rte_mbuf *m)
{
	bool pa = rte_eal_iova_mode() == RTE_IOVA_PA;

	for (; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		rte_iova_t iova = rte_mbuf_data_iova(m);
		rte_iova_t first = pa ? rte_mem_virt2phy(p) : (uintptr_t)p;
		rte_iova_t last = pa ? rte_mem_virt2phy(p + m->data_len - 1) :
			(uintptr_t)(p + m->data_len - 1);

		if (!RTE_MBUF_HAS_EXTBUF(m))
			continue;
		iova_checked++;
		if (iova == RTE_BAD_IOVA || iova != first ||
		    iova + m->data_len - 1 != last) {
			if (iova_bad++ < 5)
				fprintf(stderr, "segment %p: iova %#" PRIx64
					" expected %#" PRIx64 "\n",
					(const void *)p, iova, first);
		}
	}
}

/*
 * Send `count` packets of len bytes (segments of seg) from tx_port and
 * receive and check them on rx_port. Returns packets received intact.
 */
static uint32_t
transfer(uint16_t tx_port, struct rte_mempool *tx_pool, uint16_t rx_port,
	 uint32_t len, uint32_t seg, uint32_t count, uint16_t max_segs)
{
	uint32_t sent = 0, got = 0, good = 0, expect = 0;
	uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	struct rte_mbuf *pkts[32];

	while (got < count && rte_get_timer_cycles() < deadline) {
		uint16_t n, i;

		if (sent < count) {
			uint16_t want = RTE_MIN(32u, count - sent), made = 0;

			while (made < want) {
				pkts[made] = vzc_pattern_pkt(tx_pool, len, seg,
							     sent + made);
				if (pkts[made] == NULL)
					break;
				made++;
			}
			n = rte_eth_tx_burst(tx_port, 0, pkts, made);
			rte_pktmbuf_free_bulk(pkts + n, made - n);
			sent += n;
		}
		n = rte_eth_rx_burst(rx_port, 0, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++) {
			uint32_t seq;

			check_iovas(pkts[i]);
			if (vzc_pattern_check(pkts[i], len, &seq) && seq == expect &&
			    (max_segs == 0 || pkts[i]->nb_segs <= max_segs))
				good++;
			else
				fprintf(stderr, "packet %u of %u B corrupted or out of order\n",
					got + i, len);
			expect++;
		}
		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return good;
}

/*
 * The peer sends `count` packets of len bytes; the backend sends each
 * received mbuf (zero-copy when len allows) straight back with a VLAN tag
 * to insert: a lent mbuf cannot take the tag in place, so the driver
 * copies it. Returns the tagged packets the peer got back intact.
 */
static uint32_t
forward_tagged(uint32_t len, uint32_t count)
{
	uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	static uint8_t tmp[16384];
	uint32_t sent = 0, fwd = 0, good = 0, got = 0;
	struct rte_mbuf *pkts[32];
	uint16_t n, i, k;

	while (got < count && rte_get_timer_cycles() < deadline) {
		if (sent < count) {
			pkts[0] = vzc_pattern_pkt(peer_tx_pool, len, len, sent);
			if (pkts[0] != NULL && rte_eth_tx_burst(peer_port, 0, pkts, 1) == 1)
				sent++;
			else
				rte_pktmbuf_free(pkts[0]);
		}
		n = rte_eth_rx_burst(be_port, 0, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++) {
			pkts[i]->ol_flags |= RTE_MBUF_F_TX_VLAN;
			pkts[i]->vlan_tci = 0x123;
		}
		k = rte_eth_tx_burst(be_port, 0, pkts, n);
		rte_pktmbuf_free_bulk(pkts + k, n - k);	/* peer ring full */
		fwd += k;
		n = rte_eth_rx_burst(peer_port, 0, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++) {
			const uint8_t *p = rte_pktmbuf_read(pkts[i], 0,
						RTE_MIN(pkts[i]->pkt_len, sizeof(tmp)), tmp);
			uint32_t seq, j;
			bool ok = pkts[i]->pkt_len == len + 4 && p != NULL &&
				p[12] == 0x81 && p[13] == 0x00 &&
				p[14] == 0x01 && p[15] == 0x23;

			if (ok) {
				/* Untagged again, it must be the pattern. */
				memmove(tmp, p, 12);
				memmove(tmp + 12, p + 16, len - 12);
				seq = tmp[0] | tmp[1] << 8 | tmp[2] << 16 |
					(uint32_t)tmp[3] << 24;
				for (j = 4; j < len && ok; j++)
					ok = tmp[j] == vzc_pattern(seq, j);
			}
			good += ok;
		}
		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return fwd == count ? good : 0;
}

static int
on_queue_state(uint16_t port __rte_unused, enum rte_eth_event_type ev __rte_unused,
	       void *arg __rte_unused, void *ret __rte_unused)
{
	__atomic_add_fetch(&queue_state_calls, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Read every pending ring event: bit 0 rx enabled, 1 tx enabled, 2/3 off. */
static unsigned int
queue_events(void)
{
	struct rte_pmd_vhostzc_queue_event ev;
	unsigned int seen = 0;

	while (rte_pmd_vhostzc_get_queue_event(be_port, &ev) == 0)
		if (ev.queue_id == 0)
			seen |= 1u << ((ev.rx ? 0 : 1) + (ev.enable ? 0 : 2));
	return seen;
}

int
main(int argc, char **argv)
{
	/* zc: lent with RX scatter (head + guest segments); zc_linear: lent
	 * without it (one segment, so only one-piece payloads).
	 */
	static const struct {
		uint32_t len, seg;
		bool zc, zc_linear;
	} cases[] = {
		{ 64, 64, false, false },
		{ 1518, 1518, true, true },
		{ 9000, 9000, true, true },
		{ 3000, 1000, true, false },	/* three segments: indirect */
	};
	/* VZC_RX_SCATTER: the port runs with zc-head=1 and RX scatter. */
	bool scatter = getenv("VZC_RX_SCATTER") != NULL;
	struct rte_eth_conf be_conf = { 0 }, peer_conf = { 0 };
	uint64_t zc_expected = 0, copy_expected = 0;
	uint32_t calls;
	size_t i;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	be_port = vzc_port_by_driver("net_vhostzc");
	peer_port = vzc_port_by_driver("net_virtio_user");
	CHECK(be_port != RTE_MAX_ETHPORTS, "net_vhostzc0 is driven by net_vhostzc");
	CHECK(peer_port != RTE_MAX_ETHPORTS, "virtio-user peer probed");
	if (be_port == RTE_MAX_ETHPORTS || peer_port == RTE_MAX_ETHPORTS)
		return vzc_test_summary("test_peer");

	/* No per-lcore caches, so that "pool full" is exact. */
	be_rx_pool = rte_pktmbuf_pool_create("be_rx", 8191, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	be_tx_pool = rte_pktmbuf_pool_create("be_tx", 8191, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	peer_rx_pool = rte_pktmbuf_pool_create("peer_rx", 8191, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	peer_tx_pool = rte_pktmbuf_pool_create("peer_tx", 2047, 0, 0,
			BIG_ROOM, SOCKET_ID_ANY);
	if (be_rx_pool == NULL || be_tx_pool == NULL || peer_rx_pool == NULL ||
	    peer_tx_pool == NULL) {
		fprintf(stderr, "mempool creation failed\n");
		return 1;
	}
	CHECK(rte_eth_dev_callback_register(be_port, RTE_ETH_EVENT_QUEUE_STATE,
					    on_queue_state, NULL) == 0,
	      "queue-state callback");
	be_conf.rxmode.offloads = scatter ? RTE_ETH_RX_OFFLOAD_SCATTER : 0;
	be_conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	peer_conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	CHECK(vzc_port_setup(be_port, be_rx_pool, &be_conf) == 0,
	      "backend port starts");
	CHECK(vzc_port_setup(peer_port, peer_rx_pool, &peer_conf) == 0,
	      "peer port starts");
	CHECK(vzc_wait_link(be_port, true, 5000, 10, NULL),
	      "backend link up once the peer is there");
	/* The peer may have enabled them before we could register. */
	CHECK(queue_events() == 3,
	      "queue-state events: both rings of queue 0 enabled");
	CHECK(rte_pmd_vhostzc_get_queue_event(peer_port,
		&(struct rte_pmd_vhostzc_queue_event){ 0 }) == -ENOTSUP,
	      "not our port");
	{
		/* What applications (testpmd, OVS) do at start: no error. */
		uint16_t mtu = 0;

		CHECK(rte_eth_promiscuous_enable(be_port) == 0 &&
		      rte_eth_allmulticast_enable(be_port) == 0 &&
		      rte_eth_promiscuous_get(be_port) == 1,
		      "promiscuous and all-multicast");
		CHECK(rte_eth_dev_set_mtu(be_port, 9000) == 0 &&
		      rte_eth_dev_get_mtu(be_port, &mtu) == 0 && mtu == 9000,
		      "MTU 9000: %u", mtu);
		CHECK(rte_eth_dev_set_mtu(be_port, 1500) == 0, "MTU back");
	}
	{
		/* Memory regions one by one are never offered (design.md). */
		char sock[PATH_MAX];
		uint64_t pf = 0;

		snprintf(sock, sizeof(sock), "%s/sock",
			 getenv("VZC_SOCK_DIR") != NULL ? getenv("VZC_SOCK_DIR") : "");
		CHECK(rte_vhost_driver_get_protocol_features(sock, &pf) == 0 &&
		      pf != 0 && (pf & (1ULL << 15)) == 0,
		      "CONFIGURE_MEM_SLOTS not offered: protocol features %#" PRIx64,
		      pf);
	}

	/* Peer TX -> our RX, the zero-copy direction. */
	for (i = 0; i < RTE_DIM(cases); i++) {
		/* Without scatter, anything lent must be one segment. */
		uint32_t good = transfer(peer_port, peer_tx_pool, be_port,
					 cases[i].len, cases[i].seg, PER_SIZE,
					 scatter || !cases[i].zc_linear ? 0 : 1);

		CHECK(good == PER_SIZE, "%u B x %u: %u intact", cases[i].len,
		      PER_SIZE, good);
		if (scatter ? cases[i].zc : cases[i].zc_linear)
			zc_expected += PER_SIZE;
		else
			copy_expected += PER_SIZE;
	}
	/* One more poll reclaims what the last frees returned. */
	rte_eth_rx_burst(be_port, 0, NULL, 0);
	CHECK(vzc_xstat(be_port, "rx_zc_packets") == zc_expected,
	      "zero-copy packets %" PRIu64 " of %" PRIu64,
	      vzc_xstat(be_port, "rx_zc_packets"), zc_expected);
	CHECK(vzc_xstat(be_port, "rx_copied_packets") == copy_expected,
	      "copied %" PRIu64, vzc_xstat(be_port, "rx_copied_packets"));
	CHECK(iova_checked >= zc_expected && iova_bad == 0,
	      "IOVA of every lent segment right for IOVA as %s: %u of %u bad",
	      rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA", iova_bad,
	      iova_checked);
	CHECK(vzc_xstat(be_port, rte_eal_iova_mode() == RTE_IOVA_PA ?
			"rx_lend_iova_pa" : "rx_lend_iova_va") == 1,
	      "xstats name the lending mode");
	CHECK(vzc_xstat(be_port, "rx_ring_packed") ==
	      (getenv("VZC_PEER_ARGS") != NULL &&
	       strstr(getenv("VZC_PEER_ARGS"), "packed_vq=1") != NULL),
	      "ring format as the peer asked (packed_vq)");
	/* virtio-user asks for IN_ORDER unless in_order=0; we offer it. */
	CHECK(vzc_xstat(be_port, "rx_ring_in_order") ==
	      !((getenv("VZC_PEER_ARGS") != NULL &&
		 strstr(getenv("VZC_PEER_ARGS"), "in_order=0") != NULL) ||
		(getenv("VZC_ZC_ARGS") != NULL &&
		 strstr(getenv("VZC_ZC_ARGS"), "in_order=0") != NULL)),
	      "IN_ORDER as both sides asked: %" PRIu64,
	      vzc_xstat(be_port, "rx_ring_in_order"));
	CHECK(vzc_xstat(be_port, "rx_desc_lent_now") == 0,
	      "nothing lent after frees");
	CHECK(vzc_xstat(be_port, "rx_desc_returned") == zc_expected,
	      "every lent one returned");
	CHECK(vzc_xstat(be_port, "rx_bad_desc") == 0, "no bad descriptors");
	CHECK(rte_mempool_full(be_rx_pool), "backend rx pool full: %u",
	      rte_mempool_avail_count(be_rx_pool));

	/* Our TX -> peer RX, through the vhost library's enqueue. */
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint32_t good = transfer(be_port, be_tx_pool, peer_port,
					 cases[i].len, 2048 - 128, PER_SIZE, 0);

		CHECK(good == PER_SIZE, "tx %u B x %u: %u intact", cases[i].len,
		      PER_SIZE, good);
	}
	CHECK(forward_tagged(1518, 64) == 64,
	      "zero-copy mbufs forwarded back with TX VLAN insert: tagged, intact");
	/* One more poll reclaims what the last frees returned. */
	rte_eth_rx_burst(be_port, 0, NULL, 0);
	{
		struct rte_eth_stats st;

		rte_eth_stats_get(be_port, &st);
		CHECK(st.ipackets == RTE_DIM(cases) * PER_SIZE + 64 &&
		      st.opackets == RTE_DIM(cases) * PER_SIZE + 64 &&
		      st.ierrors == 0, "port stats: in %" PRIu64 " out %" PRIu64,
		      st.ipackets, st.opackets);
	}

	/* Counters start again at a reset; the datapath's own are untouched. */
	{
		struct rte_eth_stats st;

		CHECK(rte_eth_stats_reset(be_port) == 0 &&
		      rte_eth_xstats_reset(be_port) == 0, "stats reset");
		CHECK(transfer(peer_port, peer_tx_pool, be_port, 64, 64, 100, 0) ==
		      100, "64 B x 100 after the reset");
		rte_eth_stats_get(be_port, &st);
		CHECK(st.ipackets == 100 && st.ibytes == 6400 &&
		      vzc_xstat(be_port, "rx_copied_packets") == 100,
		      "counted from the reset: %" PRIu64, st.ipackets);
	}
	/*
	 * The queue set up again, on a mempool with pinned external buffers
	 * (testpmd --mp-alloc=xbuf), while the front-end runs: the new queue
	 * starts where the old one stopped (no descriptor taken or returned
	 * twice), and copies: such mbufs cannot be lent.
	 */
	{
		struct rte_pktmbuf_extmem ext = {
			.elt_size = RTE_MBUF_DEFAULT_BUF_SIZE,
			.buf_len = 4096 * RTE_MBUF_DEFAULT_BUF_SIZE,
		};
		struct rte_mempool *xp = NULL;
		uint64_t zc0 = vzc_xstat(be_port, "rx_zc_packets");

		ext.buf_ptr = rte_malloc("xbuf", ext.buf_len, 4096);
		if (ext.buf_ptr != NULL) {
			ext.buf_iova = rte_malloc_virt2iova(ext.buf_ptr);
			xp = rte_pktmbuf_pool_create_extbuf("be_rx_xbuf", 4095, 0, 0,
				ext.elt_size, SOCKET_ID_ANY, &ext, 1);
		}
		CHECK(xp != NULL, "pinned-extbuf pool");
		CHECK(xp != NULL && rte_eth_dev_stop(be_port) == 0 &&
		      rte_eth_rx_queue_setup(be_port, 0, VZC_ITEST_RING,
					     SOCKET_ID_ANY, NULL, xp) == 0 &&
		      rte_eth_dev_start(be_port) == 0, "queue set up on it");
		CHECK(transfer(peer_port, peer_tx_pool, be_port, 1518, 1518,
			       PER_SIZE, 0) == PER_SIZE,
		      "1518 B x %u intact after the re-setup", PER_SIZE);
		rte_eth_rx_burst(be_port, 0, NULL, 0);
		CHECK(vzc_xstat(be_port, "rx_zc_packets") == zc0 &&
		      vzc_xstat(be_port, "rx_bad_desc") == 0,
		      "copied, not lent: %" PRIu64,
		      vzc_xstat(be_port, "rx_zc_packets") - zc0);
		CHECK(xp != NULL && rte_mempool_full(xp), "xbuf pool full");
		/* Back on the first pool for what follows. */
		CHECK(rte_eth_dev_stop(be_port) == 0 &&
		      rte_eth_rx_queue_setup(be_port, 0, VZC_ITEST_RING,
					     SOCKET_ID_ANY, NULL, be_rx_pool) == 0 &&
		      rte_eth_dev_start(be_port) == 0, "queue back on be_rx");
		CHECK(transfer(peer_port, peer_tx_pool, be_port, 1518, 1518,
			       PER_SIZE, 0) == PER_SIZE, "and lending again");
		rte_eth_rx_burst(be_port, 0, NULL, 0);
		rte_mempool_free(xp);
		rte_free(ext.buf_ptr);
	}

	/* virtio's stop reclaims every TX buffer whose descriptor is back. */
	CHECK(rte_eth_dev_stop(peer_port) == 0, "peer stops");
	CHECK(rte_mempool_full(peer_tx_pool), "every peer TX descriptor back: "
	      "%u of %u", rte_mempool_avail_count(peer_tx_pool), 2047);
	calls = __atomic_load_n(&queue_state_calls, __ATOMIC_RELAXED);
	CHECK(rte_eth_dev_close(peer_port) == 0, "peer closes");
	{
		unsigned int seen = 0;
		int i;

		for (i = 0; i < 200 && (seen & 0xc) != 0xc; i++) {
			seen |= queue_events();
			rte_delay_ms(5);
		}
		CHECK((seen & 0xc) == 0xc && queue_state_calls > calls,
		      "queue-state events: rings disabled when the peer goes "
		      "(%#x), with a callback", seen);
	}
	CHECK(rte_eth_dev_stop(be_port) == 0, "backend stops");
	CHECK(rte_eth_dev_close(be_port) == 0, "backend closes");
	CHECK(rte_mempool_full(be_rx_pool) && rte_mempool_full(be_tx_pool) &&
	      rte_mempool_full(peer_rx_pool), "all pools full: %u %u %u",
	      rte_mempool_avail_count(be_rx_pool),
	      rte_mempool_avail_count(be_tx_pool),
	      rte_mempool_avail_count(peer_rx_pool));
	rte_eal_cleanup();
	return vzc_test_summary("test_peer");
}
