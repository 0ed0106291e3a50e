#!/usr/bin/env bash
# STYLE §2: which webhook/ module may include which. base/ is open to all. lint/ (the policy lint
# toolchain) is in cli/'s list only, so nothing on the request path can include it; check-closure.sh
# shows the linker agrees. An entry with a slash allows that one header only (kube/ speaks HTTP
# through registry/http.h and nothing else of it).
set -u
cd "$(dirname "$0")/../.." || exit 1
declare -A allow=(
  [image]="" [trust]="" [decision]="" [metrics]="" [fsm]=""
  [verify]="image trust" [sbom]="verify" [policy]="image verify sbom decision"
  [admission]="decision" [registry]="image" [cache]="verify" [kube]="registry/http.h"
  [pipeline]="image trust verify sbom decision policy admission registry kube cache metrics fsm config.h"
  [http]="pipeline admission metrics config.h"
  [lint]="policy"
  [audit]="image policy decision verify sbom"
  [cli]="image trust verify sbom decision policy admission registry kube cache metrics pipeline http fsm lint audit config.h"
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
    case " ${allow[$dir]} " in *" $top "* | *" $inc "*) continue ;; esac
    echo "check-layers: $file includes \"$inc\" ($dir may not include $top)"
    bad=1
  done < <(grep -rn '#include "' "webhook/$dir" || true)
done
[ $bad -eq 0 ] && echo "check-layers: ok"
exit $bad
