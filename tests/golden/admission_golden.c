/* Golden driver: decodes one AdmissionReview file and prints `path image` per image, or
 * `<code> <message>` when it is rejected (tests/golden/admission_test.sh diffs the output). */
#include <stdio.h>

#include "admission/request.h"
#include "base/file.h"

int
main(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_bytes body;
    struct wh_admission_request req;
    struct wh_error err;
    size_t i;
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: admission_golden REQUEST.json\n");
        return 2;
    }
    wh_arena_init(&a);
    /* Read up to twice the body limit so the parser, not the reader, reports an oversize body. */
    if (wh_file_read(argv[1], 2 * lim.body_bytes, &a, &body, &err) != WH_OK) {
        fprintf(stderr, "admission_golden: %s\n", err.msg);
        rc = 2;
    } else if (wh_admission_request_parse(body, &lim, &a, &req, &err) != WH_OK) {
        printf("%s %s\n", wh_error_name(err.code), err.msg);
    } else {
        for (i = 0; i < req.n_images; i++)
            printf("%s %s\n", req.images[i].path, req.images[i].image);
    }
    wh_arena_fini(&a);
    return rc;
}
