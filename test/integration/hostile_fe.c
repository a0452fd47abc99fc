/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * A hostile vhost-user front-end, the guest side of test_hostile. It speaks
 * the protocol itself over the unix socket, with its own memfd guest memory
 * and its own split rings, so that it can send what no well-behaved driver
 * (virtio-user, QEMU) ever would: malformed chains, impossible indices, bad
 * memory tables, descriptors rewritten under the backend's feet, memory
 * that shrinks. No DPDK here: nothing is shared with the backend but the
 * socket and the memory, as with a real guest.
 *
 * It checks what only the front-end can see: every used id is in range,
 * was posted and comes back once, with length 0; connections the backend
 * must close are closed. At each step it tells test_hostile (fd 3, a
 * socket) what it sent since the previous step, as one line
 * "STEP case/label key=value ...", and waits for a one-byte answer while
 * test_hostile checks its xstats and received packets against that (the
 * keys are described in test_hostile.c). The payload pattern is the one of
 * vzc_pattern.h, reimplemented here without DPDK.
 *
 * usage: hostile_fe CASE SOCKET
 * Exit status 0 when every front-end check passed. Without fd 3 it runs
 * unsynchronised, printing its steps (for debugging by hand).
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif

/* vhost-user front-end requests (QEMU docs/interop/vhost-user.rst). */
#define VU_GET_FEATURES			1
#define VU_SET_FEATURES			2
#define VU_SET_OWNER			3
#define VU_SET_MEM_TABLE		5
#define VU_SET_LOG_BASE			6
#define VU_SET_VRING_NUM		8
#define VU_SET_VRING_ADDR		9
#define VU_SET_VRING_BASE		10
#define VU_SET_VRING_KICK		12
#define VU_SET_VRING_CALL		13
#define VU_GET_PROTOCOL_FEATURES	15
#define VU_SET_PROTOCOL_FEATURES	16
#define VU_SET_VRING_ENABLE		18

#define VU_VERSION		0x1
#define VU_VERSION_MASK		0x3
#define VU_FLAG_REPLY		0x4
#define VU_HDR_LEN		12
/* More than the 8 regions a table may have: the 9-region case. */
#define VU_TABLE_MAX		9

#define F_LOG_ALL		(1ULL << 26)
#define F_PROTOCOL_FEATURES	(1ULL << 30)
#define F_VERSION_1		(1ULL << 32)
#define PF_LOG_SHMFD		(1ULL << 1)
#define VRING_ADDR_F_LOG	1

#define D_NEXT			1
#define D_WRITE			2
#define D_INDIRECT		4
#define AVAIL_F_NO_INTERRUPT	1

/* virtio-net header with VIRTIO_F_VERSION_1; the backend's packet limit. */
#define HDR_LEN			12
#define MAX_PKT			(128 * 1024)

/*
 * Guest memory: one region of MEM_SIZE at GPA_BASE; offsets below. Buffer
 * slots start on a 2 MiB boundary and never straddle one, so that each
 * packet is IOVA-contiguous on hugepages too (the backend lends only
 * those). The upper half is what the truncation case takes away.
 */
#define GPA_BASE		0x100000000ULL
#define MEM_SIZE		(16ULL << 20)
#define RING_SIZE		256
#define RING_AREA		0x4000	/* desc +0, avail +0x1000, used +0x2000 */
#define RING0_OFF		0x000000
#define RING1_OFF		0x004000
#define TABLE_OFF		0x100000	/* indirect table of slot s */
#define TABLE_SZ		0x2000
#define SLOT_OFF		0x400000
#define SLOT_SZ			0x4000
#define NSLOTS			256
#define BIG_OFF			0x800000	/* one packet of up to 1 MiB */
#define HIGH_RING_OFF		0xc00000
#define HIGH_BUF_OFF		0xd00000
#define MAX_CHAIN		128
#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

/* Time limits (ms): generous, the machine is shared and maybe sanitized. */
#define T_REPLY			5000
#define T_RETURN		10000
#define T_ACK			300000

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vavail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vused_elem {
	uint32_t id;
	uint32_t len;
};

struct vused {
	uint16_t flags;
	uint16_t idx;
	struct vused_elem ring[];
};

struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t offset;
};

struct __attribute__((packed)) vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {
			uint32_t index;
			uint32_t flags;
			uint64_t desc;
			uint64_t used;
			uint64_t avail;
			uint64_t log;
		} addr;
		struct {
			uint32_t nregions;
			uint32_t padding;
			struct vu_region r[VU_TABLE_MAX];
		} mem;
		struct {
			uint64_t size;
			uint64_t offset;
		} log;
	} p;
};

/* Guest memory: a memfd mapped here; its buffer slots. */
struct gmem {
	int fd;
	uint8_t *va;
	uint64_t size;		/* of our mapping */
	uint64_t gpa;
	bool huge;
	uint8_t slot_busy[NSLOTS];
	unsigned int slot_next;	/* rotates across connections */
};

enum { H_FREE, H_POSTED };

/* One split ring as the driver sees it, and what it expects back. */
struct ring {
	unsigned int index;
	uint16_t size;
	struct vdesc *desc;
	struct vavail *avail;
	struct vused *used;
	uint16_t avail_idx;	/* published avail->idx */
	uint16_t used_seen;	/* used entries consumed */
	bool used_broken;	/* used->idx made no sense: stop reading */
	uint8_t state[RING_SIZE];	/* per head */
	int16_t owner[RING_SIZE];	/* per descriptor: its chain's head */
	int16_t slot[RING_SIZE];	/* per head: its buffer slot */
	unsigned int desc_next;
	unsigned int outstanding;
	unsigned int returned;	/* since the last step */
	uint16_t returned_ids[8];	/* the first of those */
};

struct chain {
	struct ring *r;
	unsigned int n;
	uint16_t d[MAX_CHAIN];
	int slot;
};

struct fe {
	const char *cname;
	const char *sock_path;
	int sync;		/* to test_hostile, or -1 */
	int sock;		/* -1: not connected */
	bool eof;		/* the backend closed the connection */
	bool usable;		/* connected, device set up, rings sane */
	int kick[2], call[2];
	uint64_t features;
	bool ring_log;		/* SET_VRING_ADDR with the log flag */
	uint64_t ring1_off;
	struct gmem *mem;
	struct ring r[2];
	uint32_t seq;
	unsigned int errors;
	/* Since the last step: what test_hostile should have seen. */
	unsigned int good;
	uint64_t bytes;
	unsigned int bad;
};

static struct gmem main_mem;

