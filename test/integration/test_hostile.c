/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * net_vhostzc against a hostile guest. hostile_fe, a vhost-user front-end
 * of our own with its own memory and rings, attacks the port one class at
 * a time, each case from a fresh process and connection: malformed chains,
 * impossible indices, bad ring sizes and memory tables, re-posts of lent
 * heads, descriptors rewritten in flight, reconnect storms, memory and log
 * fds smaller than they claim, memory that shrinks under a running device.
 * This process is the application: it creates the ports, polls them,
 * checks every received packet byte for byte (or holds it), and at each
 * of the front-end's steps checks the port's xstats against what the
 * front-end says it sent. The front-end checks the used ring. Good traffic
 * must flow after every case, and the process must live through all of
 * them.
 *
 * usage: test_hostile EAL-ARGS [-- CASE...]   (default: every case)
 * Environment: VZC_SOCK_DIR (socket directory), VZC_HOSTILE_BIN.
 *
 * Step keys, from hostile_fe's "STEP case/label key=value ..." lines (an
 * absent key is not checked; deltas are since the previous step):
 *   rx, bytes   good packets received (bytes intact) and their payload bytes
 *   rxmax       at most this many good packets
 *   bad         rx_bad_desc delta, exactly; badmax: at most
 *   total       good + wrongly sized packets + rx_bad_desc delta, exactly
 *   broken      rx_ring_broken now; lent: rx_desc_lent_now now
 *   refused     vhost_msg_refused delta; faults_min: vhost_mem_faults delta
 *               at least
 *   connects    vhost_connects delta (devices started)
 *   zc_returned rx_desc_returned delta (lent descriptors given back)
 *   down=1      first wait for link down; wait=MS: first poll that long
 *   release=1   free every held mbuf (bytes checked again) before the checks
 *   hold=0|1    after the checks: keep, or free, every received mbuf
 *   mode=       after the checks: pattern (bytes checked), len64 (only
 *               that length + 12 is a multiple of 64: rewritten in flight),
 *               or any (nothing checked: memory the guest took away)
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "../unit/vzc_test.h"
#include "vzc_itest.h"
#include "vzc_pattern.h"

#define HDR_LEN		12
#define MAX_PKT		(128 * 1024)
#define HOLD_MAX	1024
#define CASE_TIMEOUT_MS	(300 * 1000)
#define DOWN_TIMEOUT_MS	10000
/* Library threads may open a file or map a page of their own meanwhile. */
#define FD_SLACK	4
#define MAPS_SLACK	16

struct port {
	const char *name;
	const char *sock_name;
	uint32_t room;		/* mbuf data room past the headroom */
	unsigned int nb_mbufs;
	uint16_t id;
	struct rte_mempool *pool;
	char sock[PATH_MAX];
};

static struct port ports[] = {
	{ "net_vhostzc0", "sock", 2048, 8191, 0, NULL, "" },
	/* Small mbufs: a 60000 B packet takes 235 of them. */
	{ "net_vhostzc1", "sock1", 256, 4095, 0, NULL, "" },
};

static const struct {
	const char *name;
	unsigned int port;
	bool leak_check;	/* fds and mappings back to where they were */
} cases[] = {
	{ "benign", 0, false },
	{ "bad-chains", 0, false },
	{ "bad-head", 0, false },
	{ "avail-jump", 0, false },
	{ "ring-sizes", 0, false },
	{ "bad-mem-tables", 0, false },
	{ "held-repost", 0, false },
	{ "toctou", 0, false },
	{ "reconnect-storm", 0, true },
	{ "long-chain", 0, false },
	{ "many-mbufs", 1, false },
	{ "short-mem-fd", 0, false },
	{ "short-log-fd", 0, false },
	/* Last: a backend that does not survive the SIGBUS ends the run. */
	{ "truncate-after", 0, false },
};

#define NB_CASES RTE_DIM(cases)

enum xs {
	XS_BAD, XS_BROKEN, XS_ZC, XS_COPIED, XS_RETURNED, XS_LENT,
	XS_CONNECTS, XS_REFUSED, XS_FAULTS, XS_NR
};

