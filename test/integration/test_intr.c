/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Rx interrupts and the power-monitor condition of net_vhostzc, as an
 * l3fwd-power style application uses them: the receive queue sleeps on
 * its rx interrupt (the guest's kick eventfd) while the peer (an
 * in-process virtio-user) is idle, and must wake when the peer sends,
 * cycle after cycle. Half of the cycles send before the queue is armed:
 * no kick comes for those, so only the driver's re-check after arming
 * wakes the sleeper (the classic lost wake-up); the other half send from
 * another lcore after a random delay while the queue sleeps. A cycle that
 * reaches the sleep timeout with a packet pending is a lost wake-up.
 * Then the power-monitor condition: the address it gives, and its
 * callback saying "sleep" while the ring is idle and "wake" once the peer
 * posted; the sleep itself (rte_power_monitor) where the CPU has it.
 * EAL arguments come from test/run-integration.sh (needs -l 0-1).
 */

/* rte_power_monitor and rte_eth_get_monitor_addr are experimental on 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_power_intrinsics.h>
#include <rte_random.h>

#include "../unit/vzc_test.h"
#include "vzc_itest.h"
#include "vzc_pattern.h"

#define CYCLES		200	/* even: the last cycle is a requested one */
#define PKT_LEN		1518
#define SLEEP_MS	3000	/* epoll timeout: reaching it is a lost wake-up */
#define WAKE_BOUND_MS	1000	/* a wake-up later than this fails too */

static uint16_t be_port = RTE_MAX_ETHPORTS, peer_port = RTE_MAX_ETHPORTS;
static struct rte_mempool *pool;
static volatile uint32_t send_req;	/* cycle number to send for, +1 */
static volatile uint32_t sent_for;
static volatile bool stop;

static bool
peer_send(uint32_t seq)
{
	struct rte_mbuf *m = vzc_pattern_pkt(pool, PKT_LEN, PKT_LEN, seq);

	if (m == NULL)
		return false;
	if (rte_eth_tx_burst(peer_port, 0, &m, 1) == 1)
		return true;
	rte_pktmbuf_free(m);
	return false;
}

