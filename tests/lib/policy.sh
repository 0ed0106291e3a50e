# shellcheck shell=bash
# Policy helpers (tap.sh sources this file; the fixture scripts source it directly): the parts every
# fixture policy shares, printed on stdout, so a suite's policy reads as what differs. Compose:
#   { policy_head; policy_key_signer ci-key keys/ci.pub; echo "  images:"
#     policy_image demo-app "$REGISTRY/demo/app" ci-key dev="$REGISTRY/demo/devcontainer:{{tag}}"
#   } > policy.yaml
#   policy_head                 apiVersion, kind, spec: defaults (enforce, deny on error and on no
#                               match) and the `  signers:` line
#   policy_key_signer NAME FILE a key signer, transparency log optional
#   policy_keyless_signer NAME ISSUER FIELD VALUE
#                               a keyless signer: ISSUER and one identity FIELD (subject,
#                               subjectRegExp) with VALUE as written inside YAML double quotes
#   policy_image NAME MATCH SIGNER [OPTION...]
#       an image rule: MATCH (space-separated references) signed by SIGNER, with a CycloneDX SBOM
#       attestation by SIGNER. Options, in the order they print:
#         sbom=TYPE      the SBOM's predicateType (default https://cyclonedx.org/bom)
#         att=YAML       one more line under attestations (as written, after the sbom line)
#         dev=IMAGE      devReference.image (then tiers: seed-default unless tiers= says)
#         override=1     devReference.allowCliOverride: true
#         tiers=NAME     the rule's tiers
#       A caller that needs more under attestations prints it right after (no dev=, no tiers=).

policy_head() {
  cat <<'YAML'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  defaults: {mode: enforce, onError: deny, noMatch: deny}
  signers:
YAML
}

policy_key_signer() { # NAME FILE
  printf '    %s:\n      key: {file: %s}\n      transparencyLog: optional\n' "$1" "$2"
}

policy_keyless_signer() { # NAME ISSUER FIELD VALUE
  printf '    %s:\n      keyless:\n        issuer: "%s"\n        %s: "%s"\n' "$1" "$2" "$3" "$4"
}

policy_image() { # NAME MATCH SIGNER [sbom=|att=|dev=|override=|tiers=]...
  local name=$1 match=$2 signer=$3 sbom=https://cyclonedx.org/bom lines=() dev='' override='' tiers=''
  local o m list=
  shift 3
  for o in "$@"; do
    case $o in
      sbom=*) sbom=${o#sbom=} ;;
      att=*) lines+=("${o#att=}") ;;
      dev=*) dev=${o#dev=} tiers=${tiers:-seed-default} ;;
      override=*) override=${o#override=} ;;
      tiers=*) tiers=${o#tiers=} ;;
      *) echo "policy_image: unknown option $o" >&2; return 1 ;;
    esac
  done
  for m in $match; do list+="${list:+, }\"$m\""; done
  printf '    - name: %s\n      match: [%s]\n      signatures: {signedBy: [%s]}\n' "$name" "$list" "$signer"
  printf '      attestations:\n        sbom: {predicateType: "%s", signedBy: [%s]}\n' "$sbom" "$signer"
  for o in "${lines[@]}"; do printf '        %s\n' "$o"; done
  if [ -n "$dev" ]; then printf '      devReference:\n        image: "%s"\n' "$dev"; fi
  if [ -n "$override" ]; then printf '        allowCliOverride: true\n'; fi
  if [ -n "$tiers" ]; then printf '      tiers: %s\n' "$tiers"; fi
}
