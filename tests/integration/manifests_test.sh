#!/usr/bin/env bash
# manifests/ renders offline with `kubectl kustomize`, and the rendered objects carry what the
# deployment depends on (probes, hardening, webhook rules, caBundle wiring, the NetworkPolicy, the
# mutating webhook, the keyless trust root). Also certs/mint.sh, certs/ca-bundle.sh, manifests/control-plane.sh, the
# apiserver's admission-control files and the client-auth component. Prints TAP. Needs kubectl,
# openssl, Debian's /usr/bin/python3 with python3-yaml (the python3 first on PATH, pyenv's say,
# may lack PyYAML).
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"

check() { # name, command...
  local name=$1; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -5)"; fi
}

# --- render ---
if kubectl kustomize "$top/manifests" > "$work/render.yaml" 2> "$work/render.err"; then
  pass "kubectl kustomize manifests/ renders offline"
else
  fail "kubectl kustomize manifests/ renders offline" "$(tail -3 "$work/render.err")"
fi
check "manifests/policy/ holds copies of policy/default.yaml and its keys" "$top/manifests/sync-policy.sh" --check

# --- rendered objects, one TAP line per check ---
py_checks "python checks" "$work/render.yaml" "$top/policy/default.yaml" <<'PY'
import sys, yaml
render, policy_src = sys.argv[1], sys.argv[2]
from tap_checks import t, done
try:
    docs = [d for d in yaml.safe_load_all(open(render)) if d]
except Exception as e:  # a render that is not YAML fails every check below
    docs = []
    t("rendered output is YAML", False, str(e))
by = {}
for d in docs:
    by.setdefault(d["kind"], []).append(d)
def one(kind, name=None):
    xs = [d for d in by.get(kind, []) if name is None or d["metadata"]["name"] == name]
    return xs[0] if len(xs) == 1 else None
kinds = sorted(by)
want = ["ConfigMap", "Deployment", "MutatingWebhookConfiguration", "Namespace", "NetworkPolicy",
        "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount",
        "ValidatingWebhookConfiguration"]
