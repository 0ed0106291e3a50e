#!/usr/bin/env bash
# shellcheck disable=SC2317 # has, eq, not_running and the push helpers run through check's "$@"
# webhook/registry against Debian's real docker-registry on 127.0.0.1, in no-auth, basic and token
# modes: a hand-made OCI image pushed with skopeo, cosign classic .att/.sig manifests pushed with
# curl (random blobs: this tests transport, not crypto), then tests/integration/registry_probe
# (resolve, cosign layers, request counts) checked against skopeo and the registry.
# Env: BUILD=<absolute build dir holding tests/integration/registry_probe>. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
probe=$BUILD/tests/integration/registry_probe
registry_sh=$top/tests/support/registry.sh

check() { # name command...
  local name=$1
  shift
  "$@" > "$work/check.out" 2>&1
  ok $? "$name" "$(cat "$work/check.out")"
}
has() { grep -qF -- "$2" <<< "$1" || { printf 'expected %s in:\n%s\n' "$2" "$1"; return 1; }; }
eq() { [ "$1" = "$2" ] || { printf 'expected [%s], got [%s]\n' "$2" "$1"; return 1; }; }
# A pid is gone when /proc has no live process for it (an unreaped zombie counts as gone).
not_running() {
  local pid state
  for pid in "$@"; do
    [ -z "$pid" ] && continue
    # read once: a process that exits between a test for the file and the read is gone too
    state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) || continue
    if [ -n "$state" ] && [ "$state" != Z ]; then
      echo "pid $pid still running"; return 1
    fi
  done
}
field() { sed -n "s/^$2=//p" <<< "$1" | head -1; }

need_exec "$probe"
for tool in docker-registry skopeo htpasswd node jq curl openssl; do
  command -v "$tool" > /dev/null || bail "$tool is installed"
done

# ---- a reproducible one-layer OCI layout (notes/sigstore-fixtures.md §2) ----
layout=$work/layout
build_layout() {
  local root=$work/rootfs diff layer config manifest
  mkdir -p "$root/etc" "$layout/blobs/sha256"
  printf 'driftgate registry test\n' > "$root/etc/motd"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$root" -cf "$work/layer.tar" .
  gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"
  diff=$(sha256sum < "$work/layer.tar" | cut -d' ' -f1)
  layer=$(sha256sum < "$work/layer.tar.gz" | cut -d' ' -f1)
  cp "$work/layer.tar.gz" "$layout/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/true"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff" > "$work/config.json"
  config=$(sha256sum < "$work/config.json" | cut -d' ' -f1)
  cp "$work/config.json" "$layout/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(stat -c %s "$work/config.json")" "$layer" "$(stat -c %s "$work/layer.tar.gz")" > "$work/manifest.json"
  manifest=$(sha256sum < "$work/manifest.json" | cut -d' ' -f1)
  cp "$work/manifest.json" "$layout/blobs/sha256/$manifest"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
    "$manifest" "$(stat -c %s "$work/manifest.json")" > "$layout/index.json"
  echo "sha256:$manifest"
}
layout_digest=$(build_layout)

# ---- pushing by hand (notes §6) ----
auth_header() { # repo → curl -H argument for pushing (empty in mode none)
  local tok
  case $REGISTRY_MODE in
    none) echo "X-No-Auth: 1" ;;
    basic) echo "Authorization: Basic $(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)" ;;
    token)
      tok=$(curl -sf -u "$REGISTRY_USER:$REGISTRY_PASS" \
        "$TOKEN_REALM?service=fixture-registry&scope=repository:$1:pull,push" | jq -r .token)
      echo "Authorization: Bearer $tok" ;;
  esac
}

