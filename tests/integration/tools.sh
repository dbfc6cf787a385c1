# Integration tests of the tools (issue 7: docs/dump-format.md), sourced by
# run.sh: uses its helpers (run_umbra, ok, bad, expect_error) and variables.
tools_dir=$(dirname "$0")

echo "-- tools: the guest's own dump (UMBRA_HC_DUMP) in both paging modes"
for mode in tdp shadow; do
	name="t_dump's layout in the VMM's dump ($mode)"
	rm -f "$tmp/dump.jsonl"
	run_umbra run --paging "$mode" --dump-on-exit "$tmp/dump.jsonl" -i "$initrd" \
		-p "init=/bin/t_dump" "$kernel"
	if [ "$rc" -ne 0 ]; then
		bad "$name" "exit status $rc"
	elif ! grep -q '^ok .* - the VMM took the dump$' "$tmp/out"; then
		bad "$name" "the guest did not see its dump taken"
	elif ! python3 "$tools_dir/check_dump.py" docs/dump.schema.json "$tmp/dump.jsonl" \
		"$tmp/out" "$mode" >"$tmp/check" 2>&1; then
		bad "$name" "$(head -n 5 "$tmp/check")"
	else
		ok "$name"
	fi
	cp "$tmp/dump.jsonl" "$tmp/dump-$mode.jsonl" 2>/dev/null
	cp "$tmp/out" "$tmp/out-$mode"
done

echo "-- tools: bad input"
expect_error "dump file in a missing folder" 120 "dump-on-exit" \
	run --dump-on-exit "$tmp/no/such/dir/dump" -i "$initrd" "$kernel"

echo "-- tools: umbra-dump shows the dump (text, JSON, SVG, HTML)"
dumpf="$tmp/dump-shadow.jsonl"
layout="$tmp/out-shadow"
"$build/umbra-dump" -l t_dump "$dumpf" >"$tmp/dump.txt" 2>"$tmp/err"
missing=
for s in $(sed -n 's/^# dump-layout piece \(0x[0-9a-f]*\) .*/\1/p' "$layout"); do
	grep -q "$(printf '0x%016x' "$s")-" "$tmp/dump.txt" || missing="$missing $s"
done
if [ ! -s "$tmp/dump.txt" ] || [ -n "$missing" ] || ! grep -q 'shadow tables:' "$tmp/dump.txt"; then
	bad "umbra-dump text" "pieces missing:$missing"
else
	ok "umbra-dump text shows every piece of the layout and the shadow tables"
fi
"$build/umbra-dump" -l t_dump -f json "$dumpf" >"$tmp/dump.json" 2>"$tmp/err"
if python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
b = [json.loads(l) for l in open(sys.argv[2]) if "\"t_dump\"" in l][0]
sys.exit(a != b)' "$tmp/dump.json" "$dumpf"; then
	ok "umbra-dump -f json gives the dump unchanged"
else
	bad "umbra-dump -f json" "differs from the dump in the file"
fi
"$build/umbra-dump" -l t_dump -f svg -o "$tmp/dump.svg" "$dumpf" 2>"$tmp/err"
if ! xmllint --noout "$tmp/dump.svg" 2>"$tmp/err"; then
	bad "umbra-dump SVG" "not well-formed XML"
elif ! python3 -c '
import json, sys
svg = open(sys.argv[1]).read()
d = [json.loads(l) for l in open(sys.argv[2]) if "\"t_dump\"" in l][0]
ranges = [r for a in d["address_spaces"] for r in a["guest"]] + d["p2m"]
unnamed = [r for r in ranges if "0x%012x-0x%012x" % (int(r["start"], 16), int(r["end"], 16)) not in svg]
print(len(ranges), "ranges,", len(unnamed), "not named")
sys.exit(bool(unnamed) or not ranges)' "$tmp/dump.svg" "$dumpf" >"$tmp/check"; then
	bad "umbra-dump SVG" "$(cat "$tmp/check")"
else
	ok "umbra-dump SVG is well-formed and names every range ($(cat "$tmp/check"))"
fi
"$build/umbra-dump" -l t_dump -f html -o "$tmp/dump.html" "$dumpf" 2>"$tmp/err"
rm -f "$tmp/dump.png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/chromium" --window-size=1100,1400 \
	--screenshot="$tmp/dump.png" "file://$tmp/dump.html" >"$tmp/out" 2>"$tmp/err"