t("kinds rendered: " + ", ".join(want), kinds == want, "got %s" % kinds)
ns = one("Namespace", "driftgate")
t("namespace driftgate", ns is not None)
for d in docs:
    if d["kind"] not in ("Namespace", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        if d["metadata"].get("namespace") != "driftgate":
            t("%s/%s in namespace driftgate" % (d["kind"], d["metadata"]["name"]), False)

dep = one("Deployment", "driftgate") or {}
spec = dep.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
cs = pod.get("containers", [{}])
c = cs[0] if cs else {}
t("deployment: 2 replicas", spec.get("replicas") == 2, spec.get("replicas"))
aa = pod.get("affinity", {}).get("podAntiAffinity", {})
terms = [x.get("podAffinityTerm", x) for x in
         aa.get("preferredDuringSchedulingIgnoredDuringExecution", []) +
         aa.get("requiredDuringSchedulingIgnoredDuringExecution", [])]
t("deployment: pod anti-affinity on kubernetes.io/hostname selecting its own pods",
  any(x.get("topologyKey") == "kubernetes.io/hostname" and
      x.get("labelSelector", {}).get("matchLabels") == spec.get("selector", {}).get("matchLabels")
      for x in terms), terms)
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
def probe(p, path):
    g = (c.get(p) or {}).get("httpGet", {})
    port = g.get("port")
    port = ports.get(port, port)
    return g.get("path") == path and g.get("scheme") == "HTTPS" and port == 8443
t("deployment: readinessProbe GET /readyz HTTPS 8443", probe("readinessProbe", "/readyz"), c.get("readinessProbe"))
t("deployment: livenessProbe GET /healthz HTTPS 8443", probe("livenessProbe", "/healthz"), c.get("livenessProbe"))
res = c.get("resources", {})
t("deployment: cpu/memory requests and a memory limit",
  res.get("requests", {}).get("cpu") and res.get("requests", {}).get("memory")
  and res.get("limits", {}).get("memory"), res)
sc = c.get("securityContext", {})
psc = pod.get("securityContext", {})
t("deployment: readOnlyRootFilesystem", sc.get("readOnlyRootFilesystem") is True)
t("deployment: runAsNonRoot (uid 65532)", (sc.get("runAsNonRoot") or psc.get("runAsNonRoot"))
  and psc.get("runAsUser", sc.get("runAsUser")) == 65532)
t("deployment: seccompProfile RuntimeDefault",
  (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault")
t("deployment: capabilities drop ALL, no privilege escalation",
  sc.get("capabilities", {}).get("drop") == ["ALL"] and sc.get("allowPrivilegeEscalation") is False
  and not sc.get("capabilities", {}).get("add"))
t("deployment: service account token mounted (pull secrets via the API)", pod.get("automountServiceAccountToken") is True)
t("deployment: command is the image ENTRYPOINT, no args appended",
  c.get("command") == ["/usr/local/bin/driftgate", "serve", "--config", "/etc/driftgate/config.yaml"]
  and not c.get("args"), (c.get("command"), c.get("args")))

vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
cms = {d["metadata"]["name"]: d for d in by.get("ConfigMap", [])}
tlsv = vols.get("tls", {}).get("secret", {})
t("deployment: tls volume is Secret driftgate-tls at /etc/driftgate/tls",
  tlsv.get("secretName") == "driftgate-tls" and mounts.get("tls", {}).get("mountPath") == "/etc/driftgate/tls")
pol_name = vols.get("policy", {}).get("configMap", {}).get("name", "")
t("deployment: policy volume names the generated ConfigMap (%s)" % pol_name,
  pol_name.startswith("driftgate-policy-") and pol_name in cms)
cfg_name = vols.get("config", {}).get("configMap", {}).get("name", "")
t("deployment: config volume names ConfigMap driftgate-config", cfg_name == "driftgate-config" and cfg_name in cms)

cfg = {}
try:
    cfg = yaml.safe_load(cms.get(cfg_name, {}).get("data", {}).get("config.yaml", "")) or {}
except Exception as e:
    t("config.yaml parses", False, str(e))
t("config: listen 0.0.0.0:8443", cfg.get("listen") == "0.0.0.0:8443", cfg.get("listen"))
def mounted(path, vol, key):
    m = mounts.get(vol, {}).get("mountPath", "")
    return path == m + "/" + key
t("config: tls cert/key are the tls Secret's tls.crt/tls.key",
  mounted(cfg.get("tls", {}).get("cert"), "tls", "tls.crt") and
  mounted(cfg.get("tls", {}).get("key"), "tls", "tls.key"), cfg.get("tls"))
pol_cm = cms.get(pol_name, {}).get("data", {})
# Files the policy volume shows: item paths when items are listed, else every key.
items = vols.get("policy", {}).get("configMap", {}).get("items")
files = {i["path"]: i["key"] for i in items} if items else {k: k for k in pol_cm}
pol_mount = mounts.get("policy", {}).get("mountPath", "")
t("config: policy path is a file of the policy volume",
  any(mounted(cfg.get("policy"), "policy", f) for f in files), (cfg.get("policy"), files))
t("policy volume: every item names a key of the ConfigMap", all(k in pol_cm for k in files.values()),
  (files, list(pol_cm)))
cm = mounts.get("config", {})
t("config: config.yaml mounted at /etc/driftgate/config.yaml",
  cm.get("mountPath") == "/etc/driftgate/config.yaml" and cm.get("subPath") == "config.yaml")
try:
    src = open(policy_src).read()
except OSError as e:
    src = None
pol_rel = (cfg.get("policy") or "")[len(pol_mount) + 1:]
t("policy ConfigMap holds policy/default.yaml verbatim",
  src is not None and pol_cm.get(files.get(pol_rel, "?")) == src)
# Every key file the policy names (relative to the policy file) is in the volume, same bytes.
import os
keyfiles = []
try:
    for sname, sg in ((yaml.safe_load(src or "") or {}).get("spec", {}).get("signers") or {}).items():
        f = ((sg or {}).get("key") or {}).get("file")
        if f:
            keyfiles.append(f)
except Exception as e:
    t("policy/default.yaml parses", False, str(e))
for f in keyfiles:
    rel = os.path.normpath(os.path.join(os.path.dirname(pol_rel), f))
    try:
        want_key = open(os.path.join(os.path.dirname(policy_src), f)).read()
    except OSError:
        want_key = None
    t("policy volume: key file %s mounted at %s/%s with policy/%s's bytes" % (f, pol_mount, rel, f),
      rel in files and want_key is not None and pol_cm.get(files[rel]) == want_key, (rel, files))

svc = one("Service", "driftgate") or {}
sp = svc.get("spec", {}).get("ports", [{}])
tp = sp[0].get("targetPort")
t("service: 443 -> 8443", len(sp) == 1 and sp[0].get("port") == 443 and ports.get(tp, tp) == 8443, sp)
t("service: selects the deployment's pods",
  svc.get("spec", {}).get("selector") == spec.get("template", {}).get("metadata", {}).get("labels"))
pdb = one("PodDisruptionBudget", "driftgate") or {}
t("pdb: minAvailable 1 of the deployment's pods",
  pdb.get("spec", {}).get("minAvailable") == 1 and
  pdb.get("spec", {}).get("selector") == spec.get("selector"))

vwc = one("ValidatingWebhookConfiguration") or {}
whs = vwc.get("webhooks", [])
w = whs[0] if len(whs) == 1 else {}
t("webhook: one webhook with a qualified name", len(whs) == 1 and w.get("name", "").count(".") >= 2)
t("webhook: admissionReviewVersions [v1]", w.get("admissionReviewVersions") == ["v1"])
t("webhook: sideEffects None", w.get("sideEffects") == "None")
t("webhook: failurePolicy Fail", w.get("failurePolicy") == "Fail")
t("webhook: timeoutSeconds 10", w.get("timeoutSeconds") == 10)
t("webhook: matchPolicy Equivalent", w.get("matchPolicy") == "Equivalent")
s = w.get("clientConfig", {}).get("service", {})
t("webhook: calls service driftgate/driftgate:443 /validate",
  s.get("name") == svc.get("metadata", {}).get("name") and s.get("namespace") == "driftgate"
  and s.get("port") == 443 and s.get("path") == "/validate", s)
t("webhook: caBundle is the placeholder certs/ca-bundle.sh fills",
  w.get("clientConfig", {}).get("caBundle") == "CA_BUNDLE_PLACEHOLDER")
got = set()
ops_ok = True
for r in w.get("rules", []):
    ops_ok = ops_ok and sorted(r.get("operations", [])) == ["CREATE", "UPDATE"]
    for g in r.get("apiGroups", []):
        for res_ in r.get("resources", []):
            got.add((g, res_))
want_res = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "replicationcontrollers"),
            ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
            ("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs")}
t("webhook: rules cover exactly pods, ephemeralcontainers, RCs, apps and batch workloads",
  got == want_res, "missing %s extra %s" % (sorted(want_res - got), sorted(got - want_res)))
t("webhook: rules are CREATE and UPDATE", ops_ok and w.get("rules"))
sel = w.get("namespaceSelector", {}).get("matchExpressions", [])
t("webhook: namespaceSelector kubernetes.io/metadata.name NotIn kube-system, driftgate",
  any(e.get("key") == "kubernetes.io/metadata.name" and e.get("operator") == "NotIn" and
      set(e.get("values", [])) == {"kube-system", "driftgate"} for e in sel), sel)
srv = cfg.get("server") or {}
t("config: server bounds spelled out (maxConnections, maxBodyBytesInFlight, request and handshake timeouts)",
  srv.get("maxConnections") == 256 and srv.get("maxBodyBytesInFlight") == 16777216 and
  srv.get("requestTimeoutMillis") == 10000 and srv.get("handshakeTimeoutMillis") == 5000, srv)

mwc = one("MutatingWebhookConfiguration") or {}
mws = mwc.get("webhooks", [])
m = mws[0] if len(mws) == 1 else {}
t("mutating webhook: one webhook with a qualified name", len(mws) == 1 and m.get("name", "").count(".") >= 2)
t("mutating webhook: reinvocationPolicy IfNeeded", m.get("reinvocationPolicy") == "IfNeeded")
t("mutating webhook: failurePolicy Fail, sideEffects None, timeoutSeconds 10, v1 reviews",
  m.get("failurePolicy") == "Fail" and m.get("sideEffects") == "None" and m.get("timeoutSeconds") == 10
  and m.get("admissionReviewVersions") == ["v1"])
ms = m.get("clientConfig", {}).get("service", {})
t("mutating webhook: calls service driftgate/driftgate:443 /mutate",
  ms.get("name") == svc.get("metadata", {}).get("name") and ms.get("namespace") == "driftgate"
  and ms.get("port") == 443 and ms.get("path") == "/mutate", ms)
t("mutating webhook: caBundle placeholder", m.get("clientConfig", {}).get("caBundle") == "CA_BUNDLE_PLACEHOLDER")
t("mutating webhook: same namespaceSelector as the validating one",
  m.get("namespaceSelector") == w.get("namespaceSelector"), m.get("namespaceSelector"))
mops = {}
for r in m.get("rules", []):
    for g in r.get("apiGroups", []):
        for res_ in r.get("resources", []):
            mops.setdefault((g, res_), set()).update(r.get("operations", []))
t("mutating webhook: covers what the validating one does",
  set(mops) == want_res, "missing %s extra %s" % (sorted(want_res - set(mops)), sorted(set(mops) - want_res)))
t("mutating webhook: bare pods on CREATE only, ephemeral containers on UPDATE, templates on both",
  mops.get(("", "pods")) == {"CREATE"} and mops.get(("", "pods/ephemeralcontainers")) == {"UPDATE"}
  and all(v == {"CREATE", "UPDATE"} for k, v in mops.items() if k[1] not in ("pods", "pods/ephemeralcontainers")),
  {"%s/%s" % k: sorted(v) for k, v in mops.items()})

np_ = one("NetworkPolicy", "driftgate") or {}
nps = np_.get("spec", {})
t("networkpolicy: selects the deployment's pods, Ingress only",
  nps.get("podSelector", {}).get("matchLabels") == spec.get("selector", {}).get("matchLabels")
  and nps.get("policyTypes") == ["Ingress"], nps)
ing = nps.get("ingress", [])
t("networkpolicy: one rule, TCP 8443 only",
  len(ing) == 1 and ing[0].get("ports") == [{"protocol": "TCP", "port": 8443}], ing)
peers = ing[0].get("from", []) if ing else []
t("networkpolicy: from the control plane only (an ipBlock, no pod or namespace selector)",
  len(peers) >= 1 and all(list(p) == ["ipBlock"] for p in peers), peers)
t("networkpolicy: the control plane's address is the placeholder control-plane.sh fills",
  peers and peers[0]["ipBlock"].get("cidr") == "CONTROL_PLANE_CIDR", peers)

role = one("Role", "driftgate-pull-secrets") or {}
t("rbac: the Role allows only get on secrets (imagePullSecrets)",
  role.get("rules") == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
  role.get("rules"))
rb = one("RoleBinding", "driftgate-pull-secrets") or {}
t("rbac: the RoleBinding binds that Role to the driftgate service account",
  rb.get("roleRef", {}).get("kind") == "Role" and
  rb.get("roleRef", {}).get("name") == "driftgate-pull-secrets" and
  rb.get("subjects") == [{"kind": "ServiceAccount", "name": "driftgate", "namespace": "driftgate"}],
  rb)

done()
PY

# --- certs/mint.sh ---
d=$work/certs
if "$top/certs/mint.sh" "$d" driftgate.driftgate.svc 127.0.0.1 ::1 2> "$work/mint.err"; then
  pass "mint.sh makes a CA and a serving cert"
else
  fail "mint.sh makes a CA and a serving cert" "$(tail -3 "$work/mint.err")"
fi
txt=$(openssl x509 -in "$d/tls.crt" -noout -text 2>&1)
check "mint.sh: serving cert verifies against the CA for sslserver" \
  openssl verify -CAfile "$d/ca.crt" -purpose sslserver "$d/tls.crt"
check "mint.sh: SANs DNS + IPv4 + IPv6" grep -q \
  'DNS:driftgate.driftgate.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' <<< "$txt"
check "mint.sh: EKU serverAuth" grep -q 'TLS Web Server Authentication' <<< "$txt"
check "mint.sh: EC P-256 keys" bash -c "openssl pkey -in '$d/tls.key' -noout -text | grep -q 'prime256v1' && openssl pkey -in '$d/ca.key' -noout -text | grep -q 'prime256v1'"
check "mint.sh: keys are mode 600" test "$(stat -c %a "$d/tls.key")$(stat -c %a "$d/ca.key")" = 600600
check "mint.sh: serving cert valid ~1 year, not 2" bash -c \
  "openssl x509 -in '$d/tls.crt' -noout -checkend $((364 * 86400)) && ! openssl x509 -in '$d/tls.crt' -noout -checkend $((366 * 86400))"
check "mint.sh: CA valid ~10 years" bash -c \
  "openssl x509 -in '$d/ca.crt' -noout -checkend $((3649 * 86400)) && ! openssl x509 -in '$d/ca.crt' -noout -checkend $((3651 * 86400))"
ca_before=$(sha256sum < "$d/ca.crt")
tls_before=$(sha256sum < "$d/tls.crt")
"$top/certs/mint.sh" "$d" localhost 2> /dev/null
check "mint.sh: second run reuses the CA and re-signs the serving cert" bash -c \
  "[ '$ca_before' = \"\$(sha256sum < '$d/ca.crt')\" ] && [ '$tls_before' != \"\$(sha256sum < '$d/tls.crt')\" ] && openssl verify -CAfile '$d/ca.crt' '$d/tls.crt'"
if "$top/certs/mint.sh" "$work/bad" "bad name" 2> "$work/bad.err"; then
  fail "mint.sh rejects a name with a space"
else
  check "mint.sh rejects a name with a space" grep -q "invalid name 'bad name'" "$work/bad.err"
fi

# --- certs/ca-bundle.sh ---
if kubectl kustomize "$top/manifests" 2> /dev/null | "$top/certs/ca-bundle.sh" "$d/ca.crt" - > "$work/filled.yaml" 2> "$work/cab.err"; then
  pass "ca-bundle.sh fills the rendered kustomization"
else
  fail "ca-bundle.sh fills the rendered kustomization" "$(cat "$work/cab.err")"
fi
check "ca-bundle.sh: both webhook configurations' caBundle decode to the CA certificate" /usr/bin/python3 - "$work/filled.yaml" "$d/ca.crt" <<'PY'
import sys, yaml, base64
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ca = open(sys.argv[2], "rb").read()
whs = [d for d in docs if d["kind"] in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")]
sys.exit(0 if len(whs) == 2 and all(base64.b64decode(d["webhooks"][0]["clientConfig"]["caBundle"], validate=True) == ca for d in whs) else 1)
PY
check "ca-bundle.sh: default input is the webhook configuration" bash -c \
  "'$top/certs/ca-bundle.sh' '$d/ca.crt' | grep -q '^kind: ValidatingWebhookConfiguration'"
if "$top/certs/ca-bundle.sh" "$d/tls.key" 2> "$work/e1"; then fail "ca-bundle.sh rejects a non-certificate"; else
  check "ca-bundle.sh rejects a non-certificate" grep -q "is not a PEM certificate" "$work/e1"; fi
if "$top/certs/ca-bundle.sh" "$d/ca.crt" - < "$work/filled.yaml" > /dev/null 2> "$work/e2"; then
  fail "ca-bundle.sh fails when there is no placeholder"; else
  check "ca-bundle.sh fails when there is no placeholder" grep -q "no 'caBundle: CA_BUNDLE_PLACEHOLDER'" "$work/e2"; fi

# --- manifests/control-plane.sh ---
if kubectl kustomize "$top/manifests" 2> /dev/null | "$top/manifests/control-plane.sh" 10.0.0.10/32,fd00:10::/64 - > "$work/np.yaml" 2> "$work/cp.err"; then
  pass "control-plane.sh fills the rendered kustomization"
else
  fail "control-plane.sh fills the rendered kustomization" "$(cat "$work/cp.err")"
fi
check "control-plane.sh: the NetworkPolicy admits exactly the given CIDRs, the rest unchanged" /usr/bin/python3 - "$work/np.yaml" "$work/render.yaml" <<'PY'
import sys, yaml
new = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
old = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
np_ = [d for d in new if d["kind"] == "NetworkPolicy"][0]
peers = np_["spec"]["ingress"][0]["from"]
rest_same = [d for d in new if d["kind"] != "NetworkPolicy"] == [d for d in old if d["kind"] != "NetworkPolicy"]
sys.exit(0 if peers == [{"ipBlock": {"cidr": "10.0.0.10/32"}}, {"ipBlock": {"cidr": "fd00:10::/64"}}] and rest_same else 1)
PY
for bad in 10.0.0.1/24 10.0.0.0 not-a-cidr; do
  if "$top/manifests/control-plane.sh" "$bad" > /dev/null 2> "$work/cpbad.err"; then
    fail "control-plane.sh rejects '$bad'"
  else
    check "control-plane.sh rejects '$bad'" grep -q "is not a CIDR" "$work/cpbad.err"
  fi
done
if "$top/manifests/control-plane.sh" 10.0.0.0/8 - < "$work/np.yaml" > /dev/null 2> "$work/cp2.err"; then
  fail "control-plane.sh fails when there is no placeholder"; else
  check "control-plane.sh fails when there is no placeholder" grep -q "no '- ipBlock: {cidr: CONTROL_PLANE_CIDR}'" "$work/cp2.err"; fi

# --- the apiserver's admission-control files ---
check "admission-control-config.yaml: both webhook plugins read admission-kubeconfig.yaml, which sends driftgate's Service a client certificate" \
  /usr/bin/python3 - "$top/manifests/admission-control-config.yaml" "$top/manifests/admission-kubeconfig.yaml" "$work/render.yaml" <<'PY'
import sys, yaml
ac = yaml.safe_load(open(sys.argv[1])); kc = yaml.safe_load(open(sys.argv[2]))
docs = [d for d in yaml.safe_load_all(open(sys.argv[3])) if d]
assert ac["apiVersion"] == "apiserver.config.k8s.io/v1" and ac["kind"] == "AdmissionConfiguration"
plugins = {p["name"]: p["configuration"] for p in ac["plugins"]}
assert set(plugins) == {"ValidatingAdmissionWebhook", "MutatingAdmissionWebhook"}, plugins
paths = {c["kubeConfigFile"] for c in plugins.values()}
assert all(c["apiVersion"] == "apiserver.config.k8s.io/v1" and c["kind"] == "WebhookAdmissionConfiguration" for c in plugins.values())
assert len(paths) == 1 and paths.pop().endswith("/admission-kubeconfig.yaml")
assert kc["kind"] == "Config"
# A user entry matches "<service>.<namespace>.svc" for a Service on port 443.
for d in docs:
    if d["kind"].endswith("WebhookConfiguration"):
        s = d["webhooks"][0]["clientConfig"]["service"]
        assert s["port"] == 443
        name = "%s.%s.svc" % (s["name"], s["namespace"])
        users = [u for u in kc["users"] if u["name"] == name]
        assert len(users) == 1 and {"client-certificate", "client-key"} <= set(users[0]["user"]), (name, kc["users"])
PY

# --- the client-auth component ---
ov=$(mktemp -d "$top/.ca-overlay.XXXXXX")
printf 'resources: [../manifests]\ncomponents: [../manifests/client-auth, ../manifests/cert-manager]\n' > "$ov/kustomization.yaml"
if kubectl kustomize "$ov" > "$work/client-auth.yaml" 2> "$work/ca.err"; then pass "client-auth + cert-manager components render"; else
  fail "client-auth + cert-manager components render" "$(tail -3 "$work/ca.err")"; fi
rm -rf "$ov"
py_checks "client-auth python checks" "$work/client-auth.yaml" "$work/render.yaml" <<'PY'
import sys, yaml
new = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
old = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
def by(docs, k, n): return next(d for d in docs if d["kind"] == k and d["metadata"]["name"] == n)
from tap_checks import t, done
cfg = yaml.safe_load(by(new, "ConfigMap", "driftgate-config")["data"]["config.yaml"])
base = yaml.safe_load(by(old, "ConfigMap", "driftgate-config")["data"]["config.yaml"])
tls = cfg.get("tls", {}); srv = cfg.get("server", {})
dep = by(new, "Deployment", "driftgate")["spec"]["template"]["spec"]
c = dep["containers"][0]
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in dep["volumes"]}
t("client-auth: tls.clientCA is ca.crt of the mounted Secret driftgate-client-ca",
  tls.get("clientCA") == mounts.get("client-ca", "?") + "/ca.crt" and
  vols.get("client-ca", {}).get("secret", {}).get("secretName") == "driftgate-client-ca", (tls, mounts))
t("client-auth: clientNames is the CN of the apiserver's client Certificate",
  tls.get("clientNames") == [by(new, "Certificate", "driftgate-apiserver-client")["spec"]["commonName"]], tls)
strip = dict(cfg); strip["tls"] = {k: v for k, v in tls.items() if k not in ("clientCA", "clientNames")}
strip["server"] = {k: v for k, v in srv.items() if k != "probeListen"}
t("client-auth: its config.yaml is the base's plus clientCA, clientNames and probeListen", strip == base)
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
pport = int(srv.get("probeListen", ":0").rsplit(":", 1)[1])
t("client-auth: probes use the probe port (server.probeListen), over HTTPS",
  all(ports.get(c[p]["httpGet"]["port"]) == pport and c[p]["httpGet"]["scheme"] == "HTTPS"
      for p in ("readinessProbe", "livenessProbe")) and ports.get("https") == 8443, (ports, pport))
crt = by(new, "Certificate", "driftgate-apiserver-client")["spec"]
t("cert-manager: the apiserver's client Certificate has the client auth usage only, from the CA Issuer",
  "client auth" in crt["usages"] and "server auth" not in crt["usages"] and crt["issuerRef"]["name"] == "driftgate-ca", crt)
mwc = by(new, "MutatingWebhookConfiguration", "driftgate")
t("cert-manager: the CA injector fills the mutating webhook too",
  mwc["metadata"].get("annotations", {}).get("cert-manager.io/inject-ca-from") == "driftgate/driftgate-tls"
  and "caBundle" not in mwc["webhooks"][0]["clientConfig"])
done()
PY

# --- the keyless trust root and the trust-update component ---
ov=$(mktemp -d "$top/.tu-overlay.XXXXXX")
printf 'resources: [../manifests]\ncomponents: [../manifests/trust-update]\n' > "$ov/kustomization.yaml"
if kubectl kustomize "$ov" > "$work/trust-update.yaml" 2> "$work/tu.err"; then pass "trust-update component renders"; else
  fail "trust-update component renders" "$(tail -3 "$work/tu.err")"; fi
rm -rf "$ov"
py_checks "trust root python checks" "$work/render.yaml" "$work/trust-update.yaml" "$top/manifests/trust" <<'PY'
import json, sys, yaml
base = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
new = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
src = sys.argv[3]
def by(docs, k, n): return next((d for d in docs if d["kind"] == k and d["metadata"]["name"] == n), None)
from tap_checks import t, done
cm = by(base, "ConfigMap", "driftgate-trust-root") or {}
data = cm.get("data", {})
t("trust root: ConfigMap driftgate-trust-root, no hash suffix (the CronJob updates it by name)", cm)
want = {k: open("%s/%s" % (src, k)).read() for k in ("trusted_root.json", "root.json")}
t("trust root: it holds manifests/trust/trusted_root.json and root.json verbatim",
  all(data.get(k) == v for k, v in want.items()), sorted(data))
tr = json.loads(data.get("trusted_root.json", "{}"))
t("trust root: trusted_root.json is a Sigstore trusted root",
  tr.get("mediaType", "").startswith("application/vnd.dev.sigstore.trustedroot+json"))
root = json.loads(data.get("root.json", "{}")).get("signed", {})
t("trust root: root.json is a TUF root (Sigstore's, v14)", root.get("_type") == "root" and root.get("version") == 14)
dep = by(base, "Deployment", "driftgate")["spec"]["template"]["spec"]
c = dep["containers"][0]
mounts = {m["name"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in dep["volumes"]}
tv = vols.get("trust-root", {}).get("configMap", {})
tm = mounts.get("trust-root", {})
t("deployment: trust-root volume is ConfigMap driftgate-trust-root, required, mounted whole (no subPath)",
  tv.get("name") == "driftgate-trust-root" and not tv.get("optional") and not tv.get("items")
  and tm.get("readOnly") and "subPath" not in tm, (tv, tm))
cfg = yaml.safe_load(by(base, "ConfigMap", "driftgate-config")["data"]["config.yaml"])
roots = cfg.get("trustRoots") or []
t("config: trustRoots is trusted_root.json of the trust-root volume",
  roots == [tm.get("mountPath", "?") + "/trusted_root.json"], roots)

cj = by(new, "CronJob", "driftgate-trust-update") or {}
pod = cj.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
t("trust-update: CronJob driftgate-trust-update, one run at a time", cj and cj["spec"].get("concurrencyPolicy") == "Forbid")
inits = pod.get("initContainers", [])
upd = inits[0] if len(inits) == 1 else {}
script = " ".join(upd.get("command", []))
t("trust-update: the init container runs `driftgate trust update` from the kept root into the work volume",
  upd.get("image", "").split(":")[0] == c["image"].split(":")[0] and "driftgate trust update" in script and "--root /work/root.json" in script
  and "--state /work" in script and "--out /work/trusted_root.json" in script, script[:300])
pub = (pod.get("containers") or [{}])[0]
t("trust-update: kubectl server-side-applies the work volume's kustomization",
  pub.get("args", [])[:2] == ["apply", "--server-side"] and pub.get("args", [])[-2:] == ["-k", "/work"], pub.get("args"))
pvols = {v["name"]: v for v in pod.get("volumes", [])}
t("trust-update: it reads ConfigMap driftgate-trust-root and shares an emptyDir",
  pvols.get("trust-root", {}).get("configMap", {}).get("name") == "driftgate-trust-root" and "emptyDir" in pvols.get("work", {}))
role = by(new, "Role", "driftgate-trust-update") or {}
t("trust-update: its Role gets and patches ConfigMap driftgate-trust-root only",
  role.get("rules") == [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["driftgate-trust-root"],
                         "verbs": ["get", "patch"]}], role.get("rules"))
rb = by(new, "RoleBinding", "driftgate-trust-update") or {}
t("trust-update: bound to its own service account, which the CronJob uses",
  rb.get("subjects") == [{"kind": "ServiceAccount", "name": "driftgate-trust-update", "namespace": "driftgate"}]
  and pod.get("serviceAccountName") == "driftgate-trust-update")
for ctr in inits + pod.get("containers", []):
    sc = ctr.get("securityContext", {})
    t("trust-update: %s runs non-root, read-only root, no capabilities" % ctr["name"],
      sc.get("readOnlyRootFilesystem") and sc.get("allowPrivilegeEscalation") is False
      and sc.get("capabilities", {}).get("drop") == ["ALL"] and pod["securityContext"].get("runAsNonRoot"))
done()
PY

# --- Dockerfile (no container engine here: check what can be checked without one) ---
df=$top/Dockerfile
entry=$(sed -n 's/^ENTRYPOINT //p' "$df")
check "Dockerfile: ENTRYPOINT equals the Deployment's command" /usr/bin/python3 - "$entry" "$top/manifests/deployment.yaml" <<'PY'
import sys, json, yaml
e = json.loads(sys.argv[1])
d = yaml.safe_load(open(sys.argv[2]))
c = d["spec"]["template"]["spec"]["containers"][0]["command"]
print(e, c)
sys.exit(0 if e == c else 1)
PY
check "Dockerfile: runs as 65532:65532, two stages, bookworm" bash -c \
  "grep -qx 'USER 65532:65532' '$df' && grep -q '^FROM debian:bookworm AS build' '$df' && grep -qx 'FROM debian:bookworm-slim' '$df'"
# The awk program the build stage uses to extract config.yaml, run on the real ConfigMap.
prog=$(grep -o "awk '[^']*'" "$df" | head -1 | sed "s/^awk '//; s/'$//")
awk "$prog" "$top/manifests/configmap-config.yaml" > "$work/config.yaml"
check "Dockerfile: baked config.yaml equals the ConfigMap's" /usr/bin/python3 - "$work/config.yaml" "$top/manifests/configmap-config.yaml" <<'PY'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = yaml.safe_load(yaml.safe_load(open(sys.argv[2]))["data"]["config.yaml"])
sys.exit(0 if a == b and a else 1)
PY
pkgs=$(sed -n 's/^ARG RUNTIME_PKGS="\(.*\)"$/\1/p' "$df")
bin=${BUILD:-$top/build}/driftgate
if [ -z "$pkgs" ]; then
  fail "Dockerfile: RUNTIME_PKGS found"
elif [ ! -x "$bin" ]; then
  fail "Dockerfile: runtime packages cover the libraries $bin links" "no binary at $bin"
else
  # Everything the runtime apt-get would install (the packages and their dependency closure).
  # shellcheck disable=SC2086 # $pkgs is RUNTIME_PKGS, a space-separated list of package names
  closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
              --no-replaces --no-enhances $pkgs libc6 2>/dev/null | grep -E '^[a-z0-9]' | sed 's/:.*//' | sort -u)
  missing=""
  # The libraries driftgate dlopen()s on first use (declared once in C: tests/lib/dlopened.sh)
  # are never linked (process start stays without them) and are checked below, with what they
  # link, as the binary's own.
  dlopened=$("$top/tests/lib/dlopened.sh" --names) linked=$(ldd "$bin") linked_too=""
  for so in $dlopened; do
    if grep -q "^[[:space:]]*$so " <<< "$linked"; then linked_too+=" $so"; fi
  done
  ok "$([ -n "$dlopened" ] && [ -z "$linked_too" ]; echo $?)" \
    "$(basename "$bin") does not link what it loads on first use: ${dlopened//$'\n'/ }" \
    "${dlopened:-no WH_*_SONAME found}${linked_too:+; linked:$linked_too}"
  loaded=$("$top/tests/lib/dlopened.sh") || missing+=" (tests/lib/dlopened.sh failed)"
  # Which package owns each library: one dpkg -S over every real path (dpkg reads its whole file
  # database per call), then one over the linked names for a path dpkg knows only by its link.
  libs=() reals=()
  while read -r lib; do
    [ -n "$lib" ] || continue
    case $(basename "$lib") in libasan*|libubsan*|libtsan*|liblsan*|libstdc++*|libgcc_s*) continue ;; esac
    libs+=("$lib"); reals+=("$(readlink -f "$lib")")
  done < <(printf '%s\n%s\n' "$linked" "$loaded" | awk '$2 == "=>" {print $3} $1 ~ /^\// {print $1}' | sort -u)
  declare -A owner=()
  while IFS= read -r line; do # "pkg[:arch][, pkg...]: /path"
    owner[${line#*: }]=${line%%[:,]*}
  done < <(dpkg -S "${reals[@]}" "${libs[@]}" 2> /dev/null)
  for i in "${!libs[@]}"; do
    lib=${libs[$i]} pkg=${owner[${reals[$i]}]:-${owner[${libs[$i]}]:-}}
    if [ -z "$pkg" ] || ! grep -qx "$pkg" <<< "$closure"; then missing+=" $lib(${pkg:-no package})"; fi
  done
  if [ -z "$missing" ]; then
    pass "Dockerfile: runtime packages cover the libraries $(basename "$bin") links and loads (${#libs[@]} libs)"
  else
    fail "Dockerfile: runtime packages cover the libraries $(basename "$bin") links and loads" "missing:$missing"
  fi
  # One apt-cache over all of them (each call loads the package lists: a second of CPU).
  # shellcheck disable=SC2086 # $pkgs is RUNTIME_PKGS, a space-separated list of package names
  shown=$(apt-cache show --no-all-versions $pkgs 2> /dev/null | sed -n 's/^Package: //p')
  absent=""
  for p in $pkgs; do grep -qx "$p" <<< "$shown" || absent+=" $p"; done
  ok "$([ -z "$absent" ]; echo $?)" "Dockerfile: runtime packages exist in the Debian archive" "no package:$absent"
fi

# --- the ConfigMap's config.yaml is a config driftgate accepts ---
# Same file, with the in-cluster paths mapped to this machine and a loopback port.
d=$work/serve-certs
"$top/certs/mint.sh" "$d" 127.0.0.1 2> /dev/null
port=$(free_port)
sed "s|\"0.0.0.0:8443\"|\"127.0.0.1:$port\"|; s|/etc/driftgate/tls/|$d/|; s|/etc/driftgate/policy/policy.yaml|$top/policy/default.yaml|; s|/etc/driftgate/trust/|$top/manifests/trust/|" \
  "$work/config.yaml" > "$work/serve.yaml"
if [ ! -x "$bin" ]; then
  fail "driftgate serve accepts the ConfigMap's config.yaml" "no binary at $bin"
elif ! grep -q "127.0.0.1:$port" "$work/serve.yaml" || ! grep -q "$d/tls.crt" "$work/serve.yaml"; then
  fail "driftgate serve accepts the ConfigMap's config.yaml" "listen/tls lines not found to remap"
else
  "$bin" serve --config "$work/serve.yaml" > "$work/serve.log" 2>&1 &
  spid=$!
  track_pid "$spid"
  up=""
  for _ in $(seq 1 100); do
    if [ "$(curl -s --cacert "$d/ca.crt" "https://127.0.0.1:$port/readyz" -o /dev/null -w '%{http_code}')" = 200 ]; then up=1; break; fi
    kill -0 "$spid" 2> /dev/null || break
    sleep 0.1
  done
  if [ -n "$up" ]; then pass "driftgate serve accepts the ConfigMap's config.yaml and is ready"; else
    fail "driftgate serve accepts the ConfigMap's config.yaml and is ready" "$(tail -3 "$work/serve.log")"; fi
  check "driftgate serve: /healthz over HTTPS with the minted cert" \
    curl -sf --cacert "$d/ca.crt" "https://127.0.0.1:$port/healthz"
  kill "$spid" 2> /dev/null
  wait "$spid"
  rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ]; then pass "driftgate serve stops on SIGTERM"; else fail "driftgate serve stops on SIGTERM" "exit $rc"; fi
fi
done_testing
