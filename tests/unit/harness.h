#ifndef WH_TESTS_HARNESS_H
#define WH_TESTS_HARNESS_H

/* TAP output for unit tests: ok(cond, "name"), then `return done_testing();` from main. */
#include <stdarg.h>
#include <stdio.h>

static int harness_count;
static int harness_failed;

__attribute__((format(printf, 4, 5))) static int
harness_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    harness_count++;
    printf("%sok %d - ", pass ? "" : "not ", harness_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        harness_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}

/* The comma operator sequences the condition before the message arguments are evaluated: a
 * message may print what the condition's call just produced (`ok(parse(&x) == WH_OK, "%s",
 * x.name)`), which a plain function call would read in unspecified order. */
static int harness_pass;
#define ok(cond, ...)                                                                              \
    (harness_pass = !!(cond), harness_ok(harness_pass, __FILE__, __LINE__, __VA_ARGS__))

/* One row of a table-driven test over strings: an input and what it must give (the output, or a
 * fragment of the error naming why it is refused). A test reads `cases[i].in` / `cases[i].want`
 * in one loop instead of repeating the same check per case. */
struct str_case {
    const char *in, *want;
};

static int
done_testing(void)
{
    printf("1..%d\n", harness_count);
    return harness_failed == 0 ? 0 : 1;
}

#endif