# Not blank: white, and the colours of shadowed, shared and copy-on-write
# ranges (t_dump has all three).
if [ ! -s "$tmp/dump.png" ]; then
	bad "HTML page screenshot" "chromium made no picture"
elif ! python3 "$tools_dir/png_colors.py" "$tmp/dump.png" '#ffffff' '#1a9641' '#fdae61' \
	'#d7191c' >"$tmp/check"; then
	bad "HTML page screenshot" "$(cat "$tmp/check")"
else
	ok "HTML page screenshot in headless Chromium: $(head -n 1 "$tmp/check") colours, the states' colours among them"
fi

echo "-- tools: the control socket and the trace while the suite runs (shadow)"
rm -f "$tmp/ctl.sock" "$tmp/ctl-dump.jsonl" "$tmp"/.umbra-boot-*
# The whole suite: the suite's time limits, as run.sh gives them. Its
# output goes to out and err, whose tails every failure below shows (bad).
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT timeout "$((UMBRA_SUITE_TIMEOUT + 60))" \
	"$umbra_bg" run --paging shadow --control "$tmp/ctl.sock" \
	--dump-on-exit "$tmp/ctl-dump.jsonl" -i "$initrd" "$kernel" >"$tmp/out" 2>"$tmp/err" &
upid=$!
python3 "$tools_dir/control_client.py" "$tmp/ctl.sock" shadow "$tmp/ctl-answer.jsonl" >"$tmp/check" 2>&1
crc=$?
# While the suite still runs: umbra-dump asks the live VM, and SIGUSR2 asks
# for a dump into the file (in a nested run it goes over the control port).
"$build/umbra-dump" --control "$tmp/ctl.sock" -f json >"$tmp/live.json" 2>"$tmp/live.err"
lrc=$?
kill -USR2 $(ps -o pid= --ppid "$upid") 2>/dev/null
wait "$upid"
urc=$?
if [ "$lrc" -ne 0 ] || ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["umbra_dump"] == 1 and d["reason"] == "control" and d["address_spaces"]' "$tmp/live.json" 2>>"$tmp/live.err"; then
	bad "umbra-dump --control" "$(tail -n 2 "$tmp/live.err")"
else
	ok "umbra-dump --control dumps the running VM"
fi
if grep -q '"label":"SIGUSR2"' "$tmp/ctl-dump.jsonl"; then
	ok "SIGUSR2 appends a dump to the dump file"
else
	bad "SIGUSR2" "no dump labelled SIGUSR2 in the file; $(grep SIGUSR2 "$tmp/err")"
fi
if [ "$crc" -ne 0 ]; then
	bad "control socket" "$(head -n 5 "$tmp/check")"
elif [ -e "$tmp/ctl.sock" ] || ls -A "$tmp" | grep -q '^\.umbra-boot'; then
	bad "control socket" "left behind after the VM ended: $(ls -A "$tmp" | grep -e '^ctl.sock$' -e '^\.umbra-boot' | tr '\n' ' ')"
else
	ok "control socket: stats, dump, trace, errors for bad requests, balloon and reclaim; gone when the VM ended"
fi
if [ "$urc" -ne 0 ] || ! grep -q '^suite: .* 0 failed; .* 0 failed$' "$tmp/out"; then
	bad "the suite under a control client" "status $urc; $(grep '^suite:' "$tmp/out"); $(grep -e '^FAIL ' -e '^not ok' -e '^umbra' -e panic -e triple "$tmp/out" "$tmp/err" | head -8 | tr '\n' ' ')"
else
	ok "the suite passes while a client sends good and bad requests: $(grep '^suite:' "$tmp/out")"
fi
if [ -s "$tmp/ctl-answer.jsonl" ] && python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.loads(open(sys.argv[1]).readline()), json.load(open(sys.argv[2])))' \
	"$tmp/ctl-answer.jsonl" docs/dump.schema.json 2>"$tmp/check"; then
	ok "the dump the socket answered matches the schema"
else
	bad "the dump the socket answered" "$(tail -n 3 "$tmp/check")"
