#!/usr/bin/env bash
# A throwaway Debian docker-registry (CNCF distribution 2.8) on 127.0.0.1 for tests.
#
#   eval "$(tests/support/registry.sh start none|basic|token|tls DIR)"
#   trap 'tests/support/registry.sh stop DIR' EXIT
#
# start prints eval-able assignments, one per line:
#   REGISTRY=127.0.0.1:PORT REGISTRY_PID=N TOKEN_PID=N|'' TOKEN_REALM=URL|'' REGISTRY_MODE=MODE
#   REGISTRY_CA=DIR/ca.pem|'' (tls only)
#   REGISTRY_USER=alice|'' REGISTRY_PASS=wonderland|''   (empty in mode none: send no credentials)
# Everything (config, storage, htpasswd, token key/cert, logs, pid files) lives under DIR.
# basic: htpasswd user alice / wonderland (bcrypt cost 4). token: tests/support/token-server.js
# (Node, no deps) on its own free port; it checks Basic alice/wonderland and serves
# GET /stats → {"requests","tokens","denied"}. tls: no auth, https with a fresh CA; also prints
# REGISTRY_CA=DIR/ca.pem (the CA to trust). stop kills what start started (pids in DIR).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
USER_NAME=alice
USER_PASS=wonderland

cleanup_dir=
# On a failed start, stop whatever this start already launched.
die() {
  echo "registry.sh: $*" >&2
  if [ -n "$cleanup_dir" ]; then cmd_stop "$cleanup_dir"; fi
  exit 1
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close();});'
}

# pid_is NAME PIDFILE: true if the pid in PIDFILE is alive and its command line holds NAME
# (so a recycled pid is never killed).
pid_is() {
  local pid
  [ -s "$2" ] || return 1
  pid=$(cat "$2")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$1"
}

stop_one() { # NAME PIDFILE
  local pid
  if pid_is "$1" "$2"; then
    pid=$(cat "$2")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      pid_is "$1" "$2" || break
      sleep 0.1
    done
    if pid_is "$1" "$2"; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$2"
}

cmd_stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  stop_one docker-registry "$dir/registry.pid"
  stop_one token-server.js "$dir/token.pid"
}

start_token() { # DIR → sets token_port, token_pid
  local dir=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=fixture-token-issuer -keyout "$dir/token-key.pem" -out "$dir/token-cert.pem" \
    > "$dir/openssl.log" 2>&1 || die "openssl req failed: $(cat "$dir/openssl.log")"
  rm -f "$dir/token.port"
  node "$here/token-server.js" --key "$dir/token-key.pem" --cert "$dir/token-cert.pem" \
    --service fixture-registry --issuer fixture-token-issuer --user "$USER_NAME" \
    --pass "$USER_PASS" --port-file "$dir/token.port" \
    < /dev/null > "$dir/token.log" 2>&1 &
  token_pid=$!
  echo "$token_pid" > "$dir/token.pid"
  for _ in $(seq 1 100); do
    [ -s "$dir/token.port" ] && break
    kill -0 "$token_pid" 2>/dev/null || die "token server exited: $(cat "$dir/token.log")"
    sleep 0.05
  done
  [ -s "$dir/token.port" ] || die "token server did not listen within 5 s"
  token_port=$(cat "$dir/token.port")
  # Wait until it answers (an unauthenticated request is a 401, which proves it listens).
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$token_port/stats" && return 0
    sleep 0.05
  done
  die "token server on port $token_port does not answer"
}

write_config() { # DIR MODE PORT
  local dir=$1 mode=$2 port=$3
  {
    printf '%s\n' 'version: 0.1' \
      'log: { level: warn, accesslog: { disabled: true } }' \
      'storage:' \
      "  filesystem: { rootdirectory: $dir/storage }" \
      '  delete: { enabled: true }' \
      '  maintenance: { uploadpurging: { enabled: false } }' \
      'http:' "  addr: 127.0.0.1:$port" '  secret: fixture-not-secret'
    case $mode in
      tls)
        printf '%s\n' "  tls: { certificate: $dir/server.pem, key: $dir/server-key.pem }" ;;
      basic)
        printf '%s\n' 'auth:' "  htpasswd: { realm: fixture-realm, path: $dir/htpasswd }" ;;
      token)
        printf '%s\n' 'auth:' '  token:' \
          "    realm: http://127.0.0.1:$token_port/token" \
          '    service: fixture-registry' \
          '    issuer: fixture-token-issuer' \
          "    rootcertbundle: $dir/token-cert.pem" ;;
    esac
  } > "$dir/config.yml"
}

make_tls() { # DIR: a throwaway CA and a server cert for 127.0.0.1 signed by it
  local dir=$1
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj /CN=fixture-registry-ca -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" &&
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
        -keyout "$dir/server-key.pem" -out "$dir/server.csr" &&
      printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'extendedKeyUsage=serverAuth' \
        'basicConstraints=CA:FALSE' > "$dir/server.ext" &&
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
        -CAcreateserial -days 3650 -extfile "$dir/server.ext" -out "$dir/server.pem"
  } > "$dir/openssl.log" 2>&1 || die "openssl (tls) failed: $(cat "$dir/openssl.log")"
}

cmd_start() {
  local mode=$1 dir=$2 port code pid=
  case $mode in none|basic|token|tls) ;; *) die "mode must be none, basic, token or tls, not '$mode'" ;; esac
  mkdir -p "$dir/storage"
  dir=$(cd "$dir" && pwd)
  cleanup_dir=$dir
  token_pid=
  token_port=
  if [ "$mode" = basic ]; then
    htpasswd -Bbn -C 4 "$USER_NAME" "$USER_PASS" > "$dir/htpasswd" 2> "$dir/htpasswd.log" \
      || die "htpasswd failed: $(cat "$dir/htpasswd.log")"
  fi
  [ "$mode" = token ] && start_token "$dir"
  [ "$mode" = tls ] && make_tls "$dir"
  # A free port can be taken between probing and binding: retry with a new one.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    write_config "$dir" "$mode" "$port"
    docker-registry serve "$dir/config.yml" < /dev/null > "$dir/registry.log" 2>&1 &
    pid=$!
    echo "$pid" > "$dir/registry.pid"
    for _ in $(seq 1 200); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$mode" = tls ]; then
        code=$(curl -s --cacert "$dir/ca.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/v2/" || true)
      else
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
      fi
      case $code in 200|401)
        printf '%s\n' "REGISTRY=127.0.0.1:$port" "REGISTRY_PID=$pid" "TOKEN_PID=$token_pid" \
          "TOKEN_REALM=${token_port:+http://127.0.0.1:$token_port/token}" "REGISTRY_MODE=$mode" \
          "REGISTRY_CA=$([ "$mode" = tls ] && echo "$dir/ca.pem")"
        if [ "$mode" = none ] || [ "$mode" = tls ]; then
          printf '%s\n' "REGISTRY_USER=" "REGISTRY_PASS="
        else
          printf '%s\n' "REGISTRY_USER=$USER_NAME" "REGISTRY_PASS=$USER_PASS"
        fi
        return 0 ;;
      esac
      sleep 0.05
    done
    stop_one docker-registry "$dir/registry.pid"
  done
  die "docker-registry did not answer GET /v2/ (log: $(tail -5 "$dir/registry.log"))"
}

case ${1:-} in
  start) [ $# -eq 3 ] || die "usage: registry.sh start none|basic|token DIR"; cmd_start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: registry.sh stop DIR"; cmd_stop "$2" ;;
  *) die "usage: registry.sh start none|basic|token DIR | registry.sh stop DIR" ;;
esac
