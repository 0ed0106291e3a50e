#!/usr/bin/env bash
# Golden AdmissionReviews (tests/golden/admission/<case>/request.json, made by render-objects.sh)
# through the decoder: expected.txt is the exact `path image` list, or `CODE message-substring`
# for a malformed request. Prints TAP. Needs BUILD (absolute build dir with the test tools).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
cd "$top/tests/golden" || exit 1
driver=$BUILD/tests/golden/admission_golden
need_exec "$driver"
for dir in admission/*/; do
  case=$(basename "$dir")
  got=$("$driver" "$dir/request.json" 2>&1)
  rc=$?
  expected=$(cat "$dir/expected.txt")
  code=${expected%% *}
  if [ $rc -ne 0 ]; then
    fail "admission/$case: driver exited $rc"
    printf '%s\n' "$got" | sed 's/^/#   /'
  elif [ "$code" = invalid ] || [ "$code" = limit ]; then
    want=${expected#* }
    if [ "${got%% *}" = "$code" ] && [[ "$got" == *"$want"* ]]; then
      pass "admission/$case rejected: $got"
    else
      fail "admission/$case: want '$code ...$want...'"
      printf '#   got: %s\n' "$got"
    fi
  elif [ "$got" = "$expected" ]; then
    pass "admission/$case: $(printf '%s' "$expected" | grep -c . || true) images"
  else
    fail "admission/$case: image list differs"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") | sed 's/^/#   /'
  fi
done
done_testing
