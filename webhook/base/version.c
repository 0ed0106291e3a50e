/* Build identity: only this file sees the Makefile's -DWH_VERSION/-DWH_COMMIT, so a new commit
 * recompiles one file. */
#include "base/version.h"

#ifndef WH_VERSION
#define WH_VERSION "0.0.0-dev"
#endif
#ifndef WH_COMMIT
#define WH_COMMIT "unknown"
#endif

const char *
wh_version(void)
{
    return WH_VERSION;
}

const char *
wh_version_commit(void)
{
    return WH_COMMIT;
}
