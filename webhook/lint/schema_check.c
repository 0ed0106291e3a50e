/*
 * The policy tree checked against a parsed schema (schema.h). Scalars are typed as YAML 1.2 core
 * types them (what an editor's YAML library hands Ajv); mapping keys are always strings. In
 * collecting mode every violation is recorded with its position; inside anyOf/oneOf/not/if the
 * branches are only tried (first failure ends a branch) and the combinator reports one message.
 * A description is the hint of its schema's messages and of the schemas applied in place ($ref,
 * allOf, not, ...), never of the values below (properties, items).
 * Anything that stops the evaluation (a pattern past PCRE2's match bounds, recursion) marks it
 * broken, and a broken check is a violation: it fails closed whichever branch it happened in.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "lint/schema_node.h"
#include "policy/tree.h"

#define EVAL_DEPTH 128
#define STORED_MAX 1000            /* violations kept before sorting; the rest are only counted */
#define UNIQUE_COMPARISONS 5000000 /* uniqueItems pair comparisons per check */

struct eval {
    struct wh_arena *a;
    struct wh_lint_violation *v;
    size_t n, cap, total;
    const char *broken; /* why the check could not finish, NULL if it could */
    const struct wh_yaml_node *broken_at;
    unsigned depth;
    size_t comparisons;
};

/* The path of a value from the top of the document, for messages. */
struct where {
    const struct where *up;
    const char *key; /* NULL: an index */
    size_t index;
};

/* ---- types ---- */

/* The JSON Schema type of a node (one ST_* bit; ST_INTEGER for integral numbers). */
static unsigned
type_of(const struct wh_yaml_node *n, bool as_key, double *num, bool *boolean)
{
    if (n->kind == WH_YAML_MAP)
        return ST_OBJECT;
    if (n->kind == WH_YAML_SEQ)
        return ST_ARRAY;
    switch (as_key ? WH_YAML_STRING : wh_yaml_tree_scalar(n, num, boolean)) {
    case WH_YAML_NULL:
        return ST_NULL;
    case WH_YAML_BOOL:
        return ST_BOOLEAN;
    case WH_YAML_NUMBER:
        return isfinite(*num) && floor(*num) == *num ? ST_INTEGER : ST_NUMBER;
    case WH_YAML_STRING:
        break;
    }
    return ST_STRING;
}

static unsigned
type_bits(unsigned t)
{
    return t == ST_INTEGER ? ST_INTEGER | ST_NUMBER : t;
}

/* ---- messages ---- */

