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

# The rounds: every wanted mode in the first ones, then only the wanted
# modes of the 1.5x targets, in an order reversed every other round.
everything = ["native", "tdp", "shadow", "kvm_shadow", "tdp_mthp", "shadow_mthp", "shadow_exits"]
plan = run.round_plan(2, 4, everything)
check("plan, rounds", [r for r, _ in plan], [1, 2, 3, 4])
check("plan, a round of every mode", plan[1][1], everything)
check("plan, an odd target round", plan[2][1], ["tdp", "shadow", "tdp_mthp", "shadow_mthp"])
check("plan, an even one reversed", plan[3][1], ["shadow_mthp", "tdp_mthp", "shadow", "tdp"])
check("plan, a subset", run.round_plan(1, 3, ["shadow", "tdp", "kvm_shadow"]),
      [(1, ["tdp", "shadow", "kvm_shadow"]), (2, ["shadow", "tdp"]), (3, ["tdp", "shadow"])])
check("plan, no target mode wanted: no more rounds",
      run.round_plan(2, 15, ["native", "kvm_shadow"]),
      [(1, ["native", "kvm_shadow"]), (2, ["native", "kvm_shadow"])])
check("plan, target rounds below rounds", len(run.round_plan(3, 0, everything)), 3)

# Per-round ratios pair the two modes' runs of the same round, skipping a
# round either lacks.
rc = {"round_cycles": {"tdp": {"b": [1.0, None, 3.0, 4.0]}, "shadow": {"b": [2.0, 2.0, None]}}}
check("round ratios with gaps", run.round_ratios(rc, "shadow", "tdp", "b"), [2.0])

# A benchmark's median run is over the runs that have it (a run that failed
# or ended early lacks some).
whole = [{"seq_fault": {"ops": 1, "cycles": c}, "mremap_8m": {"ops": 2, "cycles": m}}
         for c, m in ((30, 10), (10, 30), (20, 40))]
partial = [{"seq_fault": {"ops": 1, "cycles": c}} for c in (1, 2)]
med = run.median_runs(whole + partial)
check("median of 5 runs of a benchmark", med["seq_fault"]["cycles"], 10)
check("median of the 3 runs that have another", med["mremap_8m"]["cycles"], 30)
check("rounds text with target rounds", run.rounds_text({"rounds": 3, "target_rounds": 15}),
      "3 interleaved rounds; tdp, shadow, tdp_mthp, shadow_mthp: of 15, the 12 more after the others")
check("rounds text without", run.rounds_text({"rounds": 3, "target_rounds": 3}),
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
