#!/bin/sh
# The guest microbenchmarks run natively, and the VMM-side ones, and print
# one line per benchmark with its operation count and time (no figure is
# checked: timing targets belong to `make bench`).
set -eu
prog=${1:?usage: smoke.sh BENCH_PROGRAM SHADOW_BENCH_PROGRAM}
shadow_prog=${2:?usage: smoke.sh BENCH_PROGRAM SHADOW_BENCH_PROGRAM}
out=$("$prog")
echo "$out"
fail=0
for name in seq_fault rand_fault file_fault cow_fault mmap_munmap mprotect_64k \
	mprotect_8m mremap_8m munmap_16m munmap_empty_1g fork_exit_16m; do
	if ! echo "$out" | grep -Eq "^bench $name ops=[1-9][0-9]* cycles=[1-9][0-9]* "; then
		echo "bench-smoke: no result line for $name" >&2
		fail=1
	fi
done
echo "$out" | grep -q '^bench-end$' || { echo "bench-smoke: no bench-end line" >&2; fail=1; }
# An unknown name is refused.
if "$prog" no_such_bench >/dev/null 2>&1; then
	echo "bench-smoke: an unknown benchmark name was accepted" >&2
	fail=1
fi
# The VMM-side ones (shadow/ without KVM).
out=$("$shadow_prog") || { echo "bench-smoke: $shadow_prog failed" >&2; fail=1; }
echo "$out"
for name in fill prefetch first_fault zap_range_dense zap_range_sparse zap_rmap invalidate_empty walker; do
	if ! echo "$out" | grep -Eq "^bench $name ops=[1-9][0-9]* ns_per_op=[0-9]"; then
		echo "bench-smoke: no result line for $name" >&2
		fail=1
	fi
done
[ $fail = 0 ] && echo "bench-smoke: ok"
exit $fail
