/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_VHOST_USER_H
#define VHOSTZC_VHOST_USER_H

/*
 * The vhost-user wire definitions the control path needs: what the
 * library's pre/post message hooks hand us is the raw message, and no
 * DPDK release has these in a public header. Values from the vhost-user
 * specification (QEMU docs/interop/vhost-user.rst).
 */

#include <stdint.h>

#include "vhostzc_compat.h"

/* Front-end requests. */
#define VZC_VHOST_USER_GET_FEATURES		1
#define VZC_VHOST_USER_RESET_OWNER		4
#define VZC_VHOST_USER_SET_MEM_TABLE		5
#define VZC_VHOST_USER_SET_LOG_BASE		6
#define VZC_VHOST_USER_GET_VRING_BASE		11
#define VZC_VHOST_USER_GET_PROTOCOL_FEATURES	15
#define VZC_VHOST_USER_GET_QUEUE_NUM		17
#define VZC_VHOST_USER_SEND_RARP		19
#define VZC_VHOST_USER_GET_CONFIG		24
#define VZC_VHOST_USER_GET_INFLIGHT_FD		31
#define VZC_VHOST_USER_SET_INFLIGHT_FD		32
#define VZC_VHOST_USER_ADD_MEM_REG		37
#define VZC_VHOST_USER_REM_MEM_REG		38
#define VZC_VHOST_USER_GET_STATUS		40

/* Protocol features (bit numbers). */
#define VZC_VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS	15

/* Most fds (and memory regions) one message carries. */
#define VZC_VHOST_USER_MAX_FDS	8

struct vzc_vhost_user_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

/*
 * A vhost-user message as pre/post_msg_handle receive it: the header and
 * the payloads we look at (the library's union is larger; only its first
 * h.size bytes came from the front-end).
 */
struct VZC_PACKED_BEGIN vzc_vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;		/* payload bytes sent */
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {	/* SET_MEM_TABLE */
			uint32_t nregions;
			uint32_t padding;
			struct vzc_vhost_user_region regions[VZC_VHOST_USER_MAX_FDS];
		} memory;
		struct {	/* ADD_MEM_REG */
			uint64_t padding;
			struct vzc_vhost_user_region region;
		} mem_reg;
		struct {	/* SET_LOG_BASE, SET_INFLIGHT_FD (prefix) */
			uint64_t mmap_size;
			uint64_t mmap_offset;
		} mmap;
	} payload;
} VZC_PACKED_END;

/* The fds that came with msg and how many (-1 if the layout is unknown). */
static inline int *
vzc_vhost_msg_fds(void *msg, int *nfds)
{
	int *fds = (int *)((uint8_t *)msg + VZC_VHOST_MSG_FDS_OFF);

	*nfds = fds[VZC_VHOST_USER_MAX_FDS];
	if (*nfds < 0 || *nfds > VZC_VHOST_USER_MAX_FDS)
		*nfds = -1;
	return fds;
}

#endif /* VHOSTZC_VHOST_USER_H */
