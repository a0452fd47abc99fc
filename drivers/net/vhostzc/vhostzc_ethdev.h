/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VHOSTZC_ETHDEV_H
#define VHOSTZC_ETHDEV_H

/*
 * The ethdev glue room's API to the rest of the driver: stats ops
 * (vhostzc_stats.c) and what the vhost-user control path tells ethdev
 * (rx interrupt fds, queue-state events). The datapath and zero-copy
 * rooms never include this.
 */

#include <rte_ethdev.h>
#include <ethdev_driver.h>

#include "vhostzc.h"

/* vhostzc_stats.c */
int vhostzc_stats_get(VZC_STATS_GET_ARGS);
int vhostzc_stats_reset(struct rte_eth_dev *dev);
int vhostzc_xstats_get_names(struct rte_eth_dev *dev,
			     struct rte_eth_xstat_name *names,
			     unsigned int limit);
int vhostzc_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		       unsigned int limit);
int vhostzc_xstats_reset(struct rte_eth_dev *dev);

/* rte_eth_vhostzc.c; in->ctl held */
void vhostzc_intr_sync(struct vhostzc_internal *in);

#endif /* VHOSTZC_ETHDEV_H */
