#!/usr/bin/env bash
# Installs what the build, lint, tests, demo and benchmarks need on a fresh Debian 12 machine.
# Idempotent and quiet when everything is already there.
#
#   bash tests/install-deps.sh           apt-get install the missing packages, then `npm ci` in tests/,
#                                        then Renovate (tests/renovate/) into its cache, as --renovate
#   bash tests/install-deps.sh --plan    print the packages it would install, one a line, nothing
#                                        else on stdout; installs nothing
#   bash tests/install-deps.sh --verify  after an install: fail, naming it, if a package of the table
#                                        is still missing or a tool the tests call is not on PATH
#   bash tests/install-deps.sh --renovate  only the Renovate step: `npm ci` of tests/renovate/ into
#                                        a cache directory keyed by its lock's hash (tests/renovate/
#                                        lib.sh), skipped when that key is already installed
#
# tests/install/install_plan_test.sh runs --plan and --verify against stubbed machines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/renovate/lib.sh # make shellcheck runs from the top
. "$here/renovate/lib.sh"

# The one table. Each line: a Debian package; then the commands that stand in for it when they are
# on PATH although dpkg does not know the package ("-" for none: then only dpkg counts; several are
# joined with ","); then the commands the build and the tests call that it provides ("-" for none).
# Names are compared whole, never as substrings.
#
# Stand-ins: node/npm (nodesource, nvm), kubectl (the Kubernetes apt repository, a download) and
# python3 (pyenv) often come from outside Debian on a developer's machine. The tests that need
# Debian's python3 call /usr/bin/python3 and import the modules listed in `python_modules` below,
# whose packages (python3-prometheus-client, python3-yaml) have no stand-in and pull it in.
table='
build-essential            -        cc make
pkg-config                 -        pkg-config
clang                      -        clang
llvm                       -        llvm-symbolizer
libclang-rt-14-dev         -        -
clang-format               -        clang-format
clang-tidy                 -        clang-tidy
shellcheck                 -        shellcheck
libh2o-evloop-dev          -        -
libjansson-dev             -        -
libcurl4-openssl-dev       -        -
libyaml-dev                -        -
libssl-dev                 -        -
libpcre2-dev               -        -
zlib1g-dev                 -        -
docker-registry            -        docker-registry
skopeo                     -        skopeo
umoci                      -        umoci
mtree-netbsd               -        mtree
libarchive-tools           -        bsdtar
libcap2-bin                -        setcap
apache2-utils              -        htpasswd
jq                         -        jq
curl                       -        curl
openssl                    -        openssl
ca-certificates            -        -
wrk                        -        wrk
nginx-light                -        nginx
valgrind                   -        valgrind
nodejs                     node     node
npm                        npm      npm
python3                    python3  python3
python3-prometheus-client  -        -
python3-yaml               -        -
kubernetes-client          kubectl  kubectl
'
# Modules the tests import with /usr/bin/python3 (Debian's, whatever python3 is first on PATH),
# each with the package that provides it. DG_SYSTEM_PYTHON replaces /usr/bin/python3 in the test.
system_python=${DG_SYSTEM_PYTHON:-/usr/bin/python3}
python_modules='
prometheus_client  python3-prometheus-client
yaml               python3-yaml
'

installed() { # package: dpkg says it is installed (any architecture)
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -qx 'install ok installed'
}

stood_in() { # comma-separated commands, or "-": all of them are on PATH
  local c cmds
  [ "$1" = - ] && return 1
  IFS=, read -ra cmds <<< "$1"
  for c in "${cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 1; done
}

plan() { # the packages to install, one a line, in table order
  local pkg stand tools
  while read -r pkg stand tools; do
    [ -z "$pkg" ] && continue
    installed "$pkg" && continue
    stood_in "$stand" && continue
    printf '%s\n' "$pkg"
  done <<< "$table"
}

verify() { # after an install: nothing left to install, every tool and module present
  local bad=0 pkg stand tools t mod
  while read -r pkg; do
    [ -z "$pkg" ] && continue
    echo "install-deps --verify: package $pkg is not installed (dpkg-query) and nothing stands in" \
      "for it; run 'bash tests/install-deps.sh' as root, or 'apt-get install $pkg'" >&2
    bad=1
  done <<< "$(plan)"
  while read -r pkg stand tools; do
    [ -z "$pkg" ] || [ "$tools" = - ] && continue
    for t in $tools; do
      command -v "$t" >/dev/null 2>&1 && continue
      echo "install-deps --verify: the tests call '$t', which is not on PATH" \
        "(PATH=$PATH); it comes from Debian's $pkg: 'apt-get install --reinstall $pkg'" >&2
      bad=1
    done
  done <<< "$table"
  while read -r mod pkg; do
    [ -z "$mod" ] && continue
    "$system_python" -c "import $mod" >/dev/null 2>&1 && continue
    echo "install-deps --verify: $system_python cannot import $mod, which the tests need;" \
      "it comes from Debian's $pkg: 'apt-get install $pkg'" >&2
    bad=1
  done <<< "$python_modules"
  if [ -f "$here/package-lock.json" ] && [ ! -f "$here/node_modules/.package-lock.json" ]; then
    echo "install-deps --verify: tests/node_modules is missing; run 'cd tests && npm ci'" >&2
    bad=1
  elif [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "install-deps --verify: tests/node_modules predates tests/package-lock.json (a package" \
      "was added or changed); run 'cd tests && npm ci'" >&2
    bad=1
  fi
  if [ -f "$here/renovate/package-lock.json" ]; then
    local ren
    ren=$(renovate_home "$here/renovate")
    if ! renovate_installed "$ren"; then
      echo "install-deps --verify: Renovate (tests/renovate/package-lock.json) is not installed in" \
        "$ren; run 'bash tests/install-deps.sh --renovate'" >&2
      bad=1
    fi
  fi
  [ $bad -eq 0 ] && echo "install-deps --verify: ok" >&2
  return $bad
}

# Renovate, the audit suites' oracle: 507 packages, 327 MB, so not in tests/node_modules but in a
# cache directory named by its lock's hash. Installed into a temporary sibling and renamed when
# complete, so a failed or interrupted npm ci never leaves a directory that looks installed. No
# install scripts run (renovate needs none for an extract; its optional re2 falls back to RegExp).
install_renovate() {
  local src=$here/renovate dest tmp
  [ -f "$src/package-lock.json" ] || return 0
  dest=$(renovate_home "$src")
  renovate_installed "$dest" && return 0
  mkdir -p "${dest%/*}"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  cp "$src/package.json" "$src/package-lock.json" "$tmp/"
  echo "install-deps: npm ci (tests/renovate/ into $dest)" >&2
  if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline \
          --loglevel=error >/dev/null) || ! renovate_installed "$tmp"; then
    rm -rf "$tmp"
    echo "install-deps: npm ci of tests/renovate/ failed; nothing was installed in $dest" >&2
    return 1
  fi
  rm -rf "$dest"
  mv -T "$tmp" "$dest"
}

case "${1:-}" in
  --plan) plan; exit 0 ;;
  --verify) verify; exit ;;
  --renovate) install_renovate; exit ;;
  '') ;;
  *) echo "usage: bash tests/install-deps.sh [--plan|--verify|--renovate]" >&2; exit 2 ;;
esac

mapfile -t missing < <(plan)
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

install_renovate