static void __attribute__((format(printf, 2, 3)))
fe_err(struct fe *fe, const char *fmt, ...)
{
	va_list ap;

	fe->errors++;
	printf("FE-ERROR %s: ", fe->cname);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void __attribute__((format(printf, 2, 3)))
fe_log(struct fe *fe, const char *fmt, ...)
{
	va_list ap;

	printf("FE %s: ", fe->cname);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* vzc_pattern() of vzc_pattern.h, byte for byte. */
static uint8_t
pattern(uint32_t seq, uint32_t i)
{
	if (i < 4)
		return (uint8_t)(seq >> (8 * i));
	return (uint8_t)(seq * 13 + i * 5 + (i >> 9));
}

static void
pattern_fill(uint8_t *d, uint32_t n, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		d[i] = pattern(seq, i);
}

/* ---- guest memory ---- */

enum mem_kind {
	MEM_SEALED,	/* as QEMU's memfd backend: hugepages when we have them */
	MEM_PLAIN,	/* small pages, unsealed: may be truncated */
};

static int
memfd_sized(unsigned int flags, uint64_t size)
{
	int fd = memfd_create("vzc-guest", flags);

	if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int
mem_create(struct gmem *m, uint64_t fd_size, uint64_t map_size,
	   enum mem_kind kind)
{
	unsigned int flags = MFD_CLOEXEC |
		(kind == MEM_SEALED ? MFD_ALLOW_SEALING : 0);
	bool huge = kind == MEM_SEALED && getenv("VZC_HUGE") != NULL;

	memset(m, 0, sizeof(*m));
	/* Hugepages first when there are any; small ones when none is free. */
	for (;; huge = false) {
		m->va = MAP_FAILED;
		m->fd = memfd_sized(flags | (huge ? MFD_HUGETLB : 0), fd_size);
		if (m->fd >= 0 && (kind != MEM_SEALED ||
		    fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			  F_SEAL_SEAL) == 0))
			m->va = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
				     MAP_SHARED, m->fd, 0);
		if (m->va != MAP_FAILED)
			break;
		if (m->fd >= 0)
			close(m->fd);
		if (!huge) {
			printf("FE-ERROR guest memory (%" PRIu64 " B): %s\n",
			       fd_size, strerror(errno));
			m->fd = -1;
			m->va = NULL;
			return -1;
		}
	}
	m->huge = huge;
	m->size = map_size;
	m->gpa = GPA_BASE;
	return 0;
}

static void
mem_destroy(struct gmem *m)
{
	if (m->va != NULL)
		munmap(m->va, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->va = NULL;
	m->fd = -1;
}

static uint64_t
gpa_at(const struct fe *fe, uint64_t off)
{
	return fe->mem->gpa + off;
}

static uint8_t *
va_at(const struct fe *fe, uint64_t off)
{
	return fe->mem->va + off;
}

static uint64_t
slot_off(int s)
{
	return SLOT_OFF + (uint64_t)s * SLOT_SZ;
}

static int
slot_alloc(struct gmem *m)
{
	unsigned int k;

	for (k = 0; k < NSLOTS; k++) {
		unsigned int s = (m->slot_next + k) % NSLOTS;

		if (!m->slot_busy[s]) {
			m->slot_busy[s] = 1;
			m->slot_next = s + 1;
			return (int)s;
		}
	}
	return -1;
}

/* ---- rings ---- */

static void
ring_reset(struct fe *fe, unsigned int index, uint64_t off)
{
	struct ring *r = &fe->r[index];
	uint8_t *base = va_at(fe, off);
	unsigned int i;

	memset(base, 0, RING_AREA);
	memset(r, 0, sizeof(*r));
	r->index = index;
	r->size = RING_SIZE;
	r->desc = (struct vdesc *)base;
	r->avail = (struct vavail *)(base + 0x1000);
	r->used = (struct vused *)(base + 0x2000);
	/* We poll the used ring; no interrupts. */
	r->avail->flags = AVAIL_F_NO_INTERRUPT;
	for (i = 0; i < RING_SIZE; i++) {
		r->owner[i] = -1;
		r->slot[i] = -1;
	}
	if (index == 1)
		memset(fe->mem->slot_busy, 0, sizeof(fe->mem->slot_busy));
}

static void
avail_push(struct ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
	/* Entries and descriptors before the index the backend polls. */
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static void
head_release(struct fe *fe, struct ring *r, uint16_t head)
{
	unsigned int d;

	for (d = 0; d < r->size; d++)
		if (r->owner[d] == (int16_t)head)
			r->owner[d] = -1;
	if (r->slot[head] >= 0)
		fe->mem->slot_busy[r->slot[head]] = 0;
	r->slot[head] = -1;
	__atomic_store_n(&r->state[head], H_FREE, __ATOMIC_RELAXED);
	r->outstanding--;
	if (r->returned < ARRAY_LEN(r->returned_ids))
		r->returned_ids[r->returned] = head;
	r->returned++;
}

/*
 * Consume the used ring: every id must be in range and posted, each comes
 * back once, with length 0 (nothing is written into a TX buffer).
 */
static unsigned int
reap(struct fe *fe, struct ring *r)
{
	uint16_t idx, n;
	unsigned int got = 0;

	if (r->used_broken)
		return 0;
	idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	n = (uint16_t)(idx - r->used_seen);
	if (n > r->outstanding) {
		fe_err(fe, "ring %u: used idx %u is %u entries past %u, but only "
		       "%u heads are out", r->index, idx, n, r->used_seen,
		       r->outstanding);
		if (n > r->size) {
			r->used_broken = true;
			return 0;
		}
	}
	while (r->used_seen != idx) {
		struct vused_elem e = r->used->ring[r->used_seen & (r->size - 1)];

		r->used_seen++;
		if (e.id >= r->size) {
			fe_err(fe, "ring %u: used id %u out of range (len %u)",
			       r->index, e.id, e.len);
			continue;
		}
		if (r->state[e.id] != H_POSTED) {
			fe_err(fe, "ring %u: used id %u returned but not out "
			       "(a second return?), len %u", r->index, e.id, e.len);
			continue;
		}
		if (e.len != 0)
			fe_err(fe, "ring %u: used id %u with len %u, want 0",
			       r->index, e.id, e.len);
		head_release(fe, r, (uint16_t)e.id);
		got++;
	}
	return got;
}

static unsigned int
free_descs(const struct ring *r)
{
	unsigned int d, n = 0;

	for (d = 0; d < r->size; d++)
		n += r->owner[d] == -1 && r->state[d] == H_FREE;
	return n;
}

/* Reap until ndesc descriptors and a buffer slot are free. */
static int
room(struct fe *fe, struct ring *r, unsigned int ndesc)
{
	uint64_t end = now_ms() + T_RETURN;
	unsigned int s;
	bool slot;

	for (;;) {
		reap(fe, r);
		slot = false;
		for (s = 0; s < NSLOTS && !slot; s++)
			slot = !fe->mem->slot_busy[s];
		if (slot && free_descs(r) >= ndesc)
			return 0;
		if (now_ms() > end) {
			fe_err(fe, "ring %u: no room for %u descriptors after %u ms "
			       "(%u heads out)", r->index, ndesc, T_RETURN,
			       r->outstanding);
			return -1;
		}
		usleep(50);
	}
}

static bool
wait_back(struct fe *fe, struct ring *r, int head, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		reap(fe, r);
		if (head < 0 ? r->outstanding == 0 : r->state[head] == H_FREE)
			return true;
		if (now_ms() > end || r->used_broken)
			return false;
		usleep(50);
	}
}

/* Every posted head back; lists the missing ones otherwise. */
static int
wait_all_back(struct fe *fe, struct ring *r)
{
	unsigned int h, shown = 0;

	if (wait_back(fe, r, -1, T_RETURN))
		return 0;
	fe_err(fe, "ring %u: %u heads not returned after %u ms", r->index,
	       r->outstanding, T_RETURN);
	for (h = 0; h < r->size && shown < 16; h++)
		if (r->state[h] == H_POSTED) {
			printf("FE %s:   head %u still out\n", fe->cname, h);
			shown++;
		}
	return -1;
}

static void
chain_begin(struct chain *c, struct ring *r, int slot)
{
	c->r = r;
	c->n = 0;
	c->d[0] = 0;
	c->slot = slot;
}

/* Append a descriptor; the previous one gets NEXT and points at it. */
static int
chain_add(struct chain *c, uint64_t addr, uint32_t len, uint16_t flags)
{
	struct ring *r = c->r;
	unsigned int k;

	if (c->n == MAX_CHAIN)
		return -1;
	for (k = 0; k < r->size; k++) {
		unsigned int d = (r->desc_next + k) % r->size;
		unsigned int j;
		bool mine = false;

		if (r->owner[d] != -1 || r->state[d] != H_FREE)
			continue;
		for (j = 0; j < c->n && !mine; j++)
			mine = c->d[j] == d;
		if (mine)
			continue;
		r->desc_next = d + 1;
		r->desc[d] = (struct vdesc){ addr, len, flags, 0 };
		if (c->n != 0) {
			r->desc[c->d[c->n - 1]].flags |= D_NEXT;
			r->desc[c->d[c->n - 1]].next = (uint16_t)d;
		}
		c->d[c->n++] = (uint16_t)d;
		return (int)d;
	}
	return -1;
}

static struct vdesc *
chain_desc(const struct chain *c, unsigned int k)
{
	return &c->r->desc[c->d[k]];
}

/* Post the chain; its head, or -1 for a chain without descriptors. */
static int
chain_post(struct chain *c)
{
	struct ring *r = c->r;
	uint16_t head = c->d[0];
	unsigned int k;

	if (c->n == 0)
		return -1;
	for (k = 0; k < c->n; k++)
		r->owner[c->d[k]] = (int16_t)head;
	r->slot[head] = (int16_t)c->slot;
	__atomic_store_n(&r->state[head], H_POSTED, __ATOMIC_RELAXED);
	r->outstanding++;
	avail_push(r, head);
	return head;
}

/* A slot filled as one packet: header, then len pattern bytes. */
static int
slot_packet(struct fe *fe, uint32_t len)
{
	int s = slot_alloc(fe->mem);

	if (s < 0) {
		fe_err(fe, "no free buffer slot");
		return -1;
	}
	memset(va_at(fe, slot_off(s)), 0, HDR_LEN);
	pattern_fill(va_at(fe, slot_off(s)) + HDR_LEN, len, fe->seq++);
	return s;
}

/* One good packet of len payload bytes in one descriptor. */
static int
post_good(struct fe *fe, uint32_t len)
{
	struct ring *r = &fe->r[1];
	struct chain c;
	int s;

	if (room(fe, r, 1) != 0 || (s = slot_packet(fe, len)) < 0)
		return -1;
	chain_begin(&c, r, s);
	chain_add(&c, gpa_at(fe, slot_off(s)), HDR_LEN + len, 0);
	fe->good++;
	fe->bytes += len;
	return chain_post(&c);
}

/* ---- vhost-user messages ---- */

static int
vu_send(struct fe *fe, uint32_t req, const void *payload, uint32_t size,
	const int *fds, unsigned int nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * VU_TABLE_MAX)];
	struct vu_msg m;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	if (fe->sock < 0 || size > sizeof(m.p) || nfds > VU_TABLE_MAX)
		return -1;
	memset(&m, 0, sizeof(m));
	m.request = req;
	m.flags = VU_VERSION;
	m.size = size;
	if (size != 0)
		memcpy(&m.p, payload, size);
	iov.iov_base = &m;
	iov.iov_len = VU_HDR_LEN + size;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds != 0) {
		struct cmsghdr *cm;

		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(fe->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)iov.iov_len) {
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			fe->eof = true;
		return -1;
	}
	return 0;
}