fi
"$build/umbra-trace" "$tmp/ctl-dump.jsonl" >"$tmp/trace.txt" 2>"$tmp/err"
"$build/umbra-trace" --chrome -o "$tmp/trace.json" "$tmp/ctl-dump.jsonl" 2>>"$tmp/err"
if ! grep -q ' fill ' "$tmp/trace.txt" || ! grep -q ' fault ' "$tmp/trace.txt"; then
	bad "umbra-trace" "no fault and fill events in the exit dump's trace"
elif ! python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["traceEvents"]
names = {e["name"] for e in t}
assert {"fault", "fill", "thread_name"} <= names, names
assert all(e["ts"] >= 0 for e in t if e["ph"] != "M")' "$tmp/trace.json" 2>"$tmp/check"; then
	bad "umbra-trace --chrome" "$(tail -n 2 "$tmp/check")"
else
	ok "umbra-trace: $(grep -c . "$tmp/trace.txt") lines of text; Chrome trace-event JSON"
fi

echo "-- tools: SIGUSR2 dumps while the guest dumps"
# vCPU 0 makes the guest's dumps; a SIGUSR2 dump kicks it (a signal) to
# make its own, also while it still writes one to the serial port of a
# nested run: that write must go on (SA_RESTART), or stdio drops the rest
# and every later dump fails.
rm -f "$tmp/usr2.jsonl"
# Emptied first: the wait below must not see the last run's banner
# before the background shell truncates the file.
: >"$tmp/out"
timeout "$UMBRA_TEST_TIMEOUT" "$umbra_bg" run --paging shadow --dump-on-exit "$tmp/usr2.jsonl" \
	-i "$initrd" -p "init=/bin/t_dump -- 40" "$kernel" >"$tmp/out" 2>"$tmp/err" &
upid=$!
until grep -q 'umbra guest kernel' "$tmp/out" 2>/dev/null || ! kill -0 "$upid" 2>/dev/null; do
	sleep 0.05
done
while kill -0 "$upid" 2>/dev/null; do
	kill -USR2 $(ps -o pid= --ppid "$upid") 2>/dev/null
	sleep 0.02
done
wait "$upid"
urc=$?
if [ "$urc" -ne 0 ] || ! grep -q '^ok .* - the VMM took the dump$' "$tmp/out" ||
	! python3 -c '
import collections, json, sys
n = collections.Counter(json.loads(l)["reason"] for l in open(sys.argv[1]))
usr2 = n["control"] + n["signal"] # nested: over the control port
print("%d of the guest, %d asked for by SIGUSR2" % (n["hypercall"], usr2))
assert n["hypercall"] == 40 and usr2 > 0 and n["exit"] == 1, n' \
		"$tmp/usr2.jsonl" >"$tmp/check" 2>&1; then
	bad "SIGUSR2 dumps while the guest dumps" "status $urc; $(tail -n 2 "$tmp/check")"
else
	ok "SIGUSR2 dumps while the guest dumps: every dump whole ($(head -n 1 "$tmp/check"))"
fi

echo "-- tools: the control socket while the suite runs (tdp)"
# The same requests, and reclaim with the vCPUs paused: the suite's
# checksums show nothing was lost. The suite twice (runner -r 2): one
# round takes about 11 s in tdp mode, the client's requests about 8, and
# they must all come while the VM runs.
rm -f "$tmp/ctl.sock"
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT timeout "$((UMBRA_SUITE_TIMEOUT + 60))" \
	"$umbra_bg" run --paging tdp --stats --control "$tmp/ctl.sock" \
	-p "init=/bin/runner -- -r 2" -i "$initrd" "$kernel" >"$tmp/out" 2>"$tmp/err" &
upid=$!
python3 "$tools_dir/control_client.py" "$tmp/ctl.sock" tdp "$tmp/ctl-answer.jsonl" >"$tmp/check" 2>&1
crc=$?
wait "$upid"
urc=$?
reclaimed=$(sed -n 's/^{"reclaimed": \([0-9]*\)}$/\1/p' "$tmp/check" | awk '{ n += $1 } END { print n + 0 }')
summary_ctl=$(grep '^suite: ' "$tmp/out" | sort | uniq -c | sed 's/^ *//')
if [ "$crc" -eq 0 ] && [ "$urc" -eq 0 ] && [ "$summary_ctl" = "2 $native_summary" ]; then
	ok "tdp: control socket requests and reclaim while the suite runs ($reclaimed frames swapped out by three reclaims of everything), suite as natively in both rounds"
