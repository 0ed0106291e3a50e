#!/usr/bin/env bash
# Copies policy/default.yaml to manifests/policy.yaml, the file kustomize's configMapGenerator
# reads (kustomize will not read files outside manifests/). `--check` exits 1 if they differ.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/policy/default.yaml
dst=$top/manifests/policy.yaml
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$src" "$dst"; then
    echo "manifests/policy.yaml differs from policy/default.yaml: run manifests/sync-policy.sh" >&2
    exit 1
  fi
  exit 0
fi
cp "$src" "$dst"
