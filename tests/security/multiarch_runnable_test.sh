#!/usr/bin/env bash
# Issue 12, item 2: every entry of a multi-arch index that a runtime could pull must verify.
#
# The attacker can push to a covered repository but holds no signing key. Next to the signed
# image manifest S they list an unsigned one, U, in the index: with no platform, spelled
# "Linux" or "x86_64", with an empty os, inside a nested index, as an unmarked unknown/unknown
# entry, or as a 386 / arm entry that amd64 / arm64 nodes run. containerd normalises case and
# aliases and takes entries without a platform; skopeo (containers/image, what CRI-O pulls with)
# falls back to an entry without a platform and takes the first of two equal platforms.
#
# skopeo is the oracle of what gets pulled: each crafted index is copied with --override-os /
# --override-arch (/--override-variant); for the manifest P it pulls, driftgate is asked about
# the same index in a repository where P is the only unsigned manifest, for a pod on that node
# platform, and must deny naming P. Then every case where U is runnable for the pod is denied
# naming U (containerd's normalisation, beyond what skopeo 1.9 does), a marked attestation
# manifest is not an image, every case is admitted once everything is signed, and `index` mode
# accepts a signed index for all its entries. Real registry (Debian's docker-registry), images
# pushed with skopeo, signatures by @sigstore/sign (fixtures/sign.js). Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
on_exit "$top/tests/support/registry.sh" stop "$work/reg"

need_exec "$dg"
command -v skopeo >/dev/null || bail "skopeo installed"
[ -d "$top/tests/node_modules/@sigstore/sign" ] || bail "tests/node_modules (tests/install-deps.sh)"
eval "$("$top/tests/support/registry.sh" start none "$work/reg")" || bail "registry starts"
{ openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ci.key" 2>/dev/null &&
  openssl pkey -in "$work/ci.key" -pubout -out "$work/ci.pub" 2>/dev/null; } || bail "ci key"

# --- images: S and U, one-layer OCI images, in every repository -----------------------------
REPOS="sign-s sign-u sign-all sign-index"
for v in s u; do
  mkdir -p "$work/rootfs-$v/etc"
  printf 'multiarch-runnable=%s\n' "$v" > "$work/rootfs-$v/etc/driftgate-fixture"
  d=$("$top/tests/support/fixtures/oci-image.sh" "$work/rootfs-$v" "$work/lay-$v" "$v") || bail "oci-image $v"
  printf -v "$(tr '[:lower:]' '[:upper:]' <<< "$v")" '%s' "$d"
  for r in $REPOS; do
    skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$work/lay-$v:$v" \
      "docker://$REGISTRY/sec/$r:$v" 2>> "$work/push.log" || bail "skopeo push $v to $r" "$(tail -3 "$work/push.log")"
  done
done
SIZE_S=$(stat -c %s "$work/lay-s/blobs/sha256/${S#sha256:}")
SIZE_U=$(stat -c %s "$work/lay-u/blobs/sha256/${U#sha256:}")

