# shellcheck shell=bash
# tests/bench/lib.sh: sourced by the *_bench.sh scripts. Every ratio a bench prints comes from
# here, so every ratio is said the same way: each round measures both sides (their order
# alternating between rounds), the ratio is taken per round, and the line gives the ratio's
# min/median/max over the rounds with each side's median.

# A bench run on its own times the interpreter too, not a shim (tests/lib/python_direct.sh).
# shellcheck source=tests/lib/python_direct.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/python_direct.sh"
python_direct "${BUILD:-$(dirname "${BASH_SOURCE[0]}")/../../build}/python-direct"

# bench_now_us: the wall clock in microseconds.
bench_now_us() { echo $(($(date +%s%N) / 1000)); }

# bench_first_odd ROUND: true when this round runs side A first (odd rounds), so callers alternate.
bench_first_odd() { [ $(($1 % 2)) -eq 1 ]; }

# bench_ratio LABEL A_NAME B_NAME UNIT FILE [WHICH]
# FILE holds one line per round, "A B" (the two sides' measurements in UNIT). WHICH is "A/B"
# (default) or "B/A": the ratio printed. Prints
#   LABEL: ratio A/B min X median Y max Z (R rounds alternated; A median a UNIT, B median b UNIT)
# and returns 1 (printing "not ok") when FILE has fewer than 3 rounds or a zero denominator.
bench_ratio() {
  local label=$1 a=$2 b=$3 unit=$4 file=$5 which=${6:-A/B}
  awk -v label="$label" -v an="$a" -v bn="$b" -v unit="$unit" -v which="$which" '
    function sort(v, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t } }
    function median(v, n) { return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    NF >= 2 { n++; x[n] = $1; y[n] = $2
              den = which == "A/B" ? $2 : $1; num = which == "A/B" ? $1 : $2
              if (den <= 0) bad = 1; else r[n] = num / den }
    END {
      if (n < 3 || bad) { printf "not ok - %s: %d rounds%s\n", label, n, bad ? ", a zero measurement" : " (3 or more needed)"; exit 1 }
      sort(r, n); sort(x, n); sort(y, n)
      name = which == "A/B" ? an "/" bn : bn "/" an
      printf "%s: ratio %s min %.2f median %.2f max %.2f (%d rounds alternated; %s median %.6g %s, %s median %.6g %s)\n",
             label, name, r[1], median(r, n), r[n], n, an, median(x, n), unit, bn, median(y, n), unit }' "$file"
}
