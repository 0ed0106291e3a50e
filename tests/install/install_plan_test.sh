#!/usr/bin/env bash
# tests/install-deps.sh against stubbed machines (issue 11): for each fresh-machine shape the exact
# package list --plan prints, what install mode hands apt-get (never called when nothing is
# missing, never by --plan), and --verify's failures naming the missing package, tool or module.
# Nothing is installed: dpkg-query, apt-get and every tool are fakes in a temporary PATH.
# DG_INSTALL_DEPS=<path> runs the same checks against another copy of the script.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
script=${DG_INSTALL_DEPS:-$top/tests/install-deps.sh}
not_ok() { # NAME DETAIL...: a failure with one "# " line per detail
  local name=$1
  shift
  fail "$name" "$(printf '  %s\n' "$@")"
}

# The script runs from a copy in a directory without package-lock.json (tests/ or tests/renovate/),
# so its npm steps are idle until the Renovate checks at the end give it one.
mkdir -p "$work/tests/renovate"
cp "$script" "$work/tests/install-deps.sh"
cp "$(dirname "$script")/renovate/lib.sh" "$work/tests/renovate/lib.sh"
# What bash needs besides builtins; nothing else from the host is on PATH (node, kubectl, python3
# and friends live in /usr/bin, so /usr/bin itself is not).
mkdir -p "$work/base"
for t in dirname grep sha256sum mktemp cp mkdir rm mv chmod; do ln -s "$(command -v "$t")" "$work/base/$t"; done
bash_bin=$(command -v bash)

# Every package of the table, in its order: the plan on a machine with nothing.
all=(build-essential pkg-config clang llvm libclang-rt-14-dev clang-format clang-tidy shellcheck
     libh2o-evloop-dev libjansson-dev libcurl4-openssl-dev libyaml-dev libssl-dev libpcre2-dev
     zlib1g-dev docker-registry skopeo umoci mtree-netbsd libarchive-tools libcap2-bin
     apache2-utils jq curl openssl ca-certificates wrk nginx-light valgrind
     nodejs npm python3 python3-prometheus-client python3-yaml kubernetes-client)
# Every command the table says the tests call.
tools=(cc make pkg-config clang llvm-symbolizer clang-format clang-tidy shellcheck docker-registry
       skopeo umoci mtree bsdtar setcap htpasswd jq curl openssl wrk nginx valgrind node npm python3 kubectl)
without() { # word list... -- words to drop: prints the rest, space-separated
  local -a out=() drop=() seen=0 w d
  for w in "$@"; do
    if [ "$w" = -- ]; then seen=1; continue; fi
    if [ $seen -eq 0 ]; then out+=("$w"); else drop+=("$w"); fi
  done
  for w in "${out[@]}"; do
    for d in "${drop[@]}"; do [ "$w" = "$d" ] && continue 2; done
    printf '%s ' "$w"
  done
}