MT_M=application/vnd.oci.image.manifest.v1+json
MT_I=application/vnd.oci.image.index.v1+json
ent() { # DIGEST SIZE PLATFORM_JSON|- [ANNOTATIONS_JSON] → a descriptor
  local p='' an=''
  [ "$3" != - ] && p=",\"platform\":$3"
  [ -n "${4:-}" ] && an=",\"annotations\":$4"
  printf '{"mediaType":"%s","digest":"%s","size":%s%s%s}' "$MT_M" "$1" "$2" "$p" "$an"
}
index_body() { printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$MT_I" "$1"; }
put_index() { # REPO TAG BODY → digest
  curl -sf -X PUT -H "Content-Type: $MT_I" --data-binary "$3" \
    "http://$REGISTRY/v2/sec/$1/manifests/$2" -o /dev/null || return 1
  printf 'sha256:%s' "$(printf '%s' "$3" | sha256sum | cut -d' ' -f1)"
}

S_AMD=$(ent "$S" "$SIZE_S" '{"os":"linux","architecture":"amd64"}')
S_ARM64=$(ent "$S" "$SIZE_S" '{"os":"linux","architecture":"arm64"}')
U_AMD=$(ent "$U" "$SIZE_U" '{"os":"linux","architecture":"amd64"}')
NESTED=$(index_body "$U_AMD")
NESTED_D="sha256:$(printf '%s' "$NESTED" | sha256sum | cut -d' ' -f1)"
N_ENT=$(printf '{"mediaType":"%s","digest":"%s","size":%s}' "$MT_I" "$NESTED_D" "${#NESTED}")
ATT_ANN='{"vnd.docker.reference.type":"attestation-manifest","vnd.docker.reference.digest":"'"$S"'"}'

# case name | entries | pod arch for the class check ("" = no nodeSelector) | U runnable there?
CASES=(
  "noplat|$S_ARM64,$(ent "$U" "$SIZE_U" -)||yes|no platform"
  "dupfirst|$U_AMD,$S_AMD||yes|linux/amd64"
  "capital|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"Linux","architecture":"amd64"}')||yes|Linux/amd64"
  "x86_64|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"linux","architecture":"x86_64"}')|amd64|yes|linux/x86_64"
  "emptyos|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"","architecture":"amd64"}')||yes|\"\"/amd64"
  "nested|$S_AMD,$N_ENT||yes|nested index $NESTED_D"
  "unknown|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"unknown","architecture":"unknown"}')||yes|unknown/unknown"
  "i386|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"linux","architecture":"386"}')|amd64|yes|linux/386"
  "armv6|$S_ARM64,$(ent "$U" "$SIZE_U" '{"os":"linux","architecture":"arm","variant":"v6"}')|arm64|yes|linux/arm/v6"
  "attest|$S_AMD,$(ent "$U" "$SIZE_U" '{"os":"unknown","architecture":"unknown"}' "$ATT_ANN")||no|"
)
declare -A IDX
for r in $REPOS; do
  put_index "$r" nested "$NESTED" > /dev/null || bail "push the nested index to $r"
  for c in "${CASES[@]}"; do
    IFS='|' read -r name entries _ <<< "$c"
    IDX[$name]=$(put_index "$r" "$name" "$(index_body "$entries")") || bail "push index $name to $r"
  done
done

# --- signatures: sign-s has S, sign-u has U, sign-all both, sign-index every index -----------
images="[]"
add() { images=$(jq -c --arg id "$1" --arg repo "sec/$2" --arg d "$3" \
  '. + [{id: $id, repo: $repo, tag: "x", digest: $d, sbom: "", sig: "ci", att: null, referrer: false}]' <<< "$images"); }
add s-in-sign-s sign-s "$S"
add u-in-sign-u sign-u "$U"
add s-in-sign-all sign-all "$S"
add u-in-sign-all sign-all "$U"
for c in "${CASES[@]}"; do IFS='|' read -r name _ <<< "$c"; add "idx-$name" sign-index "${IDX[$name]}"; done
jq -n --arg reg "$REGISTRY" --arg out "$work/signed" --arg key "$work/ci.key" --arg pub "$work/ci.pub" \
  --argjson images "$images" '{registry: $reg, out: $out, images: $images, keys: {ci: {key: $key, pub: $pub}}}' \
  > "$work/plan.json"
(cd "$top/tests" && node "$top/tests/support/fixtures/sign.js" "$work/plan.json") > "$work/sign.log" 2>&1 ||
  bail "sign.js signs the fixtures" "$(tail -5 "$work/sign.log")"

for mode in any each index; do
  {
    policy_head
    policy_key_signer ci-key "$work/ci.pub"
    cat <<YAML
  images:
    - name: sec
      match: ["$REGISTRY/sec/**"]
      platforms: $mode
      signatures: {signedBy: [ci-key]}
YAML
  } > "$work/policy-$mode.yaml"
done
review() { # MODE IMAGE POD_ARCH → "allowed<TAB>message"
  local sel='{}'
  [ -n "$3" ] && sel="{\"kubernetes.io/arch\":\"$3\"}"
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"nodeSelector":%s,"containers":[{"name":"c","image":"%s"}]}}}}' \
    "$sel" "$2" > "$work/review.json"
  "$dg" review --policy "$work/policy-$1.yaml" --plain-http "$REGISTRY" "$work/review.json" 2>> "$work/review.log" |
    jq -r '.response | [(.allowed|tostring), (.status.message // "")] | @tsv'
}
expect_deny() { # MODE IMAGE POD_ARCH NAME NEEDLE...
  local mode=$1 image=$2 arch=$3 name=$4 r rc=0 p
  shift 4
  r=$(review "$mode" "$image" "$arch")
  [ "${r%%$'\t'*}" = false ] || rc=1
  for p in "$@"; do grep -qF -- "$p" <<< "$r" || rc=1; done
  ok $rc "$name" "$r"
}
expect_allow() { # MODE IMAGE POD_ARCH NAME
  local r
  r=$(review "$1" "$2" "$3")
  [ "${r%%$'\t'*}" = true ]
  ok $? "$4" "$r"
}

