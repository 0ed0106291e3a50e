#!/usr/bin/env bash
# driftgate fsm end to end (issue 16). Expected side: a two-layer image (whiteouts, an opaque
# directory, hardlinks, a file capability, a --chown'd home, odd names) pushed with skopeo to the
# loopback docker-registry; `fsm image` must equal three independent tools: umoci unpack's mtree,
# NetBSD mtree over umoci's rootfs, and bsdtar --format=mtree over the first layer. Actual side
# without a kubelet: unshare --mount --pid --fork, an overlay of the unpacked image, a bind-mounted
# /etc/hosts and volume, /proc, a chroot'ed process; `fsm dir --pid` (as root and as the process's
# non-root uid) must show no drift; then the container's view is mutated and every finding and tier
# asserted. Also `fsm attest` (+ --check) and the report formats. Env: BUILD. Prints TAP.
# shellcheck disable=SC2016 # single-quoted scripts expand in the container's shell, later
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
conv="node $top/tests/fsm/mtree-to-fsm.js"
if [ "$(id -u)" != 0 ]; then
  skip "fsm" "needs root (unshare --mount, overlay, chown, setcap)"
  done_testing
fi
need_exec "$dg"
# jq -e on an empty file exits 0 (jq 1.6): every JSON assertion goes through this.
jqe() { [ -s "${!#}" ] && jq -e "$@" > /dev/null; }
for tool in umoci mtree bsdtar skopeo docker-registry setcap unshare setpriv; do
  command -v "$tool" >/dev/null || bail "fsm: $tool is installed (tests/install-deps.sh)"
done

# ---- the image: layer 1 a small rootfs, layer 2 whiteouts, an opaque dir, a hardlink ----
l1=$work/l1 l2=$work/l2
mkdir -p "$l1"/{bin,etc,usr/lib,data/vol,data/gone,proc,tmp,var/cache/app,home/app,"odd dir"} \
         "$l2"/{data,usr/lib,etc}
cp /bin/true "$l1/bin/app"; chmod 0755 "$l1/bin/app"
cp /bin/sleep "$l1/bin/sleep"; chmod 0755 "$l1/bin/sleep"
printf 'port=8080\n' > "$l1/etc/app.conf"
printf '127.0.0.1 localhost\n' > "$l1/etc/hosts"
printf 'lib1' > "$l1/usr/lib/libx.so"; printf 'lib2' > "$l1/usr/lib/liby.so"
printf 'a' > "$l1/data/a"; printf 'b' > "$l1/data/b"; printf 'c' > "$l1/data/gone/c"
printf 'home' > "$l1/home/app/.profile"
chown -R 1000:1000 "$l1/home/app"
chmod 1777 "$l1/tmp"
ln -s bin/app "$l1/link"
ln "$l1/bin/app" "$l1/bin/app-hard"
printf 'sp ace\n' > "$l1/odd dir/f\$x"
cp /bin/true "$l1/bin/ping"; chmod 0755 "$l1/bin/ping"; setcap cap_net_raw+ep "$l1/bin/ping"
: > "$l2/data/.wh.b"; : > "$l2/data/.wh.gone"
: > "$l2/usr/lib/.wh..wh..opq"; printf 'lib3' > "$l2/usr/lib/libz.so"
printf 'port=9090\n' > "$l2/etc/app.conf"
ln "$l2/etc/app.conf" "$l2/etc/app.conf.bak"
# /bin/sleep's libraries, so a chroot can run it (the image is also the container's root)
for lib in $(ldd /bin/sleep | grep -o '/[^ ]*'); do
  mkdir -p "$l1$(dirname "$lib")"; cp -L "$lib" "$l1$lib"; chmod 0755 "$l1$lib"
done

