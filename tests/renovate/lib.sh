# shellcheck shell=bash
# shellcheck disable=SC2034 # renovate_cpu is for the suite that sources this file
# The pinned Renovate (tests/renovate/package-lock.json), the independent oracle of `driftgate
# audit` (tests/golden/audit_repo_test.sh). Sourced by tests/install-deps.sh, which installs it,
# and by that suite, which runs it.
#
# renovate_home LOCKDIR: prints the install directory for LOCKDIR's package-lock.json: one per
# lock, named by the lock's sha256, under DG_RENOVATE_CACHE (default ~/.cache/driftgate/renovate),
# so every checkout and CI run on a machine shares one 327 MB install and a changed lock gets its
# own.
renovate_home() {
  local sum
  sum=$(sha256sum "$1/package-lock.json") || return 1
  printf '%s/%s\n' "${DG_RENOVATE_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/driftgate/renovate}" \
    "${sum:0:16}"
}
# renovate_installed DIR: DIR holds a finished install (npm ci's own record and the binary).
renovate_installed() {
  [ -f "$1/node_modules/.package-lock.json" ] && [ -x "$1/node_modules/.bin/renovate" ]
}

# renovate_offline_problems LOG: prints each entry of Renovate's JSON debug log that shows it
# reached for the network or went wrong: a warning or worse, or any network error code. The one
# warning allowed says which lookups a real run would need a GitHub token for; it makes none.
renovate_offline_problems() {
  jq -c 'select((.level >= 40 and .msg != "GitHub token is required for some dependencies")
                or (tostring | test("ENETUNREACH|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|getaddrinfo|socket hang up")))
         | {level, msg, err: .err.message}' "$1"
}

# renovate_extract HOME OUT FIXTURES DIR...: Renovate's extraction of the fixture repositories
# FIXTURES/DIR..., each a subdirectory of one repository (one run for all), into OUT/report.json.
# Offline by construction and by check: Renovate runs in a network namespace of its own (unshare
# -rn: loopback only, down) with a cleared environment (no proxy, no token, no user config), and
# its debug log must hold no warning or network error (renovate_offline_problems). Its global
# config widens the devcontainer manager's root-anchored file patterns to the subdirectories.
# The extraction is a function of the fixture bytes, the lock and this function, so its report is
# kept under HOME/reports/ by their hash (DG_RENOVATE_FRESH=1 ignores it). Sets renovate_cpu
# ("cached" or the CPU seconds of the run); on failure returns 1 with the reason in OUT/why.
renovate_extract() {
  local home=$1 out=$2 fix=$3 key d rc TIMEFORMAT='%U %S'
  shift 3
  key=$({ declare -f renovate_extract renovate_offline_problems; cat "$home/package-lock.json"
          tar -C "$fix" -cf - --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner "$@"
        } | sha256sum | cut -c1-32)
  renovate_cpu=cached
  if [ -z "${DG_RENOVATE_FRESH:-}" ] && [ -f "$home/reports/$key.json" ]; then
    cp "$home/reports/$key.json" "$out/report.json"
    return 0
  fi
  mkdir -p "$out/repo" "$out/home"
  for d in "$@"; do cp -r "$fix/$d" "$out/repo/"; done
  (cd "$out/repo" && git init -q . && git add -A &&
    git -c user.email=t@t -c user.name=t commit -qm fixtures) || {
    echo "git init of the fixture repository failed" > "$out/why"; return 1; }
  printf '%s\n' '{"devcontainer": {"fileMatch": ["(^|/)\\.devcontainer/devcontainer\\.json$",' \
    '"(^|/)\\.devcontainer\\.json$"]}}' > "$out/config.json"
  # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
  { time (cd "$out/repo" && timeout 600 unshare -rn env -i PATH="$PATH" HOME="$out/home" \
      RENOVATE_CONFIG_FILE="$out/config.json" RENOVATE_BASE_DIR="$out/base" \
      RENOVATE_X_IGNORE_NODE_WARN=true RENOVATE_X_IGNORE_RE2=true LOG_LEVEL=debug LOG_FORMAT=json \
      sh -c 'cat /proc/net/dev > "$1" && shift && exec "$@"' sh "$out/netdev" \
      "$home/node_modules/.bin/renovate" --platform=local --dry-run=extract --onboarding=false \
      --report-type=file --report-path="$out/report.json" > "$out/renovate.log" 2>&1); } \
    2> "$out/cpu"
  rc=$?
  renovate_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$out/cpu")
  if [ $rc -ne 0 ] || [ ! -s "$out/report.json" ]; then
    { echo "renovate exited $rc (unshare -rn needs user namespaces)"; tail -c 600 "$out/renovate.log"
    } > "$out/why"
    return 1
  fi
  # /proc/net/dev: two header lines, then one line per interface: only lo.
  if [ "$(tail -n +3 "$out/netdev" | cut -d: -f1 | tr -d ' ')" != lo ]; then
    { echo "renovate's namespace had a network:"; cat "$out/netdev"; } > "$out/why"
    return 1
  fi
  if [ -n "$(renovate_offline_problems "$out/renovate.log" | tee "$out/why")" ]; then
    return 1
  fi
  mkdir -p "$home/reports"
  cp "$out/report.json" "$home/reports/$key.json.$$" && mv "$home/reports/$key.json.$$" "$home/reports/$key.json"
}
