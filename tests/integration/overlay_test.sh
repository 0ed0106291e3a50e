#!/usr/bin/env bash
# overlays/example-org (issue 18 item 5): an org's kustomize overlay over manifests/ renders
# offline, and the rendered objects are what the README's walk-through relies on: the org's policy
# generated into the ConfigMap the config reads, its keys from a Secret projected beside it
# (where the policy's relative key path points), registry credentials mounted where
# registry.dockerConfig reads them and named as imagePullSecrets, the image by digest, the trust
# root volume, cert-manager and the namespace opt-in, no placeholder left. The rendered objects
# then pass manifests_test.sh's own checks (all but the ones the overlay changes on purpose,
# listed below), the policy lints, and `driftgate serve` starts from the rendered config with the
# policy directory laid out as the kubelet projects it. Then the README's pin-by-digest step on a
# copy. Env: BUILD. Needs kubectl, /usr/bin/python3 with PyYAML, openssl, curl. Prints TAP.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
need_exec "$dg"
ov=$top/overlays/example-org

if kubectl kustomize "$ov" > "$work/render.yaml" 2> "$work/render.err"; then
  pass "kubectl kustomize overlays/example-org renders offline"
else
  bail "kubectl kustomize overlays/example-org renders offline" "$(tail -3 "$work/render.err")"
fi
out=$("$dg" policy lint "$ov/policy/policy.yaml" 2>&1); ok $? "the org's policy lints" "$out"
# Issue 18's org policy without copying seed-default: the stricter repository extends it by name,
# the release signer's GitHub claims are patterns, and the legacy image is exempt until a date.
out=$("$dg" policy lint --explain registry.acme.example/payments/api:v1 "$ov/policy/policy.yaml" 2>&1)
[[ $out == *"tiers: payments extends seed-default (built in)"* && $out == *"seed-default[9], built in"* ]]
ok $? "the org's payments tiers extend the built-in seed-default (no copy)" "$out"
out=$("$dg" policy lint --explain registry.acme.example/legacy/batch:2024 "$ov/policy/policy.yaml" 2>&1)
[[ $out == *"ACME-412"* && $out != *"exemption: none"* ]]
ok $? "the org's legacy image is exempt (scope: image) until its date" "$out"
! grep -q "^    acme:" "$ov/policy/policy.yaml"
ok $? "the org's policy holds no copy of seed-default"

# --- manifests_test.sh's checks on the overlay's render ---
# The first python program of manifests_test.sh, run on this render. Every check must pass but
# these, which the overlay changes on purpose (and which the overlay checks below replace):
expected_diff='kinds rendered: |deployment: policy volume names the generated ConfigMap|config: policy path is a file of the policy volume|policy ConfigMap holds policy/default.yaml verbatim|policy volume: key file |caBundle is the placeholder|mutating webhook: caBundle placeholder|the control plane.s address is the placeholder'
awk '/<<'"'"'PY'"'"'$/ {n++; if (n == 1) {on = 1; next}} on && /^PY$/ {exit} on {print}' \
  "$top/tests/integration/manifests_test.sh" > "$work/base_checks.py"
PYTHONPATH=$top/tests/lib /usr/bin/python3 "$work/base_checks.py" "$work/render.yaml" "$ov/policy/policy.yaml" > "$work/base.out" 2>&1
n_ok=$(grep -c '^ok' "$work/base.out") n_bad=$(grep -c '^not ok' "$work/base.out")
unexpected=$(grep '^not ok' "$work/base.out" | grep -Ev "$expected_diff")
[ "$n_ok" -ge 40 ] && [ -z "$unexpected" ]
ok $? "manifests_test.sh's checks pass on the overlay ($n_ok pass, $n_bad changed on purpose)" "$unexpected$(tail -3 "$work/base.out")"
[ "$n_bad" -le 8 ]; ok $? "no more than the 8 known checks differ" "$(grep '^not ok' "$work/base.out")"

