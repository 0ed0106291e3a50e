#include "base/arena.h"
#include "base/digest.h"
#include "base/str.h"
#include "unit/harness.h"

static void
test_buf_caps_and_reports_limit(void)
{
    struct wh_buf b;
    struct wh_error err = {0};

    wh_buf_init(&b, 8);
    wh_buf_append_c(&b, "12345");
    ok(wh_buf_check(&b, "x", &err) == WH_OK, "buf under cap is ok");
    wh_buf_append_c(&b, "6789");
    ok(wh_buf_check(&b, "reply", &err) == WH_E_LIMIT, "buf over cap is WH_E_LIMIT");
    ok(strstr(err.msg, "reply exceeds 8 bytes") != NULL, "limit message names what: %s", err.msg);
    wh_buf_fini(&b);
}

static void
test_json_string_escapes_controls(void)
{
    struct wh_buf b;

    wh_buf_init(&b, 100);
    wh_buf_append_json_string(&b, WH_STR("a\"b\\c\n\x01"));
    ok(strcmp(b.ptr, "\"a\\\"b\\\\c\\n\\u0001\"") == 0, "json escape: %s", b.ptr);
    wh_buf_fini(&b);
}

/* The writer skips 16 plain bytes a step: a byte to escape (or a UTF-8 sequence) anywhere in a
 * long string, across and at the ends of those steps, is written as it is alone. */
static void
test_json_string_escapes_anywhere_in_a_long_string(void)
{
    static const char *const specials[] = {"\"", "\\", "\n", "\x7f", "\xc3\xa9", "\xff", "\x1f"};
    char text[64], want[128];
    struct wh_buf b, one;
    size_t k, i, bad = 0, n = 0;

    for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        size_t slen = strlen(specials[i]);

        wh_buf_init(&one, 100);
        wh_buf_append_json_string(&one, wh_str_c(specials[i]));
        for (k = 0; k + slen <= 40; k++, n++) {
            memset(text, 'a', 40);
            memcpy(text + k, specials[i], slen);
            text[40] = '\0';
            /* Expected: the plain bytes around what the writer makes of the special alone. */
            snprintf(want, sizeof(want), "\"%.*s%.*s%s\"", (int)k, text, (int)(one.len - 2),
                     one.ptr + 1, text + k + slen);
            wh_buf_init(&b, 200);
            wh_buf_append_json_string(&b, (struct wh_str){text, 40});
            if (strcmp(b.ptr, want) != 0 && bad++ < 3)
                printf("# at %zu: %s, want %s\n", k, b.ptr, want);
            wh_buf_fini(&b);
        }
        wh_buf_fini(&one);
    }
    ok(bad == 0, "json escape of one special byte at every offset of a 40-byte string (%zu cases)",
       n);
}

static void
test_base64_round_trip_and_rejects_garbage(void)
{
    struct wh_arena a;
    struct wh_bytes out;
    struct wh_error err = {0};
    char *enc;

    wh_arena_init(&a);
    enc = wh_digest_base64_encode("hello!?", 7, &a);
    ok(strcmp(enc, "aGVsbG8hPw==") == 0, "base64 encode");
    ok(wh_digest_base64_decode(wh_str_c(enc), &a, &out, &err) == WH_OK && out.len == 7 &&
           memcmp(out.ptr, "hello!?", 7) == 0,
       "base64 decode round trip");
    ok(wh_digest_base64_decode(WH_STR("aGV*bG8="), &a, &out, &err) == WH_E_INVALID,
       "base64 rejects bad char");
    ok(wh_digest_base64_decode(WH_STR("aGVsb"), &a, &out, &err) == WH_E_INVALID,
       "base64 rejects bad length");
    wh_arena_fini(&a);
}

