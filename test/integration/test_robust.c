/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Zero-copy under attack: the application holds zero-copy mbufs while the
 * peer (peer_proc, a separate virtio-user process) is killed, changes its
 * memory table, stops its rings and reuses its buffers, or goes away and
 * comes back as a vhost-user server. Every held byte must stay correct,
 * every descriptor and mbuf must come back, and no mapping or fd may leak.
 *
 * usage: test_robust EAL-ARGS -- SCENARIO
 *   kill      50 cycles: hold, SIGKILL the peer, check, free, reconnect
 *   memtable  hold, the peer grows its memory (new SET_MEM_TABLE), check
 *   scribble  hold, the peer stops its port (GET_VRING_BASE) and overwrites
 *             every TX buffer, check
 *   client    our port is the vhost-user client; the server peer dies and
 *             comes back 5 times
 *   hold      keep every received mbuf for 3 s while the peer sends
 *   churn     forward on a second lcore while the peer closes and reopens
 *             its port 10 times (needs -l 0-1)
 *   inorder-shuffle  IN_ORDER: free a random one of the last 16 packets
 *             for each new one; every packet once, in sequence, intact
 *   inorder-hold     IN_ORDER: hold one zero-copy mbuf for 3 s while the
 *             peer sends 20000 packets a second; it keeps sending
 * Environment: VZC_SOCK_DIR, VZC_PEER_BIN, VZC_PEER_MEM (peer EAL memory
 * arguments), VZC_HUGE=1 when hugepages are in use.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "../unit/vzc_test.h"
#include "vzc_itest.h"
#include "vzc_pattern.h"

#define PKT_LEN		1518
#define HOLD		32
#define POOL_SIZE	32767
#define NAP_MS		5	/* between two looks at the link */

static uint16_t port;
static struct rte_mempool *pool;
static char sock[256], dir[200];
static unsigned int peer_seq;

