# shellcheck shell=bash
# shellcheck disable=SC2154 # top and work are set by the test that sources this file
# Sourced by tests/security/answer_*_test.sh: a loopback registry with signed prod/dev image pairs
# whose attested SBOMs an attacker with push access wrote (the SBOM is evidence, not trust: the
# signature only says which key signed it). Needs tests/lib/tap.sh (top, work, on_exit); sets REGISTRY,
# POLICY (the fixture world's tiers), DOCKER_CONFIG and, per scenario S, PROD_S (image with tag).
# Scenarios (prod tag = dev tag; prod holds python3 3.11.2-1, dev what is listed):
#   warn      python3 3.12.1-1: a minor drift, the warn tier             → allowed with a warning
#   longname  a dev-only libssl-<200,000 x> package (block tier)          → denied
#   ctrl      dev-only packages named with newlines, ESC and C1 controls (warn and block tiers)
#   many      300 dev-only libssl-N-<3,000 y> (block) and 300 libwarn-N (warn) packages
#   unsigned  the prod image carries no signature and no attestation     → denied
# answer_world registers answer_world_stop (stops the registry) on the library's cleanup stack.
answer_world_stop() { "$top/tests/support/registry.sh" stop "$work/registry" >/dev/null 2>&1 || true; }

answer_world() {
  local fx=$top/tests/support/fixtures s role repo id key
  [ -d "$top/tests/node_modules/@sigstore/sign" ] || { echo "# tests/node_modules missing: run tests/install-deps.sh"; return 1; }
  on_exit answer_world_stop
  eval "$("$top/tests/support/registry.sh" start none "$work/registry")" || return 1
  mkdir -p "$work/keys" "$work/sbom" "$work/oci" "$work/signed"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/keys/ci.key" 2>/dev/null &&
    openssl pkey -in "$work/keys/ci.key" -pubout -out "$work/keys/ci.pub" 2>/dev/null || return 1
  python3 - "$work/sbom" <<'PY' || return 1
import json, sys
from urllib.parse import quote
out = sys.argv[1]
def bom(name, comps):
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"component": {"type": "container", "name": name}},
            "components": [{"type": "library", "name": n, "version": v,
                            "purl": "pkg:deb/debian/%s@%s?arch=amd64" % (quote(n, safe=""), quote(v, safe=""))}
                           for n, v in comps]}
base = [("python3", "3.11.2-1"), ("libc6", "2.36-9"), ("bash", "5.2.15-2")]
dev = {
    "warn": [("python3", "3.12.1-1"), ("libc6", "2.36-9"), ("bash", "5.2.15-2")],
    "longname": base + [("libssl-" + "x" * 200000, "3.0.11-1")],
    "ctrl": base + [("lib\u001b[31mred\nWarning: forged line\u0085\u009b2J", "1.0\u0007"),
                    ("ssl\u001b]0;title\u0007-dev", "3.0\r\n")],
    "many": base + [("libssl-%03d-" % i + "y" * 3000, "1.0") for i in range(300)]
                 + [("libwarn-%03d" % i, "1.0") for i in range(300)],
    "unsigned": base,
}
for s, comps in dev.items():
    json.dump(bom("demo/app", base), open("%s/%s-prod.json" % (out, s), "w"))
    json.dump(bom("demo/devcontainer", comps), open("%s/%s-dev.json" % (out, s), "w"))
PY
  for s in warn longname ctrl many unsigned; do
    for role in prod dev; do
      id=$s-$role
      repo=demo/app; [ "$role" = dev ] && repo=demo/devcontainer
      mkdir -p "$work/rootfs/$id/etc"
      printf 'scenario=%s role=%s\n' "$s" "$role" > "$work/rootfs/$id/etc/answer-world"
      "$fx/oci-image.sh" "$work/rootfs/$id" "$work/oci/$id" "$s" > "$work/oci/$id.digest" || return 1
      skopeo copy -q --dest-tls-verify=false "oci:$work/oci/$id:$s" "docker://$REGISTRY/$repo:$s" \
        > "$work/oci/$id.log" 2>&1 || { cat "$work/oci/$id.log"; return 1; }
      key=ci; [ "$id" = unsigned-prod ] && key=
      jq -n -c --arg id "$id" --arg repo "$repo" --arg tag "$s" --arg digest "$(cat "$work/oci/$id.digest")" \
        --arg sbom "$work/sbom/$id.json" --arg key "$key" \
        '{id: $id, repo: $repo, tag: $tag, digest: $digest, sbom: $sbom,
          sig: (if $key == "" then null else $key end), att: (if $key == "" then null else $key end),
          attMode: "good", referrer: false}'
    done
  done | jq -s --arg reg "$REGISTRY" --arg out "$work/signed" --arg keys "$work/keys" \
    '{registry: $reg, out: $out, images: ., keys: {ci: {key: ($keys + "/ci.key"), pub: ($keys + "/ci.pub")}}}' \
    > "$work/plan.json" || return 1
  (cd "$top/tests" && node "$fx/sign.js" "$work/plan.json" > "$work/sign.log" 2>&1) || { tail -5 "$work/sign.log"; return 1; }
  POLICY=$work/policy.yaml
  DOCKER_CONFIG=$work/docker-config.json
  printf '{"auths":{}}\n' > "$DOCKER_CONFIG"
  {
    policy_head
    policy_key_signer ci-key "$work/keys/ci.pub"
    echo "  images:"
    policy_image demo-app "$REGISTRY/demo/app" ci-key dev="$REGISTRY/demo/devcontainer:{{tag}}"
    cat <<'YAML'
  tiers:
    seed-default:
      - {tier: ignore, when: {devOnly: true, names: [vim, git, gdb, strace, less]}}
      - {tier: block,  when: {devOnly: true, nameContains: [ssl, crypto, tls, cert, pki]}}
      - {tier: block,  when: {versionDrift: any, names: [glibc, libc6, openssl, libssl3]}}
      - {tier: warn,   when: {versionDrift: minor, names: [python3, python, nodejs, node, ruby]}}
      - {tier: block,  when: {versionDrift: major, names: [python3, python, nodejs, node, ruby]}}
      - {tier: warn,   when: {devOnly: true, nameContains: [lib]}}
      - {tier: ignore, when: {prodOnly: true}}
      - {tier: ignore, when: {}}
YAML
  } > "$POLICY"
  for s in warn longname ctrl many unsigned; do
    printf -v "PROD_${s^^}" '%s' "$REGISTRY/demo/app:$s"
  done
}