static void
test_digest_string_form(void)
{
    char d[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str("", 0, d);
    ok(strcmp(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
       "sha256 of empty");
    ok(wh_digest_is_sha256(wh_str_c(d)), "is_sha256 accepts");
    ok(!wh_digest_is_sha256(WH_STR("sha256:E3B0")), "is_sha256 rejects short/upper");
    ok(wh_digest_matches("", 0, wh_str_c(d)), "matches");
    ok(!wh_digest_matches("x", 1, wh_str_c(d)), "mismatch");
}

static void
test_arena_large_and_small_allocations(void)
{
    struct wh_arena a;
    char *big, *small;

    wh_arena_init(&a);
    small = wh_arena_strdup(&a, "abc");
    big = wh_arena_alloc(&a, 100000);
    big[99999] = 1;
    ok(strcmp(small, "abc") == 0 && wh_arena_sprintf(&a, "%d-%s", 7, small)[0] == '7',
       "arena keeps small strings across a big block");
    wh_arena_fini(&a);
}

static void
test_lines_and_trim(void)
{
    static const char text[] = "a\r\n\n b\t \nlast";
    struct wh_str_lines l = {.text = {(const unsigned char *)text, sizeof(text) - 1}};
    struct wh_str s;

    ok(wh_str_lines_next(&l, &s) && wh_str_eq_c(s, "a") && l.line == 1, "CRLF line without CR");
    ok(wh_str_lines_next(&l, &s) && s.len == 0 && l.line == 2, "an empty line is a line");
    ok(wh_str_lines_next(&l, &s) && wh_str_eq_c(wh_str_trim_blanks(s), "b") && l.line == 3,
       "blanks trimmed at both ends");
    ok(wh_str_lines_next(&l, &s) && wh_str_eq_c(s, "last"), "a last line without a newline");
    ok(!wh_str_lines_next(&l, &s), "then the end");
    ok(wh_str_trim_blanks((struct wh_str){" \t ", 3}).len == 0, "all blanks trim to empty");
}

static void
test_hex_decode(void)
{
    unsigned char out[4] = {0};

    ok(wh_str_hex_decode("00aBfF7e", 4, out) && out[0] == 0x00 && out[1] == 0xab &&
           out[2] == 0xff && out[3] == 0x7e,
       "hex of either case decodes");
    ok(!wh_str_hex_decode("0g", 1, out), "a non-hex digit is refused");
    ok(!wh_str_hex_decode("1 ", 1, out), "a space is refused");
    ok(wh_str_hex_decode("", 0, out), "no digits is no bytes");
}

/* wh_str_decimal prints what "%llu" prints; wh_buf_reserve allocates and changes nothing else. */
static void
test_decimal_and_reserve(void)
{
    static const unsigned long long vs[] = {0, 7, 10, 443, 65535, 18446744073709551615ull};
    char buf[24], want[24];
    struct wh_buf b;
    size_t bad = 0;

    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        snprintf(want, sizeof(want), "%llu", vs[i]);
        bad += strcmp(wh_str_decimal(buf, vs[i]), want) != 0;
    }
    ok(bad == 0, "wh_str_decimal prints as %%llu (0 to 2^64-1)");
    wh_buf_init(&b, 100);
    wh_buf_reserve(&b, 4096);
    ok(b.len == 0 && !b.overflow && b.alloc == 101 && b.ptr[0] == '\0',
       "reserve stops at the cap and writes nothing (alloc %zu)", b.alloc);
    wh_buf_append_c(&b, "abc");
    wh_buf_reserve(&b, 2);
    ok(b.len == 3 && strcmp(b.ptr, "abc") == 0, "reserve below the length keeps the text");
    wh_buf_fini(&b);
}

int
main(void)
{
    test_buf_caps_and_reports_limit();
    test_json_string_escapes_controls();
    test_json_string_escapes_anywhere_in_a_long_string();
    test_base64_round_trip_and_rejects_garbage();
    test_digest_string_form();
    test_arena_large_and_small_allocations();
    test_lines_and_trim();
    test_hex_decode();
    test_decimal_and_reserve();
    return done_testing();
}
