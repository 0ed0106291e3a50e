#!/usr/bin/env bash
# `driftgate trust update` against TUF repositories built by tests/support/tuf-repo.js and served
# on 127.0.0.1, with tuf-js's Updater as the oracle on the same URLs: every good repository gives
# both clients the same trusted_root.json; every attack of the TUF specification (root rotation
# below threshold, rollback, freeze, mix-and-match, threshold not met, expired metadata, oversized
# metadata and targets) is refused by both, driftgate with exit 1, a message naming the attack and
# the output file untouched. Multi-step scenarios keep one --state directory (and one tuf-js
# metadata directory), as a CronJob's runs do. Then: the atomic write, file:// mirrors, usage and
# network errors. Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"
tufjs=$top/tests/support/tuf-repo.js

repo=$work/repo
node "$tufjs" build "$repo" 2> "$work/build.log"
check $? "TUF repositories built with @tufjs/canonical-json" "$(cat "$work/build.log")"
node "$tufjs" serve "$repo" "$work/port" 2>> "$work/serve.log" &
track_pid $!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port" 2>/dev/null)
[ -n "$port" ]; check $? "repository server on 127.0.0.1:$port"
rbase=http://127.0.0.1:$port

sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

# scenario NAME STEP DIR EXPECT WHY: one run of both clients on $rbase/DIR
scenario() {
  local name=$1 step=$2 dir=$3 expect=$4 why=$5
  local st=$work/state/$name or=$work/oracle/$name out=$work/out/$name.json
  if [ "$step" = 0 ]; then
    mkdir -p "$st" "$or/meta" "$work/out"
    cp "$repo/$name/root.json" "$or/meta/root.json"
  fi
  local before rc oracle err
  before=$(sha "$out")
  "$dg" trust update --repo "$rbase/$dir" --root "$repo/$name/root.json" --out "$out" \
    --state "$st" > "$work/dg.out" 2> "$work/dg.err"
  rc=$?
  err=$(cat "$work/dg.err")
  oracle=$(node "$tufjs" oracle "$rbase/$dir" "$or/meta" "$or/target.json" 2>&1)
  if [ "$expect" = ok ]; then
    [ "$rc" = 0 ] && [ "${oracle%% *}" = ok ] && [ "$(sha "$out")" = "${oracle#ok }" ] &&
      grep -q "from root version" "$work/dg.out"
    check $? "$name step $step: driftgate and tuf-js fetch the same trusted_root.json" \
      "driftgate rc=$rc: $err$(cat "$work/dg.out")
tuf-js: $oracle"
  else
    [ "$rc" = 1 ] && [[ $err == *"$why"* ]] && [[ $err == *"trust root was not changed"* ]] &&
      [ "${oracle%% *}" = refused ] && [ "$(sha "$out")" = "$before" ]
    check $? "$name step $step: refused by driftgate ($why) and by tuf-js" \
      "driftgate rc=$rc: $err
tuf-js: $oracle"
  fi
}

while IFS=$'\t' read -r name step dir expect why; do
  scenario "$name" "$step" "$dir" "$expect" "$why"
done < "$repo/scenarios.tsv"

# The update-target scenario wrote the second trust root over the first one: a new file (rename),
# the content the repository's second targets.json lists.
out=$work/out/update-target.json
cmp -s "$out" "$top/tests/fuzz/corpus/trusted_root/staging.json"
check $? "a newer target replaces the trust root"

# Unchanged content is not rewritten (serve does not reload for nothing).
ino=$(stat -c %i "$work/out/good.json")
"$dg" trust update --repo "$rbase/good/0" --root "$repo/good/root.json" \
  --out "$work/out/good.json" > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q unchanged "$work/dg.out" && [ "$(stat -c %i "$work/out/good.json")" = "$ino" ]
check $? "an unchanged trust root is left in place" "rc=$rc $(cat "$work/dg.out")"
compgen -G "$work/out/*.tmp.*" > /dev/null
check $((!$?)) "no temporary files are left next to the output"