/* Start a peer; extra is appended to its virtio-user devargs. */
static pid_t
peer_start(const char *extra, const char *env_extra, char *log, size_t log_sz)
{
	char vdev[600], prefix[64], *argv[32], *envp[256];
	char *mem = strdup(getenv("VZC_PEER_MEM"));
	unsigned int argc = 0, envc = 0, i;
	char *tok, *save = NULL;
	pid_t pid;

	snprintf(log, log_sz, "%s/peer%u.log", dir, peer_seq);
	snprintf(prefix, sizeof(prefix), "%sp%u",
		 getenv("VZC_PREFIX") != NULL ? getenv("VZC_PREFIX") : "vzcpeer",
		 peer_seq++);
	/* VZC_PEER_ARGS: more virtio-user devargs (e.g. ",packed_vq=1"). */
	snprintf(vdev, sizeof(vdev), "VZC_PEER_VDEV=net_virtio_user0,path=%s,"
		 "queues=1%s%s", sock, extra,
		 getenv("VZC_PEER_ARGS") != NULL ? getenv("VZC_PEER_ARGS") : "");
	argv[argc++] = getenv("VZC_PEER_BIN");
	argv[argc++] = "-l";
	argv[argc++] = "1";
	for (tok = strtok_r(mem, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = "--no-pci";
	argv[argc++] = "--log-level=lib.eal:error";
	argv[argc] = NULL;
	for (i = 0; environ[i] != NULL && envc < RTE_DIM(envp) - 3; i++)
		envp[envc++] = environ[i];
	envp[envc++] = vdev;
	if (env_extra != NULL)
		envp[envc++] = (char *)(uintptr_t)env_extra;
	envp[envc] = NULL;
	pid = vzc_spawn(argv, envp, false, log, -1);
	free(mem);
	return pid;
}

static bool
file_has(const char *path, const char *needle)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

static bool
wait_marker(const char *log, const char *m, unsigned int secs)
{
	uint64_t end = vzc_now_ms() + secs * 1000ULL;

	while (vzc_now_ms() < end) {
		if (file_has(log, m))
			return true;
		/* Keep the datapath polled meanwhile. */
		rte_eth_rx_burst(port, 0, NULL, 0);
		rte_delay_ms(5);
	}
	return false;
}

/* Like wait_marker, for the count-th occurrence; polls nothing itself. */
static bool
wait_marker_count(const char *log, const char *m, unsigned int count,
		  unsigned int secs)
{
	uint64_t end = vzc_now_ms() + secs * 1000ULL;

	while (vzc_now_ms() < end) {
		char buf[65536], *p;
		unsigned int n = 0;
		size_t len;
		FILE *f = fopen(log, "r");

		if (f != NULL) {
			len = fread(buf, 1, sizeof(buf) - 1, f);
			buf[len] = '\0';
			fclose(f);
			for (p = strstr(buf, m); p != NULL; p = strstr(p + 1, m))
				n++;
			if (n >= count)
				return true;
		}
		rte_delay_ms(5);
	}
	return false;
}

static bool
is_zc(const struct rte_mbuf *m)
{
	/* Linear layout (no RX scatter here): one extbuf segment. */
	return RTE_MBUF_HAS_EXTBUF(m) ||
		(m->next != NULL && RTE_MBUF_HAS_EXTBUF(m->next));
}

/*
 * Receive for up to secs seconds; check every packet; keep up to *nheld
 * zero-copy ones in held[] (hold_all: keep everything). Returns packets
 * received; *bad counts corrupted ones.
 */
static uint64_t
receive(struct rte_mbuf **held, uint32_t *nheld, uint32_t want_held,
	bool hold_all, unsigned int secs, uint64_t *bad)
{
	uint64_t end = vzc_now_ms() + secs * 1000ULL, got = 0;
	struct rte_mbuf *pkts[32];

	while (vzc_now_ms() < end && (hold_all || *nheld < want_held)) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, RTE_DIM(pkts)), i;

		for (i = 0; i < n; i++) {
			uint32_t seq;

			if (!vzc_pattern_check(pkts[i], PKT_LEN, &seq))
				(*bad)++;
			if (*nheld < want_held && (hold_all || is_zc(pkts[i])))
				held[(*nheld)++] = pkts[i];
			else
				rte_pktmbuf_free(pkts[i]);
		}
		got += n;
	}
	return got;
}

static uint32_t
check_and_free(struct rte_mbuf **held, uint32_t n)
{
	uint32_t bad = 0, i, seq;

	for (i = 0; i < n; i++) {
		if (!vzc_pattern_check(held[i], PKT_LEN, &seq))
			bad++;
		rte_pktmbuf_free(held[i]);
	}
	return bad;
}

static int
port_create(const char *extra)
{
	char args[512];

	snprintf(args, sizeof(args), "iface=%s%s", sock, extra);
	return vzc_vdev_port_setup("net_vhostzc0", args, pool, &port);
}

static void
scenario_kill(unsigned int cycles)
{
	static struct rte_mbuf *held[HOLD];
	unsigned int maps = vzc_count_maps(true), fds = vzc_count_fds(), c;
	char log[300];

	for (c = 0; c < cycles; c++) {
		uint32_t nheld = 0;
		uint64_t bad = 0;
		pid_t pid = peer_start("", NULL, log, sizeof(log));

		CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30),
		      "cycle %u: peer up", c);
		CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL),
		      "cycle %u: link up", c);
		receive(held, &nheld, HOLD, false, 10, &bad);
		CHECK(nheld == HOLD && bad == 0, "cycle %u: holding %u zc mbufs, "
		      "%" PRIu64 " bad", c, nheld, bad);
		vzc_kill_wait(pid, SIGKILL);
		CHECK(vzc_wait_link(port, false, 10000, NAP_MS, NULL),
		      "cycle %u: link down", c);
		/* The peer is gone; its memory must still be there for us. */
		CHECK(check_and_free(held, nheld) == 0,
		      "cycle %u: held bytes intact after the peer died", c);
		CHECK(rte_mempool_full(pool), "cycle %u: pool full (%u)", c,
		      rte_mempool_avail_count(pool));
		CHECK(vzc_xstat(port, "rx_desc_lent_now") == 0,
		      "cycle %u: nothing lent", c);
		CHECK(vzc_wait_fds_maps(fds, maps, true, 5000, 10, NULL),
		      "cycle %u: maps %u/%u fds %u/%u", c, vzc_count_maps(true),
		      maps, vzc_count_fds(), fds);
		if (vzc_test_fail > 8)
			break;
	}
	CHECK(vzc_xstat(port, "vhost_connects") == c + (c < cycles),
	      "a device per cycle");
}

