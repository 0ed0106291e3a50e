#!/usr/bin/env bash
# STYLE §8: these calls are banned in webhook/; a line may break the rule only with a
# "banned-ok:" comment saying why. Comments are not code: they are stripped before matching.
set -u
cd "$(dirname "$0")/../.." || exit 1
re='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf|strncpy|system|popen|alloca)[[:space:]]*\('
hits=$(find webhook -name '*.[ch]' | sort | while read -r f; do
  python3 - "$f" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8", errors="replace").read()
lines = text.split("\n")
# Blank out /* ... */ comments (keeping line structure) unless they carry "banned-ok:".
def blank(m):
    s = m.group(0)
    return s if "banned-ok:" in s else re.sub(r"[^\n]", " ", s)
code = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
for i, line in enumerate(code.split("\n"), 1):
    print(f"{path}:{i}:{line}")
PY
done | grep -E "$re" | grep -v 'banned-ok:' || true)
if [ -n "$hits" ]; then echo "$hits"; echo "check-banned: banned calls found"; exit 1; fi
echo "check-banned: ok"