static void
add_violation(struct eval *e, const struct wh_yaml_node *n, const struct where *w, const char *msg)
{
    const struct where *path[WH_POLICY_TREE_DEPTH * 2 + 2];
    size_t depth = 0, i;
    struct wh_buf b;

    e->total++;
    if (e->n == STORED_MAX)
        return;
    for (; w != NULL && depth < sizeof(path) / sizeof(path[0]); w = w->up)
        path[depth++] = w;
    wh_buf_init(&b, 2048);
    for (i = depth; i-- > 0;) {
        const char *k = path[i]->key;
        if (k == NULL)
            wh_buf_printf(&b, "[%zu]", path[i]->index);
        else if (k[0] != '\0' && strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_-$") == strlen(k))
            wh_buf_printf(&b, "%s%s", i + 1 == depth ? "" : ".", k);
        else
            wh_buf_printf(&b, "[\"%.60s\"]", k);
    }
    wh_buf_printf(&b, "%s%s", depth > 0 ? ": " : "", msg);
    if (e->n == e->cap) {
        e->cap = e->cap == 0 ? 16 : e->cap * 2;
        e->v = wh_arena_grow(e->a, e->v, e->n, e->cap, sizeof(*e->v));
    }
    e->v[e->n].line = n->line;
    e->v[e->n].col = n->col;
    e->v[e->n].text = wh_arena_strdup(e->a, b.ptr != NULL ? b.ptr : msg);
    e->n++;
    wh_buf_fini(&b);
}

static void violation(struct eval *e, const struct wh_yaml_node *n, const struct where *w,
                      const char *hint, const char *fmt, ...) WH_PRINTF(5, 6);

/* Records "<where>: <message>[ (<hint>)]" at n's position. */
static void
violation(struct eval *e, const struct wh_yaml_node *n, const struct where *w, const char *hint,
          const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    int used;

    va_start(ap, fmt);
    used = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (hint != NULL && used >= 0 && (size_t)used < sizeof(msg))
        snprintf(msg + used, sizeof(msg) - (size_t)used, " (%s)", hint);
    add_violation(e, n, w, msg);
}

static void
broken(struct eval *e, const struct wh_yaml_node *n, const char *why)
{
    if (e->broken == NULL) {
        e->broken = wh_arena_strdup(e->a, why);
        e->broken_at = n;
    }
}

/* A value as a message shows it: "text" (cut at 60 bytes), a number's text, a mapping... */
static const char *
show(struct eval *e, const struct wh_yaml_node *n, bool as_key)
{
    double num = 0;
    bool b = false;
    unsigned t = type_of(n, as_key, &num, &b);

    switch (t) {
    case ST_OBJECT:
        return "a mapping";
    case ST_ARRAY:
        return "a sequence";
    case ST_NULL:
        return "null";
    case ST_BOOLEAN:
        return b ? "true" : "false";
    case ST_STRING:
        return wh_arena_sprintf(e->a, "\"%.60s%s\"", n->text, n->len > 60 ? "..." : "");
    default:
        return wh_arena_sprintf(e->a, "%.40s", n->text);
    }
}

static const char *
show_json(struct eval *e, const struct schema_json *v)
{
    switch (v->kind) {
    case SJ_NULL:
        return "null";
    case SJ_BOOL:
        return v->boolean ? "true" : "false";
    case SJ_NUMBER:
        return wh_arena_sprintf(e->a, "%g", v->number);
    case SJ_STRING:
        return wh_arena_sprintf(e->a, "\"%.*s\"", (int)(v->string.len > 200 ? 200 : v->string.len),
                                v->string.ptr);
    case SJ_ARRAY:
        return "a list";
    case SJ_OBJECT:
        break;
    }
    return "an object";
}

static const char *
type_names(struct eval *e, unsigned types)
{
    static const char *const names[] = {"null",     "true or false", "an integer", "a number",
                                        "a string", "a sequence",    "a mapping"};
    const char *out = "";
    size_t i;

    if ((types & ST_NUMBER) != 0)
        types &= ~(unsigned)ST_INTEGER;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((types & (1u << i)) != 0)
            out = wh_arena_sprintf(e->a, "%s%s%s", out, out[0] != '\0' ? " or " : "", names[i]);
    return out;
}

/* ---- equality (const, enum, uniqueItems) ---- */

static bool equal_json(const struct wh_yaml_node *n, bool as_key, const struct schema_json *v);
static bool equal_nodes(const struct wh_yaml_node *x, const struct wh_yaml_node *y);

static bool
key_is(const struct wh_yaml_node *key, const char *text, size_t len)
{
    return key->len == len && memcmp(key->text, text, len) == 0;
}

/* A sequence equal to a JSON array, item by item. */
static bool
equal_json_array(const struct wh_yaml_node *n, const struct schema_json *v)
{
    size_t i;

    if (n->n != v->n)
        return false;
    for (i = 0; i < n->n; i++)
        if (!equal_json(n->kids[i], false, v->items[i]))
            return false;
    return true;
}

/* A mapping equal to a JSON object: the same number of keys, each with an equal value. */
static bool
equal_json_object(const struct wh_yaml_node *n, const struct schema_json *v)
{
    size_t i, k;

    if (n->n / 2 != v->n)
        return false;
    for (k = 0; k < v->n; k++) {
        bool found = false;
        for (i = 0; i + 1 < n->n && !found; i += 2)
            if (key_is(n->kids[i], v->keys[k].ptr, v->keys[k].len))
                found = equal_json(n->kids[i + 1], false, v->items[k]);
        if (!found)
            return false;
    }
    return true;
}

static bool
equal_json(const struct wh_yaml_node *n, bool as_key, const struct schema_json *v)
{
    double num = 0;
    bool b = false;
    unsigned t = type_of(n, as_key, &num, &b);

    switch (v->kind) {
    case SJ_NULL:
        return t == ST_NULL;
    case SJ_BOOL:
        return t == ST_BOOLEAN && b == v->boolean;
    case SJ_NUMBER:
        return (t == ST_INTEGER || t == ST_NUMBER) && num == v->number;
    case SJ_STRING:
        return t == ST_STRING && key_is(n, v->string.ptr, v->string.len);
    case SJ_ARRAY:
        return t == ST_ARRAY && equal_json_array(n, v);
    case SJ_OBJECT:
        return t == ST_OBJECT && equal_json_object(n, v);
    }
    return false;
}

/* Two sequences equal item by item. */
static bool
equal_seqs(const struct wh_yaml_node *x, const struct wh_yaml_node *y)
{
    size_t i;

    if (x->n != y->n)
        return false;
    for (i = 0; i < x->n; i++)
        if (!equal_nodes(x->kids[i], y->kids[i]))
            return false;
    return true;
}

/* Two mappings with the same keys, each with equal values (in any order). */
static bool
equal_maps(const struct wh_yaml_node *x, const struct wh_yaml_node *y)
{
    size_t i, k;

    if (x->n != y->n)
        return false;
    for (i = 0; i + 1 < x->n; i += 2) {
        bool found = false;
        for (k = 0; k + 1 < y->n && !found; k += 2)
            if (key_is(x->kids[i], y->kids[k]->text, y->kids[k]->len))
                found = equal_nodes(x->kids[i + 1], y->kids[k + 1]);
        if (!found)
            return false;
    }
    return true;
}

static bool
equal_nodes(const struct wh_yaml_node *x, const struct wh_yaml_node *y)
{
    double nx = 0, ny = 0;
    bool bx = false, by = false;
    unsigned tx = type_of(x, false, &nx, &bx), ty = type_of(y, false, &ny, &by);

    if ((type_bits(tx) & type_bits(ty)) == 0)
        return false;
    switch (tx) {
    case ST_NULL:
        return true;
    case ST_BOOLEAN:
        return bx == by;
    case ST_INTEGER:
    case ST_NUMBER:
        return nx == ny;
    case ST_STRING:
        return key_is(x, y->text, y->len);
    case ST_ARRAY:
        return equal_seqs(x, y);
    default:
        return equal_maps(x, y);
    }
}

/* ---- keywords ---- */

static bool check(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n,
                  bool as_key, const struct where *w, const char *hint, bool report);

static size_t
code_points(const struct wh_yaml_node *n)
{
    size_t i, count = 0;

    for (i = 0; i < n->len; i++)
        count += ((unsigned char)n->text[i] & 0xC0) != 0x80;
    return count;
}

/* ajv-formats "date": YYYY-MM-DD with a real month and day (leap years included). */
static bool
is_date(const struct wh_yaml_node *n)
{
    time_t day;

    return wh_clock_date((struct wh_str){n->text, n->len}, &day) == WH_DATE_OK;
}

static bool
check_string(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n,
             const struct where *w, const char *hint, bool report)
{
    bool ok = true, found = false;
    size_t len = code_points(n);
    struct wh_error perr;

    if (s->min_length >= 0 && len < (size_t)s->min_length) {
        ok = false;
        if (!report)
            return false;
        if (s->min_length == 1)
            violation(e, n, w, NULL, "must not be empty");
        else
            violation(e, n, w, NULL, "is %zu characters; at least %lld are needed", len,
                      s->min_length);
    }
    if (s->max_length >= 0 && len > (size_t)s->max_length) {
        ok = false;
        if (!report)
            return false;
        violation(e, n, w, NULL, "is %zu characters; at most %lld are allowed", len, s->max_length);
    }
    if (s->pattern != NULL) {
        if (wh_regex_match(s->pattern, (struct wh_str){n->text, n->len}, &found, &perr) != WH_OK) {
            broken(e, n, perr.msg);
            return false;
        }
        if (!found) {
            ok = false;
            if (!report)
                return false;
            violation(e, n, w, hint, "%s does not match /%s/", show(e, n, false), s->pattern_src);
        }
    }
    if (s->format == SF_DATE && !is_date(n)) {
        ok = false;
        if (report)
            violation(e, n, w, hint, "%s is not a calendar date", show(e, n, false));
    }
    return ok;
}

static bool
check_number(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n, double num,
             const struct where *w, const char *hint, bool report)
{
    const char *what = NULL;
    double bound = 0;

    if (s->has_min && !(num >= s->min))
        what = "at least", bound = s->min;
    else if (s->has_max && !(num <= s->max))
        what = "at most", bound = s->max;
    else if (s->has_xmin && !(num > s->xmin))
        what = "more than", bound = s->xmin;
    else if (s->has_xmax && !(num < s->xmax))
        what = "less than", bound = s->xmax;
    if (what == NULL)
        return true;
    if (report)
        violation(e, n, w, hint, "%s must be %s %g", show(e, n, false), what, bound);
    return false;
}

static const struct schema_node *
prop_schema(const struct schema_node *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0)
            return s->props[i].schema;
    return NULL;
}

