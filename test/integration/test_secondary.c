/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * Secondary processes on a running net_vhostzc port, as an operator uses
 * them: this primary receives from an in-process virtio-user peer (zero
 * copy), DPDK's own dpdk-proc-info reads the port's xstats, and
 * dpdk-dumpcap captures its rx traffic; every captured packet must be
 * byte-identical to what the peer sent, and the primary's datapath and
 * lending must not notice (every packet intact, nothing left lent, pools
 * full). Both tools load the installed PMD from DPDK's PMD directory.
 * Needs hugepages and shared memory (run-integration.sh with VZC_SHARED=1);
 * exits 77 (skipped) without them or without the tools, saying why.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_build_config.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include "../unit/vzc_test.h"
#include "vzc_itest.h"
#include "vzc_pattern.h"

#define PKT_LEN		1518
#define FIRST		600
#define CAPTURE		100

static uint16_t be_port = RTE_MAX_ETHPORTS, peer_port = RTE_MAX_ETHPORTS;
static struct rte_mempool *pool;
static uint32_t next_seq, rx_bad, rx_got;
static char dir[256];

/* One round of traffic: the peer sends up to n, we receive and check. */
static void
pump(uint32_t n)
{
	struct rte_mbuf *m[32];
	uint16_t k, i, made = 0;

	while (made < RTE_MIN(n, 32u)) {
		m[made] = vzc_pattern_pkt(pool, PKT_LEN, PKT_LEN, next_seq + made);
		if (m[made] == NULL)
			break;
		made++;
	}
	k = rte_eth_tx_burst(peer_port, 0, m, made);
	rte_pktmbuf_free_bulk(m + k, made - k);
	next_seq += k;
	rte_pktmbuf_free_bulk(m, rte_eth_rx_burst(peer_port, 0, m, 32));
	k = rte_eth_rx_burst(be_port, 0, m, 32);
	for (i = 0; i < k; i++) {
		uint32_t seq;

		rx_bad += !vzc_pattern_check(m[i], PKT_LEN, &seq);
	}
	rx_got += k;
	rte_pktmbuf_free_bulk(m, k);
}

/* Wait for pid while traffic flows; its exit status, or -1 on timeout. */
static int
wait_pumping(pid_t pid, unsigned int secs, bool traffic)
{
	uint64_t deadline = rte_get_timer_cycles() + secs * rte_get_timer_hz();
	int st;

	while (rte_get_timer_cycles() < deadline) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		if (traffic)
			pump(8);
		else
			rte_delay_ms(5);
	}
	vzc_kill_wait(pid, SIGKILL);
	return -1;
}

/* "name: value" from the tool's output. */
static uint64_t
tool_value(const char *path, const char *name)
{
	char line[512];
	size_t len = strlen(name);
	uint64_t v = UINT64_MAX;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, name);

		if (p != NULL && (p == line || p[-1] == ' ') && p[len] == ':')
			v = strtoull(p + len + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

static void
test_proc_info(const char *prefix, const char *pmd)
{
	/*
	 * The tools load the PMD installed in DPDK's PMD directory, as an
	 * operator's do (and as dpdk-dumpcap must: it takes no -d); only
	 * where none is installed is ours given with -d. Under a sanitizer
	 * build that copy could not be loaded into DPDK's own binaries.
	 */
	bool installed = access(RTE_EAL_PMD_PATH "/librte_net_vhostzc.so",
				F_OK) == 0;
	char out[300], mask[32];
	char *argv[] = { "dpdk-proc-info", "--file-prefix", (char *)prefix,
			 "--log-level=lib.eal:error", "-d", (char *)pmd,
			 "--", "-p", mask, "--xstats", NULL };
	uint64_t zc = vzc_xstat(be_port, "rx_zc_packets");
	pid_t pid;

	if (installed) {
		/* Drop "-d PMD": the installed copy is loaded by itself. */
		memmove(&argv[4], &argv[6], 5 * sizeof(argv[0]));
	}
	snprintf(out, sizeof(out), "%s/proc-info.log", dir);
	snprintf(mask, sizeof(mask), "%" PRIx64, UINT64_C(1) << be_port);
	pid = vzc_spawn(argv, NULL, true, out, -1);
	CHECK(pid > 0 && wait_pumping(pid, 30, false) == 0,
	      "dpdk-proc-info ran (output in %s)", out);
	CHECK(zc > 0 && tool_value(out, "rx_zc_packets") == zc,
	      "the secondary reads rx_zc_packets %" PRIu64 ": %" PRIu64, zc,
	      tool_value(out, "rx_zc_packets"));
	CHECK(tool_value(out, "rx_good_packets") == rx_got,
	      "and rx_good_packets %u", rx_got);
}

/* Every record of the pcap file: the peer's pattern, whole. */
static uint32_t
pcap_check(const char *path, uint32_t *records)
{
	uint8_t hdr[16], buf[PKT_LEN + 64];
	uint32_t good = 0;
	FILE *f = fopen(path, "r");

	*records = 0;
	if (f == NULL || fread(buf, 24, 1, f) != 1) {
		if (f != NULL)
			fclose(f);
		return 0;
	}
	while (fread(hdr, sizeof(hdr), 1, f) == 1) {
		uint32_t incl, orig, seq, i;
		bool ok;

		memcpy(&incl, hdr + 8, 4);
		memcpy(&orig, hdr + 12, 4);
		if (incl > sizeof(buf) || fread(buf, incl, 1, f) != 1)
			break;
		(*records)++;
		ok = incl == PKT_LEN && orig == PKT_LEN;
		seq = buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24;
		for (i = 4; ok && i < PKT_LEN; i++)
			ok = buf[i] == vzc_pattern(seq, i);
		good += ok;
	}
	fclose(f);
	return good;
}

static void
test_dumpcap(const char *prefix)
{
	char pfx[128], cnt[16], out[300], pcap[300];
	char *argv[] = { "dpdk-dumpcap", pfx, "-i", "net_vhostzc0", "-c", cnt,
			 "-P", "-w", pcap, NULL };
	uint64_t zc0 = vzc_xstat(be_port, "rx_zc_packets");
	uint32_t records = 0, good;
	pid_t pid;

	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	snprintf(cnt, sizeof(cnt), "%u", CAPTURE);
	snprintf(out, sizeof(out), "%s/dumpcap.log", dir);
	snprintf(pcap, sizeof(pcap), "%s/rx.pcap", dir);
	pid = vzc_spawn(argv, NULL, true, out, -1);
	CHECK(pid > 0 && wait_pumping(pid, 60, true) == 0,
	      "dpdk-dumpcap captured %u packets (output in %s)", CAPTURE, out);
	good = pcap_check(pcap, &records);
	/* dumpcap stops after the burst that reaches the count. */
	CHECK(records >= CAPTURE && good == records,
	      "every captured packet is what the peer sent: %u of %u records",
	      good, records);
	CHECK(vzc_xstat(be_port, "rx_zc_packets") > zc0,
	      "zero-copy packets among them");
}

/* Whether name is an executable somewhere on PATH. */
static bool
on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path != NULL && *path != '\0') {
		const char *end = strchr(path, ':');
		size_t n = end != NULL ? (size_t)(end - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (access(buf, X_OK) == 0)
			return true;
		path = end != NULL ? end + 1 : NULL;
	}
	return false;
}

