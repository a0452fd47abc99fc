#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the libFuzzer targets (ring: the ring layer alone; rx: the receive
# path over a fake guest) with Debian's clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and run each for SECONDS from its committed
# seed corpus (test/fuzz/corpus/TARGET). Prints one line per target,
#   fuzz TARGET: N execs, 0 crashes (R exec/s)
# from libFuzzer's final stats, and exits non-zero on any crash, leak,
# sanitizer report, broken contract or timeout, or when fewer than
# SECONDS * VZC_FUZZ_MIN_RATE (default 20) inputs ran. SECONDS 0: build
# and check the reproducers only. Exit 77 (skip) when there is no clang
# with libFuzzer.
#
# The driver sources are compiled by meson itself, in a build of this
# project of its own (BUILD_DIR/lib, CC=clang, sanitizers, coverage
# instrumentation; the driver SDK headers found as every build finds
# them), so that the fuzzers always get exactly the sources and flags of
# drivers/net/vhostzc/meson.build; the targets link its static libraries.
#
# Bugs the fuzzers found that are still open are listed in known-bugs
# (ID TARGET REPRODUCER): each reproducer is run first and must still
# fail (else: fixed, remove the line), and VZC_FUZZ_ALLOW then relaxes
# that bug's check during the run so that others can be found meanwhile.
# Every other file under crashes/ must run clean (a fixed bug stays fixed).
#
# Takes no CPU lock of its own: callers on shared machines wrap it.
#
# usage: run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
b=${1:?usage: $0 BUILD_DIR SECONDS [TARGET...]}
secs=${2:?usage: $0 BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=${*:-ring rx}
min_rate=${VZC_FUZZ_MIN_RATE:-20}
cc=${VZC_FUZZ_CC:-clang}

mkdir -p "$b" || exit 1
b=$(cd "$b" && pwd)

# A clang whose libFuzzer links.
printf 'int LLVMFuzzerTestOneInput(const char *d, long n)\n{ return 0; }\n' \
	> "$b/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$b/probe.c" -o "$b/probe" \
	>/dev/null 2>&1; then
	echo "SKIP: no $cc with libFuzzer (apt-get install clang)"
	exit 77
fi

# The driver's libraries, instrumented, built by the project's own meson.
san="-g -O1 -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
lib=$b/lib
if [ ! -f "$lib/build.ninja" ]; then
	CC=$cc meson setup "$lib" "$top" -Dtests=false -Dbuildtype=plain \
		-Db_sanitize=address,undefined -Db_lundef=false \
		"-Dc_args=$san" > "$b/setup.log" 2>&1 || {
		cat "$b/setup.log"
		exit 1
	}
fi
ninja -C "$lib" drivers/net/vhostzc/libvhostzc_core.a \
	drivers/net/vhostzc/libvhostzc_ring.a > "$b/ninja.log" 2>&1 || {
	grep -E -A4 "warning|error" "$b/ninja.log" | head -n 60
	exit 1
}
# Each library's compiler arguments, as meson passes them (@file for clang).
meson introspect --targets "$lib" | python3 -c '
import json, shlex, sys
for t in json.load(sys.stdin):
    if t["name"] in ("vhostzc_core", "vhostzc_ring"):
        args = [a for ts in t["target_sources"] if ts.get("language") == "c"
                for a in ts["parameters"]]
        with open(sys.argv[1] + "/" + t["name"] + ".args", "w") as f:
            f.write(" ".join(shlex.quote(a) for a in args) + "\n")
' "$b" || exit 1

build() {
	t=$1
	case $t in
	ring)
		"$cc" @"$b/vhostzc_ring.args" -fsanitize=fuzzer \
			"$here/fuzz_ring.c" "$lib/drivers/net/vhostzc/libvhostzc_ring.a" \
			-o "$b/fuzz_ring"
		;;
	rx)
		# shellcheck disable=SC2046
		"$cc" @"$b/vhostzc_core.args" -I"$top/test/unit" -fsanitize=fuzzer \
			"$here/fuzz_rx.c" -Wl,--whole-archive \
			"$lib/drivers/net/vhostzc/libvhostzc_core.a" \
			-Wl,--no-whole-archive \
			"$lib/drivers/net/vhostzc/libvhostzc_ring.a" \
			$(pkg-config --libs libdpdk) -lpthread -o "$b/fuzz_rx"
		;;
	*)
		echo "unknown fuzz target $t" >&2
		return 1
		;;
	esac
}

# Sanitizer reports are fatal, symbolized, and leaks are looked for.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vzc-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT INT TERM
status=0

# A reproducer: does target t fail on file f (with the bugs in $2 allowed)?
fails() {
	VZC_FUZZ_ALLOW=$3 "$b/fuzz_$1" -runs=1 "$2" > "$scratch/repro.log" 2>&1 && \
		return 1
	return 0
}

for t in $targets; do
	build "$t" || { status=1; continue; }
	# This target's open bugs; each reproducer must fail on its own bug.
	ids='' known=''
	if [ -f "$here/known-bugs" ]; then
		ids=$(awk -v t="$t" '$1 !~ /^#/ && $2 == t { print $1 }' \
			"$here/known-bugs" | tr '\n' ',')
		known=$(awk -v t="$t" '$1 !~ /^#/ && $2 == t { print $3 }' \
			"$here/known-bugs" | tr '\n' ' ')
	fi
	for id in $(echo "$ids" | tr ',' ' '); do
		file=$(awk -v i="$id" '$1 == i { print $3 }' "$here/known-bugs")
		others=$(echo "$ids" | tr ',' '\n' | grep -v -x "$id" | tr '\n' ',')
		if fails "$t" "$here/$file" "$others"; then
			echo "fuzz $t: known bug $id still open ($file)"
		else
			echo "fuzz $t: known bug $id: $file runs clean now;" \
				"remove its line from test/fuzz/known-bugs"
			status=1
		fi
	done
	allow=$ids
	for f in "$here/crashes/$t"/*; do
		[ -f "$f" ] || continue
		case " $known " in *" ${f#"$here"/} "*) continue ;; esac
		if fails "$t" "$f" "$allow"; then
			echo "fuzz $t: regression: ${f#"$top"/} fails again"
			tail -n 30 "$scratch/repro.log"
			status=1
		fi
	done

	if [ "$secs" = 0 ]; then
		echo "fuzz $t: built, reproducers checked"
		continue
	fi
	mkdir -p "$scratch/$t" "$b/artifacts"
	rm -f "$b/artifacts/$t-"*
	log=$b/fuzz_$t.log
	VZC_FUZZ_ALLOW=$allow "$b/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$b/artifacts/$t-" \
		"$scratch/$t" "$here/corpus/$t" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	execs=${execs:-0}
	if [ "$rc" != 0 ] || grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|FUZZ CHECK FAILED" "$log"; then
		echo "fuzz $t: $execs execs, 1 crash (exit $rc); log $log:"
		grep -E -B2 -A25 "ERROR:|runtime error:|FUZZ CHECK FAILED" "$log" | head -n 60
		for a in "$b/artifacts/$t-"*; do
			[ -e "$a" ] && echo "  reproducer: $a"
		done
		status=1
	elif [ "$execs" -lt $((secs * min_rate)) ]; then
		echo "fuzz $t: $execs execs, 0 crashes, but fewer than" \
			"$((secs * min_rate)) ran"
		status=1
	else
		echo "fuzz $t: $execs execs, 0 crashes (${rate:-?} exec/s)"
	fi
done
exit $status