static const char *
prop_names(struct eval *e, const struct schema_node *s)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < s->n_props; i++)
        out = wh_arena_sprintf(e->a, "%s%s%s", out, i > 0 ? ", " : "", s->props[i].name);
    return out;
}

/* TODO(#14): split properties, required and additionalProperties (cognitive complexity 45 > 25,
 * STYLE §8). */
static bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_object(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n,
             const struct where *w, const char *hint, bool report)
{
    bool ok = true;
    size_t i, k;

    for (i = 0; i < s->n_required; i++)
        if (wh_yaml_tree_get(n, s->required[i]) == NULL) {
            ok = false;
            if (!report)
                return false;
            violation(e, n, w, NULL, "missing required key \"%s\"", s->required[i]);
        }
    for (i = 0; i + 1 < n->n; i += 2) {
        const struct wh_yaml_node *key = n->kids[i], *val = n->kids[i + 1];
        const struct schema_node *ps = prop_schema(s, key->text);
        struct where here = {w, key->text, 0};
        if (s->property_names != NULL &&
            !check(e, s->property_names, key, true, &here, NULL, report)) {
            ok = false;
            if (!report)
                return false;
        }
        if (ps == NULL && s->additional != NULL && s->additional->boolean == 0) {
            ok = false;
            if (!report)
                return false;
            violation(e, key, w, NULL, "unknown key \"%.60s\" (expected one of: %s)", key->text,
                      prop_names(e, s));
            continue;
        }
        if (ps == NULL)
            ps = s->additional;
        if (ps != NULL && !check(e, ps, val, false, &here, NULL, report)) {
            ok = false;
            if (!report)
                return false;
        }
    }
    for (i = 0; i < s->n_dep_required; i++) {
        const struct wh_yaml_node *has = wh_yaml_tree_get(n, s->dep_required[i].name);
        for (k = 0; has != NULL && k < s->dep_required[i].n; k++)
            if (wh_yaml_tree_get(n, s->dep_required[i].needs[k]) == NULL) {
                ok = false;
                if (!report)
                    return false;
                violation(e, n, w, NULL, "\"%s\" needs \"%s\" as well", s->dep_required[i].name,
                          s->dep_required[i].needs[k]);
            }
    }
    for (i = 0; i < s->n_dep_schemas; i++)
        if (wh_yaml_tree_get(n, s->dep_schemas[i].name) != NULL &&
            !check(e, s->dep_schemas[i].schema, n, false, w, hint, report)) {
            ok = false;
            if (!report)
                return false;
        }
    return ok;
}

