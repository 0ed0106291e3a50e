/*
 * `driftgate attest-dev IMAGE@sha256:D --dev DEV[:TAG]@sha256:E [--predicate-only]`: prints the
 * in-toto statement that names the dev image a production digest was tested in (predicate
 * https://driftgate.dev/dev-environment/v1, policy/dev-environment.schema.json), for any in-toto
 * signer; --predicate-only prints just the predicate, for cosign attest --predicate. Pure: both
 * images must be pinned by digest, so nothing here reads a registry or a mutable tag.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "cli/commands.h"
#include "image/ref.h"
#include "verify/predicates.h"

#define USAGE                                                                                      \
    "driftgate attest-dev IMAGE@sha256:<digest> --dev DEV_IMAGE[:TAG]@sha256:<digest> "            \
    "[--predicate-only]"

static int
fail(const char *msg)
{
    fprintf(stderr, "driftgate attest-dev: %s\n", msg);
    return 2;
}

/* `text` parsed; it must carry a digest (a tag moves, the attestation must not). */
static int
pinned(const char *what, const char *text, struct wh_arena *a, struct wh_image_ref *out)
{
    struct wh_error err;

    if (wh_image_ref_parse(wh_str_c(text), a, out, &err) != WH_OK)
        return fail(wh_arena_sprintf(a, "%s %s: %s", what, text, err.msg));
    if (out->digest == NULL)
        return fail(wh_arena_sprintf(a,
                                     "%s %s has no digest: pin it as NAME@sha256:<digest> (docker "
                                     "buildx build --metadata-file records it)",
                                     what, text));
    return 0;
}

int
wh_cli_attest_dev(int argc, char **argv)
{
    static const struct option longopts[] = {{"dev", required_argument, NULL, 'd'},
                                             {"predicate-only", no_argument, NULL, 'p'},
                                             {NULL, 0, NULL, 0}};
    struct wh_image_ref prod, dev;
    struct wh_arena a;
    struct wh_error err;
    const char *dev_text = NULL, *out;
    bool predicate_only = false;
    int c, status;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            dev_text = optarg;
        else if (c == 'p')
            predicate_only = true;
        else
            return fail("unknown option or missing value; usage: " USAGE);
    }
    if (optind + 1 != argc || dev_text == NULL) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    wh_arena_init(&a);
    status = pinned("image", argv[optind], &a, &prod);
    if (status == 0)
        status = pinned("dev image", dev_text, &a, &dev);
    if (status != 0)
        goto out;
    if (wh_verify_dev_environment_render(wh_image_ref_name(&prod, &a), prod.digest, dev_text,
                                         dev.digest, predicate_only, &a, &out, &err) != WH_OK) {
        status = fail(err.msg);
        goto out;
    }
    printf("%s\n", out);
    status = fflush(stdout) == 0 ? 0 : fail("writing to stdout failed");
out:
    wh_arena_fini(&a);
    return status;
}
