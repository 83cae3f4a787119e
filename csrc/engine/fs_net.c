/* fs_net: max-min fair flows over links; see fs_net.h. */
#include "fs_net.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef FS_CHECK_HEAVY
#define FS_NET_HEAVY(cond) assert(cond)
#else
#define FS_NET_HEAVY(cond) ((void)0)
#endif

struct net_link {
    double bw;
    int32_t *flows; /* active flows over the link (ids), in no particular order */
    int32_t n, cap;
    int32_t npend; /* PENDING flows that will join: flows[] has room for them */
    double alloc;  /* sum of the raw shares of flows[] */
    double gput;   /* sum of their payload rates (share * g) */
    double t_last, bytes, busy, util;
    uint32_t mark;
    /* progressive filling scratch */
    double resid;
    double hkey;
    int32_t nun;
    int32_t hpos;
};

struct net_flow {
    uint64_t seq;
    int8_t state;
    uint8_t onlinks; /* in the flow lists of its links */
    uint8_t frozen;
    uint8_t low;
    int32_t nlinks;
    int32_t *route; /* route[0 .. nlinks): link ids; route[nlinks + k]: position in link k's list */
    double size, rem, t_last, rate, cap, g;
    double created, start, end, key;
    double newrate;
    int32_t hpos; /* position in the event heap, -1 if not in it */
    uint32_t mark;
    int32_t next_free;
    void *data;
    fs_net_complete_fn on_complete; /* this flow's, or NULL: the net's */
    void *ctx;
};

struct fs_net {
    struct fs_sim *sim;
    fs_net_complete_fn on_complete;
    void *ctx;
    struct net_link *links;
    int32_t nlinks, caplinks;
    struct net_flow *flows;
    int32_t nslots, capflows, free_head, nlive;
    uint64_t next_seq;
    int32_t *heap; /* event heap of flow ids, capacity capflows */
    int32_t hlen;
    double *stack; /* times of our queued entries, decreasing from the bottom */
    size_t slen, scap;
    uint32_t epoch;
    /* scratch of a reallocation, capacities caplinks and capflows */
    int32_t *clinks, *lheap, *cflows, *capord, *sortbuf;
    int32_t nclinks, ncflows, lhlen;
    /* finished flows waiting to be reported, capacity capflows */
    int32_t *done;
    int32_t ndone, done_head;
    int reporting; /* inside the report loop of fs_net_fire */
    double min_rate;
    uint64_t low_count;
    struct fs_net_stats stats;
};

/* ------------------------------------------------------------------ */
/* the event heap: flow ids ordered by (key, seq)                       */

static inline int ev_less(const struct fs_net *net, int32_t a, int32_t b)
{
    const struct net_flow *fa = &net->flows[a], *fb = &net->flows[b];
    return fa->key < fb->key || (fa->key == fb->key && fa->seq < fb->seq);
}

static void ev_place(struct fs_net *net, int32_t pos, int32_t id)
{
    net->heap[pos] = id;
    net->flows[id].hpos = pos;
}

static void ev_sift_up(struct fs_net *net, int32_t pos)
{
    int32_t id = net->heap[pos];
    while (pos > 0) {
        int32_t parent = (pos - 1) / 2;
        if (!ev_less(net, id, net->heap[parent]))
            break;
        ev_place(net, pos, net->heap[parent]);
        pos = parent;
    }
    ev_place(net, pos, id);
}

static void ev_sift_down(struct fs_net *net, int32_t pos)
{
    int32_t id = net->heap[pos];
    for (;;) {
        int32_t c = 2 * pos + 1;
        if (c >= net->hlen)
            break;
        if (c + 1 < net->hlen && ev_less(net, net->heap[c + 1], net->heap[c]))
            c++;
        if (!ev_less(net, net->heap[c], id))
            break;
        ev_place(net, pos, net->heap[c]);
        pos = c;
    }
    ev_place(net, pos, id);
}

/* Insert flow id, or restore its place after its key changed. */
static void ev_update(struct fs_net *net, int32_t id)
{
    struct net_flow *f = &net->flows[id];
    if (f->hpos < 0) {
        assert(net->hlen < net->capflows);
        ev_place(net, net->hlen++, id);
    }
    ev_sift_up(net, f->hpos);
    ev_sift_down(net, f->hpos);
}

static void ev_remove(struct fs_net *net, int32_t id)
{
    struct net_flow *f = &net->flows[id];
    int32_t pos = f->hpos;
    assert(pos >= 0);
    f->hpos = -1;
    int32_t last = net->heap[--net->hlen];
    if (pos < net->hlen) {
        ev_place(net, pos, last);
        ev_sift_up(net, pos);
        ev_sift_down(net, net->flows[last].hpos);
    }
}

