/* base/json_scan.c: the validating JSON pull scanner, checked against RFC 8259 and jansson. */
#include "base/json_scan.c"

#include <jansson.h>

#include "unit/harness.h"

/* Validates `text` as one document (skip + finish) with the given depth cap. */
static enum wh_err
validate(const char *text, size_t len, size_t max_depth, struct wh_error *err)
{
    struct wh_json_scan s;
    struct wh_arena a;
    enum wh_err rc;

    wh_arena_init(&a);
    wh_json_scan_init(&s, (struct wh_bytes){(const unsigned char *)text, len}, max_depth,
                      "SBOM JSON", &a);
    if ((rc = wh_json_scan_skip(&s, err)) == WH_OK)
        rc = wh_json_scan_finish(&s, err);
    wh_arena_fini(&a);
    return rc;
}

/* jansson's verdict, the reference the scanner must agree with. */
static bool
jansson_accepts(const char *text, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);

    json_decref(root);
    return root != NULL;
}

static void
test_valid_documents_are_accepted_like_jansson(void)
{
    static const char *const docs[] = {
        "{}",
        "[]",
        " \t\r\n{ \"a\" : [ 1 , -0 , 0.5e-3 , 1E+2 , true , false , null ] }\n",
        "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
        "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
        "[9223372036854775807,-9223372036854775808,1e308,1e-400]",
        "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
    };
    size_t i;

    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct wh_error err = {0};
        enum wh_err rc = validate(docs[i], strlen(docs[i]), 64, &err);
        ok(rc == WH_OK && jansson_accepts(docs[i], strlen(docs[i])), "valid %zu accepted (%s)", i,
           err.msg);
    }
}

