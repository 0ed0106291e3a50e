/* GitHub workflows and action metadata → references (workflow.h). */
#include "audit/workflow.h"

#include <stdint.h>
#include <string.h>

#include "audit/shell.h"
#include "audit/yaml.h"

/* Visits of jobs, steps and services per file: aliases can make a small file name a step many
 * times; past this the file is refused rather than walked for minutes. */
#define MAX_VISITS 100000

struct wf {
    struct wh_audit *au;
    const char *file;
    struct wh_bytes src;
    const struct wh_audit_lock *lock;
    const struct wh_yaml_node *matrix; /* the current job's strategy.matrix */
    size_t visits;
    struct wh_error *err;
    size_t *line_start; /* offset of each line's first byte; [0] is line 1 */
    size_t n_lines;
};

static enum wh_err
fail(struct wf *w, const struct wh_yaml_node *n, const char *msg)
{
    return wh_error_set(w->err, WH_E_INVALID, "%d:%d: %s", n->line, n->col, msg);
}

static enum wh_err
visit(struct wf *w, const struct wh_yaml_node *n)
{
    if (++w->visits > MAX_VISITS)
        return wh_error_set(w->err, WH_E_LIMIT,
                            "%d:%d: more than %d jobs, steps and services "
                            "(aliases multiply them)",
                            n->line, n->col, MAX_VISITS);
    return WH_OK;
}

static void
index_lines(struct wf *w)
{
    size_t i, n = 1;

    for (i = 0; i < w->src.len; i++)
        n += w->src.ptr[i] == '\n';
    w->line_start = wh_arena_calloc(w->au->a, n, sizeof(*w->line_start));
    w->n_lines = 1;
    for (i = 0; i < w->src.len; i++)
        if (w->src.ptr[i] == '\n')
            w->line_start[w->n_lines++] = i + 1;
}

/* The "# comment" after a scalar on its last line, or NULL. */
static const char *
trailing_comment(struct wf *w, const struct wh_yaml_node *n)
{
    size_t i, end;

    if (n->end_line < 1 || (size_t)n->end_line > w->n_lines)
        return NULL;
    i = w->line_start[n->end_line - 1];
    i += (size_t)(n->end_col - 1);
    while (i < w->src.len && (w->src.ptr[i] == ' ' || w->src.ptr[i] == '\t'))
        i++;
    if (i >= w->src.len || w->src.ptr[i] != '#')
        return NULL;
    for (end = i; end < w->src.len && w->src.ptr[end] != '\n' && w->src.ptr[end] != '\r'; end++)
        ;
    while (end > i && (w->src.ptr[end - 1] == ' ' || w->src.ptr[end - 1] == '\t'))
        end--;
    return wh_arena_strndup(w->au->a, (const char *)w->src.ptr + i, end - i);
}

static void
lock_lookup(struct wf *w, struct wh_audit_ref *r)
{
    const struct wh_audit_lock_entry *e = wh_audit_lock_find(w->lock, r->text);

    if (e == NULL) {
        r->why = wh_arena_sprintf(w->au->a,
                                  "%s follows %s, which its owner can move: pin the full commit "
                                  "SHA (uses: %s@<40-hex sha> # %s) or lock it in "
                                  ".github/workflows/actions.lock",
                                  r->text, r->version, r->name, r->version);
        return;
    }
    if (e->digest == NULL) {
        r->why = wh_arena_sprintf(w->au->a, "%s: its entry in %s %s, so it does not lock", r->text,
                                  w->lock->file, e->problem);
        return;
    }
    r->status = WH_AUDIT_LOCKED;
    r->digest = e->digest;
    r->why = wh_arena_sprintf(w->au->a, "locked by %s", w->lock->file);
}