/* ------------------------------------------------------------------ */
/* the link heap of progressive filling: (resid / nun, link id)          */

static inline int lk_less(const struct fs_net *net, int32_t a, int32_t b)
{
    const struct net_link *la = &net->links[a], *lb = &net->links[b];
    return la->hkey < lb->hkey || (la->hkey == lb->hkey && a < b);
}

static void lk_place(struct fs_net *net, int32_t pos, int32_t id)
{
    net->lheap[pos] = id;
    net->links[id].hpos = pos;
}

static void lk_fix(struct fs_net *net, int32_t pos)
{
    int32_t id = net->lheap[pos];
    while (pos > 0) {
        int32_t parent = (pos - 1) / 2;
        if (!lk_less(net, id, net->lheap[parent]))
            break;
        lk_place(net, pos, net->lheap[parent]);
        pos = parent;
    }
    for (;;) {
        int32_t c = 2 * pos + 1;
        if (c >= net->lhlen)
            break;
        if (c + 1 < net->lhlen && lk_less(net, net->lheap[c + 1], net->lheap[c]))
            c++;
        if (!lk_less(net, net->lheap[c], id))
            break;
        lk_place(net, pos, net->lheap[c]);
        pos = c;
    }
    lk_place(net, pos, id);
}

static void lk_remove(struct fs_net *net, int32_t id)
{
    int32_t pos = net->links[id].hpos;
    net->links[id].hpos = -1;
    int32_t last = net->lheap[--net->lhlen];
    if (pos < net->lhlen) {
        lk_place(net, pos, last);
        lk_fix(net, pos);
    }
}

static inline double lk_key(const struct net_link *l)
{
    return (l->resid > 0.0 ? l->resid : 0.0) / (double)l->nun;
}

/* ------------------------------------------------------------------ */
/* memory                                                               */

static int grow_i32(int32_t **p, int32_t n)
{
    int32_t *q = realloc(*p, (size_t)n * sizeof *q);
    if (!q)
        return FS_ENOMEM;
    *p = q;
    return FS_OK;
}

/* Room for one more flow slot (flows and every per-flow array). */
static int reserve_flow(struct fs_net *net)
{
    if (net->free_head >= 0 || net->nslots < net->capflows)
        return FS_OK;
    if (net->capflows > INT32_MAX / 2)
        return FS_ENOMEM;
    int32_t n = net->capflows ? 2 * net->capflows : 16;
    struct net_flow *f = realloc(net->flows, (size_t)n * sizeof *f);
    if (!f)
        return FS_ENOMEM;
    net->flows = f;
    if (grow_i32(&net->heap, n) || grow_i32(&net->cflows, n) || grow_i32(&net->capord, n) ||
        grow_i32(&net->sortbuf, n) || grow_i32(&net->done, n))
        return FS_ENOMEM; /* the larger arrays that did grow are harmless */
    net->capflows = n;
    return FS_OK;
}

static int reserve_stack(struct fs_net *net)
{
    if (net->slen < net->scap)
        return FS_OK;
    size_t n = net->scap ? 2 * net->scap : 8;
    double *s = realloc(net->stack, n * sizeof *s);
    if (!s)
        return FS_ENOMEM;
    net->stack = s;
    net->scap = n;
    return FS_OK;
}

struct fs_net *fs_net_new(struct fs_sim *sim, fs_net_complete_fn on_complete, void *ctx)
{
    struct fs_net *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->sim = sim;
    net->on_complete = on_complete;
    net->ctx = ctx;
    net->free_head = -1;
    if (reserve_flow(net) || reserve_stack(net)) {
        fs_net_free(net);
        return NULL;
    }
    return net;
}

static int is_ours(const struct fs_entry *e, void *ctx)
{
    return e->fn == fs_net_fire && e->data == ctx;
}

void fs_net_detach(struct fs_net *net)
{
    if (net->sim)
        fs_queue_remove_if(&net->sim->queue, is_ours, net);
    net->sim = NULL;
    net->slen = 0;
}

void fs_net_free(struct fs_net *net)
{
    if (!net)
        return;
    fs_net_detach(net);
    for (int32_t i = 0; i < net->nlinks; i++)
        free(net->links[i].flows);
    for (int32_t i = 0; i < net->nslots; i++)
        free(net->flows[i].route);
    free(net->links);
    free(net->flows);
    free(net->heap);
    free(net->stack);
    free(net->clinks);
    free(net->lheap);
    free(net->cflows);
    free(net->capord);
    free(net->sortbuf);
    free(net->done);
    free(net);
}