static void
test_invalid_documents_are_refused_with_reason(void)
{
    static const struct str_case cases[] = {
        {"", "end of input where a value was expected"},
        {"{\"a\":1,}", "where an object key was expected"},
        {"[1,]", "unexpected character where a value was expected"},
        {"[1 2]", "where ',' or ']' was expected"},
        {"{\"a\" 1}", "where ':' was expected"},
        {"{} {}", "end of input expected"},
        {"[01]", "leading zero"},
        {"[1.]", "no digit after '.'"},
        {"[1e]", "no digit in exponent"},
        {"[-]", "invalid number"},
        {"[+1]", "unexpected character"},
        {"[9223372036854775808]", "too big integer"},
        {"[-9223372036854775809]", "too big negative integer"},
        {"[1e309]", "real number overflow"},
        {"[tru]", "invalid token"},
        {"[\"a\x01\"]", "control character 0x01"},
        {"[\"\\x\"]", "invalid escape"},
        {"[\"\\u12\"]", "invalid \\u escape"},
        {"[\"\\u0000\"]", "\\u0000 is not allowed"},
        {"[\"\\ud800\"]", "unpaired high surrogate"},
        {"[\"\\ud800\\u0041\"]", "unpaired high surrogate"},
        {"[\"\\udc00\"]", "lone low surrogate"},
        {"[\"\xc0\xaf\"]", "invalid UTF-8 byte 0xc0"},
        {"[\"\xed\xa0\x80\"]", "invalid UTF-8 byte 0xed"},
        {"[\"\xf4\x90\x80\x80\"]", "invalid UTF-8 byte 0xf4"},
        {"[\"\xe2\x82\"]", "invalid UTF-8 byte 0xe2"},
        {"[\"abc", "unterminated string"},
        {"[\"abcdefghijklmnopqrstuvwxyz0123456789", "unterminated string"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_error err = {0};
        size_t len = strlen(cases[i].in);
        enum wh_err rc = validate(cases[i].in, len, 64, &err);
        ok(rc == WH_E_INVALID && strstr(err.msg, cases[i].want) != NULL &&
               !jansson_accepts(cases[i].in, len),
           "invalid %zu: WH_E_INVALID with \"%s\" (got %s: %s)", i, cases[i].want,
           wh_error_name(rc), err.msg);
    }
}

static void
test_nul_byte_and_trailing_garbage_are_refused(void)
{
    struct wh_error err = {0};

    ok(validate("[\"a\0b\"]", 7, 64, &err) == WH_E_INVALID && strstr(err.msg, "0x00") != NULL,
       "raw NUL inside a string: WH_E_INVALID (%s)", err.msg);
    ok(validate("{}\0", 3, 64, &err) == WH_E_INVALID && strstr(err.msg, "end of input expected"),
       "NUL after the document: WH_E_INVALID (%s)", err.msg);
}

static void
test_errors_name_line_and_column(void)
{
    struct wh_error err = {0};

    ok(validate("{\n  \"a\": [1,\n    x]}", 20, 64, &err) == WH_E_INVALID &&
           strstr(err.msg, "SBOM JSON 3:5:") != NULL,
       "error on line 3 column 5 (%s)", err.msg);
    ok(validate("[\"\xc3\xa9\", x]", 9, 64, &err) == WH_E_INVALID &&
           strstr(err.msg, "SBOM JSON 1:7:") != NULL,
       "columns count characters, not bytes (%s)", err.msg);
}

static void
test_depth_is_capped_with_limit_error(void)
{
    struct wh_error err = {0};

    ok(validate("[[[]]]", 6, 3, &err) == WH_OK, "3 levels fit a cap of 3");
    ok(validate("[[[[]]]]", 8, 3, &err) == WH_E_LIMIT &&
           strstr(err.msg, "nesting exceeds 3 levels at byte 3") != NULL,
       "4 levels past a cap of 3: WH_E_LIMIT at byte 3 (%s)", err.msg);
    ok(validate("[{\"a\":[{}]}]", 12, 3, &err) == WH_E_LIMIT, "objects and arrays both count (%s)",
       err.msg);
    {
        /* Past jansson's own 2048 levels under a larger cap: its syntax error, as jansson. */
        char deep[2 * (WH_JSON_SCAN_MAX_DEPTH + 1)];
        size_t n = WH_JSON_SCAN_MAX_DEPTH + 1;

        memset(deep, '[', n);
        memset(deep + n, ']', n);
        ok(validate(deep, 2 * n, 4096, &err) == WH_E_INVALID &&
               strstr(err.msg, "maximum parsing depth reached") != NULL &&
               !jansson_accepts(deep, 2 * n),
           "2049 levels under a cap of 4096: WH_E_INVALID (%s)", err.msg);
        ok(validate(deep + 1, 2 * n - 2, 4096, &err) == WH_OK, "2048 levels are accepted");
    }
}

static void
test_pull_api_reads_fields_and_decodes_strings(void)
{
    const char *text = "{\"k\\u0065y\": \"v\\n\\u00e9\", \"skip\": {\"x\": [1, {\"y\": null}]},"
                       " \"list\": [\"plain\", 2]}";
    struct wh_json_scan s;
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_str key, v1 = {0}, v2 = {0};
    enum wh_json_scan_kind kind, second = WH_JSON_SCAN_NONE;
    bool has, more;
    int keys = 0;

    wh_arena_init(&a);
    wh_json_scan_init(&s, (struct wh_bytes){(const unsigned char *)text, strlen(text)}, 8,
                      "SBOM JSON", &a);
    WH_ASSERT(wh_json_scan_object_enter(&s, &err) == WH_OK);
    while (wh_json_scan_object_next(&s, &key, &has, &err) == WH_OK && has) {
        keys++;
        if (wh_str_eq_c(key, "key")) {
            WH_ASSERT(wh_json_scan_peek(&s, &kind, &err) == WH_OK && kind == WH_JSON_SCAN_STRING);
            WH_ASSERT(wh_json_scan_string(&s, &v1, &err) == WH_OK);
        } else if (wh_str_eq_c(key, "list")) {
            WH_ASSERT(wh_json_scan_array_enter(&s, &err) == WH_OK);
            WH_ASSERT(wh_json_scan_array_next(&s, &more, &err) == WH_OK && more);
            WH_ASSERT(wh_json_scan_string(&s, &v2, &err) == WH_OK);
            WH_ASSERT(wh_json_scan_array_next(&s, &more, &err) == WH_OK && more);
            WH_ASSERT(wh_json_scan_peek(&s, &second, &err) == WH_OK);
            WH_ASSERT(wh_json_scan_skip(&s, &err) == WH_OK);
            WH_ASSERT(wh_json_scan_array_next(&s, &more, &err) == WH_OK && !more);
        } else {
            WH_ASSERT(wh_json_scan_skip(&s, &err) == WH_OK);
        }
    }
    ok(err.msg[0] == '\0' && keys == 3, "three members walked (%s)", err.msg);
    ok(wh_str_eq_c(v1, "v\n\xc3\xa9"), "escaped key matched and value decoded");
    ok(wh_str_eq_c(v2, "plain") && v2.ptr > text && v2.ptr < text + strlen(text),
       "a string without escapes is a view into the input");
    ok(second == WH_JSON_SCAN_NUMBER, "peek names a number");
    ok(wh_json_scan_finish(&s, &err) == WH_OK && s.depth == 0, "document finished at depth 0");
    wh_arena_fini(&a);
}

static void
test_long_strings_cross_the_vector_path(void)
{
    char text[300];
    struct wh_error err = {0};
    size_t i;

    /* Specials at every offset of a 16-byte block, after a long plain run. */
    for (i = 0; i < 40; i++) {
        memset(text, 'a', sizeof(text));
        text[0] = '[';
        text[1] = '"';
        text[2 + 100 + i] = '\x1f';
        text[200] = '"';
        text[201] = ']';
        ok(validate(text, 202, 8, &err) == WH_E_INVALID && strstr(err.msg, "0x1f") != NULL,
           "control character at offset %zu found", 100 + i);
    }
    memset(text, 'a', sizeof(text));
    text[0] = '[';
    text[1] = '"';
    text[200] = '"';
    text[201] = ']';
    ok(validate(text, 202, 8, &err) == WH_OK, "198 plain bytes accepted");
}

/* The first byte at or after `from` that is not plain, one byte at a time: the reference. */
static size_t
ref_skip_plain(const unsigned char *buf, size_t from, size_t len)
{
    while (from < len && plain[buf[from]])
        from++;
    return from;
}

/* Both skip_plain implementations (SSE2 where built, and the portable SWAR one) agree with the
 * byte-by-byte reference for every kind of special byte at every offset of two 16-byte blocks,
 * from every start alignment, and at the buffer's end. */
static void
test_skip_plain_word_boundaries(void)
{
    static const unsigned char specials[] = {'"', '\\', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff};
    unsigned char buf[64];
    size_t k, at, start, len, bad = 0, checked = 0;

    for (k = 0; k < sizeof(specials); k++) {
        for (start = 0; start < 8; start++) {
            for (at = start; at < start + 32; at++) {
                for (len = at + 1; len <= at + 17 && len <= sizeof(buf); len += 16) {
                    size_t want;
                    memset(buf, 'a', sizeof(buf));
                    buf[at] = specials[k];
                    want = ref_skip_plain(buf, start, len);
                    bad += (size_t)(skip_plain(buf + start, buf + len) - buf) != want;
                    bad += (size_t)(skip_plain_swar(buf + start, buf + len) - buf) != want;
                    checked++;
                }
            }
        }
    }
    ok(bad == 0 && checked > 0, "skip_plain and skip_plain_swar match the reference (%zu cases)",
       checked);
    /* No special byte at all: both stop exactly at the end, whatever the length. */
    memset(buf, 'a', sizeof(buf));
    for (len = 0, bad = 0; len <= sizeof(buf); len++)
        bad +=
            skip_plain(buf, buf + len) != buf + len || skip_plain_swar(buf, buf + len) != buf + len;
    ok(bad == 0, "plain runs of 0..64 bytes end at the buffer end");
    /* 0x20 and 0x7e are plain; 0x21 and 0x5b/0x5d (around '"' and '\\') too. */
    {
        static const unsigned char near[] = " ~!#[]]]]]]]]]]]]]]]";
        const unsigned char *end = near + sizeof(near) - 1;
        ok(skip_plain(near, end) == end && skip_plain_swar(near, end) == end,
           "bytes next to the specials are plain");
    }
}

/* In documents: a quote, an escape, a control byte, a raw non-ASCII byte at each offset 0..15 of
 * a string (so at every position in the first two 16- and 8-byte words), and strings that end
 * at the buffer's end. */
static void
test_strings_at_word_boundaries(void)
{
    char text[64];
    struct wh_error err = {0};
    size_t off, fails = 0;

    for (off = 0; off < 16; off++) {
        size_t n;
        /* ["aaa<off>" ,"b"]: the string ends at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\",\"b\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa");
        fails += validate(text, n, 8, &err) != WH_OK;
        /* an escape at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\\n%s\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb");
        fails += validate(text, n, 8, &err) != WH_OK;
        /* an invalid escape at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\\x%s\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb");
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "invalid escape");
        /* a two-byte UTF-8 character at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\xc3\xa9%s\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb");
        fails += validate(text, n, 8, &err) != WH_OK;
        /* a lone continuation byte at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\xa9%s\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb");
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "UTF-8");
        /* a control byte (0x01, then 0x1f) at offset off */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\x01%s\"]", (int)off,
                             "aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb");
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "0x01");
        text[2 + off] = 0x1f;
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "0x1f");
        /* 0x7f (DEL) is allowed in JSON strings, as jansson allows it */
        text[2 + off] = 0x7f;
        fails += validate(text, n, 8, &err) != WH_OK || !jansson_accepts(text, n);
        /* unterminated: the buffer ends inside the string, after off bytes, and after a '\\' */
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s", (int)off, "aaaaaaaaaaaaaaaaaaaa");
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "unterminated");
        n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\\", (int)off, "aaaaaaaaaaaaaaaaaaaa");
        fails += validate(text, n, 8, &err) != WH_E_INVALID || !strstr(err.msg, "unterminated");
    }
    ok(fails == 0, "quote, escape, UTF-8, control and DEL bytes at offsets 0..15 (%s)", err.msg);
    /* The document ends right after the closing quote: the last byte of the buffer. */
    ok(validate("\"abcdefghijklmnopqrstuvwxyz\"", 28, 8, &err) == WH_OK,
       "a top-level string closed by the buffer's last byte");
    ok(validate("\"abcdefghijklmnopqrstuvwxyz", 27, 8, &err) == WH_E_INVALID &&
           strstr(err.msg, "unterminated") != NULL,
       "a top-level string cut at the buffer's end: unterminated (%s)", err.msg);
}

int
main(void)
{
    test_valid_documents_are_accepted_like_jansson();
    test_invalid_documents_are_refused_with_reason();
    test_nul_byte_and_trailing_garbage_are_refused();
    test_errors_name_line_and_column();
    test_depth_is_capped_with_limit_error();
    test_pull_api_reads_fields_and_decodes_strings();
    test_long_strings_cross_the_vector_path();
    test_skip_plain_word_boundaries();
    test_strings_at_word_boundaries();
    return done_testing();
}
