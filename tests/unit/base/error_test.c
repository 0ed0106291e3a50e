/* base/error.c: the position of a cause travels as fields beside the message, and wrapping keeps
 * both; an error set without a position has none. */
#include <string.h>

#include "base/error.h"
#include "unit/harness.h"

int
main(void)
{
    struct wh_error err;

    ok(wh_error_set_at(&err, WH_E_INVALID, "p.yaml", 7, 3, "unknown key \"%s\"", "bogus") ==
               WH_E_INVALID &&
           strcmp(err.msg, "p.yaml:7:3: unknown key \"bogus\"") == 0 && err.line == 7 &&
           err.col == 3,
       "set_at: message \"%s\" and position %d:%d", err.msg, err.line, err.col);
    ok(wh_error_wrap(&err, "policy %s", "p.yaml") == WH_E_INVALID &&
           strcmp(err.msg, "policy p.yaml: p.yaml:7:3: unknown key \"bogus\"") == 0 &&
           err.line == 7 && err.col == 3,
       "wrap keeps the position: \"%s\" %d:%d", err.msg, err.line, err.col);
    ok(wh_error_set(&err, WH_E_LIMIT, "too big") == WH_E_LIMIT && err.line == 0 && err.col == 0,
       "set clears a previous position (%d:%d)", err.line, err.col);
    return done_testing();
}