/* ------------------------------------------------------------------ */
/* time bookkeeping                                                     */

static inline double net_now(const struct fs_net *net)
{
    return net->sim ? net->sim->now : 0.0;
}

/* Bring a link's accounting up to now with its current sums. */
static void link_settle(struct net_link *l, double now)
{
    double dt = now - l->t_last;
    if (dt > 0.0) {
        l->bytes += l->gput * dt;
        if (l->n > 0)
            l->busy += dt;
        l->util += l->alloc / l->bw * dt;
    }
    l->t_last = now;
}

/* Bring a flow's remaining bytes to now at its current rate. A flow whose
 * event time has come has nothing left (never a residue). */
static void flow_advance(struct net_flow *f, double now)
{
    if (f->key <= now)
        f->rem = 0.0;
    else if (now > f->t_last) {
        f->rem -= (now - f->t_last) * (f->rate * f->g);
        if (!(f->rem > 0.0))
            f->rem = 0.0;
    }
    f->t_last = now;
}

/* The completion time from (rem, t_last = now, rate). */
static double flow_eta(const struct net_flow *f, double now)
{
    if (f->rem == 0.0)
        return f->key <= now ? f->key : now;
    double eff = f->rate * f->g;
    if (!(eff > 0.0))
        return INFINITY;
    double t = now + f->rem / eff;
    return t >= now ? t : now;
}

/* Give active flow id the raw rate r at now. */
static void flow_commit(struct fs_net *net, int32_t id, double r, double now)
{
    struct net_flow *f = &net->flows[id];
    if (net->min_rate > 0.0 && r < net->min_rate && !f->low) {
        f->low = 1;
        net->low_count++;
    }
    if (r == f->rate && f->hpos >= 0)
        return;
    flow_advance(f, now);
    f->rate = r;
    f->key = flow_eta(f, now);
    ev_update(net, id);
}

/* ------------------------------------------------------------------ */
/* link membership                                                      */

/* Room for the active flows, the pending ones and one more. */
static int reserve_link_room(struct net_link *l)
{
    if (l->n + l->npend < l->cap)
        return FS_OK;
    if (l->cap > INT32_MAX / 4)
        return FS_ENOMEM;
    int32_t n = l->cap ? 2 * l->cap : 4;
    if (grow_i32(&l->flows, n))
        return FS_ENOMEM;
    l->cap = n;
    return FS_OK;
}

static void flow_join_links(struct fs_net *net, int32_t id, double now)
{
    struct net_flow *f = &net->flows[id];
    for (int32_t k = 0; k < f->nlinks; k++) {
        struct net_link *l = &net->links[f->route[k]];
        link_settle(l, now);
        assert(l->n < l->cap);
        f->route[f->nlinks + k] = l->n;
        l->flows[l->n++] = id;
    }
    f->onlinks = 1;
}

static void flow_leave_links(struct fs_net *net, int32_t id, double now)
{
    struct net_flow *f = &net->flows[id];
    if (!f->onlinks)
        return;
    for (int32_t k = 0; k < f->nlinks; k++) {
        int32_t lid = f->route[k];
        struct net_link *l = &net->links[lid];
        link_settle(l, now);
        int32_t pos = f->route[f->nlinks + k];
        int32_t moved = l->flows[--l->n];
        if (pos < l->n) {
            l->flows[pos] = moved;
            struct net_flow *m = &net->flows[moved];
            for (int32_t j = 0; j < m->nlinks; j++)
                if (m->route[j] == lid) {
                    m->route[m->nlinks + j] = pos;
                    break;
                }
        }
    }
    f->onlinks = 0;
}

/* ------------------------------------------------------------------ */
/* reallocation of the components of a set of seed links                */

static void realloc_begin(struct fs_net *net)
{
    if (++net->epoch == 0) { /* wrapped: clear every mark once */
        for (int32_t i = 0; i < net->nlinks; i++)
            net->links[i].mark = 0;
        for (int32_t i = 0; i < net->nslots; i++)
            net->flows[i].mark = 0;
        net->epoch = 1;
    }
    net->nclinks = 0;
    net->ncflows = 0;
}

static void seed_link(struct fs_net *net, int32_t lid)
{
    struct net_link *l = &net->links[lid];
    if (l->mark != net->epoch) {
        l->mark = net->epoch;
        net->clinks[net->nclinks++] = lid;
    }
}