/* TODO(#14): split items, length and uniqueness (cognitive complexity 32 > 25, STYLE §8). */
static bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_array(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n,
            const struct where *w, bool report)
{
    bool ok = true;
    size_t i, k;

    if (s->min_items >= 0 && n->n < (size_t)s->min_items) {
        ok = false;
        if (!report)
            return false;
        if (s->min_items == 1)
            violation(e, n, w, NULL, "must not be empty");
        else
            violation(e, n, w, NULL, "has %zu items; at least %lld are needed", n->n, s->min_items);
    }
    if (s->max_items >= 0 && n->n > (size_t)s->max_items) {
        ok = false;
        if (!report)
            return false;
        violation(e, n, w, NULL, "has %zu items; at most %lld are allowed", n->n, s->max_items);
    }
    for (i = 0; s->items != NULL && i < n->n; i++) {
        struct where here = {w, NULL, i};
        if (!check(e, s->items, n->kids[i], false, &here, NULL, report)) {
            ok = false;
            if (!report)
                return false;
        }
    }
    for (i = 1; s->unique_items && i < n->n; i++)
        for (k = 0; k < i; k++) {
            if (++e->comparisons > UNIQUE_COMPARISONS) {
                broken(e, n, "uniqueItems: too many items to compare");
                return false;
            }
            if (equal_nodes(n->kids[k], n->kids[i])) {
                struct where here = {w, NULL, i};
                ok = false;
                if (!report)
                    return false;
                violation(e, n->kids[i], &here, NULL, "repeats item %zu (%s)", k,
                          show(e, n->kids[i], false));
                break;
            }
        }
    return ok;
}

