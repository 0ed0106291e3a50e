#ifndef WH_BASE_VERSION_H
#define WH_BASE_VERSION_H

/* The release this binary was built as (the VERSION file) and the git commit it was built from
 * ("unknown" outside a git checkout), set by the Makefile (WH_VERSION, WH_COMMIT). Static text. */
const char *wh_version(void);
const char *wh_version_commit(void);

#endif