static int cap_order_cmp(const void *pa, const void *pb, const struct fs_net *net)
{
    const struct net_flow *a = &net->flows[*(const int32_t *)pa], *b = &net->flows[*(const int32_t *)pb];
    if (a->cap != b->cap)
        return a->cap < b->cap ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Insertion sort for short arrays, merge sort otherwise (qsort has no
 * context argument in C11). Sorts capord[0 .. n) using tmp. */
static void sort_capord(const struct fs_net *net, int32_t *a, int32_t n, int32_t *tmp)
{
    if (n < 16) {
        for (int32_t i = 1; i < n; i++) {
            int32_t x = a[i], j = i;
            while (j > 0 && cap_order_cmp(&x, &a[j - 1], net) < 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    int32_t h = n / 2;
    sort_capord(net, a, h, tmp);
    sort_capord(net, a + h, n - h, tmp);
    int32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cap_order_cmp(&a[j], &a[i], net) < 0 ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

static void freeze(struct fs_net *net, int32_t id, double s, int32_t *remaining)
{
    struct net_flow *f = &net->flows[id];
    f->frozen = 1;
    f->newrate = s;
    (*remaining)--;
    for (int32_t k = 0; k < f->nlinks; k++) {
        int32_t lid = f->route[k];
        struct net_link *l = &net->links[lid];
        l->resid -= s;
        if (--l->nun == 0)
            lk_remove(net, lid);
        else {
            l->hkey = lk_key(l);
            lk_fix(net, l->hpos);
        }
    }
}

/* Expand the seed links to their components, run progressive filling on
 * them and commit the new rates at now. */
static void realloc_run(struct fs_net *net, double now)
{
    /* 1. the component: breadth-first over links, through their flows */
    for (int32_t i = 0; i < net->nclinks; i++) {
        struct net_link *l = &net->links[net->clinks[i]];
        for (int32_t j = 0; j < l->n; j++) {
            int32_t fid = l->flows[j];
            struct net_flow *f = &net->flows[fid];
            if (f->mark == net->epoch)
                continue;
            f->mark = net->epoch;
            net->cflows[net->ncflows++] = fid;
            for (int32_t k = 0; k < f->nlinks; k++)
                seed_link(net, f->route[k]);
        }
    }
    if (net->nclinks == 0)
        return;
    net->stats.reallocs++;
    net->stats.flows_visited += (uint64_t)net->ncflows;
    net->stats.links_visited += (uint64_t)net->nclinks;

    /* 2. progressive filling */
    net->lhlen = 0;
    for (int32_t i = 0; i < net->nclinks; i++) {
        int32_t lid = net->clinks[i];
        struct net_link *l = &net->links[lid];
        link_settle(l, now);
        l->resid = l->bw;
        l->nun = l->n;
        l->hpos = -1;
        if (l->nun > 0) {
            l->hkey = lk_key(l);
            lk_place(net, net->lhlen++, lid);
            lk_fix(net, net->lhlen - 1);
        }
    }
    int32_t ncap = 0;
    for (int32_t i = 0; i < net->ncflows; i++) {
        int32_t fid = net->cflows[i];
        net->flows[fid].frozen = 0;
        if (isfinite(net->flows[fid].cap))
            net->capord[ncap++] = fid;
    }
    sort_capord(net, net->capord, ncap, net->sortbuf);
    int32_t remaining = net->ncflows, ci = 0;
    double level = 0.0;
    while (remaining > 0) {
        while (ci < ncap && net->flows[net->capord[ci]].frozen)
            ci++;
        double ck = ci < ncap ? net->flows[net->capord[ci]].cap : INFINITY;
        double lk = net->lhlen ? net->links[net->lheap[0]].hkey : INFINITY;
        if (ck <= lk && ci < ncap) {
            freeze(net, net->capord[ci++], ck, &remaining);
            if (ck > level)
                level = ck;
            continue;
        }
        assert(net->lhlen > 0);
        struct net_link *l = &net->links[net->lheap[0]];
        if (lk > level)
            level = lk;
        /* freeze every unfrozen flow of the saturated link at the level */
        for (int32_t j = 0; j < l->n && l->nun > 0; j++) {
            int32_t fid = l->flows[j];
            if (!net->flows[fid].frozen)
                freeze(net, fid, level, &remaining);
        }
    }

    /* 3. commit the rates, then the link sums */
    for (int32_t i = 0; i < net->ncflows; i++) {
        int32_t fid = net->cflows[i];
        flow_commit(net, fid, net->flows[fid].newrate, now);
    }
    for (int32_t i = 0; i < net->nclinks; i++) {
        struct net_link *l = &net->links[net->clinks[i]];
        double a = 0.0, g = 0.0;
        for (int32_t j = 0; j < l->n; j++) {
            const struct net_flow *f = &net->flows[l->flows[j]];
            a += f->rate;
            g += f->rate * f->g;
        }
        l->alloc = a;
        l->gput = g;
    }
}

/* ------------------------------------------------------------------ */
/* scheduling                                                           */

/* Make sure an entry of ours is queued at or before the earliest event. */
static int net_arm(struct fs_net *net)
{
    if (!net->sim)
        return FS_OK;
    double t = net->hlen ? net->flows[net->heap[0]].key : INFINITY;
    if (net->done_head < net->ndone && !net->reporting)
        t = net->sim->now; /* reports left over by a failed callback */
    if (!isfinite(t))
        return FS_OK;
    if (net->slen > 0 && net->stack[net->slen - 1] <= t)
        return FS_OK;
    assert(t >= net->sim->now);
    int rc = reserve_stack(net);
    if (rc == FS_OK)
        rc = fs_queue_push(&net->sim->queue, t, FS_PRIO_NORMAL, fs_net_fire, net);
    if (rc != FS_OK)
        return rc;
    net->stack[net->slen++] = t;
    return FS_OK;
}

/* A PENDING flow starts at now. */
static void flow_activate(struct fs_net *net, int32_t id, double now)
{
    struct net_flow *f = &net->flows[id];
    f->state = FS_FLOW_ACTIVE;
    f->t_last = now;
    f->rate = 0.0;
    f->key = INFINITY;
    if (f->nlinks == 0) /* a local transfer: at its cap */
        flow_commit(net, id, f->cap, now);
    else if (f->rem == 0.0) /* nothing to send: done at once, no share taken */
        flow_commit(net, id, 0.0, now);
    else {
        if (f->hpos >= 0)
            ev_remove(net, id);
        flow_join_links(net, id, now);
        for (int32_t k = 0; k < f->nlinks; k++)
            seed_link(net, f->route[k]);
    }
}

static void flow_release_slot(struct fs_net *net, int32_t id)
{
    struct net_flow *f = &net->flows[id];
    free(f->route);
    f->route = NULL;
    f->state = FS_FLOW_FREE;
    f->data = NULL;
    f->next_free = net->free_head;
    net->free_head = id;
    net->nlive--;
}

static int done_cmp(const struct fs_net *net, int32_t a, int32_t b)
{
    const struct net_flow *fa = &net->flows[a], *fb = &net->flows[b];
    if (fa->end != fb->end)
        return fa->end < fb->end ? -1 : 1;
    return (fa->seq > fb->seq) - (fa->seq < fb->seq);
}

int fs_net_fire(struct fs_sim *sim, void *data)
{
    struct fs_net *net = data;
    double now = sim->now;
    assert(net->sim == sim && net->slen > 0 && net->stack[net->slen - 1] == now);
    net->slen--;
    int32_t first_new = net->ndone;
    for (;;) {
        realloc_begin(net);
        int any = 0;
        while (net->hlen > 0 && net->flows[net->heap[0]].key <= now) {
            int32_t id = net->heap[0];
            struct net_flow *f = &net->flows[id];
            ev_remove(net, id);
            if (f->state == FS_FLOW_PENDING) {
                for (int32_t k = 0; k < f->nlinks; k++)
                    net->links[f->route[k]].npend--;
                flow_activate(net, id, now);
                any = 1;
                continue;
            }
            assert(f->state == FS_FLOW_ACTIVE);
            f->rem = 0.0;
            f->t_last = now;
            f->end = now;
            if (f->onlinks) {
                for (int32_t k = 0; k < f->nlinks; k++)
                    seed_link(net, f->route[k]);
                flow_leave_links(net, id, now);
            }
            f->rate = 0.0;
            f->state = FS_FLOW_DONE;
            net->done[net->ndone++] = id;
            any = 1;
        }
        if (!any)
            break;
        realloc_run(net, now);
    }
    /* the flows finished now, in (completion time, start order) */
    for (int32_t i = first_new + 1; i < net->ndone; i++) {
        int32_t x = net->done[i], j = i;
        while (j > first_new && done_cmp(net, x, net->done[j - 1]) < 0) {
            net->done[j] = net->done[j - 1];
            j--;
        }
        net->done[j] = x;
    }
    int rc = FS_OK;
    net->reporting = 1;
    while (net->done_head < net->ndone) {
        int32_t id = net->done[net->done_head++];
        /* the owner may start and cancel flows here (never fire) */
        const struct net_flow *f = &net->flows[id];
        if (f->on_complete)
            rc = f->on_complete(f->ctx, net, id, f->data);
        else if (net->on_complete)
            rc = net->on_complete(net->ctx, net, id, f->data);
        flow_release_slot(net, id);
        if (rc != FS_OK)
            break;
    }
    net->reporting = 0;
    /* keep the unreported flows at the front (the array's tail is scratch) */
    memmove(net->done, net->done + net->done_head, (size_t)(net->ndone - net->done_head) * sizeof *net->done);
    net->ndone -= net->done_head;
    net->done_head = 0;
    int arc = net_arm(net);
    FS_NET_HEAVY(fs_net_valid(net));
    return rc != FS_OK ? rc : arc;
}

/* ------------------------------------------------------------------ */
/* public operations                                                    */

int32_t fs_net_add_link(struct fs_net *net, double bandwidth)
{
    if (!net || !(bandwidth > 0.0) || !isfinite(bandwidth))
        return FS_EINVAL;
    if (net->nlinks == net->caplinks) {
        if (net->caplinks > INT32_MAX / 2)
            return FS_ENOMEM;
        int32_t n = net->caplinks ? 2 * net->caplinks : 16;
        struct net_link *l = realloc(net->links, (size_t)n * sizeof *l);
        if (!l)
            return FS_ENOMEM;
        net->links = l;
        if (grow_i32(&net->clinks, n) || grow_i32(&net->lheap, n))
            return FS_ENOMEM;
        net->caplinks = n;
    }
    struct net_link *l = &net->links[net->nlinks];
    memset(l, 0, sizeof *l);
    l->bw = bandwidth;
    l->t_last = net_now(net);
    l->hpos = -1;
    FS_NET_HEAVY(fs_net_valid(net));
    return net->nlinks++;
}

int32_t fs_net_link_count(const struct fs_net *net)
{
    return net->nlinks;
}

int fs_net_set_bandwidth(struct fs_net *net, int32_t link, double bandwidth)
{
    if (link < 0 || link >= net->nlinks)
        return FS_NET_ELINK;
    if (!(bandwidth > 0.0) || !isfinite(bandwidth))
        return FS_EINVAL;
    int rc = reserve_stack(net);
    if (rc != FS_OK)
        return rc;
    double now = net_now(net);
    realloc_begin(net);
    link_settle(&net->links[link], now);
    net->links[link].bw = bandwidth;
    seed_link(net, link);
    realloc_run(net, now);
    rc = net_arm(net);
    FS_NET_HEAVY(fs_net_valid(net));
    return rc;
}

int fs_net_start(struct fs_net *net, const struct fs_net_flow_spec *s, int32_t *out)
{
    double now = net_now(net);
    if (!(s->size >= 0.0) || !isfinite(s->size) || !(s->cap > 0.0) || !(s->goodput > 0.0) || !(s->goodput <= 1.0) ||
        !(s->setup >= 0.0) || !isfinite(s->setup) || !isfinite(now + s->setup) || s->nlinks < 0 ||
        (s->nlinks > 0 && !s->links) || s->nlinks > INT32_MAX / 2)
        return FS_EINVAL;
    /* validate the route: known, distinct links (marks of a fresh epoch) */
    realloc_begin(net);
    for (int32_t k = 0; k < s->nlinks; k++) {
        int32_t lid = s->links[k];
        if (lid < 0 || lid >= net->nlinks)
            return FS_NET_ELINK;
        if (net->links[lid].mark == net->epoch)
            return FS_NET_EDUPLINK;
        net->links[lid].mark = net->epoch;
    }
    /* every allocation first: nothing changes on failure */
    int rc = reserve_flow(net);
    if (rc == FS_OK)
        rc = reserve_stack(net);
    for (int32_t k = 0; k < s->nlinks && rc == FS_OK; k++)
        rc = reserve_link_room(&net->links[s->links[k]]);
    int32_t *route = NULL;
    if (rc == FS_OK && s->nlinks > 0 && !(route = malloc(2 * (size_t)s->nlinks * sizeof *route)))
        rc = FS_ENOMEM;
    if (rc != FS_OK)
        return rc;
    if (s->nlinks > 0)
        memcpy(route, s->links, (size_t)s->nlinks * sizeof *route);

    int32_t id;
    if (net->free_head >= 0) {
        id = net->free_head;
        net->free_head = net->flows[id].next_free;
    }
    else
        id = net->nslots++;
    net->nlive++;
    struct net_flow *f = &net->flows[id];
    memset(f, 0, sizeof *f);
    f->seq = net->next_seq++;
    f->state = FS_FLOW_PENDING;
    f->nlinks = s->nlinks;
    f->route = route;
    f->size = s->size;
    f->rem = s->size;
    f->cap = s->cap;
    f->g = s->goodput;
    f->created = now;
    f->start = now + s->setup;
    f->t_last = f->start;
    f->end = NAN;
    f->hpos = -1;
    f->next_free = -1;
    f->data = s->data;
    f->on_complete = s->on_complete;
    f->ctx = s->ctx;
    if (s->setup > 0.0) {
        f->key = f->start;
        ev_update(net, id);
        for (int32_t k = 0; k < f->nlinks; k++)
            net->links[f->route[k]].npend++;
    }
    else {
        realloc_begin(net);
        flow_activate(net, id, now);
        realloc_run(net, now);
    }
    *out = id;
    rc = net_arm(net);
    FS_NET_HEAVY(fs_net_valid(net));
    return rc;
}

int fs_net_cancel(struct fs_net *net, int32_t id)
{
    if (id < 0 || id >= net->nslots || net->flows[id].state == FS_FLOW_FREE)
        return FS_NET_EFLOW;
    struct net_flow *f = &net->flows[id];
    if (f->state == FS_FLOW_DONE)
        return FS_NET_EDONE;
    double now = net_now(net);
    if (f->hpos >= 0)
        ev_remove(net, id);
    if (f->state == FS_FLOW_PENDING)
        for (int32_t k = 0; k < f->nlinks; k++)
            net->links[f->route[k]].npend--;
    realloc_begin(net);
    if (f->onlinks) {
        for (int32_t k = 0; k < f->nlinks; k++)
            seed_link(net, f->route[k]);
        flow_leave_links(net, id, now);
    }
    flow_release_slot(net, id);
    realloc_run(net, now);
    int rc = net_arm(net);
    FS_NET_HEAVY(fs_net_valid(net));
    return rc;
}

/* ------------------------------------------------------------------ */
/* reading                                                              */

int fs_net_flow_info(const struct fs_net *net, int32_t id, struct fs_net_flow_info *o)
{
    if (id < 0 || id >= net->nslots || net->flows[id].state == FS_FLOW_FREE)
        return FS_NET_EFLOW;
    const struct net_flow *f = &net->flows[id];
    double now = net_now(net);
    o->state = f->state;
    o->seq = f->seq;
    o->created = f->created;
    o->start = f->start;
    o->end = f->end;
    o->size = f->size;
    o->rate = f->state == FS_FLOW_ACTIVE ? f->rate : 0.0;
    o->goodput = f->g;
    o->cap = f->cap;
    o->nlinks = f->nlinks;
    o->links = f->route;
    o->low = f->low;
    o->data = f->data;
    o->eta = f->state == FS_FLOW_ACTIVE ? f->key : INFINITY;
    if (f->state == FS_FLOW_DONE)
        o->sent = f->size;
    else if (f->state == FS_FLOW_PENDING)
        o->sent = 0.0;
    else if (f->key <= now)
        o->sent = f->size;
    else {
        double rem = f->rem;
        if (now > f->t_last)
            rem -= (now - f->t_last) * (f->rate * f->g);
        if (rem < 0.0)
            rem = 0.0;
        o->sent = f->size - rem;
    }
    return FS_OK;
}

int32_t fs_net_flow_slots(const struct fs_net *net)
{
    return net->nslots;
}

void *fs_net_flow_data(const struct fs_net *net, int32_t id)
{
    if (id < 0 || id >= net->nslots || net->flows[id].state == FS_FLOW_FREE)
        return NULL;
    return net->flows[id].data;
}

int32_t fs_net_flow_count(const struct fs_net *net)
{
    return net->nlive;
}

int fs_net_link_info(const struct fs_net *net, int32_t link, struct fs_net_link_info *o)
{
    if (link < 0 || link >= net->nlinks)
        return FS_NET_ELINK;
    struct net_link l = net->links[link]; /* settle a copy: reading changes nothing */
    link_settle(&l, net_now(net));
    o->bandwidth = l.bw;
    o->nflows = l.n;
    o->allocated = l.alloc;
    o->bytes = l.bytes;
    o->busy = l.busy;
    o->util = l.util;
    return FS_OK;
}

double fs_net_next_time(const struct fs_net *net)
{
    return net->hlen ? net->flows[net->heap[0]].key : INFINITY;
}

size_t fs_net_queued(const struct fs_net *net)
{
    return net->slen;
}

int fs_net_set_min_rate(struct fs_net *net, double min_rate)
{
    if (!(min_rate >= 0.0) || !isfinite(min_rate))
        return FS_EINVAL;
    net->min_rate = min_rate;
    return FS_OK;
}

uint64_t fs_net_low_count(const struct fs_net *net)
{
    return net->low_count;
}

void fs_net_stats(const struct fs_net *net, struct fs_net_stats *out)
{
    *out = net->stats;
}

/* ------------------------------------------------------------------ */
/* invariants                                                           */

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) + 1e-300;
}

int fs_net_valid(const struct fs_net *net)
{
    const double tol = 1e-9;
    int32_t live = 0;
    for (int32_t i = 0; i < net->nslots; i++) {
        const struct net_flow *f = &net->flows[i];
        if (f->state == FS_FLOW_FREE)
            continue;
        live++;
        if (f->state == FS_FLOW_DONE) {
            if (f->hpos >= 0 || f->onlinks || f->rem != 0.0)
                return 0;
            continue;
        }
        /* PENDING and ACTIVE flows are in the event heap at their place */
        if (f->hpos < 0 || f->hpos >= net->hlen || net->heap[f->hpos] != i)
            return 0;
        if (!(f->rem >= 0.0) || f->rem > f->size)
            return 0;
        if (f->state == FS_FLOW_PENDING && (f->onlinks || f->key != f->start))
            return 0;
        if (f->state == FS_FLOW_ACTIVE) {
            if (f->onlinks != (f->nlinks > 0 && f->size > 0.0))
                return 0;
            if (f->rate > f->cap)
                return 0;
            for (int32_t k = 0; k < f->nlinks && f->onlinks; k++) {
                const struct net_link *l = &net->links[f->route[k]];
                int32_t pos = f->route[f->nlinks + k];
                if (pos < 0 || pos >= l->n || l->flows[pos] != i)
                    return 0;
            }
            /* max-min: at the cap, or on a saturated link where no flow has more */
            if (f->onlinks && !close_rel(f->rate, f->cap, tol)) {
                int bottleneck = 0;
                for (int32_t k = 0; k < f->nlinks && !bottleneck; k++) {
                    const struct net_link *l = &net->links[f->route[k]];
                    if (!close_rel(l->alloc, l->bw, tol))
                        continue;
                    int top = 1;
                    for (int32_t j = 0; j < l->n && top; j++)
                        top = net->flows[l->flows[j]].rate <= f->rate * (1 + tol);
                    bottleneck = top;
                }
                if (!bottleneck)
                    return 0;
            }
        }
    }
    if (live != net->nlive)
        return 0;
    /* the pending flows of each link have room reserved */
    int32_t *pend = calloc((size_t)net->nlinks + 1, sizeof *pend);
    if (!pend)
        return 0;
    for (int32_t i = 0; i < net->nslots; i++)
        if (net->flows[i].state == FS_FLOW_PENDING)
            for (int32_t k = 0; k < net->flows[i].nlinks; k++)
                pend[net->flows[i].route[k]]++;
    int ok = 1;
    for (int32_t i = 0; i < net->nlinks; i++) {
        const struct net_link *l = &net->links[i];
        if (pend[i] != l->npend || l->n + l->npend > l->cap)
            ok = 0;
    }
    free(pend);
    if (!ok)
        return 0;
    for (int32_t p = 1; p < net->hlen; p++)
        if (ev_less(net, net->heap[p], net->heap[(p - 1) / 2]))
            return 0;
    for (int32_t i = 0; i < net->nlinks; i++) {
        const struct net_link *l = &net->links[i];
        double a = 0.0, g = 0.0;
        for (int32_t j = 0; j < l->n; j++) {
            const struct net_flow *f = &net->flows[l->flows[j]];
            if (f->state != FS_FLOW_ACTIVE || !f->onlinks)
                return 0;
            a += f->rate;
            g += f->rate * f->g;
        }
        if (a != l->alloc || g != l->gput)
            return 0;
        if (l->alloc > l->bw * (1 + tol))
            return 0;
    }
    for (size_t s = 1; s < net->slen; s++)
        if (!(net->stack[s] < net->stack[s - 1]))
            return 0;
    if (net->sim) {
        size_t ours = 0;
        for (size_t q = 0; q < net->sim->queue.len; q++)
            ours += (size_t)is_ours(&net->sim->queue.heap[q], (void *)net);
        if (ours != net->slen)
            return 0;
        /* an entry is queued at or before the earliest event */
        double t = fs_net_next_time(net);
        if (isfinite(t) && !(net->slen > 0 && net->stack[net->slen - 1] <= t))
            return 0;
    }
    return 1;
}
