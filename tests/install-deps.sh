#!/usr/bin/env bash
# Installs what the build, tests, demo and benchmarks need on a fresh Debian 12 machine.
# Idempotent and quiet when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(build-essential pkg-config clang llvm libclang-rt-14-dev
      libh2o-evloop-dev libjansson-dev libcurl4-openssl-dev libyaml-dev libssl-dev
      docker-registry skopeo apache2-utils jq curl openssl ca-certificates
      wrk nginx-light valgrind nodejs npm python3 python3-prometheus-client kubernetes-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# kubectl may come from outside Debian's kubernetes-client package on a dev machine.
if command -v kubectl >/dev/null; then
  missing=("${missing[@]/kubernetes-client}")
fi
# node/npm may be preinstalled outside dpkg.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
if command -v python3 >/dev/null; then missing=("${missing[@]/python3}"); fi
read -ra missing <<< "${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm signer/verifier pinned by tests/package-lock.json.
if [ -f "$here/package-lock.json" ]; then
  if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci (tests/)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
