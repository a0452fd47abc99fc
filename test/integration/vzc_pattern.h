/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VZC_PATTERN_H
#define VZC_PATTERN_H

/*
 * The payload every test peer sends: bytes 0-3 carry the packet's sequence
 * number, every other byte is a function of (seq, offset), so a receiver
 * can check any packet on its own, byte by byte.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

static inline uint8_t
vzc_pattern(uint32_t seq, uint32_t i)
{
	if (i < 4)
		return (uint8_t)(seq >> (8 * i));
	return (uint8_t)(seq * 13 + i * 5 + (i >> 9));
}

static inline void
vzc_pattern_fill(uint8_t *d, uint32_t off, uint32_t n, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		d[i] = vzc_pattern(seq, off + i);
}

/* Whole-packet check; *seq_out gets the sequence number it carries. */
static inline bool
vzc_pattern_check(const struct rte_mbuf *m, uint32_t len, uint32_t *seq_out)
{
	static __thread uint8_t tmp[16384];
	const uint8_t *p;
	uint32_t seq, i;

	if (m->pkt_len != len || len < 4 || len > sizeof(tmp))
		return false;
	p = rte_pktmbuf_read(m, 0, len, tmp);
	if (p == NULL)
		return false;
	seq = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	for (i = 4; i < len; i++)
		if (p[i] != vzc_pattern(seq, i))
			return false;
	*seq_out = seq;
	return true;
}

#endif /* VZC_PATTERN_H */
