#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench: the guest microbenchmarks natively and in three guest modes
(umbra tdp, umbra shadow, tdp over KVM's own shadow paging), the VMM-side
shadow/ microbenchmarks; figures, ratios and targets printed, written to
BUILD/bench/results.json and results.svg, compared with the committed
baseline (docs/bench.md)."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

GUEST_MODES = [
    # name, umbra run options, extra environment
    ("tdp", ["--paging", "tdp"], {}),
    # Shadow mode as umbra runs it by default: with the fault-slot poll
    # thread (docs/shadow.md, "Exitless faults"), since the L1 VM has a CPU
    # for it besides the vCPU's.
    ("shadow", ["--paging", "shadow"], {}),
    ("kvm_shadow", ["--paging", "tdp"], {"UMBRA_NESTED_KVM_AMD_PARAMS": "npt=0"}),
    # The guest's anonymous large folios (thp_anon=64K:always, off by
    # default): 16 pages per anonymous write fault, in both umbra modes.
    ("tdp_mthp", ["--paging", "tdp", "-p", "thp_anon=64K:always"], {}),
    ("shadow_mthp", ["--paging", "shadow", "-p", "thp_anon=64K:always"], {}),
    # Shadow mode without the thread, for reference: every first-chance
    # fault is a hypercall, one VM exit.
    ("shadow_exits", ["--paging", "shadow", "--shadow-poll", "0"], {}),
]
FAULT_BENCHES = ["seq_fault", "rand_fault", "file_fault", "cow_fault"]
# The modes the 1.5x targets compare run more rounds than the others
# (--target-rounds), since a single nested run of file_fault can be twice
# as slow as the next.
TARGET_ROUND_MODES = ["tdp", "shadow", "tdp_mthp", "shadow_mthp"]


def parse_bench_lines(text):
    """'bench NAME k=v ...' lines -> {NAME: {k: number}}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^bench (\S+) (.*)$", line.strip())
        if not m:
            continue
        vals = {}
        for kv in m.group(2).split():
            k, _, v = kv.partition("=")
            try:
                vals[k] = float(v) if "." in v else int(v)
            except ValueError:
                pass
        out[m.group(1)] = vals
    return out


def run(cmd, env=None, timeout=1800, live=None):
    """cmd's status, output, errors and time. With live (a path prefix),
    the output goes to live.out and live.err as it comes, so a run that
    does not end can be looked at while it runs."""
    t = time.time()
    if live:
        # A nested run whose guest has printed nothing after boot_s is the
        # known L1 boot hang: stopped with status 123, which run_guest
        # retries, rather than after the whole timeout.
        boot_s = float(os.environ.get("UMBRA_BENCH_BOOT_TIMEOUT", "180"))
        with open(live + ".out", "w") as fo, open(live + ".err", "w") as fe:
            p = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe, start_new_session=True)
            rc, note = None, ""
            while rc is None:
                try:
                    rc = p.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    waited = time.time() - t
                    silent = os.path.getsize(live + ".out") == 0
                    if waited > timeout or (silent and waited > boot_s):
                        os.killpg(p.pid, signal.SIGKILL)
                        p.wait()
                        rc, note = (124, f"\nbench: timed out after {timeout} s") \
                            if waited > timeout else \
                            (123, f"\nbench: no guest output in {boot_s:.0f} s: stopped")
        with open(live + ".out", errors="replace") as fo, \
                open(live + ".err", errors="replace") as fe:
            return rc, fo.read(), fe.read() + note, time.time() - t
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return 124, text(e.stdout), text(e.stderr) + f"\nbench: timed out after {timeout} s", \
            time.time() - t
    return p.returncode, p.stdout, p.stderr, time.time() - t


def run_guest(cmd, env, live):
    """A guest mode's run, retried once after the known nested flake: a
    boot that hangs inside L1 before the guest prints anything (status
    123 with no output; tests/integration/run.sh does the same). Its
    output goes to live.out and live.err while it runs."""
    rc, out, err, secs = run(cmd, env=env, live=live)
    if rc == 123 and not out.strip() and "running the VM nested" in err:
        print(f"note: nested run hung in L1 ({err.strip().splitlines()[-1]}); retrying once",
              flush=True)
        rc, out, err, more = run(cmd, env=env, live=live)
        secs += more
    return rc, out, err, secs


def round_plan(rounds, target_rounds, want):
    """[(round, [mode names in the order they run])]: every wanted mode
    (native first) in each of the first rounds, one after the other, so
    that a slow spell of the machine (nested runs vary by a third from one
    minute to the next) falls on every mode alike. Then, up to
    target_rounds, only the wanted modes of the 1.5x targets, in an order
    reversed every other round so that neither mode of a pair always runs
    first. No such rounds when none of those modes is wanted."""
    guest = [m for m, _, _ in GUEST_MODES]
    plan = [(r, [m for m in ["native"] + guest if m in want])
            for r in range(1, rounds + 1)]
    more = [m for m in guest if m in TARGET_ROUND_MODES and m in want]
    if more:
        plan += [(r, more[::-1] if r % 2 == 0 else more)
                 for r in range(rounds + 1, target_rounds + 1)]
    return plan


def median_runs(runs):
    """{NAME: raw} of several runs -> for each benchmark, the run of median
    cycles per operation (the lower middle of an even count), whole: its
    counts stay those of one run."""
    out = {}
    names = []
    for r in runs:
        names += [b for b in r if b not in names]
    for name in names:
        have = [r[name] for r in runs if name in r]
        have.sort(key=lambda raw: raw.get("cycles", 0) / (raw.get("ops", 0) or 1))
        out[name] = have[(len(have) - 1) // 2]
    return out


def per_op(raw):
    """The per-operation figures of one benchmark's raw totals."""
    ops = raw.get("ops", 0) or 1
    f = {"ops": raw.get("ops", 0), "cycles_per_op": raw.get("cycles", 0) / ops}
    for key, name in [("exits", "exits_per_op"), ("hypercalls", "hypercalls_per_op"),
                      ("pgfault", "guest_mm_faults_per_op"),
                      ("hc_4", "fault_hypercalls_per_op"),
                      ("hc_8", "invalidate_hypercalls_per_op"),
                      ("shadow_fills", "shadow_fills_per_op"),
                      ("shadow_zaps", "shadow_zaps_per_op"),
                      ("shadow_slot_faults", "slot_faults_per_op"),
                      ("kvm_exits", "kvm_exits_per_op"),
                      ("kvm_pf_taken", "kvm_pf_taken_per_op")]:
        if key in raw:
            f[name] = raw[key] / ops
    # VM exits per guest page fault (all #PFs the guest took: in shadow
    # mode each one is a first-chance fault, hypercall 4 or, with the poll
    # thread, a fault slot's request).
    shadow_faults = raw.get("hc_4", 0) + raw.get("shadow_slot_faults", 0)
    faults = shadow_faults if shadow_faults else raw.get("pgfault", 0)
    if "exits" in raw and raw.get("pgfault", 0):
        f["exits_per_guest_mm_fault"] = raw["exits"] / raw["pgfault"]
    if "exits" in raw and faults:
        f["hw_page_faults_per_op"] = faults / ops
    mib = raw.get("mapped_bytes", 0) / (1 << 20)
    if mib:
        f["guest_pt_pages_per_mib"] = raw.get("pt_pages", 0) / mib
        if "sp_pages" in raw:
            f["shadow_pages_per_mib"] = raw["sp_pages"] / mib
            if raw.get("pt_pages"):
                f["shadow_to_guest_pt"] = raw["sp_pages"] / raw["pt_pages"]
    return f


def ratio(a, b):
    return a / b if a and b else None


def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, float) and abs(v) >= 1000:
        return f"{v:,.0f}"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def met_by(v, limit):
    """Whether ratio v meets a time target's limit: limit > 1 ("within
    Nx"): v <= limit; limit <= 1 ("faster than"): v < limit. None never
    meets."""
    return v is not None and (v <= limit if limit > 1 else v < limit)