/* 1 readable, 0 timeout, -1 error. */
static int
wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	int n;

	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : n;
}

/*
 * The reply to req, with exactly size payload bytes. 0 on success, -1 when
 * the backend closed the connection, -2 on timeout, -3 for a malformed
 * reply (counted as an error).
 */
static int
vu_recv(struct fe *fe, uint32_t req, void *payload, uint32_t size, int ms)
{
	struct vu_msg m;
	ssize_t n;

	if (fe->sock < 0)
		return -1;
	if (wait_readable(fe->sock, ms) <= 0)
		return -2;
	n = recv(fe->sock, &m, VU_HDR_LEN, MSG_WAITALL);
	if (n == 0 || (n < 0 && errno == ECONNRESET)) {
		fe->eof = true;
		return -1;
	}
	if (n != VU_HDR_LEN || m.request != req ||
	    (m.flags & VU_VERSION_MASK) != VU_VERSION ||
	    (m.flags & VU_FLAG_REPLY) == 0 || m.size != size) {
		fe_err(fe, "bad reply to request %u: %zd header bytes, request %u "
		       "flags %#x size %u (want %u)", req, n, m.request, m.flags,
		       m.size, size);
		return -3;
	}
	if (size != 0 && recv(fe->sock, payload, size, MSG_WAITALL) != (ssize_t)size) {
		fe_err(fe, "short reply payload to request %u", req);
		return -3;
	}
	return 0;
}

static int
vu_get_u64(struct fe *fe, uint32_t req, uint64_t *v)
{
	if (vu_send(fe, req, NULL, 0, NULL, 0) != 0)
		return -1;
	return vu_recv(fe, req, v, sizeof(*v), T_REPLY);
}

static int
vu_set_u64(struct fe *fe, uint32_t req, uint64_t v)
{
	return vu_send(fe, req, &v, sizeof(v), NULL, 0);
}

/* True once the backend closed the connection (within ms). */
static bool
wait_eof(struct fe *fe, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (fe->sock >= 0 && !fe->eof) {
		uint64_t now = now_ms();
		char c;
		ssize_t n;

		if (now >= end || wait_readable(fe->sock, (int)(end - now)) <= 0)
			break;
		n = recv(fe->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			fe->eof = true;
		} else if (n > 0) {
			struct vu_msg m;

			n = recv(fe->sock, &m, sizeof(m), MSG_DONTWAIT);
			fe_err(fe, "unexpected %zd bytes from the backend (request %u)",
			       n, n >= 4 ? m.request : 0);
		}
	}
	return fe->eof;
}

/* A connected unix socket (retried while the backend recreates it), or -1. */
static int
unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t end = now_ms() + T_REPLY;
	int s;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		close(s);
		if ((errno != ECONNREFUSED && errno != ENOENT && errno != EAGAIN) ||
		    now_ms() > end)
			return -1;
		sleep_ms(10);
	}
}

