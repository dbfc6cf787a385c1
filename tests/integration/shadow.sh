# Integration tests of shadow mode (issue 5: docs/shadow.md), sourced by
# run.sh: uses its helpers (run_umbra, ok, bad) and variables. The whole
# suite under shadow paging runs in run.sh itself.

echo "-- shadow: the guest's notifier operations through the queue, RAM above the MMIO hole"
# 4G of RAM: the frame pool skips the 32-bit MMIO hole (two KVM slots).
# A fork storm with the audit after every hypercall: the parent's entries
# are write-protected (WRPROTECT), not zapped; every notifier operation
# goes through the queue (no synchronous INVALIDATE or AS_RELEASE), and
# costs at most one SYNC per fork and copy-on-write copy of the child.
name="mm_storm fork 20 in shadow mode with -m 4G and --audit"
# About a minute alone; the suite's timeouts, for a loaded machine.
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --paging shadow -m 4G --audit --stats -i "$initrd" \
	-p "init=/bin/mm_storm -- fork 20" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
hcs=$(grep '^shadow: hypercalls' "$tmp/err")
# SYNCs by hypercall 10, and those the poll thread answered from a fault
# slot (shadow mode's default: docs/shadow.md "Exitless faults").
hc_syncs=$(echo "$hcs" | sed -n 's/.* 10:\([0-9]*\).*/\1/p')
slot_syncs=$(sed -n 's/^shadow: fault slots: [0-9]* faults and \([0-9]*\) syncs.*/\1/p' "$tmp/err")
syncs=$((${hc_syncs:-0} + ${slot_syncs:-0}))
wrprotects=$(sed -n 's/^shadow: .* wrprotects \([0-9]*\),.*/\1/p' "$tmp/err")
queued=$(sed -n 's/^shadow: .* queued ops \([0-9]*\),.*/\1/p' "$tmp/err")
if [ "$rc" -ne 0 ] || ! grep -q '^mm_storm fork 20: done$' "$tmp/out"; then
	bad "$name" "exit status $rc"
elif grep -q 'shadow audit' "$tmp/err"; then
	bad "$name" "audit findings: $(grep -m 3 'shadow audit' "$tmp/err" | tr '\n' ' ')"
elif echo "$hcs" | grep -q -e ' 7:' -e ' 8:'; then
	bad "$name" "synchronous AS_RELEASE or INVALIDATE made: $hcs"
elif [ "${queued:-0}" -lt 160 ]; then
	bad "$name" "${queued:-0} queued operations for 20 forks of 8 private VMAs"
elif [ "${syncs:-0}" -lt 1 ] || [ "$syncs" -gt 80 ]; then
	bad "$name" "$syncs SYNCs for 20 forks (want 1..80; ${slot_syncs:-0} from fault slots): $hcs"
elif [ "${wrprotects:-0}" -lt 20 ]; then
	bad "$name" "only ${wrprotects:-0} shadow entries write-protected"
else
	ok "$name ($queued queued operations, $syncs SYNC (${slot_syncs:-0} from fault slots), $wrprotects write-protected)"
fi
