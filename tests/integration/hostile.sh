# Hostile guests (issue 10; docs/reliability.md), sourced by run.sh: the
# guest kernel's hostile=CASE mode (guest/kernel/hostile.c) makes bogus
# hypercalls; the VMM must refuse each with the error docs/hypercalls.md
# gives (the guest prints what it got), or stop the guest with a message
# naming why — never crash or hang. Both paging modes.

# hostile_expect NAME WANT: the value the guest printed for NAME must be
# WANT: a number, "any" (printed: the call came back), "ge0", "gt0", or
# "reflect-rsvd" (UMBRA_SHADOW_REFLECT with P and RSVD in the error code:
# a table outside guest memory or with reserved bits). Failures collect
# in $hostile_bad.
hostile_expect() {
	v=$(sed -n "s/^umbra-guest: hostile: $1 = \(-\{0,1\}[0-9]*\)\$/\1/p" "$tmp/out")
	case $2 in
	any) ok=${v:+yes} ;;
	ge0) [ -n "$v" ] && [ "$v" -ge 0 ] && ok=yes || ok= ;;
	gt0) [ -n "$v" ] && [ "$v" -gt 0 ] && ok=yes || ok= ;;
	reflect-rsvd) [ -n "$v" ] && [ $((v & 0xff)) -eq 1 ] && [ $(((v >> 32) & 9)) -eq 9 ] &&
		ok=yes || ok= ;;
	*) [ "$v" = "$2" ] && ok=yes || ok= ;;
	esac
	[ -n "$ok" ] || hostile_bad="$hostile_bad $1=${v:-missing}(want $2)"
	hostile_n=$((hostile_n + 1))
}

for paging in tdp shadow; do
	echo "-- hostile guest: bogus hypercalls, $paging paging"
	name="hostile=calls ($paging): every call refused as documented, then a test program passes"
	run_umbra run --paging "$paging" --dump-on-exit "$tmp/hostile.jsonl" -i "$initrd" \
		-p "hostile=calls init=/bin/t_mmap_anon" "$kernel"
	hostile_bad= hostile_n=0
	# Both modes: numbers, reports, counters, the balloon, dumps.
	for c in unknown-nr:-38 unknown-nr-huge:-38 report-kind:-22 report-value:-22 \
		stats-index:-22 stats-all-beyond-ram:-22 stats-all-mmio:-22 \
		stats-all-misaligned:-22 stats-all-across-page:-22 stats-all-count-huge:-22 \
		stats-all:96 stats-all-hypercalls-positive:1 \
		balloon-op:-22 balloon-array-beyond-ram:-22 \
		balloon-array-across-page:-22 balloon-count-huge:-22 \
		balloon-frame-beyond-ram:-22 dump-root-misaligned:-22 dump-label-huge:-22 \
		dump-label-beyond-ram:-14 dump-flags:-22 dump-root-beyond-ram:any \
		dump-root-mmio:any dump-root-text:ge0 dump-hostile-tables:ge0; do
		hostile_expect "${c%%:*}" "${c#*:}"
	done
	if [ "$paging" = tdp ]; then
		# The shadow hypercalls are unknown numbers in tdp mode.
		hostile_expect as-create-tdp -38
		hostile_expect pin-huge-tdp -38
		hostile_expect kick-flag-tdp -38
		hostile_expect start-cpu-tdp -38
	else
		for c in as-create-beyond-ram:-22 as-create-misaligned:-22 as-create-mmio:-22 \
			as-activate-unknown:-22 as-activate-huge:-22 as-activate-stale:-22 \
			as-release-unknown:-22 invalidate-unknown-asid:-22 invalidate-event:-22 \
			invalidate-inverted:any fault-wrong-asid:-22 fault-ec-huge:-22 \
			fault-write-fetch:-22 fault-noncanonical:any pin-huge:-22 pin-empty:-22 \
			pin-inverted:-22 as-create-text:gt0 queue-misaligned:-22 \
			queue-beyond-ram:-22 queue-register:0 queue-garbage-ops:5 \
			queue-overrun:-22 queue-after-overrun:0 queue-restore:0 \
			flood-invalidate-failed:0 release-active:0 release-active-kernel-runs:1 \
			release-active-twice:any release-active-activate-after:-22 \
			fault-table-loop:ge0 fault-table-beyond-ram:reflect-rsvd \
			fault-table-all-ones:reflect-rsvd fault-table-mmio:reflect-rsvd \
			stack-hint-misaligned:-22 stack-hint-beyond-ram:-22 \
			stack-hint-size-small:-22 stack-hint-size-huge:-22 \
			kick-flag-misaligned:-22 kick-flag-beyond-ram:-22 \
			start-cpu-unknown:-22 start-cpu-self:-22; do
			hostile_expect "${c%%:*}" "${c#*:}"
		done
	fi
	if [ "$rc" -ne 0 ]; then
		bad "$name" "exit status $rc"
	elif ! grep -q '^umbra-guest: hostile: done$' "$tmp/out"; then
		bad "$name" "the guest did not get through its calls"
	elif guest_output | grep -q '^not ok'; then
		bad "$name" "t_mmap_anon failed after the calls"
	elif [ -n "$hostile_bad" ]; then
		bad "$name" "unexpected results:$hostile_bad"
	elif ! python3 -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
