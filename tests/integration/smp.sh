# Issue 9: SMP for umbra's own guest kernel (sourced by run.sh; uses its
# helpers). docs/architecture.md, "SMP".
echo "-- SMP (-c N) for umbra's guest kernel"

# The boot CPU starts the others with INIT/SIPI through its x2APIC and a
# real-mode trampoline; each must report in.
run_umbra run -c 4 -i "$initrd" -p "init=/bin/hello -- 42" "$kernel"
if [ "$rc" -eq 42 ] && grep -q '^umbra-guest: smp: 4 of 4 CPUs up$' "$tmp/out" &&
	guest_output | cmp -s - "$tmp/native-hello"; then
	ok "-c 4: the boot CPU started 3 others (INIT/SIPI), hello as natively"
else
	bad "-c 4 start-up" "status $rc; $(grep 'smp' "$tmp/out" | tr '\n' ' ')"
fi

# The whole suite with -c 2: every CPU takes processes from the shared run
# queue under the big kernel lock. The same summary as natively, and
# t_smp's busy children ran on both CPUs (its check in the guest only).
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run -c 2 -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
cp "$tmp/out" "$tmp/suite-smp-out"
summary_smp=$(grep '^suite: ' "$tmp/out")
if [ "$rc" -eq 0 ] && [ "$summary_smp" = "$native_summary" ] &&
	grep -q '^umbra-guest: smp: 2 of 2 CPUs up$' "$tmp/out"; then
	ok "guest test suite with -c 2, as natively: $summary_smp"
else
	bad "guest test suite with -c 2" "status $rc, '$summary_smp'; $(grep '^FAIL ' "$tmp/out" | tr '\n' ' ')"
fi
if grep -q '^ok [0-9]* - together they ran on all 2 CPUs$' "$tmp/suite-smp-out"; then
	ok "-c 2: t_smp's busy children ran in user mode on both CPUs"
else
	bad "-c 2: user processes on both CPUs" "$(grep 'together they ran' "$tmp/suite-smp-out")"
fi
# TLB shootdown: idle CPUs keep the last task's tables (lazy), so changes
# of that mm from the other CPU must have sent TLB-flush IPIs.
ipis=$(sed -n 's/^umbra-guest: smp: 2 CPUs, \([0-9]*\) reschedule IPIs, \([0-9]*\) TLB-flush IPIs$/\1 \2/p' "$tmp/suite-smp-out")
if [ -n "$ipis" ] && [ "${ipis#* }" -gt 0 ] && [ "${ipis% *}" -gt 0 ]; then
	ok "-c 2 suite: ${ipis% *} reschedule and ${ipis#* } TLB-flush IPIs"
else
	bad "-c 2 IPIs" "'$(grep '^umbra-guest: smp: 2 CPUs' "$tmp/suite-smp-out")'"
fi

# t_mm_stress (two processes doing mm work at once on two vCPUs) ended in
# a guest triple fault in about 1 run in 5 while the big kernel lock's spin
# read the x2APIC IRR for kicks (docs/shadow.md, "SMP"); it now reads the
# kick flag. Three runs, not retried on a triple fault (run_umbra's
# no_retry): a return of that rate fails this about half the time
# (1 - 0.8^3 = 49%). The whole-suite runs below run it twice more, but are
# retried once on a triple fault, so they add little to that.
mmstress_bad=
for i in 1 2 3; do
	no_retry=1
	run_umbra run --paging shadow -c 2 --stats -i "$initrd" -p "init=/bin/t_mm_stress" "$kernel"
	no_retry=
	if [ "$rc" -ne 0 ] || grep -q '^not ok' "$tmp/out" || ! grep -q '^ok 4 ' "$tmp/out"; then
		mmstress_bad="$mmstress_bad run $i: status $rc $(grep -e 'triple' -e '^not ok' "$tmp/out" "$tmp/err" | head -2 | tr '\n' ' ')"
	fi
done
if [ -z "$mmstress_bad" ]; then
	ok "--paging shadow -c 2: t_mm_stress passes 3 of 3 runs (two processes' mm work on two vCPUs)"
