/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VZC_FUZZ_INPUT_H
#define VZC_FUZZ_INPUT_H

/*
 * What both fuzz targets share: reading the input as a stream of
 * little-endian integers (reads past the end give zeroes, so every input
 * is a valid program and a short one is a small program), FZ_CHECK,
 * which turns a broken contract into an abort that libFuzzer records as a
 * crash with the input that caused it, and fz_allowed for checks an open
 * bug breaks. gen-corpus.py writes inputs in the same encoding.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhostzc_ring.h"

struct fz {
	const uint8_t *p;
	size_t left;
};

static inline bool
fz_more(const struct fz *f)
{
	return f->left != 0;
}

static inline uint8_t
fz_u8(struct fz *f)
{
	if (f->left == 0)
		return 0;
	f->left--;
	return *f->p++;
}

static inline uint16_t
fz_u16(struct fz *f)
{
	uint16_t v = fz_u8(f);

	return (uint16_t)(v | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t
fz_u32(struct fz *f)
{
	uint32_t v = fz_u16(f);

	return v | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t
fz_u64(struct fz *f)
{
	uint64_t v = fz_u32(f);

	return v | (uint64_t)fz_u32(f) << 32;
}

/* Up to n bytes of input into dst, zeroes for the rest. */
static inline void
fz_bytes(struct fz *f, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = fz_u8(f);
}

/*
 * Whether VZC_FUZZ_ALLOW (comma-separated ids, which run-fuzz.sh takes
 * from known-bugs) names bug id: a check that an open bug breaks asks
 * this, so that the fuzzer looks for other bugs until that one is fixed.
 */
static inline bool
fz_allowed(const char *id)
{
	const char *a = getenv("VZC_FUZZ_ALLOW");
	size_t n = strlen(id);

	while (a != NULL && *a != '\0') {
		size_t len = strcspn(a, ",");

		if (len == n && strncmp(a, id, n) == 0)
			return true;
		a += len;
		if (*a == ',')
			a++;
	}
	return false;
}

#define FZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FUZZ CHECK FAILED %s:%d: %s: ", __FILE__, \
			__LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/* A length: small, 16-bit, 32-bit, or around the largest packet. */
static inline uint32_t
fz_len(struct fz *f)
{
	uint8_t sel = fz_u8(f);

	switch (sel & 3) {
	case 0:
		return fz_u8(f);
	case 1:
		return fz_u16(f);
	case 2:
		return fz_u32(f);
	default:
		return VZC_MAX_PKT_LEN - 128 + fz_u8(f);
	}
}

/* Descriptor flags; bits the ring layer does not know: ignored, never trusted. */
static inline uint16_t
fz_flags(struct fz *f)
{
	uint8_t v = fz_u8(f);
	uint16_t flags = v & 7;

	if ((v & 0x80) != 0)
		flags |= (uint16_t)(fz_u8(f) << 8);
	return flags;
}

#endif /* VZC_FUZZ_INPUT_H */
