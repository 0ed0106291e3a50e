#!/usr/bin/env bash
# tests/bench/run.sh — every tests/bench/*_bench.sh, one after another (they share the CPUs, so
# never in parallel), each with BUILD and DG_SHARED set. Prints each bench's ratio lines (lines
# containing "ratio", not comments) and, on failure, its last lines.
# Logs: $BUILD/bench-logs/<name>.log. Exit 1 if any bench failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
export DG_SHARED=${DG_SHARED:-$(cd "$top/.." && pwd)/shared}
logs=$BUILD/bench-logs
# The Python baselines run the interpreter itself, not a version manager's shim (lib/python_direct.sh).
# shellcheck source=tests/lib/python_direct.sh
. "$top/tests/lib/python_direct.sh"
python_direct "$BUILD/python-direct"
mkdir -p "$logs"
failed=0
ran=0
# What README quotes is this output verbatim: say when and on what it ran.
echo "# make bench $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2> /dev/null || echo '?'), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# python3 for the Python baselines: $(readlink -f "$(command -v python3)") ($(python3 -c 'import platform; print(platform.python_version())'))"
for b in tests/bench/*_bench.sh; do
  [ -e "$b" ] || continue
  [ -n "${DG_ONLY:-}" ] && [[ "$b" != *"$DG_ONLY"* ]] && continue
  name=$(basename "$b" .sh)
  ran=$((ran + 1))
  start=$(date +%s)
  bash "$b" > "$logs/$name.log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  lines=$(grep -i 'ratio' "$logs/$name.log" | grep -vE '^(#|ok |not ok )')
  if [ "$rc" -eq 0 ] && [ -n "$lines" ]; then
    echo "$lines"
    echo "# $name: ${secs}s, log $logs/$name.log"
  else
    failed=$((failed + 1))
    echo "not ok - $name exited $rc${lines:+ }${lines:-, no result line} (log $logs/$name.log)"
    tail -8 "$logs/$name.log" | sed 's/^/#   /'
  fi
done
[ "$ran" -gt 0 ] || { echo "not ok - no tests/bench/*_bench.sh"; exit 1; }
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failed" -eq 0 ]