else
	bad "--paging shadow -c 2 t_mm_stress" "$mmstress_bad"
fi

# Shadow paging with several vCPUs (docs/shadow.md, "SMP"): the boot CPU
# starts the others by hypercall (SMP_START_CPU) on the kernel's shadow
# root, each vCPU runs its own address spaces, and a zap made in one
# vCPU's hypercall makes every other vCPU that may cache it flush before
# the call returns (kicks). The whole suite, as natively, with both vCPUs
# taking faults.
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --paging shadow -c 2 --stats -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
summary_shsmp=$(grep '^suite: ' "$tmp/out")
faults0=$(sed -n 's/^shadow: vcpu0: [0-9]* hypercalls, \([0-9]*\) faults.*/\1/p' "$tmp/err")
faults1=$(sed -n 's/^shadow: vcpu1: [0-9]* hypercalls, \([0-9]*\) faults.*/\1/p' "$tmp/err")
if [ "$rc" -eq 0 ] && [ "$summary_shsmp" = "$native_summary" ] &&
	grep -q '^umbra-guest: smp: 2 of 2 CPUs up$' "$tmp/out" &&
	[ "${faults0:-0}" -gt 0 ] && [ "${faults1:-0}" -gt 0 ] &&
	grep -q '^ok [0-9]* - together they ran on all 2 CPUs$' "$tmp/out"; then
	ok "guest test suite with --paging shadow -c 2, as natively: $summary_shsmp (shadow faults: vcpu0 $faults0, vcpu1 $faults1)"
else
	bad "guest test suite with --paging shadow -c 2" "status $rc, '$summary_shsmp', faults '$faults0' '$faults1'; $(grep '^FAIL ' "$tmp/out" | tr '\n' ' ')"
fi

# The same with the audit (docs/shadow.md, "The audit with several
# vCPUs"): no finding, and audits did run. The runner's per-program limit
# as for the one-vCPU audit run (run.sh).
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra_plain run --paging shadow -c 2 --audit --stats -p "init=/bin/runner -- -t 600" -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
summary_shsmp=$(grep '^suite: ' "$tmp/out")
audits=$(sed -n 's/^shadow: audit findings 0; audits \([0-9]*\),.*/\1/p' "$tmp/err")
if [ "$rc" -eq 0 ] && [ "$summary_shsmp" = "$native_summary" ] &&
	! grep -q 'shadow audit' "$tmp/err" && [ "${audits:-0}" -gt 0 ]; then
	ok "guest test suite with --paging shadow -c 2 --audit, as natively: $audits audits, no finding"
else
	bad "guest test suite with --paging shadow -c 2 --audit" "status $rc, '$summary_shsmp'; $(grep -e '^FAIL ' -e 'shadow audit' -e 'audit findings' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi


# Cross-vCPU kicks from a vCPU's own hypercall: under --mem-limit the
# reclaim at the end of vCPU 0's shadow hypercalls swaps out frames the
# other vCPU maps (the direct map of its address space): it is kicked and
# acknowledges every time, its kernel stack shadowed again meanwhile.
# (A long run under load: 133-142 s was seen on a busy machine, so the
# suite's time limits, not a boot's 120 s.)
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --paging shadow -c 2 --stats --mem-limit 16M -i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
kicks=$(grep '^shadow kicks: [0-9]* waits' "$tmp/err")
waits=$(echo "$kicks" | sed -n 's/^shadow kicks: \([0-9]*\) waits.*/\1/p')
timeouts=$(echo "$kicks" | sed -n 's/.* \([0-9]*\) timed out.*/\1/p')
own=$(sed -n 's/^shadow kicks: vcpu[01]: [0-9]* interrupts received, \([0-9]*\) waits by its own hypercalls$/\1/p' "$tmp/err" | awk '{ s += $1 } END { print s + 0 }')
if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$tmp/out" && [ "${waits:-0}" -gt 0 ] &&
	[ "$timeouts" = 0 ] && [ "${own:-0}" -gt 0 ] &&
	grep -q 'swap-outs' "$tmp/err"; then
	ok "--paging shadow -c 2 --mem-limit 16M: t_mempattern passes; $waits kick waits ($own by vCPUs' own hypercalls), none timed out"