static const char *const xs_name[XS_NR] = {
	"rx_bad_desc", "rx_ring_broken", "rx_zc_packets", "rx_copied_packets",
	"rx_desc_returned", "rx_desc_lent_now", "vhost_connects",
	"vhost_msg_refused", "vhost_mem_faults",
};

struct xsnap {
	uint64_t v[XS_NR];
	bool have[XS_NR];
};

/* What was received since the last step. */
struct tally {
	uint64_t good;		/* intact (or well sized, or any: see mode) */
	uint64_t bytes;
	uint64_t corrupt;	/* bytes not the pattern */
	uint64_t badlen;	/* len64 mode: a length never posted */
	uint64_t foreign;	/* on a port the case does not use */
};

/* How received packets are judged. */
enum rx_mode { RX_PATTERN, RX_LEN64, RX_ANY };

/* The case being run. */
static struct {
	const char *cname;
	struct port *p;
	bool hold;
	enum rx_mode mode;
	struct rte_mbuf *held[HOLD_MAX];
	unsigned int nheld;
	struct tally t;
	struct xsnap last;	/* at the last step */
	int sync;		/* socket to hostile_fe */
	char buf[2048];		/* partial step line */
	size_t blen;
} run;

/* The port's xstats we check, read by name. */
static void
xs_take(uint16_t port, struct xsnap *s)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n = rte_eth_xstats_get_names(port, NULL, 0), i;
	unsigned int k;

	memset(s, 0, sizeof(*s));
	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names == NULL || vals == NULL ||
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) != n ||
	    rte_eth_xstats_get(port, vals, (unsigned int)n) != n)
		goto out;
	for (i = 0; i < n; i++) {
		if (vals[i].id >= (uint64_t)n)
			continue;
		for (k = 0; k < XS_NR; k++)
			if (strcmp(names[vals[i].id].name, xs_name[k]) == 0) {
				s->v[k] = vals[i].value;
				s->have[k] = true;
			}
	}
out:
	free(names);
	free(vals);
}

/* vzc_pattern_check for any length (it stops at 16 KiB). */
static bool
pkt_intact(const struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	const uint8_t *p;
	uint32_t seq, off = 0, i;
	uint8_t b[4];

	if (m->pkt_len <= 16384)
		return vzc_pattern_check(m, m->pkt_len, &seq);
	p = rte_pktmbuf_read(m, 0, sizeof(b), b);
	if (p == NULL)
		return false;
	seq = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	for (s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);

		for (i = 0; i < s->data_len; i++, off++)
			if (d[i] != vzc_pattern(seq, off))
				return false;
	}
	return off == m->pkt_len;
}

static void
account(const struct port *p, struct rte_mbuf *m)
{
	if (p != run.p) {
		run.t.foreign++;
		printf("%s: %u B packet on %s\n", run.cname, m->pkt_len, p->name);
		rte_pktmbuf_free(m);
		return;
	}
	if (run.mode == RX_ANY) {
		run.t.good++;
		run.t.bytes += m->pkt_len;
	} else if (run.mode == RX_LEN64) {
		if ((m->pkt_len + HDR_LEN) % 64 == 0 &&
		    m->pkt_len + HDR_LEN <= MAX_PKT) {
			run.t.good++;
		} else {
			run.t.badlen++;
			printf("%s: received a %u B packet, a length never posted\n",
			       run.cname, m->pkt_len);
		}
	} else if (pkt_intact(m)) {
		run.t.good++;
		run.t.bytes += m->pkt_len;
	} else {
		run.t.corrupt++;
		printf("%s: corrupt packet: %u B in %u segments\n", run.cname,
		       m->pkt_len, m->nb_segs);
	}
	if (run.hold && run.nheld < HOLD_MAX) {
		run.held[run.nheld++] = m;
		return;
	}
	if (run.hold)
		CHECK(false, "%s: more than %u packets to hold", run.cname,
		      HOLD_MAX);
	rte_pktmbuf_free(m);
}