# --- the overlay's own checks ---
py_checks "overlay checks" "$work/render.yaml" "$ov" "$top/manifests/configmap-config.yaml" "$work" <<'PY'
import base64, ipaddress, os, re, sys, yaml
render, ov, base_cfg_file, work = sys.argv[1:5]
from tap_checks import t, done
text = open(render).read()
docs = [d for d in yaml.safe_load_all(text) if d]
kust = yaml.safe_load(open(os.path.join(ov, "kustomization.yaml")))
by = {}
for d in docs:
    by.setdefault(d["kind"], []).append(d)
def named(kind, prefix):
    return [d for d in by.get(kind, []) if d["metadata"]["name"].startswith(prefix)]
dep = by["Deployment"][0]
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {m["name"]: m for m in c.get("volumeMounts", [])}

# image by digest, as kustomization.yaml's images: says
img = [i for i in kust["images"] if i["name"] == "driftgate"][0]
t("image: pinned by digest (%s)" % c["image"],
  re.fullmatch(r"[a-z0-9.-]+(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}", c["image"]) is not None
  and c["image"] == img["newName"] + "@" + img["digest"], c["image"])
t("image: every container of the render names an image by digest",
  all("@sha256:" in x["image"] for d in docs for x in
      ((d.get("spec", {}).get("template", {}).get("spec", {}) or {}).get("containers", []) +
       (d.get("spec", {}).get("template", {}).get("spec", {}) or {}).get("initContainers", []))))

# policy: generated ConfigMap (the org's file, verbatim) + keys Secret, projected together
pcms = named("ConfigMap", "driftgate-policy-")
t("policy: one generated ConfigMap driftgate-policy-<hash>, replacing the base's", len(pcms) == 1,
  [d["metadata"]["name"] for d in pcms])
pcm = pcms[0] if pcms else {"metadata": {"name": "?"}, "data": {}}
t("policy: the ConfigMap holds the org's policy file verbatim and nothing else",
  pcm["data"] == {"policy.yaml": open(os.path.join(ov, "policy/policy.yaml")).read()}, list(pcm["data"]))
ksecs = named("Secret", "driftgate-policy-keys-")
ksec = ksecs[0] if len(ksecs) == 1 else {"metadata": {"name": "?"}, "data": {}}
t("keys: one generated Secret driftgate-policy-keys-<hash> in namespace driftgate",
  len(ksecs) == 1 and ksec["metadata"].get("namespace") == "driftgate")
keyfile = open(os.path.join(ov, "policy/keys/release.pub")).read()
t("keys: the Secret holds policy/keys/release.pub",
  base64.b64decode(ksec["data"].get("release.pub", "")).decode() == keyfile)
srcs = vols.get("policy", {}).get("projected", {}).get("sources", [])
t("policy volume: projected (no leftover configMap source of the base)",
  "configMap" not in vols.get("policy", {}) and len(srcs) == 2, vols.get("policy"))
files = {}
for s in srcs:
    kind = "configMap" if "configMap" in s else "secret"
    obj = s[kind]
    data = (pcm if kind == "configMap" else ksec)["data"]
    t("policy volume: %s source names the generated %s" % (kind, obj.get("name")),
      obj.get("name") == (pcm if kind == "configMap" else ksec)["metadata"]["name"])
    for it in obj.get("items", []):
        v = data.get(it["key"])
        files[it["path"]] = v if kind == "configMap" or v is None else base64.b64decode(v).decode()
cfg = yaml.safe_load([d for d in by["ConfigMap"] if d["metadata"]["name"] == "driftgate-config"][0]["data"]["config.yaml"])
pmount = mounts.get("policy", {}).get("mountPath", "?")
t("config: policy path is policy.yaml of the projected volume (%s)" % cfg.get("policy"),
  cfg.get("policy") == pmount + "/policy.yaml" and files.get("policy.yaml") == pcm["data"].get("policy.yaml"))
pol = yaml.safe_load(pcm["data"].get("policy.yaml", "")) or {}
for name, s in (pol.get("spec", {}).get("signers") or {}).items():
    f = ((s or {}).get("key") or {}).get("file")
    if f:
        t("policy volume: signer %s's key file %s is there with the key's bytes" % (name, f),
          files.get(os.path.normpath(f)) == keyfile, sorted(files))
# write the directory as the kubelet would project it, for serve below
os.makedirs(os.path.join(work, "policy/keys"), exist_ok=True)
for p, v in files.items():
    open(os.path.join(work, "policy", p), "w").write(v or "")

