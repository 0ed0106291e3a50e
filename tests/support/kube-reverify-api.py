#!/usr/bin/python3
"""A loopback stand-in for the kube-apiserver endpoints `driftgate reverify` uses (Debian has no
kube-apiserver), for tests/integration/reverify_test.sh. HTTPS; "Authorization: Bearer <token>".

Request and response shapes follow the Kubernetes API reference (v1.32):
  GET  /api/v1/pods?limit=N&continue=T&fieldSelector=status.phase=Running   PodList, paged:
       metadata.continue on every page but the last, metadata.resourceVersion
  POST /api/v1/namespaces/NS/events                                        Event (201)
  GET  /apis/wgpolicyk8s.io/v1alpha2/namespaces/NS/policyreports/NAME     PolicyReport / 404
  POST /apis/wgpolicyk8s.io/v1alpha2/namespaces/NS/policyreports          201, 409 AlreadyExists
  PUT  /apis/wgpolicyk8s.io/v1alpha2/namespaces/NS/policyreports/NAME     200, 409 Conflict on a
       stale metadata.resourceVersion, 422 Invalid on a body that does not match the path
  PATCH /api/v1/namespaces/NS/pods/NAME/ephemeralcontainers   the Pod (200); the body a strategic
       merge patch (Content-Type application/strategic-merge-patch+json, else 415) of
       spec.ephemeralContainers; 422 when an existing one is changed, resources are set or the
       targetContainerName is no container; 403 when Pod Security "restricted" refuses the
       securityContext (runAsNonRoot, no privilege escalation, capabilities drop ALL, seccomp);
       the pod lists with it afterwards (spec.ephemeralContainers and a running status)
  GET  /api/v1/namespaces/NS/secrets/NAME   the Secret from --secrets FILE (a JSON object "NS/NAME" →
       Secret, read on every request), 404 NotFound otherwise
  GET  /api/v1/namespaces/NS/pods/NAME/log?container=C&tailLines=N&limitBytes=M   text/plain,
       the file --logs/NS_NAME_C.log (tailLines, then limitBytes applied); 400 when C is no
       container of the pod or has no log file ("waiting to start")
Errors are v1 Status objects. RBAC: every request is mapped to (verb, apiGroup, resource) as the
apiserver's RequestInfoFactory does (a subresource as "pods/log") and checked against the rules
of the ClusterRoles named by --role (comma-separated) in the RBAC files --rbac (comma-separated:
the manifests' own files); anything not granted → 403 with the apiserver's message. Test hooks: GET /_state (no auth: reports, events, requests), and --pods
FILE read on every list: a JSON array of Pod objects is paged; anything else is one page's bytes,
served as they are (huge, malformed, looping pages). --rbac is read again on every request, so a
suite swaps the role without restarting the server.
Usage: kube-reverify-api.py --cert C --key K --token-file T --rbac F --role NAME --pods FILE
                            --port-file P [--logs DIR] [--secrets FILE] [--client-ca CA]
--client-ca: the TLS handshake requires a client certificate signed by CA (a kubeconfig user's),
which then authenticates a request that sends no Authorization header.
"""
import argparse
import base64
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

ap = argparse.ArgumentParser()
for a in ("cert", "key", "token-file", "rbac", "role", "pods", "port-file"):
    ap.add_argument("--" + a, required=True)
ap.add_argument("--logs", default="")
ap.add_argument("--client-ca", default="")  # require a client certificate signed by this CA
ap.add_argument("--secrets", default="")
args = ap.parse_args()

TOKEN = open(args.token_file).read().strip()
USER = "system:serviceaccount:driftgate:driftgate-reverify"


def rules():
    out = []
    for f in args.rbac.split(","):
        for doc in yaml.safe_load_all(open(f)):
            if doc and doc.get("kind") == "ClusterRole" and doc["metadata"]["name"] in args.role.split(","):
                out += doc.get("rules") or []
    return out


if not rules():
    sys.exit(f"kube-reverify-api: no rules for ClusterRole {args.role} in {args.rbac}")