/* Start a peer, wait for traffic, hold HOLD zero-copy mbufs. */
static pid_t
peer_start_and_hold(struct rte_mbuf **held, uint32_t *nheld, char *log,
		    size_t log_sz)
{
	uint64_t bad = 0;
	pid_t pid = peer_start("", NULL, log, log_sz);

	CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30), "peer up");
	CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL), "link up");
	receive(held, nheld, HOLD, false, 10, &bad);
	CHECK(*nheld == HOLD && bad == 0, "holding %u, %" PRIu64 " bad",
	      *nheld, bad);
	return pid;
}

static void
scenario_memtable(void)
{
	static struct rte_mbuf *held[HOLD], *later[HOLD];
	uint32_t nheld = 0, nlater = 0;
	uint64_t bad = 0, tables;
	char log[300];
	pid_t pid = peer_start_and_hold(held, &nheld, log, sizeof(log));
	tables = vzc_xstat(port, "vhost_mem_table_updates");
	kill(pid, SIGUSR1);
	CHECK(wait_marker(log, "PEER-GREW", 30), "peer grew its memory");
	/* Traffic flows after the new table, zero-copy again. */
	receive(later, &nlater, HOLD, false, 10, &bad);
	CHECK(vzc_xstat(port, "vhost_mem_table_updates") > tables,
	      "a new memory table was mapped (%" PRIu64 " -> %" PRIu64 ")",
	      tables, vzc_xstat(port, "vhost_mem_table_updates"));
	CHECK(nlater == HOLD && bad == 0, "traffic after SET_MEM_TABLE: %u zc, "
	      "%" PRIu64 " bad", nlater, bad);
	CHECK(check_and_free(held, nheld) == 0,
	      "mbufs held across SET_MEM_TABLE intact");
	CHECK(check_and_free(later, nlater) == 0, "later mbufs intact");
	vzc_kill_wait(pid, SIGTERM);
	rte_eth_rx_burst(port, 0, NULL, 0);
	CHECK(rte_mempool_full(pool), "pool full");
}

static void
scenario_scribble(void)
{
	static struct rte_mbuf *held[HOLD], *later[HOLD];
	uint32_t nheld = 0, nlater = 0;
	uint64_t bad = 0;
	char log[300];
	pid_t pid = peer_start_and_hold(held, &nheld, log, sizeof(log));
	kill(pid, SIGUSR2);
	CHECK(wait_marker(log, "PEER-SCRIBBLED", 30), "peer stopped, scribbled");
	CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL),
	      "the peer is back");
	CHECK(vzc_xstat(port, "rx_desc_returned_at_stop") >= HOLD,
	      "held descriptors returned at GET_VRING_BASE: %" PRIu64,
	      vzc_xstat(port, "rx_desc_returned_at_stop"));
	CHECK(vzc_xstat(port, "rx_snapshot_failed") == 0, "pages frozen");
	CHECK(check_and_free(held, nheld) == 0,
	      "held bytes intact after the guest reused its buffers");
	receive(later, &nlater, HOLD, false, 10, &bad);
	CHECK(nlater == HOLD && bad == 0, "traffic after restart: %u, "
	      "%" PRIu64 " bad", nlater, bad);
	CHECK(check_and_free(later, nlater) == 0, "later mbufs intact");
	vzc_kill_wait(pid, SIGTERM);
	rte_eth_rx_burst(port, 0, NULL, 0);
	CHECK(rte_mempool_full(pool), "pool full");
}