/* owner/repo[/path]@ref, ./local, docker://image. */
static void
audit_uses(struct wf *w, const struct wh_yaml_node *n, enum wh_pin_kind kind)
{
    const char *text = wh_yaml_tree_str(n), *at;
    struct wh_audit_ref *r;

    if (text == NULL)
        text = "";
    if (strncmp(text, "docker://", 9) == 0)
        kind = WH_PIN_DOCKER_ACTION;
    else if (strncmp(text, "./", 2) == 0)
        kind = WH_PIN_LOCAL;
    r = wh_audit_add(w->au, w->file, n->line, n->col, kind);
    if (r == NULL)
        return;
    r->comment = trailing_comment(w, n);
    if (kind == WH_PIN_DOCKER_ACTION) {
        wh_audit_image(w->au, r, text + 9);
        r->text = text;
        return;
    }
    r->text = r->name = text;
    if (kind == WH_PIN_LOCAL) {
        r->status = WH_AUDIT_LOCAL;
        return;
    }
    at = strrchr(text, '@');
    if (at == NULL || at == text || strstr(text, "${{") != NULL) {
        r->why = wh_arena_sprintf(w->au->a,
                                  "uses: %s names no ref GitHub can pin: write "
                                  "owner/repo@<40-hex commit sha>",
                                  text);
        return;
    }
    r->name = wh_arena_strndup(w->au->a, text, (size_t)(at - text));
    r->version = at + 1;
    if (wh_audit_is_commit(wh_str_c(at + 1))) {
        r->status = WH_AUDIT_PINNED;
        r->digest = r->version;
        r->version = NULL;
        return;
    }
    lock_lookup(w, r);
}

/* "${{ matrix.NAME }}" (spaces optional) → NAME, else NULL. */
static const char *
matrix_name(struct wf *w, const char *text)
{
    const char *p = text, *end;

    if (strncmp(p, "${{", 3) != 0)
        return NULL;
    p += 3;
    while (*p == ' ')
        p++;
    if (strncmp(p, "matrix.", 7) != 0)
        return NULL;
    p += 7;
    for (end = p; (*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') ||
                  (*end >= '0' && *end <= '9') || *end == '_' || *end == '-';
         end++)
        ;
    if (end == p)
        return NULL;
    {
        const char *q = end;
        while (*q == ' ')
            q++;
        if (strcmp(q, "}}") != 0)
            return NULL;
    }
    return wh_arena_strndup(w->au->a, p, (size_t)(end - p));
}

static void
add_image(struct wf *w, const struct wh_yaml_node *n, const char *text)
{
    struct wh_audit_ref *r = wh_audit_add(w->au, w->file, n->line, n->col, WH_PIN_CONTAINER);

    if (r == NULL)
        return;
    if (strstr(text, "${{") != NULL) {
        r->text = r->name = text;
        r->why = wh_arena_sprintf(w->au->a,
                                  "image %s is an expression driftgate cannot resolve offline "
                                  "(only a literal ${{ matrix.X }} list is): write the image with "
                                  "@sha256:<digest>",
                                  text);
        return;
    }
    wh_audit_image(w->au, r, text);
}

/* A job container or service image: a literal, or a matrix list of literals. */
static void
audit_image(struct wf *w, const struct wh_yaml_node *n)
{
    const char *text = wh_yaml_tree_str(n), *name;
    const struct wh_yaml_node *values;
    size_t i;

    if (text == NULL) {
        add_image(w, n, "(not a string)");
        return;
    }
    name = matrix_name(w, text);
    values = name != NULL ? wh_yaml_tree_get(w->matrix, name) : NULL;
    if (values == NULL || values->kind != WH_YAML_SEQ || values->n == 0) {
        add_image(w, n, text);
        return;
    }
    for (i = 0; i < values->n; i++) {
        const char *v = wh_yaml_tree_str(values->kids[i]);
        add_image(w, values->kids[i], v != NULL ? v : "(not a string)");
    }
}

static void
audit_container(struct wf *w, const struct wh_yaml_node *c)
{
    const struct wh_yaml_node *image;

    if (c == NULL)
        return;
    image = c->kind == WH_YAML_MAP ? wh_yaml_tree_get(c, "image") : c;
    if (image != NULL)
        audit_image(w, image);
}

/* An alias reaches the same node from two places: GitHub runs it twice, the report says it once. */
static bool
first_visit(const struct wh_yaml_node *n)
{
    struct wh_yaml_node *m = (struct wh_yaml_node *)(uintptr_t)n;

    if (m->visited)
        return false;
    m->visited = true;
    return true;
}

static enum wh_err
audit_steps(struct wf *w, const struct wh_yaml_node *steps)
{
    size_t i;
    enum wh_err rc;

    if (steps == NULL)
        return WH_OK;
    if (steps->kind != WH_YAML_SEQ)
        return fail(w, steps, "steps: expected a sequence");
    if (!first_visit(steps))
        return WH_OK;
    for (i = 0; i < steps->n; i++) {
        const struct wh_yaml_node *st = steps->kids[i], *v;
        if ((rc = visit(w, st)) != WH_OK)
            return rc;
        if (st->kind != WH_YAML_MAP)
            return fail(w, st, "a step: expected a mapping");
        if (!first_visit(st))
            continue;
        if ((v = wh_yaml_tree_get(st, "uses")) != NULL)
            audit_uses(w, v, WH_PIN_ACTION);
        if ((v = wh_yaml_tree_get(st, "run")) != NULL && wh_yaml_tree_str(v) != NULL)
            wh_audit_shell(w->au, w->file, v->line == v->end_line ? v->line : v->line + 1, v->text,
                           -1);
    }
    return WH_OK;
}

static enum wh_err
audit_services(struct wf *w, const struct wh_yaml_node *services)
{
    size_t i;
    enum wh_err rc;

    if (services == NULL)
        return WH_OK;
    if (services->kind != WH_YAML_MAP)
        return fail(w, services, "services: expected a mapping");
    for (i = 1; i < services->n; i += 2) {
        if ((rc = visit(w, services->kids[i])) != WH_OK)
            return rc;
        if (first_visit(services->kids[i]))
            audit_container(w, services->kids[i]);
    }
    return WH_OK;
}

static enum wh_err
audit_job(struct wf *w, const struct wh_yaml_node *job)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = visit(w, job)) != WH_OK)
        return rc;
    if (job->kind != WH_YAML_MAP)
        return fail(w, job, "a job: expected a mapping");
    w->matrix = wh_yaml_tree_get(wh_yaml_tree_get(job, "strategy"), "matrix");
    if (!first_visit(job))
        return WH_OK;
    if ((v = wh_yaml_tree_get(job, "uses")) != NULL)
        audit_uses(w, v, WH_PIN_WORKFLOW);
    audit_container(w, wh_yaml_tree_get(job, "container"));
    if ((rc = audit_services(w, wh_yaml_tree_get(job, "services"))) != WH_OK)
        return rc;
    return audit_steps(w, wh_yaml_tree_get(job, "steps"));
}