lock = threading.Lock()
state = {"reports": {}, "events": [], "requests": [], "rv": 100, "ephemeral": {}, "patches": []}


def allowed(verb, group, resource):
    for r in rules():
        if (group in r.get("apiGroups", []) or "*" in r.get("apiGroups", [])) and \
           (resource in r.get("resources", []) or "*" in r.get("resources", [])) and \
           (verb in r.get("verbs", []) or "*" in r.get("verbs", [])):
            return True
    return False


def request_info(method, path):
    """(verb, group, resource, namespace, name) like k8s.io/apiserver RequestInfoFactory."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    ns = None
    if len(rest) >= 2 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    if not rest:
        return None
    resource, name = rest[0], (rest[1] if len(rest) > 1 else None)
    if len(rest) == 3:
        resource += "/" + rest[2]
    verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update",
            "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())
    return verb, group, resource, ns, name


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_json(self, code, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def status(self, code, reason, message, details=None):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": message, "reason": reason, "code": code}
        if details:
            s["details"] = details
        self.send_json(code, s)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_state":
            with lock:
                return self.send_json(200, state)
        data = self.body()
        with lock:
            state["requests"].append({"method": self.command, "path": self.path})
        # --client-ca: the handshake required a verified client certificate (the kubeconfig
        # user's); a request then needs no bearer token, but one it sends must be right.
        cert_ok = bool(args.client_ca) and self.connection.getpeercert() is not None
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" and not (
                cert_ok and self.headers.get("Authorization") is None):
            return self.status(401, "Unauthorized", "Unauthorized")
        info = request_info(self.command, url.path)
        if info is None:
            return self.status(404, "NotFound", "the server could not find the requested resource")
        verb, group, resource, ns, name = info
        if not allowed(verb, group, resource):
            scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
            return self.status(403, "Forbidden",
                               f'{resource} is forbidden: User "{USER}" cannot {verb} resource '
                               f'"{resource}" in API group "{group}" {scope}',
                               {"kind": resource})
        q = urllib.parse.parse_qs(url.query)
        if (group, resource) == ("", "pods") and verb == "list" and ns is None:
            return self.list_pods(q)
        if (group, resource) == ("", "pods/ephemeralcontainers") and verb == "patch" and ns:
            return self.patch_ephemeral(ns, name, data)
        if (group, resource) == ("", "pods/log") and verb == "get" and ns:
            return self.pod_log(ns, name, q)
        if (group, resource) == ("", "secrets") and verb == "get" and ns:
            sec = json.load(open(args.secrets)).get(f"{ns}/{name}") if args.secrets and os.path.exists(args.secrets) else None
            if sec is None:
                return self.status(404, "NotFound", f'secrets "{name}" not found', {"name": name, "kind": "secrets"})
            return self.send_json(200, sec)
        if (group, resource) == ("", "events") and verb == "create" and ns:
            return self.create_event(ns, data)
        if (group, resource) == ("wgpolicyk8s.io", "policyreports") and ns and \
                url.path.startswith("/apis/wgpolicyk8s.io/v1alpha2/"):
            return self.report(verb, ns, name, data)
        return self.status(404, "NotFound", "the server could not find the requested resource")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def served_pods(self):
        """The --pods array with the ephemeral containers patched in; None for raw pages."""
        try:
            pods = json.loads(open(args.pods, "rb").read())
        except (ValueError, RecursionError):
            return None
        if not isinstance(pods, list):
            return None
        with lock:
            for p in pods:
                key = f'{p["metadata"]["namespace"]}/{p["metadata"]["name"]}'
                eph = state["ephemeral"].get(key, [])
                if eph:
                    p["spec"]["ephemeralContainers"] = eph
                    p["status"]["ephemeralContainerStatuses"] = [
                        {"name": e["name"], "image": e["image"], "imageID": e["image"], "ready": False,
                         "restartCount": 0, "state": {"running": {"startedAt": "2026-12-05T10:00:00Z"}}}
                        for e in eph]
        return pods

    def find_pod(self, ns, name):
        for p in self.served_pods() or []:
            if p["metadata"]["namespace"] == ns and p["metadata"]["name"] == name:
                return p
        return None

    def patch_ephemeral(self, ns, name, data):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/strategic-merge-patch+json":
            return self.status(415, "UnsupportedMediaType",
                               f'the body of the request was in an unknown format - accepted media types include: '
                               f'application/json-patch+json, application/merge-patch+json, '
                               f'application/apply-patch+yaml, application/strategic-merge-patch+json ({ctype})')
        pod = self.find_pod(ns, name)
        if pod is None:
            return self.status(404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"})
        try:
            new = json.loads(data)["spec"]["ephemeralContainers"]
            assert isinstance(new, list) and all(isinstance(e, dict) and e.get("name") for e in new)
        except Exception:
            return self.status(400, "BadRequest", "the body is not a patch of spec.ephemeralContainers")
        have = {e["name"]: e for e in pod["spec"].get("ephemeralContainers", [])}
        names = [c["name"] for c in pod["spec"]["containers"]]
        invalid = f'Pod "{name}" is invalid: '
        for i, e in enumerate(new):
            if e["name"] in have:
                if have[e["name"]] != e:
                    return self.status(422, "Invalid", invalid + f'spec.ephemeralContainers: Forbidden: existing '
                                       f'ephemeral containers "{e["name"]}" may not be changed')
                continue
            if e.get("resources"):
                return self.status(422, "Invalid", invalid + f'spec.ephemeralContainers[{i}].resources: '
                                   'Forbidden: cannot be set for an Ephemeral Container')
            if e.get("targetContainerName") not in names:
                return self.status(422, "Invalid", invalid + f'spec.ephemeralContainers[{i}].targetContainerName: '
                                   f'Not found: "{e.get("targetContainerName")}"')
            sc = e.get("securityContext") or {}
            pod_sc = pod["spec"].get("securityContext") or {}
            bad = []
            if sc.get("allowPrivilegeEscalation") is not False:
                bad.append("allowPrivilegeEscalation != false")
            if "ALL" not in (sc.get("capabilities") or {}).get("drop", []) or (sc.get("capabilities") or {}).get("add"):
                bad.append("unrestricted capabilities")
            if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True or sc.get("runAsUser") == 0:
                bad.append("runAsNonRoot != true")
            if (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
                bad.append("seccompProfile")
            if sc.get("privileged"):
                bad.append("privileged")
            if bad:
                return self.status(403, "Forbidden", f'pods "{name}" is forbidden: violates PodSecurity '
                                   f'"restricted:latest": {", ".join(bad)} (container "{e["name"]}")')
        with lock:
            state["patches"].append({"namespace": ns, "name": name, "contentType": ctype, "body": json.loads(data)})
            cur = state["ephemeral"].setdefault(f"{ns}/{name}", [])
            cur += [e for e in new if e["name"] not in have]
        self.send_json(200, self.find_pod(ns, name))

    def pod_log(self, ns, name, q):
        pod = self.find_pod(ns, name)
        if pod is None:
            return self.status(404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"})
        c = q.get("container", [""])[0]
        names = [x["name"] for x in pod["spec"]["containers"] + pod["spec"].get("ephemeralContainers", [])]
        if c not in names:
            return self.status(400, "BadRequest", f'container {c} is not valid for pod {name}')
        f = os.path.join(args.logs, f"{ns}_{name}_{c}.log")
        if not args.logs or not os.path.exists(f):
            return self.status(400, "BadRequest", f'container "{c}" in pod "{name}" is waiting to start: '
                               'ContainerCreating')
        body = open(f, "rb").read()
        if "tailLines" in q:
            n = int(q["tailLines"][0])
            body = b"".join(body.splitlines(keepends=True)[-n:]) if n > 0 else b""
        if "limitBytes" in q:
            body = body[:int(q["limitBytes"][0])]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def list_pods(self, q):
        served = self.served_pods()
        if served is not None:
            return self.page(served, q)
        raw = open(args.pods, "rb").read()
        try:
            pods = json.loads(raw)
        except (ValueError, RecursionError):
            pods = None
        if not isinstance(pods, list):
            return self.send_json(200, raw=raw)
        return self.page(pods, q)

    def page(self, pods, q):
        sel = q.get("fieldSelector", [""])[0]
        if sel == "status.phase=Running":
            pods = [p for p in pods if p.get("status", {}).get("phase") == "Running"]
        elif sel:
            return self.status(400, "BadRequest", f'unable to parse requirement: "{sel}"')
        limit = int(q.get("limit", ["0"])[0] or 0)
        start = 0
        if "continue" in q:
            try:
                start = json.loads(base64.b64decode(q["continue"][0]))["start"]
            except Exception:
                return self.status(400, "BadRequest", "continue key is not valid")
        end = len(pods) if limit <= 0 else min(len(pods), start + limit)
        meta = {"resourceVersion": "4242"}
        if end < len(pods):
            meta["continue"] = base64.b64encode(json.dumps({"rv": 4242, "start": end}).encode()).decode()
            meta["remainingItemCount"] = len(pods) - end
        self.send_json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": meta,
                             "items": pods[start:end]})

    def create_event(self, ns, data):
        try:
            ev = json.loads(data)
        except ValueError:
            return self.status(400, "BadRequest", "the body is not JSON")
        io = ev.get("involvedObject", {})
        bad = [k for k in ("reason", "message", "type") if not isinstance(ev.get(k), str)]
        if ev.get("kind") != "Event" or ev.get("apiVersion") != "v1" or \
                ev.get("metadata", {}).get("namespace") != ns or io.get("namespace") != ns or \
                ev.get("type") not in ("Normal", "Warning") or bad or \
                not (ev["metadata"].get("name") or ev["metadata"].get("generateName")):
            return self.status(422, "Invalid", f"Event is invalid: {bad or 'metadata/involvedObject'}")
        with lock:
            ev["metadata"]["name"] = ev["metadata"].get("name") or \
                ev["metadata"]["generateName"] + str(len(state["events"]))
            state["events"].append(ev)
        self.send_json(201, ev)

    def report(self, verb, ns, name, data):
        key = f"{ns}/{name}"
        with lock:
            if verb == "get":
                if key not in state["reports"]:
                    return self.status(404, "NotFound",
                                       f'policyreports.wgpolicyk8s.io "{name}" not found',
                                       {"name": name, "group": "wgpolicyk8s.io", "kind": "policyreports"})
                return self.send_json(200, state["reports"][key])
            try:
                obj = json.loads(data)
            except ValueError:
                return self.status(400, "BadRequest", "the body is not JSON")
            meta = obj.get("metadata", {})
            oname = meta.get("name")
            if obj.get("apiVersion") != "wgpolicyk8s.io/v1alpha2" or obj.get("kind") != "PolicyReport" or \
                    meta.get("namespace", ns) != ns or (name is not None and oname != name) or not oname:
                return self.status(422, "Invalid", "PolicyReport is invalid: apiVersion/kind/metadata")
            key = f"{ns}/{oname}"
            cur = state["reports"].get(key)
            if verb == "create":
                if cur is not None:
                    return self.status(409, "AlreadyExists",
                                       f'policyreports.wgpolicyk8s.io "{oname}" already exists')
            elif verb == "update":
                if cur is None:
                    return self.status(404, "NotFound", f'policyreports.wgpolicyk8s.io "{oname}" not found')
                if meta.get("resourceVersion") != cur["metadata"]["resourceVersion"]:
                    return self.status(409, "Conflict",
                                       f'Operation cannot be fulfilled on policyreports.wgpolicyk8s.io "{oname}": '
                                       "the object has been modified; please apply your changes to the "
                                       "latest version and try again")
            else:
                return self.status(405, "MethodNotAllowed", "method not allowed")
            state["rv"] += 1
            meta["namespace"] = ns
            meta["resourceVersion"] = str(state["rv"])
            obj["metadata"] = meta
            state["reports"][key] = obj
            self.send_json(201 if verb == "create" else 200, obj)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
if args.client_ca:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(args.client_ca)
srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