/* One burst on every port; a short nap when nothing came. */
static void
poll_once(void)
{
	struct rte_mbuf *pkts[32];
	unsigned int i, got = 0;
	uint16_t n, k;

	for (i = 0; i < RTE_DIM(ports); i++) {
		n = rte_eth_rx_burst(ports[i].id, 0, pkts, RTE_DIM(pkts));
		for (k = 0; k < n; k++)
			account(&ports[i], pkts[k]);
		got += n;
	}
	if (got == 0) {
		struct timespec ts = { 0, 20000 };

		nanosleep(&ts, NULL);
	}
}

static void
poll_for(uint64_t ms)
{
	uint64_t end = vzc_now_ms() + ms;

	while (vzc_now_ms() < end)
		poll_once();
}

/* What vzc_wait_fds_maps() does between two looks: keep polling. */
static void
poll_10ms(void)
{
	poll_for(10);
}

static void
release_held(void)
{
	unsigned int i, changed = 0;

	for (i = 0; i < run.nheld; i++) {
		if (run.mode == RX_PATTERN && !pkt_intact(run.held[i]))
			changed++;
		rte_pktmbuf_free(run.held[i]);
	}
	CHECK(changed == 0, "%s: %u of %u held packets changed while held",
	      run.cname, changed, run.nheld);
	run.nheld = 0;
}

enum key {
	K_RX, K_RXMAX, K_BYTES, K_BAD, K_BADMAX, K_TOTAL, K_BROKEN, K_LENT,
	K_REFUSED, K_FAULTS_MIN, K_CONNECTS, K_ZC_RETURNED, K_DOWN, K_WAIT,
	K_RELEASE, K_HOLD, K_NR
};

static const char *const key_name[K_NR] = {
	"rx", "rxmax", "bytes", "bad", "badmax", "total", "broken", "lent",
	"refused", "faults_min", "connects", "zc_returned", "down", "wait",
	"release", "hold",
};

static const char *const mode_name[] = { "pattern", "len64", "any" };

struct step {
	char label[160];
	bool has[K_NR];
	uint64_t v[K_NR];
	int mode;		/* enum rx_mode, or -1: unchanged */
};

static bool
step_parse(char *line, struct step *st)
{
	char *save = NULL, *tok, *end;
	unsigned int k;

	memset(st, 0, sizeof(*st));
	st->mode = -1;
	tok = strtok_r(line, " ", &save);
	if (tok == NULL || strcmp(tok, "STEP") != 0)
		return false;
	tok = strtok_r(NULL, " ", &save);
	if (tok == NULL)
		return false;
	snprintf(st->label, sizeof(st->label), "%s", tok);
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			return false;
		*eq++ = '\0';
		if (strcmp(tok, "mode") == 0) {
			for (k = 0; k < RTE_DIM(mode_name) &&
			     strcmp(eq, mode_name[k]) != 0; k++)
				;
			if (k == RTE_DIM(mode_name))
				return false;
			st->mode = (int)k;
			continue;
		}
		for (k = 0; k < K_NR && strcmp(tok, key_name[k]) != 0; k++)
			;
		if (k == K_NR)
			return false;
		errno = 0;
		st->v[k] = strtoull(eq, &end, 0);
		if (*eq == '\0' || *end != '\0' || errno != 0)
			return false;
		st->has[k] = true;
	}
	return true;
}

/* An xstat's value, or its delta since the last step; false if absent. */
static bool
xs_get(const struct xsnap *now, enum xs x, bool delta, uint64_t *v,
       const char *label)
{
	CHECK(now->have[x], "%s: the port has no xstat %s", label, xs_name[x]);
	if (!now->have[x])
		return false;
	*v = delta ? now->v[x] - run.last.v[x] : now->v[x];
	return true;
}

