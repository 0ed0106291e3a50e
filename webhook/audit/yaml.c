/* The audited YAML files' settings of the one YAML reader (base/yaml_tree.h). */
#include "audit/yaml.h"

enum wh_err
wh_audit_yaml_parse(struct wh_bytes text, struct wh_arena *a, struct wh_yaml_node **root,
                    struct wh_error *err)
{
    const struct wh_yaml_opts opts = {
        .what = "a workflow or lock",
        .max_depth = WH_AUDIT_YAML_DEPTH,
        .aliases = true,
        .tags = true,
        .merge_keys = "merge keys (<<) are not supported by GitHub Actions: write the keys out",
    };
    enum wh_err rc = wh_yaml_tree_build(text, &opts, a, root, err);

    if (rc == WH_OK && *root == NULL)
        rc = wh_error_set(err, WH_E_INVALID, "1:1: empty YAML file");
    return rc;
}
