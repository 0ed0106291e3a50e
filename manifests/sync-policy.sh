#!/usr/bin/env bash
# Copies policy/default.yaml and the public keys it names (policy/keys/*.pub) into
# manifests/policy/, where kustomize's configMapGenerator reads them (kustomize will not read
# files outside manifests/). `--check` exits 1 if the copies differ from the sources.
# A new key file also needs a line in kustomization.yaml and an item in deployment.yaml's policy
# volume; tests/integration/manifests_test.sh checks every `file:` the policy names is mounted.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dst=$top/manifests/policy
pairs=("$top/policy/default.yaml:$dst/policy.yaml")
for k in "$top"/policy/keys/*.pub; do
  [ -e "$k" ] && pairs+=("$k:$dst/keys/$(basename "$k")")
done
if [ "${1:-}" = "--check" ]; then
  bad=0
  for p in "${pairs[@]}"; do
    if ! cmp -s "${p%%:*}" "${p#*:}"; then
      echo "${p#"$top"/} differs from ${p%%:*}: run manifests/sync-policy.sh" | sed "s|$top/||g" >&2
      bad=1
    fi
  done
  exit "$bad"
fi
mkdir -p "$dst/keys"
for p in "${pairs[@]}"; do cp "${p%%:*}" "${p#*:}"; done
