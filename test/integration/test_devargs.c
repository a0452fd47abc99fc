/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Probe net_vhostzc through the vdev bus with good and bad devargs: a bad
 * one fails with exactly one log line naming the key, creates no port and
 * no socket; a good one yields a port of driver net_vhostzc (not net_vhost,
 * whose name is a prefix of ours) that goes away cleanly.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "../unit/vzc_test.h"

static char *log_buf;
static size_t log_len;
static FILE *log_stream;

static void
log_reset(void)
{
	fflush(log_stream);
	if (log_len != 0)
		memset(log_buf, 0, log_len);
	rewind(log_stream);
}

/* Lines of our driver's log that mention needle. */
static unsigned int
log_lines(const char *needle)
{
	unsigned int n = 0;
	char *line, *save = NULL, *copy;

	fflush(log_stream);
	copy = strdup(log_buf != NULL ? log_buf : "");
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "VHOSTZC") != NULL && strstr(line, needle) != NULL)
			n++;
	free(copy);
	return n;
}

static unsigned int
vhostzc_err_lines(void)
{
	return log_lines("VHOSTZC");
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *args;
		const char *key;	/* the key the log line must name */
	} bad[] = {
		{ "", "iface" },
		{ "queues=2", "iface" },
		{ "iface=%s,bogus=1", "bogus" },
		{ "iface=%s,queues=0", "queues" },
		{ "iface=%s,queues=129", "queues" },
		{ "iface=%s,queues=abc", "queues" },
		{ "iface=%s,client=2", "client" },
		{ "iface=%s,zero-copy=yes", "zero-copy" },
		{ "iface=%s,zc-min-len=-1", "zc-min-len" },
		{ "iface=%s,zc-min-len=70000", "zc-min-len" },
		{ "iface=%s,zc-max-lent=40000", "zc-max-lent" },
		{ "iface=%s,iommu-support=1", "iommu-support" },
		{ "iface=%s,postcopy-support=1", "postcopy-support" },
		{ "iface=", "iface" },
	};
	char sock[256], args[512];
	struct rte_eth_dev_info info;
	uint16_t port;
	size_t i;

	log_stream = open_memstream(&log_buf, &log_len);
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (argc < 2 || getenv("VZC_SOCK_DIR") == NULL) {
		fprintf(stderr, "VZC_SOCK_DIR not set\n");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/devargs.sock", getenv("VZC_SOCK_DIR"));
	rte_openlog_stream(log_stream);

	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret;

		snprintf(args, sizeof(args), bad[i].args, sock);
		log_reset();
		ret = rte_vdev_init("net_vhostzc0", args);
		CHECK(ret != 0, "'%s' refused", args);
		CHECK(vhostzc_err_lines() == 1 && log_lines(bad[i].key) == 1,
		      "'%s': one log line naming %s, got:\n%s", args, bad[i].key,
		      log_buf);
		CHECK(rte_eth_dev_count_avail() == 0, "'%s' left a port", args);
		CHECK(access(sock, F_OK) != 0, "'%s' left a socket", args);
	}

	snprintf(args, sizeof(args),
		 "iface=%s,queues=2,client=0,tso=1,zero-copy=1,zc-min-len=256,"
		 "zc-max-lent=64", sock);
	CHECK(rte_vdev_init("net_vhostzc0", args) == 0, "good devargs accepted");
	CHECK(rte_eth_dev_count_avail() == 1, "one port");
	CHECK(rte_eth_dev_get_port_by_name("net_vhostzc0", &port) == 0 &&
	      rte_eth_dev_info_get(port, &info) == 0 &&
	      strcmp(info.driver_name, "net_vhostzc") == 0,
	      "driven by net_vhostzc, not %s", info.driver_name);
	CHECK(info.max_rx_queues == 2 && info.max_tx_queues == 2, "queues=2");
	CHECK(access(sock, F_OK) == 0, "server socket created");
	CHECK(rte_vdev_uninit("net_vhostzc0") == 0, "removed");
	CHECK(rte_eth_dev_count_avail() == 0, "port gone");
	CHECK(access(sock, F_OK) != 0, "socket removed");

	/* The alias, as net_vhost has eth_vhost. */
	snprintf(args, sizeof(args), "iface=%s", sock);
	CHECK(rte_vdev_init("eth_vhostzc0", args) == 0, "alias accepted");
	CHECK(rte_vdev_uninit("eth_vhostzc0") == 0, "alias removed");

	rte_openlog_stream(stderr);
	rte_eal_cleanup();
	return vzc_test_summary("test_devargs");
}