n = 0
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema)
    n += 1
assert n >= 3, f"{n} dumps"' docs/dump.schema.json "$tmp/hostile.jsonl" >"$tmp/check" 2>&1; then
		bad "$name" "the dumps of hostile tables do not match the schema: $(tail -n 3 "$tmp/check")"
	else
		ok "$name ($hostile_n calls checked)"
	fi

	# Not a hypercall: an interrupt in kernel mode on the user's GS base, as
	# a second delivery at the entry's first instruction looks (entry_64.S).
	# Two vCPUs: only then does the handler reach the per-CPU area (the
	# kernel lock's owner), where the old entry faulted on gs:0 in a loop
	# (a triple fault in tdp mode).
	name="hostile=user-gs ($paging, -c 2): an interrupt on the user's GS reaches the per-CPU area and gives that GS back"
	run_umbra run --paging "$paging" -c 2 -i "$initrd" -p "hostile=user-gs init=/bin/hello" "$kernel"
	if [ "$rc" -ne 0 ]; then
		bad "$name" "exit status $rc: $(grep -m1 'umbra' "$tmp/err")"
	elif ! grep -q '^umbra-guest: smp: 2 of 2 CPUs up$' "$tmp/out"; then
		bad "$name" "the second CPU did not come up (with one, the handler never reads the per-CPU area)"
	elif ! grep -q '^umbra-guest: hostile: user-gs = ok$' "$tmp/out"; then
		bad "$name" "$(grep -m1 'hostile: user-gs' "$tmp/out" || echo 'no result line')"
	elif ! grep -q '^umbra-guest: hostile: done$' "$tmp/out"; then
		bad "$name" "the guest did not go on after the interrupt"
	else
		ok "$name"
	fi

	# Calls after which the guest cannot go on: the VMM stops it, saying why.
	for c in "panic-addr:guest panic (unreadable message)" \
		"panic-len:guest panic (unreadable message)" "cr3:triple fault"; do
		case=${c%%:*} want=${c#*:}
		name="hostile=$case ($paging): the VMM stops the guest: $want"
		no_retry=1 # the VM stopped is what each expects
		run_umbra run --paging "$paging" -i "$initrd" -p "hostile=$case init=/bin/hello" "$kernel"
		no_retry=
		if [ "$rc" -ne 124 ]; then
			bad "$name" "exit status $rc, want 124"
		elif ! grep -q "^umbra: .*$want" "$tmp/err"; then
			bad "$name" "no 'umbra: ... $want' on stderr"
		elif guest_output | grep -q .; then
			bad "$name" "init ran"
		else
			ok "$name"
		fi
	done
done

# hostile=smp: every vCPU at once makes the calls the VMM refuses without
# changing anything, 200 rounds each; every result must be the documented
# error the boot CPU saw first, and boot goes on (docs/reliability.md).
for paging in tdp shadow; do
	echo "-- hostile guest: bogus hypercalls from two vCPUs at once, $paging paging"
	name="hostile=smp ($paging, -c 2): every call refused as documented on both vCPUs, then a test program passes"
	run_umbra run --paging "$paging" -c 2 --dump-on-exit "$tmp/hostile-smp.jsonl" \
		-i "$initrd" -p "hostile=smp init=/bin/t_mmap_anon" "$kernel"
	hostile_bad= hostile_n=0
	ncalls=0
	for c in smp-unknown-nr:-38 smp-unknown-nr-huge:-38 smp-report-kind:-22 \
		smp-stats-index:-22 smp-stats-all-beyond-ram:-22 smp-balloon-op:-22 smp-balloon-array-beyond-ram:-22 \
		smp-dump-flags:-22 smp-dump-label-beyond-ram:-14; do
		hostile_expect "${c%%:*}" "${c#*:}"
		ncalls=$((ncalls + 1))
	done
	if [ "$paging" = shadow ]; then
		for c in smp-as-activate-unknown:-22 smp-as-release-unknown:-22 \
			smp-invalidate-unknown-asid:-22 smp-fault-wrong-asid:-22 smp-pin-huge:-22; do
			hostile_expect "${c%%:*}" "${c#*:}"
			ncalls=$((ncalls + 1))
		done
	fi
	smp_line=$(sed -n 's/^umbra-guest: hostile: smp cpus = \([0-9]*\), calls = \([0-9]*\), mismatches = \([0-9]*\)$/\1 \2 \3/p' "$tmp/out")
	if [ "$rc" -ne 0 ]; then
		# Why it stopped: not the nested notice or the refused numbers.
		bad "$name" "exit status $rc; $(grep -h -e '^umbra: ' -e panic "$tmp/err" "$tmp/out" |
			grep -v -e 'running the VM nested' -e 'unknown hypercall' | tail -n 3 | tr '\n' ' ')"
	elif [ -n "$hostile_bad" ]; then
		bad "$name" "unexpected results:$hostile_bad"
	elif [ "$smp_line" != "2 $((2 * 200 * ncalls)) 0" ]; then
		bad "$name" "want 2 CPUs, $((2 * 200 * ncalls)) calls, 0 mismatches; got '$smp_line'"
	elif guest_output | grep -q '^not ok' || ! grep -q '^umbra-guest: hostile: done$' "$tmp/out"; then
		bad "$name" "the guest did not get through its calls and t_mmap_anon"
	else
		ok "$name ($((2 * 200 * ncalls)) calls, each as the first answer)"
	fi