# registry credentials
reg = vols.get("registry", {}).get("secret", {})
t("registry: Secret driftgate-registry, .dockerconfigjson as config.json",
  reg.get("secretName") == "driftgate-registry" and
  reg.get("items") == [{"key": ".dockerconfigjson", "path": "config.json"}], reg)
t("config: registry.dockerConfig is the mounted Secret's config.json",
  (cfg.get("registry") or {}).get("dockerConfig") == mounts.get("registry", {}).get("mountPath", "?") + "/config.json"
  and mounts.get("registry", {}).get("readOnly") is True, cfg.get("registry"))
t("pod: imagePullSecrets driftgate-registry (the image is in the org's registry)",
  pod.get("imagePullSecrets") == [{"name": "driftgate-registry"}])
base = yaml.safe_load(yaml.safe_load(open(base_cfg_file))["data"]["config.yaml"])
cfg2 = dict(cfg); cfg2["registry"] = dict(cfg["registry"]); base["registry"] = dict(base["registry"])
cfg2["registry"].pop("dockerConfig"); base["registry"].pop("dockerConfig")
t("config: the base's config.yaml but for registry.dockerConfig", cfg2 == base)

# trust root
tr = vols.get("trust-root", {}).get("configMap", {}).get("name")
t("trust root: volume of ConfigMap driftgate-trust-root, in the render, read by trustRoots",
  tr == "driftgate-trust-root" and any(d["metadata"]["name"] == tr for d in by["ConfigMap"]) and
  cfg.get("trustRoots") == [mounts.get("trust-root", {}).get("mountPath", "?") + "/trusted_root.json"])

# certificates, webhooks, network
for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
    w = by[kind][0]
    t("%s: caBundle from cert-manager (annotation, no caBundle field)" % kind,
      w["metadata"].get("annotations", {}).get("cert-manager.io/inject-ca-from") == "driftgate/driftgate-tls"
      and "caBundle" not in w["webhooks"][0]["clientConfig"])
    ex = w["webhooks"][0]["namespaceSelector"]["matchExpressions"]
    t("%s: opt-in label driftgate.dev/gate=enabled, kube-system and driftgate still excluded" % kind,
      {"key": "driftgate.dev/gate", "operator": "In", "values": ["enabled"]} in ex and
      any(e["operator"] == "NotIn" and set(e["values"]) == {"kube-system", "driftgate"} for e in ex), ex)
cert = [d for d in by.get("Certificate", []) if d["spec"].get("secretName") == "driftgate-tls"]
t("cert-manager: a Certificate writes Secret driftgate-tls", len(cert) == 1)
np_ = by["NetworkPolicy"][0]["spec"]["ingress"][0]["from"]
try:
    ok_cidr = all(ipaddress.ip_network(p["ipBlock"]["cidr"]) for p in np_)
except Exception:
    ok_cidr = False
t("networkpolicy: the control plane's CIDR is set", ok_cidr, np_)
left = [w for w in ("PLACEHOLDER", "CONTROL_PLANE_CIDR", "REPLACE", "CHANGEME", "TODO", ":latest") if w in text]
t("no placeholder left in the render", not left, left)
done()
PY

# --- serve starts from the rendered config, policy as projected ---
/usr/bin/python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap" and d["metadata"]["name"] == "driftgate-config":
        sys.stdout.write(d["data"]["config.yaml"])' "$work/render.yaml" > "$work/config.yaml"
mkdir -p "$work/tls" "$work/registry"
mint_cert "$work/tls" 127.0.0.1
printf '{"auths":{"registry.acme.example":{"auth":"%s"}}}\n' "$(printf 'ci:token' | base64)" > "$work/registry/config.json"
port=$(free_port)
sed -e "s|\"0.0.0.0:8443\"|\"127.0.0.1:$port\"|" -e "s|/etc/driftgate/tls/|$work/tls/|" \
    -e "s|/etc/driftgate/policy/|$work/policy/|" -e "s|/etc/driftgate/trust/|$top/manifests/trust/|" \
    -e "s|/etc/driftgate/registry/|$work/registry/|" "$work/config.yaml" > "$work/serve.yaml"
