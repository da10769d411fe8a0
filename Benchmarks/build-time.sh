#!/usr/bin/env bash
# Budgets (2 cores, a clean clone): release build of `tongban` ≤ 20 min, the project's own modules
# ≤ 6 CPU-minutes of it; `swift run tongban serve` ready ≤ 10 min; after editing one handler
# `swift build` ≤ 45 s, after editing one core rule ≤ 90 s; no function body or expression of our
# own code type-checks in more than 200 ms; `swift test` on SQLite, already built, ≤ 4 min.
# Usage: Benchmarks/build-time.sh [work-folder]   (about 25 minutes; nothing else should build)
#
# It clones the repository's HEAD into the work folder, so what is timed is what a newcomer gets
# (the local changes of the working tree are not in it). Per-module times come from the compiler's
# own statistics (`-stats-output-dir`: one file per compiler job, with its wall and CPU time);
# C modules (SQLite, BoringSSL, NIO's C parts) and linking are the rest. It prints figures;
# nothing fails on a slow one.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/tongban-build-time}
rm -rf "$work"
mkdir -p "$work"
git clone -q . "$work/clone"
cd "$work/clone"
stats="$work/stats"
flags=(-Xswiftc -stats-output-dir -Xswiftc "$stats")

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.0f}')" "$1"; }
# wall time and CPU time (user + system, the children included) of a command
timed() {
  local out=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$out" 2>&1 || { tail -n 30 "$out"; exit 1; }
  read -r wall user system <"$work/time"
  cpu=$(python3 -c "print(f'{$user + $system:.0f}')")
  wall=$(seconds "$wall")
}
minutes() { python3 -c "import sys; s = int(sys.argv[1]); print(f'{s // 60} min {s % 60:02d} s')" "$1"; }
modules() { python3 Benchmarks/build-time-modules.py "$stats" "$@"; }

echo "== clean release build: swift build -c release --product tongban"
rm -rf "$stats"
mkdir -p "$stats"
timed "$work/release.log" swift build -c release --product tongban "${flags[@]}"
echo "wall $(minutes "$wall"), CPU $(minutes "$cpu")"
modules --total-cpu "$cpu"

echo
echo "== clean debug build and first start: swift run tongban serve → /readyz"
rm -rf "$stats"
mkdir -p "$stats"
port=18191
start=$(date +%s%N)
TONGBAN_PORT=$port TONGBAN_DATA_DIR="$work/data" swift run "${flags[@]}" tongban serve >"$work/debug.log" 2>&1 &
server=$!
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { tail -n 30 "$work/debug.log"; exit 1; }
  sleep 0.5
done
ready=$(( ($(date +%s%N) - start) / 1000000000 ))
kill "$server"
wait "$server" 2>/dev/null || true
echo "ready after $(minutes "$ready") (build, then migrate and seed a fresh SQLite database)"
modules

# An edit inside one function body, as a working session makes them; the edit is undone after.
edit_and_build() {
  local what=$1 file=$2
  cp "$file" "$work/saved.swift"
  python3 - "$file" <<'EOF'
import re, sys
path = sys.argv[1]
lines = open(path).read().split("\n")
for number, line in enumerate(lines):
    # the first plain string literal inside a body (indented twice or more) gets one more character
    match = re.search(r'"([^"\\]+)"', line) if line.startswith(" " * 8) and not line.strip().startswith("//") else None
    if match:
        lines[number] = line[: match.end(1)] + " " + line[match.end(1) :]
        break
else:
    sys.exit("no string literal in a body of " + path)
open(path, "w").write("\n".join(lines))
EOF
  rm -rf "$stats"
  mkdir -p "$stats"
  timed "$work/incremental.log" swift build --product tongban "${flags[@]}"
  echo "$what ($file): $wall s (CPU $cpu s)"
  modules --brief
  cp "$work/saved.swift" "$file"
  swift build --product tongban "${flags[@]}" >/dev/null 2>&1
}

echo
echo "== incremental debug builds: swift build --product tongban after one edit"
swift build --product tongban "${flags[@]}" >/dev/null 2>&1
edit_and_build "one handler" Sources/TongbanCases/Applications/ApplicationAPI.swift
edit_and_build "one core rule" Sources/TongbanCore/Calendar/WorkingDayCalendar.swift

echo
echo "== swift test on SQLite, already built"
swift build --build-tests "${flags[@]}" >/dev/null 2>&1
timed "$work/test.log" env -u TONGBAN_TEST_POSTGRES_URL swift test --skip-build
echo "swift test: $(minutes "$wall") ($(grep -E 'Test run with .* passed|tests? passed|failed' "$work/test.log" | tail -n 1))"

echo
echo "== type-checking of our own code (debug, own modules only; TONGBAN_TYPECHECK_TIMES adds the flags)"
TONGBAN_TYPECHECK_TIMES=1 swift build --product tongban "${flags[@]}" >"$work/typecheck.log" 2>&1
python3 Benchmarks/build-time-modules.py --typecheck "$work/typecheck.log" "$work/clone/Sources"
