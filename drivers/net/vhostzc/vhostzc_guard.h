/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_GUARD_H
#define VHOSTZC_GUARD_H

/*
 * Guest memory whose file may stop backing it. A front-end can shrink the
 * file behind a mapping (ftruncate of an unsealed memfd or a hugetlbfs
 * file) at any time; the next access to the lost part raises SIGBUS in
 * whichever thread touches it: our datapath, the vhost library, or the
 * application reading a lent mbuf. Files are checked at map time (the
 * control path refuses what they cannot back); this is for what happens
 * afterwards. Every mapping of guest memory in the process is registered
 * here; a SIGBUS inside one replaces that whole mapping, at the same
 * address, with zero pages (the faulting access then completes and reads
 * zeros), marks it, and wakes the EAL interrupt thread, which calls back
 * the owner so that it drops the front-end. A SIGBUS anywhere else goes
 * to the handler installed before ours, or kills the process as it would
 * have without us.
 */

#include <stddef.h>
#include <stdint.h>

/* Most ranges guarded at once: 8 regions + a log, ours and the library's,
 * for each of many ports.
 */
#define VHOSTZC_GUARD_MAX	512

/* Runs on the EAL interrupt thread once per owner whose memory faulted. */
typedef void (*vhostzc_guard_fault_cb)(uint64_t owner, uint32_t faults);

/* Install the SIGBUS handler and the wake-up (once; later calls no-op). */
int vhostzc_guard_init(vhostzc_guard_fault_cb cb);
/*
 * Guard [base, base + len) (page-aligned outward) for owner, a nonzero
 * cookie. Returns a handle >= 0, or -ENOSPC / -EINVAL.
 */
int vhostzc_guard_add(const void *base, size_t len, uint64_t owner);
/* Stop guarding; waits for a handler running on that range. Call it
 * before the range is unmapped.
 */
void vhostzc_guard_del(int h);
/* Faults caught since start, in all ranges (tests, logs). */
uint64_t vhostzc_guard_faults(void);

#endif /* VHOSTZC_GUARD_H */
