#!/usr/bin/env bash
# STYLE §3: every external name defined in webhook/<dir>/ is wh_<dir>_... (a function, or a global
# initialised at file scope). base/ names take their file's name (wh_arena_... in base/arena.c;
# str.c holds the wh_str, wh_buf and wh_utf8 groups; error.c wh_oom and wh_assert_fail, which
# WH_ASSERT expands to); webhook/config.c wh_config_...; webhook/main.c main. Definitions are found
# the way STYLE's clang-format writes them: the return type on its own line, the name at column 0.
# Names not yet renamed are listed, each with why, in tests/lint/names-pending.txt ("path name").
# Usage: tests/lint/check-names.sh [ROOT]   (default: this checkout; DG_NAMES_PENDING: another list). Fails listing each misnamed
# export as path:line: name.
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
pending=${DG_NAMES_PENDING:-$(cd "$(dirname "$0")" && pwd)/names-pending.txt}
python3 - "$root" "$pending" <<'PY'
import os, re, sys

root, pending_file = sys.argv[1], sys.argv[2]
pending = set()
if os.path.exists(pending_file):
    for line in open(pending_file, encoding="utf-8"):
        line = line.split("#", 1)[0].split()
        if len(line) == 2:
            pending.add((line[0], line[1]))
BASE_GROUPS = {"str.c": ("wh_str_", "wh_buf_", "wh_utf8_"), "error.c": ("wh_oom", "wh_assert_fail")}


def allowed(rel, name):
    parts = rel.split("/")[1:]  # below webhook/
    stem = parts[-1][:-2]
    if len(parts) == 1:  # webhook/main.c, webhook/config.c
        return name == "main" or name.startswith("wh_%s_" % stem)
    if parts[0] == "base":
        if name == "wh_" + stem or name.startswith("wh_%s_" % stem):
            return True
        groups = BASE_GROUPS.get(parts[-1], ())
        return any(name == g or name.startswith(g) for g in groups)
    return name.startswith("wh_%s_" % parts[0])


def exports(path):
    """(line, name) of each external function definition and initialised global."""
    text = open(path, encoding="utf-8", errors="replace").read()
    # comments and strings out, line structure kept
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Za-z]\w*)\(", line)
        if m:
            j = i - 1
            while j >= 0 and lines[j].strip() == "":
                j -= 1
            prev = lines[j] if j >= 0 else ""
            if not re.search(r"\bstatic\b", prev) and not prev.rstrip().endswith((";", "}", ",")):
                yield i + 1, m.group(1)
            continue
        m = re.match(r"^(?!static\b|typedef\b|extern\b)[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*(\[[^\]]*\])*\s*=", line)
        if m:
            yield i + 1, m.group(1)


bad, stale = [], set(pending)
for dp, dn, fn in os.walk(os.path.join(root, "webhook")):
    dn.sort()
    for f in sorted(fn):
        if not f.endswith(".c"):
            continue
        rel = os.path.relpath(os.path.join(dp, f), root)
        for line, name in exports(os.path.join(dp, f)):
            if allowed(rel, name):
                continue
            if (rel, name) in pending:
                stale.discard((rel, name))
                continue
            bad.append("%s:%d: %s" % (rel, line, name))
for rel, name in sorted(stale):
    print("check-names: note: %s %s is listed in names-pending.txt but no longer misnamed there" % (rel, name))
if bad:
    print("\n".join(bad))
    print("check-names: %d external names do not carry their folder's prefix (STYLE §3: wh_<dir>_...)" % len(bad))
    sys.exit(1)
print("check-names: ok")
PY