static bool
only_required(const struct schema_node *s)
{
    return s->boolean < 0 && s->n_keywords == 1 && s->n_required == 1;
}

/* "\"a\", \"b\" or \"c\"" for branches that each only require one key. */
static const char *
required_names(struct eval *e, const struct schema_list *l, const char *joiner)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < l->n; i++)
        out = wh_arena_sprintf(e->a, "%s%s\"%s\"", out,
                               i == 0 ? "" : (i + 1 == l->n ? joiner : ", "), l->s[i]->required[0]);
    return out;
}

static bool
all_only_required(const struct schema_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (!only_required(l->s[i]))
            return false;
    return true;
}

/* What a `not` schema forbids, in words. */
static const char *
forbidden(struct eval *e, const struct schema_node *s)
{
    const char *out = "";
    size_t i;

    if (s->n_keywords == 1 && s->pattern != NULL)
        return wh_arena_sprintf(e->a, "match /%s/", s->pattern_src);
    if (s->n_keywords == 1 && s->any_of.n > 0) {
        for (i = 0; i < s->any_of.n; i++) {
            const struct schema_node *b = s->any_of.s[i];
            if (b->n_keywords != 1 || b->pattern == NULL)
                return wh_arena_sprintf(e->a, "match the schema at %s", s->loc);
            out = wh_arena_sprintf(e->a, "%s%s/%s/", out, i > 0 ? " or " : "", b->pattern_src);
        }
        return wh_arena_sprintf(e->a, "match %s", out);
    }
    if (s->n_required > 0 && s->n_keywords <= 2 && (s->n_keywords == 1 || s->n_props > 0)) {
        for (i = 0; i < s->n_required; i++) {
            const struct schema_node *p = prop_schema(s, s->required[i]);
            out = wh_arena_sprintf(e->a, "%s%s%s", out, i > 0 ? " with " : "", s->required[i]);
            if (p != NULL && p->const_value != NULL)
                out = wh_arena_sprintf(e->a, "%s: %s", out, show_json(e, p->const_value));
        }
        return wh_arena_sprintf(e->a, "set %s", out);
    }
    return wh_arena_sprintf(e->a, "match the schema at %s", s->loc);
}

/* TODO(#14): split allOf/anyOf/oneOf/not/if-then-else into one helper each (cognitive complexity 51
 * > 25, STYLE §8). */
static bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_combinators(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n,
                  const struct where *w, const char *hint, bool report)
{
    bool ok = true;
    size_t i, matched;

    for (i = 0; i < s->all_of.n; i++)
        if (!check(e, s->all_of.s[i], n, false, w, hint, report)) {
            ok = false;
            if (!report)
                return false;
        }
    if (s->any_of.n > 0) {
        for (i = 0; i < s->any_of.n; i++)
            if (check(e, s->any_of.s[i], n, false, w, hint, false))
                break;
        if (i == s->any_of.n) {
            ok = false;
            if (!report)
                return false;
            if (all_only_required(&s->any_of))
                violation(e, n, w, hint, "needs one of %s", required_names(e, &s->any_of, " or "));
            else
                violation(e, n, w, hint, "matches none of the %zu alternatives at %s/anyOf",
                          s->any_of.n, s->loc);
        }
    }
    if (s->one_of.n > 0) {
        for (i = 0, matched = 0; i < s->one_of.n; i++)
            matched += check(e, s->one_of.s[i], n, false, w, hint, false);
        if (matched != 1) {
            ok = false;
            if (!report)
                return false;
            if (all_only_required(&s->one_of))
                violation(e, n, w, hint, "%s %s",
                          matched == 0 ? "needs one of" : "sets more than one of",
                          required_names(e, &s->one_of, matched == 0 ? " or " : " and "));
            else
                violation(e, n, w, hint,
                          "matches %zu of the %zu alternatives at %s/oneOf; exactly one is allowed",
                          matched, s->one_of.n, s->loc);
        }
    }
    if (s->not_schema != NULL && check(e, s->not_schema, n, false, w, hint, false)) {
        ok = false;
        if (!report)
            return false;
        violation(e, n, w, hint, "must not %s", forbidden(e, s->not_schema));
    }
    if (s->if_schema != NULL) {
        const struct schema_node *next =
            check(e, s->if_schema, n, false, w, hint, false) ? s->then_schema : s->else_schema;
        if (next != NULL && !check(e, next, n, false, w, hint, report))
            ok = false;
    }
    return ok;
}

