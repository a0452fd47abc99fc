/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#include <rte_log.h>

#include "vhostzc.h"

/* pmd.net.vhostzc, from -DRTE_LOG_DEFAULT_LOGTYPE. */
RTE_LOG_REGISTER_DEFAULT(vhostzc_logtype, NOTICE);
