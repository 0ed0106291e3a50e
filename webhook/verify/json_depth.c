/* JSON nesting depth for the verify/ parsers' limits. */
#include "verify/json_depth.h"

#include <stdbool.h>

/* Folds one child's depth into *max; true once the limit is reached (no need to look further). */
static bool
deeper(json_t *child, size_t limit, size_t *max)
{
    size_t d = wh_verify_json_depth(child, limit - 1);

    if (d > *max)
        *max = d;
    return *max >= limit;
}

/* jansson's parser stops at 2048 levels itself, so this recursion is bounded. */
size_t
wh_verify_json_depth(json_t *v, size_t limit)
{
    size_t max = 0;

    if (limit == 0)
        return 1;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;

        json_object_foreach(v, key, child)
        {
            if (deeper(child, limit, &max))
                break;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;

        json_array_foreach(v, i, child)
        {
            if (deeper(child, limit, &max))
                break;
        }
        return max + 1;
    }
    return 0;
}
