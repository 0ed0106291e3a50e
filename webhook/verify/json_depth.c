/* JSON nesting depth for the verify/ parsers' limits. */
#include "verify/json_depth.h"

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
            size_t d = wh_verify_json_depth(child, limit - 1);

            if (d > max)
                max = d;
            if (max >= limit)
                break;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;

        json_array_foreach(v, i, child)
        {
            size_t d = wh_verify_json_depth(child, limit - 1);

            if (d > max)
                max = d;
            if (max >= limit)
                break;
        }
        return max + 1;
    }
    return 0;
}
