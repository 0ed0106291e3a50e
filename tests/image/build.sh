#!/usr/bin/env bash
# Builds the driftgate runtime image as an OCI image layout without a container engine or a
# base image (no registry but Debian's is reachable here, so `FROM debian:bookworm-slim` cannot
# be pulled). The rootfs holds exactly what the Dockerfile's runtime stage needs at run time:
# the release binary, the shared libraries `ldd` names (and the dynamic loader) and those it
# dlopen()s (tests/lib/dlopened.sh), the CA bundle, the default policy and keys, the config from
# manifests/configmap-config.yaml, /etc/passwd with the non-root user 65532, and an empty /tmp. The image config matches the Dockerfile: USER
# 65532:65532, ENTRYPOINT driftgate serve --config /etc/driftgate/config.yaml, port 8443.
# The Dockerfile stays the source of truth for production builds (docker/buildah bud); this is
# the daemonless equivalent used by tests/image/image_test.sh.
#
#   tests/image/build.sh BINARY OUT_DIR [TAG]
# Writes OUT_DIR/rootfs/, OUT_DIR/layout/ (OCI image layout, ref TAG, default "latest") and
# OUT_DIR/driftgate-oci.tar (the layout as one archive: `skopeo copy oci-archive:... docker://...`
# or `podman load -i`). Prints the manifest digest. The image is labelled (config Labels, and
# annotations of the manifest and its index entry) with org.opencontainers.image.version and
# .revision as the binary's own `--version` prints them, so the two cannot disagree (`make image`).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: build.sh BINARY OUT_DIR [TAG]" >&2; exit 2; }
bin=$1 out=$2 tag=${3:-latest}
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$bin" ] || { echo "build.sh: $bin is not an executable" >&2; exit 2; }
# "driftgate 0.1.0 (commit 6eb15486ba94)"
vline=$("$bin" --version 2>/dev/null || true)
version=$(sed -n 's/^driftgate \([0-9A-Za-z.+~-]*\) (commit [0-9a-z]*)$/\1/p' <<< "$vline")
revision=$(sed -n 's/^driftgate [0-9A-Za-z.+~-]* (commit \([0-9a-z]*\))$/\1/p' <<< "$vline")
if [ -z "$version" ] || [ -z "$revision" ]; then
  echo "build.sh: $bin --version printed '$vline', not 'driftgate VERSION (commit REV)'" >&2
  exit 1
fi
rootfs=$out/rootfs layout=$out/layout
rm -rf "$rootfs" "$layout" "$out/driftgate-oci.tar"
mkdir -p "$rootfs" "$layout/blobs/sha256"

# Binary and its shared libraries, at the paths the loader looks them up (symlinks resolved):
# those it links and those it loads on first use (libcurl: tests/lib/dlopened.sh).
install -D -m 0755 "$bin" "$rootfs/usr/local/bin/driftgate"
loaded=$("$top/tests/lib/dlopened.sh")
{ ldd "$bin"; echo "$loaded"; } | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u | while read -r lib; do
  install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done
[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ] || { echo "build.sh: no dynamic loader in ldd output" >&2; exit 1; }

# Files the process reads: CA bundle (registries over https), policy, trust root, config; users;
# /tmp.
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
install -D -m 0644 "$top/policy/default.yaml" "$rootfs/etc/driftgate/policy/policy.yaml"
for k in "$top"/policy/keys/*.pub; do install -D -m 0644 "$k" "$rootfs/etc/driftgate/policy/keys/$(basename "$k")"; done
install -D -m 0644 -t "$rootfs/etc/driftgate/trust" "$top/manifests/trust/trusted_root.json" "$top/manifests/trust/root.json"
awk '/^  config.yaml: \|$/ {on = 1; next} on && /^    / {print substr($0, 5); next} on && /^$/ {print; next} on {exit}' \
  "$top/manifests/configmap-config.yaml" > "$rootfs/etc/driftgate/config.yaml"
[ -s "$rootfs/etc/driftgate/config.yaml" ] || { echo "build.sh: no config.yaml in the ConfigMap" >&2; exit 1; }
chmod 0644 "$rootfs/etc/driftgate/config.yaml"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$rootfs/etc/group"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
mkdir -p "$rootfs/tmp" "$rootfs/etc/driftgate/tls" "$rootfs/home/nonroot" "$rootfs/proc" "$rootfs/dev"
chmod 1777 "$rootfs/tmp"
find "$rootfs" -type d ! -path "$rootfs/tmp" -exec chmod 0755 {} +

# One layer, reproducible: sorted names, mtime 0, owner 0 (the user is set in the config).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$rootfs" -cf "$tmp/layer.tar" .
gzip -n -9 -c "$tmp/layer.tar" > "$tmp/layer.tar.gz"
sha() { sha256sum "$1" | cut -d' ' -f1; }
put() { local h; h=$(sha "$1"); cp "$1" "$layout/blobs/sha256/$h"; printf '%s' "$h"; }
diff_id=$(sha "$tmp/layer.tar")
layer=$(put "$tmp/layer.tar.gz"); layer_size=$(stat -c %s "$tmp/layer.tar.gz")
cat > "$tmp/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"User":"65532:65532","ExposedPorts":{"8443/tcp":{}},"Env":["PATH=/usr/local/bin:/usr/bin:/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],"Entrypoint":["/usr/local/bin/driftgate","serve","--config","/etc/driftgate/config.yaml"],"WorkingDir":"/","Labels":{"org.opencontainers.image.title":"driftgate","org.opencontainers.image.version":"$version","org.opencontainers.image.revision":"$revision","org.opencontainers.image.source":"Dockerfile (daemonless equivalent: tests/image/build.sh)"}},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created_by":"tests/image/build.sh"}]}
JSON
config=$(put "$tmp/config.json"); config_size=$(stat -c %s "$tmp/config.json")
annotations=$(printf '"org.opencontainers.image.title":"driftgate","org.opencontainers.image.version":"%s","org.opencontainers.image.revision":"%s"' "$version" "$revision")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}],"annotations":{%s}}' \
  "$config" "$config_size" "$layer" "$layer_size" "$annotations" > "$tmp/manifest.json"
manifest=$(put "$tmp/manifest.json"); manifest_size=$(stat -c %s "$tmp/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s",%s}}]}' \
  "$manifest" "$manifest_size" "$tag" "$annotations" > "$layout/index.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$out/driftgate-oci.tar" .
echo "sha256:$manifest"
