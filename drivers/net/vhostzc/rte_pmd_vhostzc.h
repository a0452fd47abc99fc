/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef RTE_PMD_VHOSTZC_H
#define RTE_PMD_VHOSTZC_H

/**
 * @file
 * net_vhostzc's own API, for applications that want to know which queue a
 * guest enabled or disabled: after an RTE_ETH_EVENT_QUEUE_STATE callback
 * on a net_vhostzc port, call rte_pmd_vhostzc_get_queue_event() until it
 * returns -EAGAIN (as with net_vhost's rte_eth_vhost_get_queue_event()).
 * Link with librte_net_vhostzc.so (in DPDK's PMD directory).
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One change of a guest ring's state. */
struct rte_pmd_vhostzc_queue_event {
	uint16_t queue_id;	/**< queue index on the port */
	bool rx;		/**< the port's rx queue (the guest's TX ring) */
	bool enable;		/**< the ring's state now */
};

/**
 * Take the oldest unread ring state change of a net_vhostzc port.
 *
 * @return 0 and *event filled; -EAGAIN when nothing changed since the last
 *   call; -ENODEV for a port id that is not valid; -ENOTSUP for a port of
 *   another driver; -EINVAL if event is NULL.
 */
int rte_pmd_vhostzc_get_queue_event(uint16_t port_id,
				    struct rte_pmd_vhostzc_queue_event *event);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_VHOSTZC_H */
