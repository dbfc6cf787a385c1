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

# The balloon in tdp mode: MADV_DONTNEED on guest RAM.
run_umbra run -p "balloon=4096" -i "$initrd" "$kernel"
summary_hm=$(grep '^suite: ' "$tmp/out")
returned=$(sed -n 's/.*; balloon: \([0-9]*\) frames returned to the host, \([0-9]*\) taken back.*/\1/p' "$tmp/err")
if [ "$rc" -eq 0 ] && [ "$summary_hm" = "$native_summary" ] && [ "${returned:-0}" -ge 8192 ]; then
	ok "guest test suite in tdp mode with balloon=4096, as natively ($returned frames returned to the host)"
else
	bad "guest test suite in tdp mode with balloon=4096" "status $rc, '$summary_hm', returned '$returned'; $(grep -e '^FAIL ' -e panic "$tmp/out" "$tmp/err" | head -5 | tr '\n' ' ')"
fi
