#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of make bench's verdicts and regression rules (tests/bench/run.py)
on made-up figures: no benchmark runs. Part of bench-smoke."""
import copy
import importlib.util
import json
import os
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_run", os.path.join(here, "run.py"))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)

failed = 0


def check(what, got, want):
    global failed
    if got != want:
        print(f"test_run: {what}: got {got!r}, want {want!r}", file=sys.stderr)
        failed += 1


# A time target's verdict: "within 1.5x" takes 1.5 itself, "faster than" (1) does not.
check("met_by 1.5 at 1.5", run.met_by(1.5, 1.5), True)
check("met_by 1.5 at 1.51", run.met_by(1.51, 1.5), False)
check("met_by 1 at 1.0", run.met_by(1.0, 1.0), False)
check("met_by 1 at 0.99", run.met_by(0.99, 1.0), True)
check("met_by of no ratio", run.met_by(None, 1.5), False)

# The bracket: the rounds' range, and how many rounds alone miss the limit.
check("spread, one round", run.spread([1.2], 1.5), "")
check("spread, none missing", run.spread([1.2, 1.4], 1.5), "1.20-1.40")
check("spread, one missing", run.spread([1.2, 1.4, 1.6], 1.5, False),
      "1.20-1.60; 1 of 3 rounds miss 1.50")
check("spread, not met though every round meets", run.spread([1.2, 1.4], 1.5, False),
      "1.20-1.40; 0 of 2 rounds miss 1.50")
check("spread of a count target", run.spread(None, None), "")

# A fault round's options: the benchmark names after "--", in the mode's
# own -p if it has one (umbra takes the last -p).
check("bench args, no -p", run.with_bench_args(["--paging", "tdp"], ["seq_fault", "file_fault"]),
      ["--paging", "tdp", "-p", "-- seq_fault file_fault"])
check("bench args, a mode's -p", run.with_bench_args(["-p", "thp_anon=64K:always"], ["cow_fault"]),
      ["-p", "thp_anon=64K:always -- cow_fault"])
opts = ["-p", "x=1"]
run.with_bench_args(opts, ["cow_fault"])
check("bench args leave the mode's options alone", opts, ["-p", "x=1"])

# A benchmark's median run is over the runs that have it: the fault rounds
# run only the fault benchmarks.
whole = [{"seq_fault": {"ops": 1, "cycles": c}, "mremap_8m": {"ops": 1, "cycles": 9}}
         for c in (30, 10, 20)]
alone = [{"seq_fault": {"ops": 1, "cycles": c}} for c in (1, 2)]
med = run.median_runs(whole + alone)
check("median of 5 runs of a fault benchmark", med["seq_fault"]["cycles"], 10)
check("median of the 3 runs of another", med["mremap_8m"]["cycles"], 9)
check("rounds text with fault rounds", run.rounds_text({"rounds": 3, "fault_rounds": 15}),
      "3 interleaved rounds; the fault benchmarks of tdp, shadow, tdp_mthp, shadow_mthp: "
      "of 15, the 12 more running them alone")
check("rounds text without", run.rounds_text({"rounds": 3, "fault_rounds": 3}),
      "3 interleaved rounds")


def guest(mode, bench, **fig):
    return {"guest": {mode: {bench: fig}}, "ratios": {}}


# Counts per op: one event more in the run is not a regression, two are.
base = guest("shadow", "munmap_16m", ops=4, exits_per_op=0.0)
for events, flagged in [(1, False), (2, True)]:
    new = guest("shadow", "munmap_16m", ops=4, exits_per_op=events / 4)
    check(f"{events} stray exits in 4 ops flagged", bool(run.compare(new, base)), flagged)
# At 32 ops the 10% + 0.05 margin is the wider: two events (0.0625) are flagged.
base = guest("shadow", "munmap_empty_1g", ops=32, exits_per_op=0.0)
new = guest("shadow", "munmap_empty_1g", ops=32, exits_per_op=2 / 32)
check("2 exits in 32 ops flagged", bool(run.compare(new, base)), True)
# One event more where old + 1/ops rounds below (old events + 1)/ops.
base = guest("shadow", "x", ops=3, exits_per_op=4 / 3)
new = guest("shadow", "x", ops=3, exits_per_op=5 / 3)
check("one event more in 3 ops flagged", bool(run.compare(new, base)), False)
# The table ratio is no count per op: 10% + 0.05 only, whatever ops says.
base = guest("shadow", "seq_fault", ops=1024, shadow_to_guest_pt=1.0)
new = guest("shadow", "seq_fault", ops=1024, shadow_to_guest_pt=1.16)
check("table ratio 1.0 -> 1.16 flagged", bool(run.compare(new, base)), True)

# Cycle ratios: umbra's shadow mode on top regresses when the ratio grows;
# a reference over tdp regresses when it falls (tdp slower).
for key, factor, flagged in [("seq_fault:shadow/tdp", 1.6, True),
                             ("seq_fault:shadow/tdp", 0.6, False),
                             ("seq_fault:shadow/kvm_shadow", 1.6, True),
                             ("seq_fault:native/tdp", 0.6, True),
                             ("seq_fault:native/tdp", 1.6, False),
                             ("seq_fault:kvm_shadow/tdp", 0.6, True),
                             ("seq_fault:kvm_shadow/tdp", 1.6, False)]:
    base = {"guest": {}, "ratios": {key: 2.0}}
    new = {"guest": {}, "ratios": {key: 2.0 * factor}}
    check(f"{key} x{factor} flagged", bool(run.compare(new, base)), flagged)

# The committed baseline flags nothing against itself, and a copy with one
# benchmark's exits doubled past the margin is flagged.
with open(os.path.join(here, "baseline.json")) as f:
    baseline = json.load(f)
check("baseline against itself", run.compare(baseline, baseline), [])
worse = copy.deepcopy(baseline)
worse["guest"]["shadow"]["seq_fault"]["exits_per_op"] += 1.0
check("baseline with 1 more exit per seq_fault flagged", len(run.compare(worse, baseline)), 1)

if failed:
    sys.exit(f"test_run: {failed} check(s) failed")
print("test_run: ok")