layout=$work/layout
mkdir -p "$layout/blobs/sha256"
put() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$layout/blobs/sha256/$h"; printf '%s' "$h"; }
layers_json='' diff_ids=''
for l in l1 l2; do
  tar --sort=name --mtime=@0 --numeric-owner --format=posix --xattrs \
      --xattrs-include=security.capability --pax-option=delete=atime,delete=ctime \
      -C "$work/$l" -cf "$work/$l.tar" .
  gzip -n -c "$work/$l.tar" > "$work/$l.tar.gz"
  h=$(put "$work/$l.tar.gz")
  layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$(stat -c %s "$work/$l.tar.gz")}"
  diff_ids+="${diff_ids:+,}\"sha256:$(sha256sum "$work/$l.tar" | cut -d' ' -f1)\""
  [ "$l" = l1 ] && one_layer=$layers_json one_diff=$diff_ids
done
mkimage() { # tag layers diff_ids
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$3" > "$work/config.json"
  local c m
  c=$(put "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$c" "$(stat -c %s "$work/config.json")" "$2" > "$work/manifest.json"
  m=$(put "$work/manifest.json")
  printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}' \
    "$m" "$(stat -c %s "$work/manifest.json")" "$1"
}
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[%s,%s]}' "$(mkimage v1 "$layers_json" "$diff_ids")" \
  "$(mkimage base "$one_layer" "$one_diff")" > "$layout/index.json"

on_exit "$top/tests/support/registry.sh" stop "$work/reg"
if ! reg_env=$("$top/tests/support/registry.sh" start none "$work/reg" 2> "$work/reg.log") ||
   ! eval "$reg_env"; then
  bail "fsm: registry starts" "$(tail -20 "$work/reg.log")"
fi
pass "fsm: registry starts on $REGISTRY"
for tag in v1 base; do
  skopeo copy -q --dest-tls-verify=false "oci:$layout:$tag" "docker://$REGISTRY/fsm/app:$tag" \
    > "$work/push.log" 2>&1 || bail "skopeo pushes $tag" "$(cat "$work/push.log")"
done
img=$REGISTRY/fsm/app:v1

# ---- expected side against three tools ----
"$dg" fsm image "$img" --plain-http "$REGISTRY" > "$work/expected.fsm" 2> "$work/image.err"
rc=$?
ok $rc "fsm image computes the expected manifest of a two-layer image" "$(cat "$work/image.err")"
root=$(sed -n 's/^root //p' "$work/image.err")
[ "$root" = "sha256:$(sha256sum < "$work/expected.fsm" | cut -d' ' -f1)" ]
ok $? "the root digest printed is the sha256 of the manifest text ($root)"
body() { tail -n +2 "$1"; } # without the header
grep -q '^./usr/lib/libz.so type=file' "$work/expected.fsm" && grep -q '^./data/a type=file' "$work/expected.fsm" &&
  ! grep -q '^./data/b \|^./data/gone\|^./usr/lib/libx.so ' "$work/expected.fsm"
ok $? "whiteouts (.wh.b, .wh.gone) and the opaque usr/lib removed the lower layer's files"
grep -q '^./etc/app.conf.bak type=file mode=0644 uid=0 gid=0 size=10 sha256=' "$work/expected.fsm" &&
  grep -q '^./bin/app-hard type=file mode=0755 .* sha256=c' "$work/expected.fsm" &&
  grep -q '^./home/app/.profile type=file mode=0644 uid=1000 gid=1000 ' "$work/expected.fsm" &&
  grep -q '^./odd\\040dir/f\$x type=file' "$work/expected.fsm" &&
  grep -q '^./bin/ping .* xattr.security.capability=01000002' "$work/expected.fsm"
ok $? "hardlinks take their target's content, owners (--chown), escaped names and file capabilities are kept"