/* Make sock, a fresh connection, ours. */
static void
fe_attach(struct fe *fe, int sock)
{
	unsigned int i;

	fe->sock = sock;
	for (i = 0; i < 2; i++) {
		fe->kick[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fe->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	fe->eof = false;
	fe->usable = false;
	fe->features = 0;
}

static int
fe_connect(struct fe *fe)
{
	int s = unix_connect(fe->sock_path);

	if (s < 0) {
		fe_err(fe, "cannot connect to %s: %s", fe->sock_path,
		       strerror(errno));
		return -1;
	}
	fe_attach(fe, s);
	return 0;
}

static void
fe_close(struct fe *fe)
{
	unsigned int i;

	if (fe->sock < 0)
		return;
	close(fe->sock);
	fe->sock = -1;
	for (i = 0; i < 2; i++) {
		close(fe->kick[i]);
		close(fe->call[i]);
	}
	fe->usable = false;
}

/* GET_FEATURES, SET_OWNER, [protocol features], SET_FEATURES. */
static int
fe_negotiate(struct fe *fe, uint64_t want, uint64_t want_pf)
{
	uint64_t f, pf;

	want |= F_VERSION_1;
	if (vu_get_u64(fe, VU_GET_FEATURES, &f) != 0)
		return -1;
	if ((f & want) != want) {
		fe_err(fe, "backend features %#" PRIx64 " lack %#" PRIx64, f,
		       want & ~f);
		return -1;
	}
	if (vu_send(fe, VU_SET_OWNER, NULL, 0, NULL, 0) != 0)
		return -1;
	if ((want & F_PROTOCOL_FEATURES) != 0) {
		if (vu_get_u64(fe, VU_GET_PROTOCOL_FEATURES, &pf) != 0)
			return -1;
		if ((pf & want_pf) != want_pf) {
			fe_err(fe, "backend protocol features %#" PRIx64 " lack %#"
			       PRIx64, pf, want_pf & ~pf);
			return -1;
		}
		if (vu_set_u64(fe, VU_SET_PROTOCOL_FEATURES, want_pf) != 0)
			return -1;
	}
	fe->features = want;
	return vu_set_u64(fe, VU_SET_FEATURES, want);
}

static int
fe_mem_table(struct fe *fe, const struct vu_region *rg, unsigned int n,
	     const int *fds, unsigned int nfds)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.p.mem.nregions = n;
	memcpy(m.p.mem.r, rg, sizeof(*rg) * n);
	return vu_send(fe, VU_SET_MEM_TABLE, &m.p,
		       8 + (uint32_t)(sizeof(*rg) * n), fds, nfds);
}

static struct vu_region
region_of(const struct gmem *m)
{
	return (struct vu_region){ m->gpa, m->size,
				   (uint64_t)(uintptr_t)m->va, 0 };
}

static int
fe_default_table(struct fe *fe)
{
	struct vu_region rg = region_of(fe->mem);

	return fe_mem_table(fe, &rg, 1, &fe->mem->fd, 1);
}

/* NUM, BASE 0, ADDR, CALL, KICK (and ENABLE with protocol features). */
static int
fe_ring_msgs(struct fe *fe, unsigned int idx, uint32_t num, uint64_t desc,
	     uint64_t avail, uint64_t used, uint32_t aflags, uint64_t log)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.p.state.index = idx;
	m.p.state.num = num;
	if (vu_send(fe, VU_SET_VRING_NUM, &m.p, 8, NULL, 0) != 0)
		return -1;
	m.p.state.num = 0;
	if (vu_send(fe, VU_SET_VRING_BASE, &m.p, 8, NULL, 0) != 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.p.addr.index = idx;
	m.p.addr.flags = aflags;
	m.p.addr.desc = desc;
	m.p.addr.used = used;
	m.p.addr.avail = avail;
	m.p.addr.log = log;
	if (vu_send(fe, VU_SET_VRING_ADDR, &m.p, 40, NULL, 0) != 0)
		return -1;
	m.p.u64 = idx;
	if (vu_send(fe, VU_SET_VRING_CALL, &m.p, 8, &fe->call[idx], 1) != 0 ||
	    vu_send(fe, VU_SET_VRING_KICK, &m.p, 8, &fe->kick[idx], 1) != 0)
		return -1;
	if ((fe->features & F_PROTOCOL_FEATURES) != 0) {
		m.p.state.index = idx;
		m.p.state.num = 1;
		if (vu_send(fe, VU_SET_VRING_ENABLE, &m.p, 8, NULL, 0) != 0)
			return -1;
	}
	return 0;
}

static int
fe_ring(struct fe *fe, unsigned int idx, uint64_t off)
{
	struct ring *r;

	ring_reset(fe, idx, off);
	r = &fe->r[idx];
	return fe_ring_msgs(fe, idx, RING_SIZE, (uint64_t)(uintptr_t)r->desc,
			    (uint64_t)(uintptr_t)r->avail,
			    (uint64_t)(uintptr_t)r->used,
			    fe->ring_log ? VRING_ADDR_F_LOG : 0,
			    fe->ring_log ? gpa_at(fe, off + 0x2000) : 0);
}

/* Set the connection up with memory m and both rings. */
static int
fe_setup(struct fe *fe, struct gmem *m, uint64_t want, uint64_t want_pf)
{
	fe->mem = m;
	if (fe_negotiate(fe, want, want_pf) != 0 || fe_default_table(fe) != 0 ||
	    fe_ring(fe, 0, RING0_OFF) != 0 || fe_ring(fe, 1, fe->ring1_off) != 0) {
		fe_err(fe, "set-up failed%s", fe->eof ? ": the backend closed" : "");
		fe_close(fe);
		return -1;
	}
	fe->usable = true;
	return 0;
}

/* A fresh connection with memory m, both rings set up. */
static int
fe_up(struct fe *fe, struct gmem *m, uint64_t want, uint64_t want_pf)
{
	if (fe_connect(fe) != 0)
		return -1;
	return fe_setup(fe, m, want, want_pf);
}

static int
fe_up_main(struct fe *fe)
{
	return fe_up(fe, &main_mem, 0, 0);
}

/* ---- steps: the handshake with test_hostile ---- */

/* ": id id ..." of the heads returned since the last step, if few. */
static const char *
returned_ids(const struct ring *r)
{
	static char buf[64];
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	if (r->returned == 0 || r->returned > ARRAY_LEN(r->returned_ids))
		return buf;
	n += (size_t)snprintf(buf, sizeof(buf), ":");
	for (i = 0; i < r->returned && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %u",
				      r->returned_ids[i]);
	return buf;
}

static void
step_send(struct fe *fe, const char *label, bool counts, const char *keys)
{
	char body[400], line[600];
	int n;

	if (counts)
		snprintf(body, sizeof(body), "rx=%u bytes=%" PRIu64 " bad=%u %s",
			 fe->good, fe->bytes, fe->bad, keys);
	else
		snprintf(body, sizeof(body), "%s", keys);
	n = snprintf(line, sizeof(line), "STEP %s/%s %s\n", fe->cname, label,
		     body);
	printf("FE %s: step %s: %s (returned %u%s, %u errors so far)\n",
	       fe->cname, label, body, fe->r[1].returned,
	       returned_ids(&fe->r[1]), fe->errors);
	fe->r[1].returned = 0;
	fe->good = 0;
	fe->bytes = 0;
	fe->bad = 0;
	if (fe->sync >= 0) {
		char ack;

		if (send(fe->sync, line, (size_t)n, MSG_NOSIGNAL) != n ||
		    wait_readable(fe->sync, T_ACK) <= 0 ||
		    recv(fe->sync, &ack, 1, 0) != 1) {
			printf("FE-ERROR %s: test_hostile gone at step %s\n",
			       fe->cname, label);
			exit(3);
		}
		if (ack != 'k')
			fe_log(fe, "test_hostile reports a failed check at step %s",
			       label);
	}
}

/* A step with what we sent since the last one (rx, bytes, bad). */
static void __attribute__((format(printf, 3, 4)))
step(struct fe *fe, const char *label, const char *fmt, ...)
{
	char keys[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(keys, sizeof(keys), fmt, ap);
	va_end(ap);
	step_send(fe, label, true, keys);
}

/* A step with only the keys given. */
static void __attribute__((format(printf, 3, 4)))
step_raw(struct fe *fe, const char *label, const char *fmt, ...)
{
	char keys[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(keys, sizeof(keys), fmt, ap);
	va_end(ap);
	step_send(fe, label, false, keys);
}

/*
 * n good packets (payload lengths lens[] in turn), all back, then one
 * step with the keys given.
 */
static int
traffic_keys(struct fe *fe, unsigned int n, const uint32_t *lens,
	     unsigned int nlens, const char *label, const char *keys)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++)
		ret = post_good(fe, lens[i % nlens]) < 0 ? -1 : 0;
	if (ret == 0)
		ret = wait_all_back(fe, &fe->r[1]);
	step(fe, label, "%s", keys);
	return ret;
}

static int
traffic(struct fe *fe, unsigned int n, const uint32_t *lens, unsigned int nlens,
	const char *label)
{
	return traffic_keys(fe, n, lens, nlens, label, "");
}

static const uint32_t mixed_lens[] = { 64, 1518, 9000 };

/* One good packet posted and back: everything before it was processed. */
static int
fence(struct fe *fe)
{
	int h = post_good(fe, 64);

	if (h < 0 || !wait_back(fe, &fe->r[1], h, T_RETURN)) {
		fe_err(fe, "fence packet not returned");
		return -1;
	}
	return 0;
}

/* Close and wait until test_hostile saw the device go. */
static void
fe_close_step(struct fe *fe, const char *label)
{
	fe_close(fe);
	step_raw(fe, label, "down=1");
}

/* ---- cases ---- */

static void
case_benign(struct fe *fe)
{
	unsigned int i;
	char label[32];

	if (fe_up_main(fe) != 0)
		return;
	for (i = 0; i < 3; i++) {
		snprintf(label, sizeof(label), "benign-%u", mixed_lens[i]);
		/* One connection, one device. */
		if (traffic_keys(fe, 256, &mixed_lens[i], 1, label,
				 i == 0 ? "connects=1" : "connects=0") != 0)
			return;
	}
}

enum bad_kind {
	B_NEXT_IS_SIZE, B_NEXT_MAX, B_LEN_ZERO, B_LEN_ZERO_SECOND,
	B_LEN_OVER_MAX, B_LEN_OVER_MAX_CHAIN, B_ADDR_OUTSIDE, B_ADDR_WRAP,
	B_ADDR_PAST_END, B_ADDR_BEFORE_START, B_WRITE_HEAD, B_WRITE_SECOND,
	B_LOOP_SELF, B_LOOP_TWO, B_IND_NESTED, B_IND_WITH_NEXT, B_IND_LEN_ODD,
	B_IND_LEN_ZERO, B_IND_OUTSIDE, B_IND_NEXT_OUT, B_IND_LOOP,
	B_IND_NOT_FIRST, B_IND_TOO_BIG, B_IND_ENTRY_WRITE, B_IND_ENTRY_OUTSIDE,
	B_IND_ENTRY_LEN_ZERO,
};

/* One entry more than the largest split ring: 512 KiB, in the big area. */
#define IND_TOO_BIG	32769

static const struct {
	const char *name;
	enum bad_kind kind;
} bad_chains[] = {
	{ "next-is-size", B_NEXT_IS_SIZE },
	{ "next-65535", B_NEXT_MAX },
	{ "len-0", B_LEN_ZERO },
	{ "len-0-second", B_LEN_ZERO_SECOND },
	{ "len-over-128k", B_LEN_OVER_MAX },
	{ "len-over-128k-chain", B_LEN_OVER_MAX_CHAIN },
	{ "addr-outside", B_ADDR_OUTSIDE },
	{ "addr-wraps-2^64", B_ADDR_WRAP },
	{ "addr-past-region-end", B_ADDR_PAST_END },
	{ "addr-before-region", B_ADDR_BEFORE_START },
	{ "write-flag-head", B_WRITE_HEAD },
	{ "write-flag-second", B_WRITE_SECOND },
	{ "loop-self", B_LOOP_SELF },
	{ "loop-back", B_LOOP_TWO },
	{ "indirect-nested", B_IND_NESTED },
	{ "indirect-and-next", B_IND_WITH_NEXT },
	{ "indirect-len-40", B_IND_LEN_ODD },
	{ "indirect-len-0", B_IND_LEN_ZERO },
	{ "indirect-table-outside", B_IND_OUTSIDE },
	{ "indirect-next-out-of-table", B_IND_NEXT_OUT },
	{ "indirect-loop", B_IND_LOOP },
	{ "indirect-not-first", B_IND_NOT_FIRST },
	{ "indirect-32769-entries", B_IND_TOO_BIG },
	{ "indirect-entry-write", B_IND_ENTRY_WRITE },
	{ "indirect-entry-outside", B_IND_ENTRY_OUTSIDE },
	{ "indirect-entry-len-0", B_IND_ENTRY_LEN_ZERO },
};

/*
 * The chain of kind k, not posted yet: slot s holds a good 64 B packet,
 * and every chain is that packet with one thing wrong.
 */
static void
build_bad(struct fe *fe, struct chain *c, enum bad_kind k, int s)
{
	uint64_t buf = gpa_at(fe, slot_off(s));
	uint64_t tgpa = gpa_at(fe, TABLE_OFF + (uint64_t)s * TABLE_SZ);
	struct vdesc *t = (struct vdesc *)va_at(fe, TABLE_OFF +
						(uint64_t)s * TABLE_SZ);
	uint64_t end = fe->mem->gpa + fe->mem->size;
	uint32_t tlen = 2 * sizeof(*t);
	unsigned int i;

	/* A good two-entry indirect table: header, then the payload. */
	t[0] = (struct vdesc){ buf, HDR_LEN, D_NEXT, 1 };
	t[1] = (struct vdesc){ buf + HDR_LEN, 64, 0, 0 };
	switch (k) {
	case B_NEXT_IS_SIZE:
	case B_NEXT_MAX:
		chain_add(c, buf, HDR_LEN + 64, D_NEXT);
		chain_desc(c, 0)->next = k == B_NEXT_MAX ? 65535 : RING_SIZE;
		break;
	case B_LEN_ZERO:
		chain_add(c, buf, 0, 0);
		break;
	case B_LEN_ZERO_SECOND:
		chain_add(c, buf, HDR_LEN, 0);
		chain_add(c, buf + HDR_LEN, 0, 0);
		break;
	case B_LEN_OVER_MAX:
		chain_add(c, gpa_at(fe, BIG_OFF), MAX_PKT + 1, 0);
		break;
	case B_LEN_OVER_MAX_CHAIN:
		chain_add(c, gpa_at(fe, BIG_OFF), MAX_PKT / 2 + 64, 0);
		chain_add(c, gpa_at(fe, BIG_OFF) + MAX_PKT / 2 + 64,
			  MAX_PKT / 2 + 64, 0);
		break;
	case B_ADDR_OUTSIDE:
		chain_add(c, 0x1000, HDR_LEN + 64, 0);
		break;
	case B_ADDR_WRAP:
		chain_add(c, UINT64_MAX - 0xfff, 0x2000, 0);
		break;
	case B_ADDR_PAST_END:
		chain_add(c, end - 100, 1000, 0);
		break;
	case B_ADDR_BEFORE_START:
		chain_add(c, fe->mem->gpa - 16, HDR_LEN + 64, 0);
		break;
	case B_WRITE_HEAD:
		chain_add(c, buf, HDR_LEN + 64, D_WRITE);
		break;
	case B_WRITE_SECOND:
		chain_add(c, buf, HDR_LEN, 0);
		chain_add(c, buf + HDR_LEN, 64, D_WRITE);
		break;
	case B_LOOP_SELF:
		chain_add(c, buf, HDR_LEN + 64, D_NEXT);
		chain_desc(c, 0)->next = c->d[0];
		break;
	case B_LOOP_TWO:
		chain_add(c, buf, HDR_LEN, 0);
		chain_add(c, buf + HDR_LEN, 64, D_NEXT);
		chain_desc(c, 1)->next = c->d[0];
		break;
	case B_IND_NESTED:
		t[1].flags = D_INDIRECT;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	case B_IND_WITH_NEXT:
		chain_add(c, tgpa, tlen, D_INDIRECT);
		chain_add(c, buf + HDR_LEN, 64, 0);
		break;
	case B_IND_LEN_ODD:
		chain_add(c, tgpa, 40, D_INDIRECT);
		break;
	case B_IND_LEN_ZERO:
		chain_add(c, tgpa, 0, D_INDIRECT);
		break;
	case B_IND_OUTSIDE:
		chain_add(c, 0x1000, tlen, D_INDIRECT);
		break;
	case B_IND_NEXT_OUT:
		t[0].next = 5;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	case B_IND_LOOP:
		t[1].flags = D_NEXT;
		t[1].next = 0;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	case B_IND_NOT_FIRST:
		chain_add(c, buf, HDR_LEN, 0);
		t[0] = t[1];
		chain_add(c, tgpa, sizeof(*t), D_INDIRECT);
		break;
	case B_IND_TOO_BIG:
		/*
		 * More entries than the largest ring, each well-formed (the
		 * header, then 1 B pieces): only the count is wrong.
		 */
		t = (struct vdesc *)va_at(fe, BIG_OFF);
		t[0] = (struct vdesc){ buf, HDR_LEN, D_NEXT, 1 };
		for (i = 1; i < IND_TOO_BIG; i++)
			t[i] = (struct vdesc){ buf + HDR_LEN + i % 64, 1,
					       i + 1 < IND_TOO_BIG ? D_NEXT : 0,
					       (uint16_t)(i + 1) };
		chain_add(c, gpa_at(fe, BIG_OFF), IND_TOO_BIG * sizeof(*t),
			  D_INDIRECT);
		break;
	case B_IND_ENTRY_WRITE:
		t[1].flags = D_WRITE;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	case B_IND_ENTRY_OUTSIDE:
		t[1].addr = 0x1000;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	case B_IND_ENTRY_LEN_ZERO:
		t[1].len = 0;
		chain_add(c, tgpa, tlen, D_INDIRECT);
		break;
	}
}

/* Each malformed chain: returned once, len 0, rx_bad_desc exactly +1. */
static void
case_bad_chains(struct fe *fe)
{
	struct ring *r = &fe->r[1];
	unsigned int i;

	if (fe_up_main(fe) != 0)
		return;
	for (i = 0; i < ARRAY_LEN(bad_chains); i++) {
		struct chain c;
		int s, head;

		if (room(fe, r, 2) != 0 || (s = slot_packet(fe, 64)) < 0)
			return;
		chain_begin(&c, r, s);
		build_bad(fe, &c, bad_chains[i].kind, s);
		if ((head = chain_post(&c)) < 0) {
			fe_err(fe, "%s: no descriptors", bad_chains[i].name);
			return;
		}
		fe->bad++;
		if (!wait_back(fe, r, head, T_RETURN))
			fe_err(fe, "%s: head %d not returned", bad_chains[i].name,
			       head);
		if (fence(fe) != 0)
			return;
		step(fe, bad_chains[i].name, "%s", "");
	}
}

/* Avail entries naming no descriptor: counted, nothing returned for them. */
static void
case_bad_head(struct fe *fe)
{
	static const uint16_t heads[] = { RING_SIZE, 300, 65535 };
	unsigned int i;
	char label[32];

	if (fe_up_main(fe) != 0)
		return;
	for (i = 0; i < 3; i++) {
		avail_push(&fe->r[1], heads[i]);
		fe->bad++;
		if (fence(fe) != 0)
			return;
		snprintf(label, sizeof(label), "head-%u", heads[i]);
		step(fe, label, "%s", "");
	}
}

/* avail->idx more than a ring ahead (and behind): broken, counted once. */
static void
case_avail_jump(struct fe *fe)
{
	static const struct {
		const char *name;
		int delta;
	} jumps[] = { { "ahead-300", 300 }, { "behind-1", -1 } };
	struct ring *r = &fe->r[1];
	unsigned int i;
	char label[32];

	if (fe_up_main(fe) != 0 ||
	    traffic(fe, 32, mixed_lens, 3, "before") != 0)
		return;
	for (i = 0; i < 2; i++) {
		__atomic_store_n(&r->avail->idx,
				 (uint16_t)(r->avail_idx + jumps[i].delta),
				 __ATOMIC_RELEASE);
		fe->bad++;
		step(fe, jumps[i].name, "wait=1000 broken=1");
		__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
		snprintf(label, sizeof(label), "%s-restored", jumps[i].name);
		step(fe, label, "wait=200 broken=0");
		if (traffic(fe, 16, mixed_lens, 3, "after") != 0)
			return;
	}
}

/*
 * Post probes and count those that come back: the ones test_hostile must
 * have received (nothing is held). *returned gets that count.
 */
static void
probe(struct fe *fe, unsigned int n, unsigned int wait, unsigned int *returned)
{
	struct ring *r = &fe->r[1];
	unsigned int before = r->outstanding, i;

	*returned = 0;
	for (i = 0; i < n; i++)
		if (post_good(fe, 64) < 0)
			return;
	wait_back(fe, r, -1, wait);
	*returned = n - (r->outstanding - before);
}

/* Invalid ring sizes: no crash; the ring gets no service, or is refused. */
static void
case_ring_sizes(struct fe *fe)
{
	static const uint32_t sizes[] = { 0, 3, 65536 };
	unsigned int i, back;
	char label[32];

	for (i = 0; i < 3; i++) {
		struct ring *r;

		fe->mem = &main_mem;
		if (fe_connect(fe) != 0 || fe_negotiate(fe, 0, 0) != 0 ||
		    fe_default_table(fe) != 0 || fe_ring(fe, 0, RING0_OFF) != 0)
			return;
		ring_reset(fe, 1, RING1_OFF);
		r = &fe->r[1];
		fe_ring_msgs(fe, 1, sizes[i], (uint64_t)(uintptr_t)r->desc,
			     (uint64_t)(uintptr_t)r->avail,
			     (uint64_t)(uintptr_t)r->used, 0, 0);
		back = 0;
		if (!wait_eof(fe, 500)) {
			probe(fe, 4, 500, &back);
			if (back != 0)
				fe_err(fe, "ring of size %u served %u packets",
				       sizes[i], back);
		}
		fe_log(fe, "ring size %u: %s", sizes[i], fe->eof ?
		       "the backend closed the connection" :
		       "accepted, no service");
		fe_close(fe);
		snprintf(label, sizeof(label), "size-%u", sizes[i]);
		step_raw(fe, label, "rx=0 bad=0 down=1");
	}
}

enum table_kind {
	T_NO_REGIONS, T_NINE_REGIONS, T_SIZE_ZERO, T_GPA_WRAP, T_OFFSET_WRAP,
	T_OFFSET_BEYOND_FILE, T_OVERLAP, T_FEWER_FDS, T_RINGS_OUTSIDE,
};

static const struct {
	const char *name;
	enum table_kind kind;
} bad_tables[] = {
	{ "no-regions", T_NO_REGIONS },
	{ "nine-regions", T_NINE_REGIONS },
	{ "region-size-0", T_SIZE_ZERO },
	{ "gpa-plus-size-wraps", T_GPA_WRAP },
	{ "offset-plus-size-wraps", T_OFFSET_WRAP },
	{ "offset-beyond-file", T_OFFSET_BEYOND_FILE },
	{ "overlapping-regions", T_OVERLAP },
	{ "fewer-fds-than-regions", T_FEWER_FDS },
	{ "rings-in-no-region", T_RINGS_OUTSIDE },
};

/* Send the bad table of kind k (region 0, where present, is our memory). */
static void
send_bad_table(struct fe *fe, enum table_kind k, struct gmem *small)
{
	struct vu_region rg[VU_TABLE_MAX];
	int fds[VU_TABLE_MAX];
	/* A user address range no region of ours has. */
	uint64_t fake_ua = (uint64_t)(uintptr_t)fe->mem->va + 2 * MEM_SIZE;
	unsigned int n = 2, i;

	rg[0] = region_of(fe->mem);
	for (i = 0; i < VU_TABLE_MAX; i++)
		fds[i] = fe->mem->fd;
	rg[1] = (struct vu_region){ 0x200000000ULL, 2 << 20, fake_ua, 0 };
	switch (k) {
	case T_NO_REGIONS:
		n = 0;
		break;
	case T_NINE_REGIONS:
		n = VU_TABLE_MAX;
		for (i = 0; i < n; i++)
			rg[i] = (struct vu_region){ GPA_BASE + ((uint64_t)i << 20),
				1 << 20, rg[0].uaddr + ((uint64_t)i << 20),
				(uint64_t)i << 20 };
		break;
	case T_SIZE_ZERO:
		rg[1].size = 0;
		break;
	case T_GPA_WRAP:
		rg[1].gpa = UINT64_MAX - (1 << 20) + 1;
		rg[1].size = 4 << 20;
		break;
	case T_OFFSET_WRAP:
		rg[1].offset = UINT64_MAX - (1 << 20) + 1;
		break;
	case T_OFFSET_BEYOND_FILE:
		/* A 2 MiB file; the region claims [4 MiB, 6 MiB) of it. */
		fds[1] = small->fd;
		rg[1].offset = 4 << 20;
		break;
	case T_OVERLAP:
		rg[1] = (struct vu_region){ GPA_BASE + MEM_SIZE / 2, MEM_SIZE,
					    fake_ua, 0 };
		break;
	case T_FEWER_FDS:
		fe_mem_table(fe, rg, 2, fds, 1);
		return;
	case T_RINGS_OUTSIDE:
		n = 1;
		break;
	}
	fe_mem_table(fe, rg, n, fds, n);
}

/* Bad memory tables: the process lives; a device runs only on good rings. */
static void
case_bad_mem_tables(struct fe *fe)
{
	struct gmem small;
	unsigned int i, back;

	if (mem_create(&small, 2 << 20, 2 << 20, MEM_PLAIN) != 0) {
		fe_err(fe, "no memory for the small region");
		return;
	}
	for (i = 0; i < ARRAY_LEN(bad_tables); i++) {
		enum table_kind k = bad_tables[i].kind;

		fe->mem = &main_mem;
		if (fe_connect(fe) != 0 || fe_negotiate(fe, 0, 0) != 0)
			break;
		send_bad_table(fe, k, &small);
		if (k == T_RINGS_OUTSIDE) {
			ring_reset(fe, 0, RING0_OFF);
			ring_reset(fe, 1, RING1_OFF);
			fe_ring_msgs(fe, 0, RING_SIZE, 0x1000, 0x2000, 0x3000, 0, 0);
			fe_ring_msgs(fe, 1, RING_SIZE, 0x5000, 0x6000, 0x7000, 0, 0);
		} else {
			fe_ring(fe, 0, RING0_OFF);
			fe_ring(fe, 1, RING1_OFF);
		}
		back = 0;
		if (!wait_eof(fe, 300))
			probe(fe, 4, 1000, &back);
		fe_log(fe, "%s: %s, %u of 4 probes served", bad_tables[i].name,
		       fe->eof ? "closed by the backend" : "accepted", back);
		fe_close(fe);
		step_raw(fe, bad_tables[i].name, "rx=%u bytes=%u bad=0 down=1",
			 back, back * 64);
	}
	mem_destroy(&small);
}

/*
 * Heads still lent to the application re-posted, well-formed, malformed
 * and short: each refused and counted, each head returned once in all.
 */
static void
case_held_repost(struct fe *fe)
{
	struct ring *r = &fe->r[1];
	uint16_t h[4];
	unsigned int i;
	int ret;

	if (fe_up_main(fe) != 0)
		return;
	step(fe, "hold-on", "hold=1");
	for (i = 0; i < 4; i++) {
		if ((ret = post_good(fe, 1518)) < 0)
			return;
		h[i] = (uint16_t)ret;
	}
	sleep_ms(200);
	reap(fe, r);
	step(fe, "held", "wait=200 lent=4");
	for (i = 0; i < 4; i++)
		if (r->state[h[i]] != H_POSTED)
			fe_err(fe, "head %u came back while held (copied, not "
			       "lent?)", h[i]);
	/* Re-post: as it is; with a bad next; as a 64 B packet. */
	avail_push(r, h[0]);
	r->desc[h[1]].flags |= D_NEXT;
	r->desc[h[1]].next = 999;
	avail_push(r, h[1]);
	r->desc[h[2]].len = HDR_LEN + 64;
	avail_push(r, h[2]);
	fe->bad += 3;
	if (fence(fe) != 0)
		return;
	for (i = 0; i < 4; i++)
		if (r->state[h[i]] != H_POSTED)
			fe_err(fe, "head %u returned after its re-post while its "
			       "mbuf is held", h[i]);
	step(fe, "reposted", "lent=4");
	/* The four lent heads come back when freed; re-posts never do. */
	step(fe, "release", "release=1 hold=0 zc_returned=4");
	if (wait_all_back(fe, r) != 0)
		return;
	/* A late second return would show here. */
	sleep_ms(300);
	reap(fe, r);
	step(fe, "returned", "lent=0");
}

struct rewriter {
	struct fe *fe;
	bool stop;
	uint64_t writes;
};

/* Flip descriptors of in-flight chains between valid and invalid values. */
static void *
rewriter_main(void *arg)
{
	static const uint32_t lens[] = { 64, 1536, 4096, 0, 200000 };
	static const uint16_t flags[] = { 0, D_NEXT, D_WRITE, D_INDIRECT,
					  D_NEXT | D_INDIRECT };
	struct rewriter *w = arg;
	struct fe *fe = w->fe;
	struct ring *r = &fe->r[1];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint64_t end = fe->mem->gpa + fe->mem->size;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		unsigned int d;

		for (d = 0; d < r->size; d++) {
			struct vdesc *p = &r->desc[d];
			uint64_t addrs[4];

			if (__atomic_load_n(&r->state[d], __ATOMIC_RELAXED) !=
			    H_POSTED)
				continue;
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			addrs[0] = gpa_at(fe, slot_off((int)((x >> 8) % NSLOTS)));
			addrs[1] = 0x1000;
			addrs[2] = UINT64_MAX - 0xfff;
			addrs[3] = end - 10;
			switch (x % 4) {
			case 0:
				__atomic_store_n(&p->len, lens[(x >> 20) % 5],
						 __ATOMIC_RELAXED);
				break;
			case 1:
				__atomic_store_n(&p->addr, addrs[(x >> 20) % 4],
						 __ATOMIC_RELAXED);
				break;
			case 2:
				__atomic_store_n(&p->next, (x >> 20) % 3 == 0 ?
						 999 : (uint16_t)((x >> 24) % RING_SIZE),
						 __ATOMIC_RELAXED);
				break;
			default:
				__atomic_store_n(&p->flags, flags[(x >> 20) % 5],
						 __ATOMIC_RELAXED);
				break;
			}
			w->writes++;
		}
	}
	return NULL;
}

