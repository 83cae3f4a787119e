/* fs_placement.c: predicates, weighted priorities with map and reduce
 * steps, sampling and selection; see the design note in fs_placement.h. */
#include "fs_placement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIB (INT64_C(1024) * 1024)
#define IMG_MIN (23 * MIB)
#define IMG_MAX (1000 * MIB)

void fs_place_work_init(struct fs_place_work *w)
{
    memset(w, 0, sizeof *w);
}

void fs_place_work_free(struct fs_place_work *w)
{
    free(w->examined);
    free(w->failed);
    free(w->feasible);
    free(w->removed);
    free(w->scores);
    free(w->total);
    fs_place_work_init(w);
}

static int reserve(void **p, size_t n, size_t elem)
{
    if (n > SIZE_MAX / elem)
        return FS_ENOMEM;
    void *q = realloc(*p, n ? n * elem : elem);
    if (!q)
        return FS_ENOMEM;
    *p = q;
    return FS_OK;
}

static int work_reserve(struct fs_place_work *w, size_t nodes, size_t npreds, size_t nprios)
{
    if (nodes > w->cap_nodes) {
        if (reserve((void **)&w->examined, nodes, sizeof *w->examined) != FS_OK ||
            reserve((void **)&w->failed, nodes, sizeof *w->failed) != FS_OK ||
            reserve((void **)&w->feasible, nodes, sizeof *w->feasible) != FS_OK ||
            reserve((void **)&w->total, nodes, sizeof *w->total) != FS_OK)
            return FS_ENOMEM;
        w->cap_nodes = nodes;
    }
    if (nprios && nodes > SIZE_MAX / nprios)
        return FS_ENOMEM;
    if (nodes * nprios > w->cap_scores) {
        if (reserve((void **)&w->scores, nodes * nprios, sizeof *w->scores) != FS_OK)
            return FS_ENOMEM;
        w->cap_scores = nodes * nprios;
    }
    if (npreds > w->cap_removed || !w->removed) {
        if (reserve((void **)&w->removed, npreds, sizeof *w->removed) != FS_OK)
            return FS_ENOMEM;
        w->cap_removed = npreds;
    }
    return FS_OK;
}

int fs_place_spec_check(const struct fs_place_spec *spec)
{
    if (!spec || (spec->npreds && !spec->preds) || (spec->nprios && !spec->prios))
        return FS_EINVAL;
    if (!(spec->percentage >= 0 && spec->percentage <= 100) || spec->select < 0 || spec->select >= FS_SELECT_N)
        return FS_EINVAL;
    for (size_t i = 0; i < spec->npreds; i++) {
        const struct fs_pred *p = &spec->preds[i];
        if (p->kind < 0 || p->kind >= FS_PRED_NKINDS || (p->kind == FS_PRED_CALLBACK && !p->fn) ||
            (p->nkeys && !p->keys))
            return FS_EINVAL;
    }
    for (size_t i = 0; i < spec->nprios; i++) {
        const struct fs_prio *p = &spec->prios[i];
        if (p->kind < 0 || p->kind >= FS_PRIO_NKINDS || !isfinite(p->weight) || p->weight < 0 ||
            (p->kind == FS_PRIO_CALLBACK && !p->map))
            return FS_EINVAL;
    }
    return FS_OK;
}

size_t fs_place_num_to_find(size_t n, double percentage)
{
    /* skippy compares the node count with the minimum *percentage* (5) here */
    if (n < 5 || percentage >= 100)
        return n;
    double p = percentage;
    if (p <= 0) {
        p = 50.0 - (double)n / 125.0;
        if (p < 5)
            p = 5;
    }
    double k = floor((double)n * p / 100.0);
    if (k < 100)
        return 100; /* may exceed n: the scan then stops after every node */
    return (size_t)k;
}

/* ------------------------------------------------------------------ */
/* Predicates */

