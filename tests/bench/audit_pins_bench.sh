#!/usr/bin/env bash
# `driftgate audit pins` on a generated repository of 200 workflows and 50 Dockerfiles (each
# workflow 3 jobs with 8 steps, a container and a service; each Dockerfile 3 stages with ARG
# defaults, COPY --from and a RUN), against the same walk done with find + grep in one run: find
# the same files and grep the lines a pin check reads (uses:, image:, container:, FROM, COPY
# --from, --mount=from). grep only finds the lines; driftgate parses, resolves and judges them.
# 3 rounds, the two alternated within each round (10 runs each per round, so a round is long
# enough to time); prints the per-round ratio driftgate / grep as min/median/max (tests/bench/
# lib.sh; lower = closer to grep's cost). Not in `make test`. Env: BUILD.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-$top/build}
dg=$BUILD/driftgate
[ -x "$dg" ] || { echo "not ok - $dg not built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/.github/workflows"
sha=11bd71901bbe5b1630ceea73d27597364c9af683
dig=sha256:$(printf x | sha256sum | cut -d' ' -f1)
for w in $(seq 200); do
  {
    printf 'name: w%d\non: push\njobs:\n' "$w"
    for j in 1 2 3; do
      printf '  j%d:\n    runs-on: ubuntu-latest\n    container:\n      image: node:20@%s\n' "$j" "$dig"
      printf '    services:\n      db:\n        image: postgres:16\n    steps:\n'
      printf '      - uses: actions/checkout@%s # v4.2.2\n' "$sha"
      printf '      - uses: actions/setup-node@v4\n      - uses: third/party-%d@v1\n' "$w"
      printf '      - uses: docker://alpine@%s\n      - run: make test\n' "$dig"
      printf '      - run: |\n          curl -fsSLo t.tgz https://example.com/t.tgz\n'
      printf '          echo "%s  t.tgz" | sha256sum -c -\n' "${dig#sha256:}"
      printf '      - uses: ./.github/actions/local\n      - uses: acme/tool@%s\n' "$sha"
    done
  } > "$repo/.github/workflows/w$w.yml"
done
for d in $(seq 50); do
  mkdir -p "$repo/svc$d"
  {
    # shellcheck disable=SC2016 # ${GO} and $GO are Dockerfile ARG references, written literally
    printf 'ARG GO=golang:1.22@%s\nFROM ${GO} AS build\n' "$dig"
    printf 'RUN --mount=type=bind,from=ghcr.io/acme/tools:1,target=/t go build ./...\n'
    # shellcheck disable=SC2016 # as above
    printf 'COPY --from=alpine:3.20 /bin/sh /sh\nFROM $GO AS test\nRUN go test ./...\n'
    printf 'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n'
  } > "$repo/svc$d/Dockerfile"
done
"$dg" audit pins "$repo" > "$work/dg.txt"
status=$?
if [ $status != 1 ] || ! grep -q '^driftgate audit pins .*: 250 files' "$work/dg.txt"; then
  echo "not ok - audit pins on the generated repository: exit $status, $(head -1 "$work/dg.txt")"
  exit 1
fi
run_dg() { "$dg" audit pins "$repo" --format json > /dev/null; }
run_grep() {
  find "$repo" \( -path '*/.github/workflows/*.yml' -o -name 'Dockerfile*' \) -type f \
    -exec grep -HnE '^\s*(-\s*)?uses:|image:|container:|^FROM|--from=' {} + > /dev/null
}
# CPU time (user + sys of the children) per run in microseconds: the machine is shared, and wall
# time there measures the queue for a core more than either tool.
cpu_us() { tail -1 "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } printf "%d", n * 1000000 }'; }
ms() { # `times` must run in the shell that started the runs, not in a $(...) of its own
  times > "$work/t0"
  for _ in 1 2 3 4 5 6 7 8 9 10; do "$@"; done
  times > "$work/t1"
  echo $((($(cpu_us "$work/t1") - $(cpu_us "$work/t0")) / 10))
}
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
: > "$work/rounds"
for round in 1 2 3; do
  if bench_first_odd "$round"; then d=$(ms run_dg); g=$(ms run_grep); else g=$(ms run_grep); d=$(ms run_dg); fi
  echo "$d $g" >> "$work/rounds"
done
echo "# 200 workflows + 50 Dockerfiles, $(grep -c '' "$work/dg.txt") report lines; CPU microseconds per run (user+sys; 3 rounds x 10 runs, alternated)"
bench_ratio "audit pins (200 workflows + 50 Dockerfiles, CPU time per run)" driftgate find+grep us "$work/rounds"
