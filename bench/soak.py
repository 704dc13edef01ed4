#!/usr/bin/env python3
"""Random churn against a running `qgate watch` for a while: source files saved (vulnerable
or safe), created, deleted and renamed, tasks moved between statuses, now and then a burst.
RSS is sampled throughout. At the end: the watch state must equal `qgate check`, and
replaying the events file (opened/resolved) must give exactly the open violations.

usage: soak.py REPO ADDR EVENTS QGATE PID SECONDS
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request

SAFE = 'from flask import request\nimport os\n\n\ndef read():\n    name = os.path.basename(request.args.get("n"))\n    return open(name).read()\n'
VULN = 'from flask import request\n\n\ndef read():\n    name = request.args.get("n")\n    return open(name).read()\n'
STATUSES = ["todo", "in_progress", "review", "done"]


def status(addr):
    with urllib.request.urlopen(f"http://{addr}/api/status", timeout=60) as r:
        return json.loads(r.read())


def open_set(report):
    return {
        (c["id"], f["fingerprint"])
        for c in report["checks"]
        for f in c["findings"]
        if not f["suppressed"] and f["severity"] != "note"
    }


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    repo, addr, events, qgate, pid, seconds = sys.argv[1:7]
    seconds = float(seconds)
    rng = random.Random(7)
    churn_dir = os.path.join(repo, "churn")
    os.makedirs(churn_dir, exist_ok=True)
    tasks_dir = os.path.join(repo, "docs/agile/tasks")
    tasks = sorted(os.listdir(tasks_dir))
    files = []
    ops = {"save": 0, "create": 0, "delete": 0, "rename": 0, "move": 0, "burst": 0}
    rss = [(0.0, rss_kib(pid))]
    start = time.time()
    next_sample = start + 10
    n = 0
    while time.time() - start < seconds:
        r = rng.random()
        if r < 0.35 and files:
            with open(rng.choice(files), "w") as f:
                f.write(rng.choice([SAFE, VULN]))
            ops["save"] += 1
        elif (r < 0.55 and len(files) < 400) or not files:
            n += 1
            p = os.path.join(churn_dir, f"d{n % 13}", f"c{n}.py")
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(rng.choice([SAFE, VULN]))
            files.append(p)
            ops["create"] += 1
        elif r < 0.68:
            p = files.pop(rng.randrange(len(files)))
            os.remove(p)
            ops["delete"] += 1
        elif r < 0.80:
            i = rng.randrange(len(files))
            n += 1
            q = os.path.join(os.path.dirname(files[i]), f"r{n}.py")
            os.rename(files[i], q)
            files[i] = q
            ops["rename"] += 1
        elif r < 0.995:
            t = os.path.join(tasks_dir, rng.choice(tasks))
            with open(t) as f:
                text = f.read()
            text = re.sub(r"^status: .*$", f"status: {rng.choice(STATUSES)}", text, count=1, flags=re.M)
            tmp = t + ".tmp~"
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, t)  # an editor's atomic save
            ops["move"] += 1
        else:
            # A checkout and back: 200 files appear in a new tree, or the tree goes.
            burst = os.path.join(repo, "burst")
            if os.path.isdir(burst):
                shutil.rmtree(burst)
            else:
                for k in range(200):
                    p = os.path.join(burst, f"d{k % 5}", f"b{k}.py")
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    with open(p, "w") as f:
                        f.write(rng.choice([SAFE, SAFE, SAFE, VULN]))
            ops["burst"] += 1
        time.sleep(rng.uniform(0.005, 0.06))
        if time.time() >= next_sample:
            rss.append((time.time() - start, rss_kib(pid)))
            next_sample += 10
    # Let it settle.
    last = status(addr)["evaluations"]
    while True:
        time.sleep(2)
        st = status(addr)
        now = st["evaluations"]
        if now == last and not st.get("pending"):
            break
        last = now
    rss.append((time.time() - start, rss_kib(pid)))
    st = status(addr)
    check = json.loads(subprocess.run([qgate, "check", "--format", "json"], cwd=repo,
                                      capture_output=True, text=True).stdout)
    replay = set()
    with open(events) as f:
        for line in f:
            e = json.loads(line)
            key = (e.get("check"), e.get("fingerprint"))
            if e["event"] == "violation_opened":
                replay.add(key)
            elif e["event"] == "violation_resolved":
                replay.discard(key)
    watch_open = open_set(st)
    print(f"ran {seconds:.0f} s: {sum(ops.values())} operations {ops}, {st['evaluations']} evaluations")
    print(f"rss KiB: start {rss[0][1]}, after 10 s {rss[1][1] if len(rss) > 1 else '-'}, end {rss[-1][1]}, max {max(r for _, r in rss)}")
    print("rss KiB every minute: " + " ".join(str(r) for t, r in rss if int(t) % 60 < 10))
    print(f"open violations: watch {len(watch_open)}, qgate check {len(open_set(check))}, events replayed {len(replay)}")
    ok = watch_open == open_set(check) and replay == watch_open
    print(f"final state equals qgate check and the events: {ok}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