lines() { tr -s ' ' '\n' <<< "$1" | sed '/^$/d'; } # space-separated words → one a line
# shape NAME "dpkg-installed packages" "commands on PATH" ["packages dpkg left as config-files"]
shape() {
  local d=$work/$1 p
  rm -rf "$d"; mkdir -p "$d/bin"
  lines "$2" > "$d/installed"
  lines "${4:-}" > "$d/removed"
  cat > "$d/bin/dpkg-query" <<EOF
#!$bash_bin
# fake: dpkg-query -W -f='\${Status}\n' PACKAGE
p=\${!#}
while read -r q; do [ "\$q" = "\$p" ] && { echo 'install ok installed'; exit 0; }; done < "$d/installed"
while read -r q; do [ "\$q" = "\$p" ] && { echo 'deinstall ok config-files'; exit 0; }; done < "$d/removed"
echo "dpkg-query: no packages found matching \$p" >&2
exit 1
EOF
  cat > "$d/bin/apt-get" <<EOF
#!$bash_bin
# fake: records its arguments, installs nothing
echo "\$*" >> "$d/apt.log"
EOF
  for p in $(lines "$3"); do printf '#!%s\nexit 0\n' "$bash_bin" > "$d/bin/$p"; done
  chmod +x "$d/bin/"*
}
run() { # shape, args...: runs the script on that machine; stdout in $d/out, stderr in $d/err
  local d=$work/$1; shift
  PATH="$d/bin:$work/base" "$bash_bin" "$work/tests/install-deps.sh" "$@" > "$d/out" 2> "$d/err"
}
expect_plan() { # name, shape, expected packages (space-separated, in order)
  local d=$work/$2 want got
  run "$2" --plan; local rc=$?
  want=$(lines "$3")
  got=$(cat "$d/out")
  if [ $rc -eq 0 ] && [ "$got" = "$want" ] && [ ! -e "$d/apt.log" ]; then
    pass "$1"
  else
    not_ok "$1" "rc=$rc" "want: ${want//$'\n'/ }" "got:  ${got//$'\n'/ }" \
      "apt-get calls: $(cat "$d/apt.log" 2>/dev/null)" "stderr: $(cat "$d/err")"
  fi
}

# 1. A fresh Debian 12: dpkg knows none of the packages, no tool is on PATH.
shape fresh "" ""
expect_plan "fresh machine: --plan prints every package, one a line, and calls no apt-get" fresh "${all[*]}"

# 2. The issue's machine: python3, node, npm and kubectl on PATH from outside dpkg, nothing else.
#    A substring-stripping plan drops "python3" out of python3-prometheus-client / python3-yaml.
shape outside "" "python3 node npm kubectl"
want=$(without "${all[@]}" -- nodejs npm python3 kubernetes-client)
expect_plan "python3/node/npm/kubectl outside dpkg: only their own packages are dropped, python3-* kept whole" outside "$want"

# 3. Everything installed by dpkg and on PATH.
shape full "${all[*]}" "${tools[*]}"
expect_plan "everything present: --plan prints nothing" full ""

# 4. This project's own machine: nodesource's nodejs (which ships npm), kubectl from the
#    Kubernetes repository (package "kubectl"), pyenv's python3 first on PATH.
shape dev "$(without "${all[@]}" -- npm kubernetes-client) kubectl" "${tools[*]}"
expect_plan "dev machine (npm and kubectl outside Debian's packages): --plan prints nothing" dev ""

# 5. node on PATH without npm: npm is planned, nodejs is not. A package removed with its
#    configuration left ("deinstall ok config-files") is not installed.
shape half "$(without "${all[@]}" -- nodejs npm jq)" "node" "jq"
expect_plan "node without npm, jq removed: --plan prints jq and npm" half "jq npm"

# 6. kubectl alone is no stand-in for the npm it does not provide; names are whole words:
#    a tool named like a prefix of a package (clang for clang-tidy) stands in for nothing.
shape prefix "$(without "${all[@]}" -- clang-tidy clang-format nodejs npm kubernetes-client)" "kubectl clang"
expect_plan "kubectl and clang on PATH: clang-format, clang-tidy, nodejs, npm still planned" prefix \
  "clang-format clang-tidy nodejs npm"

# Install mode hands apt-get the plan, verbatim.
run outside; rc=$?
want="update -qq
install -y -qq --no-install-recommends $(without "${all[@]}" -- nodejs npm python3 kubernetes-client)"
got=$(cat "$work/outside/apt.log" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$got" = "${want% }" ]; then
  pass "install: apt-get update, then apt-get install of exactly the planned packages"
else
  not_ok "install: apt-get update, then apt-get install of exactly the planned packages" \
    "rc=$rc" "want: $want" "got:  $got" "stderr: $(cat "$work/outside/err")"
fi
run full; rc=$?
if [ $rc -eq 0 ] && [ ! -e "$work/full/apt.log" ]; then
  pass "install with nothing missing: apt-get is not called"
else
  not_ok "install with nothing missing: apt-get is not called" "rc=$rc" "$(cat "$work/full/apt.log" 2>/dev/null)"
fi
run full --bogus; rc=$?
if [ $rc -eq 2 ] && grep -q 'usage:' "$work/full/err" && [ ! -e "$work/full/apt.log" ]; then
  pass "an unknown option is refused with the usage, nothing installed"
else
  not_ok "an unknown option is refused with the usage, nothing installed" "rc=$rc" "$(cat "$work/full/err")"
fi

# --verify. A fake /usr/bin/python3 that imports what DG_FAKE_MODULES lists.
cat > "$work/base/sys-python3" <<EOF
#!$bash_bin
# fake: sys-python3 -c "import MOD"
for m in \${DG_FAKE_MODULES:-}; do [ "\$2" = "import \$m" ] && exit 0; done
exit 1
EOF
chmod +x "$work/base/sys-python3"
verify() { # name, shape, modules, expected exit, stderr patterns (grep -F)...
  local name=$1 d=$work/$2 mods=$3 want=$4 rc pat bad=""
  shift 4
  DG_SYSTEM_PYTHON="$work/base/sys-python3" DG_FAKE_MODULES=$mods run "${d##*/}" --verify; rc=$?
  [ $rc -eq "$want" ] || bad="rc=$rc, want $want"
  for pat in "$@"; do grep -qF -- "$pat" "$d/err" || bad="$bad; stderr lacks: $pat"; done
  if [ -z "$bad" ] && [ ! -e "$d/apt.log" ] && [ ! -s "$d/out" ]; then pass "$name"; else
    not_ok "$name" "$bad" "stderr: $(cat "$d/err")" "stdout: $(cat "$d/out")"; fi
}
rm -f "$work/full/apt.log"
verify "--verify: everything present passes" full "prometheus_client yaml" 0 "install-deps --verify: ok"
shape notool "${all[*]}" "$(without "${tools[@]}" -- htpasswd kubectl)"
verify "--verify: a tool missing from PATH fails naming it and its package" notool "prometheus_client yaml" 1 \
  "the tests call 'htpasswd', which is not on PATH" "Debian's apache2-utils" \
  "the tests call 'kubectl', which is not on PATH" "Debian's kubernetes-client"
shape nopkg "$(without "${all[@]}" -- jq python3-yaml)" "${tools[*]}"
verify "--verify: a package still missing fails naming it" nopkg "prometheus_client yaml" 1 \
  "package jq is not installed" "package python3-yaml is not installed" "apt-get install jq"
verify "--verify: a module /usr/bin/python3 cannot import fails naming it and its package" full "yaml" 1 \
  "cannot import prometheus_client" "apt-get install python3-prometheus-client"
if grep -q 'install-deps --verify: ok' "$work/notool/err" "$work/nopkg/err"; then
  not_ok "--verify: no 'ok' after a failure" "$(cat "$work/notool/err" "$work/nopkg/err")"
else pass "--verify: no 'ok' after a failure"; fi

# --verify and tests/node_modules: missing, or older than the lock file (a merge added a package),
# names `npm ci`; installed after the lock file passes.
echo '{}' > "$work/tests/package-lock.json"
verify "--verify: tests/node_modules missing fails naming npm ci" full "prometheus_client yaml" 1 \
  "tests/node_modules is missing" "npm ci"
mkdir -p "$work/tests/node_modules"
echo '{}' > "$work/tests/node_modules/.package-lock.json"
touch -d '2020-01-01' "$work/tests/node_modules/.package-lock.json"
verify "--verify: tests/node_modules older than tests/package-lock.json fails naming npm ci" full \
  "prometheus_client yaml" 1 "predates tests/package-lock.json" "npm ci"
touch "$work/tests/node_modules/.package-lock.json"
verify "--verify: tests/node_modules installed after the lock file passes" full "prometheus_client yaml" 0 \
  "install-deps --verify: ok"

# Renovate (tests/renovate/): `npm ci` with no install scripts into a cache directory named by the
# lock's hash, through a temporary sibling; a second run on the same machine installs nothing; a
# changed lock installs anew; a failed npm ci leaves nothing that looks installed; --verify names
# a missing install. npm is a fake that records where and how it ran and installs a renovate.
cp "$top/tests/renovate/package.json" "$top/tests/renovate/package-lock.json" "$work/tests/renovate/"
cat > "$work/full/bin/npm" <<EOF
#!$bash_bin
# fake: npm ci (DG_FAKE_NPM_FAIL=1: fails half-way)
echo "\$PWD|\$*" >> "$work/full/npm.log"
mkdir -p node_modules/.bin
printf '#!/bin/sh\n' > node_modules/.bin/renovate
chmod +x node_modules/.bin/renovate
[ -n "\${DG_FAKE_NPM_FAIL:-}" ] && exit 1
: > node_modules/.package-lock.json
EOF
chmod +x "$work/full/bin/npm"
cache=$work/cache
key=$(sha256sum "$work/tests/renovate/package-lock.json" | cut -c1-16)
renovate_run() { # ARGS...: install-deps on the full machine with the cache under $work/cache
  DG_RENOVATE_CACHE=$cache run full "$@"
}
renovate_run --verify; rc=$?
if [ $rc -eq 1 ] && grep -qF "Renovate (tests/renovate/package-lock.json) is not installed in $cache/$key" "$work/full/err" &&
   grep -qF "bash tests/install-deps.sh --renovate" "$work/full/err"; then
  pass "--verify: Renovate not installed for this lock fails naming the cache directory and --renovate"
else
  not_ok "--verify: Renovate not installed" "rc=$rc" "stderr: $(cat "$work/full/err")"
fi
rm -f "$work/full/npm.log" "$work/full/apt.log"
renovate_run; rc=$?   # the whole install, as make deps runs it: cold cache
want="$cache/$key.tmp.*|ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error"
got=$(cat "$work/full/npm.log" 2>/dev/null)
# shellcheck disable=SC2053 # $want is a glob: the temporary directory's suffix is random
if [ $rc -eq 0 ] && [ "$(wc -l < "$work/full/npm.log")" = 1 ] && [[ $got == $want ]] &&
   [ -x "$cache/$key/node_modules/.bin/renovate" ] && [ -f "$cache/$key/node_modules/.package-lock.json" ] &&
   cmp -s "$cache/$key/package-lock.json" "$work/tests/renovate/package-lock.json" &&
   [ "$(ls "$cache")" = "$key" ] && [ ! -e "$work/full/apt.log" ]; then
  pass "install, cold cache: one npm ci --ignore-scripts --no-audit --no-fund in a temporary sibling, renamed to the lock's key"
else
  not_ok "install, cold cache: npm ci into the lock's key" "rc=$rc" "want: $want" "got:  $got" \
    "cache: $(ls -a "$cache" 2>&1)" "stderr: $(cat "$work/full/err")"
fi
renovate_run --renovate; rc=$?   # warm: the same lock on the same machine
if [ $rc -eq 0 ] && [ "$(wc -l < "$work/full/npm.log")" = 1 ]; then
  pass "install, warm cache: the same lock again runs no npm"
else
  not_ok "install, warm cache: npm ran again" "rc=$rc" "$(cat "$work/full/npm.log")"
fi
renovate_run --verify; rc=$?
if [ $rc -eq 0 ] && grep -q 'install-deps --verify: ok' "$work/full/err"; then
  pass "--verify: Renovate installed for this lock passes"
else
  not_ok "--verify: Renovate installed for this lock" "rc=$rc" "$(cat "$work/full/err")"
fi
printf '\n' >> "$work/tests/renovate/package-lock.json"   # a changed lock: a new key
key2=$(sha256sum "$work/tests/renovate/package-lock.json" | cut -c1-16)
DG_FAKE_NPM_FAIL=1 renovate_run --renovate; rc=$?
if [ $rc -ne 0 ] && grep -qF "npm ci of tests/renovate/ failed; nothing was installed in $cache/$key2" "$work/full/err" &&
   [ "$(ls "$cache")" = "$key" ]; then
  pass "a failed npm ci leaves no install and no temporary directory in the cache"
else
  not_ok "a failed npm ci" "rc=$rc" "cache: $(ls "$cache")" "$(cat "$work/full/err")"
fi
renovate_run --renovate; rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l < "$work/full/npm.log")" = 3 ] && [ -x "$cache/$key2/node_modules/.bin/renovate" ]; then
  pass "a changed lock installs anew under its own key"
else
  not_ok "a changed lock installs anew" "rc=$rc" "$(cat "$work/full/npm.log")" "cache: $(ls "$cache")"
fi

done_testing