/* The peer, on lcore 1: sends for a cycle after a random delay. */
static int
peer_lcore(void *arg __rte_unused)
{
	struct rte_mbuf *junk[32];

	while (!stop) {
		uint32_t req = __atomic_load_n(&send_req, __ATOMIC_ACQUIRE);

		/* Keep the peer's own rx ring drained. */
		rte_pktmbuf_free_bulk(junk, rte_eth_rx_burst(peer_port, 0, junk, 32));
		if (req == 0 || req == sent_for)
			continue;
		rte_delay_us_block(rte_rand_max(2000));
		while (!peer_send(req - 1) && !stop)
			;
		__atomic_store_n(&sent_for, req, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Take the one packet of cycle seq; false if it is not there intact. */
static bool
take_packet(uint32_t seq)
{
	struct rte_mbuf *m[4];
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	uint32_t got = 0, s;
	bool ok = false;

	while (got == 0 && rte_get_timer_cycles() < deadline) {
		uint16_t n = rte_eth_rx_burst(be_port, 0, m, RTE_DIM(m)), i;

		for (i = 0; i < n; i++)
			ok |= vzc_pattern_check(m[i], PKT_LEN, &s) && s == seq;
		got += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	return got == 1 && ok;
}

static void
test_rx_intr(void)
{
	uint32_t cyc, lost = 0, late = 0, bad = 0, armed_late = 0;
	uint64_t worst = 0, hz = rte_get_timer_hz();

	CHECK(rte_eth_dev_rx_intr_ctl_q(be_port, 0, RTE_EPOLL_PER_THREAD,
					RTE_INTR_EVENT_ADD, NULL) == 0,
	      "rx interrupt fd added to this thread's epoll");
	for (cyc = 0; cyc < CYCLES; cyc++) {
		struct rte_epoll_event ev;
		bool before = (cyc & 1) == 0;
		uint64_t t0, dt;
		int n;

		/* Sent before arming: only the driver's re-check can wake us. */
		if (before)
			while (!peer_send(cyc))
				;
		CHECK(rte_eth_dev_rx_intr_enable(be_port, 0) == 0, "arm %u", cyc);
		if (!before)
			__atomic_store_n(&send_req, cyc + 1, __ATOMIC_RELEASE);
		t0 = rte_get_timer_cycles();
		n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, SLEEP_MS);
		dt = (rte_get_timer_cycles() - t0) * 1000 / hz;
		rte_eth_dev_rx_intr_disable(be_port, 0);
		if (!before)
			while (__atomic_load_n(&sent_for, __ATOMIC_ACQUIRE) != cyc + 1)
				;
		if (n <= 0)
			lost++;
		else if (dt > WAKE_BOUND_MS)
			late++;
		if (before && n > 0)
			armed_late++;
		worst = RTE_MAX(worst, dt);
		if (!take_packet(cyc))
			bad++;
	}
	CHECK(lost == 0, "%u of %u sleeps ended by the timeout with a packet "
	      "pending (lost wake-ups)", lost, CYCLES);
	CHECK(late == 0, "%u wake-ups later than %u ms", late, WAKE_BOUND_MS);
	CHECK(armed_late == CYCLES / 2, "every packet sent before arming woke "
	      "the sleeper: %u of %u", armed_late, CYCLES / 2);
	CHECK(bad == 0, "%u cycles without their packet intact", bad);
	printf("rx-intr: %u cycles, slowest wake-up %" PRIu64 " ms\n", CYCLES,
	       worst);
	CHECK(rte_eth_dev_rx_intr_ctl_q(be_port, 0, RTE_EPOLL_PER_THREAD,
					RTE_INTR_EVENT_DEL, NULL) == 0,
	      "rx interrupt fd removed");
}

static void
test_power_monitor(void)
{
	struct rte_cpu_intrinsics caps;
	struct rte_power_monitor_cond pmc;
	uint64_t v;
	int ret;

	memset(&pmc, 0, sizeof(pmc));
	CHECK(rte_eth_get_monitor_addr(be_port, 0, &pmc) == 0 &&
	      pmc.addr != NULL && pmc.fn != NULL && pmc.size == 2,
	      "monitor address of an idle queue");
	if (pmc.fn == NULL)
		return;
	v = *(volatile uint16_t *)pmc.addr;
	CHECK(pmc.fn(v, pmc.opaque) == 0, "idle ring: sleep");
	while (!peer_send(7777))
		;
	v = *(volatile uint16_t *)pmc.addr;
	CHECK(pmc.fn(v, pmc.opaque) != 0, "after the peer posted: wake");
	CHECK(take_packet(7777), "and the packet is there");

	rte_cpu_get_intrinsics_support(&caps);
	if (!caps.power_monitor) {
		printf("SKIP rte_power_monitor half: this CPU has no "
		       "UMONITOR/UMWAIT (WAITPKG) or MONITORX\n");
		return;
	}
	/* Asleep on the avail index until the peer on lcore 1 posts. */
	CHECK(rte_eth_get_monitor_addr(be_port, 0, &pmc) == 0, "monitor again");
	__atomic_store_n(&send_req, 100000, __ATOMIC_RELEASE);
	ret = rte_power_monitor(&pmc, rte_get_tsc_cycles() + 3 * rte_get_tsc_hz());
	while (__atomic_load_n(&sent_for, __ATOMIC_ACQUIRE) != 100000)
		;
	CHECK(ret == 0, "rte_power_monitor: %d", ret);
	CHECK(take_packet(99999), "woken with the packet there");
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf intr_conf = { .intr_conf.rxq = 1 };
	unsigned int lcore;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	be_port = vzc_port_by_driver("net_vhostzc");
	peer_port = vzc_port_by_driver("net_virtio_user");
	lcore = rte_get_next_lcore(-1, 1, 0);
	CHECK(be_port != RTE_MAX_ETHPORTS && peer_port != RTE_MAX_ETHPORTS,
	      "both ports probed");
	CHECK(lcore < RTE_MAX_LCORE, "a second lcore for the peer (-l 0-1)");
	if (be_port == RTE_MAX_ETHPORTS || peer_port == RTE_MAX_ETHPORTS ||
	    lcore >= RTE_MAX_LCORE)
		return vzc_test_summary("test_intr");
	pool = rte_pktmbuf_pool_create("intr_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(pool != NULL && vzc_port_setup(be_port, pool, &intr_conf) == 0 &&
	      vzc_port_setup(peer_port, pool, NULL) == 0 &&
	      vzc_wait_link(be_port, true, 5000, 10, NULL),
	      "ports up, rx interrupts configured");
	rte_eal_remote_launch(peer_lcore, NULL, lcore);
	test_rx_intr();
	/*
	 * The peer answers each new request value once; the last cycle left
	 * send_req == sent_for, so it is idle until the monitor half asks.
	 * (Resetting both here raced the peer: it could read the old request
	 * and the new sent_for, and send one packet nobody asked for.)
	 */
	test_power_monitor();
	stop = true;
	rte_eal_mp_wait_lcore();
	CHECK(rte_eth_dev_stop(peer_port) == 0 && rte_eth_dev_close(peer_port) == 0 &&
	      rte_eth_dev_stop(be_port) == 0 && rte_eth_dev_close(be_port) == 0,
	      "ports close");
	CHECK(rte_mempool_full(pool), "pool full: %u", rte_mempool_avail_count(pool));
	rte_eal_cleanup();
	return vzc_test_summary("test_intr");
}
