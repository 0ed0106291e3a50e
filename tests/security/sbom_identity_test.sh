#!/usr/bin/env bash
# Issue 13 item 3, one package, one identity. An attacker who controls the dev image (its package
# database, so the spelling its SBOM gives) hid blocked packages from the seed's tiers:
#   - spellings the ecosystem treats as one package: pkg:pypi/pyOpenSSL and pkg:pypi/M2Crypto did
#     not meet nameContains [ssl, crypto]; pkg:deb/debian/LibSSL3 and pkg:deb/ubuntu/libc6 were
#     not libssl3/libc6 of prod (a dev-only + prod-only pair, ignored or warned, instead of the
#     version drift the seed blocks); a component named "vim" with a libssl-dev purl was ignored as
#     vim;
#   - build metadata: pkg:generic/openssl@3.0.13+quic and pkg:pypi/torch@2.1.0+cu121 were "the
#     same" as prod's 3.0.13 and 2.1.0+cpu.
# Now the identity follows each ecosystem (sbom/purl.h, policy/README.md), rules match it, and a
# build-metadata difference is drift of its own (versionDrift: build; the seed warns, and blocks
# it where any drift blocks). `driftgate diff PROD DEV --policy policy/default.yaml` on each.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

# prod: what ships, an SPDX 2.3 document as syft writes it (spelt as the distro spells it).
python3 - "$work/prod.json" <<'PY'
import json, sys
pkgs = [("libssl3", "3.0.11-1~deb12u2", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64"),
        ("libc6", "2.36-9+deb12u4", "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64"),
        ("python3", "3.11.2-1+b1", "pkg:deb/debian/python3@3.11.2-1+b1?arch=amd64"),
        ("openssl", "3.0.13", "pkg:deb/debian/openssl@3.0.13?arch=amd64"),
        ("openssl", "3.0.13", "pkg:generic/openssl@3.0.13"),
        ("torch", "2.1.0+cpu", "pkg:pypi/torch@2.1.0%2Bcpu"),
        ("logrus", "v1.9.3", "pkg:golang/github.com/sirupsen/logrus@v1.9.3")]
doc = {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "prod",
       "packages": [{"name": n, "SPDXID": "SPDXRef-P%d" % i, "versionInfo": v,
                     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                                       "referenceType": "purl", "referenceLocator": p}]}
                    for i, (n, v, p) in enumerate(pkgs)]}
json.dump(doc, open(sys.argv[1], "w"))
PY
# dev: the attacker's devcontainer, CycloneDX, every blocked package spelt another way.
python3 - "$work/dev.json" <<'PY'
import json, sys
comps = [("pyOpenSSL", "24.0.0", "pkg:pypi/pyOpenSSL@24.0.0"),
         ("M2Crypto", "0.40.0", "pkg:pypi/M2Crypto@0.40.0"),
         ("@Peculiar/WebCrypto", "1.4.3", "pkg:npm/%40Peculiar/WebCrypto@1.4.3"),
         ("LibSSL3", "3.0.13-1~deb12u1", "pkg:deb/debian/LibSSL3@3.0.13-1~deb12u1?arch=amd64"),
         ("libc6", "2.35-0ubuntu3.6", "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.6?arch=amd64"),
         ("python3", "3.12.1-1", "pkg:deb/ubuntu/python3@3.12.1-1?arch=amd64"),
         ("vim", "3.0.13-1", "pkg:deb/debian/libssl-dev@3.0.13-1?arch=amd64"),
         ("Vim", "2:9.0.1378-2", "pkg:deb/debian/Vim@2:9.0.1378-2?arch=amd64"),
         ("openssl", "3.0.13+quic", "pkg:deb/debian/openssl@3.0.13%2Bquic?arch=amd64"),
         ("openssl", "3.0.13+quic", "pkg:generic/openssl@3.0.13%2Bquic"),
         ("torch", "2.1.0+cu121", "pkg:pypi/torch@2.1.0%2Bcu121"),
         ("logrus", "v1.9.3", "pkg:golang/github.com/Sirupsen/logrus@v1.9.3")]
json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5",
           "components": [{"type": "library", "name": n, "version": v, "purl": p}
                          for n, v, p in comps]}, open(sys.argv[1], "w"))
PY

# The identity checks also run under the seed's rules alone (default.yaml without the build-drift
# rule), which a build from before `versionDrift: build` loads too: there they show the attack.
mkdir -p "$work/seed"
cp -r "$top/policy/keys" "$work/seed/keys"
grep -v 'versionDrift: build' "$top/policy/default.yaml" > "$work/seed/default.yaml"

run() { # POLICY OUT: the JSON report; exit status in OUT.rc
  "$dg" diff "$work/prod.json" "$work/dev.json" --policy "$1" --format json > "$2" 2> "$2.err"
  echo $? > "$2.rc"
}
run "$work/seed/default.yaml" "$work/seed.json"
run "$top/policy/default.yaml" "$work/default.json"

