#ifndef WH_LINT_SCHEMA_NODE_H
#define WH_LINT_SCHEMA_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/regex.h"
#include "base/str.h"
#include "lint/schema.h"

/* The parsed schema, shared by schema_parse.c (JSON → nodes) and schema_check.c (evaluation). */

/* A JSON value of the schema document (const/enum values and the tree $ref pointers walk). */
enum schema_json_kind { SJ_NULL, SJ_BOOL, SJ_NUMBER, SJ_STRING, SJ_ARRAY, SJ_OBJECT };

struct schema_json {
    enum schema_json_kind kind;
    bool boolean;
    double number;
    struct wh_str string;
    struct wh_str *keys;        /* object member names */
    struct schema_json **items; /* array items, object member values */
    size_t n;
    struct schema_node *compiled; /* this value as a schema, once compiled */
};

/* JSON Schema types as bits; `integer` is a number with no fraction. */
enum {
    ST_NULL = 1u << 0,
    ST_BOOLEAN = 1u << 1,
    ST_INTEGER = 1u << 2,
    ST_NUMBER = 1u << 3,
    ST_STRING = 1u << 4,
    ST_ARRAY = 1u << 5,
    ST_OBJECT = 1u << 6,
};

enum schema_format { SF_NONE, SF_DATE };

struct schema_named {
    const char *name;
    const struct schema_node *schema;
};

struct schema_dep {
    const char *name;
    const char **needs;
    size_t n;
};

struct schema_list {
    const struct schema_node **s;
    size_t n;
};

struct schema_node {
    const char *loc;         /* "#/$defs/name": where it sits in the schema document */
    const char *description; /* its own description, NULL if none */
    int boolean;             /* -1: an object schema; 0: the schema false; 1: true */
    unsigned n_keywords;     /* validation keywords it holds (annotations not counted) */
    unsigned types;          /* ST_* bits, 0 = any */
    const struct schema_node *ref;
    struct schema_named *props;
    size_t n_props;
    const struct schema_node *additional; /* NULL = anything */
    const struct schema_node *property_names;
    const char **required;
    size_t n_required;
    struct schema_dep *dep_required;
    size_t n_dep_required;
    struct schema_named *dep_schemas;
    size_t n_dep_schemas;
    const struct schema_node *items;
    const struct schema_json *const_value; /* NULL = no const */
    const struct schema_json *enum_values; /* an array, NULL = no enum */
    const struct wh_regex *pattern;        /* ECMAScript dialect, freed with the schema arena */
    const char *pattern_src;
    long long min_length, max_length, min_items, max_items; /* -1 = absent */
    bool unique_items;
    bool has_min, has_max, has_xmin, has_xmax;
    double min, max, xmin, xmax;
    struct schema_list all_of, any_of, one_of;
    const struct schema_node *not_schema, *if_schema, *then_schema, *else_schema;
    enum schema_format format;
};

struct wh_lint_schema {
    const struct schema_node *root;
};

#endif
