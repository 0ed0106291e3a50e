#!/usr/bin/env python3
"""Turns review-objects.sh's Pod AdmissionReview (stdin) into what a real kube-apiserver sends
after defaulting and before admission: uid, creationTimestamp, managedFields, the service
account token volume and mounts, default tolerations, priority; about 2.6 KB compact (notes/
apiserver.md). Prints compact JSON on stdout."""
import json
import sys

rev = json.load(sys.stdin)
obj = rev["request"]["object"]
md = obj["metadata"]
spec = obj["spec"]
md["uid"] = "3f1c2a9e-5b7d-4e8a-9c41-0d6e2b8f7a15"
md["creationTimestamp"] = "2025-06-02T09:41:07Z"
md["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(
    {"apiVersion": "v1", "kind": "Pod",
     "metadata": {"annotations": {}, "labels": md.get("labels", {}), "name": md["name"],
                  "namespace": md["namespace"]},
     "spec": {"containers": [{"image": c["image"], "name": c["name"]} for c in spec["containers"]]}},
    separators=(",", ":")) + "\n"}
md["managedFields"] = [{
    "manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
    "time": "2025-06-02T09:41:07Z", "fieldsType": "FieldsV1",
    "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                                "f:labels": {".": {}, "f:run": {}}},
                 "f:spec": {"f:containers": {'k:{"name":"%s"}' % c["name"]: {
                     ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:resources": {},
                     "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}}
                     for c in spec["containers"]},
                     "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {},
                     "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}}]
for c in spec["containers"]:
    c["volumeMounts"] = [{"name": "kube-api-access-7xk2p", "readOnly": True,
                          "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
spec["volumes"] = [{"name": "kube-api-access-7xk2p", "projected": {"defaultMode": 420, "sources": [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                  "fieldPath": "metadata.namespace"}}]}}]}}]
spec["serviceAccountName"] = "default"
spec["serviceAccount"] = "default"
spec["enableServiceLinks"] = True
spec["preemptionPolicy"] = "PreemptLowerPriority"
spec["priority"] = 0
spec["tolerations"] = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
json.dump(rev, sys.stdout, separators=(",", ":"))
