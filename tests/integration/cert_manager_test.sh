#!/usr/bin/env bash
# manifests/cert-manager, the optional kustomize component: rendered over manifests/ with
# `kubectl kustomize` (offline), the serving Certificate writes the Secret the Deployment mounts,
# covers the Service's DNS names, is signed by a namespaced CA Issuer, and the webhook
# configuration carries the CA injector annotation for it and no placeholder caBundle.
# Env: none. Prints TAP lines.
# shellcheck source=tests/lib/tap.sh # make shellcheck runs from the top
. "$(dirname "$0")/../lib/tap.sh"
command -v kubectl >/dev/null; check $? "kubectl present (kustomize is built in)"
# kustomize wants overlays to refer to bases by relative path, from outside the base.
ov=$(mktemp -d "$top/.cm-overlay.XXXXXX")
on_exit rm -rf "$ov"
printf 'resources: [../manifests]\ncomponents: [../manifests/cert-manager]\n' > "$ov/kustomization.yaml"
kubectl kustomize "$ov" > "$ov/out.yaml" 2> "$ov/err"; check $? "kubectl kustomize renders the overlay" "$(cat "$ov/err")"
out=$(/usr/bin/python3 - "$ov/out.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by = lambda k, n: next(d for d in docs if d["kind"] == k and d["metadata"]["name"] == n)
dep = by("Deployment", "driftgate"); svc = by("Service", "driftgate")
vwc = by("ValidatingWebhookConfiguration", "driftgate")
cert = by("Certificate", "driftgate-tls"); ca = by("Issuer", "driftgate-ca")
mounted = [v["secret"]["secretName"] for v in dep["spec"]["template"]["spec"]["volumes"] if "secret" in v]
ns = svc["metadata"]["namespace"]
checks = {
 "certificate writes the mounted Secret": cert["spec"]["secretName"] in mounted,
 "dnsNames cover <svc>.<ns>.svc": f'{svc["metadata"]["name"]}.{ns}.svc' in cert["spec"]["dnsNames"],
 "signed by the namespaced CA Issuer": cert["spec"]["issuerRef"]["name"] == ca["metadata"]["name"] and "ca" in ca["spec"],
 "injector annotation names the Certificate": vwc["metadata"]["annotations"].get("cert-manager.io/inject-ca-from") == f'{cert["metadata"]["namespace"]}/{cert["metadata"]["name"]}',
 "no placeholder caBundle left": all("caBundle" not in w["clientConfig"] for w in vwc["webhooks"]),
 "key rotates on renewal": cert["spec"]["privateKey"].get("rotationPolicy") == "Always",
 "everything in driftgate's namespace": all(d["metadata"].get("namespace") == ns for d in docs if d["kind"] in ("Certificate", "Issuer")),
}
for k, v in checks.items():
    print(("ok - " if v else "not ok - ") + k)
PY
)
tap_lines "$out"
done_testing
