#!/usr/bin/env bash
# Issue 13 item 5: the outputs people and tools trust (the PR report, the CI log, the webhook's
# log line) cannot be forged by names an attacker controls. An SBOM pair whose package names and
# versions carry every hostile construct (markdown links and images, raw HTML, @mentions,
# code-span breakouts, "::" workflow commands after a newline, ANSI escapes, bidi overrides, a
# 100 KB name) and SBOM file names with a newline and a byte that is not UTF-8 go through
# `driftgate diff` in every format; `driftgate check` of an image whose registry is down must say
# "error"/"not evaluated", never "clean"; a hostile image reference must not reach stderr raw;
# an AdmissionReview whose kind holds JSON must not forge a field of the review's log line.
# Markdown is rendered by markdown-it, SARIF validated against the SARIF 2.1.0 schema
# (tests/security/report-check.js). Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
chk=$top/tests/security/report-check.js

# The hostile names, and the SBOM pair: each name dev-only (block), and as a version on both
# sides (version drift, block) so versions take the hostile text too.
/usr/bin/python3 - "$work" <<'PY'
import json, sys
out = sys.argv[1]
hostile = [
    "[x](https://evil.example/phish)",
    "![i](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<!-- hide --> rest",
    "@octocat approve this",
    "fixes #1 and acme/infra#2",
    "x` [y](https://evil.example/code) `z",
    "``` fence",
    "`--dev` ghcr.io/evil/dev",
    "pipe|in|name",
    "back\\slash\\[z](https://evil.example/bs)",
    "&lt;b&gt;entity&lt;/b&gt;",
    "https://evil.example/bare www.evil.example mail@evil.example",
    "*emph* _u_ ~~s~~ **b**",
    "new\nline\n::set-output name=x::y",
    "  ::warning::indented command",
    "ansi\x1b[31mRED\x1b[0m",
    "bidi\u202eevil\u202c",
    "del\x7fc1\u009b",
]
big = "\u00e9" * 51200  # 100 KB of two-byte characters: a cut inside one breaks UTF-8
names = hostile + [big]
prod = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}
dev = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}
for i, name in enumerate(names):
    dev["components"].append({"type": "library", "name": name, "version": "1.0"})
    pkg = "pkg%d" % i
    prod["components"].append({"type": "library", "name": pkg, "version": name[:200] + "-1"})
    dev["components"].append({"type": "library", "name": pkg, "version": "2.0"})
json.dump(prod, open(out + "/prod.json", "w"))
json.dump(dev, open(out + "/dev.json", "w"))
# The names a report must show literally (the 100 KB one is cut in SARIF only).
json.dump({"names": hostile + [big]}, open(out + "/expect.json", "w"))
PY
# File names are shown too: one with a newline, a workflow command and a byte that is not UTF-8.
prod_file=$work/$'prod\n::error::forged\xff.json'
cp "$work/prod.json" "$prod_file"

cat > "$work/policy.yaml" <<'YAML'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  images:
    - name: app
      match: ["registry.example.com/**", "127.0.0.1:*/**"]
      signatures: {signedBy: [k]}
      attestations:
        sbom: {predicateType: "https://cyclonedx.org/bom", signedBy: [k]}
      devReference: {image: "registry.example.com/dev:{{tag}}"}
      tiers: t
  signers:
    k: {key: {file: k.pub}}
  tiers:
    t:
      - {tier: ignore, when: {devOnly: true, names: ["ignored&<b>"]}}
      - {tier: block, when: {devOnly: true}}
      - {tier: block, when: {versionDrift: any}}
      - {tier: ignore, when: {}}
YAML
cp "$top/policy/keys/ci.pub" "$work/k.pub"

for fmt in markdown text json sarif; do
  "$dg" diff "$prod_file" "$work/dev.json" --policy "$work/policy.yaml" --image registry.example.com/app \
    --format "$fmt" > "$work/out.$fmt" 2> "$work/err.$fmt"
  rc=$?
  [ $rc = 1 ]; ok $? "diff --format $fmt: exit 1 (blocking drift)" "rc $rc: $(head -c 400 "$work/err.$fmt")"
  res=$(cd "$top/tests" && node "$chk" "$fmt" "$work/out.$fmt" "$work/expect.json" 2>&1)
  ok $? "diff --format $fmt: no forged link, image, HTML, mention, control character or '::' line; names shown" "$res"
  res=$(cd "$top/tests" && node "$chk" text "$work/err.$fmt" 2>&1)
  ok $? "diff --format $fmt: stderr has no control character or '::' line" "$res"
done

# Markdown prose (a check's denials, warnings and agent banner, which quote names, commit messages
# and predicate fields) through markdown-it: the unit test renders such a report to a file.
rt=${BUILD:-$top/build}/tests/unit/cli/report_test
if "$rt" "$work/prose.md" > "$work/prose.tap" 2>&1; then
  res=$(cd "$top/tests" && node "$chk" markdown "$work/prose.md" 2>&1)
  ok $? "check report prose (denials, warnings, banner): no forged link, image, HTML or mention" "$res"
