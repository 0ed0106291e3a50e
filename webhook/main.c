/* Wiring only: parses the command line and dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs("usage: driftgate serve|review|diff|policy lint|verify ...\n", stderr);
        return 2;
    }
    fprintf(stderr, "driftgate: unknown command %s\n", argv[1]);
    return 2;
}
