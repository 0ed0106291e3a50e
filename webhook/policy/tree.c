/* The policy's settings of the one YAML reader (base/yaml_tree.h). */
#include "policy/tree.h"

enum wh_err
wh_policy_tree_build(struct wh_bytes yaml, const char *file, struct wh_arena *a,
                     struct wh_yaml_node **root, struct wh_error *err)
{
    const struct wh_yaml_opts opts = {
        .file = file, .what = "a policy", .max_depth = WH_POLICY_TREE_DEPTH};
    enum wh_err rc = wh_yaml_tree_build(yaml, &opts, a, root, err);

    if (rc == WH_OK && *root == NULL)
        rc = wh_error_set_at(err, WH_E_INVALID, file, 1, 1,
                             "empty policy: expected apiVersion, kind and spec");
    return rc;
}
