/* verify/canonical_json.c: RFC 8785 examples and the refusals. */
#include <string.h>

#include "base/str.h"
#include "unit/harness.h"
#include "verify/canonical_json.h"

static void
check(const char *in, const char *want)
{
    struct wh_buf b;
    struct wh_error err = {0};
    enum wh_err rc;

    wh_buf_init(&b, 4096);
    rc = wh_verify_canonical_json((struct wh_bytes){(const unsigned char *)in, strlen(in)}, &b,
                                  &err);
    ok(rc == WH_OK && b.ptr != NULL && strcmp(b.ptr, want) == 0, "%s -> %s (got %s) %s", in, want,
       b.ptr != NULL ? b.ptr : "", rc == WH_OK ? "" : err.msg);
    wh_buf_fini(&b);
}

static void
refuse(const char *in, size_t cap, enum wh_err want, const char *part)
{
    struct wh_buf b;
    struct wh_error err = {0};
    enum wh_err rc;

    wh_buf_init(&b, cap);
    rc = wh_verify_canonical_json((struct wh_bytes){(const unsigned char *)in, strlen(in)}, &b,
                                  &err);
    ok(rc == want && strstr(err.msg, part) != NULL, "%s is %s: %s", in, wh_error_name(want),
       err.msg);
    wh_buf_fini(&b);
}

int
main(void)
{
    /* the SET payload shape, in any input order and spacing */
    check("{ \"logIndex\": 1, \"logID\": \"ab\", \"integratedTime\": 2, \"body\": \"e30=\" }",
          "{\"body\":\"e30=\",\"integratedTime\":2,\"logID\":\"ab\",\"logIndex\":1}");
    check("[1, 2.0, -0.0, true, false, null, \"\"]", "[1,2,0,true,false,null,\"\"]");
    check("{\"b\":{\"z\":[],\"a\":{}},\"a\":1}", "{\"a\":1,\"b\":{\"a\":{},\"z\":[]}}");
    /* RFC 8785 §3.2.2.2 escaping: named controls, \u00xx for others, '/' and non-ASCII kept */
    check("\"\\u0008\\t\\n\\u000c\\r\\\"\\\\/\\u001f\\u00e9\\u20ac\"",
          "\"\\b\\t\\n\\f\\r\\\"\\\\/\\u001f\xC3\xA9\xE2\x82\xAC\"");
    /* RFC 8785 §3.2.3: sort by UTF-16 units: U+1F600 (surrogates D83D..) sorts before U+FB33 */
    check("{\"\\ufb33\":1,\"\\ud83d\\ude00\":2,\"\\u00e9\":3,\"a\":4}",
          "{\"a\":4,\"\xC3\xA9\":3,\"\xF0\x9F\x98\x80\":2,\"\xEF\xAC\xB3\":1}");
    refuse("{\"a\":1.5}", 4096, WH_E_INVALID, "not an integer");
    refuse("[1e300]", 4096, WH_E_INVALID, "not an integer");
    refuse("{\"a\":1,\"a\":2}", 4096, WH_E_INVALID, "duplicate");
    refuse("{\"a\":", 4096, WH_E_INVALID, "canonical JSON");
    refuse("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 4096,
           WH_E_LIMIT, "nested deeper");
    refuse("{\"a\":\"0123456789012345678901234567890123456789\"}", 16, WH_E_LIMIT, "");
    return done_testing();
}
