#!/usr/bin/python3
# Checks a dump file (docs/dump-format.md) against the layout t_dump made.
# Usage: check_dump.py SCHEMA DUMPFILE GUEST_OUTPUT PAGING
# GUEST_OUTPUT holds t_dump's "# dump-layout" lines. Prints one line per
# problem and exits 1 if there is any.
import json
import sys

import jsonschema

schema_path, dump_path, out_path, paging = sys.argv[1:5]
problems = []
schema = json.load(open(schema_path))
dumps = []
for n, line in enumerate(open(dump_path, encoding="utf-8")):
    try:
        d = json.loads(line)
    except ValueError as e:
        problems.append(f"line {n + 1} is not JSON: {e}")
        continue
    try:
        jsonschema.validate(d, schema)
    except jsonschema.ValidationError as e:
        problems.append(f"dump {n} does not match the schema: {e.message}")
    if d.get("seq") != n:
        problems.append(f"dump {n} has seq {d.get('seq')}")
    dumps.append(d)

base = pages = None
pieces = []
for line in open(out_path, encoding="utf-8", errors="replace"):
    w = line.split()
    if len(w) >= 5 and w[:2] == ["#", "dump-layout"] and w[2] == "base":
        base, pages = int(w[3], 16), int(w[5])
    elif len(w) == 7 and w[:3] == ["#", "dump-layout", "piece"]:
        pieces.append((int(w[3], 16), int(w[4], 16), w[5], w[6]))
if base is None or not pieces:
    problems.append("no dump-layout lines in the guest output")

asked = [d for d in dumps if d["reason"] == "hypercall" and d["label"] == "t_dump"]
if len(asked) != 1:
    problems.append(f"{len(asked)} dumps labelled t_dump, want 1")
if not dumps or dumps[-1]["reason"] != "exit":
    problems.append("the last dump is not the one at exit")

def page_map(ranges):
    m = {}
    for r in ranges or []:
        s, e = int(r["start"], 16), int(r["end"], 16)
        for p in range(max(s, base), min(e, base + pages * 4096), 4096):
            if p in m:
                problems.append(f"page {p:#x} in two ranges")
            m[p] = r
    return m

if asked and base is not None:
    d = asked[0]
    if d["paging"] != paging or not d["user_only"]:
        problems.append(f"dump paging {d['paging']} user_only {d['user_only']}")
    spaces = [a for a in d["address_spaces"]
              if any(int(r["start"], 16) <= base + 4096 < int(r["end"], 16) for r in a["guest"])]
    if len(spaces) != 1:
        problems.append(f"{len(spaces)} address spaces map the layout, want 1")
    else:
        a = spaces[0]
        g = page_map(a["guest"])
        want = {}
        for s, e, rights, state in pieces:
            for p in range(s, e, 4096):
                want[p] = (rights, state)
        for i in range(pages):
            p = base + i * 4096
            r = g.get(p)
            if p not in want:
                if r:
                    problems.append(f"guard page {p:#x} is mapped: {r}")
                continue
            rights, state = want[p]
            if not r:
                problems.append(f"page {p:#x} is not in the dump")
                continue
            states = r["state"].split(",")
            if r["flags"][:4] != rights or "mapped" not in states:
                problems.append(f"page {p:#x}: {r['flags']} {r['state']}, want {rights}")
            if state != "-" and state not in states:
                problems.append(f"page {p:#x}: state {r['state']} lacks {state}")
            if state == "-" and "shared" in states:
                problems.append(f"page {p:#x}: private but {r['state']}")
        if paging == "shadow":
            if a["diff"]:
                problems.append(f"shadow differs from the guest: {a['diff'][:3]}")
            for p, r in page_map(a["shadow"]).items():
                gr = g.get(p)
                if not gr:
                    problems.append(f"shadow maps {p:#x}, the guest does not")
                elif any(c != "-" and gr["flags"][k] == "-" for k, c in enumerate(r["flags"][:4])):
                    problems.append(f"shadow {p:#x} {r['flags']} wider than guest {gr['flags']}")
            if not any("shadowed" in r["state"] for r in g.values()):
                problems.append("no page of the layout is shadowed")
        elif a["shadow"] is not None:
            problems.append("tdp dump with shadow tables")

for p in problems[:20]:
    print(p)
sys.exit(1 if problems else 0)