done

# bg_wait_for PID FILE PATTERN TENTHS: until the background run PID ends,
# a line of FILE matches PATTERN, or TENTHS tenths of a second passed.
bg_wait_for() {
	n=0
	while [ "$n" -lt "$4" ] && kill -0 "$1" 2>/dev/null && ! grep -q "$3" "$2"; do
		sleep 0.1
		n=$((n + 1))
	done
}

# bg_term PID: SIGTERM to the background run PID, which must end within
# 30 s (else it is killed and stuck=yes); rc is its status.
bg_term() {
	kill -TERM "$1" 2>/dev/null
	bg_wait_for "$1" /dev/null '^$' 300
	stuck=
	if kill -0 "$1" 2>/dev/null; then
		stuck=yes
		kill -KILL "$1"
	fi
	wait "$1"
	rc=$?
}

# bg_hostile CASE: umbra with hostile=CASE in $paging mode, in the
# background (pid), its output in $tmp/out and $tmp/err. Emptied first:
# the background shell truncates them only once it runs, and a wait for
# its first lines must not see the last run's.
bg_hostile() {
	: >"$tmp/out"
	: >"$tmp/err"
	"$umbra_bg" run --paging "$paging" -i "$initrd" -p "hostile=$1 init=/bin/hello" \
		"$kernel" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
}

