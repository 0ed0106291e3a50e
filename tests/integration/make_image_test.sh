#!/usr/bin/env bash
# `make image` (issue 18 item 5): writes IMAGE_OUT/driftgate-<version>.oci.tar whose version is
# what the binary's --version prints: the file name, the tag skopeo reads it by, the config's
# org.opencontainers.image.version label and the manifest's annotation all agree with it, the
# revision with its commit, and the binary inside the image prints the same --version. The
# archive copies with skopeo. The Dockerfile (the engine path, not buildable here) labels its image
# from the same version and refuses a DG_VERSION that differs from VERSION or from the binary.
# Runs make against $BUILD without rebuilding the binary (-o). Env: BUILD. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"
if [ -n "${SAN:-}" ]; then
  if out=$(make -s -C "$top" BUILD="$BUILD" SAN="$SAN" IMAGE_OUT="$work/out" -o "$BUILD/driftgate" image 2>&1); then
    fail "make image refuses a sanitizer build ($SAN)" "$out"
  else
    grep -q 'release build' <<< "$out"; ok $? "make image refuses a sanitizer build ($SAN)" "$out"
  fi
  done_testing
fi
vline=$("$dg" --version)
version=$(sed -n 's/^driftgate \([^ ]*\) (commit \([0-9a-z]*\))$/\1/p' <<< "$vline")
commit=$(sed -n 's/^driftgate [^ ]* (commit \([0-9a-z]*\))$/\1/p' <<< "$vline")
[ -n "$version" ] && [ -n "$commit" ]; ok $? "driftgate --version: $vline"

mkdir -p "$work/out"
if out=$(make -s -C "$top" BUILD="$BUILD" IMAGE_OUT="$work/out" -o "$BUILD/driftgate" image 2>&1); then
  pass "make image"
else
  bail "make image" "$out"
fi
archive=$work/out/driftgate-$version.oci.tar
[ -s "$archive" ]; ok $? "the archive is named by the version: $(basename "$archive")" "$(ls "$work/out")"
digest=$(awk 'END {print $2}' <<< "$out")
[[ $digest == sha256:* ]]; ok $? "make image prints the archive and its manifest digest" "$out"

insp=$(skopeo inspect "oci-archive:$archive:$version" 2>&1); ok $? "skopeo reads the archive by the tag $version" "$insp"
jq -e --arg v "$version" --arg c "$commit" --arg d "$digest" \
  '.Labels["org.opencontainers.image.version"] == $v and .Labels["org.opencontainers.image.revision"] == $c and .Digest == $d' \
  <<< "$insp" > /dev/null
ok $? "label org.opencontainers.image.version = --version ($version), revision = its commit, digest as printed" "$insp"
raw=$(skopeo inspect --raw "oci-archive:$archive:$version" 2>&1)
jq -e --arg v "$version" --arg c "$commit" \
  '.annotations["org.opencontainers.image.version"] == $v and .annotations["org.opencontainers.image.revision"] == $c' <<< "$raw" > /dev/null
ok $? "manifest annotation org.opencontainers.image.version = --version" "$raw"
mkdir -p "$work/x"
tar -xf "$archive" -C "$work/x"
jq -e --arg v "$version" '.manifests[0].annotations["org.opencontainers.image.version"] == $v and .manifests[0].annotations["org.opencontainers.image.ref.name"] == $v' "$work/x/index.json" > /dev/null
ok $? "index.json: ref.name and version annotation = --version" "$(cat "$work/x/index.json")"
out=$(skopeo copy -q "oci-archive:$archive:$version" "oci:$work/copied:$version" 2>&1)
ok $? "skopeo copies it (oci-archive → oci layout)" "$out"
cd_digest=$(skopeo inspect --format '{{.Digest}}' "oci:$work/copied:$version" 2>&1)
[ "$cd_digest" = "$digest" ]; ok $? "the copy keeps the manifest digest (what the overlay pins)" "$cd_digest vs $digest"

# The binary in the image's layer is the one whose version it carries.
layer=$(jq -r '.Layers[0]' <<< "$insp"); layer=${layer#sha256:}
mkdir -p "$work/root"
tar -xzf "$work/x/blobs/sha256/$layer" -C "$work/root" ./usr/local/bin/driftgate
inner=$(cmp "$work/root/usr/local/bin/driftgate" "$dg" && "$dg" --version)
[ "$inner" = "$vline" ]; ok $? "the image's /usr/local/bin/driftgate is this binary ($inner)"

# A binary that prints no version is refused, not labelled "".
printf '#!/bin/sh\necho driftgate\n' > "$work/noversion"; chmod +x "$work/noversion"
if out=$(bash "$top/tests/image/build.sh" "$work/noversion" "$work/bad" 2>&1); then
  fail "build.sh refuses a binary without a version" "$out"
else
  grep -q -- '--version printed' <<< "$out"; ok $? "build.sh refuses a binary without a version" "$out"
fi

# Dockerfile: the runtime stage is labelled with DG_VERSION, and the build stage refuses a
# DG_VERSION other than VERSION's or the built binary's; its check parses this --version.
df=$top/Dockerfile
# shellcheck disable=SC2016 # the patterns are the Dockerfile's text, $ and all
{
  runtime=$(awk '/^FROM /{n++} n == 2' "$df")
  grep -q 'org.opencontainers.image.version="\$DG_VERSION"' <<< "$runtime" && grep -q '^ARG DG_VERSION$' <<< "$runtime"
  ok $? "Dockerfile: the runtime stage labels org.opencontainers.image.version from DG_VERSION"
  build_stage=$(awk '/^FROM /{n++} n == 1' "$df")
  grep -qF 'test "$DG_VERSION" = "$(cat VERSION)"' <<< "$build_stage" &&
    grep -qF 'test "$(build-release/driftgate --version | cut -d'"' '"' -f2)" = "$DG_VERSION"' <<< "$build_stage"
  ok $? "Dockerfile: the build stage checks DG_VERSION against VERSION and the binary"
}
[ "$("$dg" --version | cut -d' ' -f2)" = "$version" ]
ok $? "that check's parse of --version gives the version ($version)"
done_testing
