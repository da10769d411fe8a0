"""Figures for Benchmarks/build-time.sh.

  build-time-modules.py STATS-DIR [--total-cpu SECONDS] [--brief]
      per module: compiler jobs, wall and CPU seconds, from the files `-stats-output-dir` wrote
  build-time-modules.py --typecheck BUILD-LOG SOURCES-DIR
      the slowest 30 function bodies and 30 expressions of our own code, from the output of
      `-debug-time-function-bodies` and `-debug-time-expression-type-checking`
"""

import collections
import glob
import json
import os
import re
import sys

OWN = re.compile(r"^(Tongban\w*|tongban)$")


def modules(stats_dir, total_cpu, brief):
    wall = collections.Counter()
    cpu = collections.Counter()
    jobs = collections.Counter()
    for path in glob.glob(os.path.join(stats_dir, "*.json")):
        with open(path) as f:
            stats = json.load(f)
        for key, value in stats.items():
            match = re.match(r"time\.swift-frontend\.([^-]+)-.*\.(wall|user|sys)$", key)
            if not match:
                continue
            module, kind = match.groups()
            if kind == "wall":
                wall[module] += value
                jobs[module] += 1
            else:
                cpu[module] += value
    own = [m for m in cpu if OWN.match(m)]
    others = [m for m in cpu if not OWN.match(m)]
    if brief:
        rebuilt = ", ".join(f"{m} {cpu[m]:.1f} s" for m in sorted(own, key=lambda m: -cpu[m]))
        print(f"   recompiled: {rebuilt or 'none of ours'}; {len(others)} dependency modules")
        return
    print(f"   {'module':<28}{'jobs':>6}{'wall s':>10}{'CPU s':>10}")
    for module in sorted(own, key=lambda m: -cpu[m]):
        print(f"   {module:<28}{jobs[module]:>6}{wall[module]:>10.1f}{cpu[module]:>10.1f}")
    own_cpu = sum(cpu[m] for m in own)
    dependency_cpu = sum(cpu[m] for m in others)
    print(f"   our modules together: {own_cpu / 60:.1f} CPU-min")
    slowest = sorted(others, key=lambda m: -cpu[m])[:8]
    print(f"   Swift dependencies ({len(others)} modules): {dependency_cpu / 60:.1f} CPU-min; slowest: "
          + ", ".join(f"{m} {cpu[m]:.0f} s" for m in slowest))
    if total_cpu is not None:
        rest = total_cpu - own_cpu - dependency_cpu
        print(f"   C modules, SwiftPM and linking (the rest): {rest / 60:.1f} CPU-min")


def typecheck(log_path, sources):
    sources = os.path.realpath(sources) + "/"
    bodies = {}
    expressions = {}
    # `-debug-time-function-bodies`: "12.3ms<TAB>path:row:column<TAB>what";
    # `-warn-long-expression-type-checking=N`: "path:row:column: warning: expression took 12ms to type-check"
    body_format = re.compile(r"^(\d+(?:\.\d+)?)ms\t([^\t]+?):(\d+):(\d+)\t(.*)$")
    expression_format = re.compile(r"^(/[^:]+):(\d+):(\d+): warning: expression took (\d+)ms to type-check")
    with open(log_path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            match = body_format.match(line)
            if match:
                ms, path, row, column, what = match.groups()
            else:
                match = expression_format.match(line)
                if not match:
                    continue
                path, row, column, ms = match.groups()
                what = None
            if not os.path.realpath(path).startswith(sources):
                continue
            place = f"{os.path.relpath(os.path.realpath(path), os.path.dirname(sources.rstrip('/')))}:{row}:{column}"
            table = bodies if what else expressions
            label = re.sub(r"@/\S+$", "", what or "")
            if float(ms) > table.get(place, (0, ""))[0]:
                table[place] = (float(ms), label)
    for title, table in (("function bodies", bodies), ("expressions", expressions)):
        ranked = sorted(table.items(), key=lambda entry: -entry[1][0])
        over = sum(1 for _, (ms, _) in ranked if ms > 200)
        counted = "timed" if table is bodies else "over 10 ms"
        print(f"-- the slowest 30 {title} ({len(table)} {counted}; {over} over 200 ms)")
        for place, (ms, label) in ranked[:30]:
            print(f"   {ms:8.1f} ms  {place}  {label}")


def main(arguments):
    if arguments and arguments[0] == "--typecheck":
        typecheck(arguments[1], arguments[2])
        return
    stats_dir = arguments[0]
    total_cpu = None
    if "--total-cpu" in arguments:
        total_cpu = float(arguments[arguments.index("--total-cpu") + 1])
    modules(stats_dir, total_cpu, "--brief" in arguments)


main(sys.argv[1:])