# A trailing slash on --repo names the same repository.
"$dg" trust update --repo "$rbase/good/0/" --root "$repo/good/root.json" \
  --out "$work/out/slash.json" > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "root version 3" "$work/dg.out" && cmp -s "$work/out/slash.json" "$work/out/good.json"
check $? "--repo URL/ with a trailing slash follows the whole root chain" "rc=$rc $(cat "$work/dg.out")"

# An air-gapped cluster mirrors the repository as files.
"$dg" trust update --repo "file://$repo/good/0" --root "$repo/good/root.json" \
  --out "$work/out/mirror.json" > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 0 ] && cmp -s "$work/out/mirror.json" "$work/out/good.json"
check $? "a file:// mirror of the repository works" "rc=$rc $(cat "$work/dg.out")"

# The state directory is what rollback protection across runs rests on: after the good run it
# holds root version 3, so the attacker-signed 2.root.json is not even fetched.
"$dg" trust update --repo "$rbase/root-attacker-key/0" --root "$repo/good/root.json" \
  --state "$work/state/good" --out "$work/out/x.json" > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 1 ] && ! grep -q "root.json" "$work/dg.out" &&
  grep -q '"version": 3' "$work/state/good/root.json"
check $? "--state keeps the newest verified root" "rc=$rc $(cat "$work/dg.out")"

# A --root that is not signed by its own keys is a usage error (2), before any network.
sed 's/"version": 1/"version": 9/' "$repo/good/root.json" > "$work/bad-root.json"
"$dg" trust update --repo "$rbase/good/0" --root "$work/bad-root.json" --out "$work/out/y.json" \
  > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "threshold" "$work/dg.out" && [ ! -e "$work/out/y.json" ]
check $? "a tampered --root is refused" "rc=$rc $(cat "$work/dg.out")"

# Unreachable repository: exit 2, the URL in the message, nothing written.
dead=$(free_port)
"$dg" trust update --repo "http://127.0.0.1:$dead" --root "$repo/good/root.json" \
  --out "$work/out/z.json" --timeout 5 > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "127.0.0.1:$dead" "$work/dg.out" && [ ! -e "$work/out/z.json" ]
check $? "an unreachable repository is exit 2 and writes nothing" "rc=$rc $(cat "$work/dg.out")"

# Help and usage errors.
"$dg" trust update --help > "$work/help" 2> "$work/help.err"
rc=$?
[ "$rc" = 0 ] && [ ! -s "$work/help.err" ] && grep -q '^usage: driftgate trust update' "$work/help" &&
  grep -q '^exit: ' "$work/help" && "$dg" --help | grep -q 'trust update'
check $? "driftgate trust update --help: usage and exit codes on stdout, exit 0; listed in --help" \
  "rc=$rc $(cat "$work/help" "$work/help.err")"
"$dg" trust update --repo "$rbase/good/0" --out "$work/out/u.json" > /dev/null 2>&1
check $(($? != 2)) "--root is required (exit 2)"
"$dg" trust update --repo "$rbase/good/0" --root "$repo/good/root.json" --out "$work/out/u.json" \
  --target ../etc/passwd > /dev/null 2>&1
check $(($? != 2)) "a --target that is a path is refused (exit 2)"
"$dg" trust frob > /dev/null 2>&1
check $(($? != 2)) "an unknown trust subcommand is exit 2"
"$dg" trust update --repo "$rbase/good/0" --root "$repo/good/root.json" --out "$work/out/u.json" \
  --target registry.json > "$work/dg.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "not in targets.json" "$work/dg.out"
check $? "a target the repository does not list is refused" "rc=$rc $(cat "$work/dg.out")"

