#!/usr/bin/env bash
# Walks $DG_SHARED/vectors/INDEX.json and runs every entry the key-based verifier can judge
# (public keys, key-signed DSSE envelopes, cosign .sig layers checked against .pub keys, in-toto
# envelopes/statements to parse) through $BUILD/tests/integration/vectors. Prints `ok - <path>
# <reason>` when the verdict equals `expect`. Entries that need Fulcio/Rekor/trusted-root
# verification are counted in a `# skipped (keyless, issue 5)` comment, not reported as passes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:?BUILD must name the build dir}"
: "${DG_SHARED:=$top/../shared}"
V=$DG_SHARED/vectors
drv=$BUILD/tests/integration/vectors
command -v jq > /dev/null || { echo "not ok - vectors: jq is not installed"; exit 1; }
[ -x "$drv" ] || { echo "not ok - vectors: driver $drv not built (make unit)"; exit 1; }
[ -f "$V/INDEX.json" ] || { echo "not ok - vectors: $V/INDEX.json missing"; exit 1; }

agree=0 disagree=0 keyless=0 other=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# True when every verify_with entry is a plain public key (not the Rekor key, a cert or a root).
key_only() {
  local f
  [ $# -gt 0 ] || return 1
  for f in "$@"; do
    case "$f" in trust/*|*.crt.pem|*.json) return 1 ;; *.pub) ;; *) return 1 ;; esac
  done
}

while IFS= read -r row; do
  path=$(jq -r .path <<< "$row")
  kind=$(jq -r .kind <<< "$row")
  expect=$(jq -r .expect <<< "$row")
  reason=$(jq -r .reason <<< "$row")
  digest=$(jq -r '.artifact_digest // "-"' <<< "$row")
  dref=$(jq -r '.identity["docker-reference"] // "-"' <<< "$row")
  want_sha=$(jq -r '.sha256 // ""' <<< "$row")
  mapfile -t with < <(jq -r '.verify_with[]?' <<< "$row")
  keys=()
  for f in "${with[@]}"; do keys+=("$V/$f"); done
  file=$V/$path
  cmd=()
  case "$kind" in
    public-key) cmd=(key "$file") ;;
    dsse-envelope)
      if [ ${#with[@]} -eq 0 ]; then cmd=(envelope "$file" "$digest" -)
      elif key_only "${with[@]}"; then cmd=(dsse "$file" "$digest" "${keys[@]}")
      fi ;;
    cosign-sig-layer)
      if key_only "${with[@]}"; then cmd=(sig "$file" "$digest" "$dref" "${keys[@]}"); fi ;;
    vuln|slsa-provenance)
      want=-
      [ "$kind" = vuln ] && want=vuln
      case "$path" in
        *.envelope.json) cmd=(envelope "$file" "$digest" "$want") ;;
        *.statement.json) cmd=(statement "$file" -) ;;
      esac ;;
  esac
  if [ ${#cmd[@]} -eq 0 ]; then
    case "$kind" in
      sigstore-bundle|certificate|rekor-set|trusted-root|cosign-sig-layer|dsse-envelope)
        keyless=$((keyless + 1)) ;;
      *) other=$((other + 1)) ;;
    esac
    continue
  fi
  if [ -n "$want_sha" ] && [ "sha256:$(sha256sum "$file" | cut -d' ' -f1)" != "$want_sha" ]; then
    echo "not ok - $path: file sha256 differs from INDEX.json (vector altered?)"
    disagree=$((disagree + 1))
    continue
  fi
  "$drv" "${cmd[@]}" > "$tmp/out" 2>&1
  rc=$?
  got=fail
  [ $rc -eq 0 ] && got=pass
  if [ $rc -gt 1 ]; then
    echo "not ok - $path ($kind): driver exited $rc: $(head -c 300 "$tmp/out")"
    disagree=$((disagree + 1))
  elif [ "$got" = "$expect" ]; then
    echo "ok - $path $reason"
    agree=$((agree + 1))
  else
    echo "not ok - $path ($kind) expected $expect, got $got: $reason :: $(head -c 300 "$tmp/out")"
    disagree=$((disagree + 1))
  fi
done < <(jq -c '.[]' "$V/INDEX.json")

echo "# key-based entries agreeing with INDEX.json: $agree of $((agree + disagree))"
echo "# skipped (keyless, issue 5): $keyless"
echo "# skipped (not verify/: SBOM documents, bare predicates): $other"
[ $disagree -eq 0 ]