else
	bad "tdp: control socket while the suite runs" "status $urc, client $crc: $(grep -v '^{"reclaimed"' "$tmp/check" | head -n 5 | tr '\n' ' '); '$summary_ctl'"
fi

echo "-- tools: host-memory events in the trace, both modes (docs/trace.md)"
# trace_kinds FILE KIND...: the kinds missing from umbra-trace's text of the
# dump file's last trace (empty: all there).
trace_kinds() {
	f=$1
	shift
	"$build/umbra-trace" "$f" >"$tmp/hm-trace.txt" 2>"$tmp/check" || echo "umbra-trace failed"
	for k in "$@"; do
		awk -v k="$k" '$4 == k { found = 1 } END { exit !found }' "$tmp/hm-trace.txt" || printf '%s ' "$k"
	done
}
# p2m_states FILE STATE...: the states missing from the p2m section of the
# file's last dump (host state of each gfn: swap file, balloon), or a
# schema error.
p2m_states() {
	python3 -c '
import json, sys, jsonschema
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
jsonschema.validate(d, json.load(open("docs/dump.schema.json")))
have = {w for r in d["p2m"] for w in r["state"].split(",")}
print(" ".join(s for s in sys.argv[2:] if s not in have))' "$@" 2>&1 | tail -n 1
}
# Shadow mode: reclaim under a quarter of t_mempattern's memory, the balloon
# both ways (t_mempattern deflates and inflates it again), dedup merges and
# the writes that break them, migrations (the chaos thread's).
# A large ring (the early balloon events must survive): its exit dump of
# about 12 MB drains through L1's serial line, so more time than a boot.
rm -f "$tmp/hm-shadow.jsonl"
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --paging shadow --mem-limit 5M --dedup --chaos-invalidate 200 --trace 150000 \
	--dump-on-exit "$tmp/hm-shadow.jsonl" -p "balloon=4096 init=/bin/t_mempattern" -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
missing=$(trace_kinds "$tmp/hm-shadow.jsonl" swap_out swap_in balloon_inflate balloon_deflate merge unshare migrate)
missing="$missing$(p2m_states "$tmp/hm-shadow.jsonl" mapped swapped discarded)"
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then
	ok "shadow-mode trace with --mem-limit, --dedup, chaos and the balloon: swap_out swap_in balloon_inflate balloon_deflate merge unshare migrate ($(grep -c . "$tmp/hm-trace.txt") events); the exit dump's p2m has mapped, swapped and discarded runs"
else
	bad "shadow-mode trace of host-memory events" "status $rc; missing: $missing; $(head -c 300 "$tmp/check")"
fi
# tdp mode: userfaultfd faults and REMOVE events, reclaim and the chaos
# thread's swap-outs, the balloon both ways, KSM merges (--dedup) and their
# undoing.
rm -f "$tmp/hm-tdp.jsonl"
# Its ring keeps the last 32768 events (t_mempattern's balloon steps come
# last); the exit dump drains through L1's serial line.
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --mem-limit 8M --dedup --chaos-invalidate 20 --trace 32768 \
	--dump-on-exit "$tmp/hm-tdp.jsonl" -p "balloon=256 init=/bin/t_mempattern" -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
missing=$(trace_kinds "$tmp/hm-tdp.jsonl" uffd_fault uffd_remove swap_out swap_in balloon_inflate balloon_deflate merge unshare)
# KSM counts merges; the VMM names the merged frames it drops itself
# (reclaim and chaos take them like any other), and the exit dump lists
# the frames still merged as copy-on-write.
dropped=$(awk '$4 == "unshare" && $5 != "0xffffffffffffffff"' "$tmp/hm-trace.txt" | wc -l)
[ "$dropped" -gt 0 ] || missing="$missing unshare-of-a-dropped-gfn "
missing="$missing$(p2m_states "$tmp/hm-tdp.jsonl" mapped swapped discarded cow)"
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then
	ok "tdp-mode trace with --mem-limit, --dedup, chaos and the balloon: uffd_fault uffd_remove swap_out swap_in balloon_inflate balloon_deflate merge unshare ($(grep -c . "$tmp/hm-trace.txt") events; $dropped merged frames dropped by the VMM, by gfn); the exit dump's p2m has mapped, swapped, discarded and merged (cow) runs"
else
	bad "tdp-mode trace of host-memory events" "status $rc; missing: $missing; $(head -c 300 "$tmp/check")"
fi
