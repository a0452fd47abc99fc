/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

#ifndef VZC_TEST_H
#define VZC_TEST_H

/*
 * A minimal check harness shared by the test programs: each CHECK counts a
 * pass or a failure, and vzc_test_summary() prints "N passed, N failed".
 */

#include <stdio.h>

static unsigned int vzc_test_pass;
static unsigned int vzc_test_fail;

#define CHECK(cond, ...) do { \
	if (cond) { \
		vzc_test_pass++; \
	} else { \
		vzc_test_fail++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/*
 * Announce a test case on stderr (unbuffered): when a program dies, its
 * log says in which case, whatever stdout still held.
 */
#define VZC_RUN(fn, ...) do { \
	fprintf(stderr, "== %s\n", #fn); \
	fn(__VA_ARGS__); \
} while (0)

static inline int
vzc_test_summary(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, vzc_test_pass, vzc_test_fail);
	return vzc_test_fail == 0 && vzc_test_pass != 0 ? 0 : 1;
}

#endif /* VZC_TEST_H */
