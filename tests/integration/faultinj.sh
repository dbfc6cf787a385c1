# Fault injection (issue 10; docs/reliability.md), sourced by run.sh with
# $native_summary set: `--fault-inject` makes host operations fail. Where a
# failure is survivable the guest test suite must print the same suite line
# as natively (no guest data lost or changed: t_mempattern checksums 12 MiB
# through swap under the limit) and --stats must show the failures injected
# and survived; where it is not (a frame's bytes cannot be read back), the
# guest must stop with status 125 and a message naming the gfn, and no
# suite line.

# fi_counter KIND FIELD: FIELD (calls, injected, survived, fatal) of KIND's
# "umbra: host failures:" line.
fi_counter() {
	sed -n "s/^umbra: host failures: $1: .*[ ,]\([0-9][0-9]*\) $2.*/\1/p" "$tmp/err" | head -n 1
}
# fi_survived KINDS...: every kind injected and survived, none fatal.
fi_survived() {
	fi_bad=
	for k in "$@"; do
		i=$(fi_counter "$k" injected) s=$(fi_counter "$k" survived) f=$(fi_counter "$k" fatal)
		if [ "${i:-0}" -gt 0 ] && [ "${s:-0}" -gt 0 ] && [ "${f:-1}" -eq 0 ]; then
			fi_seen="$fi_seen $k: $i injected, $s survived;"
		else
			fi_bad="$fi_bad $k: injected '$i' survived '$s' fatal '$f';"
		fi
	done
	[ -z "$fi_bad" ]
}

saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
fi_bad= fi_seen=
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))

echo "-- fault injection: survivable host failures"
# Shadow mode: a fifth of the swap-file writes fail (the victim stays
# resident, the clock takes another), a fifth of the shadow pages' frame
# allocations (a page is evicted, the allocation retried), a tenth of the
# MADV_DONTNEED calls returning free frames to the host.
run_umbra run --paging shadow --mem-limit 5M --stats \
	--fault-inject 'swap-write%20,sp-alloc%20,madvise%10' -i "$initrd" "$kernel"
summary_fi=$(grep '^suite: ' "$tmp/out") fi_seen=
if [ "$rc" -eq 0 ] && [ "$summary_fi" = "$native_summary" ] &&
	fi_survived swap-write sp-alloc madvise; then
	ok "guest test suite, shadow, --mem-limit 5M, failing swap writes, shadow-page allocations, madvise: as natively;$fi_seen"
else
	bad "guest test suite with injected host failures (shadow)" "status $rc, '$summary_fi';$fi_bad $(grep -e '^FAIL ' -e panic -e '^umbra: ' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi
# tdp mode: failing swap writes, a tenth of the userfaultfd ioctls
# (UFFDIO_ZEROPAGE, UFFDIO_COPY: the fault is retried) and of the
# MADV_DONTNEED calls of reclaim and the balloon (the frames stay resident).
run_umbra run --mem-limit 5M --stats -p "balloon=4096" \
	--fault-inject 'swap-write%20,uffd%10,madvise%10' -i "$initrd" "$kernel"
summary_fi=$(grep '^suite: ' "$tmp/out") fi_seen=
if [ "$rc" -eq 0 ] && [ "$summary_fi" = "$native_summary" ] &&
	fi_survived swap-write uffd madvise; then
	ok "guest test suite, tdp, --mem-limit 5M, balloon, failing swap writes, uffd ioctls, madvise: as natively;$fi_seen"
else
	bad "guest test suite with injected host failures (tdp)" "status $rc, '$summary_fi';$fi_bad $(grep -e '^FAIL ' -e panic -e '^umbra: ' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test

echo "-- fault injection: host failures that stop the guest"
# fi_stopped NAME KIND PATTERN ARGS...: status 125, the message PATTERN,
# one fatal failure of KIND counted, no suite line.
fi_stopped() {
	name=$1 kind=$2 pattern=$3
	shift 3
	run_umbra "$@"
	f=$(fi_counter "$kind" fatal)
	if [ "$rc" -eq 125 ] && grep -q "^umbra: $pattern" "$tmp/err" && [ "${f:-0}" -eq 1 ] &&
		! grep -q '^suite: ' "$tmp/out"; then
		ok "$name: status 125, $(grep "^umbra: $pattern" "$tmp/err" | head -n 1)"
	else
		bad "$name" "status $rc, fatal '$f'; $(grep -e '^umbra: ' -e panic "$tmp/err" "$tmp/out" | head -5 | tr '\n' ' ')"
	fi
}
# A swapped frame whose bytes cannot be read back: from the 3000th read on
# every read fails (the frame's own fault and any readahead).
fi_stopped "unreadable swap (shadow)" swap-read \
	'swap file: cannot read back gfn 0x[0-9a-f]* (.*): its data is lost; guest stopped' \
	run --paging shadow --mem-limit 5M --stats --fault-inject 'swap-read:3000+' \
	-i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
fi_stopped "unreadable swap (tdp)" swap-read \
	'swap file: cannot read back gfn 0x[0-9a-f]* (.*): its data is lost; guest stopped' \
	run --mem-limit 5M --stats --fault-inject 'swap-read:300+' \
	-i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
# No frame for a shadow page, ever, once the guest runs.
fi_stopped "shadow pages never allocated" sp-alloc \
	'shadow MMU: no frame for a shadow page in 8 tries: guest stopped' \
	run --paging shadow --stats --fault-inject 'sp-alloc:50+' \
	-i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
# Start-up failures: one line, the usual statuses.
run_umbra run --fault-inject mmap -i "$initrd" -p "init=/bin/hello" "$kernel"
if [ "$rc" -eq 125 ] && grep -q '^umbra: guest RAM (256 MiB): Cannot allocate memory' "$tmp/err"; then
	ok "guest RAM mmap failing: status 125, $(grep '^umbra: guest RAM' "$tmp/err")"
else
	bad "guest RAM mmap failing" "status $rc; $(grep '^umbra: ' "$tmp/err" | tail -n 2 | tr '\n' ' ')"
fi
run_umbra run --fault-inject uffd:1 --mem-limit 5M -i "$initrd" -p "init=/bin/hello" "$kernel"
if [ "$rc" -eq 120 ] && grep -q '^umbra: userfaultfd: .*backed eagerly' "$tmp/err" &&
	grep -q '^umbra: --mem-limit in tdp mode needs userfaultfd' "$tmp/err"; then
	ok "UFFDIO_REGISTER failing under --mem-limit: status 120, said why"
else
	bad "UFFDIO_REGISTER failing" "status $rc; $(grep '^umbra: ' "$tmp/err" | tail -n 3 | tr '\n' ' ')"
fi
expect_error "--fault-inject unknown kind" 120 "unknown kind" run --fault-inject disk "$kernel"
expect_error "--fault-inject bad rate" 120 "percentage" run --fault-inject 'swap-read%101' "$kernel"
