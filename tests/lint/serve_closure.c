/* The request path as the linker sees it: `driftgate serve` alone against libdriftgate.a, so
 * tests/lint/check-closure.sh can show which archive members the webhook pulls in (no lint/). */
#include "cli/commands.h"

int
main(int argc, char **argv)
{
    return wh_cli_serve(argc, argv);
}
