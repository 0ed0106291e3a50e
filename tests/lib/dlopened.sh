#!/usr/bin/env bash
# The shared libraries driftgate loads with dlopen() on first use instead of linking them: the
# sonames declared once in C as `#define WH_*_SONAME "..."` (webhook/registry/curl_lib.h), each
# resolved by ldconfig, printed as `ldd` prints a dependency ("<tab>name => /path (0)") and
# followed by what it links (its `ldd`), so a script that ships or checks the runtime libraries
# reads `{ ldd driftgate; tests/lib/dlopened.sh; }` (tests/image/build.sh,
# tests/integration/manifests_test.sh).
#   tests/lib/dlopened.sh           the libraries, as above
#   tests/lib/dlopened.sh --names   the declared sonames, one a line
# Exits 1 naming a soname this machine's loader cannot find.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
names=$(sed -n 's/^#define WH_[A-Z0-9_]*_SONAME "\(.*\)"$/\1/p' "$top"/webhook/*/*.h)
if [ "${1:-}" = --names ]; then
  printf '%s\n' "$names"
  exit 0
fi
cache=$(/sbin/ldconfig -p)
for so in $names; do
  path=$(awk -v so="$so" '$1 == so && $NF ~ /^\// {print $NF; exit}' <<< "$cache")
  if [ -z "$path" ]; then
    echo "dlopened.sh: $so (declared in webhook/) is not known to ldconfig" >&2
    exit 1
  fi
  printf '\t%s => %s (0)\n' "$so" "$path"
  ldd "$path"
done
