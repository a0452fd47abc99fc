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
#define VZC_VHOST_USER_GET_VRING_BASE		11
#define VZC_VHOST_USER_GET_PROTOCOL_FEATURES	15
#define VZC_VHOST_USER_GET_QUEUE_NUM		17
#define VZC_VHOST_USER_SEND_RARP		19
#define VZC_VHOST_USER_GET_CONFIG		24
#define VZC_VHOST_USER_GET_INFLIGHT_FD		31
#define VZC_VHOST_USER_ADD_MEM_REG		37
#define VZC_VHOST_USER_REM_MEM_REG		38
#define VZC_VHOST_USER_GET_STATUS		40

/* Protocol features (bit numbers). */
#define VZC_VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS	15

/* Wire header of a vhost-user message: what pre/post_msg_handle receive. */
struct VZC_PACKED_BEGIN vzc_vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
	} payload;
} VZC_PACKED_END;

#endif /* VHOSTZC_VHOST_USER_H */