# hostile=spin: the boot CPU spins with interrupts off for good. A stop
# signal must still end the run, with 128 + 15 as a process killed so; a
# nested run first says where L1's CPUs were (vmm/nested_monitor.c),
# which must be the guest kernel's hostile_spin, named from its symbols.
for paging in tdp shadow; do
	echo "-- hostile guest: a CPU that spins with interrupts off, $paging paging"
	name="hostile=spin ($paging): SIGTERM ends the run"
	bg_hostile spin
	# Up to 150 s to the spin: an L1 boot may be started twice.
	bg_wait_for "$pid" "$tmp/out" '^umbra-guest: hostile: spinning' 1500
	spun=$(grep -c '^umbra-guest: hostile: spinning with interrupts off$' "$tmp/out")
	sleep 0.5
	bg_term "$pid"
	nested=$(grep -c 'running the VM nested' "$tmp/err")
	if [ "$spun" -ne 1 ]; then
		bad "$name" "the guest never said it spins (status $rc)"
	elif [ -n "$stuck" ]; then
		bad "$name" "still running 30 s after SIGTERM"
	elif [ "$rc" -ne 143 ]; then
		bad "$name" "exit status $rc, want 143 (128 + SIGTERM)"
	elif [ "$nested" -eq 0 ] && ! grep -q '^umbra: stopped by SIGTERM$' "$tmp/err"; then
		bad "$name" "no 'umbra: stopped by SIGTERM' on stderr"
	elif [ "$nested" -gt 0 ] &&
		! grep -q "^umbra: nested run: stopped by SIGTERM; L1's CPUs then ([1-3] samples\{0,1\}, 100 ms apart):$" "$tmp/err"; then
		bad "$name" "no report of where L1's CPUs were: $(grep '^umbra: nested' "$tmp/err" | tr '\n' ' ')"
	elif [ "$nested" -gt 0 ] && ! grep -q '^umbra:   cpu[0-9]*:.*guest kernel hostile_spin+0x' "$tmp/err"; then
		bad "$name" "no L1 CPU seen in hostile_spin: $(grep '^umbra:   cpu' "$tmp/err" | tr '\n' ' ')"
	elif guest_output | grep -q .; then
		bad "$name" "init ran"
	else
		ok "$name$([ "$nested" -gt 0 ] && echo ", and a nested run says where: $(grep -m1 'hostile_spin' "$tmp/err" | sed 's/^umbra: *//')")"
	fi
done

# hostile=sleep: the boot CPU waits in HLT with interrupts on and its timer
# disarmed, for good: a lost wake-up made on purpose. The VMM's idle
# watchdog must say so once it lasted 10 s (vmm/vcpu_watch.c), naming
# hostile_sleep from the kernel's symbols, and a stop signal must still end
# the run with 143.
for paging in tdp shadow; do
	echo "-- hostile guest: a CPU that waits in HLT with nothing to wake it, $paging paging"
	name="hostile=sleep ($paging): the VMM says nothing can wake the guest"
	bg_hostile sleep
	# Up to 150 s to the wait (an L1 boot may be started twice), then
	# 10 s to the report, and some slack for the watchdog's period.
	bg_wait_for "$pid" "$tmp/err" '^umbra: vcpu0: the guest has waited in HLT' 2000
	slept=$(grep -c '^umbra-guest: hostile: waiting in HLT with no timer armed$' "$tmp/out")
	# Past a second 10 s: the report must not come again.
	[ "$slept" -eq 1 ] && sleep 12
	bg_term "$pid"
	report=$(grep '^umbra: vcpu0: the guest has waited in HLT' "$tmp/err")
	if [ "$slept" -ne 1 ]; then
		bad "$name" "the guest never said it waits (status $rc)"
	elif [ -z "$report" ]; then
		bad "$name" "no report within 200 s of the start (status $rc)"
	elif ! echo "$report" | grep -q "for 10 s with no timer armed and no interrupt requested, at rip 0x[0-9a-f]* (guest kernel hostile_sleep+0x[0-9a-f]*): only a device can wake it\$"; then
		bad "$name" "the report does not name hostile_sleep: $report"
	elif [ "$(echo "$report" | wc -l)" -ne 1 ]; then
		bad "$name" "said more than once: $report"
	elif [ -n "$stuck" ] || [ "$rc" -ne 143 ]; then
		bad "$name" "SIGTERM after the report: status $rc${stuck:+, still running 30 s after it}"
	elif guest_output | grep -q .; then
		bad "$name" "init ran"
	else
		ok "$name (${report#umbra: vcpu0: })"
	fi
done
