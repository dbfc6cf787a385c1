#!/bin/sh
# Runs the fuzz targets (tests/fuzz/fuzz.mk): for each, first every input of
# tests/fuzz/corpus/TARGET (seeds) and tests/fuzz/regress/TARGET (inputs
# that once crashed it) once, then fuzzing for SECONDS from them.
#
# Usage: tests/fuzz/run.sh FUZZ_BUILD_DIR SECONDS SEED TARGET...
#   SEED 0: a random seed, and new inputs are kept in FUZZ_BUILD_DIR/work;
#   otherwise that seed and a scratch corpus (the same run every time).
# A crash leaves its input in FUZZ_BUILD_DIR/crashes/TARGET/: fix the bug,
# then add the input to tests/fuzz/regress/TARGET/.
set -u
dir=$1 secs=$2 seed=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
for t in "$@"; do
	bin=$dir/fuzz_$t
	inputs=
	for d in "$here/corpus/$t" "$here/regress/$t"; do
		[ -d "$d" ] && inputs="$inputs $d"
	done
	crashes=$dir/crashes/$t
	mkdir -p "$crashes"
	log=$dir/$t.log
	# The replay: each seed and regression input once.
	if ! "$bin" -runs=0 $inputs >"$log" 2>&1; then
		echo "fuzz_$t: FAIL replaying the checked-in inputs (log: $log)"
		tail -n 30 "$log"
		failed=$((failed + 1))
		continue
	fi
	if [ "$seed" = 0 ]; then
		work=$dir/work/$t
		mkdir -p "$work"
		seedopt=
	else
		work=$(mktemp -d)
		seedopt=-seed=$seed
	fi
	# -max_len: room for programs of many operations and small images.
	"$bin" $seedopt -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 -artifact_prefix="$crashes/" \
		"$work" $inputs >"$log" 2>&1
	rc=$?
	[ "$seed" = 0 ] || rm -rf "$work"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -a 'DONE\|INITED' "$log" | tail -n1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, features \2, corpus \3/p')
	if [ "$rc" = 0 ]; then
		echo "fuzz_$t: ok: ${execs:-?} runs in $secs s (${rate:-?}/s), $cov"
		passed=$((passed + 1))
	else
		echo "fuzz_$t: FAIL (status $rc): a crash, its input in $crashes (log: $log)"
		grep -a -m5 'fuzz: \|ERROR: \|SUMMARY: ' "$log"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
