#ifndef WH_POLICY_KEYS_H
#define WH_POLICY_KEYS_H

#include <stddef.h>

/*
 * The keys each mapping of a policy may hold, from policy/schema.json (the one description of
 * the format; keys.c is generated from it by embed-keys.sh at build time). `at` is the JSON
 * pointer of a schema object closed by "additionalProperties": false, e.g. "#/$defs/keyless";
 * the result is its property names in the schema's order, NULL-terminated, or NULL when the
 * schema has no such object (a loader/schema mismatch: load.c treats it as a bug).
 */
const char *const *wh_policy_schema_keys(const char *at);

/* The values of the "enum" in the schema at `at` (e.g. "#/$defs/mode"), NULL-terminated, or NULL
 * when there is none. The loader's own enum tables are checked equal to these
 * (tests/unit/policy/format_test.c). */
const char *const *wh_policy_schema_enum(const char *at);

/* The pointer of the i-th closed object or enum of the schema; NULL past the last. */
const char *wh_policy_schema_keys_at(size_t i);
const char *wh_policy_schema_enum_at(size_t i);

#endif
