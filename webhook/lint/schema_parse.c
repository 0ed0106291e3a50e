/*
 * A JSON Schema document → the nodes of schema_node.h. The JSON is read with the strict scanner
 * of base/json_scan.h into a small value tree (duplicate keys refused), then each schema object
 * is compiled once; $ref targets are found by JSON pointer in that tree and compiled on demand,
 * so recursive schemas resolve to the same node. Every keyword is either understood or refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"
#include "lint/pattern.h"
#include "lint/schema_node.h"

#define SCHEMA_BYTES (1u << 20)
#define SCHEMA_DEPTH 64

struct parse {
    const char *label;
    struct wh_arena *a;
    struct wh_error *err;
    struct schema_json *doc;
};

/* ---- JSON → value tree ---- */

static enum wh_err read_value(struct wh_json_scan *s, struct wh_arena *a, struct schema_json **out,
                              struct wh_error *err);

static void
push_item(struct wh_arena *a, struct schema_json *v, struct schema_json *item, struct wh_str key,
          size_t *cap)
{
    if (v->n == *cap) {
        size_t n = *cap == 0 ? 8 : *cap * 2;
        v->items = wh_arena_grow(a, v->items, v->n, n, sizeof(*v->items));
        if (v->kind == SJ_OBJECT)
            v->keys = wh_arena_grow(a, v->keys, v->n, n, sizeof(*v->keys));
        *cap = n;
    }
    if (v->kind == SJ_OBJECT)
        v->keys[v->n] = key;
    v->items[v->n++] = item;
}

static enum wh_err
read_object(struct wh_json_scan *s, struct wh_arena *a, struct schema_json *v, struct wh_error *err)
{
    size_t cap = 0, i;
    enum wh_err rc = wh_json_scan_object_enter(s, err);

    while (rc == WH_OK) {
        struct schema_json *item;
        struct wh_str key;
        bool has;
        if ((rc = wh_json_scan_object_next(s, &key, &has, err)) != WH_OK || !has)
            break;
        for (i = 0; i < v->n; i++)
            if (v->keys[i].len == key.len && memcmp(v->keys[i].ptr, key.ptr, key.len) == 0)
                return wh_json_scan_fail(s, "duplicate key", key, err);
        if ((rc = read_value(s, a, &item, err)) != WH_OK)
            break;
        push_item(a, v, item, key, &cap);
    }
    return rc;
}

static enum wh_err
read_array(struct wh_json_scan *s, struct wh_arena *a, struct schema_json *v, struct wh_error *err)
{
    size_t cap = 0;
    enum wh_err rc = wh_json_scan_array_enter(s, err);

    while (rc == WH_OK) {
        struct schema_json *item;
        bool has;
        if ((rc = wh_json_scan_array_next(s, &has, err)) != WH_OK || !has)
            break;
        if ((rc = read_value(s, a, &item, err)) != WH_OK)
            break;
        push_item(a, v, item, (struct wh_str){NULL, 0}, &cap);
    }
    return rc;
}

static enum wh_err
read_value(struct wh_json_scan *s, struct wh_arena *a, struct schema_json **out,
           struct wh_error *err)
{
    struct schema_json *v = wh_arena_calloc(a, 1, sizeof(*v));
    enum wh_json_scan_kind kind;
    const unsigned char *start;
    enum wh_err rc = wh_json_scan_peek(s, &kind, err);

    *out = v;
    if (rc != WH_OK)
        return rc;
    switch (kind) {
    case WH_JSON_SCAN_STRING:
        v->kind = SJ_STRING;
        return wh_json_scan_string(s, &v->string, err);
    case WH_JSON_SCAN_BOOL:
        v->kind = SJ_BOOL;
        return wh_json_scan_bool(s, &v->boolean, err);
    case WH_JSON_SCAN_NUMBER:
        v->kind = SJ_NUMBER;
        start = s->p;
        if ((rc = wh_json_scan_skip(s, err)) != WH_OK)
            return rc;
        /* The scanner validated the grammar; strtod stops at the first byte after it. */
        v->number = strtod(wh_arena_strndup(a, (const char *)start, (size_t)(s->p - start)), NULL);
        return WH_OK;
    case WH_JSON_SCAN_ARRAY:
        v->kind = SJ_ARRAY;
        return read_array(s, a, v, err);
    case WH_JSON_SCAN_OBJECT:
        v->kind = SJ_OBJECT;
        return read_object(s, a, v, err);
    case WH_JSON_SCAN_NULL:
    case WH_JSON_SCAN_NONE:
        break;
    }
    v->kind = SJ_NULL;
    return wh_json_scan_skip(s, err);
}