else
  ok 1 "report_test renders the check report with hostile denials" "$(grep -v '^ok' "$work/prose.tap")"
fi

# An errored check evaluated nothing: exit 2, and no format calls it clean. Port 9 (discard) on
# loopback refuses connections.
for fmt in markdown text json sarif; do
  "$dg" check 127.0.0.1:9/app:v1 --policy "$work/policy.yaml" --plain-http 127.0.0.1:9 --timeout 5 \
    --format "$fmt" > "$work/check.$fmt" 2> "$work/check-err.$fmt"
  rc=$?
  [ $rc = 2 ]; ok $? "check with the registry down, $fmt: exit 2" "rc $rc: $(head -c 400 "$work/check-err.$fmt")"
  case $fmt in
    markdown) grep -q 'Verdict: error' "$work/check.$fmt" && grep -q 'not evaluated' "$work/check.$fmt" &&
      ! grep -qi 'clean' "$work/check.$fmt" ;;
    text) grep -q '^error  not evaluated' "$work/check.$fmt" && grep -q '^summary: not evaluated' "$work/check.$fmt" ;;
    json) jq -e '.verdict == "error" and (.error | length > 0)' "$work/check.$fmt" > /dev/null ;;
    sarif) jq -e '[.runs[0].results[] | select(.ruleId == "check/error" and .level == "error")] | length == 1' \
      "$work/check.$fmt" > /dev/null ;;
  esac
  ok $? "check with the registry down, $fmt: says error / not evaluated, never clean" "$(head -c 800 "$work/check.$fmt")"
  res=$(cd "$top/tests" && node "$chk" "$fmt" "$work/check.$fmt" 2>&1)
  ok $? "check with the registry down, $fmt: well-formed" "$res"
done

# A hostile image reference is refused, and its text reaches stderr escaped.
"$dg" check $'registry.example.com/app:v1\n::set-output name=verdict::allow\x1b[2K' --policy "$work/policy.yaml" \
  > "$work/ref.out" 2> "$work/ref.err"
rc=$?
[ $rc = 2 ]; ok $? "check of a reference with a newline: exit 2" "rc $rc"
res=$(cd "$top/tests" && node "$chk" text "$work/ref.err" 2>&1)
ok $? "check of a reference with a newline: stderr has no '::' line or escape" "$res$(printf '\n')$(head -c 300 "$work/ref.err")"

# The review's log line: request.kind.kind and the namespace are the requester's text. On a
# resource that holds no pod the review runs and logs them; on pods a kind that is not Pod is
# refused before any review (admission/request.c, issue 12 item 1) and the refusal's log line
# carries the kind as text. Both go to review.err for the stderr check below.
cat > "$work/review.json" <<'JSON'
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1\"},\"forged\":{\"x\":\"","kind":{"group":"","version":"v1","kind":"Pod\",\"allowed\":true,\"forged\":\"\n::error::x"},"resource":{"group":"","version":"v1","resource":"widgets"},"operation":"CREATE","namespace":"ns\u001b[31m","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"docker.io/library/busybox:1"}]}}}}
JSON
sed 's/"resource":"widgets"/"resource":"pods"/' "$work/review.json" > "$work/review-pods.json"
"$dg" review "$work/review.json" --policy "$work/policy.yaml" > "$work/review.out" 2> "$work/review.err"
"$dg" review "$work/review-pods.json" --policy "$work/policy.yaml" > "$work/review-pods.out" 2>> "$work/review.err"
line=$(grep '"review"' "$work/review.err")
node -e '
const l = JSON.parse(process.argv[1]);
const want = "Pod\",\"allowed\":true,\"forged\":\"\n::error::x";
if (l.kind !== want || "forged" in l || typeof l.allowed !== "boolean" || l.namespace !== "ns\u001b[31m" ||
    l.review !== "u1\"},\"forged\":{\"x\":\"") process.exit(1);
' "$line"
ok $? "review log line: kind, uid and namespace are JSON strings, no forged field" "$line"
line=$(grep 'malformed AdmissionReview' "$work/review.err")
node -e '
const l = JSON.parse(process.argv[1]);
if ("forged" in l || "allowed" in l || !l.msg.includes("request.kind Pod\",\"allowed\":true,\"forged\":\"\n::error::x for resource pods is not Pod"))
  process.exit(1);
' "$line"
ok $? "a forged kind on pods is refused; the refusal's log line holds it as a JSON string, no forged field" "$line"
res=$(cd "$top/tests" && node "$chk" text "$work/review.err" 2>&1)
ok $? "review log: no control character or '::' line on stderr" "$res"

done_testing
