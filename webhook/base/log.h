#ifndef WH_BASE_LOG_H
#define WH_BASE_LOG_H

#include <stddef.h>

#include "base/error.h"

enum wh_log_level { WH_LOG_DEBUG, WH_LOG_INFO, WH_LOG_WARN, WH_LOG_ERROR };

/* Minimum level printed; set once at start from config. */
void wh_log_set_level(enum wh_log_level level);
/* One JSON line on stderr: {"ts":..., "level":..., "msg":...}. Thread-safe (one write(2)). */
void wh_log(enum wh_log_level level, const char *fmt, ...) WH_PRINTF(2, 3);
/* Writes an already-rendered JSON object line (for per-review records). */
void wh_log_json_line(const char *json, size_t len);

#endif