/* ---- value tree → schema nodes ---- */

static enum wh_err compile(struct parse *p, struct schema_json *v, const char *loc,
                           const struct schema_node **out);

static enum wh_err
bad(struct parse *p, const char *loc, const char *what)
{
    return wh_error_set(p->err, WH_E_INVALID, "%s: %s at %s", p->label, what, loc);
}

static const char *
cstr(struct parse *p, struct wh_str s)
{
    return wh_arena_strndup(p->a, s.ptr, s.len);
}

static const char *
child_loc(struct parse *p, const char *loc, struct wh_str key)
{
    struct wh_buf b;
    const char *out;
    size_t i;

    /* JSON pointer escaping: ~ is ~0, / is ~1. Locations only label messages: cap them. */
    wh_buf_init(&b, 1024);
    wh_buf_printf(&b, "%s/", loc);
    for (i = 0; i < key.len; i++) {
        if (key.ptr[i] == '~')
            wh_buf_append(&b, "~0", 2);
        else if (key.ptr[i] == '/')
            wh_buf_append(&b, "~1", 2);
        else
            wh_buf_append(&b, key.ptr + i, 1);
    }
    out = wh_arena_strdup(p->a, b.ptr != NULL ? b.ptr : loc);
    wh_buf_fini(&b);
    return out;
}

static const char *
index_loc(struct parse *p, const char *loc, size_t i)
{
    return wh_arena_sprintf(p->a, "%s/%zu", loc, i);
}

/* Walks "#/a/b~1c/0" from the document root; NULL when it leads nowhere. */
/* TODO(#14): split the JSON-pointer walk out (cognitive complexity 41 > 25, STYLE §8). */
static struct schema_json * /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
resolve(struct schema_json *doc, struct wh_str ref)
{
    struct schema_json *v = doc;
    size_t i = 1;

    if (ref.len == 0 || ref.ptr[0] != '#')
        return NULL;
    while (i < ref.len) {
        char tok[256];
        size_t n = 0, k;
        bool found = false;
        if (ref.ptr[i] != '/')
            return NULL;
        for (i++; i < ref.len && ref.ptr[i] != '/'; i++) {
            char ch = ref.ptr[i];
            if (ch == '~' && i + 1 < ref.len && (ref.ptr[i + 1] == '0' || ref.ptr[i + 1] == '1'))
                ch = ref.ptr[++i] == '0' ? '~' : '/';
            else if (ch == '~' || ch == '%')
                return NULL; /* bad escape; percent-encoded pointers are not used here */
            if (n + 1 >= sizeof(tok))
                return NULL;
            tok[n++] = ch;
        }
        tok[n] = '\0';
        if (v->kind == SJ_OBJECT) {
            for (k = 0; k < v->n && !found; k++)
                if (v->keys[k].len == n && memcmp(v->keys[k].ptr, tok, n) == 0) {
                    v = v->items[k];
                    found = true;
                }
        } else if (v->kind == SJ_ARRAY && n > 0 && n < 10 && strspn(tok, "0123456789") == n &&
                   (tok[0] != '0' || n == 1)) {
            k = (size_t)strtoul(tok, NULL, 10);
            if (k < v->n) {
                v = v->items[k];
                found = true;
            }
        }
        if (!found)
            return NULL;
    }
    return v;
}

static bool
key_is(struct wh_str key, const char *name)
{
    return key.len == strlen(name) && memcmp(key.ptr, name, key.len) == 0;
}

static enum wh_err
want_count(struct parse *p, const struct schema_json *v, const char *loc, long long *out)
{
    if (v->kind != SJ_NUMBER || v->number < 0 || v->number > 1e15 || floor(v->number) != v->number)
        return bad(p, loc, "expected a non-negative integer");
    *out = (long long)v->number;
    return WH_OK;
}