! grep -q '/etc/driftgate' "$work/serve.yaml"; ok $? "every /etc/driftgate path of the config is mapped" "$(grep /etc/driftgate "$work/serve.yaml")"
"$dg" serve --config "$work/serve.yaml" > "$work/serve.log" 2>&1 &
spid=$!
track_pid "$spid"
code=
for _ in $(seq 1 100); do
  code=$(curl -s --cacert "$work/tls/tls.crt" "https://127.0.0.1:$port/readyz" -o "$work/readyz" -w '%{http_code}')
  [ "$code" = 200 ] && break
  kill -0 "$spid" 2> /dev/null || break
  sleep 0.1
done
[ "$code" = 200 ] && grep -qx ok "$work/readyz"
ok $? "driftgate serve is ready on the rendered config, the org's policy and its projected key" "$code $(cat "$work/readyz" 2>/dev/null) $(tail -3 "$work/serve.log")"

# --- the README's pin step on a copy: sed the digest `skopeo copy --digestfile` wrote ---
mkdir -p "$work/copy/overlays"
cp -r "$top/manifests" "$work/copy/manifests"
cp -r "$ov" "$work/copy/overlays/example-org"
digest=sha256:$(printf 'another build' | sha256sum | cut -d' ' -f1)
echo "$digest" > "$work/driftgate.digest"
sed -i "s/^    digest: .*/    digest: $(cat "$work/driftgate.digest")/" "$work/copy/overlays/example-org/kustomization.yaml"
kubectl kustomize "$work/copy/overlays/example-org" > "$work/pinned.yaml" 2>&1 &&
  grep -qx "        image: registry.acme.example/platform/driftgate@$digest" "$work/pinned.yaml"
ok $? "README pin step: the sed line sets the Deployment's image to the pushed digest" "$(grep 'image:' "$work/pinned.yaml")"
# The README's registry Secret command (client dry run): the key the Deployment's volume reads.
readme=$top/README.md
cmd=$(grep -A1 -- '-n driftgate create secret generic driftgate-registry' "$readme" | tr -d '\\\n' | sed 's/^ *//')
[[ $cmd == kubectl* ]]; ok $? "README: the registry Secret command is there" "$cmd"
secret=$(HOME=$work/home; mkdir -p "$HOME/.docker"; cp "$work/registry/config.json" "$HOME/.docker/config.json"
         eval "$cmd --dry-run=client -o yaml" 2>&1)
grep -q '^type: kubernetes.io/dockerconfigjson$' <<< "$secret" && grep -q '^  \.dockerconfigjson: ' <<< "$secret" &&
  grep -q '^  name: driftgate-registry$' <<< "$secret"
ok $? "README: it makes Secret driftgate-registry with the .dockerconfigjson key the volume reads" "$secret"
# The README's enforce step (the preview's sed) turns the overlay's warn policy into one that lints.
expr=$(grep -o "sed 's/{mode: warn[^']*'" "$readme" | head -1 | sed "s/^sed '//; s/'\$//")
cp -r "$ov/policy" "$work/enforce"
sed "$expr" "$ov/policy/policy.yaml" > "$work/enforce/enforce-preview.yaml"
out=$("$dg" policy lint "$work/enforce/enforce-preview.yaml" 2>&1) &&
  grep -q '^  defaults: {mode: enforce, onError: deny, noMatch: deny}$' "$work/enforce/enforce-preview.yaml"
ok $? "README: the enforce sed gives defaults enforce/deny/deny, and that policy lints" "$expr $out"
# Dropping the opt-in component (the last rollout step) gates every namespace but the two.
sed -i '/^  - opt-in$/d' "$work/copy/overlays/example-org/kustomization.yaml"
kubectl kustomize "$work/copy/overlays/example-org" > "$work/all.yaml" 2>&1 && ! grep -q 'driftgate.dev/gate' "$work/all.yaml" &&
  [ "$(grep -c 'kubernetes.io/metadata.name' "$work/all.yaml")" -ge 2 ]
ok $? "without the opt-in component no webhook selects on the label" "$(grep -n -A8 namespaceSelector "$work/all.yaml" | head -20)"
done_testing
