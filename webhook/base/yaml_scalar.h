#ifndef WH_BASE_YAML_SCALAR_H
#define WH_BASE_YAML_SCALAR_H

#include <stdbool.h>

#include "base/str.h"

/* What a scalar means under the YAML 1.2 core schema, as editors' YAML libraries read it. */
enum wh_yaml_scalar {
    WH_YAML_STRING, /* quoted, block, or plain text that is nothing else */
    WH_YAML_NULL,   /* plain ~, null, Null, NULL or nothing */
    WH_YAML_BOOL,   /* plain true/True/TRUE, false/False/FALSE */
    WH_YAML_NUMBER, /* plain decimal/0x/0o integers and floats, [-+].inf, .nan */
};

/*
 * The type of a scalar's `text` (libyaml's value: NUL-terminated at text.len; one holding a NUL
 * is a string), `plain` when written without quotes or block style. *num and *boolean are set for
 * numbers and booleans. Pure. The one typing rule of policy/tree.c and config.c.
 */
enum wh_yaml_scalar wh_yaml_scalar_type(struct wh_str text, bool plain, double *num, bool *boolean);

#endif