static void
scenario_client(unsigned int cycles)
{
	static struct rte_mbuf *held[HOLD];
	unsigned int c;
	char log[300];

	for (c = 0; c < cycles; c++) {
		uint32_t nheld = 0;
		uint64_t bad = 0;
		pid_t pid;

		unlink(sock);
		pid = peer_start(",server=1", NULL, log, sizeof(log));
		CHECK(pid > 0, "server peer %u started", c);
		/* Our side reconnects on its own (the library retries). */
		CHECK(vzc_wait_link(port, true, 20000, NAP_MS, NULL),
		      "cycle %u: connected", c);
		receive(held, &nheld, HOLD, false, 10, &bad);
		CHECK(nheld == HOLD && bad == 0, "cycle %u: traffic, %u zc", c,
		      nheld);
		vzc_kill_wait(pid, c + 1 == cycles ? SIGTERM : SIGKILL);
		CHECK(vzc_wait_link(port, false, 10000, NAP_MS, NULL),
		      "cycle %u: link down", c);
		CHECK(check_and_free(held, nheld) == 0, "cycle %u: intact", c);
		CHECK(rte_mempool_full(pool), "cycle %u: pool full", c);
	}
}

/*
 * Forward (rx -> tx, as testpmd io does) on a second lcore while the peer
 * closes and reopens its port ten times: every close disables and stops
 * the rings under traffic. Any wait between a transmit burst (inside the
 * vhost library, on its ring lock) and the control path (holding that
 * lock while it calls our hooks) would hang here.
 */
static volatile bool fwd_stop;

static int
forward_loop(void *arg __rte_unused)
{
	struct rte_mbuf *pkts[32];

	while (!fwd_stop) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, RTE_DIM(pkts));
		uint16_t sent = rte_eth_tx_burst(port, 0, pkts, n);

		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	return 0;
}

static void
scenario_churn(unsigned int cycles)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0), c;
	struct rte_eth_stats st;
	uint64_t last = 0;
	char log[300], marker_after[64];
	pid_t pid = peer_start("", NULL, log, sizeof(log));

	CHECK(lcore < RTE_MAX_LCORE, "a second lcore");
	if (lcore >= RTE_MAX_LCORE)
		return;
	CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30), "peer up");
	fwd_stop = false;
	rte_eal_remote_launch(forward_loop, NULL, lcore);
	for (c = 0; c < cycles; c++) {
		snprintf(marker_after, sizeof(marker_after), "PEER-SCRIBBLED");
		rte_delay_ms(200);
		kill(pid, SIGUSR2);
		/* The marker repeats; wait for one more occurrence. */
		CHECK(wait_marker_count(log, marker_after, c + 1, 30),
		      "cycle %u: close and reopen completed", c);
		rte_delay_ms(300);
		rte_eth_stats_get(port, &st);
		CHECK(st.opackets > last, "cycle %u: forwarding continues "
		      "(%" PRIu64 " sent)", c, st.opackets);
		last = st.opackets;
	}
	fwd_stop = true;
	rte_eal_wait_lcore(lcore);
	vzc_kill_wait(pid, SIGTERM);
	rte_eth_rx_burst(port, 0, NULL, 0);
	CHECK(rte_mempool_full(pool), "pool full");
}

