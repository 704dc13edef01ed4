#!/usr/bin/env python3
"""Drive a running `qgate watch`: save files and time how long until the change's event is
in the events file and /api/status shows the new state. Then a 1,000-file burst, compared
with `qgate check`.

usage: watch_latency.py REPO ADDR EVENTS QGATE [SAVES]
"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

SAFE = 'from flask import request\nimport os\n\n\ndef read():\n    name = os.path.basename(request.args.get("n"))\n    return open(name).read()\n'
VULN = 'from flask import request\n\n\ndef read():\n    name = request.args.get("n")\n    return open(name).read()\n'


def get(addr, path):
    with urllib.request.urlopen(f"http://{addr}{path}", timeout=30) as r:
        return r.read()


def status(addr):
    return json.loads(get(addr, "/api/status"))


def open_set(report):
    return sorted(
        f["fingerprint"]
        for c in report["checks"]
        for f in c["findings"]
        if not f["suppressed"] and f["severity"] != "note"
    )


def wait_for_growth(path, size, deadline):
    while time.perf_counter() < deadline:
        try:
            if os.stat(path).st_size > size:
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.0002)
    return False


def settle(addr, before, quiet=1.0):
    """Waits for evaluations to pass `before` and then stop for `quiet` seconds."""
    deadline = time.time() + 120
    last = status(addr)["evaluations"]
    while last <= before and time.time() < deadline:
        time.sleep(0.05)
        last = status(addr)["evaluations"]
    while time.time() < deadline:
        time.sleep(quiet)
        st = status(addr)
        now = st["evaluations"]
        if now == last and not st.get("pending"):
            return now
        last = now
    raise SystemExit("watch never settled")


def main():
    repo, addr, events, qgate = sys.argv[1:5]
    saves = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    target = os.path.join(repo, "src", "bench_target.py")
    lat = []
    with open(target, "w") as f:
        f.write(SAFE)
    settle(addr, status(addr)["evaluations"] - 1, quiet=0.5)
    for i in range(saves):
        text = VULN if i % 2 == 0 else SAFE
        size = os.stat(events).st_size if os.path.exists(events) else 0
        t0 = time.perf_counter()
        with open(target, "w") as f:
            f.write(text)
        if not wait_for_growth(events, size, t0 + 10):
            raise SystemExit(f"save {i}: no event within 10 s")
        t1 = time.perf_counter()
        # The status was published before the event was written: it must show the change.
        st = status(addr)
        has = any(
            f.get("path") == "src/bench_target.py" and not f["suppressed"]
            for c in st["checks"]
            for f in c["findings"]
        )
        if has != (text == VULN):
            raise SystemExit(f"save {i}: /api/status does not show the change")
        lat.append((t1 - t0) * 1000)
        time.sleep(0.03)
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
    print(f"saves: {len(lat)}  p50 {p(0.50):.1f} ms  p95 {p(0.95):.1f} ms  max {lat[-1]:.1f} ms  mean {statistics.mean(lat):.1f} ms")

    # A 1,000-file burst, as a branch checkout writes it.
    before = status(addr)["evaluations"]
    t0 = time.perf_counter()
    for i in range(1000):
        d = os.path.join(repo, "burst", f"d{i % 20}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"b{i}.py"), "w") as f:
            f.write(VULN if i % 100 == 0 else SAFE)
    after = settle(addr, before)
    st = status(addr)
    check = json.loads(subprocess.run([qgate, "check", "--format", "json"], cwd=repo,
                                      capture_output=True, text=True).stdout)
    same = open_set(st) == open_set(check)
    print(f"burst: 1000 files -> {after - before} evaluation(s), "
          f"{(time.perf_counter() - t0):.2f} s to settle (incl. 1 s quiet check); "
          f"final state equals `qgate check`: {same}")
    if not same:
        raise SystemExit("burst: watch state differs from qgate check")


if __name__ == "__main__":
    main()
