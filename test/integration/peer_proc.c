/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * A guest stand-in for the robustness and VM-to-NIC tests: a DPDK process
 * that hot-plugs one virtio-user port (devargs in VZC_PEER_VDEV) and sends
 * pattern packets of VZC_PEER_SIZE bytes (default 1518; a comma-separated
 * list is used in turn) as fast as it can, or VZC_PEER_PPS a second, and
 * drops what it receives. VZC_PEER_COUNT: stop sending after that many.
 * VZC_PEER_POOL: TX mbufs (default 2047; fewer: freed ones soon reused).
 * It prints markers to stdout:
 *   PEER-READY      port started
 *   PEER-SENT n     VZC_PEER_COUNT packets sent (then it only receives)
 *   PEER-GREW       SIGUSR1: 64 MiB more hugepage memory allocated, which
 *                   makes virtio-user send a new memory table
 *   PEER-SCRIBBLED  SIGUSR2: port closed (its reset sends GET_VRING_BASE),
 *                   every TX buffer overwritten as a guest reusing them
 *                   would; then the port is unplugged and plugged again
 * SIGTERM stops and closes the port and exits 0.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vzc_itest.h"
#include "vzc_pattern.h"

static volatile sig_atomic_t want_stop, want_grow, want_scribble;

static void
on_signal(int sig)
{
	if (sig == SIGTERM)
		want_stop = 1;
	else if (sig == SIGUSR1)
		want_grow = 1;
	else if (sig == SIGUSR2)
		want_scribble = 1;
}

static void
scribble(struct rte_mempool *mp __rte_unused, void *opaque __rte_unused,
	 void *obj, unsigned int idx __rte_unused)
{
	struct rte_mbuf *m = obj;

	memset(m->buf_addr, 0xab, m->buf_len);
}

static void
marker(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static struct rte_mempool *tx_pool, *rx_pool;

/* Plug the virtio-user port and start it. Returns its port id or -1. */
static int
port_up(const char *vdev)
{
	uint16_t port;

	if (rte_dev_probe(vdev) != 0 ||
	    rte_eth_dev_get_port_by_name("net_virtio_user0", &port) != 0 ||
	    vzc_port_setup(port, rx_pool, NULL) != 0)
		return -1;
	return port;
}

/* Close (virtio reset: SET_VRING_ENABLE 0, GET_VRING_BASE) and unplug. */
static void
port_down(uint16_t port, bool scribble_buffers)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (rte_eth_dev_info_get(port, &info) == 0)
		dev = info.device;
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	if (scribble_buffers)
		rte_mempool_obj_iter(tx_pool, scribble, NULL);
	if (dev != NULL)
		rte_dev_remove(dev);
}

int
main(int argc, char **argv)
{
	const char *vdev = getenv("VZC_PEER_VDEV");
	struct rte_mbuf *pkts[32];
	uint32_t sizes[8] = { 1518 }, nsizes = 1, seq = 0, pps = 0, burst = 32;
	uint32_t count = UINT32_MAX;
	void *grown = NULL;
	int port;

	if (getenv("VZC_PEER_SIZE") != NULL) {
		char *p = getenv("VZC_PEER_SIZE");

		for (nsizes = 0; nsizes < RTE_DIM(sizes) && *p != '\0';) {
			sizes[nsizes++] = (uint32_t)strtoul(p, &p, 10);
			if (*p == ',')
				p++;
		}
	}
	if (getenv("VZC_PEER_COUNT") != NULL)
		count = (uint32_t)atoi(getenv("VZC_PEER_COUNT"));
	/* VZC_PEER_PPS: a paced sender, bursts of 8. */
	if (getenv("VZC_PEER_PPS") != NULL) {
		pps = (uint32_t)atoi(getenv("VZC_PEER_PPS"));
		burst = 8;
	}
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	/* Never outlive the test that started us, even if it crashes. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 1;
	if (vdev == NULL || rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "peer: VZC_PEER_VDEV unset or EAL init failed\n");
		return 1;
	}
	/* VZC_PEER_POOL: fewer TX mbufs, so that a buffer is soon reused. */
	tx_pool = rte_pktmbuf_pool_create("peer_tx",
			getenv("VZC_PEER_POOL") != NULL ?
			(unsigned int)atoi(getenv("VZC_PEER_POOL")) : 2047, 0, 0,
			10240 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	rx_pool = rte_pktmbuf_pool_create("peer_rx", 2047, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	port = tx_pool != NULL && rx_pool != NULL ? port_up(vdev) : -1;
	if (port < 0) {
		fprintf(stderr, "peer: port setup failed\n");
		return 1;
	}
	marker("PEER-READY");

	while (!want_stop) {
		uint16_t n = 0, sent;

		if (want_grow) {
			want_grow = 0;
			grown = rte_malloc("peer_grow", 64 << 20, 0);
			if (grown != NULL)
				memset(grown, 1, 64 << 20);
			marker(grown != NULL ? "PEER-GREW" : "PEER-GROW-FAILED");
		}
		if (want_scribble) {
			want_scribble = 0;
			port_down(port, true);
			marker("PEER-SCRIBBLED");
			port = port_up(vdev);
			if (port < 0) {
				fprintf(stderr, "peer: port restart failed\n");
				return 1;
			}
		}
		if (pps != 0)
			rte_delay_us_sleep(1000000ULL * burst / pps);
		while (n < burst && seq + n < count) {
			uint32_t size = sizes[(seq + n) % nsizes];
			struct rte_mbuf *m = vzc_pattern_pkt(tx_pool, size, size,
							     seq + n);

			if (m == NULL)
				break;
			pkts[n++] = m;
		}
		sent = rte_eth_tx_burst(port, 0, pkts, n);
		seq += sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		if (n != 0 && seq == count) {
			char msg[32];

			snprintf(msg, sizeof(msg), "PEER-SENT %u", seq);
			marker(msg);
		}
		n = rte_eth_rx_burst(port, 0, pkts, RTE_DIM(pkts));
		rte_pktmbuf_free_bulk(pkts, n);
	}
	port_down(port, false);
	rte_free(grown);
	rte_eal_cleanup();
	return 0;
}
