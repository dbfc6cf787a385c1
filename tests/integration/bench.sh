# Integration tests of the benchmark support (issue 8, docs/bench.md),
# sourced by run.sh (its helpers run_umbra, ok, bad and variables): the
# guest microbenchmarks read the VMM's counters (hypercall 29,
# /proc/umbra/stats), and the guest's thp_anon= maps whole blocks. Counts
# only: timing targets are make bench's.
bench_initrd=$build/bench/initrd.cpio

# field LINE NAME: the value of NAME=... in a "bench ..." line (empty if none).
bench_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "-- bench: counters in the guest, thp_anon"
for args in "tdp -" "tdp thp_anon=64K:always" "shadow thp_anon=64K:always"; do
	mode=${args%% *} opt=${args#* }
	[ "$opt" = - ] && opt=
	name="bench seq_fault and hypercall ($mode${opt:+, $opt})"
	run_umbra run --paging "$mode" -i "$bench_initrd" -p "$opt -- seq_fault hypercall" "$kernel"
	seq=$(grep '^bench seq_fault ' "$tmp/out")
	hc=$(grep '^bench hypercall ' "$tmp/out")
	ops=$(bench_field "$seq" ops) faults=$(bench_field "$seq" pgfault)
	exits=$(bench_field "$seq" exits)
	hc_ops=$(bench_field "$hc" ops) hc_exits=$(bench_field "$hc" exits)
	hc_kvm=$(bench_field "$hc" kvm_exits)
	if [ "$rc" -ne 0 ] || [ -z "$seq" ] || [ -z "$hc" ]; then
		bad "$name" "exit status $rc, or no result line"
	elif [ -z "$exits" ] || [ -z "$hc_exits" ] || [ "${hc_ops:-0}" -lt 20 ] ||
		[ "$hc_exits" -ne "$hc_ops" ]; then
		# Each read of the counters is one hypercall and one exit, and the
		# harness subtracts its own reads exactly.
		bad "$name" "VMM counters missing or wrong: $hc"
	elif [ -n "$hc_kvm" ] && [ "$hc_kvm" -lt "$hc_ops" ]; then
		# KVM's own count (absent where the kernel has none) sees each
		# read as an exit too: fewer means the harness counts a snapshot
		# as costlier than it is (as when it measured the first pair of
		# snapshots alone, which pays first touches).
		bad "$name" "$hc_kvm KVM exits for $hc_ops reads of the counters: $hc"
	elif [ -z "$opt" ] && [ "$faults" -ne "$ops" ]; then
		bad "$name" "$faults faults for $ops first touches, want one each"
	elif [ -n "$opt" ] && [ $((faults * 8)) -gt "$ops" ]; then
		# 64K blocks: one fault per 16 pages, plus single pages at the
		# region's unaligned ends (at most 30).
		bad "$name" "$faults faults for $ops first touches with 64K blocks"
	elif [ "$mode" = shadow ] && [ "$exits" -gt "$faults" ]; then
		# The guest's fault needs no first-chance call; the refault
		# fills the block with prefetch.
		bad "$name" "$exits exits for $faults guest faults"
	else
		ok "$name: $faults faults, $exits exits for $ops first touches"
	fi
done
