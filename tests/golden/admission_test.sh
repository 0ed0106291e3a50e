#!/usr/bin/env bash
# Golden AdmissionReviews (tests/golden/admission/<case>/request.json, made by render-objects.sh)
# through the decoder: expected.txt is the exact `path image` list, or `CODE message-substring`
# for a malformed request. Prints TAP. Needs BUILD (absolute build dir with the test tools).
set -uo pipefail
cd "$(dirname "$0")" || exit 1
driver=${BUILD:?BUILD must name the build dir}/tests/integration/admission_golden
if [ ! -x "$driver" ]; then
  echo "not ok - admission golden driver missing: $driver (make unit)"
  exit 1
fi
n=0
fail=0
for dir in admission/*/; do
  case=$(basename "$dir")
  n=$((n + 1))
  got=$("$driver" "$dir/request.json" 2>&1)
  rc=$?
  expected=$(cat "$dir/expected.txt")
  code=${expected%% *}
  if [ $rc -ne 0 ]; then
    echo "not ok $n - admission/$case: driver exited $rc"
    printf '%s\n' "$got" | sed 's/^/#   /'
    fail=1
  elif [ "$code" = invalid ] || [ "$code" = limit ]; then
    want=${expected#* }
    if [ "${got%% *}" = "$code" ] && [[ "$got" == *"$want"* ]]; then
      echo "ok $n - admission/$case rejected: $got"
    else
      echo "not ok $n - admission/$case: want '$code ...$want...'"
      printf '#   got: %s\n' "$got"
      fail=1
    fi
  elif [ "$got" = "$expected" ]; then
    echo "ok $n - admission/$case: $(printf '%s' "$expected" | grep -c . || true) images"
  else
    echo "not ok $n - admission/$case: image list differs"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") | sed 's/^/#   /'
    fail=1
  fi
done
echo "1..$n"
exit $fail