/*
 * Descriptors rewritten under the backend while 10000 packets go by. Every
 * length the front-end ever writes is a multiple of 64 (header included),
 * so any chain the backend can assemble from them is one too.
 */
static void
case_toctou(struct fe *fe)
{
	static const uint32_t lens[] = { 64 - HDR_LEN, 1536 - HDR_LEN,
					 4096 - HDR_LEN };
	struct rewriter w = { .fe = fe };
	pthread_t t;
	unsigned int i, posted = 0;

	if (fe_up_main(fe) != 0)
		return;
	step(fe, "begin", "mode=len64");
	if (pthread_create(&t, NULL, rewriter_main, &w) != 0) {
		fe_err(fe, "cannot start the rewriter thread");
		return;
	}
	for (i = 0; i < 10000; i++) {
		if (post_good(fe, lens[i % 3]) < 0)
			break;
		posted++;
	}
	__atomic_store_n(&w.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	fe_log(fe, "%u packets posted, %" PRIu64 " descriptor rewrites", posted,
	       w.writes);
	wait_all_back(fe, &fe->r[1]);
	step_raw(fe, "end", "total=%u badmax=%u mode=pattern", posted, posted);
}

/* A vhost-user header promising a payload that never comes. */
static void
send_truncated(struct fe *fe)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.request = VU_SET_MEM_TABLE;
	m.flags = VU_VERSION;
	m.size = 40;
	if (send(fe->sock, &m, VU_HDR_LEN + 10, MSG_NOSIGNAL) < 0)
		fe->eof = true;
}

