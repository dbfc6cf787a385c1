#!/usr/bin/python3
# Talks to a running VM's control socket (docs/control.md) and checks its
# answers; the run itself must go on undisturbed (tools.sh checks that).
# Usage: control_client.py SOCKET PAGING OUT_DUMP [reclaim N]
# Waits up to 120 s for the VM to answer, then sends good and bad requests.
# Prints one line per problem; exit status 1 if any. With "reclaim N" it
# sets a balloon of 2 MiB and sends reclaim requests instead, one a second
# while the guest runs, each followed by query-stats, until N were answered
# and one swapped something out, or the VM ended (the suite's length varies
# with the host); it prints one JSON line: the requests answered, the frames
# they swapped out, and the kick counters of the last query-stats (shadow).
# In tdp mode the checks include three reclaims of everything, each
# printed as {"reclaimed": N}.
import json
import os
import socket
import sys
import time

path, paging, out_dump = sys.argv[1:4]
problems = []
deadline = time.time() + 120
while not os.path.exists(path):
    if time.time() > deadline:
        sys.exit(f"no socket {path}")
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
pending = b""


reclaim_mode = len(sys.argv) > 5 and sys.argv[4] == "reclaim"
vm_gone = False  # the VM closed its socket: it exited


class VMGone(Exception):
    """The VM exited while the reclaim loop still talked to it."""


def send(raw):
    global vm_gone
    try:
        s.sendall(raw if isinstance(raw, bytes) else raw.encode())
    except OSError as e:
        vm_gone = True
        if reclaim_mode:
            raise VMGone() from e
        # The VM exited (its socket closed) before the checks were done.
        for p in problems[:20]:
            print(p)
        sys.exit(f"the VM closed the control socket before all requests were sent ({e})")


def readline(timeout):
    """The next line from the VM, or None after timeout seconds."""
    global pending, vm_gone
    end = time.time() + timeout
    while b"\n" not in pending:
        left = end - time.time()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (socket.timeout, TimeoutError):
            return None
        except OSError:
            chunk = b""
        if not chunk:
            vm_gone = True  # the VM exited: no answer (a problem is noted)
            return None
        pending += chunk
    line, pending = pending.split(b"\n", 1)
    return line


def answer(want_id, timeout, strict=True):
    """The next answer carrying want_id; None on timeout. Before the VM first
    answers (strict=False), the L1 serial line may still echo our requests or
    deliver them cut short: such lines are not the VM's answers."""
    end = time.time() + timeout
    while True:
        line = readline(max(0.0, end - time.time()))
        if line is None:
            return None
        try:
            j = json.loads(line)
        except ValueError:
            if strict:
                problems.append(f"not JSON from the VM: {line[:80]!r}")
            continue
        # The L1 serial line may echo a request back: it is no answer.
        if j.get("id") == want_id and "execute" not in j:
            return j


# In a nested run the inner VMM reads the port only once it runs: ask until
# it answers (lines cut short before that get ParseError answers).
n = 0
while True:
    n += 1
    send("\n" + json.dumps({"execute": "query-version", "id": f"v{n}"}) + "\n")
    a = answer(f"v{n}", 3, strict=False)
    if a is not None:
        break
    if time.time() > deadline:
        sys.exit("the VM never answered query-version")
if a.get("return", {}).get("major") != 1:
    problems.append(f"query-version: {a}")


def request(cmd, args=None, rid=None, timeout=60):
    rid = rid or cmd
    req = {"execute": cmd, "id": rid}
    if args is not None:
        req["arguments"] = args
    send(json.dumps(req) + "\n")
    a = answer(rid, timeout)
    if a is None and vm_gone and reclaim_mode:
        raise VMGone()
    if a is None:
        problems.append(f"{cmd}: no answer")
        return {}
    return a


if reclaim_mode:
    pages, answers, kicks = 0, 0, None
    want = int(sys.argv[5])
    try:
        # A balloon of 2 MiB first: the guest inflates to it meanwhile.
        a = request("balloon", {"bytes": 2 << 20}, rid="bal")
        if a.get("return", {}).get("target_pages") != 512:
            problems.append(f"balloon: {a}")
        # Pages become old for the aging clock only as the suite runs, so
        # the early requests may find nothing; go on until one did.
        while answers < want or pages == 0:
            a = request("reclaim", {"pages": 0}, rid=f"r{answers}", timeout=120)
            r = a.get("return")
            if not isinstance(r, dict) or not isinstance(r.get("pages"), int) \
                    or r.get("flushed") is not True:
                problems.append(f"reclaim: {str(a)[:200]}")
                break
            pages += r["pages"]
            answers += 1
            st = request("query-stats", rid=f"kst{answers}").get("return", {})
            kicks = (st.get("shadow") or {}).get("kicks")
            time.sleep(1)
    except VMGone:
        # The suite ended first: what was answered until then counts.
        if answers == 0:
            problems.append("the VM exited before it answered a reclaim")
    print(json.dumps({"answers": answers, "pages": pages, "kicks": kicks}))
    for p in problems[:20]:
        print(p)
    sys.exit(1 if problems else 0)

