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

#define ok(cond, ...) harness_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static int
done_testing(void)
{
    printf("1..%d\n", harness_count);
    return harness_failed == 0 ? 0 : 1;
}

#endif