/* TODO(#14): split the type, enum/const and string checks (cognitive complexity 38 > 25, STYLE §8).
 */
static bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_value(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n, bool as_key,
            const struct where *w, const char *hint, bool report)
{
    double num = 0;
    bool b = false, ok = true;
    unsigned t = type_of(n, as_key, &num, &b);
    size_t i;

    if (s->ref != NULL && !check(e, s->ref, n, as_key, w, hint, report)) {
        ok = false;
        if (!report)
            return false;
    }
    if (s->types != 0 && (type_bits(t) & s->types) == 0) {
        if (report)
            violation(e, n, w, NULL, "expected %s, got %s", type_names(e, s->types),
                      show(e, n, as_key));
        return false;
    }
    if (s->const_value != NULL && !equal_json(n, as_key, s->const_value)) {
        if (report)
            violation(e, n, w, hint, "must be %s, got %s", show_json(e, s->const_value),
                      show(e, n, as_key));
        return false;
    }
    if (s->enum_values != NULL) {
        const char *list = "";
        for (i = 0; i < s->enum_values->n; i++)
            if (equal_json(n, as_key, s->enum_values->items[i]))
                break;
        if (i == s->enum_values->n) {
            if (!report)
                return false;
            for (i = 0; i < s->enum_values->n; i++)
                list = wh_arena_sprintf(e->a, "%s%s%s", list, i > 0 ? ", " : "",
                                        show_json(e, s->enum_values->items[i]));
            violation(e, n, w, hint, "must be one of %s; got %s", list, show(e, n, as_key));
            return false;
        }
    }
    if (t == ST_STRING)
        ok &= check_string(e, s, n, w, hint, report);
    else if (t == ST_INTEGER || t == ST_NUMBER)
        ok &= check_number(e, s, n, num, w, hint, report);
    else if (t == ST_OBJECT)
        ok &= check_object(e, s, n, w, hint, report);
    else if (t == ST_ARRAY)
        ok &= check_array(e, s, n, w, report);
    if (!ok && !report)
        return false;
    return check_combinators(e, s, n, w, hint, report) && ok;
}

static bool
check(struct eval *e, const struct schema_node *s, const struct wh_yaml_node *n, bool as_key,
      const struct where *w, const char *hint, bool report)
{
    bool ok;

    if (e->broken != NULL)
        return false;
    if (s->boolean >= 0) {
        if (s->boolean == 0 && report)
            violation(e, n, w, hint, "is not allowed here");
        return s->boolean == 1;
    }
    if (e->depth >= EVAL_DEPTH) {
        broken(e, n, "schema nesting past 128 levels (a $ref loop?)");
        return false;
    }
    e->depth++;
    ok = check_value(e, s, n, as_key, w, s->description != NULL ? s->description : hint, report);
    e->depth--;
    return ok;
}

/* ---- the whole document ---- */

static int
by_position(const void *x, const void *y)
{
    const struct wh_lint_violation *a = x, *b = y;

    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return strcmp(a->text, b->text);
}

enum wh_err
wh_lint_schema_check(const struct wh_lint_schema *s, struct wh_bytes yaml, const char *file,
                     const struct wh_limits *lim, struct wh_arena *a,
                     struct wh_lint_violations *out, struct wh_error *err)
{
    struct wh_yaml_node *root;
    struct eval e = {0};
    size_t i, kept = 0;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (yaml.len > lim->policy_bytes)
        return wh_error_set(err, WH_E_LIMIT, "%s: policy is %zu bytes, over the %zu byte limit",
                            file, yaml.len, lim->policy_bytes);
    if ((rc = wh_policy_tree_build(yaml, file, a, &root, err)) != WH_OK)
        return rc;
    e.a = a;
    (void)check(&e, s->root, root, false, NULL, NULL, true);
    if (e.broken != NULL)
        violation(&e, e.broken_at, NULL, NULL, "could not be checked against the schema: %s",
                  e.broken);
    if (e.n > 1)
        qsort(e.v, e.n, sizeof(*e.v), by_position);
    for (i = 0; i < e.n; i++)
        if (kept == 0 || by_position(&e.v[kept - 1], &e.v[i]) != 0)
            e.v[kept++] = e.v[i];
    out->v = e.v;
    out->n = kept > WH_LINT_VIOLATIONS_MAX ? WH_LINT_VIOLATIONS_MAX : kept;
    out->total = e.total - (e.n - kept);
    return WH_OK;
}
