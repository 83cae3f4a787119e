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

void fs_place_work_forget(struct fs_place_work *w)
{
    w->nsig = 0;
    w->memo_len = 0;
}

void fs_place_work_free(struct fs_place_work *w)
{
    free(w->sig);
    free(w->sig_tmp);
    free(w->mver);
    free(w->mfail);
    free(w->mscore);
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

/* *pass for predicate p on node i; a callback's status otherwise. */
static int pred_eval(const struct fs_sched *s, const struct fs_pred *p, const struct fs_place_demand *d, size_t i,
                     int *pass)
{
    const struct fs_sched_node *n = &s->nodes[i];
    switch (p->kind) {
    case FS_PRED_RESOURCES:
        *pass = fs_sched_node_fits(n, &d->base.req);
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
            if (!fs_sched_node_has_label(n, d->base.selector[k])) {
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

/* skippy's transfer time: bytes over its bandwidth graph's Mbit/s, truncated
 * (bw is in bytes/s, 125000 bytes/s per Mbit/s; the product is exact below
 * 2^53 / 125000 bytes, so integral Mbit/s give skippy's quotient exactly). */
static double xfer_time(int64_t size, double bw)
{
    if (size <= 0 || isinf(bw))
        return 0.0;
    return trunc((double)size * 125000.0 / bw);
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
        *out = p->key >= 0 && p->value >= 0 && fs_sched_node_has_label(n, want) ? FS_PLACE_MAX_PRIORITY : 0;
        return FS_OK;
    }
    case FS_PRIO_CAPABILITY: {
        int c = 0;
        for (size_t k = 0; k < d->ncaps; k++)
            c += fs_sched_node_has_label(n, d->caps[k]);
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

/* The reduced score of one map value x (lo, hi: the least and greatest
 * over the scored nodes). */
static double reduce_one(int kind, double x, double lo, double hi)
{
    switch (kind) {
    case FS_PRIO_LATENCY_IMAGE_LOCALITY:
        return hi == 0 ? 0 : trunc((double)FS_PLACE_MAX_PRIORITY * (hi - x + lo) / hi) + 0.0;
    case FS_PRIO_DATA_LOCALITY:
        return lo - hi == 0 ? 0 : trunc((x - hi) / (lo - hi) * (double)FS_PLACE_MAX_PRIORITY) + 0.0; /* no -0 */
    default: /* FS_PRIO_CAPABILITY */
        return hi - lo == 0 ? 0 : trunc((x - lo) / (hi - lo) * (double)FS_PLACE_MAX_PRIORITY) + 0.0;
    }
}

static int prio_reduce(const struct fs_prio *p, const size_t *nodes, double *x, size_t n)
{
    if (p->kind == FS_PRIO_CALLBACK)
        return p->reduce ? p->reduce(p->ctx, nodes, x, n) : FS_OK;
    if (p->kind != FS_PRIO_LATENCY_IMAGE_LOCALITY && p->kind != FS_PRIO_DATA_LOCALITY && p->kind != FS_PRIO_CAPABILITY)
        return FS_OK;
    double lo, hi;
    min_max(x, n, &lo, &hi);
    /* The reduced score is a function of the map value alone, and map values
     * repeat (nodes of one kind share them): integer values within 1024 of
     * lo are looked up in a table filled on first use, others go through a
     * small direct-mapped table. Either way each result is computed exactly
     * as reduce_one does. */
    double tab[1024];
    unsigned char tab_used[1024];
    double kx[64], ky[64];
    unsigned char used[64];
    memset(used, 0, sizeof used);
    int use_tab = hi - lo < 1024;
    if (use_tab)
        memset(tab_used, 0, sizeof tab_used);
    for (size_t j = 0; j < n; j++) {
        double v = x[j], off = v - lo;
        if (use_tab) {
            size_t t = (size_t)off; /* 0 <= off < 1024 */
            if ((double)t == off) {
                if (!tab_used[t]) {
                    tab[t] = reduce_one(p->kind, v, lo, hi);
                    tab_used[t] = 1;
                }
                x[j] = tab[t];
                continue;
            }
        }
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        unsigned h = (unsigned)((b ^ (b >> 29) ^ (b >> 47)) & 63);
        if (!used[h] || kx[h] != v) {
            used[h] = 1;
            kx[h] = v;
            ky[h] = reduce_one(p->kind, v, lo, hi);
        }
        x[j] = ky[h];
    }
    return FS_OK;
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

/* The memo's signature of a call: everything the built-in results depend
 * on besides the nodes' own state. */
static int build_sig(struct fs_place_work *w, const struct fs_sched *s, const struct fs_place_spec *spec,
                     const struct fs_place_demand *d)
{
    size_t need = 32 + 2 * d->base.nselector + 2 * d->ncaps + 4 * spec->nprios;
    for (size_t p = 0; p < spec->npreds; p++)
        need += 3 + spec->preds[p].nkeys;
    if (need > w->cap_sig_tmp) {
        if (reserve((void **)&w->sig_tmp, need, sizeof *w->sig_tmp) != FS_OK)
            return -1;
        w->cap_sig_tmp = need;
    }
    int64_t *g = w->sig_tmp;
    size_t k = 0;
    int image_locality = 0;
    g[k++] = (int64_t)(uintptr_t)s;
    g[k++] = (int64_t)s->gen_sizes;
    g[k++] = (int64_t)spec->npreds;
    for (size_t p = 0; p < spec->npreds; p++) {
        const struct fs_pred *pr = &spec->preds[p];
        g[k++] = pr->kind;
        g[k++] = pr->kind == FS_PRED_LABEL_PRESENCE ? pr->present != 0 : 0;
        g[k++] = pr->kind == FS_PRED_LABEL_PRESENCE ? (int64_t)pr->nkeys : 0;
        for (size_t j = 0; pr->kind == FS_PRED_LABEL_PRESENCE && j < pr->nkeys; j++)
            g[k++] = pr->keys[j];
    }
    g[k++] = (int64_t)spec->nprios;
    for (size_t p = 0; p < spec->nprios; p++) {
        const struct fs_prio *pr = &spec->prios[p];
        g[k++] = pr->kind;
        g[k++] = pr->kind == FS_PRIO_LOCALITY_TYPE ? pr->key : 0;
        g[k++] = pr->kind == FS_PRIO_LOCALITY_TYPE ? pr->value : 0;
        image_locality |= pr->kind == FS_PRIO_IMAGE_LOCALITY;
    }
    g[k++] = image_locality ? (int64_t)s->gen_holders : -1;
    g[k++] = d->base.req.cpu;
    g[k++] = d->base.req.mem;
    for (int a = 0; a < FS_SCHED_MAX_ACCEL; a++)
        g[k++] = d->base.req.accel[a];
    g[k++] = (int64_t)d->base.arch_mask;
    g[k++] = (int64_t)d->base.nselector;
    for (size_t j = 0; j < d->base.nselector; j++) {
        g[k++] = d->base.selector[j].key;
        g[k++] = d->base.selector[j].value;
    }
    g[k++] = d->image;
    g[k++] = (int64_t)d->ncaps;
    for (size_t j = 0; j < d->ncaps; j++) {
        g[k++] = d->caps[j].key;
        g[k++] = d->caps[j].value;
    }
    g[k++] = d->data_recv;
    g[k++] = d->data_send;
    return (int)k;
}

/* Make the memo valid for this call: same signature (else forget every
 * node), room for n nodes (new nodes start unknown). */
static int memo_prepare(struct fs_place_work *w, const struct fs_sched *s, const struct fs_place_spec *spec,
                        const struct fs_place_demand *d, size_t nbuiltin)
{
    int k = build_sig(w, s, spec, d);
    if (k < 0)
        return FS_ENOMEM;
    if ((size_t)k != w->nsig || memcmp(w->sig_tmp, w->sig, (size_t)k * sizeof *w->sig) != 0) {
        if ((size_t)k > w->cap_sig) {
            if (reserve((void **)&w->sig, (size_t)k, sizeof *w->sig) != FS_OK)
                return FS_ENOMEM;
            w->cap_sig = (size_t)k;
        }
        memcpy(w->sig, w->sig_tmp, (size_t)k * sizeof *w->sig);
        w->nsig = (size_t)k;
        w->memo_len = 0;
    }
    /* Scores are stored by priority (column k at mscore + k * cap_memo), so
     * that gathering one priority's scores reads memory in node order. */
    size_t n = s->len;
    if (nbuiltin && n > SIZE_MAX / 2 / nbuiltin)
        return FS_ENOMEM;
    if (n > w->cap_memo || nbuiltin * w->cap_memo > w->cap_mscore) {
        size_t cap = n > 2 * w->cap_memo ? n : 2 * w->cap_memo;
        if (reserve((void **)&w->mver, cap, sizeof *w->mver) != FS_OK ||
            reserve((void **)&w->mfail, cap, sizeof *w->mfail) != FS_OK ||
            reserve((void **)&w->mscore, cap * (nbuiltin ? nbuiltin : 1), sizeof *w->mscore) != FS_OK) {
            w->nsig = w->memo_len = 0; /* unusable: start over next time */
            return FS_ENOMEM;
        }
        w->cap_memo = cap;
        w->cap_mscore = cap * (nbuiltin ? nbuiltin : 1);
        w->memo_len = 0; /* the columns moved */
    }
    if (w->memo_len < n) {
        memset(w->mver + w->memo_len, 0, (n - w->memo_len) * sizeof *w->mver);
        w->memo_len = n;
    }
    return FS_OK;
}

/* The memo entry of node i, computed if stale: the first failing built-in
 * predicate (npreds: none) and, when all pass, the built-in map scores. */
static void memo_node(struct fs_place_work *w, const struct fs_sched *s, const struct fs_place_spec *spec,
                      const struct fs_place_demand *d, size_t i)
{
    if (w->mver[i] == s->vers[i])
        return;
    int32_t fb = (int32_t)spec->npreds;
    for (size_t p = 0; p < spec->npreds; p++) {
        int pass = 1;
        if (spec->preds[p].kind == FS_PRED_CALLBACK)
            continue;
        pred_eval(s, &spec->preds[p], d, i, &pass); /* built-ins return FS_OK */
        if (!pass) {
            fb = (int32_t)p;
            break;
        }
    }
    w->mfail[i] = fb;
    if (fb == (int32_t)spec->npreds) {
        size_t k = 0;
        for (size_t p = 0; p < spec->nprios; p++)
            if (spec->prios[p].kind != FS_PRIO_CALLBACK)
                prio_map(s, &spec->prios[p], d, i, &w->mscore[k++ * w->cap_memo + i]);
    }
    w->mver[i] = s->vers[i];
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

    size_t nbuiltin = 0;
    for (size_t p = 0; p < spec->nprios; p++)
        nbuiltin += spec->prios[p].kind != FS_PRIO_CALLBACK;
    if ((rc = memo_prepare(w, s, spec, d, nbuiltin)) != FS_OK)
        return rc;

    /* 1 + 2: sample and filter, in skippy's order: a node fails at its first
     * failing predicate. Built-ins come from the memo; callbacks run where
     * they stand (they may run Python: node pointers are not kept across
     * them, and the table must not change meanwhile: the binding says so). */
    for (size_t e = 0; e < n && w->nfeasible < want; e++) {
        size_t i = *start + e < n ? *start + e : *start + e - n;
        memo_node(w, s, spec, d, i);
        int32_t fb = w->mfail[i], failed = -1;
        for (int32_t p = 0; p < (int32_t)spec->npreds; p++) {
            if (p == fb) {
                failed = p;
                break;
            }
            if (spec->preds[p].kind != FS_PRED_CALLBACK)
                continue;
            int pass = 1;
            if ((rc = pred_eval(s, &spec->preds[p], d, i, &pass)) != FS_OK)
                return rc;
            if (!pass) {
                failed = p;
                break;
            }
        }
        if (failed >= 0)
            w->removed[failed]++;
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

    /* 3: score. Built-in maps from the memo; callbacks priority by
     * priority, as skippy calls them. */
    for (size_t j = 0; j < nf; j++)
        w->total[j] = 0.0;
    for (size_t p = 0, k = 0; p < spec->nprios; p++) {
        const struct fs_prio *pr = &spec->prios[p];
        double *sc = &w->scores[p * nf];
        if (pr->kind == FS_PRIO_CALLBACK) {
            for (size_t j = 0; j < nf; j++)
                if ((rc = prio_map(s, pr, d, w->feasible[j], &sc[j])) != FS_OK)
                    return rc;
        }
        else {
            const double *col = &w->mscore[k++ * w->cap_memo];
            for (size_t j = 0; j < nf; j++)
                sc[j] = col[w->feasible[j]];
        }
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