# The trust-update component's CronJob script, as rendered, run here: its paths mapped to
# directories, TUF_REPO to the test repository. It writes a kustomization that renders ConfigMap
# driftgate-trust-root with the verified trusted_root.json and the TUF state; a refused
# repository fails the script before the kustomization exists (kubectl never runs).
cronjob_script() { # REPO_URL INITIAL_ROOT DIR → exit status of the script
  local d=$3
  rm -rf "$d" && mkdir -p "$d/trust" "$d/work" && cp "$2" "$d/trust/root.json"
  /usr/bin/python3 - "$top/manifests/trust-update/cronjob.yaml" > "$d/script.sh" <<'PY' || return 2
import sys, yaml
cj = yaml.safe_load(open(sys.argv[1]))
c = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"][0]
assert c["command"][:2] == ["/bin/sh", "-ec"]
print(c["command"][2])
PY
  sed -i "s|/work|@W@|g; s|/trust/|@T@/|g; s|@W@|$d/work|g; s|@T@|$d/trust|g" "$d/script.sh"
  sed -i "s|/usr/local/bin/driftgate|$dg|g" "$d/script.sh"
  TUF_REPO=$1 NAMESPACE=driftgate sh -ec "$(cat "$d/script.sh")" > "$d/out" 2>&1
}
cj=$work/cronjob
cronjob_script "$rbase/good/0" "$repo/good/root.json" "$cj"
rc=$?
kubectl kustomize "$cj/work" > "$cj/render.yaml" 2> "$cj/kerr"
krc=$?
/usr/bin/python3 - "$cj/render.yaml" "$work/out/good.json" <<'PY'
import json, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
data = d["data"]
assert d["kind"] == "ConfigMap" and d["metadata"]["name"] == "driftgate-trust-root", d["metadata"]
assert d["metadata"]["namespace"] == "driftgate"
assert data["trusted_root.json"] == open(sys.argv[2]).read()
assert json.loads(data["root.json"])["signed"]["version"] == 3
assert json.loads(data["timestamp.json"])["signed"]["_type"] == "timestamp"
assert json.loads(data["snapshot.json"])["signed"]["_type"] == "snapshot"
PY
check $((rc + krc + $?)) "the CronJob's script yields ConfigMap driftgate-trust-root: trusted_root.json, root v3, timestamp, snapshot" \
  "script rc=$rc kustomize rc=$krc $(cat "$cj/out" "$cj/kerr" 2>/dev/null)"
cronjob_script "$rbase/timestamp-expired/0" "$repo/timestamp-expired/root.json" "$cj"
rc=$?
[ "$rc" != 0 ] && [ ! -e "$cj/work/kustomization.yaml" ] && grep -q "expired" "$cj/out"
check $? "the CronJob's script fails on a refused repository and leaves nothing to apply" \
  "rc=$rc $(cat "$cj/out")"

# serve reloads the trust root trust update replaces (rename over the watched path).
mkdir -p "$work/tls" "$work/serve-trust"
mint_cert "$work/tls" 127.0.0.1
cacert=$work/tls/tls.crt
tfile=$work/serve-trust/trusted_root.json
cp "$work/out/good.json" "$tfile"
sport=$(free_port)
cat > "$work/serve.yaml" <<YAML
listen: "127.0.0.1:$sport"
tls: {cert: $work/tls/tls.crt, key: $work/tls/tls.key}
policy: $top/policy/default.yaml
trustRoots: ["$tfile"]
reload: {pollMillis: 0}
log: {level: info}
YAML
base=https://127.0.0.1:$sport
start_serve "$work/serve.yaml"; check $? "serve is up with the trust root" "$(tail -5 "$work/serve.log")"
before=$(grep -c "trust roots reloaded" "$work/serve.log")
"$dg" trust update --repo "$rbase/update-target/1" --root "$repo/update-target/root.json" \
  --out "$tfile" > "$work/dg.out" 2>&1
rc=$?
reloaded() { [ "$(grep -c "trust roots reloaded" "$work/serve.log")" -gt "$before" ]; }
for _ in $(seq 50); do reloaded && break; sleep 0.1; done
[ "$rc" = 0 ] && reloaded && [ "$(metric 'driftgate_reload_success{what="trust"}')" = 1 ]
check $? "serve reloads the trust root trust update wrote" "rc=$rc $(cat "$work/dg.out"; tail -3 "$work/serve.log")"

done_testing
