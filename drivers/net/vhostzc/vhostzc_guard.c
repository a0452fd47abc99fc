/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * SIGBUS guard over guest memory (see vhostzc_guard.h for why). The
 * handler is async-signal-safe: a scan of a fixed table with atomic loads,
 * one mmap and one eventfd write. Everything else (finding the port,
 * dropping the front-end, counting) happens on the EAL interrupt thread.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_interrupts.h>
#include <rte_memory.h>

#include "vhostzc.h"
#include "vhostzc_guard.h"

struct guard {
	VZC_ATOMIC(uintptr_t) start;	/* 0: slot free */
	uintptr_t end;			/* set before start is published */
	uint64_t owner;
	VZC_ATOMIC(uint32_t) busy;	/* handlers working on this range */
	VZC_ATOMIC(uint32_t) faults;	/* caught, not yet reported */
};

static struct guard guards[VHOSTZC_GUARD_MAX];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction prev_sigbus;
static vhostzc_guard_fault_cb fault_cb;
static struct rte_intr_handle *wake_intr;
static int wake_fd = -1;
static VZC_ATOMIC(uint64_t) total_faults;

uint64_t
vhostzc_guard_faults(void)
{
	return vzc_atomic_load(&total_faults, VZC_RELAXED);
}

/* Not ours: what would have happened without us. */
static void
chain_sigbus(int sig, siginfo_t *si, void *uctx)
{
	struct sigaction dfl;

	if ((prev_sigbus.sa_flags & SA_SIGINFO) != 0 &&
	    prev_sigbus.sa_sigaction != NULL) {
		prev_sigbus.sa_sigaction(sig, si, uctx);
		return;
	}
	if (prev_sigbus.sa_handler != SIG_DFL &&
	    prev_sigbus.sa_handler != SIG_IGN) {
		prev_sigbus.sa_handler(sig);
		return;
	}
	/* Default action: delivered again, unblocked, once we return. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGBUS, &dfl, NULL);
	raise(SIGBUS);
}

static void
guard_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	uint32_t i;

	for (i = 0; i < VHOSTZC_GUARD_MAX; i++) {
		struct guard *g = &guards[i];
		/* Acquire: pairs with guard_add's release; end is valid. */
		uintptr_t s = vzc_atomic_load(&g->start, VZC_ACQUIRE);
		uint64_t one = 1;
		void *p;

		if (s == 0 || a < s || a >= g->end)
			continue;
		/*
		 * Sequentially consistent busy/start pair with guard_del's
		 * store of start then load of busy: either del sees us busy
		 * and waits, or we see the slot gone and leave it alone.
		 */
		vzc_atomic_add_fetch(&g->busy, 1, VZC_SEQ_CST);
		if (vzc_atomic_load(&g->start, VZC_SEQ_CST) != s) {
			vzc_atomic_sub_fetch(&g->busy, 1, VZC_RELEASE);
			continue;
		}
		/* Zero pages over the whole mapping: the access completes. */
		p = mmap((void *)s, g->end - s, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
		if (p != MAP_FAILED) {
			vzc_atomic_add_fetch(&g->faults, 1, VZC_RELAXED);
			vzc_atomic_add_fetch(&total_faults, 1, VZC_RELAXED);
			if (write(wake_fd, &one, sizeof(one)) < 0) {
				/* Counter full: a wake-up is pending anyway. */
			}
		}
		vzc_atomic_sub_fetch(&g->busy, 1, VZC_RELEASE);
		errno = saved;
		if (p != MAP_FAILED)
			return;
		break;
	}
	errno = saved;
	chain_sigbus(sig, si, uctx);
}

/* EAL interrupt thread: report each faulted range's owner. */
static void
guard_wake(void *arg __rte_unused)
{
	struct {
		uint64_t owner;
		uint32_t n;
	} hit[VHOSTZC_GUARD_MAX];
	uint32_t i, nhit = 0;
	uint64_t v;

	if (read(wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&guard_lock);
	for (i = 0; i < VHOSTZC_GUARD_MAX; i++) {
		uint32_t n;

		if (vzc_atomic_load(&guards[i].start, VZC_RELAXED) == 0)
			continue;
		n = vzc_atomic_exchange(&guards[i].faults, 0, VZC_RELAXED);
		if (n != 0) {
			hit[nhit].owner = guards[i].owner;
			hit[nhit++].n = n;
		}
	}
	pthread_mutex_unlock(&guard_lock);
	/* Unlocked: the owner deletes its guards while it drops the peer. */
	for (i = 0; i < nhit; i++)
		fault_cb(hit[i].owner, hit[i].n);
}

int
vhostzc_guard_init(vhostzc_guard_fault_cb cb)
{
	struct sigaction sa;
	int ret = 0;

	pthread_mutex_lock(&guard_lock);
	if (wake_fd >= 0)
		goto out;
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wake_fd < 0) {
		ret = -errno;
		goto out;
	}
	/*
	 * Private (libc) memory: EAL's interrupt thread keeps a copy of the
	 * handle and reads it on every wake-up, also after rte_eal_cleanup()
	 * has unmapped DPDK's heap (22.11 does not stop that thread).
	 */
	wake_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (wake_intr == NULL || rte_intr_fd_set(wake_intr, wake_fd) != 0 ||
	    rte_intr_type_set(wake_intr, RTE_INTR_HANDLE_EXT) != 0 ||
	    rte_intr_callback_register(wake_intr, guard_wake, NULL) != 0) {
		ret = -ENODEV;
		goto fail;
	}
	fault_cb = cb;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &prev_sigbus) != 0) {
		ret = -errno;
		rte_intr_callback_unregister(wake_intr, guard_wake, NULL);
		goto fail;
	}
	goto out;
fail:
	rte_intr_instance_free(wake_intr);
	wake_intr = NULL;
	close(wake_fd);
	wake_fd = -1;
out:
	pthread_mutex_unlock(&guard_lock);
	return ret;
}

int
vhostzc_guard_add(const void *base, size_t len, uint64_t owner)
{
	uintptr_t s = RTE_ALIGN_FLOOR((uintptr_t)base, RTE_PGSIZE_4K);
	uintptr_t e = RTE_ALIGN_CEIL((uintptr_t)base + len, RTE_PGSIZE_4K);
	int h = -ENOSPC;
	uint32_t i;

	if (base == NULL || len == 0 || owner == 0 || e <= s)
		return -EINVAL;
	pthread_mutex_lock(&guard_lock);
	for (i = 0; i < VHOSTZC_GUARD_MAX; i++) {
		struct guard *g = &guards[i];

		if (vzc_atomic_load(&g->start, VZC_RELAXED) != 0)
			continue;
		g->end = e;
		g->owner = owner;
		vzc_atomic_store(&g->faults, 0, VZC_RELAXED);
		/* Release: a handler that sees start sees end and owner. */
		vzc_atomic_store(&g->start, s, VZC_RELEASE);
		h = (int)i;
		break;
	}
	pthread_mutex_unlock(&guard_lock);
	return h;
}

void
vhostzc_guard_del(int h)
{
	struct guard *g;

	if (h < 0 || h >= VHOSTZC_GUARD_MAX)
		return;
	g = &guards[h];
	pthread_mutex_lock(&guard_lock);
	/* See guard_sigbus: store start, then load busy, both seq_cst. */
	vzc_atomic_store(&g->start, 0, VZC_SEQ_CST);
	while (vzc_atomic_load(&g->busy, VZC_SEQ_CST) != 0)
		rte_pause();
	pthread_mutex_unlock(&guard_lock);
}
