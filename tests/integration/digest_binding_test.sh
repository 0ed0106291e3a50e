#!/usr/bin/env bash
# Decisions are bound to digests: a tag@digest reference is judged by its digest, a tag that
# moves to another image is judged by what it points to now (and, in the server, once its tag TTL
# has passed), eight containers of one image cost the registry requests of one, and a cached
# review costs none. Real registry (mode none), signed fixture world, driftgate review and serve.
# Env: BUILD (build dir with driftgate). Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
world_up none
skopeo_copy() { skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$1" "docker://$2"; }

review() { # file → prints "allowed message" JSON line; stderr log in $work/review.log
  "$dg" review --policy "$POLICY" --plain-http "$REGISTRY" "$1" 2> "$work/review.log" |
    jq -c '.response | [.allowed, (.status.message // "")]'
}
render() { # outdir image...
  local out=$1; shift
  bash "$top/tests/integration/review-objects.sh" -o "$out" -k pod "$@" >/dev/null 2>&1
}
requests() { jq -s -r '[.[] | select(.review) | .registry_requests][0]' "$1"; }
allowed_is() { # DIR WANT: reviews DIR/pod.json (the answer stays in r); true when response.allowed is WANT
  r=$(review "$1/pod.json")
  [ "$(jq -r '.[0]' <<< "$r")" = "$2" ]
}

# 1. tag@digest: the digest decides, whatever the tag says now.
render "$work/pin-ok" "$REGISTRY/demo/app:ok@$PROD_OK_DIGEST"
allowed_is "$work/pin-ok" true
ok $? "app:ok@<ok digest> is allowed" "$r"
render "$work/pin-bad" "$REGISTRY/demo/app:ok@$PROD_UNSIGNED_DIGEST"
allowed_is "$work/pin-bad" false && grep -qF "$PROD_UNSIGNED_DIGEST" <<< "$r" &&
  grep -q 'no verified signature' <<< "$r"
ok $? "app:ok@<unsigned digest> is denied by its digest, not its tag" "$r"

# An invalid reference is denied with the reason, before any registry request.
render "$work/invalid" "$REGISTRY/demo/App:UPPER"
allowed_is "$work/invalid" false && grep -q 'invalid image reference' <<< "$r" &&
  grep -q 'spec.containers\[0\].image' <<< "$r" && [ "$(requests "$work/review.log")" = 0 ]
ok $? "an invalid image reference is denied with the reason and its JSON path" "$r"

# 2. A tag moved after an earlier review: judged by the image it points to now.
skopeo_copy "$REGISTRY/demo/app:ok" "$REGISTRY/demo/app:moving"
skopeo_copy "$REGISTRY/demo/devcontainer:ok" "$REGISTRY/demo/devcontainer:moving"
render "$work/moving" "$REGISTRY/demo/app:moving"
allowed_is "$work/moving" true
ok $? "app:moving (pointing at the signed image) is allowed" "$r"
skopeo_copy "$REGISTRY/demo/app:unsigned" "$REGISTRY/demo/app:moving"
allowed_is "$work/moving" false && grep -qF "$PROD_UNSIGNED_DIGEST" <<< "$r"
ok $? "after app:moving moved to the unsigned image it is denied, naming the new digest" "$r"

# 3. Eight containers of one image cost what one costs.
render "$work/one" "$REGISTRY/demo/app:ok"
review "$work/one/pod.json" >/dev/null
one=$(requests "$work/review.log")
refs8=(); for _ in 1 2 3 4 5 6 7 8; do refs8+=("$REGISTRY/demo/app:ok"); done
render "$work/eight" "${refs8[@]}"
r=$(review "$work/eight/pod.json")
eight=$(requests "$work/review.log")
[ "$(jq -r '.[0]' <<< "$r")" = true ] && [ -n "$one" ] && [ "$one" -gt 0 ] && [ "$eight" = "$one" ]
ok $? "8 containers of one image: $eight registry requests, same as 1 container ($one)" "$r"
[ "$one" -le 8 ]
ok $? "a cold review of a signed image with a dev reference costs at most 8 requests ($one)"

# 4. The server caches: a repeated review costs no request; a moved tag is seen after its TTL.
serve_up readyz <<YAML; check $? "driftgate serve is ready" "$(tail -20 "$serve_log")"
policy: "$POLICY"
registry: {plainHTTP: ["$REGISTRY"]}
cache: {tagTTLSeconds: 5}
workers: 1
YAML
skopeo_copy "$REGISTRY/demo/app:ok" "$REGISTRY/demo/app:moving"
a1=$(post_allowed "$work/moving/pod.json"); a2=$(post_allowed "$work/moving/pod.json")
reqs=$(jq -s -r '[.[] | select(.review) | .registry_requests] | join(" ")' "$work/serve.log")
[ "$a1" = true ] && [ "$a2" = true ] && [ "${reqs##* }" = 0 ]
ok $? "serve: the second identical review is answered from the cache (requests per review: $reqs)"
skopeo_copy "$REGISTRY/demo/app:unsigned" "$REGISTRY/demo/app:moving"
a3=$(post_allowed "$work/moving/pod.json")
sleep 5.5
a4=$(post_allowed "$work/moving/pod.json")
[ "$a3" = true ] && [ "$a4" = false ]
ok $? "serve: a moved tag is seen once its 5 s TTL has passed (before: $a3, after: $a4)"
done_testing