static enum wh_err
want_number(struct parse *p, const struct schema_json *v, const char *loc, bool *has, double *out)
{
    if (v->kind != SJ_NUMBER)
        return bad(p, loc, "expected a number");
    *has = true;
    *out = v->number;
    return WH_OK;
}

static enum wh_err
want_bool(struct parse *p, const struct schema_json *v, const char *loc, bool *out)
{
    if (v->kind != SJ_BOOL)
        return bad(p, loc, "expected true or false");
    *out = v->boolean;
    return WH_OK;
}

static enum wh_err
compile_types(struct parse *p, const struct schema_json *v, const char *loc, unsigned *out)
{
    static const char *const names[] = {"null",   "boolean", "integer", "number",
                                        "string", "array",   "object"};
    size_t i, k, n = v->kind == SJ_ARRAY ? v->n : 1;

    *out = 0;
    if (v->kind == SJ_ARRAY && v->n == 0)
        return bad(p, loc, "type lists no types");
    for (i = 0; i < n; i++) {
        const struct schema_json *t = v->kind == SJ_ARRAY ? v->items[i] : v;
        if (t->kind != SJ_STRING)
            return bad(p, loc, "type must be a type name or a list of them");
        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (key_is(t->string, names[k]))
                break;
        if (k == sizeof(names) / sizeof(names[0]))
            return bad(p, loc, "unknown type name");
        *out |= 1u << k;
    }
    return WH_OK;
}

static enum wh_err
compile_names(struct parse *p, const struct schema_json *v, const char *loc, const char ***out,
              size_t *n)
{
    size_t i;

    if (v->kind != SJ_ARRAY)
        return bad(p, loc, "expected a list of property names");
    *out = wh_arena_calloc(p->a, v->n + 1, sizeof(**out));
    for (i = 0; i < v->n; i++) {
        if (v->items[i]->kind != SJ_STRING)
            return bad(p, loc, "expected a list of property names");
        (*out)[i] = cstr(p, v->items[i]->string);
    }
    *n = v->n;
    return WH_OK;
}

/* properties / dependentSchemas / $defs: an object of schemas. */
static enum wh_err
compile_named(struct parse *p, struct schema_json *v, const char *loc, struct schema_named **out,
              size_t *n)
{
    size_t i;
    enum wh_err rc;

    if (v->kind != SJ_OBJECT)
        return bad(p, loc, "expected an object of schemas");
    *out = wh_arena_calloc(p->a, v->n + 1, sizeof(**out));
    for (i = 0; i < v->n; i++) {
        (*out)[i].name = cstr(p, v->keys[i]);
        rc = compile(p, v->items[i], child_loc(p, loc, v->keys[i]), &(*out)[i].schema);
        if (rc != WH_OK)
            return rc;
    }
    *n = v->n;
    return WH_OK;
}

static enum wh_err
compile_list(struct parse *p, struct schema_json *v, const char *loc, struct schema_list *out)
{
    size_t i;
    enum wh_err rc;

    if (v->kind != SJ_ARRAY || v->n == 0)
        return bad(p, loc, "expected a non-empty list of schemas");
    out->s = wh_arena_calloc(p->a, v->n, sizeof(*out->s));
    for (i = 0; i < v->n; i++)
        if ((rc = compile(p, v->items[i], index_loc(p, loc, i), &out->s[i])) != WH_OK)
            return rc;
    out->n = v->n;
    return WH_OK;
}

static enum wh_err
compile_dep_required(struct parse *p, const struct schema_json *v, const char *loc,
                     struct schema_node *s)
{
    size_t i;
    enum wh_err rc;

    if (v->kind != SJ_OBJECT)
        return bad(p, loc, "expected an object of property name lists");
    s->dep_required = wh_arena_calloc(p->a, v->n + 1, sizeof(*s->dep_required));
    for (i = 0; i < v->n; i++) {
        s->dep_required[i].name = cstr(p, v->keys[i]);
        rc = compile_names(p, v->items[i], child_loc(p, loc, v->keys[i]), &s->dep_required[i].needs,
                           &s->dep_required[i].n);
        if (rc != WH_OK)
            return rc;
    }
    s->n_dep_required = v->n;
    return WH_OK;
}

