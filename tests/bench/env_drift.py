#!/usr/bin/env python3
"""The seed article's env-drift algorithm, reimplemented for the SBOM-diff benchmark.

Components are loaded by name (last one wins, version "?" when absent); the diff finds dev-only
packages (minus the dev allowlist), prod-only packages and version drift; runtime-sensitive
drift and suspicious dev-only packages (runtime-sensitive, or names containing lib/ssl/crypto)
are highlighted in a markdown report. Exit status 1 when either highlighted class is non-empty.

usage: env_drift.py DEV.json PROD.json            markdown report on stdout
       env_drift.py --bench K DEV.json PROD.json  median ms of K in-process runs (file bytes are
                                                  read once; each run parses JSON, diffs, renders)
"""
import io
import json
import statistics
import sys
import time

ALLOWED_IN_DEV = frozenset(["vim", "vim-runtime", "gdb", "strace", "less", "man-db",
                            "build-essential", "git", "curl", "wget", "openssh-client"])
SENSITIVE_AT_RUNTIME = frozenset(["openssl", "libssl3", "libssl1.1", "ca-certificates", "libc6",
                                  "libstdc++6", "zlib1g", "libcurl4", "python3", "python3-pip",
                                  "node", "nodejs", "tzdata", "locales"])
SUSPECT_FRAGMENTS = ("lib", "ssl", "crypto")


def components_by_name(text):
    doc = json.loads(text)
    by_name = {}
    for comp in doc["components"]:
        by_name[comp["name"]] = comp.get("version", "?")
    return by_name


def report(dev, prod, out):
    dev_only = {}
    for name, version in dev.items():
        if name not in prod and name not in ALLOWED_IN_DEV:
            dev_only[name] = version
    prod_only = {name: version for name, version in prod.items() if name not in dev}
    drift = {}
    for name, version in dev.items():
        other = prod.get(name)
        if other is not None and other != version:
            drift[name] = (version, other)
    sensitive = {name: pair for name, pair in drift.items() if name in SENSITIVE_AT_RUNTIME}
    suspect = {name: version for name, version in dev_only.items()
               if name in SENSITIVE_AT_RUNTIME or any(f in name for f in SUSPECT_FRAGMENTS)}

    w = out.write
    w("## Dev/prod environment drift\n\n")
    if sensitive:
        w("### :warning: Runtime-sensitive version drift\n\n| Package | Dev | Prod |\n|---|---|---|\n")
        for name in sorted(sensitive):
            d, p = sensitive[name]
            w(f"| `{name}` | `{d}` | `{p}` |\n")
        w("\nThese packages commonly cause 'works on my machine' failures when dev and prod "
          "differ. Confirm the prod version is the one you intended to ship.\n\n")
    if suspect:
        w("### :warning: Packages installed in dev but missing in prod\n\n"
          "Runtime libraries present in dev but absent from the prod image: code that needs "
          "them will fail in prod.\n\n")
        for name in sorted(suspect):
            w(f"- `{name}@{suspect[name]}`\n")
        w("\n")
    allowlisted = sum(1 for name in dev if name not in prod and name in ALLOWED_IN_DEV)
    w("### Summary\n\n")
    w(f"- Dev-only (allowlisted): **{allowlisted}**\n")
    w(f"- Dev-only (unexpected): **{len(suspect)}**\n")
    w(f"- Prod-only: **{len(prod_only)}**\n")
    w(f"- Version drift (all): **{len(drift)}**\n")
    w(f"- Version drift (runtime-sensitive): **{len(sensitive)}**\n")
    return 1 if (suspect or sensitive) else 0


def run(dev_text, prod_text, out):
    return report(components_by_name(dev_text), components_by_name(prod_text), out)


def main(argv):
    if len(argv) == 5 and argv[1] == "--bench":
        k = int(argv[2])
        with open(argv[3], "rb") as f:
            dev_text = f.read()
        with open(argv[4], "rb") as f:
            prod_text = f.read()
        times = []
        for _ in range(k):
            start = time.perf_counter()
            run(dev_text, prod_text, io.StringIO())
            times.append((time.perf_counter() - start) * 1000.0)
        print(f"median_ms {statistics.median(times):.3f}")
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], "rb") as f:
        dev_text = f.read()
    with open(argv[2], "rb") as f:
        prod_text = f.read()
    return run(dev_text, prod_text, sys.stdout)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
