# shellcheck shell=bash
# Deprecated: source tests/lib/tap.sh, the test library, which absorbed this file. Kept so that a
# suite written against it still runs (it sets top, BUILD, dg, work, check, mint_cert, start_serve
# ... as before); remove it once no suite sources it.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
# shellcheck disable=SC2317 # for suites that trap EXIT themselves: trap '...; cleanup' EXIT
cleanup() { tap_run_cleanups; }