static void
step_checks(const struct step *st, const struct xsnap *now)
{
	const char *l = st->label;
	const struct tally *t = &run.t;
	uint64_t v;

	CHECK(t->corrupt == 0 && t->badlen == 0 && t->foreign == 0,
	      "%s: %" PRIu64 " corrupt packets, %" PRIu64 " of a length never "
	      "posted, %" PRIu64 " on another port", l, t->corrupt, t->badlen,
	      t->foreign);
	if (st->has[K_RX])
		CHECK(t->good == st->v[K_RX], "%s: %" PRIu64 " good packets "
		      "received, want %" PRIu64, l, t->good, st->v[K_RX]);
	if (st->has[K_RXMAX])
		CHECK(t->good <= st->v[K_RXMAX], "%s: %" PRIu64 " good packets "
		      "received, want at most %" PRIu64, l, t->good,
		      st->v[K_RXMAX]);
	if (st->has[K_BYTES])
		CHECK(t->bytes == st->v[K_BYTES], "%s: %" PRIu64 " payload bytes "
		      "received, want %" PRIu64, l, t->bytes, st->v[K_BYTES]);
	if (st->has[K_BAD] && xs_get(now, XS_BAD, true, &v, l))
		CHECK(v == st->v[K_BAD], "%s: rx_bad_desc +%" PRIu64 ", want +%"
		      PRIu64, l, v, st->v[K_BAD]);
	if (st->has[K_BADMAX] && xs_get(now, XS_BAD, true, &v, l))
		CHECK(v <= st->v[K_BADMAX], "%s: rx_bad_desc +%" PRIu64
		      ", want at most +%" PRIu64, l, v, st->v[K_BADMAX]);
	if (st->has[K_TOTAL] && xs_get(now, XS_BAD, true, &v, l))
		CHECK(t->good + t->badlen + v == st->v[K_TOTAL], "%s: %" PRIu64
		      " received + %" PRIu64 " wrongly sized + %" PRIu64 " bad "
		      "descriptors, want %" PRIu64 " posted", l, t->good,
		      t->badlen, v, st->v[K_TOTAL]);
	if (st->has[K_BROKEN] && xs_get(now, XS_BROKEN, false, &v, l))
		CHECK(v == st->v[K_BROKEN], "%s: rx_ring_broken %" PRIu64
		      ", want %" PRIu64, l, v, st->v[K_BROKEN]);
	if (st->has[K_LENT] && xs_get(now, XS_LENT, false, &v, l))
		CHECK(v == st->v[K_LENT], "%s: rx_desc_lent_now %" PRIu64
		      ", want %" PRIu64, l, v, st->v[K_LENT]);
	if (st->has[K_REFUSED] && xs_get(now, XS_REFUSED, true, &v, l))
		CHECK(v == st->v[K_REFUSED], "%s: vhost_msg_refused +%" PRIu64
		      ", want +%" PRIu64, l, v, st->v[K_REFUSED]);
	if (st->has[K_FAULTS_MIN] && xs_get(now, XS_FAULTS, true, &v, l))
		CHECK(v >= st->v[K_FAULTS_MIN], "%s: vhost_mem_faults +%" PRIu64
		      ", want at least +%" PRIu64, l, v, st->v[K_FAULTS_MIN]);
	if (st->has[K_CONNECTS] && xs_get(now, XS_CONNECTS, true, &v, l))
		CHECK(v == st->v[K_CONNECTS], "%s: vhost_connects +%" PRIu64
		      ", want +%" PRIu64, l, v, st->v[K_CONNECTS]);
	if (st->has[K_ZC_RETURNED] && xs_get(now, XS_RETURNED, true, &v, l))
		CHECK(v == st->v[K_ZC_RETURNED], "%s: rx_desc_returned +%" PRIu64
		      ", want +%" PRIu64, l, v, st->v[K_ZC_RETURNED]);
}