push_blob() { # repo file → digest
  local repo=$1 file=$2 hex loc hdr
  hdr=$(auth_header "$repo")
  hex=$(sha256sum < "$file" | cut -d' ' -f1)
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -I -H "$hdr" "http://$REGISTRY/v2/$repo/blobs/sha256:$hex")" != 200 ]; then
    loc=$(curl -s -D - -o /dev/null -X POST -H "$hdr" "http://$REGISTRY/v2/$repo/blobs/uploads/" |
      sed -n 's/^Location: //Ip' | tr -d '\r')
    case $loc in /*) loc="http://$REGISTRY$loc" ;; esac
    case $loc in *\?*) loc="$loc&digest=sha256:$hex" ;; *) loc="$loc?digest=sha256:$hex" ;; esac
    curl -sf -o /dev/null -X PUT -H "$hdr" -H 'Content-Type: application/octet-stream' \
      --data-binary "@$file" "$loc" || { echo "push blob $file failed" >&2; return 1; }
  fi
  echo "sha256:$hex"
}

push_manifest() { # repo tag file
  curl -sf -o /dev/null -X PUT -H "$(auth_header "$1")" \
    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$3" "http://$REGISTRY/v2/$1/manifests/$2"
}

# push_cosign repo image-digest suffix n-layers: a cosign classic manifest with random blobs and
# the annotations cosign writes (PEMs with newlines, a JSON bundle).
push_cosign() {
  local repo=$1 digest=$2 suffix=$3 count=$4 i blob d size mt layers='[]' diffs='[]' ann cfg
  for i in $(seq 0 $((count - 1))); do
    blob=$work/$suffix-blob-$i
    head -c $((100 + i * 37)) /dev/urandom | base64 -w0 > "$blob"
    d=$(push_blob "$repo" "$blob") || return 1
    size=$(stat -c %s "$blob")
    if [ "$suffix" = att ]; then
      mt=application/vnd.dsse.envelope.v1+json
      ann=$(jq -n --arg i "$i" '{"dev.cosignproject.cosign/signature":"",
        "predicateType":"https://cyclonedx.org/bom",
        "dev.sigstore.cosign/certificate":("-----BEGIN CERTIFICATE-----\nLEAF" + $i + "\n-----END CERTIFICATE-----\n"),
        "dev.sigstore.cosign/chain":"-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n",
        "dev.sigstore.cosign/bundle":"{\"SignedEntryTimestamp\":\"c2V0\",\"Payload\":{\"logIndex\":7}}"}')
    else
      mt=application/vnd.dev.cosign.simplesigning.v1+json
      ann=$(jq -n --arg i "$i" '{"dev.cosignproject.cosign/signature":("TUVVQ0lR" + $i)}')
    fi
    layers=$(jq -c --arg mt "$mt" --arg d "$d" --argjson s "$size" --argjson a "$ann" \
      '. + [{mediaType:$mt,digest:$d,size:$s,annotations:$a}]' <<< "$layers")
    diffs=$(jq -c --arg d "$d" '. + [$d]' <<< "$diffs")
  done
  jq -cn --argjson diffs "$diffs" '{architecture:"",created:"0001-01-01T00:00:00Z",
    history:[{created:"0001-01-01T00:00:00Z"}],os:"",rootfs:{type:"layers",diff_ids:$diffs},config:{}}' \
    > "$work/$suffix-config.json"
  cfg=$(push_blob "$repo" "$work/$suffix-config.json") || return 1
  jq -cn --arg cfg "$cfg" --argjson size "$(stat -c %s "$work/$suffix-config.json")" --argjson layers "$layers" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cfg,size:$size},layers:$layers}' \
    > "$work/$suffix-manifest.json"
  push_manifest "$repo" "sha256-${digest#sha256:}.$suffix" "$work/$suffix-manifest.json"
}

docker_config() { # file user pass
  jq -n --arg k "$REGISTRY" --arg a "$(printf '%s:%s' "$2" "$3" | base64 -w0)" \
    '{auths:{"https://index.docker.io/v1/":{auth:"bm90OnVzZWQ="}, ($k):{auth:$a}}}' > "$1"
}

run_mode() {
  local mode=$1
  local dir=$work/$mode creds=() cfg=() out digest want_resolve
  mkdir -p "$dir"
  on_exit "$registry_sh" stop "$dir"
  if ! out=$("$registry_sh" start "$mode" "$dir"); then
    ok 1 "$mode: registry starts"
    return
  fi
  eval "$out"
  ok 0 "$mode: registry starts on $REGISTRY"
  [ "$mode" != none ] && creds=(--dest-creds "$REGISTRY_USER:$REGISTRY_PASS")
  check "$mode: skopeo pushes the OCI image" \
    skopeo copy --quiet --dest-tls-verify=false "${creds[@]}" "oci:$layout:v1" "docker://$REGISTRY/demo/app:v1"
  check "$mode: skopeo pushes it to a second repository" \
    skopeo copy --quiet --dest-tls-verify=false "${creds[@]}" "oci:$layout:v1" "docker://$REGISTRY/demo/bare:v1"
  [ "$mode" != none ] && creds=(--creds "$REGISTRY_USER:$REGISTRY_PASS")
  digest=$(skopeo inspect --tls-verify=false "${creds[@]}" --format '{{.Digest}}' "docker://$REGISTRY/demo/app:v1" 2>&1)
  check "$mode: skopeo's digest is the layout's" eq "$digest" "$layout_digest"
  check "$mode: .att pushed with curl" push_cosign demo/app "$digest" att 2
  check "$mode: .sig pushed with curl" push_cosign demo/app "$digest" sig 1

  if [ "$mode" != none ]; then
    docker_config "$dir/config.json" "$REGISTRY_USER" "$REGISTRY_PASS"
    docker_config "$dir/wrong.json" "$REGISTRY_USER" "not-the-password"
    cfg=(--docker-config "$dir/config.json")
  fi
  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" --repeat "$REGISTRY/demo/app:v1" att sig 2>&1)
  check "$mode: probe succeeds" has "$out" "requests.total="
  check "$mode: resolved digest equals skopeo's" eq "$(field "$out" digest)" "$digest"
  check "$mode: two .att layers" eq "$(field "$out" att.layers)" 2
  check "$mode: .att predicateType annotation" eq "$(field "$out" 'layer\[1\].predicate_type')" "https://cyclonedx.org/bom"
  check "$mode: .att certificate annotation keeps its newlines" has "$out" "layer[0].certificate=-----BEGIN CERTIFICATE-----"
  check "$mode: .att bundle annotation" has "$out" 'layer[1].bundle={"SignedEntryTimestamp":"c2V0"'
  check "$mode: .att layer blob fetched" eq "$(field "$out" 'layer\[0\].blob_bytes')" "$(stat -c %s "$work/att-blob-0")"
  check "$mode: .sig layer with its signature annotation" has "$out" "layer[0].signature=TUVVQ0lR0"
  check "$mode: .sig has one layer" eq "$(field "$out" sig.layers)" 1
  case $mode in none) want_resolve=1 ;; basic) want_resolve=2 ;; token) want_resolve=3 ;; esac
  check "$mode: cold resolve takes $want_resolve request(s) (1 after auth)" eq "$(field "$out" requests.resolve)" "$want_resolve"
  check "$mode: warm resolve reuses the cached auth (1 request)" eq "$(field "$out" requests.resolve_again)" 1
  check "$mode: .att manifest + 2 blobs = 3 requests" eq "$(field "$out" requests.att)" 3
  check "$mode: cold resolve + .att = 4 requests after auth" \
    eq "$(( $(field "$out" requests.resolve) - want_resolve + 1 + $(field "$out" requests.att) ))" 4

  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" "$REGISTRY/demo/app@$digest" 2>&1)
  check "$mode: a digest ref resolves with no request" eq "$(field "$out" requests.resolve)" 0
  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" --manifest "$digest" "$REGISTRY/demo/app:v1" 2>&1)
  check "$mode: manifest by digest is checked and parsed" eq "$(field "$out" manifest.digest)/$(field "$out" manifest.layers)" "$digest/1"
  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" "$REGISTRY/demo/app:nope" 2>&1)
  check "$mode: missing tag is not_found with registry, repo, request and status" \
    has "$out" "error=not_found: $REGISTRY/demo/app: HEAD manifest nope: HTTP 404"
  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" "$REGISTRY/demo/bare:v1" att 2>&1)
  check "$mode: image without .att is not_found naming the tag" \
    has "$out" "error=not_found: $REGISTRY/demo/bare: GET manifest sha256-${digest#sha256:}.att: HTTP 404 (MANIFEST_UNKNOWN)"
  out=$("$probe" "${cfg[@]}" --plain "$REGISTRY" --timeout-ms 0 "$REGISTRY/demo/app:v1" 2>&1)
  check "$mode: a passed deadline is a timeout before sending" has "$out" "error=timeout: "
  out=$("$probe" "${cfg[@]}" "$REGISTRY/demo/app:v1" 2>&1)
  check "$mode: without --plain the client insists on https" has "$out" "error=unavailable: $REGISTRY/demo/app: HEAD manifest v1: "

  if [ "$mode" != none ]; then
    out=$("$probe" --docker-config "$dir/wrong.json" --plain "$REGISTRY" "$REGISTRY/demo/app:v1" 2>&1)
    check "$mode: wrong password → unavailable, check the credentials" \
      has "$out" "check the credentials for $REGISTRY"
    check "$mode: wrong password error names the request" has "$out" "error=unavailable: $REGISTRY/demo/app: HEAD manifest v1: "
    out=$("$probe" --plain "$REGISTRY" "$REGISTRY/demo/app:v1" 2>&1)
    check "$mode: no credentials → unavailable, check the credentials" \
      has "$out" "check the credentials for $REGISTRY"
  fi
  if [ "$mode" = token ]; then
    local stats
    stats=$(curl -s "${TOKEN_REALM%/token}/stats")
    check "token: the token server saw the probe's token requests" \
      test "$(jq .tokens <<< "$stats")" -ge 5
    check "token: the token server refused the wrong password" \
      test "$(jq .denied <<< "$stats")" -ge 1
  fi
  "$registry_sh" stop "$dir"
  check "$mode: stop leaves nothing running" not_running "$REGISTRY_PID" "$TOKEN_PID"
}

# https with the registry's own CA: trusted only through ca_file (on top of the system bundle).
run_tls() {
  local dir=$work/tls out digest
  mkdir -p "$dir"
  on_exit "$registry_sh" stop "$dir"
  if ! out=$("$registry_sh" start tls "$dir"); then
    ok 1 "tls: registry starts"
    return
  fi
  eval "$out"
  ok 0 "tls: registry starts on https://$REGISTRY"
  check "tls: skopeo pushes the OCI image" \
    skopeo copy --quiet --dest-cert-dir "$dir/skopeo-certs" --dest-tls-verify=false "oci:$layout:v1" "docker://$REGISTRY/demo/app:v1"
  out=$("$probe" --ca-file "$REGISTRY_CA" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: with ca_file the digest resolves over https" eq "$(field "$out" digest)" "$layout_digest"
  out=$("$probe" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: without ca_file the certificate is refused (unavailable)" \
    has "$out" "error=unavailable: $REGISTRY/demo/app: HEAD manifest v1: "
  # registry.caFiles: the CA is trusted for its own host only. The server certificate names both
  # 127.0.0.1 and localhost, so the same registry reached as localhost:PORT is "another host".
  local port=${REGISTRY##*:}
  out=$("$probe" --registry-ca "$REGISTRY=$REGISTRY_CA" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: a CA mapped to the registry's host resolves over https" \
    eq "$(field "$out" digest)" "$layout_digest"
  out=$("$probe" --registry-ca "LOCALHOST:$port=$REGISTRY_CA" "localhost:$port/demo/app:v1" 2>&1)
  check "tls: host keys compare case-insensitively" eq "$(field "$out" digest)" "$layout_digest"
  out=$("$probe" --registry-ca "registry.example.com=$REGISTRY_CA" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: a CA mapped to another host is not trusted: TLS error naming the registry" \
    has "$out" "error=unavailable: $REGISTRY/demo/app: HEAD manifest v1: SSL certificate problem"
  out=$("$probe" --registry-ca "127.0.0.1:1=$REGISTRY_CA" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: the port is part of the host: CA for another port refused" \
    has "$out" "error=unavailable: $REGISTRY/demo/app: HEAD manifest v1: SSL certificate problem"
  # One client, two hosts, both orders: a CA added for one connection must not reach the next
  # (libcurl would otherwise hand its cached certificate store to every later connection).
  out=$("$probe" --registry-ca "$REGISTRY=$REGISTRY_CA" --then "localhost:$port/demo/app:v1" \
    "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: mapped host first: it resolves" eq "$(field "$out" digest)" "$layout_digest"
  check "tls: mapped host first: the unmapped host after it is still refused" \
    has "$out" "then.error=unavailable: localhost:$port/demo/app: HEAD manifest v1: SSL certificate problem"
  out=$("$probe" --registry-ca "$REGISTRY=$REGISTRY_CA" --then "$REGISTRY/demo/app:v1" \
    "localhost:$port/demo/app:v1" 2>&1)
  check "tls: unmapped host first: it is refused" \
    has "$out" "error=unavailable: localhost:$port/demo/app: HEAD manifest v1: SSL certificate problem"
  check "tls: unmapped host first: the mapped host after it resolves" \
    eq "$(field "$out" then.digest)" "$layout_digest"
  out=$("$probe" --ca-file "$REGISTRY_CA" --registry-ca "registry.example.com=$REGISTRY_CA" \
    --then "localhost:$port/demo/app:v1" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: the global ca_file still serves every host beside per-registry CAs" \
    eq "$(field "$out" digest) $(field "$out" then.digest)" "$layout_digest $layout_digest"
  out=$("$probe" --registry-ca "$REGISTRY=$dir/server-key.pem" "$REGISTRY/demo/app:v1" 2>&1)
  check "tls: a CA file without a certificate is refused at client creation (invalid)" \
    has "$out" "error=invalid: registry client: CA file $dir/server-key.pem for $REGISTRY: no PEM certificate"
  "$registry_sh" stop "$dir"
}

for mode in none basic token; do
  run_mode "$mode"
done
run_tls
done_testing
