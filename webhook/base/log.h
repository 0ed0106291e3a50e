#ifndef WH_BASE_LOG_H
#define WH_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

enum wh_log_level { WH_LOG_DEBUG, WH_LOG_INFO, WH_LOG_WARN, WH_LOG_ERROR };

/* Minimum level printed; set once at start from config. */
void wh_log_set_level(enum wh_log_level level);
/* One JSON line on stderr: {"ts":..., "level":..., "msg":...}. Thread-safe; a line is never
 * split or interleaved with another. */
void wh_log(enum wh_log_level level, const char *fmt, ...) WH_PRINTF(2, 3);
/* Writes an already-rendered JSON object line (for per-review records). */
void wh_log_json_line(const char *json, size_t len);

/*
 * Buffered logging, for a server whose loop thread must never wait on stderr. Until started (and
 * after wh_log_buffer_stop) every line is one write(2) by the thread that logs. Once started,
 * lines are copied into a buffer of `cap` bytes (under a mutex held only for the copy) and a
 * writer thread writes them to `fd`: a line logged after 10 quiet milliseconds as soon as the
 * writer runs, a busy stream in batches at most 10 ms apart. When a line does not fit in
 * what is left of the buffer (stderr read slower than lines come, or not at all) the line is
 * dropped whole and counted, never waited for: the writer then writes a warning saying how many
 * lines were lost, and wh_log_dropped counts them all. false (and logging stays unbuffered) when
 * the thread cannot start or the buffer is already started.
 */
bool wh_log_buffer_start(int fd, size_t cap);
/* Asks the writer to write what is buffered now, without waiting for it (a reload, so its lines
 * and the ones before it reach the file at once). A no-op when unbuffered or empty. */
void wh_log_buffer_flush(void);
/* Writes out what is buffered, stops the writer; logging is unbuffered again. Idempotent. */
void wh_log_buffer_stop(void);
/* Lines dropped because the buffer was full, since the process started. Thread-safe. */
unsigned long long wh_log_dropped(void);

#endif
