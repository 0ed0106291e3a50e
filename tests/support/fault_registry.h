#ifndef WH_TESTS_FAULT_REGISTRY_H
#define WH_TESTS_FAULT_REGISTRY_H

/*
 * A loopback HTTP server that misbehaves on purpose, for fault tests only. It forwards every
 * request to an upstream registry (the real docker-registry of the fixture world) or answers
 * from static routes, and injects the current fault into the requests whose path contains the
 * fault's `match` substring, `count` times (0: every time). Faults:
 *   none           forward untouched
 *   slow:MS        wait MS milliseconds, then forward
 *   429:RA         429 Too Many Requests with Retry-After RA (seconds or HTTP date; "" → none)
 *   500 / 503      that status with a distribution error body
 *   reset          close the connection without an answer
 *   truncated      the upstream answer with its full Content-Length but half the body
 *   oversized      200 with Content-Length 1 GiB, streaming zeros until the client hangs up
 *   stream         200 without Content-Length, streaming zeros until the client hangs up
 *   wrongdigest    the upstream body with one byte changed (blobs) or a space appended
 *   redirect       307 to the same URL (a redirect loop)
 * With referrers on, GET /v2/<name>/referrers/<digest> is answered like an OCI 1.1 registry:
 * the upstream fallback tag sha256-<hex> (an index) served as the API response (or an empty
 * index). A request that is not HTTP (a TLS ClientHello) gets "HTTP/1.1 400", so a client that
 * insists on TLS fails its handshake: the bad-TLS case.
 * Thread per connection, one request per connection. Control over HTTP too (fault_registry_main):
 * GET /_fault?mode=..&match=..&count=..&referrers=0|1 and GET /_fault/stats.
 */
#include <stdbool.h>

struct fault_registry;

/* Listens on 127.0.0.1:port (0: any); upstream "127.0.0.1:PORT" or NULL. Aborts on failure. */
struct fault_registry *fault_registry_start(const char *upstream, int port);
void fault_registry_stop(struct fault_registry *f);
/* "127.0.0.1:PORT" */
const char *fault_registry_addr(const struct fault_registry *f);
/* Sets the fault (syntax above; NULL/"" = none); returns false for an unknown fault. */
bool fault_registry_set(struct fault_registry *f, const char *fault, const char *match,
                        unsigned count);
void fault_registry_referrers(struct fault_registry *f, bool on);
/* A static answer for paths starting with `path` (used when nothing upstream matches). */
void fault_registry_route(struct fault_registry *f, const char *path, int status,
                          const char *headers, const char *body);
/* Requests received, faults injected, and the most requests at once inside a slow:MS wait. */
unsigned long fault_registry_requests(struct fault_registry *f);
unsigned long fault_registry_injected(struct fault_registry *f);
unsigned fault_registry_max_in_flight(struct fault_registry *f);
void fault_registry_reset_stats(struct fault_registry *f);
/* Requires "Authorization: Bearer <token>" on every /v2/ request (NULL/"": none): one without it
 * gets a Bearer challenge whose realm, http://<addr>/token, answers the token. Resets the count
 * of token requests. */
void fault_registry_require_token(struct fault_registry *f, const char *token);
unsigned long fault_registry_token_requests(struct fault_registry *f);

#endif