# finding REPORT KEY: "tier kind size rule" of the finding with that key; else "none", then the
# findings whose key ends in the same name in any case (what a build keying otherwise found).
finding() {
  python3 - "$1" "$2" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("unreadable report: %s" % e); sys.exit(0)
fs = r.get("findings", [])
for f in fs:
    if f["key"] == sys.argv[2]:
        print(f["tier"], f["kind"], f["size"] or "-", f["rule"]); break
else:
    tail = sys.argv[2].rsplit("/", 1)[-1].lower()
    near = ["%s: %s %s %s" % (f["key"], f["tier"], f["kind"], f["rule"]) for f in fs
            if f["key"].rsplit("/", 1)[-1].lower() == tail]
    print("none" + ("; " + "; ".join(near) if near else ""))
PY
}
expect() { # REPORT KEY WANT WHAT
  local got
  got=$(finding "$1" "$2")
  [ "$got" = "$3" ]
  check $? "$4: $3" "key $2: got '$got' ($(head -c 300 "$1.err"))"
}

s=$work/seed.json
expect "$s" pypi//pyopenssl "block dev-only - seed-default[1]" \
  "pkg:pypi/pyOpenSSL meets nameContains ssl (PEP 503: it is pyopenssl)"
expect "$s" pypi//m2crypto "block dev-only - seed-default[1]" \
  "pkg:pypi/M2Crypto meets nameContains crypto"
expect "$s" npm/@peculiar/webcrypto "block dev-only - seed-default[1]" \
  "pkg:npm/%40Peculiar/WebCrypto meets nameContains crypto (npm names are lowercase)"
expect "$s" deb//libssl3 "block version patch seed-default[2]" \
  "pkg:deb/debian/LibSSL3 is prod's libssl3: version drift, blocked by names [libssl3]"
expect "$s" deb//libc6 "block version minor seed-default[2]" \
  "pkg:deb/ubuntu/libc6 is prod's pkg:deb/debian/libc6 (the vendor is not the package)"
expect "$s" deb//python3 "warn version minor seed-default[3]" \
  "pkg:deb/ubuntu/python3 is prod's python3: the minor drift warns instead of hiding"
expect "$s" deb//libssl-dev "block dev-only - seed-default[1]" \
  "a component named vim whose purl is libssl-dev is libssl-dev, not allowlisted vim"
expect "$s" deb//vim "ignore dev-only - seed-default[0]" \
  "control: pkg:deb/debian/Vim is vim, still allowlisted"
expect "$s" deb//openssl "block version patch seed-default[2]" \
  "control: deb 3.0.13+quic is a dpkg version (patch drift), blocked as before"
expect "$s" generic//openssl "block version build seed-default[2]" \
  "pkg:generic/openssl 3.0.13+quic is not the same as 3.0.13: build drift, blocked as openssl"
expect "$s" golang/github.com/Sirupsen/logrus "ignore dev-only - seed-default[8]" \
  "control: Go module paths are case-sensitive, Sirupsen/logrus is another module"

d=$work/default.json
expect "$d" generic//openssl "block version build seed-default[2]" \
  "pkg:generic/openssl 3.0.13+quic vs 3.0.13: build drift, blocked like any openssl drift"
expect "$d" pypi//torch "warn version build seed-default[8]" \
  "pkg:pypi/torch 2.1.0+cu121 vs 2.1.0+cpu: build drift warns (versionDrift: build)"
expect "$d" pypi//pyopenssl "block dev-only - seed-default[1]" \
  "policy/default.yaml: pyOpenSSL blocked"
expect "$d" golang/github.com/Sirupsen/logrus "ignore dev-only - seed-default[9]" \
  "policy/default.yaml: the catch-all moved to seed-default[9]"
[ "$(cat "$d.rc")" = 1 ]
check $? "driftgate diff exits 1 (blocking drift)" "exit $(cat "$d.rc"): $(cat "$d.err")"
summary=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["block"], s["warn"], s["devOnly"], s["prodOnly"], s["versionDrift"], s["same"])' "$d" 2>&1)
[ "$summary" = "8 2 6 1 6 0" ]
check $? "summary: block 8, warn 2; dev-only 6, prod-only 1, version drift 6, same 0" "got $summary"

# The text report, as a reviewer reads it, names the build drift.
"$dg" diff "$work/prod.json" "$work/dev.json" --policy "$top/policy/default.yaml" > "$work/text.txt" 2>&1
grep -q 'torch .*dev 2.1.0+cu121 .*prod 2.1.0+cpu .*seed-default\[8\] build' "$work/text.txt"
check $? "text report: torch build drift by seed-default[8]" "$(cat "$work/text.txt")"

grep -Eq '^block +dev-only +libssl-dev ' "$work/text.txt" && ! grep -Eq ' vim ' "$work/text.txt"
check $? "text report: the component named vim is shown as libssl-dev, its purl" "$(cat "$work/text.txt")"

[ "$failed" = 0 ]
