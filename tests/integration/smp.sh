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
