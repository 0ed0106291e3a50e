#ifndef WH_AUDIT_SHELL_H
#define WH_AUDIT_SHELL_H

#include "audit/audit.h"

/*
 * Downloads in a shell script (a workflow step's run:, a Dockerfile RUN): a curl or wget of an
 * http(s) URL piped into an interpreter (sh, bash, python, ...) is an unpinned WH_PIN_DOWNLOAD;
 * so is a downloaded file a later command runs, sources, installs or unpacks, unless a checksum
 * or signature check (sha256sum -c, shasum -c, gpg --verify, cosign verify-blob, minisign -V)
 * comes between; such a verified download is recorded as pinned. A download nothing runs
 * (data, an API call) is not a reference. `line` is the script's first line in `file`; `stage`
 * goes into the references (-1 outside Dockerfiles). Scripts are bounded by the file cap.
 */
void wh_audit_shell(struct wh_audit *au, const char *file, int line, const char *script, int stage);

#endif