else
	bad "--paging shadow -c 2 kicks" "status $rc, '$kicks', own '$own'"
fi

# SMP stress with host changes (issue 10): two vCPUs fault while the chaos
# thread swaps out and moves frames and dedup merges identical ones;
# t_mempattern's checksummed patterns must read back intact. Shadow mode:
# the VMM's own dedup, and kicks none of which times out; tdp mode: the
# host's KSM (its merges are reported, not required: L1's KSM may not
# have scanned yet in so short a run).
run_umbra run --paging shadow -c 2 --dedup --chaos-invalidate 200 --stats -i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
chaos=$(sed -n 's/.*chaos operations \([0-9]*\).*/\1/p' "$tmp/err" | head -n 1)
merges=$(sed -n 's/.*dedup merges \([0-9]*\).*/\1/p' "$tmp/err" | head -n 1)
kicks=$(grep '^shadow kicks: [0-9]* waits' "$tmp/err")
timeouts=$(echo "$kicks" | sed -n 's/.* \([0-9]*\) timed out.*/\1/p')
waits=$(echo "$kicks" | sed -n 's/^shadow kicks: \([0-9]*\) waits.*/\1/p')
if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$tmp/out" && grep -q '^ok 3 - checksum' "$tmp/out" &&
	[ "${chaos:-0}" -gt 0 ] && [ "${merges:-0}" -gt 0 ] && [ "$timeouts" = 0 ]; then
	ok "--paging shadow -c 2 --dedup --chaos-invalidate 200: t_mempattern's patterns intact ($chaos chaos operations, $merges dedup merges, $waits kick waits, none timed out)"
else
	bad "--paging shadow -c 2 --dedup --chaos-invalidate 200" "status $rc, chaos '$chaos', merges '$merges', '$kicks'; $(grep -e '^not ok' -e triple "$tmp/out" "$tmp/err" | head -3 | tr '\n' ' ')"
fi
run_umbra run -c 2 --dedup --chaos-invalidate 10 --stats -i "$initrd" -p "init=/bin/t_mempattern" "$kernel"
chaos=$(sed -n 's/^host memory: chaos invalidations \([0-9]*\).*/\1/p' "$tmp/err")
ksm=$(sed -n 's/^host memory: KSM (--dedup): \([0-9]*\) guest pages merged now, \([0-9]*\) at the peak.*/\2/p' "$tmp/err")
if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$tmp/out" && grep -q '^ok 3 - checksum' "$tmp/out" &&
	[ "${chaos:-0}" -gt 0 ] && [ -n "$ksm" ]; then
	ok "tdp -c 2 --dedup --chaos-invalidate 10: t_mempattern's patterns intact ($chaos chaos invalidations, KSM peak $ksm merged pages)"
else
	bad "tdp -c 2 --dedup --chaos-invalidate 10" "status $rc, chaos '$chaos', ksm '$ksm'; $(grep -e '^not ok' -e triple "$tmp/out" "$tmp/err" | head -3 | tr '\n' ' ')"
fi

# Four vCPUs started by hypercall; t_smp's busy children run on all.
run_umbra run --paging shadow -c 4 -i "$initrd" -p "init=/bin/t_smp" "$kernel"
if [ "$rc" -eq 0 ] && grep -q '^umbra-guest: smp: 4 of 4 CPUs up$' "$tmp/out" &&
	! grep -q '^not ok' "$tmp/out" &&
	grep -q '^ok [0-9]* - together they ran on all 4 CPUs$' "$tmp/out"; then
	ok "--paging shadow -c 4: 4 CPUs up, t_smp passes on all of them"
else
	bad "--paging shadow -c 4 t_smp" "status $rc; $(grep -e smp -e 'not ok' "$tmp/out" | tr '\n' ' ')"
fi
