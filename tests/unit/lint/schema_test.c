/* The policy JSON Schema check: schema parsing (every refusal), each keyword on small schemas,
 * YAML 1.2 core typing, messages with positions and paths, the violation cap, and the fail-closed
 * cases (a pattern past its match limit inside `not`, a $ref loop). The differential test against
 * Ajv on thousands of policies is tests/golden/schema_test.sh. */
#include <stdio.h>
#include <string.h>

#include "lint/schema.h"
#include "unit/harness.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static struct wh_bytes
bytes(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

/* Parses `schema`, checks `yaml`; returns the violations (one string "L:C text|..." in `a`). */
static const char *
run(struct wh_arena *a, const char *schema, const char *yaml, size_t *total)
{
    const struct wh_lint_schema *s;
    struct wh_lint_violations v;
    struct wh_error err = {0};
    const char *out = "";
    size_t i;

    if (wh_lint_schema_parse(bytes(schema), "t.json", a, &s, &err) != WH_OK)
        return wh_arena_sprintf(a, "SCHEMA %s", err.msg);
    if (wh_lint_schema_check(s, bytes(yaml), "t.yaml", &lim, a, &v, &err) != WH_OK)
        return wh_arena_sprintf(a, "ERR %s %s", wh_error_name(err.code), err.msg);
    for (i = 0; i < v.n; i++)
        out = wh_arena_sprintf(a, "%s%s%d:%d %s", out, i > 0 ? "|" : "", v.v[i].line, v.v[i].col,
                               v.v[i].text);
    if (total != NULL)
        *total = v.total;
    return out;
}

static void
expect(const char *name, const char *schema, const char *yaml, const char *want)
{
    struct wh_arena a;
    const char *got;

    wh_arena_init(&a);
    got = run(&a, schema, yaml, NULL);
    if (!ok(strcmp(got, want) == 0, "%s", name))
        printf("#   want: %s\n#   got:  %s\n", want, got);
    wh_arena_fini(&a);
}

/* Only the verdict: valid (no violation) or not. */
static void
verdict(const char *name, const char *schema, const char *yaml, bool valid)
{
    struct wh_arena a;
    const char *got;

    wh_arena_init(&a);
    got = run(&a, schema, yaml, NULL);
    ok((got[0] == '\0') == valid && strncmp(got, "SCHEMA", 6) != 0 && strncmp(got, "ERR", 3) != 0,
       "%s: %s (got \"%s\")", name, valid ? "valid" : "invalid", got);
    wh_arena_fini(&a);
}

static void
schema_refused(const char *name, const char *schema, enum wh_err code, const char *sub)
{
    const struct wh_lint_schema *s;
    struct wh_error err = {0};
    struct wh_arena a;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_lint_schema_parse(bytes(schema), "t.json", &a, &s, &err);
    ok(rc == code && strstr(err.msg, sub) != NULL, "%s: %s \"%s\" (got %s \"%s\")", name,
       wh_error_name(code), sub, wh_error_name(rc), rc == WH_OK ? "" : err.msg);
    wh_arena_fini(&a);
}

static void
test_schema_refusals(void)
{
    schema_refused("not JSON", "{\"type\": }", WH_E_INVALID, "t.json: schema JSON");
    schema_refused("duplicate key", "{\"type\": \"string\", \"type\": \"object\"}", WH_E_INVALID,
                   "duplicate key");
    schema_refused("unknown keyword", "{\"properties\": {\"a\": {\"contains\": {}}}}", WH_E_INVALID,
                   "unsupported keyword \"contains\" at #/properties/a/contains");
    schema_refused("unknown format", "{\"format\": \"email\"}", WH_E_INVALID, "unsupported format");
    schema_refused("unknown type", "{\"type\": \"text\"}", WH_E_INVALID, "unknown type name");
    schema_refused("remote $ref", "{\"$ref\": \"https://example.com/s.json\"}", WH_E_INVALID,
                   "$ref is not a JSON pointer");
    schema_refused("dangling $ref", "{\"$ref\": \"#/$defs/x\"}", WH_E_INVALID, "at #/$ref");
    schema_refused("bad pattern", "{\"pattern\": \"(a\"}", WH_E_INVALID, "at #/pattern");
    schema_refused("lookbehind pattern", "{\"pattern\": \"(?<=a)b\"}", WH_E_INVALID, "lookbehind");
    schema_refused("schema not an object", "{\"items\": 3}", WH_E_INVALID,
                   "a schema must be an object or true/false at #/items");
    schema_refused("negative minLength", "{\"minLength\": -1}", WH_E_INVALID,
                   "non-negative integer at #/minLength");
    schema_refused("then without if", "{\"then\": {}}", WH_E_INVALID, "then without if");
    schema_refused("empty enum", "{\"enum\": []}", WH_E_INVALID, "enum must be a non-empty list");
    schema_refused("too deep",
                   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                   "[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                   "]]]]]]]]]]]]]]]]",
                   WH_E_LIMIT, "t.json");
}

