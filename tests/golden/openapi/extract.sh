#!/usr/bin/env bash
# Regenerates podspec-schemas.json: the schemas reachable by $ref from io.k8s.api.core.v1.PodSpec
# in Kubernetes' published OpenAPI v3 document api/openapi-spec/v3/api__v1_openapi.json, plus
# where it came from. Usage: extract.sh API_V1_OPENAPI_JSON SOURCE_JSON > podspec-schemas.json
# SOURCE_JSON names the origin, e.g. '{"repository": "openshift/microshift", "commit": "...",
# "path": "deps/github.com/openshift/kubernetes/api/openapi-spec/v3/api__v1_openapi.json",
# "kubernetes": "v1.36.2"}'. The walk (podspec_walk.js) needs nothing else.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 API_V1_OPENAPI_JSON SOURCE_JSON" >&2; exit 2; }
jq -S --argjson source "$2" '
  .components.schemas as $S
  | def refs: [.. | objects | .["$ref"]? // empty | split("/") | last];
    def closure($todo; $seen):
      if ($todo | length) == 0 then $seen
      elif $seen[$todo[0]] then closure($todo[1:]; $seen)
      else closure($todo[1:] + ($S[$todo[0]] | refs); $seen + {($todo[0]): true}) end;
  closure(["io.k8s.api.core.v1.PodSpec"]; {}) as $keep
  | {source: $source, components: {schemas: ($S | with_entries(select($keep[.key])))}}' "$1"