/*
 * 200 connections, closed at every stage of the set-up: right away, after
 * features, in the middle of a message, after the memory table, after one
 * ring, with packets posted on a running device (and held by test_hostile:
 * lent chains outstanding when the device goes).
 */
static void
case_reconnect_storm(struct fe *fe)
{
	unsigned int i, stage, served = 0;
	bool ran;
	char label[32];

	fe->mem = &main_mem;
	/* Everything received stays with the application until the end. */
	step(fe, "hold-on", "hold=1");
	for (i = 0; i < 200; i++) {
		stage = i % 6;
		ran = false;
		if (fe_connect(fe) != 0)
			return;
		if (stage >= 1 && fe_negotiate(fe, 0, 0) != 0)
			goto next;
		if (stage == 5) {
			send_truncated(fe);
			goto next;
		}
		if (stage >= 2 && fe_default_table(fe) != 0)
			goto next;
		if (stage >= 3 && fe_ring(fe, 0, RING0_OFF) != 0)
			goto next;
		if (stage >= 4 && fe_ring(fe, 1, RING1_OFF) == 0) {
			unsigned int k;
			int h = post_good(fe, 64);

			/*
			 * Once the device serves the ring (a copied packet
			 * comes back at once, held or not), more in flight;
			 * every other time given a moment to be lent.
			 */
			ran = h >= 0 && wait_back(fe, &fe->r[1], h, T_RETURN);
			served += ran;
			for (k = 0; k < 8; k++)
				post_good(fe, k % 2 ? 64 : 1518);
			if (i % 12 == 4)
				sleep_ms(2);
		}
next:
		fe_close(fe);
		/* The ring memory is reused: wait until the device is gone. */
		if (stage == 4) {
			snprintf(label, sizeof(label), "cycle-%u", i);
			step_raw(fe, label, "down=1 rxmax=9 bad=0 connects=%u",
				 (unsigned int)ran);
		}
	}
	fe_log(fe, "%u of the devices with packets posted served them", served);
	if (served == 0)
		fe_err(fe, "no device ever served its ring");
	step_raw(fe, "storm-done", "down=1 wait=200 release=1 hold=0");
}

