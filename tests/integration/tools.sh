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
done

echo "-- tools: bad input"
expect_error "dump file in a missing folder" 120 "dump-on-exit" \
	run --dump-on-exit "$tmp/no/such/dir/dump" -i "$initrd" "$kernel"
