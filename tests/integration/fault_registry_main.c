/*
 * Runs tests/support/fault_registry.c as a process for the shell fault tests:
 *   fault_registry_main --upstream 127.0.0.1:PORT [--port N] [--referrers] --addr-file FILE
 * Writes "127.0.0.1:PORT" to FILE once listening; controlled over HTTP (GET /_fault?mode=..);
 * exits on SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fault_registry.h"

int
main(int argc, char **argv)
{
    const char *upstream = NULL, *addr_file = NULL;
    int port = 0;
    bool referrers = false;
    sigset_t set;
    int sig;
    struct fault_registry *f;
    FILE *out;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--upstream") == 0 && i + 1 < argc)
            upstream = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--addr-file") == 0 && i + 1 < argc)
            addr_file = argv[++i];
        else if (strcmp(argv[i], "--referrers") == 0)
            referrers = true;
        else {
            fprintf(stderr, "usage: fault_registry_main [--upstream H:P] [--port N] "
                            "[--referrers] --addr-file FILE\n");
            return 2;
        }
    }
    if (addr_file == NULL) {
        fprintf(stderr, "fault_registry_main: --addr-file is required\n");
        return 2;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
    signal(SIGPIPE, SIG_IGN);
    f = fault_registry_start(upstream, port);
    fault_registry_referrers(f, referrers);
    out = fopen(addr_file, "w");
    if (out == NULL) {
        perror(addr_file);
        return 1;
    }
    fprintf(out, "%s\n", fault_registry_addr(f));
    fclose(out);
    sigwait(&set, &sig);
    fault_registry_stop(f);
    return 0;
}
