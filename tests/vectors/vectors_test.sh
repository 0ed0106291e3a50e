#!/usr/bin/env bash
# Walks $DG_SHARED/vectors/INDEX.json and judges EVERY entry: public keys, DSSE envelopes, cosign
# .sig layers (key-based and keyless), Rekor SETs, Fulcio certificates, trust roots, in-toto
# envelopes/statements and SBOM documents through $BUILD/tests/vectors/vectors, sigstore bundles
# through `$BUILD/driftgate verify-bundle` (artifact given as sha256:<digest>). Prints `ok - <path>
# <reason>` when the verdict equals `expect`; an entry no route can judge is a failure.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
: "${DG_SHARED:=$top/../shared}"
V=$DG_SHARED/vectors
drv=$BUILD/tests/vectors/vectors
command -v jq > /dev/null || bail "vectors: jq is not installed"
need_exec "$drv"
[ -f "$V/INDEX.json" ] || bail "vectors: $V/INDEX.json missing"

agree=0 disagree=0
i=0
while IFS= read -r raw; do
  base64 -d <<< "$raw" | openssl pkey -pubin -inform DER -out "$work/ctfe-$i.pem" 2> /dev/null
  i=$((i + 1))
done < <(jq -r '.ctlogs[].publicKey.rawBytes' "$V/trust/sigstore-public-good.trusted_root.json")

# True when every verify_with entry is a plain public key (not the Rekor key, a cert or a root).
key_only() {
  local f
  [ $# -gt 0 ] || return 1
  for f in "$@"; do
    case "$f" in trust/*|*.crt.pem|*.json) return 1 ;; *.pub) ;; *) return 1 ;; esac
  done
}

# verify_with files as wh_trust_root_load arguments: trusted_root.json, Fulcio PEM chain, or a
# public key standing in as the Rekor key (keyless entries).
trust_args() {
  local f
  for f in "$@"; do
    case "$f" in
      *.json) echo "trusted-root=$V/$f" ;;
      *.crt.pem) echo "fulcio=$V/$f"
        # cosign's legacy custom roots (Fulcio PEM + Rekor key) take the CT log key from the same
        # TUF root (SIGSTORE_CT_LOG_PUBLIC_KEY_FILE); driftgate always requires a verified SCT,
        # so a legacy Fulcio root comes with the production CT keys.
        for ct in "$work"/ctfe-*.pem; do echo "ctlog=$ct"; done ;;
      *) echo "tlog=$V/$f" ;;
    esac
  done
}

# One jq run reads every entry: a line each, its fields split by US (\x1f; INDEX.json's strings
# hold no newline or US, its file names and extension values no space).
while IFS=$'\x1f' read -r path kind expect reason digest dref want_sha with_s san san_re iss iss_re ext_s; do
  read -ra with <<< "$with_s"
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
        *vuln.predicate.json) cmd=(predicate "$file" https://cosign.sigstore.dev/attestation/vuln/v1) ;;
        *slsa-v0.2.predicate.json) cmd=(predicate "$file" https://slsa.dev/provenance/v0.2) ;;
        *slsa-v1.predicate.json) cmd=(predicate "$file" https://slsa.dev/provenance/v1) ;;
      esac ;;
  esac
  if [ ${#cmd[@]} -eq 0 ]; then
    mapfile -t trust < <(trust_args "${with[@]}")
    case "$kind" in
      cosign-sig-layer) cmd=(keyless-sig "$file" "$digest" "$dref" "$san" "$iss" "${trust[@]}") ;;
      rekor-set)
        d=$(dirname "$file")
        cert=$d/rekor-cert
        case "$reason" in *"pair this SET with"*)
          cert=$V/cosign-classic/dir-img-cosign-fulcio-rekor-valid/signature-1 ;; esac
        cmd=(rekor-set "$file" "$cert" "$d/rekor-sig" "$d/rekor-payload" "${trust[@]}") ;;
      certificate)
        if [ ${#with[@]} -eq 0 ]; then cmd=(root "fulcio=$file"); fi
        read -ra ext_kv <<< "$ext_s"
        ext=()
        for x in "${ext_kv[@]}"; do ext+=(--ext "$x"); done
        [ ${#with[@]} -eq 0 ] ||
          cmd=(cert "$file" "$san" "$san_re" "$iss" "$iss_re" "${trust[@]}" "${ext[@]}") ;;
      trusted-root) cmd=(root "trusted-root=$file") ;;
      sbom-spdx|sbom-cyclonedx) cmd=(sbom "$file") ;;
      sigstore-bundle)
        cmd=(--bundle "$file")
        for f in "${with[@]}"; do
          case "$f" in *.json) cmd+=(--trusted-root "$V/$f") ;; *) cmd+=(--key "$V/$f") ;; esac
        done
        if [[ " ${with[*]} " != *".pub "* ]]; then
          if [ "$san" != - ]; then cmd+=(--certificate-identity "$san")
          else cmd+=(--certificate-identity-regexp "$san_re"); fi
          if [ "$iss" != - ]; then cmd+=(--certificate-oidc-issuer "$iss")
          else cmd+=(--certificate-oidc-issuer-regexp "$iss_re"); fi
        fi
        cmd+=("$digest") ;;
    esac
  fi
  if [ ${#cmd[@]} -eq 0 ]; then
    fail "$path ($kind): no route judges this entry"
    disagree=$((disagree + 1))
    continue
  fi
  if [ -n "$want_sha" ] && [ "sha256:$(sha256sum "$file" | cut -d' ' -f1)" != "$want_sha" ]; then
    fail "$path: file sha256 differs from INDEX.json (vector altered?)"
    disagree=$((disagree + 1))
    continue
  fi
  if [ "$kind" = sigstore-bundle ]; then
    "$dg" verify-bundle "${cmd[@]}" > "$work/out" 2>&1
  else
    "$drv" "${cmd[@]}" > "$work/out" 2>&1
  fi
  judge_exit $? "$expect" "$path $reason" "$path ($kind): $reason" "$work/out"
done < <(jq -r '.[] | [.path, .kind, .expect, .reason, .artifact_digest // "-",
                       .identity["docker-reference"] // "-", .sha256 // "", (.verify_with // [] | join(" ")),
                       .identity.san // .identity.subject // "-", .identity.san_regex // .identity.subject_regex // "-",
                       .identity.issuer // "-", .identity.issuer_regex // "-",
                       (.identity.extensions // {} | to_entries | map("\(.key)=\(.value)") | join(" "))]
                      | join("\u001f")' "$V/INDEX.json")

echo "# INDEX.json entries agreeing: $agree of $((agree + disagree)) (none skipped)"
done_testing