static void
test_builtin_schema_parses(void)
{
    const struct wh_lint_schema *s;
    struct wh_error err = {0};
    struct wh_arena a;

    wh_arena_init(&a);
    ok(wh_lint_schema_parse(
           (struct wh_bytes){(const unsigned char *)wh_lint_schema_text, wh_lint_schema_text_len},
           "built-in", &a, &s, &err) == WH_OK,
       "the built-in schema parses: %s", err.msg);
    ok(wh_lint_schema_text_len > 1000 && wh_lint_schema_text[0] == '{',
       "the built-in schema is the JSON document (%zu bytes)", wh_lint_schema_text_len);
    wh_arena_fini(&a);
}

#define OBJ "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": "

static void
test_yaml_core_types(void)
{
    const char *b = "{\"properties\": {\"v\": {\"type\": \"boolean\"}}}";
    const char *i = "{\"properties\": {\"v\": {\"type\": \"integer\"}}}";
    const char *n = "{\"properties\": {\"v\": {\"type\": \"number\"}}}";
    const char *z = "{\"properties\": {\"v\": {\"type\": \"null\"}}}";
    const char *s = "{\"properties\": {\"v\": {\"type\": \"string\"}}}";

    verdict("true is a boolean", b, "v: true", true);
    verdict("True is a boolean (YAML 1.2 core)", b, "v: True", true);
    verdict("FALSE is a boolean", b, "v: FALSE", true);
    verdict("yes is a string in YAML 1.2", b, "v: yes", false);
    verdict("quoted \"true\" is a string", b, "v: \"true\"", false);
    verdict("12 is an integer", i, "v: 12", true);
    verdict("0x1f is an integer", i, "v: 0x1f", true);
    verdict("0o17 is an integer", i, "v: 0o17", true);
    verdict("1.0 is an integer (integral number)", i, "v: 1.0", true);
    verdict("1.5 is not an integer", i, "v: 1.5", false);
    verdict("1.5 is a number", n, "v: 1.5", true);
    verdict("1e3 is a number", n, "v: 1e3", true);
    verdict(".inf is a number", n, "v: .inf", true);
    verdict("0x1g is a string", s, "v: 0x1g", true);
    verdict("'12' quoted is a string", s, "v: '12'", true);
    verdict("~ is null", z, "v: ~", true);
    verdict("an empty value is null", z, "v:", true);
    verdict("NULL is null", z, "v: NULL", true);
    verdict("a block scalar is a string", s, "v: |\n  true\n", true);
    verdict("a key is always a string",
            "{\"propertyNames\": {\"type\": \"string\"}, \"additionalProperties\": {}}",
            "true: 1\n12: 2", true);
}