static int node_has_key(const struct fs_sched_node *n, int32_t key)
{
    size_t lo = 0, hi = n->nlabels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->labels[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n->nlabels && n->labels[lo].key == key;
}

static int node_has_pair(const struct fs_sched_node *n, struct fs_sched_label want)
{
    size_t lo = 0, hi = n->nlabels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct fs_sched_label *l = &n->labels[mid];
        if (l->key == want.key && l->value == want.value)
            return 1;
        if (l->key < want.key || (l->key == want.key && l->value < want.value))
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int fits(const struct fs_sched_node *n, const struct fs_sched_res *r)
{
    if (r->cpu > n->cap.cpu - n->alloc.cpu || r->mem > n->cap.mem - n->alloc.mem)
        return 0;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        if (r->accel[k] > n->cap.accel[k] - n->alloc.accel[k])
            return 0;
    return 1;
}

/* *pass for predicate p on node i; a callback's status otherwise. */
static int pred_eval(const struct fs_sched *s, const struct fs_pred *p, const struct fs_place_demand *d, size_t i,
                     int *pass)
{
    const struct fs_sched_node *n = &s->nodes[i];
    switch (p->kind) {
    case FS_PRED_RESOURCES:
        *pass = fits(n, &d->base.req);
        return FS_OK;
    case FS_PRED_LABEL_PRESENCE:
        *pass = 1;
        for (size_t k = 0; k < p->nkeys; k++)
            if (node_has_key(n, p->keys[k]) != (p->present != 0)) {
                *pass = 0;
                break;
            }
        return FS_OK;
    case FS_PRED_NODE_SELECTOR:
        *pass = 1;
        for (size_t k = 0; k < d->base.nselector; k++)
            if (!node_has_pair(n, d->base.selector[k])) {
                *pass = 0;
                break;
            }
        return FS_OK;
    case FS_PRED_ARCH:
        *pass = !d->base.arch_mask || (d->base.arch_mask >> n->arch & 1);
        return FS_OK;
    case FS_PRED_SCHEDULABLE:
        *pass = n->schedulable != 0;
        return FS_OK;
    default: {
        int ok = 0;
        int rc = p->fn(p->ctx, i, &ok);
        *pass = ok != 0;
        return rc;
    }
    }
}

/* ------------------------------------------------------------------ */
/* Priorities: map */

/* High 64 bits of a * b, portable. */
static uint64_t mulhi64(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* floor(x * 10 / cap) for 0 <= x <= cap, cap > 0, without overflow: the
 * largest k in 0 .. 10 with k * cap <= 10 * x, comparing in 128 bits split
 * as 10 * x = hi * 2^64 + lo. */
static int64_t tenths(int64_t x, int64_t cap)
{
    if (cap <= INT64_MAX / FS_PLACE_MAX_PRIORITY)
        return x * FS_PLACE_MAX_PRIORITY / cap;
    uint64_t tx_hi = mulhi64((uint64_t)x, FS_PLACE_MAX_PRIORITY), tx_lo = (uint64_t)x * FS_PLACE_MAX_PRIORITY;
    int64_t k = FS_PLACE_MAX_PRIORITY;
    for (; k > 0; k--) {
        uint64_t kc_hi = mulhi64((uint64_t)k, (uint64_t)cap), kc_lo = (uint64_t)k * (uint64_t)cap;
        if (kc_hi < tx_hi || (kc_hi == tx_hi && kc_lo <= tx_lo))
            break;
    }
    return k;
}

/* Kubernetes 1.13's per-resource scores; fits: r = allocated + req <=
 * capacity (else 0). */
static int64_t least_req(int64_t alloc, int64_t req, int64_t cap)
{
    if (cap == 0 || req > cap - alloc)
        return 0;
    return tenths(cap - alloc - req, cap);
}

static int64_t most_req(int64_t alloc, int64_t req, int64_t cap)
{
    if (cap == 0 || req > cap - alloc)
        return 0;
    return tenths(alloc + req, cap);
}

static double fraction(int64_t req, int64_t cap)
{
    return (double)req / (double)(cap == 0 ? 1 : cap);
}

static int64_t image_size_for(const struct fs_sched *s, int32_t image, int32_t arch, int exact_only, int *have)
{
    int64_t size = 0;
    int fallback = 0;
    *have = fs_sched_image_size(s, image, arch, &size, &fallback) == FS_OK && !(exact_only && fallback);
    return *have ? size : 0;
}

static double xfer_time(int64_t size, double bw)
{
    if (size <= 0 || isinf(bw))
        return 0.0;
    return trunc((double)size / bw);
}

static int prio_map(const struct fs_sched *s, const struct fs_prio *p, const struct fs_place_demand *d, size_t i,
                    double *out)
{
    const struct fs_sched_node *n = &s->nodes[i];
    const struct fs_sched_res *req = &d->base.req;
    switch (p->kind) {
    case FS_PRIO_BALANCED: {
        double fc = fraction(req->cpu, n->cap.cpu - n->alloc.cpu);
        double fm = fraction(req->mem, n->cap.mem - n->alloc.mem);
        if (fc >= 1 || fm >= 1)
            *out = 0;
        else
            *out = trunc((1.0 - fabs(fc - fm)) * (double)FS_PLACE_MAX_PRIORITY);
        return FS_OK;
    }
    case FS_PRIO_LEAST_REQUESTED:
    case FS_PRIO_MOST_REQUESTED: {
        int64_t (*f)(int64_t, int64_t, int64_t) = p->kind == FS_PRIO_LEAST_REQUESTED ? least_req : most_req;
        *out = (double)((f(n->alloc.cpu, req->cpu, n->cap.cpu) + f(n->alloc.mem, req->mem, n->cap.mem)) / 2);
        return FS_OK;
    }
    case FS_PRIO_IMAGE_LOCALITY: {
        int64_t sum = 0;
        if (d->image >= 0 && fs_sched_node_has_image(s, i, d->image)) {
            int have;
            int64_t size = image_size_for(s, d->image, n->arch, 1, &have);
            if (have) {
                double spread = (double)fs_sched_image_nodes(s, d->image) / (double)s->len;
                sum = (int64_t)((double)size * spread);
            }
        }
        if (sum < IMG_MIN)
            sum = IMG_MIN;
        else if (sum > IMG_MAX)
            sum = IMG_MAX;
        *out = trunc((double)(FS_PLACE_MAX_PRIORITY * (sum - IMG_MIN)) / (double)(IMG_MAX - IMG_MIN));
        return FS_OK;
    }
    case FS_PRIO_LATENCY_IMAGE_LOCALITY: {
        int64_t size = 0;
        if (d->image >= 0 && !fs_sched_node_has_image(s, i, d->image)) {
            int have;
            size = image_size_for(s, d->image, n->arch, 0, &have);
        }
        *out = xfer_time(size, n->registry_bw);
        return FS_OK;
    }
    case FS_PRIO_DATA_LOCALITY: {
        double t = 0;
        if (d->data_recv >= 0) {
            const struct fs_sched_data *e = fs_sched_node_data(s, i, d->data_recv);
            if (e)
                t += xfer_time(fs_sched_data_size(s, d->data_recv), e->recv_bw);
        }
        if (d->data_send >= 0) {
            const struct fs_sched_data *e = fs_sched_node_data(s, i, d->data_send);
            if (e)
                t += xfer_time(fs_sched_data_size(s, d->data_send), e->send_bw);
        }
        *out = t;
        return FS_OK;
    }
    case FS_PRIO_LOCALITY_TYPE: {
        struct fs_sched_label want = {p->key, p->value};
        *out = p->key >= 0 && p->value >= 0 && node_has_pair(n, want) ? FS_PLACE_MAX_PRIORITY : 0;
        return FS_OK;
    }
    case FS_PRIO_CAPABILITY: {
        int c = 0;
        for (size_t k = 0; k < d->ncaps; k++)
            c += node_has_pair(n, d->caps[k]);
        *out = c;
        return FS_OK;
    }
    case FS_PRIO_EQUAL:
        *out = 1;
        return FS_OK;
    default:
        return p->map(p->ctx, i, out);
    }
}

/* ------------------------------------------------------------------ */
/* Priorities: reduce */

static void min_max(const double *x, size_t n, double *lo, double *hi)
{
    *lo = *hi = 0; /* skippy: min(..., default=0) */
    for (size_t j = 0; j < n; j++) {
        if (j == 0 || x[j] < *lo)
            *lo = x[j];
        if (j == 0 || x[j] > *hi)
            *hi = x[j];
    }
}

static int prio_reduce(const struct fs_prio *p, const size_t *nodes, double *x, size_t n)
{
    double lo, hi;
    switch (p->kind) {
    case FS_PRIO_LATENCY_IMAGE_LOCALITY:
        min_max(x, n, &lo, &hi);
        for (size_t j = 0; j < n; j++)
            x[j] = hi == 0 ? 0 : trunc((double)FS_PLACE_MAX_PRIORITY * (hi - x[j] + lo) / hi) + 0.0;
        return FS_OK;
    case FS_PRIO_DATA_LOCALITY:
        min_max(x, n, &lo, &hi);
        for (size_t j = 0; j < n; j++)
            x[j] = lo - hi == 0 ? 0 : trunc((x[j] - hi) / (lo - hi) * (double)FS_PLACE_MAX_PRIORITY) + 0.0; /* no -0 */
        return FS_OK;
    case FS_PRIO_CAPABILITY:
        min_max(x, n, &lo, &hi);
        for (size_t j = 0; j < n; j++)
            x[j] = hi - lo == 0 ? 0 : trunc((x[j] - lo) / (hi - lo) * (double)FS_PLACE_MAX_PRIORITY) + 0.0;
        return FS_OK;
    case FS_PRIO_CALLBACK:
        return p->reduce ? p->reduce(p->ctx, nodes, x, n) : FS_OK;
    default:
        return FS_OK;
    }
}

/* ------------------------------------------------------------------ */
/* The pipeline */

static int demand_ok(const struct fs_place_demand *d)
{
    const struct fs_sched_res *r = &d->base.req;
    if (r->cpu < 0 || r->mem < 0)
        return 0;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        if (r->accel[k] < 0)
            return 0;
    if ((d->base.nselector && !d->base.selector) || (d->ncaps && !d->caps))
        return 0;
    return 1;
}

int fs_place(const struct fs_sched *s, const struct fs_place_spec *spec, const struct fs_place_demand *d,
             struct fs_rng *rng, size_t *start, struct fs_place_work *w, size_t *out_node)
{
    if (!s || !d || !start || !w || !out_node || fs_place_spec_check(spec) != FS_OK || !demand_ok(d))
        return FS_EINVAL;
    if (spec->select == FS_SELECT_RANDOM && !rng)
        return FS_EINVAL;
    size_t n = s->len;
    int rc = work_reserve(w, n, spec->npreds, spec->nprios);
    if (rc != FS_OK)
        return rc;
    memset(w->removed, 0, (spec->npreds ? spec->npreds : 1) * sizeof *w->removed);
    w->nexamined = w->nfeasible = 0;
    w->chosen = 0;
    if (*start >= n || spec->select == FS_SELECT_FIRST)
        *start = 0;
    size_t want = fs_place_num_to_find(n, spec->percentage);

    /* 1 + 2: sample and filter. Callbacks may run Python, so node pointers
     * are not kept across them (the table itself must not change: the
     * binding forbids it). */
    for (size_t e = 0; e < n && w->nfeasible < want; e++) {
        size_t i = *start + e < n ? *start + e : *start + e - n;
        int32_t failed = -1;
        for (size_t p = 0; p < spec->npreds; p++) {
            int pass = 1;
            if ((rc = pred_eval(s, &spec->preds[p], d, i, &pass)) != FS_OK)
                return rc;
            if (!pass) {
                failed = (int32_t)p;
                w->removed[p]++;
                break;
            }
        }
        w->examined[w->nexamined] = i;
        w->failed[w->nexamined++] = failed;
        if (failed < 0)
            w->feasible[w->nfeasible++] = i;
    }
    size_t nf = w->nfeasible;
    uint64_t x = spec->select == FS_SELECT_RANDOM ? fs_rng_next_u64(rng) : 0;
    if (nf == 0)
        return FS_ENOSPACE;
    if (spec->select != FS_SELECT_FIRST)
        *start = (w->feasible[nf - 1] + 1) % n;

    /* 3: score */
    for (size_t j = 0; j < nf; j++)
        w->total[j] = 0.0;
    for (size_t p = 0; p < spec->nprios; p++) {
        const struct fs_prio *pr = &spec->prios[p];
        double *sc = &w->scores[p * nf];
        for (size_t j = 0; j < nf; j++)
            if ((rc = prio_map(s, pr, d, w->feasible[j], &sc[j])) != FS_OK)
                return rc;
        if ((rc = prio_reduce(pr, w->feasible, sc, nf)) != FS_OK)
            return rc;
        for (size_t j = 0; j < nf; j++)
            w->total[j] = sc[j] * pr->weight + w->total[j];
    }

    /* 4: select */
    size_t best = 0;
    if (spec->select == FS_SELECT_RANDOM) {
        best = (size_t)mulhi64(x, (uint64_t)nf); /* floor(x * nf / 2^64) < nf */
    }
    else if (spec->select == FS_SELECT_MAX) {
        for (size_t j = 1; j < nf; j++)
            if (w->total[j] > w->total[best])
                best = j;
    }
    w->chosen = best;
    *out_node = w->feasible[best];
    return FS_OK;
}

int fs_place_map_score(const struct fs_sched *s, const struct fs_prio *prio, const struct fs_place_demand *d,
                       size_t node, double *out)
{
    if (!s || !prio || !d || !out || node >= s->len || prio->kind < 0 || prio->kind >= FS_PRIO_CALLBACK ||
        !demand_ok(d))
        return FS_EINVAL;
    return prio_map(s, prio, d, node, out);
}

const char *fs_pred_kind_name(int kind)
{
    static const char *const names[FS_PRED_NKINDS] = {"resources", "label_presence", "node_selector",
                                                      "arch",      "schedulable",    "callback"};
    return kind >= 0 && kind < FS_PRED_NKINDS ? names[kind] : NULL;
}

const char *fs_prio_kind_name(int kind)
{
    static const char *const names[FS_PRIO_NKINDS] = {
        "balanced",      "least_requested", "most_requested", "image_locality", "latency_image_locality",
        "data_locality", "locality_type",   "capability",     "equal",          "callback"};
    return kind >= 0 && kind < FS_PRIO_NKINDS ? names[kind] : NULL;
}
