#!/usr/bin/env bash
# The runtime image, built without a container engine (tests/image/build.sh: rootfs from the
# release binary + its shared libraries + CA bundle + policy + config, then an OCI layout):
# reproducible, readable by skopeo, configured like the Dockerfile (user 65532, entrypoint), and
# it runs: the layer from the layout, unpacked and mounted read-only as /, the serving Secret and
# a config mounted over it as Kubernetes would, run as uid 65532 in a mount namespace
# (chroot + unshare: the daemonless stand-in for `docker run --read-only --user 65532`); it
# answers /healthz, /readyz and a review, and stops on SIGTERM.
# Env: BUILD (dir holding driftgate; default ./build). Prints TAP lines. Needs root (chroot).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
if [ "$(id -u)" != 0 ]; then echo "ok - image run # SKIP needs root for chroot"; exit 0; fi
for c in skopeo unshare chroot; do command -v $c >/dev/null; check $? "$c present"; done
if [ -n "${SAN:-}" ]; then
  # The sanitizer runtime is not in ldd's list the same way; the image is a release artifact.
  echo "ok - image is built from the release binary only # SKIP in the $SAN build"; exit 0
fi

d1=$(bash "$top/tests/image/build.sh" "$dg" "$work/img" test 2> "$work/build.log")
check $? "build.sh builds the OCI layout" "$(cat "$work/build.log")"
d2=$(bash "$top/tests/image/build.sh" "$dg" "$work/img2" test 2>> "$work/build.log")
[ -n "$d1" ] && [ "$d1" = "$d2" ]; check $? "reproducible: the same manifest digest twice ($d1)"
out=$(skopeo inspect --config "oci:$work/img/layout:test" 2>&1)
echo "$out" | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)["config"]
assert c["User"] == "65532:65532", c
assert c["Entrypoint"] == ["/usr/local/bin/driftgate", "serve", "--config", "/etc/driftgate/config.yaml"], c
assert "8443/tcp" in c["ExposedPorts"], c'
check $? "skopeo reads it: user 65532:65532, the Dockerfile's entrypoint, port 8443" "$out"
out=$(skopeo copy -q "oci-archive:$work/img/driftgate-oci.tar:test" "oci:$work/copied:test" 2>&1)
check $? "the one-file archive copies with skopeo (oci-archive → oci)" "$out"

# Unpack the image's layer (from the layout, not the build's rootfs) and run it.
root=$work/run
mkdir -p "$root"
layer=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]; print(json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["layers"][0]["digest"].split(":")[1])' "$work/img/layout")
tar -xzf "$work/img/layout/blobs/sha256/$layer" -C "$root"; check $? "layer unpacks"
mkdir -p "$work/secret"; mint_cert "$work/secret" 127.0.0.1; cacert=$work/secret/tls.crt
# As the kubelet mounts a Secret for a pod with securityContext.fsGroup 65532: group-readable.
chgrp 65532 "$work/secret"/*; chmod 0640 "$work/secret"/*
port=$(free_port)
sed "s/listen: \"0.0.0.0:8443\"/listen: \"127.0.0.1:$port\"/" "$root/etc/driftgate/config.yaml" > "$work/config.yaml"
grep -q "127.0.0.1:$port" "$work/config.yaml"; check $? "the image's own config, with a loopback listen address"
# shellcheck disable=SC2016 # $1.. are the inner sh -c's arguments
unshare -m --propagation private sh -c '
  set -e
  mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"
  mount --bind -o ro "$2" "$1/etc/driftgate/tls"
  mount --bind -o ro "$3" "$1/etc/driftgate/config.yaml"
  exec chroot --userspec=65532:65532 "$1" /usr/local/bin/driftgate serve --config /etc/driftgate/config.yaml
' sh "$root" "$work/secret" "$work/config.yaml" 2> "$work/serve.log" &
pid=$!
base=https://127.0.0.1:$port
up=1
for _ in $(seq 100); do
  if c -o /dev/null "$base/healthz" 2>/dev/null; then up=0; break; fi
  kill -0 "$pid" 2>/dev/null || break; sleep 0.1
done
check $up "the image's entrypoint serves" "$(cat "$work/serve.log")"
out=$(c "$base/healthz"); [ "$out" = ok ]; check $? "/healthz → ok" "$out"
out=$(c "$base/readyz"); [ "$out" = ok ]; check $? "/readyz → ok (the image's default policy and keys loaded)" "$out"
out=$(post "$(review_json u-img docker.io/library/nginx:1)" '?timeout=3s')
[[ "$out" == *'"uid":"u-img"'*'"allowed":false'*' 200' && "$out" != *"could not be loaded"* ]]
check $? "a review is answered (deny: unsigned), libcurl loaded in the image" "$out"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ]; check $? "runs as uid 65532 (got $uid)"
awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo" | grep -q '^ro'; check $? "its / is mounted read-only" "$(awk '$5 == "/"' "/proc/$pid/mountinfo")"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ]; check $? "SIGTERM → exit 0" "rc=$rc $(tail -3 "$work/serve.log")"
done_testing