static enum wh_err
audit_action(struct wf *w, const struct wh_yaml_node *root)
{
    const struct wh_yaml_node *runs = wh_yaml_tree_get(root, "runs"), *image;

    if (runs == NULL || runs->kind != WH_YAML_MAP)
        return fail(w, root, "an action needs a runs: mapping");
    image = wh_yaml_tree_get(runs, "image");
    if (image != NULL && wh_yaml_tree_str(image) != NULL &&
        strncmp(image->text, "docker://", 9) == 0)
        audit_uses(w, image, WH_PIN_DOCKER_ACTION);
    return audit_steps(w, wh_yaml_tree_get(runs, "steps"));
}

enum wh_err
wh_audit_workflow(struct wh_audit *au, const char *file, struct wh_bytes text, bool is_action,
                  const struct wh_audit_lock *lock, struct wh_error *err)
{
    struct wh_yaml_node *root;
    const struct wh_yaml_node *jobs;
    struct wf w = {au, file, text, lock, NULL, 0, err, NULL, 0};
    enum wh_err rc = wh_audit_yaml_parse(text, au->a, &root, err);
    size_t i;

    if (rc != WH_OK)
        return rc;
    index_lines(&w);
    if (root->kind != WH_YAML_MAP)
        return fail(&w, root,
                    is_action ? "an action file is a mapping"
                              : "a workflow is a mapping with jobs:");
    if (is_action)
        return audit_action(&w, root);
    jobs = wh_yaml_tree_get(root, "jobs");
    if (jobs == NULL || jobs->kind != WH_YAML_MAP)
        return fail(&w, jobs != NULL ? jobs : root, "a workflow needs a jobs: mapping");
    for (i = 1; i < jobs->n; i += 2)
        if ((rc = audit_job(&w, jobs->kids[i])) != WH_OK)
            return rc;
    return WH_OK;
}