a = request("query-stats")
st = a.get("return", {})
if st.get("paging") != paging or not isinstance(st.get("exits"), int):
    problems.append(f"query-stats: {a}")
if (st.get("shadow") is None) != (paging == "tdp"):
    problems.append(f"query-stats shadow part: {st.get('shadow')}")
if paging == "shadow":
    k = (st.get("shadow") or {}).get("kicks")
    if not isinstance(k, dict) or not all(isinstance(k.get(n), int) for n in
                                          ("waits", "sent", "acks", "promises", "wait_exits")):
        problems.append(f"query-stats shadow kicks: {k}")

# Bad requests: each gets its error, and the VM goes on.
bad = [
    (b"{not json\n", "ParseError"),
    (b'{"execute":"format-disk","id":"b1"}\n', "CommandNotFound"),
    (b'{"execute":"dump","arguments":{"asid":"zz"},"id":"b2"}\n', "InvalidParameter"),
    (b'{"execute":"dump","arguments":{"nope":1},"id":"b3"}\n', "InvalidParameter"),
    (b"[" * 5000 + b"\n", "ParseError"),
    (b"x" * 70000 + b"\n", "ParseError"),
]
for raw, cls in bad:
    send(raw)
    # Errors without an id: the next line that is no answer to a
    # query-version sent while waiting.
    try:
        line = readline(30)
        while line is not None and b'"id":"v' in line:
            line = readline(30)
        j = json.loads(line)
        if j.get("error", {}).get("class") != cls:
            problems.append(f"{raw[:30]!r}: {line[:120]!r}, want {cls}")
    except Exception as e:
        problems.append(f"{raw[:30]!r}: no error answer ({e})")

# The balloon's target: set, and the guest told (docs/control.md).
a = request("balloon", {"bytes": 1 << 20})
r = a.get("return")
if not isinstance(r, dict) or r.get("target_pages") != 256 or not isinstance(r.get("told"), bool):
    problems.append(f"balloon: {a}")
# Reclaim (docs/control.md): shadow mode swaps out old user pages from the
# control thread after the vCPUs flushed; tdp mode swaps out frames the
# aging clock finds old with the vCPUs paused, and the suite's memory is
# resident, so some must go.
a = request("reclaim", {"pages": 64}, timeout=120)
r = a.get("return")
if not isinstance(r, dict) or not isinstance(r.get("pages"), int) \
        or not 0 <= r["pages"] <= 64 or not isinstance(r.get("flushed"), bool):
    problems.append(f"reclaim: {a}")
elif paging == "tdp" and (r["pages"] == 0 or r["flushed"] is not True):
    problems.append(f"reclaim in tdp mode: {a}")
a = request("reclaim", {"pages": "many"}, rid="rbad")
if a.get("error", {}).get("class") != "InvalidParameter":
    problems.append(f"reclaim with a bad argument: {a}")

# tdp mode: everything the clock can take, three times while the suite
# runs (the suite's own checks then show nothing was lost). Early: the
# whole suite takes about 11 s in tdp mode nested (the plain VMM), and
# the VM must still be running for the requests after these.
if paging == "tdp":
    for i in range(3):
        a = request("reclaim", {"pages": 0}, rid=f"all{i}", timeout=120)
        if not isinstance(a.get("return", {}).get("pages"), int) or a["return"]["pages"] <= 0:
            problems.append(f"reclaim of everything in tdp mode: {str(a)[:200]}")
        else:
            print(json.dumps({"reclaimed": a["return"]["pages"]}))
        time.sleep(0.5)

# Both modes trace (tdp mode: host-memory events, docs/trace.md).
a = request("trace-start", {"events": 2048})
if a.get("return", {}).get("events") != 2048:
    problems.append(f"trace-start: {a}")
time.sleep(1)
a = request("trace-read")
t = a.get("return", {})
if not t.get("enabled") or t.get("size") != 2048:
    problems.append(f"trace-read: {str(a)[:200]}")

a = request("dump", {"user_only": True, "label": "from the socket"}, timeout=120)
d = a.get("return")
if not isinstance(d, dict) or d.get("umbra_dump") != 1 or d.get("reason") != "control" \
        or d.get("label") != "from the socket" or not d.get("address_spaces"):
    problems.append(f"dump: {str(a)[:200]}")
else:
    with open(out_dump, "w") as o:
        o.write(json.dumps(d) + "\n")
    if "trace" not in d:
        problems.append("a dump while tracing has no trace")
# The VM went on meanwhile.
time.sleep(0.5)
later = request("query-stats", rid="stats2").get("return", {})
if not later.get("exits", 0) > st.get("exits", 0):
    problems.append(f"exits did not grow: {st.get('exits')} then {later.get('exits')}")
for p in problems[:20]:
    print(p)
sys.exit(1 if problems else 0)