umoci unpack --image "$layout:v1" "$work/bundle" > "$work/umoci.log" 2>&1
ok $? "umoci unpack" "$(cat "$work/umoci.log")"
$conv < "$work"/bundle/*.mtree > "$work/umoci.fsm"
diff <(body "$work/expected.fsm") "$work/umoci.fsm" > "$work/d1"
ok $? "fsm image = umoci unpack's mtree (types, modes, owners, sizes, sha256, link targets, caps)" "$(cat "$work/d1")"
(cd "$work/bundle/rootfs" && mtree -c -p . -K type,mode,uid,gid,size,sha256digest,link) > "$work/netbsd.mtree" 2>&1
$conv < "$work/netbsd.mtree" > "$work/netbsd.fsm"
diff <(body "$work/expected.fsm" | sed 's/ xattr.security.capability=[0-9a-f]*//') "$work/netbsd.fsm" > "$work/d2"
ok $? "fsm image = NetBSD mtree over the unpacked rootfs (no xattrs in NetBSD mtree)" "$(cat "$work/d2")"
"$dg" fsm image "$REGISTRY/fsm/app:base" --plain-http "$REGISTRY" > "$work/base.fsm" 2>/dev/null
bsdtar -cf - --format=mtree --options='!all,type,mode,uid,gid,size,sha256,link' "@$work/l1.tar" |
  $conv --no-caps | grep -v '^./bin/app-hard ' > "$work/bsdtar.fsm"
diff <(body "$work/base.fsm" | sed 's/ xattr.security.capability=[0-9a-f]*//' | grep -v '^./bin/app-hard ') "$work/bsdtar.fsm" > "$work/d3"
ok $? "fsm image of layer 1 = bsdtar --format=mtree over the layer tar (hardlink entries aside: bsdtar lists them without content)" "$(cat "$work/d3")"

# ---- attest ----
"$dg" fsm attest "$img" --plain-http "$REGISTRY" > "$work/stmt.json" 2>/dev/null
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$img")
jqe --arg d "${digest#sha256:}" --arg r "$root" '._type == "https://in-toto.io/Statement/v1" and
  .subject[0].digest.sha256 == $d and .predicateType == "https://driftgate.dev/fs-manifest/v1" and
  .predicate.root == $r and .predicate.format == "driftgate-fsm/v1"' "$work/stmt.json"