static void
release_pattern(void *obj)
{
    wh_regex_free(obj);
}

static enum wh_err
compile_pattern(struct parse *p, const struct schema_json *v, const char *loc,
                struct schema_node *s)
{
    struct wh_error perr;
    struct wh_regex *re;

    if (v->kind != SJ_STRING)
        return bad(p, loc, "pattern must be a string");
    if (wh_lint_pattern_new(v->string, &re, &perr) != WH_OK)
        return wh_error_set(p->err, perr.code, "%s: %s at %s", p->label, perr.msg, loc);
    wh_arena_defer(p->a, release_pattern, re);
    s->pattern = re;
    s->pattern_src = cstr(p, v->string);
    return WH_OK;
}

static enum wh_err
compile_format(struct parse *p, const struct schema_json *v, const char *loc, struct schema_node *s)
{
    if (v->kind != SJ_STRING)
        return bad(p, loc, "format must be a string");
    if (!key_is(v->string, "date"))
        return bad(p, loc, "unsupported format (only \"date\" is checked)");
    s->format = SF_DATE;
    return WH_OK;
}

static enum wh_err
compile_ref(struct parse *p, const struct schema_json *v, const char *loc, struct schema_node *s)
{
    struct schema_json *target;

    if (v->kind != SJ_STRING)
        return bad(p, loc, "$ref must be a string");
    target = resolve(p->doc, v->string);
    if (target == NULL)
        return bad(p, loc, "$ref is not a JSON pointer into this document (\"#/...\")");
    return compile(p, target, cstr(p, v->string), &s->ref);
}