static void
scenario_hold(void)
{
	static struct rte_mbuf *held[POOL_SIZE];
	uint32_t nheld = 0, nlast = 0;
	uint64_t bad = 0, got, got_last;
	static struct rte_mbuf *dummy[1];
	char log[300];
	pid_t pid = peer_start("", "VZC_PEER_PPS=4000", log, sizeof(log));

	CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30), "peer up");
	CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL), "link up");
	/* Keep everything for 3 s, then check the last second alone. */
	got = receive(held, &nheld, POOL_SIZE / 2, true, 2, &bad);
	got_last = receive(held, &nheld, POOL_SIZE / 2, true, 1, &bad);
	CHECK(got + got_last == nheld, "all kept");
	CHECK(got_last > 1000, "guest still sending in the 3rd second: %" PRIu64,
	      got_last);
	CHECK(nheld > 256 + 128, "far more than ring + cap received: %u", nheld);
	CHECK(vzc_xstat(port, "rx_desc_lent_now") <= 128,
	      "lent within the cap: %" PRIu64,
	      vzc_xstat(port, "rx_desc_lent_now"));
	CHECK(vzc_xstat(port, "rx_copied_packets") > 0, "the rest was copied");
	CHECK(bad == 0 && vzc_xstat(port, "rx_bad_desc") == 0, "no corruption");
	CHECK(check_and_free(held, nheld) == 0, "held bytes intact");
	/* Poll (and drop) for a moment: housekeeping returns the rest. */
	receive(dummy, &nlast, 1, true, 1, &bad);
	rte_pktmbuf_free_bulk(dummy, nlast);
	rte_eth_rx_burst(port, 0, NULL, 0);
	/* Back on free, or early (IN_ORDER: the held ones held the rest). */
	CHECK(vzc_xstat(port, "rx_desc_lent_now") == 0 &&
	      vzc_xstat(port, "rx_desc_returned") +
	      vzc_xstat(port, "rx_desc_returned_early") ==
	      vzc_xstat(port, "rx_zc_packets"),
	      "every descriptor back: %" PRIu64 " + %" PRIu64 " early of %"
	      PRIu64, vzc_xstat(port, "rx_desc_returned"),
	      vzc_xstat(port, "rx_desc_returned_early"),
	      vzc_xstat(port, "rx_zc_packets"));
	vzc_kill_wait(pid, SIGTERM);
	CHECK(rte_mempool_full(pool), "pool full");
}

/*
 * Receive COUNT packets, checking that each sequence number comes exactly
 * once and in order (the peer resends what its ring refused, so nothing
 * is lost). keep() decides what is kept; kept ones are freed by the
 * caller. Returns packets received; *bad counts corrupt or out-of-order.
 */
static uint32_t
receive_seq(uint32_t count, unsigned int secs, uint32_t *expect,
	    uint64_t *bad, void (*keep)(struct rte_mbuf *m, void *arg),
	    void *arg)
{
	uint64_t end = vzc_now_ms() + secs * 1000ULL;
	struct rte_mbuf *pkts[32];
	uint32_t got = 0;

	while (*expect < count && vzc_now_ms() < end) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, RTE_DIM(pkts)), i;

		for (i = 0; i < n; i++) {
			uint32_t seq;

			if (!vzc_pattern_check(pkts[i], PKT_LEN, &seq) ||
			    seq != *expect)
				(*bad)++;
			(*expect)++;
			keep(pkts[i], arg);
		}
		got += n;
	}
	return got;
}

/* The application's window: frees a random one of the last W it got. */
#define SHUFFLE_W	16
struct shuffle {
	struct rte_mbuf *win[SHUFFLE_W];
	uint32_t n;
	uint64_t bad;
	uint32_t rnd;
};

static void
shuffle_keep(struct rte_mbuf *m, void *arg)
{
	struct shuffle *sh = arg;
	uint32_t seq, i;

	if (sh->n < SHUFFLE_W) {
		sh->win[sh->n++] = m;
		return;
	}
	sh->rnd = sh->rnd * 1103515245 + 12345;
	i = (sh->rnd >> 16) % SHUFFLE_W;
	/* Still intact when freed, however long it was kept. */
	if (!vzc_pattern_check(sh->win[i], PKT_LEN, &seq))
		sh->bad++;
	rte_pktmbuf_free(sh->win[i]);
	sh->win[i] = m;
}