ok $? "fsm attest: in-toto statement, subject = the image digest, predicate with the root digest"
[ -s "$work/expected.fsm" ] && jq -j .predicate.manifest "$work/stmt.json" | cmp -s - "$work/expected.fsm"
ok $? "the statement's inline manifest is the computed one"
out=$("$dg" fsm attest "$img" --plain-http "$REGISTRY" --check "$work/stmt.json" 2>&1)
ok $? "attest --check: attested = computed for the same digest" "$out"
jq '.predicate.manifest |= sub("port=9090"; "x") | .predicate.root = "sha256:'"$(printf 0%.0s {1..64})"'"' "$work/stmt.json" > "$work/bad.json"
out=$("$dg" fsm attest "$img" --plain-http "$REGISTRY" --check "$work/bad.json" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'attested root sha256:000' <<< "$out"
ok $? "attest --check: a statement with another root is refused (exit 1)" "rc=$rc $out"
jq '.subject[0].digest.sha256 = "'"$(printf a%.0s {1..64})"'"' "$work/stmt.json" > "$work/bad2.json"
out=$("$dg" fsm attest "$img" --plain-http "$REGISTRY" --check "$work/bad2.json" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'the subject is not the image' <<< "$out"
ok $? "attest --check: a statement about another digest is refused" "rc=$rc $out"

# ---- actual side: a container without a kubelet ----
cat > "$work/policy.yaml" <<'EOF'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  runtime:
    mutablePaths: ["/tmp", "/var/cache/*"]
    blockOn: [exec, setuid, caps, owner]
EOF
rootfs=$work/bundle/rootfs
mkdir -p "$work/upper" "$work/ovl" "$work/merged" "$work/volume"
printf '10.0.0.5 pod\n' > "$work/hosts"; printf 'secret' > "$work/volume/token"
# container NAME UID SCRIPT: runs SCRIPT in a new mount+pid namespace with the overlay mounted at
# $M and a chroot'ed sleep as uid UID ($PID); SCRIPT's output is the result.
container() {
  local uid=$1 script=$2
  rm -rf "$work/upper" "$work/ovl"; mkdir -p "$work/upper" "$work/ovl"
  unshare --mount --pid --fork --mount-proc env M="$work/merged" W="$work" RUID="$uid" DG="$dg" bash -c '
    set -e
    mount -t overlay overlay -o "lowerdir='"$rootfs"',upperdir=$W/upper,workdir=$W/ovl" "$M"
    mount --bind "$W/hosts" "$M/etc/hosts"
    mount --bind "$W/volume" "$M/data/vol"
    mount -t proc proc "$M/proc"
    chroot --userspec="$RUID:$RUID" "$M" /bin/sleep 600 &
    PID=$!
    for _ in $(seq 100); do [ "$(readlink /proc/$PID/root)" = "$M" ] && [ "$(stat -c %u /proc/$PID)" = "$RUID" ] && break; sleep 0.1; done
    export PID
    '"$script"'
    kill $PID'
}
container 0 '"$DG" fsm dir --pid $PID' > "$work/actual.fsm" 2> "$work/dir.err"
ok $? "fsm dir --pid walks the container's root through /proc/PID/root" "$(cat "$work/dir.err")"
grep -q '^#skipped ./etc/hosts$' "$work/actual.fsm" && grep -q '^#skipped ./data/vol$' "$work/actual.fsm" &&
  grep -q '^#skipped ./proc$' "$work/actual.fsm" && ! grep -q '^./data/vol/token\|^./proc/' "$work/actual.fsm"
ok $? "the bind-mounted /etc/hosts, the volume and /proc are skipped (from mountinfo), never walked" "$(grep '^#' "$work/actual.fsm")"
"$dg" fsm diff "$work/expected.fsm" "$work/actual.fsm" --policy "$work/policy.yaml" > "$work/clean.txt"
rc=$?
[ $rc = 0 ] && grep -q '^filesystem drift: 0 block, 0 warn, 3 ignore' "$work/clean.txt"
ok $? "an unchanged container equals the expected manifest (only the 3 mounts, ignored)" "$(cat "$work/clean.txt")"
[ -s "$work/actual.fsm" ] &&
  diff <(body "$work/expected.fsm" | grep -v '^./etc/hosts \|^./proc \|^./data/vol ') <(grep -v '^#' "$work/actual.fsm") > "$work/d4"
ok $? "line for line: actual = expected minus the mount points" "$(head -20 "$work/d4")"
chmod 0755 "$work"
container 1000 'setpriv --reuid=1000 --regid=1000 --clear-groups "$DG" fsm dir --pid $PID' > "$work/actual-1000.fsm" 2> "$work/dir1000.err"
ok $? "fsm dir --pid as the process's own non-root uid (no capabilities)" "$(cat "$work/dir1000.err")"
"$dg" fsm diff "$work/expected.fsm" "$work/actual-1000.fsm" --policy "$work/policy.yaml" > "$work/clean1000.txt"
ok $? "as uid 1000 the unchanged container shows no drift either" "$(cat "$work/clean1000.txt")"

# ---- mutations in the container's view (they land in the overlay's upper dir) ----
mutate='
  cp /bin/true "$M/usr/lib/evil"; chmod 0755 "$M/usr/lib/evil"
  chmod u+s "$M/bin/app"
  chown 1000:1000 "$M/etc/app.conf.bak"
  printf "port=1\n" > "$M/etc/app.conf"
  ln -sfn /../../../../etc/shadow "$M/link"
  ln -s / "$M/escape"
  mkfifo "$M/data/fifo"
  truncate -s 96M "$M/data/huge"
  printf "scratch" > "$M/tmp/scratch"
  printf "c" > "$M/var/cache/app/entry"
  cp /bin/true "$M/tmp/dropped"; chmod 0755 "$M/tmp/dropped"
  setcap cap_sys_admin+ep "$M/bin/sleep"
  rm "$M/data/a"
  '
container 0 "$mutate"'
  timeout 60 "$DG" fsm dir --pid $PID > "$W/mutated.fsm"
  timeout 60 "$DG" fsm dir --pid $PID --max-bytes 50000000 > "$W/capped.fsm"' 2> "$work/mut.err"
ok $? "fsm dir --pid on the mutated container (FIFO never opened, symlinks never followed)" "$(cat "$work/mut.err")"
grep -q '^./escape type=link uid=0 gid=0 link=/$' "$work/mutated.fsm" && ! grep -q '^./escape/' "$work/mutated.fsm"
ok $? "a symlink to / planted by the container is recorded, not followed"
"$dg" fsm diff "$work/expected.fsm" "$work/mutated.fsm" --policy "$work/policy.yaml" --format json > "$work/mut.json"
rc=$?
ok $((rc == 1 ? 0 : 1)) "fsm diff exits 1 when something blocks" "rc=$rc"
expect() { # tier kind path name
  jqe --arg t "$1" --arg k "$2" --arg p "$3" 'any(.findings[]; .tier == $t and .kind == $k and .path == $p)' "$work/mut.json"
  ok $? "$4: $1 $2 $3" "$(jq -c --arg p "$3" '[.findings[] | select(.path == $p)]' "$work/mut.json")"
}
expect block added ./usr/lib/evil "new ELF"
expect block setuid ./bin/app "chmod +s"
expect block owner ./etc/app.conf.bak "chown (the dropped --chown case)"
expect warn content ./etc/app.conf "replaced config"
expect warn link ./link "symlink retargeted out of the root"
expect warn added ./escape "new symlink"
expect warn added ./data/fifo "FIFO"
expect warn added ./data/huge "huge sparse file"
expect ignore added ./tmp/scratch "file in a mutable path"
expect ignore added ./var/cache/app/entry "file in a mutable glob"
expect block added ./tmp/dropped "an executable in a mutable path still follows blockOn exec"
expect block caps ./bin/sleep "file capability added"
expect warn missing ./data/a "deleted file"
jqe '.summary.block == 5 and ([.findings[] | select(.tier == "block")] | length) == 5' "$work/mut.json"
ok $? "exactly the five blocking findings" "$(jq -c .summary "$work/mut.json")"
grep -qF '#incomplete bytes\040limit\04050000000:\040./data/huge\040not\040hashed' "$work/capped.fsm"
ok $? "--max-bytes: the huge file is left unhashed with an #incomplete note" "$(grep '^#' "$work/capped.fsm")"
"$dg" fsm diff "$work/expected.fsm" "$work/capped.fsm" --policy "$work/policy.yaml" --format json > "$work/capped.json"
jqe 'any(.findings[]; .tier == "block" and .kind == "scan")' "$work/capped.json"
ok $? "an incomplete scan blocks (it cannot show the absence of drift)"

# policy without blockOn: the same drift only warns; reports in every format
cat > "$work/lax.yaml" <<'EOF'
apiVersion: driftgate.dev/v1alpha1
kind: Policy
spec:
  runtime: {mutablePaths: ["/tmp"]}
EOF
"$dg" fsm diff "$work/expected.fsm" "$work/mutated.fsm" --policy "$work/lax.yaml" > "$work/lax.txt"
rc=$?
[ $rc = 0 ] && grep -q '^filesystem drift: 0 block,' "$work/lax.txt"
ok $? "without runtime.blockOn the same drift warns (exit 0)" "$(head -3 "$work/lax.txt")"
"$dg" fsm diff "$work/expected.fsm" "$work/mutated.fsm" --policy "$work/policy.yaml" --format sarif > "$work/mut.sarif"
jqe '.version == "2.1.0" and ([.runs[0].results[] | select(.level == "error")] | length) == 5' "$work/mut.sarif"
ok $? "--format sarif: one error result per blocking finding"
"$dg" fsm diff "$work/expected.fsm" "$work/mutated.fsm" --policy "$work/policy.yaml" --format markdown > "$work/mut.md"
grep -q '^### Block (5)' "$work/mut.md" && grep -q '^| setuid | ./bin/app | mode 0755 -&#62; 4755 ' "$work/mut.md"
ok $? "--format markdown: a table per tier" "$(head -20 "$work/mut.md")"
# a tampered manifest is refused, not half-read
sed '3s/ uid=0 / uid=00 /' "$work/actual.fsm" > "$work/bad.fsm"
out=$("$dg" fsm diff "$work/expected.fsm" "$work/bad.fsm" --policy "$work/policy.yaml" 2>&1); rc=$?
[ $rc = 2 ] && grep -q 'line 3: uid: expected a canonical decimal' <<< "$out"
ok $? "a non-canonical manifest is an error (exit 2) naming the line" "rc=$rc $out"

# ---- fsm watch --pid with no privilege: unshare -r as uid 1000 (a user+mount namespace), a
# chroot'ed target whose tree plants a symlink to /, one out of the root, and a FIFO (opened, it
# would block the walk forever) beside host /usr bind-mounted in (another mount: skipped) ----
u=$work/userns
mkdir -p "$u/t/usr" "$u/t/app" && printf 'x\n' > "$u/t/app/data" && ln -s / "$u/t/escape" &&
  ln -s ../../../../../../etc "$u/t/out" && mkfifo "$u/t/fifo" &&
  for l in bin lib lib64; do [ -e "/$l" ] && ln -s "usr/$l" "$u/t/$l"; done
chown -R 1000:1000 "$u"
# shellcheck disable=SC2016 # expanded by the inner shell
if ! setpriv --reuid=1000 --regid=1000 --clear-groups unshare -r --mount true 2> "$u/probe.err"; then
  skip "fsm watch --pid in an unprivileged user namespace" "unshare -r as uid 1000 fails here: $(cat "$u/probe.err")"
else
  setpriv --reuid=1000 --regid=1000 --clear-groups unshare -r --mount --fork env T="$u/t" DG="$dg" U="$u" sh -c '
    mount --bind /usr "$T/usr" && chroot "$T" /usr/bin/sleep 600 & PID=$!
    for _ in $(seq 100); do [ "$(readlink /proc/$PID/root)" = "$T" ] && break; sleep 0.05; done
    timeout 30 "$DG" fsm watch --pid "$PID" --once > "$U/watch.json" &&
      timeout 30 "$DG" fsm dir --pid "$PID" > "$U/dir.fsm"; rc=$?
    kill "$PID"; exit $rc' 2> "$u/run.err"
  ok $? "fsm watch --pid and fsm dir --pid as uid 1000 in its own user+mount namespace finish (the FIFO is never opened)" "$(cat "$u/run.err")"
  grep -q '^./escape type=link uid=0 gid=0 link=/$' "$u/dir.fsm" && grep -q '^./out type=link .*link=\.\./' "$u/dir.fsm" &&
    grep -q '^./fifo type=fifo ' "$u/dir.fsm" && grep -q '^#skipped ./usr$' "$u/dir.fsm" &&
    ! grep -q '^./escape/\|^./out/\|^./usr/' "$u/dir.fsm"
  ok $? "the planted symlinks are recorded, not followed; the FIFO is recorded; the bind-mounted /usr is skipped" "$(cat "$u/dir.fsm")"
  jqe --arg r "sha256:$(sha256sum < "$u/dir.fsm" | cut -d' ' -f1)" '.pid > 0 and .root == $r and .unreadable == 0 and .changed == 0 and
    (.incomplete == null) and (.mounts | contains("#skipped ./usr\n"))' "$u/watch.json"
  ok $? "fsm watch prints the root digest of exactly that manifest, nothing unreadable or changed" "$(cat "$u/watch.json")"
fi
done_testing
