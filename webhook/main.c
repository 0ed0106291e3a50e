/* Wiring only: dispatches the command line to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static int
usage(void)
{
    fputs("usage:\n"
          "  driftgate serve --config FILE\n"
          "  driftgate review FILE|- (--config FILE | --policy FILE) [--plain-http HOST:PORT]...\n"
          "  driftgate diff PROD.sbom.json DEV.sbom.json --policy FILE [--image NAME]\n"
          "                 [--format text|markdown|json]\n"
          "  driftgate check IMAGE [--dev IMAGE] --policy FILE\n"
          "                  [--format text|markdown|json|sarif] [--plain-http HOST:PORT]...\n"
          "  driftgate policy lint [--schema FILE] [--schema-only] FILE...\n"
          "  driftgate policy schema\n"
          "  driftgate verify-bundle --bundle FILE (--certificate-identity ID\n"
          "                 --certificate-oidc-issuer URL | --key FILE) --trusted-root FILE\n"
          "                 FILE|sha256:<hex>\n"
          "exit: 0 allow, 1 deny (or blocking drift, or an invalid policy), 2 error\n",
          stderr);
    return 2;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage();
    if (strcmp(argv[1], "serve") == 0)
        return wh_cli_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "review") == 0)
        return wh_cli_review(argc - 1, argv + 1);
    if (strcmp(argv[1], "diff") == 0)
        return wh_cli_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return wh_cli_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "policy") == 0)
        return wh_cli_policy(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify-bundle") == 0)
        return wh_cli_verify_bundle(argc - 1, argv + 1);
    fprintf(stderr, "driftgate: unknown command %s\n", argv[1]);
    return usage();
}
