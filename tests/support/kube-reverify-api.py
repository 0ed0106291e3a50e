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
Errors are v1 Status objects. RBAC: every request is mapped to (verb, apiGroup, resource) as the
apiserver's RequestInfoFactory does and checked against the rules of the ClusterRole named by
--role in the RBAC file --rbac (the manifests' own file); anything not granted → 403 with the
apiserver's message. Test hooks: GET /_state (no auth: reports, events, requests), and --pods
FILE read on every list: a JSON array of Pod objects is paged; anything else is one page's bytes,
served as they are (huge, malformed, looping pages). --rbac is read again on every request, so a
suite swaps the role without restarting the server.
Usage: kube-reverify-api.py --cert C --key K --token-file T --rbac F --role NAME --pods FILE
                            --port-file P
"""
import argparse
import base64
import json
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
args = ap.parse_args()

TOKEN = open(args.token_file).read().strip()
USER = "system:serviceaccount:driftgate:driftgate-reverify"


def rules():
    for doc in yaml.safe_load_all(open(args.rbac)):
        if doc and doc.get("kind") == "ClusterRole" and doc["metadata"]["name"] == args.role:
            return doc.get("rules") or []
    return []


if not rules():
    sys.exit(f"kube-reverify-api: no rules for ClusterRole {args.role} in {args.rbac}")

lock = threading.Lock()
state = {"reports": {}, "events": [], "requests": [], "rv": 100}


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
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
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
        if (group, resource) == ("", "events") and verb == "create" and ns:
            return self.create_event(ns, data)
        if (group, resource) == ("wgpolicyk8s.io", "policyreports") and ns and \
                url.path.startswith("/apis/wgpolicyk8s.io/v1alpha2/"):
            return self.report(verb, ns, name, data)
        return self.status(404, "NotFound", "the server could not find the requested resource")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def list_pods(self, q):
        raw = open(args.pods, "rb").read()
        try:
            pods = json.loads(raw)
        except (ValueError, RecursionError):
            pods = None
        if not isinstance(pods, list):
            return self.send_json(200, raw=raw)
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
srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
