/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VZC_ITEST_H
#define VZC_ITEST_H

/*
 * Helpers the integration test programs share, kept here once instead of a
 * copy per test: finding and starting ports, reading xstats, waiting for
 * the link, counting open fds and mappings (what a leak grows), pattern
 * packets, and starting and reaping helper processes. Every one takes the
 * port it works on; all are static inline, so a test pays only for (and
 * links only against) what it calls.
 */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vzc_pattern.h"

extern char **environ;

/* Descriptors in every receive and transmit queue the tests set up. */
#define VZC_ITEST_RING	256

/* Milliseconds on the monotonic clock. */
static inline uint64_t
vzc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The xstat of port called name; UINT64_MAX if the port has none. */
static inline uint64_t
vzc_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return UINT64_MAX;
	return v;
}

/*
 * The port whose driver is called driver (net_vhostzc, net_virtio_user),
 * the last one if there are several; RTE_MAX_ETHPORTS if none.
 */
static inline uint16_t
vzc_port_by_driver(const char *driver)
{
	struct rte_eth_dev_info info;
	uint16_t port, found = RTE_MAX_ETHPORTS;

	RTE_ETH_FOREACH_DEV(port) {
		if (rte_eth_dev_info_get(port, &info) != 0)
			continue;
		if (strcmp(info.driver_name, driver) == 0)
			found = port;
	}
	return found;
}

/*
 * Configure port with conf (NULL: every default) and one receive queue
 * (mbufs from pool) and one transmit queue, VZC_ITEST_RING descriptors
 * each, and start it. 0 when it runs; -1, or what rte_eth_dev_start says,
 * when not.
 */
static inline int
vzc_port_setup(uint16_t port, struct rte_mempool *pool,
	       const struct rte_eth_conf *conf)
{
	static const struct rte_eth_conf defaults;

	if (rte_eth_dev_configure(port, 1, 1,
				  conf != NULL ? conf : &defaults) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, VZC_ITEST_RING, SOCKET_ID_ANY, NULL,
				   pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, VZC_ITEST_RING, SOCKET_ID_ANY,
				   NULL) != 0)
		return -1;
	return rte_eth_dev_start(port);
}

/*
 * Create the vdev name with args, then vzc_port_setup() its port (id in
 * *port) with the defaults. 0 when it runs. Needs the vdev bus library
 * (bus_vdev in test/meson.build).
 */
static inline int
vzc_vdev_port_setup(const char *name, const char *args,
		    struct rte_mempool *pool, uint16_t *port)
{
	if (rte_vdev_init(name, args) != 0 ||
	    rte_eth_dev_get_port_by_name(name, port) != 0)
		return -1;
	return vzc_port_setup(*port, pool, NULL) != 0 ? -1 : 0;
}

/*
 * A packet of len bytes of the pattern of packet seq (vzc_pattern.h), in
 * segments of at most seg bytes from pool (at least one, even for len 0);
 * NULL when the pool runs out.
 */
static inline struct rte_mbuf *
vzc_pattern_pkt(struct rte_mempool *pool, uint32_t len, uint32_t seg,
		uint32_t seq)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t n = RTE_MIN(seg, len - off);
		uint8_t *d;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		d = (uint8_t *)rte_pktmbuf_append(m, n);
		vzc_pattern_fill(d, off, n, seq);
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		prev = m;
		off += n;
	} while (off < len);
	return head;
}

/* Between two looks of a wait: idle() if given, else a nap of nap_ms. */
static inline void
vzc_wait_idle(unsigned int nap_ms, void (*idle)(void))
{
	if (idle != NULL)
		idle();
	else
		rte_delay_ms(nap_ms);
}

/*
 * Wait up to ms for the link of port to be up (up) or down (!up), looking
 * again after each vzc_wait_idle(nap_ms, idle): a test that must keep its
 * ports polled meanwhile passes its poll function as idle.
 */
static inline bool
vzc_wait_link(uint16_t port, bool up, unsigned int ms, unsigned int nap_ms,
	      void (*idle)(void))
{
	uint64_t end = vzc_now_ms() + ms;
	struct rte_eth_link link;

	for (;;) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    (link.link_status == RTE_ETH_LINK_UP) == up)
			return true;
		if (vzc_now_ms() > end)
			return false;
		vzc_wait_idle(nap_ms, idle);
	}
}

/* This process's open fds (the one reading them included). */
static inline unsigned int
vzc_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

/*
 * This process's mappings: all of them, or (guest_only) only those of
 * shared guest memory, memfd or hugetlbfs files.
 */
static inline unsigned int
vzc_count_maps(bool guest_only)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	/* A line longer than the buffer comes in pieces: count its end. */
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (!guest_only)
			n += strchr(line, '\n') != NULL;
		else if (strstr(line, "memfd:") != NULL ||
			 strstr(line, "/dev/hugepages") != NULL)
			n++;
	}
	if (f != NULL)
		fclose(f);
	return n;
}

/*
 * The vhost library closes a dead connection asynchronously: wait up to
 * ms for vzc_count_fds() to be at most fds and vzc_count_maps(guest_maps)
 * at most maps (counts taken before, plus any slack), looking again after
 * each vzc_wait_idle(nap_ms, idle).
 */
static inline bool
vzc_wait_fds_maps(unsigned int fds, unsigned int maps, bool guest_maps,
		  unsigned int ms, unsigned int nap_ms, void (*idle)(void))
{
	uint64_t end = vzc_now_ms() + ms;

	for (;;) {
		if (vzc_count_fds() <= fds && vzc_count_maps(guest_maps) <= maps)
			return true;
		if (vzc_now_ms() > end)
			return false;
		vzc_wait_idle(nap_ms, idle);
	}
}

/*
 * Start the program argv[0] (a name looked up on PATH when search, else a
 * path) with the environment envp (NULL: this process's). Its stdout and
 * stderr go to the file out (created or truncated; NULL: where ours go);
 * fd3, unless -1, becomes its fd 3 (pass one other than 3: the dup2 is
 * what clears close-on-exec). Its pid, or -1.
 */
static inline pid_t
vzc_spawn(char *const argv[], char *const envp[], bool search,
	  const char *out, int fd3)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret;

	posix_spawn_file_actions_init(&fa);
	if (out != NULL) {
		posix_spawn_file_actions_addopen(&fa, 1, out,
						 O_WRONLY | O_CREAT | O_TRUNC,
						 0644);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	}
	if (fd3 >= 0)
		posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	if (envp == NULL)
		envp = environ;
	if (search)
		ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	else
		ret = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	return ret == 0 ? pid : -1;
}

/* Send sig to the child pid and reap it: its wait status (-1: none). */
static inline int
vzc_kill_wait(pid_t pid, int sig)
{
	int status = -1;

	kill(pid, sig);
	waitpid(pid, &status, 0);
	return status;
}

#endif /* VZC_ITEST_H */