/* One step of hostile_fe: wait as asked, check, answer 'k' or 'f'. */
static void
handle_step(char *line)
{
	unsigned int fail0 = vzc_test_fail;
	struct xsnap now;
	struct step st;
	char ack;

	if (!step_parse(line, &st)) {
		CHECK(false, "%s: malformed step line", run.cname);
		ack = 'f';
		goto answer;
	}
	if (st.has[K_DOWN] && st.v[K_DOWN] != 0)
		CHECK(vzc_wait_link(run.p->id, false, DOWN_TIMEOUT_MS, 0,
				    poll_once),
		      "%s: link still up after %u ms", st.label, DOWN_TIMEOUT_MS);
	if (st.has[K_WAIT])
		poll_for(st.v[K_WAIT]);
	if (st.has[K_RELEASE] && st.v[K_RELEASE] != 0) {
		release_held();
		poll_for(50);
	}
	xs_take(run.p->id, &now);
	step_checks(&st, &now);
	printf("step %s: %" PRIu64 " good packets, %" PRIu64 " B, rx_bad_desc +%"
	       PRIu64 ", %" PRIu64 " zc / %" PRIu64 " copied, %" PRIu64
	       " lent now: %s\n", st.label, run.t.good, run.t.bytes,
	       now.v[XS_BAD] - run.last.v[XS_BAD],
	       now.v[XS_ZC] - run.last.v[XS_ZC],
	       now.v[XS_COPIED] - run.last.v[XS_COPIED], now.v[XS_LENT],
	       vzc_test_fail == fail0 ? "ok" : "FAILED");
	if (st.has[K_HOLD])
		run.hold = st.v[K_HOLD] != 0;
	if (st.mode >= 0)
		run.mode = (enum rx_mode)st.mode;
	memset(&run.t, 0, sizeof(run.t));
	run.last = now;
	ack = vzc_test_fail == fail0 ? 'k' : 'f';
answer:
	/* The front-end may be gone already: no SIGPIPE. */
	if (send(run.sync, &ack, 1, MSG_NOSIGNAL) != 1)
		printf("%s: hostile_fe gone before the answer\n", run.cname);
}

/* Read what hostile_fe sent; handle every complete line. */
static void
sync_poll(void)
{
	ssize_t n = recv(run.sync, run.buf + run.blen,
			 sizeof(run.buf) - 1 - run.blen, MSG_DONTWAIT);
	char *nl;

	if (n > 0)
		run.blen += (size_t)n;
	run.buf[run.blen] = '\0';
	while ((nl = strchr(run.buf, '\n')) != NULL) {
		char line[sizeof(run.buf)];
		size_t used = (size_t)(nl + 1 - run.buf);

		memcpy(line, run.buf, used - 1);
		line[used - 1] = '\0';
		memmove(run.buf, nl + 1, run.blen - used + 1);
		run.blen -= used;
		handle_step(line);
	}
	if (run.blen == sizeof(run.buf) - 1) {
		CHECK(false, "%s: step line too long", run.cname);
		run.blen = 0;
	}
}