/* A legal packet of pieces descriptors: header, then 15 B pieces. */
static void
post_long(struct fe *fe, unsigned int pieces, bool indirect)
{
	struct ring *r = &fe->r[1];
	uint32_t payload = (pieces - 1) * 15;
	struct chain c;
	unsigned int k;
	int s;

	if (room(fe, r, indirect ? 1 : pieces) != 0 ||
	    (s = slot_packet(fe, payload)) < 0)
		return;
	chain_begin(&c, r, s);
	if (indirect) {
		struct vdesc *t = (struct vdesc *)va_at(fe, TABLE_OFF +
							(uint64_t)s * TABLE_SZ);
		uint64_t buf = gpa_at(fe, slot_off(s));

		t[0] = (struct vdesc){ buf, HDR_LEN, D_NEXT, 1 };
		for (k = 1; k < pieces; k++)
			t[k] = (struct vdesc){ buf + HDR_LEN + (k - 1) * 15, 15,
					       k + 1 < pieces ? D_NEXT : 0,
					       (uint16_t)(k + 1) };
		chain_add(&c, gpa_at(fe, TABLE_OFF + (uint64_t)s * TABLE_SZ),
			  pieces * sizeof(*t), D_INDIRECT);
	} else {
		chain_add(&c, gpa_at(fe, slot_off(s)), HDR_LEN, 0);
		for (k = 1; k < pieces; k++)
			chain_add(&c, gpa_at(fe, slot_off(s)) + HDR_LEN +
				  (k - 1) * 15, 15, 0);
	}
	chain_post(&c);
	fe->good++;
	fe->bytes += payload;
	wait_all_back(fe, r);
}

/* Legal long chains: copied, intact, not counted as bad. */
static void
case_long_chain(struct fe *fe)
{
	static const struct {
		const char *name;
		unsigned int pieces;
		bool indirect;
	} chains[] = {
		{ "direct-64", 64, false },
		{ "direct-65", 65, false },
		{ "direct-100", 100, false },
		{ "indirect-300", 300, true },
	};
	unsigned int i;

	if (fe_up_main(fe) != 0)
		return;
	for (i = 0; i < 4; i++) {
		post_long(fe, chains[i].pieces, chains[i].indirect);
		step(fe, chains[i].name, "%s", "");
	}
}

/* One packet: the header, then len bytes in two descriptors. */
static void
post_big(struct fe *fe, uint32_t len)
{
	struct ring *r = &fe->r[1];
	uint64_t big = gpa_at(fe, BIG_OFF);
	struct chain c;
	int s;

	if (room(fe, r, 3) != 0 || (s = slot_packet(fe, 0)) < 0)
		return;
	pattern_fill(va_at(fe, BIG_OFF), len, fe->seq++);
	chain_begin(&c, r, s);
	chain_add(&c, gpa_at(fe, slot_off(s)), HDR_LEN, 0);
	chain_add(&c, big, len / 2, 0);
	chain_add(&c, big + len / 2, len - len / 2, 0);
	chain_post(&c);
	fe->good++;
	fe->bytes += len;
	wait_all_back(fe, r);
}

/* Packets that need more than 128 mbufs of the port's small data room. */
static void
case_many_mbufs(struct fe *fe)
{
	if (fe_up_main(fe) != 0)
		return;
	post_big(fe, 60000);
	step(fe, "60000", "%s", "");
	post_big(fe, MAX_PKT - HDR_LEN);
	step(fe, "131060", "%s", "");
}

/*
 * A front-end connected while another one's message is refused (a guest
 * reconnecting, say) must not pay for it: only the refused connection
 * goes. by was connected before the refusal; it must still be open, and
 * work.
 */
