# Host memory (docs/host-memory.md): sourced by run.sh after the shadow-mode
# suite runs, with the suite timeouts in force and $native_summary set.
# Each run must print the same suite line as natively, and its counters
# must show the mechanism worked (not just that nothing broke).

# hm_counter NAME: the number before NAME in the host-memory summary.
hm_counter() {
	sed -n "s/.*; host memory:.*[ (]\([0-9][0-9]*\) $1.*/\1/p" "$tmp/err" | head -n 1
}

# Reclaim: the suite's working set is about 5400 4K frames (21 MiB; the
# summary's peak with no limit); 5M is a quarter of it. Frames are swapped
# out by the aging clock and read back on the next touch.
run_umbra run --paging shadow --mem-limit 5M -i "$initrd" "$kernel"
summary_hm=$(grep '^suite: ' "$tmp/out")
outs=$(hm_counter swap-outs) ins=$(hm_counter swap-ins) resident=$(hm_counter 'frames resident')
if [ "$rc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] && [ "${outs:-0}" -gt 1000 ] &&
	[ "${ins:-0}" -gt 100 ] && [ "${resident:-99999}" -le 1280 ]; then
	ok "guest test suite with --paging shadow --mem-limit 5M, as natively ($outs swap-outs, $ins swap-ins, $resident frames resident at the end)"
else
	bad "guest test suite with --mem-limit 5M" "status $rc, '$summary_hm', swap-outs '$outs', swap-ins '$ins', resident '$resident'; $(grep -e '^FAIL ' -e panic "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi

# tdp mode: guest RAM backed on demand through userfaultfd; the same
# quarter of the working set, reclaimed at the vCPUs' exits (with two
# vCPUs: the other one is stopped out of KVM_RUN first) and faulted back
# by the uffd thread; and the balloon (MADV_DONTNEED on guest RAM) in the
# same run.
run_umbra run -c 2 --mem-limit 5M --stats -p "balloon=4096" -i "$initrd" "$kernel"
summary_hm=$(grep '^suite: ' "$tmp/out")
outs=$(hm_counter swap-outs) ins=$(hm_counter swap-ins) resident=$(hm_counter 'frames resident')
uffd=$(hm_counter 'uffd faults') returned=$(sed -n 's/.*; host memory:.* balloon \([0-9]*\) returned.*/\1/p' "$tmp/err")
pauses=$(sed -n 's/^host memory:.* vCPU pauses \([0-9]*\).*/\1/p' "$tmp/err")
if [ "$rc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] && [ "${outs:-0}" -gt 1000 ] &&
	[ "${ins:-0}" -gt 100 ] && [ "${uffd:-0}" -gt 100 ] && [ "${resident:-99999}" -le 1280 ] &&
	[ "${returned:-0}" -ge 8192 ] && [ "${pauses:-0}" -gt 0 ] && grep -q '2 of 2 CPUs up' "$tmp/out"; then
	ok "guest test suite in tdp mode with -c 2 --mem-limit 5M and balloon=4096, as natively ($outs swap-outs, $ins swap-ins, $uffd uffd faults, $resident frames resident at the end, $returned frames returned by the balloon, $pauses pauses of the vCPUs)"
else
	bad "guest test suite in tdp mode with -c 2 --mem-limit 5M and balloon=4096" "status $rc, '$summary_hm', swap-outs '$outs', swap-ins '$ins', uffd faults '$uffd', resident '$resident', returned '$returned', pauses '$pauses'; $(grep -e '^FAIL ' -e panic -e 'umbra:' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi

# tdp mode's chaos thread and --dedup, in one run: runs of present frames
# swapped out at random while the vCPU is stopped out of KVM_RUN (the
# guest's next touches fault the bytes back: t_mempattern's checksums are
# among the suite's checks), and identical pages merged by the host
# kernel's KSM (L1 turns it on for --dedup). tools.sh checks the trace.
run_umbra run --dedup --chaos-invalidate 10 --stats -i "$initrd" "$kernel"
summary_hm=$(grep '^suite: ' "$tmp/out")
chaos=$(hm_counter 'chaos invalidations') merges=$(hm_counter 'dedup merges')
frames=$(sed -n 's/^host memory: chaos invalidations [0-9]* (\([0-9]*\) frames.*/\1/p' "$tmp/err")
ins=$(hm_counter swap-ins)
if [ "$rc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] && [ "${chaos:-0}" -gt 0 ] &&
	[ "${frames:-0}" -gt 0 ] && [ "${ins:-0}" -gt 0 ] && [ "${merges:-0}" -gt 0 ]; then
	ok "guest test suite in tdp mode with --dedup --chaos-invalidate 10, as natively ($chaos invalidations of $frames frames, $ins swap-ins, $merges KSM merges)"
else
	bad "guest test suite in tdp mode with --dedup --chaos-invalidate 10" "status $rc, '$summary_hm', invalidations '$chaos', frames '$frames', swap-ins '$ins', merges '$merges'; $(grep -e '^FAIL ' -e panic -e 'umbra:' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi

# Zaps from other threads (docs/shadow.md "Zaps from other threads"): the
# chaos thread drops user pages' shadow entries and moves frames itself
# while the vCPU runs, kicks the vCPU (an interrupt whose handler reloads
# CR3 and acknowledges) and frees nothing before the acknowledgment; dedup
# merges and unshares meanwhile. Same suite line as natively, and the
# counters show the kicks were sent and acknowledged.
# kick_counter WHAT: the number before WHAT in the --stats kick line.
kick_counter() {
	sed -n "s/^shadow kicks:.*[ (]\([0-9][0-9]*\) $1.*/\1/p" "$tmp/err" | head -n 1
}
# Nested, L1 runs on single-threaded TCG here: with QEMU's default (one
# host thread per L1 CPU) this run is where QEMU 7.2's emulated SVM most
# often loses the second-level state at a world switch (a guest triple
# fault, or L1 stopping; docs/reliability.md, "Traced to the emulator"),
# which probably needs a second host thread acting on the vCPU. The -c 2
# chaos run in smp.sh stays on QEMU's default.
UMBRA_NESTED_TCG_THREAD=single run_umbra run --paging shadow --dedup --chaos-invalidate 200 --stats -i "$initrd" "$kernel"
summary_hm=$(grep '^suite: ' "$tmp/out")
waits=$(kick_counter waits) sent=$(kick_counter 'interrupts sent') acks=$(kick_counter 'acknowledged by KICK_ACK')
merges=$(hm_counter 'dedup merges')
if [ "$rc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] && [ "${waits:-0}" -gt 0 ] &&
	[ "${sent:-0}" -gt 0 ] && [ "${acks:-0}" -gt 0 ] && [ "${merges:-0}" -gt 0 ]; then
	ok "guest test suite with --paging shadow --dedup --chaos-invalidate 200, as natively ($waits waits for $sent kicks, $acks acknowledged by KICK_ACK; $merges dedup merges)"
else
	bad "guest test suite with --dedup --chaos-invalidate 200" "status $rc, '$summary_hm', waits '$waits', kicks '$sent', acks '$acks', merges '$merges'; $(grep -e '^FAIL ' -e panic -e 'triple' "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi

# The control socket's balloon (the guest is told, and inflates to it) and
# reclaim, from the control thread while the suite runs
# (4K first touches under a limit that never presses: frames the aging
# clock finds old are user pages no 2M kernel entry covers), beside the
# chaos thread: both kick the vCPU and wait for it.
# On single-threaded TCG nested, as the chaos run above: this run (chaos
# and reclaims, both kicking the vCPU) hit the same emulator fault in a
# make test by hand on 2026-12-04.
rm -f "$tmp/hm.sock"
UMBRA_NESTED_TCG_THREAD=single UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT \
	timeout "$((UMBRA_SUITE_TIMEOUT + 60))" \
	"$umbra_bg" run --paging shadow --mem-limit 256M --chaos-invalidate 100 --stats \
	--control "$tmp/hm.sock" -i "$initrd" "$kernel" >"$tmp/out" 2>"$tmp/err" &
upid=$!
python3 "$(dirname "$0")/control_client.py" "$tmp/hm.sock" shadow /dev/null reclaim 4 >"$tmp/check" 2>&1
crc=$?
wait "$upid"
rc=$?
summary_hm=$(grep '^suite: ' "$tmp/out")
rpages=$(sed -n 's/.*"pages": \([0-9]*\).*/\1/p' "$tmp/check" | head -n 1)
rwaits=$(sed -n 's/.*"waits": \([0-9]*\).*/\1/p' "$tmp/check" | head -n 1)
ranswers=$(sed -n 's/.*"answers": \([0-9]*\).*/\1/p' "$tmp/check" | head -n 1)
returned=$(hm_counter returned)
if [ "$rc" -eq 0 ] && [ "$crc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] &&
	[ "${rpages:-0}" -gt 0 ] && [ "${rwaits:-0}" -gt 0 ] && [ "${returned:-0}" -ge 512 ]; then
	ok "guest test suite while the control socket reclaims ($ranswers requests answered, $rpages frames swapped out, $rwaits kick waits by then) and sets a 2 MiB balloon ($returned frames returned), as natively"
else
	bad "guest test suite under control-socket reclaim" "status $rc, client $crc: $(head -n 3 "$tmp/check" | tr '\n' ' '), '$summary_hm'; $(grep -e '^FAIL ' -e panic "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi
