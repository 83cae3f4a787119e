/* fs_share: processor sharing of a node's CPU; see fs_share.h. */
#include "fs_share.h"
#include "fs_sum.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef FS_CHECK_HEAVY
#define FS_SHARE_HEAVY(cond) assert(cond)
#else
#define FS_SHARE_HEAVY(cond) ((void)0)
#endif

/* One shared resource of a node. */
struct sh_res {
    int mode;
    double cap;
    double demand, used, excess; /* now */
    double last_change;          /* -inf if never */
    double busy;
    struct fs_ksum used_int, excess_int;
};

struct sh_node {
    struct sh_res r[FS_SHARE_NRES];
    int32_t *jobs; /* active jobs (ids), in no particular order */
    int32_t n, capn;
    double t_last; /* accounting settled up to here */
    uint32_t mark;
};

struct sh_group {
    double excess[FS_SHARE_NRES]; /* sum over its active jobs of c * (1 - r) */
    double t_last, last_change[FS_SHARE_NRES];
    struct fs_ksum integ[FS_SHARE_NRES];
    int32_t n; /* active jobs */
};

struct sh_job {
    int32_t group;
    uint64_t seq;
    int8_t state;
    int32_t node;
    int32_t pos; /* in its node's list */
    double c[FS_SHARE_NRES], w, rem, t_last, rate, key;
    double newrate; /* scratch of a recomputation */
    double start, end;
    int32_t hpos; /* in the event heap, -1 if not */
    int32_t next_free;
    void *data;
};

/* An entry of the event heap: the job's key and seq copied in, so that
 * sifting reads the heap array only. */
struct sh_ev {
    double key;
    uint64_t seq;
    int32_t id;
};

/* scratch of an EQUAL recomputation */
struct sh_sort {
    double c;
    uint64_t seq;
    int32_t id;
};

struct fs_share {
    struct fs_sim *sim;
    fs_share_done_fn on_complete;
    void *ctx;
    struct sh_node *nodes;
    int32_t nnodes;
    struct sh_job *jobs;
    int32_t nslots, capjobs, free_head, nlive;
    struct sh_group *groups;
    int32_t ngroups;
    uint64_t next_seq;
    struct sh_ev *heap; /* active jobs by (key, seq), capacity capjobs */
    int32_t hlen;
    double *stack; /* times of our queued entries, decreasing from the bottom */
    size_t slen, scap;
    struct sh_sort *sortbuf; /* capacity capjobs */
    int32_t *dirty;          /* nodes to recompute in fs_share_fire, capacity nnodes */
    int32_t ndirty;
    uint32_t epoch;
    int32_t *done; /* finished jobs waiting to be reported, capacity capjobs */
    int32_t ndone, done_head;
    int reporting;
    struct fs_share_stats stats;
};

/* ------------------------------------------------------------------ */
/* the event heap: job ids ordered by (key, seq)                        */

static inline int ev_less(const struct sh_ev *a, const struct sh_ev *b)
{
    return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static inline void ev_place(struct fs_share *sh, int32_t pos, struct sh_ev e)
{
    sh->heap[pos] = e;
    sh->jobs[e.id].hpos = pos;
}

static void ev_fix(struct fs_share *sh, int32_t pos)
{
    struct sh_ev e = sh->heap[pos];
    while (pos > 0) {
        int32_t parent = (pos - 1) / 2;
        if (!ev_less(&e, &sh->heap[parent]))
            break;
        ev_place(sh, pos, sh->heap[parent]);
        pos = parent;
    }
    for (;;) {
        int32_t c = 2 * pos + 1;
        if (c >= sh->hlen)
            break;
        if (c + 1 < sh->hlen && ev_less(&sh->heap[c + 1], &sh->heap[c]))
            c++;
        if (!ev_less(&sh->heap[c], &e))
            break;
        ev_place(sh, pos, sh->heap[c]);
        pos = c;
    }
    ev_place(sh, pos, e);
}

/* Insert job id, or restore its place after its key changed. */
static void ev_update(struct fs_share *sh, int32_t id)
{
    struct sh_job *j = &sh->jobs[id];
    struct sh_ev e = {j->key, j->seq, id};
    if (j->hpos < 0) {
        assert(sh->hlen < sh->capjobs);
        j->hpos = sh->hlen++;
    }
    sh->heap[j->hpos] = e;
    ev_fix(sh, j->hpos);
}

static void ev_remove(struct fs_share *sh, int32_t id)
{
    struct sh_job *j = &sh->jobs[id];
    int32_t pos = j->hpos;
    assert(pos >= 0);
    j->hpos = -1;
    struct sh_ev last = sh->heap[--sh->hlen];
    if (pos < sh->hlen) {
        ev_place(sh, pos, last);
        ev_fix(sh, pos);
    }
}

/* ------------------------------------------------------------------ */
/* memory                                                               */

static int reserve_job(struct fs_share *sh)
{
    if (sh->free_head >= 0 || sh->nslots < sh->capjobs)
        return FS_OK;
    if (sh->capjobs > INT32_MAX / 2)
        return FS_ENOMEM;
    int32_t n = sh->capjobs ? 2 * sh->capjobs : 16;
    struct sh_job *j = realloc(sh->jobs, (size_t)n * sizeof *j);
    if (!j)
        return FS_ENOMEM;
    sh->jobs = j;
    struct sh_ev *h = realloc(sh->heap, (size_t)n * sizeof *h);
    if (!h)
        return FS_ENOMEM;
    sh->heap = h;
    int32_t *d = realloc(sh->done, (size_t)n * sizeof *d);
    if (!d)
        return FS_ENOMEM;
    sh->done = d;
    struct sh_sort *s = realloc(sh->sortbuf, (size_t)n * sizeof *s);
    if (!s)
        return FS_ENOMEM;
    sh->sortbuf = s;
    sh->capjobs = n; /* the larger arrays that did grow are harmless */
    return FS_OK;
}

static int reserve_stack(struct fs_share *sh)
{
    if (sh->slen < sh->scap)
        return FS_OK;
    size_t n = sh->scap ? 2 * sh->scap : 8;
    double *s = realloc(sh->stack, n * sizeof *s);
    if (!s)
        return FS_ENOMEM;
    sh->stack = s;
    sh->scap = n;
    return FS_OK;
}

static int reserve_nodes(struct fs_share *sh, int32_t node)
{
    if (node < sh->nnodes)
        return FS_OK;
    if (node >= INT32_MAX / 2)
        return FS_ENOMEM;
    int32_t n = sh->nnodes ? sh->nnodes : 8;
    while (n <= node)
        n *= 2;
    struct sh_node *nd = realloc(sh->nodes, (size_t)n * sizeof *nd);
    if (!nd)
        return FS_ENOMEM;
    sh->nodes = nd;
    int32_t *dirty = realloc(sh->dirty, (size_t)n * sizeof *dirty);
    if (!dirty)
        return FS_ENOMEM;
    sh->dirty = dirty;
    double now = sh->sim ? sh->sim->now : 0.0;
    for (int32_t i = sh->nnodes; i < n; i++) {
        memset(&nd[i], 0, sizeof nd[i]);
        nd[i].t_last = now;
        for (int r = 0; r < FS_SHARE_NRES; r++)
            nd[i].r[r].last_change = -INFINITY;
    }
    sh->nnodes = n;
    return FS_OK;
}

static int reserve_groups(struct fs_share *sh, int32_t group)
{
    if (group < sh->ngroups)
        return FS_OK;
    if (group >= INT32_MAX / 2)
        return FS_ENOMEM;
    int32_t n = sh->ngroups ? sh->ngroups : 16;
    while (n <= group)
        n *= 2;
    struct sh_group *g = realloc(sh->groups, (size_t)n * sizeof *g);
    if (!g)
        return FS_ENOMEM;
    for (int32_t i = sh->ngroups; i < n; i++) {
        memset(&g[i], 0, sizeof g[i]);
        for (int r = 0; r < FS_SHARE_NRES; r++)
            g[i].last_change[r] = -INFINITY;
    }
    sh->groups = g;
    sh->ngroups = n;
    return FS_OK;
}

/* A job's contribution to its group changes from c * (1 - old) to
 * c * (1 - r) at now, for each resource shared on its node (old < 0: it
 * joins; r < 0: it leaves). */
static void group_move(struct fs_share *sh, const struct sh_job *j, double old, double r, double now)
{
    if (j->group < 0)
        return;
    struct sh_group *g = &sh->groups[j->group];
    const struct sh_node *nd = &sh->nodes[j->node];
    double dt = now - g->t_last;
    for (int k = 0; k < FS_SHARE_NRES; k++)
        if (dt > 0.0 && g->excess[k] != 0.0)
            fs_ksum_add(&g->integ[k], g->excess[k] * dt);
    g->t_last = now;
    if (old < 0.0)
        g->n++;
    if (r < 0.0 && --g->n == 0) {
        for (int k = 0; k < FS_SHARE_NRES; k++) /* no drift: an idle group has no excess */
            if (g->excess[k] != 0.0) {
                g->excess[k] = 0.0;
                g->last_change[k] = now;
            }
        return;
    }
    for (int k = 0; k < FS_SHARE_NRES; k++) {
        if (nd->r[k].mode == FS_SHARE_OFF || j->c[k] == 0.0)
            continue;
        double before = old < 0.0 ? 0.0 : j->c[k] * (1.0 - old);
        double after = r < 0.0 ? 0.0 : j->c[k] * (1.0 - r);
        if (after != before) {
            g->excess[k] += after - before;
            if (g->excess[k] < 0.0)
                g->excess[k] = 0.0;
            g->last_change[k] = now;
        }
    }
}

static int reserve_node_room(struct sh_node *nd)
{
    if (nd->n < nd->capn)
        return FS_OK;
    if (nd->capn > INT32_MAX / 4)
        return FS_ENOMEM;
    int32_t n = nd->capn ? 2 * nd->capn : 4;
    int32_t *p = realloc(nd->jobs, (size_t)n * sizeof *p);
    if (!p)
        return FS_ENOMEM;
    nd->jobs = p;
    nd->capn = n;
    return FS_OK;
}

struct fs_share *fs_share_new(struct fs_sim *sim, fs_share_done_fn on_complete, void *ctx)
{
    struct fs_share *sh = calloc(1, sizeof *sh);
    if (!sh)
        return NULL;
    sh->sim = sim;
    sh->on_complete = on_complete;
    sh->ctx = ctx;
    sh->free_head = -1;
    if (reserve_job(sh) || reserve_stack(sh)) {
        fs_share_free(sh);
        return NULL;
    }
    return sh;
}

static int is_ours(const struct fs_entry *e, void *ctx)
{
    return e->fn == fs_share_fire && e->data == ctx;
}

void fs_share_detach(struct fs_share *sh)
{
    if (sh->sim)
        fs_queue_remove_if(&sh->sim->queue, is_ours, sh);
    sh->sim = NULL;
    sh->slen = 0;
}

void fs_share_free(struct fs_share *sh)
{
    if (!sh)
        return;
    fs_share_detach(sh);
    for (int32_t i = 0; i < sh->nnodes; i++)
        free(sh->nodes[i].jobs);
    free(sh->nodes);
    free(sh->groups);
    free(sh->jobs);
    free(sh->heap);
    free(sh->stack);
    free(sh->sortbuf);
    free(sh->dirty);
    free(sh->done);
    free(sh);
}

/* ------------------------------------------------------------------ */
/* time bookkeeping                                                     */

static inline double sh_now(const struct fs_share *sh)
{
    return sh->sim ? sh->sim->now : 0.0;
}

static void res_settle(struct sh_res *R, double dt)
{
    if (dt > 0.0) {
        if (R->demand > 0.0)
            R->busy += dt;
        if (R->used != 0.0)
            fs_ksum_add(&R->used_int, R->used * dt);
        if (R->excess != 0.0)
            fs_ksum_add(&R->excess_int, R->excess * dt);
    }
}

static void node_settle(struct sh_node *nd, double now)
{
    double dt = now - nd->t_last;
    for (int r = 0; r < FS_SHARE_NRES; r++)
        res_settle(&nd->r[r], dt);
    nd->t_last = now;
}

/* Does a job with these demands need a share of a resource of node? */
static int needs_share(const struct sh_node *nd, const double *c)
{
    for (int r = 0; r < FS_SHARE_NRES; r++)
        if (nd->r[r].mode != FS_SHARE_OFF && c[r] > 0.0)
            return 1;
    return 0;
}

/* Is a resource of node other than r shared? */
static int node_on_other(const struct sh_node *nd, int r)
{
    for (int k = 0; k < FS_SHARE_NRES; k++)
        if (k != r && nd->r[k].mode != FS_SHARE_OFF)
            return 1;
    return 0;
}

static int node_on(const struct sh_node *nd)
{
    for (int r = 0; r < FS_SHARE_NRES; r++)
        if (nd->r[r].mode != FS_SHARE_OFF)
            return 1;
    return 0;
}

/* Bring a job's remaining work to now at its current rate. */
static void job_advance(struct sh_job *j, double now)
{
    if (j->key <= now)
        j->rem = 0.0;
    else if (now > j->t_last) {
        j->rem -= (now - j->t_last) * j->rate;
        if (!(j->rem > 0.0))
            j->rem = 0.0;
    }
    j->t_last = now;
}

static double job_eta(const struct sh_job *j, double now)
{
    if (j->rem == 0.0)
        return j->key <= now ? j->key : now;
    if (!(j->rate > 0.0))
        return INFINITY;
    double t = now + j->rem / j->rate;
    return t >= now ? t : now;
}

static void job_commit(struct fs_share *sh, int32_t id, double r, double now)
{
    struct sh_job *j = &sh->jobs[id];
    if (r == j->rate && j->hpos >= 0)
        return;
    job_advance(j, now);
    group_move(sh, j, j->hpos >= 0 ? j->rate : -1.0, r, now);
    j->rate = r;
    j->key = job_eta(j, now);
    ev_update(sh, id);
    sh->stats.rate_changes++;
}

static int sort_cmp(const void *pa, const void *pb)
{
    const struct sh_sort *a = pa, *b = pb;
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The rates resource r of node allows its jobs, min'd into their newrate:
 * 1 when the demand fits the capacity, else the proportional or equal
 * share over the demand. Sets the resource's demand; returns 1 if it is
 * over capacity. */
static int res_rates(struct fs_share *sh, struct sh_node *nd, int r)
{
    struct sh_res *R = &nd->r[r];
    double d = 0.0;
    int32_t m = 0;
    for (int32_t i = 0; i < nd->n; i++) {
        double c = sh->jobs[nd->jobs[i]].c[r];
        d += c;
        m += c > 0.0;
    }
    R->demand = d;
    if (d <= R->cap)
        return 0;
    if (R->mode == FS_SHARE_PROPORTIONAL) {
        double rate = R->cap / d;
        for (int32_t i = 0; i < nd->n; i++) {
            struct sh_job *j = &sh->jobs[nd->jobs[i]];
            if (j->c[r] > 0.0 && rate < j->newrate)
                j->newrate = rate;
        }
        return 1;
    }
    /* EQUAL: water-filling over the jobs with a demand, in (c, seq) order */
    int32_t k = 0;
    for (int32_t i = 0; i < nd->n; i++) {
        int32_t id = nd->jobs[i];
        const struct sh_job *j = &sh->jobs[id];
        if (j->c[r] > 0.0) {
            sh->sortbuf[k].c = j->c[r];
            sh->sortbuf[k].seq = j->seq;
            sh->sortbuf[k].id = id;
            k++;
        }
    }
    assert(k == m);
    qsort(sh->sortbuf, (size_t)k, sizeof *sh->sortbuf, sort_cmp);
    double rest = R->cap;
    int32_t i = 0;
    for (; i < k; i++) {
        double level = rest / (double)(k - i);
        if (sh->sortbuf[i].c > level)
            break;
        rest -= sh->sortbuf[i].c;
    }
    if (i < k) {
        double level = rest / (double)(k - i);
        for (; i < k; i++) {
            struct sh_job *j = &sh->jobs[sh->sortbuf[i].id];
            double rate = level / sh->sortbuf[i].c;
            if (rate < j->newrate)
                j->newrate = rate;
        }
    }
    return 1;
}

/* Recompute the shares of node's jobs at now (its accounting settled): a
 * job runs at the lowest rate its shared resources allow. */
static void node_recompute(struct fs_share *sh, int32_t node, double now)
{
    struct sh_node *nd = &sh->nodes[node];
    node_settle(nd, now);
    sh->stats.recomputes++;
    for (int32_t i = 0; i < nd->n; i++)
        sh->jobs[nd->jobs[i]].newrate = 1.0;
    int over[FS_SHARE_NRES], bound = 0;
    for (int r = 0; r < FS_SHARE_NRES; r++) {
        over[r] = nd->r[r].mode != FS_SHARE_OFF && res_rates(sh, nd, r);
        bound += over[r];
    }
    for (int32_t i = 0; i < nd->n; i++) {
        int32_t id = nd->jobs[i];
        job_commit(sh, id, sh->jobs[id].newrate, now);
    }
    for (int r = 0; r < FS_SHARE_NRES; r++) {
        struct sh_res *R = &nd->r[r];
        if (R->mode == FS_SHARE_OFF) {
            R->demand = R->used = R->excess = 0.0;
            continue;
        }
        double d = R->demand, used;
        if (!over[r] && bound == 0)
            used = d; /* everything at full speed */
        else if (over[r] && bound == 1)
            used = R->cap; /* the only bottleneck: work conserving */
        else {
            /* slowed by another resource too: what the rates use */
            used = 0.0;
            for (int32_t i = 0; i < nd->n; i++) {
                const struct sh_job *j = &sh->jobs[nd->jobs[i]];
                used += j->c[r] * j->rate;
            }
            if (used > R->cap)
                used = R->cap;
            if (used > d)
                used = d;
        }
        if (used != R->used || d - used != R->excess)
            R->last_change = now;
        R->used = used;
        R->excess = d - used;
    }
}

static void node_join(struct fs_share *sh, int32_t id)
{
    struct sh_job *j = &sh->jobs[id];
    struct sh_node *nd = &sh->nodes[j->node];
    assert(nd->n < nd->capn);
    j->pos = nd->n;
    nd->jobs[nd->n++] = id;
}

static void node_leave(struct fs_share *sh, int32_t id)
{
    struct sh_job *j = &sh->jobs[id];
    struct sh_node *nd = &sh->nodes[j->node];
    int32_t moved = nd->jobs[--nd->n];
    if (j->pos < nd->n) {
        nd->jobs[j->pos] = moved;
        sh->jobs[moved].pos = j->pos;
    }
    j->pos = -1;
}

/* ------------------------------------------------------------------ */
/* scheduling                                                           */

static int share_arm(struct fs_share *sh)
{
    if (!sh->sim)
        return FS_OK;
    double t = sh->hlen ? sh->heap[0].key : INFINITY;
    if (sh->done_head < sh->ndone && !sh->reporting)
        t = sh->sim->now; /* reports left over by a failed callback */
    if (!isfinite(t))
        return FS_OK;
    if (sh->slen > 0 && sh->stack[sh->slen - 1] <= t)
        return FS_OK;
    assert(t >= sh->sim->now);
    int rc = reserve_stack(sh);
    if (rc == FS_OK)
        rc = fs_queue_push(&sh->sim->queue, t, FS_PRIO_NORMAL, fs_share_fire, sh);
    if (rc != FS_OK)
        return rc;
    sh->stack[sh->slen++] = t;
    return FS_OK;
}

static void job_release_slot(struct fs_share *sh, int32_t id)
{
    struct sh_job *j = &sh->jobs[id];
    j->state = FS_JOB_FREE;
    j->data = NULL;
    j->next_free = sh->free_head;
    sh->free_head = id;
    sh->nlive--;
}

static int done_cmp(const struct fs_share *sh, int32_t a, int32_t b)
{
    const struct sh_job *ja = &sh->jobs[a], *jb = &sh->jobs[b];
    if (ja->end != jb->end)
        return ja->end < jb->end ? -1 : 1;
    return (ja->seq > jb->seq) - (ja->seq < jb->seq);
}

int fs_share_fire(struct fs_sim *sim, void *data)
{
    struct fs_share *sh = data;
    double now = sim->now;
    assert(sh->sim == sim && sh->slen > 0 && sh->stack[sh->slen - 1] == now);
    sh->slen--;
    int32_t first_new = sh->ndone;
    for (;;) {
        if (++sh->epoch == 0) {
            for (int32_t i = 0; i < sh->nnodes; i++)
                sh->nodes[i].mark = 0;
            sh->epoch = 1;
        }
        sh->ndirty = 0;
        while (sh->hlen > 0 && sh->heap[0].key <= now) {
            int32_t id = sh->heap[0].id;
            struct sh_job *j = &sh->jobs[id];
            ev_remove(sh, id);
            assert(j->state == FS_JOB_ACTIVE);
            group_move(sh, j, j->rate, -1.0, now);
            j->rem = 0.0;
            j->t_last = now;
            j->end = now;
            j->rate = 0.0;
            j->state = FS_JOB_DONE;
            struct sh_node *nd = &sh->nodes[j->node];
            node_settle(nd, now);
            node_leave(sh, id);
            if (nd->mark != sh->epoch) {
                nd->mark = sh->epoch;
                sh->dirty[sh->ndirty++] = j->node;
            }
            sh->done[sh->ndone++] = id;
        }
        if (sh->ndirty == 0)
            break;
        for (int32_t i = 0; i < sh->ndirty; i++)
            node_recompute(sh, sh->dirty[i], now);
    }
    /* the jobs finished now, in (completion time, start order) */
    for (int32_t i = first_new + 1; i < sh->ndone; i++) {
        int32_t x = sh->done[i], k = i;
        while (k > first_new && done_cmp(sh, x, sh->done[k - 1]) < 0) {
            sh->done[k] = sh->done[k - 1];
            k--;
        }
        sh->done[k] = x;
    }
    int rc = FS_OK;
    sh->reporting = 1;
    while (sh->done_head < sh->ndone) {
        int32_t id = sh->done[sh->done_head++];
        /* the owner may start and cancel jobs here (never fire) */
        if (sh->on_complete)
            rc = sh->on_complete(sh->ctx, sh, id, sh->jobs[id].data);
        job_release_slot(sh, id);
        if (rc != FS_OK)
            break;
    }
    sh->reporting = 0;
    memmove(sh->done, sh->done + sh->done_head, (size_t)(sh->ndone - sh->done_head) * sizeof *sh->done);
    sh->ndone -= sh->done_head;
    sh->done_head = 0;
    int arc = share_arm(sh);
    FS_SHARE_HEAVY(fs_share_valid(sh));
    return rc != FS_OK ? rc : arc;
}

/* ------------------------------------------------------------------ */
/* public operations                                                    */

int fs_share_set_node(struct fs_share *sh, int32_t node, int res, int mode, double capacity)
{
    if (node < 0)
        return FS_SHARE_ENODE;
    if (res < 0 || res >= FS_SHARE_NRES)
        return FS_EINVAL;
    if (mode != FS_SHARE_OFF && mode != FS_SHARE_PROPORTIONAL && mode != FS_SHARE_EQUAL)
        return FS_EINVAL;
    if (mode != FS_SHARE_OFF && (!(capacity > 0.0) || !isfinite(capacity)))
        return FS_EINVAL;
    if (node < sh->nnodes && mode == FS_SHARE_OFF && sh->nodes[node].n > 0)
        return FS_SHARE_EBUSY;
    int rc = reserve_nodes(sh, node);
    if (rc == FS_OK)
        rc = reserve_stack(sh);
    if (rc != FS_OK)
        return rc;
    struct sh_node *nd = &sh->nodes[node];
    struct sh_res *R = &nd->r[res];
    double now = sh_now(sh);
    node_settle(nd, now);
    R->mode = mode;
    if (mode != FS_SHARE_OFF)
        R->cap = capacity;
    if (mode == FS_SHARE_OFF) {
        R->demand = R->used = R->excess = 0.0;
        R->last_change = now;
        return FS_OK;
    }
    node_recompute(sh, node, now);
    rc = share_arm(sh);
    FS_SHARE_HEAVY(fs_share_valid(sh));
    return rc;
}

int fs_share_node_mode(const struct fs_share *sh, int32_t node, int res)
{
    if (node < 0 || node >= sh->nnodes || res < 0 || res >= FS_SHARE_NRES)
        return FS_SHARE_OFF;
    return sh->nodes[node].r[res].mode;
}

int fs_share_node_on(const struct fs_share *sh, int32_t node)
{
    return node >= 0 && node < sh->nnodes && node_on(&sh->nodes[node]);
}

int fs_share_start(struct fs_share *sh, int32_t node, const double *demand, double work, int32_t group, void *data,
                   int32_t *out)
{
    if (!fs_share_node_on(sh, node))
        return FS_SHARE_ENODE;
    double now = sh_now(sh);
    for (int r = 0; r < FS_SHARE_NRES; r++)
        if (!(demand[r] >= 0.0) || !isfinite(demand[r]))
            return FS_EINVAL;
    if (!(work >= 0.0) || !isfinite(work) || !isfinite(now + work) || group < -1)
        return FS_EINVAL;
    struct sh_node *nd = &sh->nodes[node];
    int rc = group >= 0 ? reserve_groups(sh, group) : FS_OK;
    if (rc == FS_OK)
        rc = reserve_job(sh);
    if (rc == FS_OK)
        rc = reserve_stack(sh);
    if (rc == FS_OK)
        rc = reserve_node_room(nd);
    if (rc != FS_OK)
        return rc;
    int32_t id;
    if (sh->free_head >= 0) {
        id = sh->free_head;
        sh->free_head = sh->jobs[id].next_free;
    }
    else
        id = sh->nslots++;
    sh->nlive++;
    struct sh_job *j = &sh->jobs[id];
    memset(j, 0, sizeof *j);
    j->seq = sh->next_seq++;
    j->group = group;
    j->state = FS_JOB_ACTIVE;
    j->node = node;
    for (int r = 0; r < FS_SHARE_NRES; r++)
        j->c[r] = demand[r];
    j->w = work;
    j->rem = work;
    j->t_last = now;
    j->rate = 0.0;
    j->key = INFINITY;
    j->start = now;
    j->end = NAN;
    j->hpos = -1;
    j->next_free = -1;
    j->data = data;
    node_settle(nd, now);
    node_join(sh, id);
    if (needs_share(nd, demand))
        node_recompute(sh, node, now);
    else /* needs no shared resource: full speed, the others are not touched */
        job_commit(sh, id, 1.0, now);
    *out = id;
    rc = share_arm(sh);
    FS_SHARE_HEAVY(fs_share_valid(sh));
    return rc;
}

int fs_share_cancel(struct fs_share *sh, int32_t id)
{
    if (id < 0 || id >= sh->nslots || sh->jobs[id].state == FS_JOB_FREE)
        return FS_SHARE_EJOB;
    struct sh_job *j = &sh->jobs[id];
    if (j->state == FS_JOB_DONE)
        return FS_SHARE_EDONE;
    double now = sh_now(sh);
    int32_t node = j->node;
    int shared = needs_share(&sh->nodes[node], j->c);
    group_move(sh, j, j->rate, -1.0, now);
    ev_remove(sh, id);
    node_settle(&sh->nodes[node], now);
    node_leave(sh, id);
    job_release_slot(sh, id);
    if (shared)
        node_recompute(sh, node, now);
    int rc = share_arm(sh);
    FS_SHARE_HEAVY(fs_share_valid(sh));
    return rc;
}

/* ------------------------------------------------------------------ */
/* reading                                                              */

int fs_share_job_info(const struct fs_share *sh, int32_t id, struct fs_share_job_info *o)
{
    if (id < 0 || id >= sh->nslots || sh->jobs[id].state == FS_JOB_FREE)
        return FS_SHARE_EJOB;
    const struct sh_job *j = &sh->jobs[id];
    double now = sh_now(sh);
    o->state = j->state;
    o->node = j->node;
    o->seq = j->seq;
    o->start = j->start;
    o->end = j->end;
    for (int r = 0; r < FS_SHARE_NRES; r++)
        o->demand[r] = j->c[r];
    o->work = j->w;
    o->rate = j->state == FS_JOB_ACTIVE ? j->rate : 0.0;
    o->eta = j->state == FS_JOB_ACTIVE ? j->key : j->end;
    o->data = j->data;
    if (j->state == FS_JOB_DONE || j->key <= now)
        o->done = j->w;
    else {
        double rem = j->rem;
        if (now > j->t_last)
            rem -= (now - j->t_last) * j->rate;
        o->done = j->w - (rem > 0.0 ? rem : 0.0);
    }
    return FS_OK;
}

void *fs_share_job_data(const struct fs_share *sh, int32_t id)
{
    if (id < 0 || id >= sh->nslots || sh->jobs[id].state == FS_JOB_FREE)
        return NULL;
    return sh->jobs[id].data;
}

int32_t fs_share_job_slots(const struct fs_share *sh)
{
    return sh->nslots;
}

int32_t fs_share_job_count(const struct fs_share *sh)
{
    return sh->nlive;
}

int fs_share_node_info(const struct fs_share *sh, int32_t node, int res, struct fs_share_node_info *o)
{
    if (node < 0 || node >= sh->nnodes)
        return FS_SHARE_ENODE;
    if (res < 0 || res >= FS_SHARE_NRES)
        return FS_EINVAL;
    const struct sh_node *nd = &sh->nodes[node];
    struct sh_res R = nd->r[res]; /* settle a copy: reading changes nothing */
    res_settle(&R, sh_now(sh) - nd->t_last);
    o->mode = R.mode;
    o->capacity = R.cap;
    o->njobs = nd->n;
    o->demand = R.demand;
    o->used = R.used;
    o->excess = R.excess;
    o->busy = R.busy;
    o->used_int = fs_ksum_val(&R.used_int);
    o->excess_int = fs_ksum_val(&R.excess_int);
    o->last = R.last_change;
    return FS_OK;
}

void fs_share_excess(const struct fs_share *sh, int32_t node, int res, double *now_excess, double *integral,
                     double *last)
{
    *now_excess = *integral = 0.0;
    *last = -INFINITY;
    if (node < 0 || node >= sh->nnodes || res < 0 || res >= FS_SHARE_NRES)
        return;
    const struct sh_node *nd = &sh->nodes[node];
    const struct sh_res *R = &nd->r[res];
    double dt = sh_now(sh) - nd->t_last;
    struct fs_ksum k = R->excess_int;
    if (dt > 0.0 && R->excess != 0.0)
        fs_ksum_add(&k, R->excess * dt);
    *now_excess = R->excess;
    *integral = fs_ksum_val(&k);
    *last = R->last_change;
}

void fs_share_group_excess(const struct fs_share *sh, int32_t group, int res, double *now_excess, double *integral,
                           double *last)
{
    *now_excess = *integral = 0.0;
    *last = -INFINITY;
    if (group < 0 || group >= sh->ngroups || res < 0 || res >= FS_SHARE_NRES)
        return;
    const struct sh_group *g = &sh->groups[group];
    double dt = sh_now(sh) - g->t_last;
    struct fs_ksum k = g->integ[res];
    if (dt > 0.0 && g->excess[res] != 0.0)
        fs_ksum_add(&k, g->excess[res] * dt);
    *now_excess = g->excess[res];
    *integral = fs_ksum_val(&k);
    *last = g->last_change[res];
}

double fs_share_next_time(const struct fs_share *sh)
{
    return sh->hlen ? sh->heap[0].key : INFINITY;
}

size_t fs_share_queued(const struct fs_share *sh)
{
    return sh->slen;
}

void fs_share_stats(const struct fs_share *sh, struct fs_share_stats *out)
{
    *out = sh->stats;
}

/* ------------------------------------------------------------------ */
/* invariants                                                           */

int fs_share_valid(const struct fs_share *sh)
{
    const double tol = 1e-9;
    int32_t live = 0, active = 0;
    for (int32_t i = 0; i < sh->nslots; i++) {
        const struct sh_job *j = &sh->jobs[i];
        if (j->state == FS_JOB_FREE)
            continue;
        live++;
        if (j->state == FS_JOB_DONE) {
            if (j->hpos >= 0 || j->pos >= 0 || j->rem != 0.0)
                return 0;
            continue;
        }
        active++;
        if (j->hpos < 0 || j->hpos >= sh->hlen || sh->heap[j->hpos].id != i || sh->heap[j->hpos].key != j->key ||
            sh->heap[j->hpos].seq != j->seq)
            return 0;
        if (j->node < 0 || j->node >= sh->nnodes)
            return 0;
        const struct sh_node *nd = &sh->nodes[j->node];
        if (j->pos < 0 || j->pos >= nd->n || nd->jobs[j->pos] != i)
            return 0;
        if (!(j->rem >= 0.0) || j->rem > j->w || !(j->rate > 0.0) || j->rate > 1.0)
            return 0;
    }
    if (live != sh->nlive || active != sh->hlen)
        return 0;
    for (int32_t p = 1; p < sh->hlen; p++)
        if (ev_less(&sh->heap[p], &sh->heap[(p - 1) / 2]))
            return 0;
    int32_t listed = 0;
    for (int32_t n = 0; n < sh->nnodes; n++) {
        const struct sh_node *nd = &sh->nodes[n];
        listed += nd->n;
        if (!node_on(nd)) {
            if (nd->n != 0)
                return 0;
            continue;
        }
        int over = 0;
        for (int r = 0; r < FS_SHARE_NRES; r++) {
            const struct sh_res *R = &nd->r[r];
            if (R->mode == FS_SHARE_OFF)
                continue;
            double d = 0.0, used = 0.0;
            for (int32_t i = 0; i < nd->n; i++) {
                const struct sh_job *j = &sh->jobs[nd->jobs[i]];
                d += j->c[r];
                used += j->c[r] * j->rate;
            }
            /* never more than the capacity; the demand and the split kept */
            if (used > R->cap * (1 + tol) || fabs(d - R->demand) > tol * fmax(d, 1.0) ||
                fabs(R->used + R->excess - d) > tol * fmax(d, 1.0) || R->used > R->cap * (1 + tol))
                return 0;
            over += d > R->cap;
        }
        for (int32_t i = 0; i < nd->n; i++) {
            const struct sh_job *j = &sh->jobs[nd->jobs[i]];
            if ((!over || !needs_share(nd, j->c)) && j->rate != 1.0) /* nothing slows it */
                return 0;
        }
        /* one resource alone: the shares of its mode, work conserving */
        for (int r = 0; r < FS_SHARE_NRES; r++) {
            const struct sh_res *R = &nd->r[r];
            if (R->mode == FS_SHARE_OFF || node_on_other(nd, r) || !(R->demand > R->cap))
                continue;
            double top = 0.0, used = 0.0;
            for (int32_t i = 0; i < nd->n; i++) {
                const struct sh_job *j = &sh->jobs[nd->jobs[i]];
                used += j->c[r] * j->rate;
                if (j->c[r] * j->rate > top)
                    top = j->c[r] * j->rate;
            }
            if (fabs(used - R->cap) > tol * R->cap)
                return 0;
            for (int32_t i = 0; i < nd->n; i++) {
                const struct sh_job *j = &sh->jobs[nd->jobs[i]];
                if (j->c[r] == 0.0)
                    continue;
                if (R->mode == FS_SHARE_PROPORTIONAL && fabs(j->rate - R->cap / R->demand) > tol)
                    return 0;
                /* EQUAL: at its demand, or at the top share */
                if (R->mode == FS_SHARE_EQUAL && j->rate < 1.0 - tol && j->c[r] * j->rate < top * (1 - tol))
                    return 0;
            }
        }
    }
    if (listed != active)
        return 0;
    for (size_t s = 1; s < sh->slen; s++)
        if (!(sh->stack[s] < sh->stack[s - 1]))
            return 0;
    if (sh->sim) {
        size_t ours = 0;
        for (size_t q = 0; q < sh->sim->queue.len; q++)
            ours += (size_t)is_ours(&sh->sim->queue.heap[q], (void *)sh);
        if (ours != sh->slen)
            return 0;
        double t = fs_share_next_time(sh);
        if (isfinite(t) && !(sh->slen > 0 && sh->stack[sh->slen - 1] <= t))
            return 0;
    }
    return 1;
}