static void
bystander_check(struct fe *fe, int by)
{
	fe_attach(fe, by);
	/*
	 * Long enough for a close to show: the library's fdset thread may
	 * sit in a poll() holding the connection for up to a second.
	 */
	if (wait_eof(fe, 2000)) {
		fe_err(fe, "a front-end connected before another one's message "
		       "was refused was dropped too");
		fe_close(fe);
		step_raw(fe, "bystander", "down=1");
		return;
	}
	if (fe_setup(fe, &main_mem, 0, 0) == 0)
		traffic(fe, 8, mixed_lens, 3, "bystander");
	fe_close_step(fe, "bystander-closed");
}

/* Memory fds smaller than their regions: refused, the connection closed. */
static void
case_short_mem_fd(struct fe *fe)
{
	static const struct {
		const char *name;
		uint64_t fd_size, size, offset;
	} v[] = {
		{ "fd-half-the-region", MEM_SIZE / 2, MEM_SIZE, 0 },
		{ "offset-plus-size-past-fd", MEM_SIZE, MEM_SIZE / 2,
		  MEM_SIZE * 3 / 4 },
	};
	unsigned int i;
	int by = -1;

	for (i = 0; i < 2; i++) {
		struct gmem m;
		struct vu_region rg;

		if (mem_create(&m, v[i].fd_size, v[i].fd_size, MEM_PLAIN) != 0)
			return;
		if (i == 0 && (by = unix_connect(fe->sock_path)) < 0)
			fe_err(fe, "cannot connect the bystander");
		fe->mem = &m;
		rg = (struct vu_region){ m.gpa, v[i].size,
					 (uint64_t)(uintptr_t)m.va, v[i].offset };
		if (fe_connect(fe) == 0 && fe_negotiate(fe, 0, 0) == 0 &&
		    fe_mem_table(fe, &rg, 1, &m.fd, 1) == 0 && !wait_eof(fe, 3000))
			fe_err(fe, "%s: SET_MEM_TABLE accepted", v[i].name);
		fe_close(fe);
		/* Time for whatever the backend does after a refusal. */
		step_raw(fe, v[i].name, "refused=1 down=1 wait=500");
		mem_destroy(&m);
		if (by >= 0) {
			bystander_check(fe, by);
			by = -1;
		}
	}
}

/* A dirty log fd smaller than the log: refused, the connection closed. */
static void
case_short_log_fd(struct fe *fe)
{
	static const struct {
		const char *name;
		uint64_t fd_size, size, offset;
	} v[] = {
		{ "log-fd-4k-of-256k", 4096, 256 << 10, 0 },
		{ "log-offset-past-fd", 256 << 10, 256 << 10, 128 << 10 },
	};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct gmem log;
		struct vu_msg m;
		int ret;

		fe->ring_log = true;
		ret = fe_up(fe, &main_mem, F_PROTOCOL_FEATURES | F_LOG_ALL,
			    PF_LOG_SHMFD);
		fe->ring_log = false;
		if (ret != 0 || traffic(fe, 8, mixed_lens, 3, "before") != 0 ||
		    mem_create(&log, v[i].fd_size, v[i].fd_size, MEM_PLAIN) != 0)
			return;
		m.p.log.size = v[i].size;
		m.p.log.offset = v[i].offset;
		ret = vu_send(fe, VU_SET_LOG_BASE, &m.p, 16, &log.fd, 1);
		if (ret == 0)
			ret = vu_recv(fe, VU_SET_LOG_BASE, NULL, 0, 3000);
		if (ret == 0)
			fe_err(fe, "%s: SET_LOG_BASE accepted", v[i].name);
		else if (!fe->eof && !wait_eof(fe, 3000))
			fe_err(fe, "%s: no reply and no close", v[i].name);
		/* Accepted or not: no used-ring write may follow. */
		fe_close(fe);
		step_raw(fe, v[i].name, "refused=1 down=1 wait=500");
		mem_destroy(&log);
	}
}

/*
 * The memfd shrinks under a running device: once with ring 1 in the half
 * that goes, once with buffers posted into it. The backend takes the
 * SIGBUS, counts it and drops the connection.
 */
static void
case_truncate_after(struct fe *fe)
{
	unsigned int i, k;

	for (i = 0; i < 2; i++) {
		bool ring_high = i == 0;
		const char *name = ring_high ? "ring-in-lost-half" :
			"buffers-in-lost-half";
		struct gmem m;

		if (mem_create(&m, MEM_SIZE, MEM_SIZE, MEM_PLAIN) != 0)
			return;
		fe->ring1_off = ring_high ? HIGH_RING_OFF : RING1_OFF;
		if (fe_up(fe, &m, 0, 0) != 0 ||
		    traffic(fe, 8, mixed_lens, 3, "before") != 0) {
			fe->ring1_off = RING1_OFF;
			mem_destroy(&m);
			return;
		}
		/* What the backend reads from the lost half is not ours. */
		step_raw(fe, "truncating", "mode=any");
		if (ftruncate(m.fd, MEM_SIZE / 2) != 0)
			fe_err(fe, "ftruncate: %s", strerror(errno));
		if (!ring_high) {
			for (k = 0; k < 4; k++) {
				struct chain c;

				chain_begin(&c, &fe->r[1], -1);
				chain_add(&c, gpa_at(fe, HIGH_BUF_OFF + k * SLOT_SZ),
					  HDR_LEN + (k % 2 ? 1518 : 64), 0);
				chain_post(&c);
			}
		}
		/* Our own view of the lost half is gone too: no reaping. */
		if (!wait_eof(fe, 5000))
			fe_err(fe, "%s: the backend kept the connection", name);
		fe_close(fe);
		fe->ring1_off = RING1_OFF;
		step_raw(fe, name, "down=1 wait=500 faults_min=1 rxmax=4 "
			 "mode=pattern");
		mem_destroy(&m);
	}
}

static const struct {
	const char *name;
	void (*run)(struct fe *fe);
} cases[] = {
	{ "benign", case_benign },
	{ "bad-chains", case_bad_chains },
	{ "bad-head", case_bad_head },
	{ "avail-jump", case_avail_jump },
	{ "ring-sizes", case_ring_sizes },
	{ "bad-mem-tables", case_bad_mem_tables },
	{ "held-repost", case_held_repost },
	{ "toctou", case_toctou },
	{ "reconnect-storm", case_reconnect_storm },
	{ "long-chain", case_long_chain },
	{ "many-mbufs", case_many_mbufs },
	{ "short-mem-fd", case_short_mem_fd },
	{ "short-log-fd", case_short_log_fd },
	{ "truncate-after", case_truncate_after },
};

/*
 * After every case: good traffic on its connection if that is still fit
 * for it, else on a fresh one.
 */
static void
benign_after(struct fe *fe)
{
	if (!fe->usable || fe->eof) {
		if (fe->sock >= 0)
			fe_close_step(fe, "closed");
		if (fe_up_main(fe) != 0)
			return;
	}
	traffic(fe, 64, mixed_lens, 3, "benign-after");
	fe_close_step(fe, "closed");
}

/*
 * Inherited from test_hostile: its vhost-user listening socket among them
 * (the library does not open it close-on-exec). A guest holds no fd of the
 * backend's, and a copy here would keep a socket the backend closed alive.
 */
static void
close_inherited(void)
{
	int fds[256], n = 0, i;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL && n < 256) {
		int fd = atoi(e->d_name);

		if (fd > 3 && fd != dirfd(d))
			fds[n++] = fd;
	}
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

int
main(int argc, char **argv)
{
	struct fe fe = { .sync = -1, .sock = -1, .ring1_off = RING1_OFF };
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Never outlive test_hostile. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_inherited();
	if (argc != 3) {
		fprintf(stderr, "usage: hostile_fe CASE SOCKET\n");
		return 2;
	}
	if (fcntl(3, F_GETFD) >= 0)
		fe.sync = 3;
	fe.cname = argv[1];
	fe.sock_path = argv[2];
	for (i = 0; i < ARRAY_LEN(cases); i++)
		if (strcmp(cases[i].name, fe.cname) == 0)
			break;
	if (i == ARRAY_LEN(cases)) {
		fprintf(stderr, "hostile_fe: unknown case %s\n", fe.cname);
		return 2;
	}
	if (mem_create(&main_mem, MEM_SIZE, MEM_SIZE, MEM_SEALED) != 0)
		return 2;
	fe_log(&fe, "guest memory %" PRIu64 " MiB on %s pages",
	       (uint64_t)MEM_SIZE >> 20,
	       main_mem.huge ? "huge" : "small");
	cases[i].run(&fe);
	benign_after(&fe);
	mem_destroy(&main_mem);
	printf("FE-RESULT %s: %s (%u errors)\n", fe.cname,
	       fe.errors == 0 ? "ok" : "FAILED", fe.errors);
	return fe.errors == 0 ? 0 : 1;
}
