#ifndef WH_VERIFY_JSON_DEPTH_H
#define WH_VERIFY_JSON_DEPTH_H

/* Private to verify/ (its JSON parsers): jansson stays inside the module that parses. */
#include <jansson.h>
#include <stddef.h>

/* Nesting depth of `v`, counting stops once it passes `limit` (jansson caps parsing at 2048
 * levels itself, so the recursion is bounded). */
size_t wh_verify_json_depth(json_t *v, size_t limit);

#endif