def spread(rr, limit=None, met=True):
    """'low-high' of per-round ratios (the rounds in which both modes ran),
    or '' when there are fewer than two; with a target's limit, also how
    many of those rounds alone miss it, when any does or the verdict is
    not met: a verdict with rounds on both sides of the limit is one that
    more rounds may turn."""
    if not rr or len(rr) < 2:
        return ""
    s = f"{fmt(min(rr))}-{fmt(max(rr))}"
    if limit is not None:
        missed = sum(not met_by(r, limit) for r in rr)
        if missed or not met:
            s += f"; {missed} of {len(rr)} rounds miss {fmt(limit)}"
    return s


def svg_chart(results, path):
    """Cycles per operation of each mode relative to umbra tdp, per benchmark
    (log scale, 1 = tdp)."""
    import math
    modes = [("shadow", "#d62728"), ("kvm_shadow", "#1f77b4"), ("native", "#2ca02c"),
             ("shadow_mthp", "#ff7f0e"), ("shadow_exits", "#9467bd")]
    modes = [(m, c) for m, c in modes if m in results["guest"]]
    benches = [b for b in results["guest"].get("tdp", {})]
    row_h, bar_h, left, width = 16 * len(modes) + 12, 14, 170, 520
    lo, hi = math.log10(0.01), math.log10(1000.0)
    height = 60 + row_h * len(benches) + 30

    def x(v):
        v = min(max(v, 10 ** lo), 10 ** hi)
        return left + (math.log10(v) - lo) / (hi - lo) * width
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 150}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           '<text x="10" y="18" font-size="13">umbra make bench: guest cycles per '
           'operation relative to umbra tdp (log scale; 1 = tdp)</text>']
    for i, (m, c) in enumerate(modes):
        out.append(f'<rect x="{left + i * 110}" y="28" width="10" height="10" fill="{c}"/>'
                   f'<text x="{left + i * 110 + 14}" y="37">{m}</text>')
    for d in range(int(lo), int(hi) + 1):
        xx = x(10 ** d)
        out.append(f'<line x1="{xx:.1f}" y1="48" x2="{xx:.1f}" y2="{height - 25}" '
                   f'stroke="#ccc"/><text x="{xx:.1f}" y="{height - 10}" '
                   f'text-anchor="middle">{10 ** d:g}</text>')
    for j, b in enumerate(benches):
        y0 = 52 + j * row_h
        out.append(f'<text x="{left - 6}" y="{y0 + row_h / 2:.0f}" text-anchor="end">{b}</text>')
        base = results["guest"]["tdp"][b]["cycles_per_op"]
        for i, (m, c) in enumerate(modes):
            fig = results["guest"].get(m, {}).get(b)
            if not fig or not base:
                continue
            r = fig["cycles_per_op"] / base
            y = y0 + i * 16
            out.append(f'<rect x="{x(0.01):.1f}" y="{y}" width="{x(r) - x(0.01):.1f}" '
                       f'height="{bar_h}" fill="{c}"/><text x="{x(r) + 4:.1f}" '
                       f'y="{y + 11}">{r:.2f}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def round_ratios(results, mode, base, bench):
    """Cycles per op of mode / base in each round that has both: the
    spread behind a ratio of medians (a round runs the modes one after
    the other, so its two runs are the closest in time)."""
    rc = results.get("round_cycles", {})
    a, b = rc.get(mode, {}).get(bench, []), rc.get(base, {}).get(bench, [])
    return [x / y for x, y in zip(a, b) if x and y]


TIME_TARGETS = [
    # text, mode, base mode, limit (a ratio at most 1.5, or below 1)
    ("shadow within 1.5x of tdp: {b} cycles shadow/tdp", "shadow", "tdp", 1.5),
    ("shadow within 1.5x of tdp, both thp_anon=64K: {b} cycles shadow/tdp",
     "shadow_mthp", "tdp_mthp", 1.5),
    ("shadow faster than KVM's shadow paging: {b} umbra/KVM < 1", "shadow", "kvm_shadow", 1.0),
]


def targets(results):
    """The issue's targets: (text, measured, met, per-round ratios or None,
    the time limit or None)."""
    t = [x + (None, None) for x in count_targets(results)]
    g = results["guest"]
    for text, mode, base, limit in TIME_TARGETS:
        m, bm = g.get(mode, {}), g.get(base, {})
        for b in FAULT_BENCHES:
            if b in m and b in bm:
                v = ratio(m[b]["cycles_per_op"], bm[b]["cycles_per_op"])
                t.append((text.format(b=b), v, met_by(v, limit),
                          round_ratios(results, mode, base, b), limit))
    return t


def count_targets(results):
    """The targets on counts and work: (text, measured, met)."""
    g = results["guest"]
    sh, shm = g.get("shadow", {}), g.get("shadow_mthp", {})
    t = []
    if "seq_fault" in sh:
        v = sh["seq_fault"].get("exits_per_op")
        t.append(("shadow: VM exits per sequential first-touch fault <= 0.2", v,
                  v is not None and v <= 0.2))
    if "seq_fault" in shm:
        v = shm["seq_fault"].get("exits_per_op")
        t.append(("shadow, guest thp_anon=64K: VM exits per sequential first-touch fault <= 0.2",
                  v, v is not None and v <= 0.2))
    for b in ["mprotect_64k", "mprotect_8m", "munmap_16m", "munmap_empty_1g"]:
        if b in sh:
            v = sh[b].get("hypercalls_per_op")
            t.append((f"shadow: hypercalls per op of {b} == 1", v, v is not None and v <= 1.0))
    z = results.get("vmm", {})
    if "zap_range_sparse" in z and "zap_range_dense" in z:
        # the same pages mapped, a range 512x as large: the work must not grow
        key = "instructions_per_op" if "instructions_per_op" in z["zap_range_dense"] \
            else "ns_per_op"
        v = ratio(z["zap_range_sparse"].get(key), z["zap_range_dense"].get(key))
        t.append(("zap work follows pages mapped, not range size "
                  "(zap of a 512x larger range / zap of the dense one <= 2)", v,
                  v is not None and v <= 2.0))
    for b in ["seq_fault", "rand_fault"]:
        if b in sh:
            v = sh[b].get("shadow_to_guest_pt")
            t.append((f"shadow: shadow-table pages / guest page-table pages ({b}) <= 1.5", v,
                      v is not None and v <= 1.5))
    return t


# Regressions: counts must not grow (deterministic in a run); time ratios
# within a run may move by noise, so only a large change is reported.
COUNT_KEYS = ["exits_per_op", "hypercalls_per_op", "fault_hypercalls_per_op",
              "invalidate_hypercalls_per_op", "shadow_to_guest_pt"]


# Ratios of a reference (native, or tdp over KVM's shadow paging) over
# umbra's tdp mode: a regression makes them smaller, not larger. The others
# have the mode under test (shadow) on top.
REFERENCE_OVER_UMBRA = {"native/tdp", "kvm_shadow/tdp"}


def count_margin(key, old, fig):
    """How far a count may rise above the baseline's before it is a
    regression: 10% (+0.05), and for a count per operation at least one
    event more in the run (1/ops). So a short benchmark's one stray exit (a
    sync the poll thread took late, nested: about one in 85) is not a
    regression, and two are."""
    margin = abs(old) * 0.10 + 0.05
    if key.endswith("_per_op") and fig.get("ops"):
        # A hair over one event: old + 1/ops can round below (events+1)/ops.
        margin = max(margin, 1.0 / fig["ops"] + 1e-9)
    return margin


def compare(results, baseline):
    regs = []
    for mode, benches in results["guest"].items():
        for b, fig in benches.items():
            old = baseline.get("guest", {}).get(mode, {}).get(b)
            if not old:
                continue
            for k in COUNT_KEYS:
                if k in fig and k in old and fig[k] > old[k] + count_margin(k, old[k], fig):
                    regs.append(f"{mode} {b} {k}: {fmt(old[k])} -> {fmt(fig[k])}")
    for key, new in results.get("ratios", {}).items():
        old = baseline.get("ratios", {}).get(key)
        if not old or not new:
            continue
        if key.rpartition(":")[2] in REFERENCE_OVER_UMBRA:
            if new < old / 1.5:
                regs.append(f"ratio {key}: {fmt(old)} -> {fmt(new)} (less than 1/1.5x)")
        elif new > old * 1.5:
            regs.append(f"ratio {key}: {fmt(old)} -> {fmt(new)} (more than 1.5x)")
    for b, fig in results.get("vmm", {}).items():
        old = baseline.get("vmm", {}).get(b)
        if old and old.get("instructions_per_op") and fig.get("instructions_per_op"):
            if fig["instructions_per_op"] > old["instructions_per_op"] * 1.10:
                regs.append(f"vmm {b} instructions/op: {fmt(old['instructions_per_op'])} -> "
                            f"{fmt(fig['instructions_per_op'])}")
    return regs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--baseline", default="tests/bench/baseline.json")
    ap.add_argument("--modes",
                    default="native,tdp,shadow,kvm_shadow,tdp_mthp,shadow_mthp,shadow_exits,vmm",
                    help="comma-separated subset")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--rounds", type=int,
                    default=int(os.environ.get("UMBRA_BENCH_ROUNDS", "3")),
                    help="runs of every mode, interleaved; each benchmark reports "
                         "its median run (default 3, or UMBRA_BENCH_ROUNDS)")
    ap.add_argument("--target-rounds", type=int,
                    default=int(os.environ.get("UMBRA_BENCH_TARGET_ROUNDS", "15")),
                    help="rounds of " + ", ".join(TARGET_ROUND_MODES) +
                         ", the modes the 1.5x targets compare: after the --rounds "
                         "rounds of every mode, they alone run rounds up to this many "
                         "(default 15, or UMBRA_BENCH_TARGET_ROUNDS; at most --rounds: "
                         "none more)")
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("bench: --rounds must be at least 1")
    if args.target_rounds < 0:
        sys.exit("bench: --target-rounds must be at least 0")
    build = args.build
    want = args.modes.split(",")
    known = [m for m, _, _ in GUEST_MODES] + ["native", "vmm"]
    unknown = [m for m in want if m not in known]
    if unknown:
        sys.exit(f"bench: unknown mode(s) {', '.join(unknown)}; modes: {', '.join(known)}")
    plan = round_plan(args.rounds, args.target_rounds, want)
    total_rounds = plan[-1][0]
    outdir = os.path.join(build, "bench")
    os.makedirs(outdir, exist_ok=True)
    results = {"guest": {}, "raw": {}, "vmm": {}, "ratios": {}, "notes": [],
               "rounds": args.rounds, "target_rounds": total_rounds,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    prog = os.path.join(build, "bench", "bench")
    umbra = os.path.join(build, "umbra")
    kernel = os.path.join(build, "guest", "umbra-guest.elf")
    initrd = os.path.join(build, "bench", "initrd.cpio")

    # Each benchmark of each mode reports its median run (round_plan).
    runs = {}  # mode -> {round: its parsed run}
    logs = {}
    how = {m: (opts, extra) for m, opts, extra in GUEST_MODES}
    for rnd, modes in plan:
        for mode in modes:
            if mode == "native":
                rc, out, err, secs = run([prog])
                print(f"== native, round {rnd} ({secs:.0f} s)", flush=True)
                if rc:
                    sys.exit(f"bench: natively: {err.strip()}")
                runs.setdefault("native", {})[rnd] = parse_bench_lines(out)
                continue
            opts, extra = how[mode]
            env = dict(os.environ, **extra)
            # A hang (the flake above) ends in time for its retry.
            env.setdefault("UMBRA_NESTED_TIMEOUT", "1500")
            rc, out, err, secs = run_guest([umbra, "run", "-m", args.mem] + opts +
                                           ["-i", initrd, kernel], env,
                                           os.path.join(outdir, "current"))
            print(f"== {mode}, round {rnd} ({secs:.0f} s)", flush=True)
            logs.setdefault(mode, []).append(f"== round {rnd}\n" + out + err)
            if rc or "bench-end" not in out:
                print(f"bench: the {mode} run failed (status {rc}); see {outdir}/{mode}.log",
                      file=sys.stderr)
                results["notes"].append(f"{mode}: round {rnd}: run failed, status {rc}")
                continue
            if extra and "running the VM nested" not in err:
                results["notes"].append(f"{mode}: not nested, {extra} had no effect")
            runs.setdefault(mode, {})[rnd] = parse_bench_lines(out)
    for mode, texts in logs.items():
        with open(os.path.join(outdir, f"{mode}.log"), "w") as f:
            f.write("".join(texts))
    for mode, rounds in runs.items():
        results["raw"][mode] = median_runs(list(rounds.values()))
    # Each round's cycles per op (None: the run failed or lacks it).
    results["round_cycles"] = {
        mode: {b: [per_op(rr[b])["cycles_per_op"] if b in rr else None
                   for rr in (rounds.get(n, {}) for n in range(1, total_rounds + 1))]
               for b in results["raw"][mode]}
        for mode, rounds in runs.items()}
    if "vmm" in want:
        results["vmm"] = vmm_benches(build, outdir, results["notes"])

    for mode, benches in results["raw"].items():
        results["guest"][mode] = {b: per_op(raw) for b, raw in benches.items()}
    g = results["guest"]
    for b in g.get("tdp", {}):
        base = g["tdp"][b]["cycles_per_op"]
        for m in ["shadow", "kvm_shadow", "native", "shadow_exits"]:
            if b in g.get(m, {}):
                results["ratios"][f"{b}:{m}/tdp"] = ratio(g[m][b]["cycles_per_op"], base)
        if b in g.get("shadow", {}) and b in g.get("kvm_shadow", {}):
            results["ratios"][f"{b}:shadow/kvm_shadow"] = ratio(
                g["shadow"][b]["cycles_per_op"], g["kvm_shadow"][b]["cycles_per_op"])
        if b in g.get("shadow_mthp", {}) and b in g.get("tdp_mthp", {}):
            results["ratios"][f"{b}:shadow_mthp/tdp_mthp"] = ratio(
                g["shadow_mthp"][b]["cycles_per_op"], g["tdp_mthp"][b]["cycles_per_op"])

    report(results)
    results["targets"] = [dict({"target": t, "measured": v, "met": m},
                               **({"rounds": rr, "limit": limit} if rr is not None else {}))
                          for t, v, m, rr, limit in targets(results)]
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    if "tdp" in g:
        svg_chart(results, os.path.join(outdir, "results.svg"))
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(markdown(results))
    print(f"\nwritten: {outdir}/results.json, {outdir}/results.svg")
    if os.path.exists(args.baseline):
        with open(args.baseline) as f:
            regs = compare(results, json.load(f))
        print(f"\n== compared with {args.baseline}: "
              f"{len(regs)} regression{'s' if len(regs) != 1 else ''}")
        for r in regs:
            print("REGRESSION " + r)
    else:
        print(f"\n(no baseline {args.baseline}: `make bench-baseline` records one)")


def rounds_text(results):
    """How many rounds each benchmark's median is of."""
    n, t = results.get("rounds", 1), results.get("target_rounds", 0)
    s = f"{n} interleaved rounds"
    if t > n:
        s += f"; {', '.join(TARGET_ROUND_MODES)}: of {t}, the {t - n} more after the others"
    return s


def report(results):
    g = results["guest"]
    modes = [m for m in ["tdp", "shadow", "kvm_shadow", "native", "tdp_mthp", "shadow_mthp", "shadow_exits"]
             if m in g]
    benches = list(g.get("tdp", g.get("native", {})))
    print(f"\n== guest cycles per operation, each benchmark's median of "
          f"{rounds_text(results)} (ratios within this run; "
          "absolute times inside QEMU mean nothing)")
    hdr = f"{'benchmark':18}" + "".join(f"{m:>14}" for m in modes) + \
        f"{'shadow/tdp':>12}{'kvm/tdp':>10}{'shadow/kvm':>12}{'tdp/native':>12}{'mthp s/t':>10}{'exits/tdp':>10}"
    print(hdr)
    r = results["ratios"]
    for b in benches:
        line = f"{b:18}" + "".join(f"{fmt(g[m].get(b, {}).get('cycles_per_op')):>14}"
                                   for m in modes)
        line += f"{fmt(r.get(f'{b}:shadow/tdp')):>12}{fmt(r.get(f'{b}:kvm_shadow/tdp')):>10}"
        line += f"{fmt(r.get(f'{b}:shadow/kvm_shadow')):>12}"
        nt = r.get(f"{b}:native/tdp")
        line += f"{fmt(1 / nt if nt else None):>12}"
        line += f"{fmt(r.get(f'{b}:shadow_mthp/tdp_mthp')):>10}"
        line += f"{fmt(r.get(f'{b}:shadow_exits/tdp')):>10}"
        print(line)
    for m in ["shadow", "tdp", "kvm_shadow", "shadow_mthp", "tdp_mthp", "shadow_exits"]:
        if m not in g:
            continue
        print(f"\n== {m}: counts per operation (VM exits = exits to umbra)")
        print(f"{'benchmark':18}{'exits':>9}{'kvm exits':>10}{'kvm pf':>9}{'hcalls':>9}"
              f"{'hc4 flt':>9}{'hc8 inv':>9}"
              f"{'mm flts':>9}{'fills':>9}{'zaps':>10}{'sp/MiB':>8}{'pt/MiB':>8}{'sp/pt':>7}")
        for b, f in g[m].items():
            print(f"{b:18}{fmt(f.get('exits_per_op')):>9}{fmt(f.get('kvm_exits_per_op')):>10}"
                  f"{fmt(f.get('kvm_pf_taken_per_op')):>9}{fmt(f.get('hypercalls_per_op')):>9}"
                  f"{fmt(f.get('fault_hypercalls_per_op')):>9}"
                  f"{fmt(f.get('invalidate_hypercalls_per_op')):>9}"
                  f"{fmt(f.get('guest_mm_faults_per_op')):>9}{fmt(f.get('shadow_fills_per_op')):>9}"
                  f"{fmt(f.get('shadow_zaps_per_op')):>10}{fmt(f.get('shadow_pages_per_mib')):>8}"
                  f"{fmt(f.get('guest_pt_pages_per_mib')):>8}{fmt(f.get('shadow_to_guest_pt')):>7}")
    if results.get("vmm"):
        print("\n== VMM side: shadow/ without KVM (hosted, this machine)")
        print(f"{'benchmark':24}{'ops':>8}{'ns/op':>10}{'instr/op':>12}")
        for b, f in results["vmm"].items():
            print(f"{b:24}{f.get('ops', 0):>8}{fmt(f.get('ns_per_op')):>10}"
                  f"{fmt(f.get('instructions_per_op')):>12}")
    print("\n== targets (a time ratio: of the medians; in brackets, its range over the rounds "
          "and, if any miss it or the target is not met, how many rounds alone miss it)")
    for t, v, met, rr, limit in targets(results):
        s = spread(rr, limit, met)
        print(f"  [{'met' if met else 'NOT met':7}] {t}: {fmt(v)}{f' [{s}]' if s else ''}")
    for n in results["notes"]:
        print("note: " + n)


def markdown(results):
    """The figures as markdown tables (for docs/bench.md)."""
    g, r = results["guest"], results["ratios"]
    modes = [m for m in ["native", "tdp", "shadow", "kvm_shadow", "tdp_mthp", "shadow_mthp", "shadow_exits"]
             if m in g]
    out = [f"Measured {results['date']} (`make bench`; each benchmark's median of "
           f"{rounds_text(results)}).", "",
           "| benchmark | " + " | ".join(f"{m} cycles/op" for m in modes) +
           " | shadow/tdp | kvm_shadow/tdp | shadow/kvm_shadow | shadow exits/op | "
           "shadow hypercalls/op | KVM exits/op tdp | shadow | kvm_shadow | "
           "shadow_exits/tdp | shadow_exits exits/op |",
           "|---" * (len(modes) + 11) + "|"]
    for b in g.get("tdp", {}):
        sh = g.get("shadow", {}).get(b, {})
        row = [b] + [fmt(g[m].get(b, {}).get("cycles_per_op")) for m in modes]
        row += [fmt(r.get(f"{b}:shadow/tdp")), fmt(r.get(f"{b}:kvm_shadow/tdp")),
                fmt(r.get(f"{b}:shadow/kvm_shadow")), fmt(sh.get("exits_per_op")),
                fmt(sh.get("hypercalls_per_op"))]
        row += [fmt(g.get(m, {}).get(b, {}).get("kvm_exits_per_op"))
                for m in ["tdp", "shadow", "kvm_shadow"]]
        row += [fmt(r.get(f"{b}:shadow_exits/tdp")),
                fmt(g.get("shadow_exits", {}).get(b, {}).get("exits_per_op"))]
        out.append("| " + " | ".join(row) + " |")
    if "shadow" in g:
        out += ["", "| shadow mode | sp/MiB | guest pt/MiB | sp/pt |", "|---|---|---|---|"]
        for b in ["seq_fault", "rand_fault"]:
            f = g["shadow"].get(b, {})
            out.append(f"| {b} | {fmt(f.get('shadow_pages_per_mib'))} | "
                       f"{fmt(f.get('guest_pt_pages_per_mib'))} | {fmt(f.get('shadow_to_guest_pt'))} |")
    if results.get("vmm"):
        out += ["", "| VMM side | ns/op | instructions/op |", "|---|---|---|"]
        for b, f in results["vmm"].items():
            out.append(f"| {b} | {fmt(f.get('ns_per_op'))} | {fmt(f.get('instructions_per_op'))} |")
    out += ["", "| target | measured | rounds | |", "|---|---|---|---|"]
    for t, v, met, rr, limit in targets(results):
        out.append(f"| {t} | {fmt(v)} | {spread(rr, limit, met) or '-'} | "
                   f"{'met' if met else 'not met'} |")
    return "\n".join(out) + "\n"


def vmm_benches(build, outdir, notes):
    prog = os.path.join(build, "bench", "shadow-bench")
    if not os.path.exists(prog):
        notes.append("vmm: no shadow-bench program")
        return {}
    rc, out, err, _ = run([prog])
    if rc:
        notes.append(f"vmm: shadow-bench failed: {err.strip()}")
        return {}
    res = {}
    for b, raw in parse_bench_lines(out).items():
        res[b] = {"ops": raw.get("ops", 0), "ns_per_op": raw.get("ns_per_op")}
    vg = shutil.which("valgrind")
    if not vg:
        notes.append("vmm: valgrind not installed (tools/bench-deps.sh): no instruction counts")
        return res
    for b in res:
        cg = os.path.join(outdir, f"callgrind.{b}.out")
        rc, out, err, _ = run([vg, "--tool=callgrind", f"--callgrind-out-file={cg}",
                               "--toggle-collect=bench_measured", prog, "-q", b])
        m = re.search(r"Collected : (\d+)", err)
        if rc or not m:
            notes.append(f"vmm: callgrind of {b} failed")
            continue
        res[b]["instructions_per_op"] = int(m.group(1)) / max(res[b]["ops"], 1)
    return res


if __name__ == "__main__":
    main()