/* Every lent descriptor back once: on its free, or early (in order). */
static void
check_all_back(const char *what)
{
	rte_eth_rx_burst(port, 0, NULL, 0);
	CHECK(vzc_xstat(port, "rx_desc_lent_now") == 0 &&
	      vzc_xstat(port, "rx_desc_returned") +
	      vzc_xstat(port, "rx_desc_returned_early") ==
	      vzc_xstat(port, "rx_zc_packets"),
	      "%s: every descriptor back once: %" PRIu64 " + %" PRIu64
	      " early of %" PRIu64 " lent", what,
	      vzc_xstat(port, "rx_desc_returned"),
	      vzc_xstat(port, "rx_desc_returned_early"),
	      vzc_xstat(port, "rx_zc_packets"));
	CHECK(vzc_xstat(port, "rx_bad_desc") == 0, "%s: no bad descriptors",
	      what);
}

/*
 * IN_ORDER, an application that frees out of order: it keeps a window of
 * the last SHUFFLE_W packets and frees a random one of them for each new
 * one. The peer (DPDK virtio, which on split rings trusts the order and
 * reads no used id) must get every descriptor back in order: a wrong one
 * would free a buffer we still lend and show as a corrupt packet.
 */
static void
scenario_inorder_shuffle(void)
{
	static struct shuffle sh = { .rnd = 1 };
	const uint32_t count = 60000;
	uint32_t expect = 0, i, got;
	uint64_t bad = 0;
	char log[300], env[64];
	pid_t pid;

	/*
	 * A TX pool barely larger than the ring: a buffer the peer were told
	 * is free while we still lend it would soon carry another packet.
	 */
	snprintf(env, sizeof(env), "VZC_PEER_COUNT=%u", count);
	setenv("VZC_PEER_POOL", "300", 1);
	pid = peer_start("", env, log, sizeof(log));
	unsetenv("VZC_PEER_POOL");
	CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30), "peer up");
	CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL), "link up");
	got = receive_seq(count, 60, &expect, &bad, shuffle_keep, &sh);
	CHECK(got == count && expect == count && bad == 0 && sh.bad == 0,
	      "shuffle: %u of %u received, %" PRIu64 " out of sequence or "
	      "corrupt, %" PRIu64 " corrupt when freed", got, count, bad,
	      sh.bad);
	CHECK(vzc_xstat(port, "rx_ring_in_order") == 1, "shuffle: in order");
	CHECK(vzc_xstat(port, "rx_zc_packets") > count / 2,
	      "shuffle: lent %" PRIu64 " (%" PRIu64 " returned early)",
	      vzc_xstat(port, "rx_zc_packets"),
	      vzc_xstat(port, "rx_desc_returned_early"));
	for (i = 0; i < sh.n; i++)
		rte_pktmbuf_free(sh.win[i]);
	check_all_back("shuffle");
	vzc_kill_wait(pid, SIGTERM);
	CHECK(rte_mempool_full(pool), "pool full");
}

struct hold_one {
	struct rte_mbuf *held;
	uint32_t held_seq;
};

static void
hold_one_keep(struct rte_mbuf *m, void *arg)
{
	struct hold_one *h = arg;

	if (h->held == NULL && is_zc(m)) {
		h->held = m;
		if (!vzc_pattern_check(m, PKT_LEN, &h->held_seq))
			h->held_seq = UINT32_MAX;
		return;
	}
	rte_pktmbuf_free(m);
}

/*
 * IN_ORDER, an application that holds one zero-copy mbuf for 3 s and
 * frees everything else at once: the held chain holds back every later
 * one, so it is handed back early (frozen): the guest keeps sending at
 * its pace throughout, the held bytes stay intact while the guest reuses
 * the buffer, and freeing it late owes the guest nothing.
 */