int
main(int argc, char **argv)
{
	const char *prefix = getenv("VZC_PREFIX");
	const char *pmd = getenv("VZC_PMD");
	uint64_t deadline;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (getenv("VZC_HUGE") == NULL || prefix == NULL || pmd == NULL) {
		printf("SKIP: secondary processes need hugepage memory shared "
		       "under a file prefix (none free here)\n");
		rte_eal_cleanup();
		return 77;
	}
	if (!on_path("dpdk-proc-info") || !on_path("dpdk-dumpcap")) {
		printf("SKIP: dpdk-proc-info or dpdk-dumpcap not on PATH (this "
		       "DPDK was built without its apps)\n");
		rte_eal_cleanup();
		return 77;
	}
	snprintf(dir, sizeof(dir), "%s",
		 getenv("VZC_SOCK_DIR") != NULL ? getenv("VZC_SOCK_DIR") : "/tmp");
	be_port = vzc_port_by_driver("net_vhostzc");
	peer_port = vzc_port_by_driver("net_virtio_user");
	CHECK(be_port != RTE_MAX_ETHPORTS && peer_port != RTE_MAX_ETHPORTS,
	      "both ports probed");
	if (be_port == RTE_MAX_ETHPORTS || peer_port == RTE_MAX_ETHPORTS)
		return vzc_test_summary("test_secondary");
	pool = rte_pktmbuf_pool_create("sec_pool", 8191, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(pool != NULL && vzc_port_setup(be_port, pool, NULL) == 0 &&
	      vzc_port_setup(peer_port, pool, NULL) == 0, "ports up");
	CHECK(rte_pdump_init() == 0, "capture server for secondaries");

	deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	while (rx_got < FIRST && rte_get_timer_cycles() < deadline)
		pump(FIRST - next_seq < 32 ? FIRST - next_seq : 32);
	CHECK(rx_got == FIRST && rx_bad == 0, "%u of %u received intact", rx_got,
	      FIRST);
	rte_eth_rx_burst(be_port, 0, NULL, 0);
	test_proc_info(prefix, pmd);
	test_dumpcap(prefix);

	/* Drain: the primary saw every packet intact, nothing stays lent. */
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (rx_got < next_seq && rte_get_timer_cycles() < deadline)
		pump(0);
	rte_eth_rx_burst(be_port, 0, NULL, 0);
	CHECK(rx_got == next_seq && rx_bad == 0,
	      "primary: %u of %u received intact during the capture", rx_got,
	      next_seq);
	CHECK(vzc_xstat(be_port, "rx_desc_lent_now") == 0 &&
	      vzc_xstat(be_port, "rx_bad_desc") == 0,
	      "nothing left lent, no bad descriptor");
	CHECK(rte_pdump_uninit() == 0, "capture server down");
	CHECK(rte_eth_dev_stop(peer_port) == 0 && rte_eth_dev_close(peer_port) == 0 &&
	      rte_eth_dev_stop(be_port) == 0 && rte_eth_dev_close(be_port) == 0,
	      "ports close");
	CHECK(rte_mempool_full(pool), "pool full: %u", rte_mempool_avail_count(pool));
	rte_eal_cleanup();
	return vzc_test_summary("test_secondary");
}
