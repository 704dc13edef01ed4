#!/usr/bin/env python3
"""Write N source files (Python and JavaScript, web-handler style) under DIR/src, for qgate
benchmarks. About one file in 50 holds a real path-traversal flow; the rest read request
input and sanitize it, or do plain work, so the scanner's prefilter lets many through.

usage: gen_sources.py DIR N
"""
import os
import sys

PY_SAFE = '''from flask import request, send_from_directory
import os


def handler_{i}():
    name = os.path.basename(request.args.get("name", ""))
    with open(os.path.join("/srv/data", name)) as f:
        return f.read()


def helper_{i}(values):
    total = 0
    for v in values:
        total += int(v) * {i}
    return total
'''

PY_VULN = '''from flask import request


def handler_{i}():
    name = request.args.get("name", "")
    with open("/srv/data/" + name) as f:
        return f.read()
'''

JS_SAFE = '''const path = require("path");
const fs = require("fs");

function handler{i}(req, res) {{
  const name = path.basename(req.query.name || "");
  res.send(fs.readFileSync(path.join("/srv/data", name)));
}}

function sum{i}(xs) {{
  return xs.reduce((a, b) => a + b, {i});
}}

module.exports = {{ handler{i}, sum{i} }};
'''

JS_VULN = '''const fs = require("fs");

function handler{i}(req, res) {{
  res.send(fs.readFileSync("/srv/data/" + req.query.name));
}}

module.exports = {{ handler{i} }};
'''


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        sub = os.path.join(root, "src", f"pkg{i % 40}", f"mod{i % 7}")
        os.makedirs(sub, exist_ok=True)
        vuln = i % 50 == 49
        if i % 3 == 2:
            text = (JS_VULN if vuln else JS_SAFE).format(i=i)
            name = f"h{i}.js"
        else:
            text = (PY_VULN if vuln else PY_SAFE).format(i=i)
            name = f"h{i}.py"
        with open(os.path.join(sub, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