static void
scenario_inorder_hold(void)
{
	struct hold_one h = { NULL, 0 };
	const uint32_t count = 100000;
	uint32_t expect = 0, seq, got;
	uint64_t bad = 0, t0;
	char log[300];
	pid_t pid = peer_start("", "VZC_PEER_PPS=20000", log, sizeof(log));

	CHECK(pid > 0 && wait_marker(log, "PEER-READY", 30), "peer up");
	CHECK(vzc_wait_link(port, true, 10000, NAP_MS, NULL), "link up");
	t0 = vzc_now_ms();
	got = receive_seq(count, 3, &expect, &bad, hold_one_keep, &h);
	CHECK(h.held != NULL, "hold: holding a zero-copy mbuf");
	CHECK(got > 3 * 20000 / 2 && bad == 0, "hold: the guest kept sending: "
	      "%u in %" PRIu64 " ms, %" PRIu64 " out of sequence or corrupt",
	      got, vzc_now_ms() - t0, bad);
	CHECK(vzc_xstat(port, "rx_desc_returned_early") >= 1 &&
	      vzc_xstat(port, "rx_snapshot_failed") == 0,
	      "hold: handed back early, frozen (%" PRIu64 " early)",
	      vzc_xstat(port, "rx_desc_returned_early"));
	CHECK(h.held != NULL && vzc_pattern_check(h.held, PKT_LEN, &seq) &&
	      seq == h.held_seq, "hold: held bytes intact after 3 s");
	rte_pktmbuf_free(h.held);
	h.held = (struct rte_mbuf *)(uintptr_t)1;	/* hold nothing more */
	/* Nothing owed for it: the peer goes on in sequence. */
	got = receive_seq(expect + 5000, 10, &expect, &bad, hold_one_keep, &h);
	CHECK(got == 5000 && bad == 0, "hold: %u more in sequence, %" PRIu64
	      " bad", got, bad);
	check_all_back("hold");
	vzc_kill_wait(pid, SIGTERM);
	CHECK(rte_mempool_full(pool), "pool full");
}

int
main(int argc, char **argv)
{
	const char *scenario;
	int eal;

	eal = rte_eal_init(argc, argv);
	if (eal < 0 || argc - eal < 2 || getenv("VZC_SOCK_DIR") == NULL ||
	    getenv("VZC_PEER_BIN") == NULL || getenv("VZC_PEER_MEM") == NULL) {
		fprintf(stderr, "usage: test_robust EAL -- kill|memtable|scribble|client|hold|churn|inorder-shuffle|inorder-hold\n");
		return 1;
	}
	scenario = argv[eal + 1];
	snprintf(dir, sizeof(dir), "%s", getenv("VZC_SOCK_DIR"));
	snprintf(sock, sizeof(sock), "%s/robust.sock", dir);
	pool = rte_pktmbuf_pool_create("robust", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	if (strcmp(scenario, "memtable") == 0 && getenv("VZC_HUGE") == NULL) {
		/* Without hugepages the peer's memory cannot grow at runtime. */
		printf("memtable needs hugepages: skipped\n");
		return 77;
	}
	CHECK(port_create(strcmp(scenario, "client") == 0 ? ",client=1" : "") == 0,
	      "port created");

	if (strcmp(scenario, "kill") == 0)
		scenario_kill(50);
	else if (strcmp(scenario, "memtable") == 0)
		scenario_memtable();
	else if (strcmp(scenario, "scribble") == 0)
		scenario_scribble();
	else if (strcmp(scenario, "client") == 0)
		scenario_client(5);
	else if (strcmp(scenario, "hold") == 0)
		scenario_hold();
	else if (strcmp(scenario, "churn") == 0)
		scenario_churn(10);
	else if (strcmp(scenario, "inorder-shuffle") == 0)
		scenario_inorder_shuffle();
	else if (strcmp(scenario, "inorder-hold") == 0)
		scenario_inorder_hold();
	else
		CHECK(false, "unknown scenario %s", scenario);

	rte_eth_dev_stop(port);
	rte_vdev_uninit("net_vhostzc0");
	CHECK(rte_mempool_full(pool), "pool full at the end");
	rte_eal_cleanup();
	return vzc_test_summary(scenario);
}