static void
test_keyword_messages(void)
{
    expect("unknown key at the key, listing the known ones", OBJ "{\"a\": {}, \"b\": {}}}",
           "a: 1\nzz: 2\n", "2:1 unknown key \"zz\" (expected one of: a, b)");
    expect("missing required key at the mapping",
           "{\"type\": \"object\", \"required\": [\"spec\"]}", "x: 1\n",
           "1:1 missing required key \"spec\"");
    expect("type names YAML kinds, path and position",
           OBJ "{\"spec\": {\"properties\": {\"images\": {\"type\": \"array\"}}}}}",
           "spec:\n  images: {a: 1}\n", "2:11 spec.images: expected a sequence, got a mapping");
    expect("const with its description as the hint",
           "{\"properties\": {\"k\": {\"const\": \"v1\", \"description\": \"the version\"}}}",
           "k: v2\n", "1:4 k: must be \"v1\", got \"v2\" (the version)");
    expect("enum lists the values", "{\"properties\": {\"m\": {\"enum\": [\"a\", \"b\"]}}}",
           "m: c\n", "1:4 m: must be one of \"a\", \"b\"; got \"c\"");
    expect("minLength 1 says empty", "{\"properties\": {\"s\": {\"minLength\": 1}}}", "s: ''\n",
           "1:4 s: must not be empty");
    expect("maxLength counts code points",
           "{\"properties\": {\"s\": {\"maxLength\": 2}, \"t\": {\"maxLength\": 2}}}",
           "s: \"\xc3\xa9\xc3\xa9\"\nt: abc\n", "2:4 t: is 3 characters; at most 2 are allowed");
    expect("pattern is a search, anchors are explicit",
           "{\"properties\": {\"a\": {\"pattern\": \"b\"}, \"c\": {\"pattern\": \"^b$\"}}}",
           "a: abc\nc: abc\n", "2:4 c: \"abc\" does not match /^b$/");
    expect("format date checks the calendar",
           "{\"properties\": {\"d\": {\"format\": \"date\"}, \"e\": {\"format\": \"date\"}, "
           "\"f\": {\"format\": \"date\"}}}",
           "d: 2024-02-29\ne: 2023-02-29\nf: 2100-02-29\n",
           "2:4 e: \"2023-02-29\" is not a calendar date|3:4 f: \"2100-02-29\" is not a calendar "
           "date");
    expect("minimum and maximum",
           "{\"properties\": {\"n\": {\"minimum\": 1}, \"m\": {\"maximum\": 9}}}", "n: 0\nm: 10\n",
           "1:4 n: 0 must be at least 1|2:4 m: 10 must be at most 9");
    expect("minItems and uniqueItems at the repeated item",
           "{\"properties\": {\"l\": {\"minItems\": 1}, \"u\": {\"uniqueItems\": true}}}",
           "l: []\nu: [a, b, a]\n", "1:4 l: must not be empty|2:11 u[2]: repeats item 0 (\"a\")");
    expect("uniqueItems compares values, not spellings",
           "{\"properties\": {\"u\": {\"uniqueItems\": true}}}", "u: [1, 1.0, 0x1]\n",
           "1:8 u[1]: repeats item 0 (1.0)|1:13 u[2]: repeats item 0 (0x1)");
    expect("dependentRequired", "{\"dependentRequired\": {\"dev\": [\"tiers\"]}}", "dev: x\n",
           "1:1 \"dev\" needs \"tiers\" as well");
    expect("oneOf of required keys, none",
           "{\"oneOf\": [{\"required\": [\"key\"]}, {\"required\": [\"keyless\"]}]}", "x: 1\n",
           "1:1 needs one of \"key\" or \"keyless\"");
    expect("oneOf of required keys, both",
           "{\"oneOf\": [{\"required\": [\"key\"]}, {\"required\": [\"keyless\"]}]}",
           "key: 1\nkeyless: 2\n", "1:1 sets more than one of \"key\" and \"keyless\"");
    expect("not of a required combination, in words",
           "{\"not\": {\"required\": [\"a\", \"b\"], \"properties\": {\"a\": {\"const\": true}}}, "
           "\"description\": \"never matches\"}",
           "a: true\nb: 1\n", "1:1 must not set a: true with b (never matches)");
    expect("not of patterns",
           "{\"not\": {\"anyOf\": [{\"pattern\": \"x\"}, {\"pattern\": \"y\"}]}}", "ay",
           "1:1 must not match /x/ or /y/");
    expect("if/then reports inside then",
           "{\"if\": {\"required\": [\"k\"]}, \"then\": {\"properties\": {\"t\": {\"const\": "
           "\"r\"}}}}",
           "k: 1\nt: o\n", "2:4 t: must be \"r\", got \"o\"");
    verdict("if false: then not applied",
            "{\"if\": {\"required\": [\"k\"]}, \"then\": {\"required\": [\"z\"]}}", "a: 1", true);
    expect("else applies when if fails",
           "{\"if\": {\"required\": [\"k\"]}, \"then\": true, \"else\": {\"required\": [\"z\"]}}",
           "a: 1\n", "1:1 missing required key \"z\"");
    expect("propertyNames at the key", "{\"propertyNames\": {\"pattern\": \"^[a-z]+$\"}}",
           "ok: 1\nBad: 2\n", "2:1 Bad: \"Bad\" does not match /^[a-z]+$/");
    expect("$ref and $defs with the target's description",
           "{\"properties\": {\"n\": {\"$ref\": \"#/$defs/name\"}}, \"$defs\": {\"name\": "
           "{\"pattern\": \"^[a-z]$\", \"description\": \"one letter\"}}}",
           "n: ab\n", "1:4 n: \"ab\" does not match /^[a-z]$/ (one letter)");
    expect("false schema", "{\"properties\": {\"x\": false}}", "x: 1\n",
           "1:4 x: is not allowed here");
    expect("additionalProperties as a schema",
           "{\"additionalProperties\": {\"type\": \"integer\"}}", "a: 1\nb: x\n",
           "2:4 b: expected an integer, got \"x\"");
    expect("every violation, sorted by position",
           OBJ "{\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"string\"}}, \"required\": "
               "[\"c\"]}",
           "b: [1]\na: {x: 1}\n",
           "1:1 missing required key \"c\"|1:4 b: expected a string, got a sequence|2:4 a: "
           "expected a string, got a mapping");
    expect("odd keys are quoted in paths", "{\"additionalProperties\": {\"type\": \"string\"}}",
           "\"a b\": 1\n", "1:8 [\"a b\"]: expected a string, got 1");
}

