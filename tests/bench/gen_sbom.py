#!/usr/bin/env python3
"""Deterministic prod/dev CycloneDX 1.5 SBOM pair of N components with realistic drift.

usage: gen_sbom.py N SEED PROD.json DEV.json

Components look like syft's (bom-ref, type, name, version, cpe, purl, a few properties) and mix
deb, npm, pypi and golang packages. Drift applied to the dev side, from the same seed:
~2% dev-only (plus the seed scenario's vim, gdb, libssl-dev), ~1% prod-only, ~4% version drift
(half patch, a third minor, the rest major), and a handful of duplicate-version packages. Names
are unique across ecosystems so a name-keyed diff (the seed's) and a purl-keyed one agree.
"""
import json
import random
import sys

SYLLABLES = ["ab", "ac", "al", "am", "an", "ar", "ba", "be", "bi", "bo", "ca", "ce", "co", "da",
             "de", "di", "do", "el", "en", "er", "fa", "fi", "ga", "ge", "go", "ha", "he", "io",
             "ka", "ke", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "no", "pa",
             "pe", "po", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to",
             "ul", "un", "va", "ve", "xi", "za", "ze", "zo"]
ECOSYSTEMS = [("deb", 0.45), ("npm", 0.30), ("pypi", 0.15), ("golang", 0.10)]
SEED_PROD = [("deb", "libc6", "2.36-9+deb12u4"), ("deb", "libssl3", "3.0.11-1~deb12u2"),
             ("deb", "openssl", "3.0.11-1~deb12u2"), ("deb", "ca-certificates", "20230311"),
             ("deb", "python3", "3.11.2-1+b1"), ("deb", "tzdata", "2024a-0+deb12u1"),
             ("pypi", "pip", "23.0.1")]


def name_for(rng, i, eco):
    base = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    if eco == "deb":
        return f"lib{base}{i}" if rng.random() < 0.5 else f"{base}-utils{i}"
    if eco == "golang":
        return f"{base}{i}"
    return f"{base}-{i}"


def version_for(rng, eco):
    major, minor, patch = rng.randint(0, 12), rng.randint(0, 30), rng.randint(0, 40)
    if eco == "deb":
        rev = f"-{rng.randint(1, 9)}" + (f"+deb12u{rng.randint(1, 15)}" if rng.random() < 0.3 else "")
        epoch = f"{rng.randint(1, 3)}:" if rng.random() < 0.05 else ""
        return f"{epoch}{major}.{minor}.{patch}{rev}"
    if eco == "golang":
        return f"v{major}.{minor}.{patch}"
    return f"{major}.{minor}.{patch}"


def bump(rng, version, eco):
    """A drifted version: patch, minor or major change of the upstream part."""
    prefix, epoch, rest = "", "", version
    if eco == "golang":
        prefix, rest = "v", version[1:]
    if ":" in rest:
        epoch, rest = rest.split(":", 1)
        epoch += ":"
    core, sep, rev = rest.partition("-")
    parts = [int(p) for p in core.split(".")]
    r = rng.random()
    if r < 0.5:
        parts[2] += rng.randint(1, 5)
    elif r < 0.83:
        parts[1] += 1
        parts[2] = 0
    else:
        parts[0] += 1
        parts[1] = parts[2] = 0
    return f"{prefix}{epoch}{'.'.join(map(str, parts))}{sep}{rev}"


def purl(eco, name, version):
    if eco == "deb":
        return f"pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"
    if eco == "golang":
        return f"pkg:golang/github.com/{name}/{name}@{version}"
    return f"pkg:{eco}/{name}@{version}"


def component(eco, name, version, idx):
    p = purl(eco, name, version)
    return {
        "bom-ref": f"{p}&package-id={idx:016x}",
        "type": "library",
        "name": name,
        "version": version,
        "cpe": f"cpe:2.3:a:{name}:{name}:{version}:*:*:*:*:*:*:*",
        "purl": p,
        "properties": [
            {"name": "syft:package:foundBy", "value": f"{eco}-cataloger"},
            {"name": "syft:package:type", "value": eco},
            {"name": "syft:location:0:path", "value": f"/var/lib/{eco}/{name}"},
        ],
    }


def bom(components, image):
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "version": 1,
        "metadata": {"tools": {"components": [{"type": "application", "author": "anchore",
                                               "name": "syft", "version": "1.4.1"}]},
                     "component": {"type": "container", "name": image, "version": "sha256:00"}},
        "components": components,
    }


def main():
    n, seed, prod_path, dev_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    ecos = [e for e, _ in ECOSYSTEMS]
    weights = [w for _, w in ECOSYSTEMS]
    base = list(SEED_PROD)
    while len(base) < n:
        eco = rng.choices(ecos, weights)[0]
        i = len(base)
        base.append((eco, name_for(rng, i, eco), version_for(rng, eco)))
    prod, dev = [], []
    for idx, (eco, name, version) in enumerate(base):
        r = rng.random()
        if r < 0.01:
            prod.append(component(eco, name, version, idx))  # prod-only
        elif r < 0.05:
            prod.append(component(eco, name, version, idx))
            dev.append(component(eco, name, bump(rng, version, eco), idx))  # version drift
        else:
            prod.append(component(eco, name, version, idx))
            dev.append(component(eco, name, version, idx))
    extra = [("deb", "vim", "2:9.0.1378-2"), ("deb", "gdb", "13.1-3"),
             ("deb", "libssl-dev", "3.0.11-1~deb12u2")]
    for k in range(max(0, n // 50 - len(extra))):
        eco = rng.choices(ecos, weights)[0]
        extra.append((eco, name_for(rng, n + k, eco), version_for(rng, eco)))
    for k, (eco, name, version) in enumerate(extra):
        dev.append(component(eco, name, version, n + k))  # dev-only
    rng.shuffle(prod)
    rng.shuffle(dev)
    with open(prod_path, "w") as f:
        json.dump(bom(prod, "registry.example.com/app"), f, indent=1)
    with open(dev_path, "w") as f:
        json.dump(bom(dev, "registry.example.com/app-devcontainer"), f, indent=1)


if __name__ == "__main__":
    main()
