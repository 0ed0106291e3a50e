#!/usr/bin/env bash
# STYLE §2: which webhook/ module may include which. base/ is open to all.
set -u
cd "$(dirname "$0")/../.." || exit 1
declare -A allow=(
  [image]="" [trust]="" [decision]="" [metrics]="" [fsm]=""
  [verify]="image trust" [sbom]="verify" [policy]="image verify sbom decision"
  [admission]="decision" [registry]="image" [cache]="verify"
  [pipeline]="image trust verify sbom decision policy admission registry cache metrics config.h"
  [http]="pipeline admission metrics config.h"
  [cli]="image trust verify sbom decision policy admission registry cache metrics pipeline http fsm config.h"
)
bad=0
for dir in "${!allow[@]}"; do
  [ -d "webhook/$dir" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(echo "$line" | sed -E 's/.*#include "([^"]+)".*/\1/')
    top=${inc%%/*}
    [ "$top" = base ] && continue
    [ "$top" = "$dir" ] && continue
    case " ${allow[$dir]} " in *" $top "*) continue ;; esac
    echo "check-layers: $file includes \"$inc\" ($dir may not include $top)"
    bad=1
  done < <(grep -rn '#include "' "webhook/$dir" || true)
done
[ $bad -eq 0 ] && echo "check-layers: ok"
exit $bad
