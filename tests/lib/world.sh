# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # top and work come from tap.sh; world and fixtures are for the suite
# World helpers (tap.sh sources this file): one fixture world with modes, built by the scripts in
# tests/support/fixtures/ and stopped at exit.
#   world_up MODE [DIR]   builds the world in DIR (default $work/world), registers its stop,
#                         sources its env files and prints one test line: "fixture world
#                         (MODE) builds"; on failure that line fails with the log's tail and the
#                         suite ends (done_testing). Sets world (the directory). Modes:
#     none | basic | token  world.sh: a registry (no auth, basic, token), signed prod/dev pairs
#     multiarch             none + multiarch.sh (multi-arch indexes, MULTI_* variables)
#     basic+multiarch, ...  any registry mode + multiarch
#     predicates            predicates-world.sh (provenance, vuln, agent attestations; PRED_*)
#     keyless               keyless-world.sh (keyless signatures with a mock Fulcio/Rekor; KL_*)
fixtures=$top/tests/support/fixtures
world=

# world_build MODE DIR: builds the world (output on stdout/stderr); no test line, no env.
world_build() {
  local mode=$1 dir=$2 reg
  case $mode in
    predicates) bash "$fixtures/predicates-world.sh" "$dir" ;;
    keyless) bash "$fixtures/keyless-world.sh" "$dir" ;;
    *+multiarch)
      reg=${mode%+multiarch}
      bash "$fixtures/world.sh" "$dir" "$reg" && bash "$fixtures/multiarch.sh" "$dir" ;;
    multiarch) bash "$fixtures/world.sh" "$dir" none && bash "$fixtures/multiarch.sh" "$dir" ;;
    *) bash "$fixtures/world.sh" "$dir" "$mode" ;;
  esac
}
# world_source DIR: sources the env files a world wrote.
world_source() {
  local f
  for f in world predicates keyless; do
    # shellcheck disable=SC1090 # written by a fixture at run time
    if [ -f "$1/$f.env" ]; then . "$1/$f.env"; fi
  done
}
# world_config POLICY [WORKERS]: the lines of a serve config for the world: POLICY, the world's
# registry over plain HTTP with its docker config, WORKERS workers (default 2). For serve_up:
#   serve_up readyz < <(world_config "$POLICY")
world_config() {
  printf 'policy: "%s"\nregistry:\n  plainHTTP: ["%s"]\n  dockerConfig: "%s"\nworkers: %s\n' \
    "$1" "$REGISTRY" "$DOCKER_CONFIG" "${2:-2}"
}
# expect_review IMAGE POLICY ALLOWED NAME [NEEDLE...]: one test line from the suite's own
# `review IMAGE POLICY` (a TSV whose first field is response.allowed): it says ALLOWED and holds
# every NEEDLE (fixed strings); the answer is the failure's detail and stays in r.
expect_review() {
  local want=$3 name=$4 n
  r=$(review "$1" "$2")
  shift 4
  if [ "$(cut -f1 <<< "$r")" != "$want" ]; then fail "$name" "$r"; return 0; fi
  for n in "$@"; do
    if ! grep -qF -- "$n" <<< "$r"; then fail "$name" "$r"; return 0; fi
  done
  pass "$name"
}
world_up() { # MODE [DIR]
  local mode=$1 dir=${2:-$work/world}
  on_exit bash "$fixtures/world.sh" stop "$dir"
  if ! world_build "$mode" "$dir" > "$work/world-$mode.log" 2>&1; then
    bail "fixture world ($mode) builds" "$(tail -20 "$work/world-$mode.log")"
  fi
  pass "fixture world ($mode) builds"
  world=$(cd "$dir" && pwd)
  world_source "$world"
}