# --- the oracle: what skopeo pulls on each node platform is what driftgate judges ------------
pick() { # TAG OS ARCH [VARIANT] → the manifest digest skopeo copies, or ""
  local extra=()
  [ -n "${4:-}" ] && extra=(--override-variant "$4")
  rm -rf "$work/pull"
  skopeo copy -q --src-tls-verify=false --override-os "$2" --override-arch "$3" "${extra[@]}" \
    "docker://$REGISTRY/sec/sign-all:$1" "oci:$work/pull:x" > /dev/null 2>> "$work/skopeo.log" || return 0
  jq -r '.manifests[0].digest' "$work/pull/index.json"
}
picked=0
for c in "${CASES[@]}"; do
  IFS='|' read -r name _ <<< "$c"
  for plat in "linux amd64 - amd64" "linux arm64 - arm64" "linux arm v7 arm"; do
    read -r os arch variant node <<< "$plat"
    [ "$variant" = - ] && variant=
    p=$(pick "$name" "$os" "$arch" "$variant")
    [ -n "$p" ] || continue
    picked=$((picked + 1))
    if [ "$p" = "$S" ]; then who=S repo=sign-u; elif [ "$p" = "$U" ]; then who=U repo=sign-s; else
      ok 1 "skopeo pulls a manifest of $name for $os/$arch${variant:+/$variant}" "$p"; continue; fi
    for mode in each any; do
      expect_deny "$mode" "$REGISTRY/sec/$repo:$name" "$node" \
        "$name, $mode: skopeo pulls $who for $os/$arch${variant:+/$variant}; with only $who unsigned driftgate denies, naming it" \
        "$p" "index ${IDX[$name]}"
    done
  done
done
[ "$picked" -ge 12 ]
ok $? "skopeo pulled a manifest in $picked (case, platform) pairs (at least 12)"

# --- the class: U runnable for the pod (containerd's view) is denied, named with its platform ---
for c in "${CASES[@]}"; do
  IFS='|' read -r name _ arch runnable written <<< "$c"
  for mode in each any; do
    if [ "$runnable" = yes ]; then
      expect_deny "$mode" "$REGISTRY/sec/sign-s:$name" "$arch" \
        "$name, $mode${arch:+, pod on $arch}: the unsigned entry ($written) is runnable: denied, naming it" \
        "$U" "index ${IDX[$name]}" "$written" "no verified signature by ci-key"
    else
      expect_allow "$mode" "$REGISTRY/sec/sign-s:$name" "$arch" \
        "$name, $mode: a marked attestation manifest is not an image: allowed"
    fi
  done
  expect_allow each "$REGISTRY/sec/sign-all:$name" "$arch" "$name, each: every entry signed: allowed"
  expect_allow any "$REGISTRY/sec/sign-all:$name" "$arch" "$name, any: every entry signed: allowed"
done

# --- platforms: index: a signed index covers every entry it lists; nothing else does --------
for c in "${CASES[@]}"; do
  IFS='|' read -r name _ arch _ <<< "$c"
  expect_allow index "$REGISTRY/sec/sign-index:$name" "$arch" "$name, index: the signed index covers its entries"
  expect_allow any "$REGISTRY/sec/sign-index:$name" "$arch" "$name, any: the signed index covers its entries"
done
expect_deny each "$REGISTRY/sec/sign-index:noplat" "" \
  "noplat, each: an index signature is not a per-entry signature" "no verified signature by ci-key"
expect_deny index "$REGISTRY/sec/sign-all:noplat" "" \
  "noplat, index: entry signatures without an index signature deny, naming the index" "${IDX[noplat]}"

done_testing
