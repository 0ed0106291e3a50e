/* Fuzzes trust/root.c's trusted_root.json parser: never crashes; a parsed root is self-consistent.
 */
#include "fuzz.h"
#include "trust/root.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_trust_root *r = NULL;
    struct wh_error err;

    if (wh_trust_root_parse((struct wh_bytes){data, size}, "fuzz", &limits, &r, &err) == WH_OK) {
        for (size_t i = 0; i < wh_trust_root_tlog_count(r); i++) {
            const struct wh_trust_log *l = wh_trust_root_tlog_get(r, i);
            WH_ASSERT(l->key != NULL && l->valid_from <= l->valid_to);
            WH_ASSERT(l->valid_from == l->valid_to ||
                      wh_trust_tlog_find(r, l->log_id, l->valid_from) != NULL);
        }
        for (size_t i = 0; i < wh_trust_root_ca_count(r); i++)
            WH_ASSERT(sk_X509_num(wh_trust_root_ca_get(r, i)->chain) > 0);
        wh_trust_root_unref(r);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
    }
    return 0;
}