static bool
is_annotation(struct wh_str key)
{
    static const char *const names[] = {"$schema", "$id",     "$comment",
                                        "title",   "default", "examples"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (key_is(key, names[i]))
            return true;
    return false;
}

/* One keyword of schema object `s`; `v` is its value and `kloc` its location. */
/* TODO(#14): split the keyword cases into a table (cognitive complexity 38 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
compile_keyword(struct parse *p, struct wh_str key, struct schema_json *v, const char *kloc,
                struct schema_node *s)
{
    struct schema_named *defs;
    size_t n_defs;

    if (key_is(key, "type"))
        return compile_types(p, v, kloc, &s->types);
    if (key_is(key, "$ref"))
        return compile_ref(p, v, kloc, s);
    if (key_is(key, "$defs"))
        return compile_named(p, v, kloc, &defs, &n_defs);
    if (key_is(key, "description")) {
        if (v->kind != SJ_STRING)
            return bad(p, kloc, "description must be a string");
        s->description = cstr(p, v->string);
        return WH_OK;
    }
    if (key_is(key, "properties"))
        return compile_named(p, v, kloc, &s->props, &s->n_props);
    if (key_is(key, "additionalProperties"))
        return compile(p, v, kloc, &s->additional);
    if (key_is(key, "propertyNames"))
        return compile(p, v, kloc, &s->property_names);
    if (key_is(key, "required"))
        return compile_names(p, v, kloc, &s->required, &s->n_required);
    if (key_is(key, "dependentRequired"))
        return compile_dep_required(p, v, kloc, s);
    if (key_is(key, "dependentSchemas"))
        return compile_named(p, v, kloc, &s->dep_schemas, &s->n_dep_schemas);
    if (key_is(key, "items"))
        return compile(p, v, kloc, &s->items);
    if (key_is(key, "const")) {
        s->const_value = v;
        return WH_OK;
    }
    if (key_is(key, "enum")) {
        if (v->kind != SJ_ARRAY || v->n == 0)
            return bad(p, kloc, "enum must be a non-empty list");
        s->enum_values = v;
        return WH_OK;
    }
    if (key_is(key, "pattern"))
        return compile_pattern(p, v, kloc, s);
    if (key_is(key, "format"))
        return compile_format(p, v, kloc, s);
    if (key_is(key, "minLength"))
        return want_count(p, v, kloc, &s->min_length);
    if (key_is(key, "maxLength"))
        return want_count(p, v, kloc, &s->max_length);
    if (key_is(key, "minItems"))
        return want_count(p, v, kloc, &s->min_items);
    if (key_is(key, "maxItems"))
        return want_count(p, v, kloc, &s->max_items);
    if (key_is(key, "uniqueItems"))
        return want_bool(p, v, kloc, &s->unique_items);
    if (key_is(key, "minimum"))
        return want_number(p, v, kloc, &s->has_min, &s->min);
    if (key_is(key, "maximum"))
        return want_number(p, v, kloc, &s->has_max, &s->max);
    if (key_is(key, "exclusiveMinimum"))
        return want_number(p, v, kloc, &s->has_xmin, &s->xmin);
    if (key_is(key, "exclusiveMaximum"))
        return want_number(p, v, kloc, &s->has_xmax, &s->xmax);
    if (key_is(key, "allOf"))
        return compile_list(p, v, kloc, &s->all_of);
    if (key_is(key, "anyOf"))
        return compile_list(p, v, kloc, &s->any_of);
    if (key_is(key, "oneOf"))
        return compile_list(p, v, kloc, &s->one_of);
    if (key_is(key, "not"))
        return compile(p, v, kloc, &s->not_schema);
    if (key_is(key, "if"))
        return compile(p, v, kloc, &s->if_schema);
    if (key_is(key, "then"))
        return compile(p, v, kloc, &s->then_schema);
    if (key_is(key, "else"))
        return compile(p, v, kloc, &s->else_schema);
    if (is_annotation(key))
        return WH_OK;
    return wh_error_set(p->err, WH_E_INVALID,
                        "%s: unsupported keyword \"%.*s\" at %s (driftgate checks draft 2020-12 "
                        "validation keywords only; see webhook/lint/schema.h)",
                        p->label, (int)(key.len > 64 ? 64 : key.len), key.ptr, kloc);
}

static enum wh_err
compile(struct parse *p, struct schema_json *v, const char *loc, const struct schema_node **out)
{
    struct schema_node *s;
    size_t i;
    enum wh_err rc;

    if (v->compiled != NULL) { /* compiled before, or being compiled: a recursive $ref */
        *out = v->compiled;
        return WH_OK;
    }
    if (v->kind != SJ_OBJECT && v->kind != SJ_BOOL)
        return bad(p, loc, "a schema must be an object or true/false");
    s = wh_arena_calloc(p->a, 1, sizeof(*s));
    s->loc = loc;
    s->boolean = v->kind == SJ_BOOL ? v->boolean : -1;
    s->min_length = s->max_length = s->min_items = s->max_items = -1;
    v->compiled = s;
    *out = s;
    if (v->kind == SJ_BOOL)
        return WH_OK;
    for (i = 0; i < v->n; i++) {
        rc = compile_keyword(p, v->keys[i], v->items[i], child_loc(p, loc, v->keys[i]), s);
        if (rc != WH_OK)
            return rc;
        if (!is_annotation(v->keys[i]) && !key_is(v->keys[i], "description") &&
            !key_is(v->keys[i], "$defs"))
            s->n_keywords++;
    }
    if (s->then_schema != NULL && s->if_schema == NULL)
        return bad(p, loc, "then without if");
    if (s->else_schema != NULL && s->if_schema == NULL)
        return bad(p, loc, "else without if");
    return WH_OK;
}

enum wh_err
wh_lint_schema_parse(struct wh_bytes json, const char *label, struct wh_arena *a,
                     const struct wh_lint_schema **out, struct wh_error *err)
{
    struct wh_json_scan s;
    struct wh_lint_schema *schema;
    struct schema_json *doc;
    struct parse p = {label, a, err, NULL};
    enum wh_err rc;

    if (json.len > SCHEMA_BYTES)
        return wh_error_set(err, WH_E_LIMIT, "%s: schema is %zu bytes, over the %u byte limit",
                            label, json.len, SCHEMA_BYTES);
    wh_json_scan_init(&s, json, SCHEMA_DEPTH, "schema JSON", a);
    rc = read_value(&s, a, &doc, err);
    if (rc == WH_OK)
        rc = wh_json_scan_finish(&s, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s", label);
    p.doc = doc;
    schema = wh_arena_calloc(a, 1, sizeof(*schema));
    if ((rc = compile(&p, doc, "#", &schema->root)) != WH_OK)
        return rc;
    *out = schema;
    return WH_OK;
}