static void
test_yaml_refusals_are_errors(void)
{
    struct wh_arena a;
    const char *got;
    char big[64];

    wh_arena_init(&a);
    got = run(&a, "{}", "a: &x 1\nb: *x\n", NULL);
    ok(strcmp(got, "ERR invalid t.yaml:1:4: anchors are not allowed in a policy") == 0,
       "anchors are the tree's error (got %s)", got);
    got = run(&a, "{}", "a: 1\na: 2\n", NULL);
    ok(strstr(got, "ERR invalid t.yaml:2:1: duplicate key \"a\"") == got,
       "duplicate keys are the tree's error (got %s)", got);
    {
        struct wh_limits small = lim;
        const struct wh_lint_schema *s;
        struct wh_lint_violations v;
        struct wh_error err = {0};
        small.policy_bytes = 8;
        snprintf(big, sizeof(big), "a: 123456789\n");
        ok(wh_lint_schema_parse(bytes("{}"), "t.json", &a, &s, &err) == WH_OK &&
               wh_lint_schema_check(s, bytes(big), "t.yaml", &small, &a, &v, &err) == WH_E_LIMIT &&
               strstr(err.msg, "over the 8 byte limit") != NULL,
           "a policy over policy_bytes is WH_E_LIMIT (%s)", err.msg);
    }
    wh_arena_fini(&a);
}

static void
test_fail_closed(void)
{
    struct wh_arena a;
    struct wh_buf yaml;
    const char *got;
    size_t total = 0, i;

    wh_arena_init(&a);
    /* (a|a)*b on 40 a's then "cb" backtracks past PCRE2's match limit (the 'b' is there, so
     * PCRE2 cannot answer at once); inside `not` a plain "false" would turn into "valid". The
     * check must report it instead. */
    wh_buf_init(&yaml, 1024);
    wh_buf_printf(&yaml, "v: ");
    for (i = 0; i < 40; i++)
        wh_buf_append(&yaml, "a", 1);
    wh_buf_printf(&yaml, "cb\n");
    got = run(&a, "{\"properties\": {\"v\": {\"not\": {\"pattern\": \"^(a|a)*b$\"}}}}", yaml.ptr,
              &total);
    ok(strstr(got, "could not be checked against the schema") != NULL && total == 1,
       "a pattern past its match limit inside not is a violation (got %s)", got);
    wh_buf_fini(&yaml);
    got = run(&a, "{\"$ref\": \"#\"}", "a: 1\n", &total);
    ok(strstr(got, "1:1 could not be checked against the schema: schema nesting past 128") == got,
       "a $ref loop is a violation, not a hang (got %s)", got);
    got = run(&a, "{\"properties\": {\"a\": {\"$ref\": \"#\"}}, \"required\": [\"x\"]}",
              "a: {a: {a: {}}}\nx: 1\n", &total);
    ok(strcmp(got, "3:1 missing required key \"x\"") != 0 && total == 3,
       "a recursive schema that consumes the instance works (%zu: %s)", total, got);
    wh_arena_fini(&a);
}

static void
test_violation_cap(void)
{
    struct wh_arena a;
    struct wh_buf yaml;
    const char *got;
    size_t total = 0, i, bars = 0;

    wh_arena_init(&a);
    wh_buf_init(&yaml, 1u << 16);
    for (i = 0; i < 70; i++)
        wh_buf_printf(&yaml, "k%zu: x\n", i);
    got = run(&a, "{\"additionalProperties\": {\"type\": \"integer\"}}", yaml.ptr, &total);
    for (i = 0; got[i] != '\0'; i++)
        bars += got[i] == '|';
    ok(total == 70 && bars + 1 == WH_LINT_VIOLATIONS_MAX,
       "70 violations: all counted, %d shown (total %zu, shown %zu)", WH_LINT_VIOLATIONS_MAX, total,
       bars + 1);
    wh_buf_fini(&yaml);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_schema_refusals();
    test_builtin_schema_parses();
    test_yaml_core_types();
    test_keyword_messages();
    test_yaml_refusals_are_errors();
    test_fail_closed();
    test_violation_cap();
    return done_testing();
}
