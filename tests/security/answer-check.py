#!/usr/bin/env python3
"""Checks one AdmissionReview response against what a kube-apiserver takes and kubectl shows.

answer-check.py FILE CAP allowed|denied [SUBSTRING...]
Valid JSON within CAP bytes; every warning, the message and every audit annotation value free of
control characters (Go's unicode.IsControl: the apiserver drops a warning holding one; kubectl
writes a message raw to the terminal); warnings within the apiserver's limits (256 characters
each, 4096 in all; driftgate also shows at most 16); the message within 4096 bytes and each
annotation value within 512 once JSON-escaped; each SUBSTRING in the message or a warning.
Prints one line per problem; exit 1 when there is one."""
import json, sys, unicodedata

path, cap, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
needles = sys.argv[4:]
raw = open(path, "rb").read()
problems = []
if len(raw) > cap:
    problems.append("body is %d bytes, over %d" % (len(raw), cap))
try:
    r = json.loads(raw)["response"]
except Exception as e:  # noqa: BLE001
    print("not an AdmissionReview response: %s: %r" % (e, raw[:200]))
    sys.exit(1)

def controls(s):
    return [hex(ord(c)) for c in s if unicodedata.category(c) == "Cc"]

def escaped(s):
    return len(s.encode()) + s.count('"') + s.count("\\")

if r.get("allowed") != (want == "allowed"):
    problems.append("allowed is %r, want %s" % (r.get("allowed"), want))
msg = (r.get("status") or {}).get("message", "")
if want == "denied" and not msg:
    problems.append("a denial without a message")
if controls(msg):
    problems.append("message holds control characters %s" % controls(msg)[:5])
if escaped(msg) > 4096:
    problems.append("message is %d bytes escaped, over 4096" % escaped(msg))
warnings = r.get("warnings") or []
if len(warnings) > 16:
    problems.append("%d warnings, over 16" % len(warnings))
if sum(len(w) for w in warnings) > 4096:
    problems.append("warnings hold %d characters, over 4096" % sum(len(w) for w in warnings))
for i, w in enumerate(warnings):
    if len(w) > 256:
        problems.append("warning %d is %d characters, over 256" % (i, len(w)))
    if controls(w):
        problems.append("warning %d holds control characters %s" % (i, controls(w)[:5]))
if len(set(warnings)) != len(warnings):
    problems.append("identical warnings (kubectl would print one)")
for k, v in (r.get("auditAnnotations") or {}).items():
    if escaped(v) > 512 or controls(v):
        problems.append("audit annotation %s: %d bytes escaped, controls %s" % (k, escaped(v), controls(v)[:5]))
for n in needles:
    if n not in msg and not any(n in w for w in warnings):
        problems.append("neither the message nor a warning holds %r" % n)
for p in problems:
    print(p)
if problems:
    print("message: %r" % msg[:600])
    print("warnings: %r" % [w[:120] for w in warnings[:4]])
sys.exit(1 if problems else 0)