/* hostile_fe CASE SOCKET, with our end of a socket pair as its fd 3. */
static pid_t
fe_spawn(const char *cname, const char *sock, int *sync)
{
	const char *bin = getenv("VZC_HOSTILE_BIN");
	char *argv[4];
	int sv[2], child;
	pid_t pid;

	if (bin == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	/* Above 3: dup2 onto 3 then clears close-on-exec. */
	child = fcntl(sv[1], F_DUPFD_CLOEXEC, 4);
	close(sv[1]);
	if (child < 0) {
		close(sv[0]);
		return -1;
	}
	argv[0] = (char *)(uintptr_t)bin;
	argv[1] = (char *)(uintptr_t)cname;
	argv[2] = (char *)(uintptr_t)sock;
	argv[3] = NULL;
	pid = vzc_spawn(argv, NULL, false, NULL, child);
	close(child);
	if (pid < 0)
		close(sv[0]);
	else
		*sync = sv[0];
	return pid;
}

static bool
run_case(unsigned int ci)
{
	unsigned int fail0 = vzc_test_fail, fds0 = 0, maps0 = 0;
	uint64_t deadline;
	int status = -1;
	pid_t pid;

	run.cname = cases[ci].name;
	run.p = &ports[cases[ci].port];
	run.hold = false;
	run.mode = RX_PATTERN;
	run.nheld = 0;
	run.blen = 0;
	memset(&run.t, 0, sizeof(run.t));
	printf("=== case %s on %s\n", run.cname, run.p->name);
	if (cases[ci].leak_check) {
		fds0 = vzc_count_fds();
		maps0 = vzc_count_maps(false);
	}
	xs_take(run.p->id, &run.last);
	pid = fe_spawn(run.cname, run.p->sock, &run.sync);
	CHECK(pid > 0, "%s: cannot start hostile_fe", run.cname);
	if (pid <= 0)
		return false;
	deadline = vzc_now_ms() + CASE_TIMEOUT_MS;
	for (;;) {
		poll_once();
		sync_poll();
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (vzc_now_ms() > deadline) {
			status = vzc_kill_wait(pid, SIGKILL);
			CHECK(false, "%s: hostile_fe killed after %u s", run.cname,
			      CASE_TIMEOUT_MS / 1000);
			break;
		}
	}
	sync_poll();
	close(run.sync);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: hostile_fe exit status %d, signal %d", run.cname,
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	poll_for(100);
	CHECK(run.t.good + run.t.corrupt + run.t.badlen + run.t.foreign == 0,
	      "%s: packets received after the last step", run.cname);
	if (run.nheld != 0)
		release_held();
	if (cases[ci].leak_check) {
		CHECK(vzc_wait_fds_maps(fds0 + FD_SLACK, maps0 + MAPS_SLACK,
					false, 5000, 0, poll_10ms),
		      "%s: open fds %u -> %u, mappings %u -> %u", run.cname, fds0,
		      vzc_count_fds(), maps0, vzc_count_maps(false));
		printf("%s: open fds %u -> %u, mappings %u -> %u\n", run.cname,
		       fds0, vzc_count_fds(), maps0, vzc_count_maps(false));
	}
	printf("=== case %s: %s (%u failed checks)\n", run.cname,
	       vzc_test_fail == fail0 ? "PASS" : "FAIL", vzc_test_fail - fail0);
	return vzc_test_fail == fail0;
}

static int
port_create(struct port *p, unsigned int i, const char *dir)
{
	char args[PATH_MAX + 8], pool[32];

	snprintf(p->sock, sizeof(p->sock), "%s/%s", dir, p->sock_name);
	snprintf(args, sizeof(args), "iface=%s", p->sock);
	snprintf(pool, sizeof(pool), "hostile%u", i);
	p->pool = rte_pktmbuf_pool_create(pool, p->nb_mbufs, 256, 0,
					  RTE_PKTMBUF_HEADROOM + p->room,
					  SOCKET_ID_ANY);
	if (p->pool == NULL)
		return -1;
	return vzc_vdev_port_setup(p->name, args, p->pool, &p->id);
}

static bool
wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return true;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("VZC_SOCK_DIR");
	bool pass[NB_CASES], ran[NB_CASES];
	unsigned int i, nran = 0;
	bool ports_ok;
	int eal;

	setvbuf(stdout, NULL, _IOLBF, 0);
	eal = rte_eal_init(argc, argv);
	if (eal < 0 || dir == NULL || getenv("VZC_HOSTILE_BIN") == NULL) {
		fprintf(stderr, "usage: test_hostile EAL [-- CASE...], with "
			"VZC_SOCK_DIR and VZC_HOSTILE_BIN set\n");
		return 1;
	}
	/* argv[eal] is the program name again; cases follow. */
	argc -= eal + 1;
	argv += eal + 1;
	for (i = 0; i < RTE_DIM(ports); i++)
		CHECK(port_create(&ports[i], i, dir) == 0, "%s created",
		      ports[i].name);
	ports_ok = vzc_test_fail == 0;
	for (i = 0; i < NB_CASES; i++) {
		ran[i] = ports_ok && wanted(cases[i].name, argc, argv);
		pass[i] = ran[i] && run_case(i);
		nran += ran[i];
	}
	CHECK(nran != 0, "no case by that name");
	for (i = 0; i < NB_CASES && nran != 0; i++)
		if (ran[i])
			printf("hostile: %-16s %s\n", cases[i].name,
			       pass[i] ? "PASS" : "FAIL");
	for (i = 0; i < RTE_DIM(ports); i++) {
		rte_eth_dev_stop(ports[i].id);
		rte_vdev_uninit(ports[i].name);
	}
	rte_eal_cleanup();
	return vzc_test_summary("hostile");
}
