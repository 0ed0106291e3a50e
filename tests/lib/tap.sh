# shellcheck shell=bash
# shellcheck disable=SC2034 # top, dg and work are for the suite that sources this file
# The test library: every tests/**/*_test.sh sources this file, which sources serve.sh (a running
# driftgate serve, certificates, review bodies), world.sh (the fixture world) and policy.sh (the
# parts fixture policies share) beside it:
#   # shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
#   . "$(dirname "$0")/../lib/tap.sh"
# It sets `set -uo pipefail` and defines:
#   top    the checkout;  BUILD  the build dir (default $top/build);  dg  $BUILD/driftgate
#   work   a temp dir, removed at exit
# TAP (stdout): ok STATUS NAME [DETAIL]  "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
#               and DETAIL as "# " lines (2000 bytes at most); always returns 0.
#   check       the same as ok (the name the serve suites use)
#   pass NAME, fail NAME [DETAIL], skip NAME REASON ("ok N - NAME # SKIP REASON"), diag TEXT
#   tap_lines TEXT   re-emits "ok - X" / "not ok - X" lines a helper program printed (numbered,
#                    counted); "# " lines pass through, other lines become diagnostics
#   bail NAME [DETAIL]  one failing test, then done_testing (for a missing prerequisite)
#   done_testing     prints the plan "1..N" and exits 0 when nothing failed, else 1
#   need_exec FILE... bails unless each FILE is executable (a binary `make unit` builds)
#   failed counts failures (a suite may add to it); tap_n counts tests.
# Cleanup stack: on_exit CMD [ARG...] registers a command; at exit (also on INT/TERM) they run
#   in reverse order of registration, output discarded. track_pid PID stops PID at exit, as
#   does adding it to the array bg_pids.
# Helpers: free_port (a free TCP port on 127.0.0.1), ms_now (milliseconds since the epoch).
[ -n "${DG_TAP_LIB:-}" ] && return 0
DG_TAP_LIB=1
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$top/build}
dg=$BUILD/driftgate

# --- TAP ----------------------------------------------------------------------------------
tap_n=0
failed=0
diag() { printf '%s\n' "$1" | head -c 2000 | sed 's/^/# /'; }
ok() { # STATUS NAME [DETAIL]
  tap_n=$((tap_n + 1))
  if [ "$1" = 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    failed=$((failed + 1))
    if [ -n "${3:-}" ]; then diag "$3"; fi
  fi
  return 0
}
check() { ok "$@"; }
pass() { ok 0 "$1"; }
fail() { ok 1 "$1" "${2:-}"; }
# judge_exit RC EXPECT PASS_NAME FAIL_NAME OUT: one test line for a verifier that exits 0 to
# accept ("pass"), 1 to refuse ("fail") and more on an error, against EXPECT (pass|fail); the
# failure shows the first 300 bytes of the file OUT. Adds 1 to agree or disagree.
agree=0 disagree=0
judge_exit() {
  local got=fail
  [ "$1" -eq 0 ] && got=pass
  if [ "$1" -gt 1 ]; then
    fail "$4: exit $1" "$(head -c 300 "$5")"
  elif [ "$got" = "$2" ]; then
    pass "$3"
    agree=$((agree + 1))
    return 0
  else
    fail "$4: expected $2, got $got" "$(head -c 300 "$5")"
  fi
  disagree=$((disagree + 1))
}
# golden_compare NAME GOT EXPECTED: the file GOT equals the golden file EXPECTED (UPDATE=1 first
# rewrites EXPECTED from GOT); a difference is shown as a diff.
golden_compare() {
  if [ "${UPDATE:-}" = 1 ]; then cp "$2" "$3"; fi
  if cmp -s "$2" "$3"; then
    pass "$1"
  else
    fail "$1: differs from $3" "$(diff "$3" "$2" | head -30)"
  fi
}
# golden_run LABEL DIR NAME WANT CMD...: CMD exits WANT and its stdout equals DIR/NAME (a golden
# file, as golden_compare); the stdout is kept as $work/NAME, the stderr as $work/err.
golden_run() {
  local label=$1 dir=$2 name=$3 want=$4 got status
  shift 4
  got=$("$@" 2>"$work/err")
  status=$?
  printf '%s\n' "$got" > "$work/$name"
  if [ "$status" != "$want" ]; then
    fail "$label: $name: exit $status, want $want" "$(head -c 300 "$work/err")"
  else
    golden_compare "$label: $name (exit $status)" "$work/$name" "$dir/$name"
  fi
}
skip() { # NAME REASON
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $1 # SKIP $2"
}
tap_lines() { # TEXT: lines "ok - NAME" / "not ok - NAME" (others pass through as diagnostics)
  local line
  while IFS= read -r line; do
    case $line in
      "ok - "*) pass "${line#ok - }" ;;
      "not ok - "*) fail "${line#not ok - }" ;;
      '' | '#'*) [ -z "$line" ] || printf '%s\n' "$line" ;;
      *) diag "$line" ;;
    esac
  done <<< "$1"
}
# py_checks WHAT [ARG...] < SCRIPT: runs the Python SCRIPT (python3 - ARG...) with tests/lib on its
# path (from tap_checks import t, done: t(name, cond, why) per check, done() at the end) and
# re-emits its checks as test lines; a script that fails is one more failing test, "WHAT ran".
py_checks() {
  local what=$1 out
  shift
  out=$(PYTHONPATH=$top/tests/lib /usr/bin/python3 - "$@")
  local rc=$?
  tap_lines "$out"
  [ "$rc" -eq 0 ] || fail "$what ran" "$(tail -3 <<< "$out")"
}
done_testing() {
  echo "1..$tap_n"
  exit $((failed > 0))
}
bail() { # NAME [DETAIL]
  ok 1 "$1" "${2:-}"
  done_testing
}
need_exec() { # FILE...
  local f
  for f in "$@"; do
    [ -x "$f" ] || bail "$f is built (make unit)"
  done
}

# --- cleanup stack ------------------------------------------------------------------------
tap_cleanups=()
on_exit() { # CMD [ARG...]
  tap_cleanups+=("$(printf '%q ' "$@")")
}
tap_run_cleanups() {
  local i
  for ((i = ${#tap_cleanups[@]} - 1; i >= 0; i--)); do
    eval "${tap_cleanups[i]}" > /dev/null 2>&1
  done
  tap_cleanups=()
}
stop_pid() { # PID: TERM, then reap
  kill "$1" 2> /dev/null
  wait "$1" 2> /dev/null
  return 0
}
track_pid() { on_exit stop_pid "$1"; }
trap tap_run_cleanups EXIT
trap 'exit 130' INT TERM

work=$(mktemp -d "${TMPDIR:-/tmp}/dg-$(basename "$0" .sh).XXXXXX")
on_exit rm -rf "$work"
bg_pids=() # background helpers a suite started (bg_pids+=($!)): stopped at exit
stop_bg() {
  local p
  for p in "${bg_pids[@]}"; do stop_pid "$p"; done
}
on_exit stop_bg

# --- small helpers ------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# shellcheck source=tests/lib/serve.sh # make shellcheck runs from the top
. "$top/tests/lib/serve.sh"
# shellcheck source=tests/lib/world.sh # make shellcheck runs from the top
. "$top/tests/lib/world.sh"
# shellcheck source=tests/lib/policy.sh # make shellcheck runs from the top
. "$top/tests/lib/policy.sh"
