/* fs_sched.c: node table, exact resource accounting and placement; see the
 * design note in fs_sched.h. */
#include "fs_sched.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* With FS_CHECK_HEAVY (and asserts on): the whole class index checked after
 * every change, and every placement by the index compared with the scan. */
#ifdef FS_CHECK_HEAVY
#define FS_SCHED_HEAVY(cond) assert(cond)
#else
#define FS_SCHED_HEAVY(cond) ((void)0)
#endif

/* ------------------------------------------------------------------ */
/* Unsigned 128- and 256-bit arithmetic, just enough to compare two
 * rationals exactly. Portable C11 (limbs of 64 bits, least significant
 * first); the 64 x 64 -> 128 product uses the compiler's 128-bit type when
 * there is one, which gives the same bits. */

struct u128 {
    uint64_t lo, hi;
};

static struct u128 mul64(uint64_t a, uint64_t b)
{
    struct u128 r;
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128)a * b;
    r.lo = (uint64_t)p;
    r.hi = (uint64_t)(p >> 64);
#else
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* Middle column: at most 3 * (2^32 - 1), no overflow. */
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    r.lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
    return r;
}

static struct u128 add128(struct u128 a, struct u128 b)
{
    struct u128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo);
    return r;
}

static int cmp128(struct u128 a, struct u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* a - b for a >= b. */
static struct u128 sub128(struct u128 a, struct u128 b)
{
    struct u128 r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    return r;
}

/* Full product a * b as four limbs w[0] (least significant) .. w[3]. */
static void mul128(struct u128 a, struct u128 b, uint64_t w[4])
{
    struct u128 ll = mul64(a.lo, b.lo), lh = mul64(a.lo, b.hi);
    struct u128 hl = mul64(a.hi, b.lo), hh = mul64(a.hi, b.hi);
    w[0] = ll.lo;
    /* Column 1: ll.hi + lh.lo + hl.lo, carries into column 2. */
    uint64_t c1 = ll.hi + lh.lo;
    uint64_t carry = c1 < lh.lo;
    w[1] = c1 + hl.lo;
    carry += w[1] < hl.lo;
    /* Column 2: lh.hi + hl.hi + hh.lo + carry, carries into column 3. */
    uint64_t c2 = lh.hi + carry;
    uint64_t carry2 = c2 < carry;
    c2 += hl.hi;
    carry2 += c2 < hl.hi;
    w[2] = c2 + hh.lo;
    carry2 += w[2] < hh.lo;
    w[3] = hh.hi + carry2; /* the product fits in 256 bits: no overflow */
}

/* A non-negative rational n / d, d > 0. */
struct ratio {
    struct u128 n, d;
};

/* Sign of x - y, computed exactly as x.n * y.d - y.n * x.d. */
static int ratio_cmp(const struct ratio *x, const struct ratio *y)
{
    uint64_t a[4], b[4];
    mul128(x->n, y->d, a);
    mul128(y->n, x->d, b);
    for (int i = 3; i >= 0; i--) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The class index (see the design note in fs_sched.h). */

#define NONE SIZE_MAX

struct fs_sched_slot {
    size_t least, most; /* winners (node indices), NONE in an empty subtree */
    int64_t cpu, mem;   /* most free below; -1 in an empty subtree */
};

struct fs_sched_class {
    struct fs_sched_res cap;
    int32_t arch;
    struct fs_sched_label *labels; /* owned copy of the members' labels */
    size_t nlabels;
    uint64_t hash;
    int has_accel;              /* some accelerator capacity is not 0 */
    size_t width;               /* leaves, a power of two (0: no tree yet) */
    size_t used;                /* leaves taken (members and vacated ones) */
    size_t members;             /* leaves holding a node */
    size_t live_pos;            /* index in s->live when members > 0 */
    size_t *leaf;               /* width entries: node at each leaf, or NONE */
    struct fs_sched_slot *tree; /* 2 * width slots: root 1, leaf j at width + j */
    int64_t *accel;             /* with has_accel: FS_SCHED_MAX_ACCEL maxima per slot */
};

/* Allocation key A of a node: a_cpu * c'_mem + a_mem * c'_cpu, c' = c or 1
 * where c = 0 (a is then 0 too). Below 2^127. */
static struct u128 alloc_key(const struct fs_sched_node *n)
{
    uint64_t cc = n->cap.cpu ? (uint64_t)n->cap.cpu : 1, cm = n->cap.mem ? (uint64_t)n->cap.mem : 1;
    return add128(mul64((uint64_t)n->alloc.cpu, cm), mul64((uint64_t)n->alloc.mem, cc));
}

/* The better of two members of a class: under LEAST (most = 0) the least
 * A, under MOST the greatest; ties and NONE as the scan orders them. */
static size_t winner(const struct fs_sched *s, size_t a, size_t b, int most)
{
    if (a == NONE)
        return b;
    if (b == NONE)
        return a;
    int c = cmp128(alloc_key(&s->nodes[a]), alloc_key(&s->nodes[b]));
    if (c == 0)
        return a < b ? a : b;
    return (most ? c > 0 : c < 0) ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Slot k, computed from the leaf's node (k >= width) or from the children,
 * into *t and (with accelerators) acc[0 .. FS_SCHED_MAX_ACCEL). */
static void slot_compute(const struct fs_sched *s, const struct fs_sched_class *c, size_t k, struct fs_sched_slot *t,
                         int64_t *acc)
{
    if (k >= c->width) {
        size_t i = c->leaf[k - c->width];
        if (i == NONE) {
            *t = (struct fs_sched_slot){NONE, NONE, -1, -1};
            for (int a = 0; acc && a < FS_SCHED_MAX_ACCEL; a++)
                acc[a] = -1;
            return;
        }
        const struct fs_sched_node *n = &s->nodes[i];
        *t = (struct fs_sched_slot){i, i, n->cap.cpu - n->alloc.cpu, n->cap.mem - n->alloc.mem};
        for (int a = 0; acc && a < FS_SCHED_MAX_ACCEL; a++)
            acc[a] = n->cap.accel[a] - n->alloc.accel[a];
        return;
    }
    const struct fs_sched_slot *l = &c->tree[2 * k], *r = &c->tree[2 * k + 1];
    t->least = winner(s, l->least, r->least, 0);
    t->most = winner(s, l->most, r->most, 1);
    t->cpu = max64(l->cpu, r->cpu);
    t->mem = max64(l->mem, r->mem);
    for (int a = 0; acc && a < FS_SCHED_MAX_ACCEL; a++)
        acc[a] = max64(c->accel[2 * k * FS_SCHED_MAX_ACCEL + a], c->accel[(2 * k + 1) * FS_SCHED_MAX_ACCEL + a]);
}

static void slot_pull(const struct fs_sched *s, struct fs_sched_class *c, size_t k)
{
    slot_compute(s, c, k, &c->tree[k], c->has_accel ? &c->accel[k * FS_SCHED_MAX_ACCEL] : NULL);
}

/* Leaf j changed: recompute it and its ancestors. */
static void leaf_update(const struct fs_sched *s, struct fs_sched_class *c, size_t j)
{
    for (size_t k = c->width + j; k >= 1; k /= 2)
        slot_pull(s, c, k);
}

static int res_equal(const struct fs_sched_res *a, const struct fs_sched_res *b)
{
    if (a->cpu != b->cpu || a->mem != b->mem)
        return 0;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        if (a->accel[k] != b->accel[k])
            return 0;
    return 1;
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    h = (h ^ x) * UINT64_C(0x9E3779B97F4A7C15);
    return h ^ (h >> 29);
}

static uint64_t class_hash(const struct fs_sched_res *cap, int32_t arch, const struct fs_sched_label *labels, size_t n)
{
    uint64_t h = mix(UINT64_C(0x243F6A8885A308D3), (uint64_t)cap->cpu);
    h = mix(h, (uint64_t)cap->mem);
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        h = mix(h, (uint64_t)cap->accel[k]);
    h = mix(h, (uint64_t)arch);
    for (size_t i = 0; i < n; i++)
        h = mix(h, (uint64_t)(uint32_t)labels[i].key << 32 | (uint32_t)labels[i].value);
    return mix(h, n);
}

static int class_is(const struct fs_sched_class *c, uint64_t h, const struct fs_sched_res *cap, int32_t arch,
                    const struct fs_sched_label *labels, size_t n)
{
    return c->hash == h && c->arch == arch && c->nlabels == n && res_equal(&c->cap, cap) &&
           (n == 0 || memcmp(c->labels, labels, n * sizeof *labels) == 0);
}

/* Insert class id into the open-addressing table (room assured). */
static void table_put(size_t *table, size_t cap, uint64_t h, size_t id)
{
    size_t j = (size_t)h & (cap - 1);
    while (table[j])
        j = (j + 1) & (cap - 1);
    table[j] = id + 1;
}

/* Rebuild class c's tree with `width` leaves (a power of two, more than its
 * members), its members first in their order: vacated leaves are
 * reclaimed. FS_ENOMEM leaves the class as it was. */
static int class_rebuild(struct fs_sched *s, struct fs_sched_class *c, size_t width)
{
    size_t *leaf = NULL;
    struct fs_sched_slot *tree = NULL;
    int64_t *accel = NULL;
    if (width > SIZE_MAX / 2 / sizeof *tree / FS_SCHED_MAX_ACCEL)
        return FS_ENOMEM;
    leaf = malloc(width * sizeof *leaf);
    tree = malloc(2 * width * sizeof *tree);
    if (c->has_accel)
        accel = malloc(2 * width * FS_SCHED_MAX_ACCEL * sizeof *accel);
    if (!leaf || !tree || (c->has_accel && !accel)) {
        free(leaf);
        free(tree);
        free(accel);
        return FS_ENOMEM;
    }
    size_t m = 0;
    for (size_t j = 0; j < c->used; j++) {
        size_t i = c->leaf[j];
        if (i != NONE) {
            s->node_leaf[i] = m;
            leaf[m++] = i;
        }
    }
    for (size_t j = m; j < width; j++)
        leaf[j] = NONE;
    free(c->leaf);
    free(c->tree);
    free(c->accel);
    c->leaf = leaf;
    c->tree = tree;
    c->accel = accel;
    c->width = width;
    c->used = m;
    for (size_t k = 2 * width - 1; k >= 1; k--)
        slot_pull(s, c, k);
    return FS_OK;
}

/* The class of a node with these attributes, with room for one more
 * member unless `node` is already in it: created if new. *out gets its
 * index, or NONE when the node is unschedulable (it is then in no class).
 * FS_ENOMEM: no member, no node and no placement sees a difference (an
 * empty class may have been added). */
static int class_prepare(struct fs_sched *s, size_t node, const struct fs_sched_res *cap, int32_t arch,
                         const struct fs_sched_label *labels, size_t nlabels, int schedulable, size_t *out)
{
    *out = NONE;
    if (!schedulable)
        return FS_OK;
    uint64_t h = class_hash(cap, arch, labels, nlabels);
    size_t id = NONE;
    for (size_t j = s->table_cap ? (size_t)h & (s->table_cap - 1) : 0; s->table_cap && s->class_table[j];
         j = (j + 1) & (s->table_cap - 1)) {
        if (class_is(&s->classes[s->class_table[j] - 1], h, cap, arch, labels, nlabels)) {
            id = s->class_table[j] - 1;
            break;
        }
    }
    if (id == NONE) {
        /* a new class: room in the arrays and the table first */
        if (s->nclasses == s->capclasses) {
            size_t ncap = s->capclasses ? 2 * s->capclasses : 8;
            if (ncap > SIZE_MAX / sizeof(struct fs_sched_class))
                return FS_ENOMEM;
            struct fs_sched_class *cl = realloc(s->classes, ncap * sizeof *cl);
            if (!cl)
                return FS_ENOMEM;
            s->classes = cl;
            size_t *live = realloc(s->live, ncap * sizeof *live);
            if (!live)
                return FS_ENOMEM; /* classes grew, capclasses did not: the next call retries */
            s->live = live;
            s->capclasses = ncap;
        }
        if (2 * (s->nclasses + 1) > s->table_cap) {
            size_t ncap = s->table_cap ? 2 * s->table_cap : 16;
            size_t *table = calloc(ncap, sizeof *table);
            if (!table)
                return FS_ENOMEM;
            for (size_t c = 0; c < s->nclasses; c++)
                table_put(table, ncap, s->classes[c].hash, c);
            free(s->class_table);
            s->class_table = table;
            s->table_cap = ncap;
        }
        struct fs_sched_label *copy = NULL;
        if (nlabels) {
            if (!(copy = malloc(nlabels * sizeof *copy)))
                return FS_ENOMEM;
            memcpy(copy, labels, nlabels * sizeof *copy);
        }
        id = s->nclasses++;
        struct fs_sched_class *c = &s->classes[id];
        memset(c, 0, sizeof *c);
        c->cap = *cap;
        c->arch = arch;
        c->labels = copy;
        c->nlabels = nlabels;
        c->hash = h;
        for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
            c->has_accel |= cap->accel[k] != 0;
        table_put(s->class_table, s->table_cap, h, id);
    }
    struct fs_sched_class *c = &s->classes[id];
    if ((node >= s->len || s->node_class[node] != id) && c->used == c->width) {
        /* full: reclaim vacated leaves, at least half the leaves free after */
        size_t width = 8;
        while (width < 2 * (c->members + 1))
            width *= 2;
        int rc = class_rebuild(s, c, width);
        if (rc != FS_OK)
            return rc;
    }
    *out = id;
    return FS_OK;
}

/* Put node i (its record up to date) in class `to` (NONE: in none), as
 * class_prepare prepared it. */
static void class_move(struct fs_sched *s, size_t i, size_t to)
{
    size_t from = s->node_class[i];
    if (from == to) {
        if (to != NONE)
            leaf_update(s, &s->classes[to], s->node_leaf[i]);
        FS_SCHED_HEAVY(fs_sched_index_check(s) == FS_OK);
        return;
    }
    if (from != NONE) {
        struct fs_sched_class *c = &s->classes[from];
        c->leaf[s->node_leaf[i]] = NONE;
        leaf_update(s, c, s->node_leaf[i]);
        if (--c->members == 0) {
            /* out of the live list: the last entry takes its place */
            size_t last = s->live[--s->live_classes];
            s->live[c->live_pos] = last;
            s->classes[last].live_pos = c->live_pos;
        }
    }
    s->node_class[i] = to;
    s->node_leaf[i] = NONE;
    if (to != NONE) {
        struct fs_sched_class *c = &s->classes[to];
        size_t j = c->used++;
        c->leaf[j] = i;
        s->node_leaf[i] = j;
        if (c->members++ == 0) {
            c->live_pos = s->live_classes;
            s->live[s->live_classes++] = to;
        }
        leaf_update(s, c, j);
    }
    FS_SCHED_HEAVY(fs_sched_index_check(s) == FS_OK);
}

/* Node i's allocation changed. */
static void class_touch(struct fs_sched *s, size_t i)
{
    if (s->node_class[i] != NONE)
        leaf_update(s, &s->classes[s->node_class[i]], s->node_leaf[i]);
    FS_SCHED_HEAVY(fs_sched_index_check(s) == FS_OK);
}

static void classes_free(struct fs_sched *s)
{
    for (size_t c = 0; c < s->nclasses; c++) {
        free(s->classes[c].labels);
        free(s->classes[c].leaf);
        free(s->classes[c].tree);
        free(s->classes[c].accel);
    }
    free(s->classes);
    free(s->live);
    free(s->class_table);
    free(s->node_class);
    free(s->node_leaf);
}

/* ------------------------------------------------------------------ */
/* Node table */

void fs_sched_init(struct fs_sched *s)
{
    memset(s, 0, sizeof *s);
}

void fs_sched_free(struct fs_sched *s)
{
    for (size_t i = 0; i < s->len; i++) {
        free(s->nodes[i].labels);
        free(s->nodes[i].images);
        free(s->nodes[i].data);
    }
    free(s->nodes);
    free(s->vers);
    free(s->sizes);
    free(s->image_nodes);
    free(s->data_sizes);
    classes_free(s);
    fs_sched_init(s);
}

static int res_valid(const struct fs_sched_res *r)
{
    if (r->cpu < 0 || r->mem < 0)
        return 0;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++) {
        if (r->accel[k] < 0)
            return 0;
    }
    return 1;
}

int fs_sched_add_node(struct fs_sched *s, const struct fs_sched_res *cap, int32_t arch, size_t *out_index)
{
    if (!cap || !res_valid(cap) || arch < 0 || arch >= FS_SCHED_MAX_ARCH)
        return FS_EINVAL;
    if (s->len == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        if (ncap > SIZE_MAX / sizeof(struct fs_sched_node))
            return FS_ENOMEM;
        struct fs_sched_node *nodes = realloc(s->nodes, ncap * sizeof *nodes);
        if (!nodes)
            return FS_ENOMEM;
        s->nodes = nodes;
        uint64_t *vers = realloc(s->vers, ncap * sizeof *vers);
        if (!vers)
            return FS_ENOMEM; /* nodes grew, cap did not: the next call retries */
        s->vers = vers;
        size_t *nc = realloc(s->node_class, ncap * sizeof *nc);
        if (!nc)
            return FS_ENOMEM;
        s->node_class = nc;
        size_t *nl = realloc(s->node_leaf, ncap * sizeof *nl);
        if (!nl)
            return FS_ENOMEM;
        s->node_leaf = nl;
        s->cap = ncap;
    }
    size_t cls;
    int rc = class_prepare(s, s->len, cap, arch, NULL, 0, 1, &cls);
    if (rc != FS_OK)
        return rc;
    struct fs_sched_node *n = &s->nodes[s->len];
    memset(n, 0, sizeof *n);
    n->cap = *cap;
    n->arch = arch;
    n->schedulable = 1;
    n->registry_bw = INFINITY;
    if (out_index)
        *out_index = s->len;
    s->vers[s->len] = ++s->clock;
    s->gen_holders++;
    s->node_class[s->len] = NONE;
    s->len++;
    class_move(s, s->len - 1, cls);
    return FS_OK;
}

/* Node i changed (see fs_sched.h). */
static void touch(struct fs_sched *s, size_t i)
{
    s->vers[i] = ++s->clock;
}

static int label_cmp(const void *pa, const void *pb)
{
    const struct fs_sched_label *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return 0;
}

int fs_sched_set_labels(struct fs_sched *s, size_t node, const struct fs_sched_label *pairs, size_t n)
{
    if (node >= s->len || (n && !pairs))
        return FS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (pairs[i].key < 0 || pairs[i].value < 0)
            return FS_EINVAL;
    }
    struct fs_sched_label *copy = NULL;
    size_t m = 0;
    if (n) {
        if (n > SIZE_MAX / sizeof *copy)
            return FS_ENOMEM;
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return FS_ENOMEM;
        memcpy(copy, pairs, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, label_cmp);
        for (size_t i = 0; i < n; i++) {
            if (m == 0 || label_cmp(&copy[m - 1], &copy[i]) != 0)
                copy[m++] = copy[i];
        }
    }
    struct fs_sched_node *nd = &s->nodes[node];
    size_t cls;
    int rc = class_prepare(s, node, &nd->cap, nd->arch, copy, m, nd->schedulable, &cls);
    if (rc != FS_OK) {
        free(copy);
        return rc;
    }
    free(nd->labels);
    nd->labels = copy;
    nd->nlabels = m;
    class_move(s, node, cls);
    touch(s, node);
    return FS_OK;
}

int fs_sched_set_schedulable(struct fs_sched *s, size_t node, int schedulable)
{
    if (node >= s->len)
        return FS_EINVAL;
    struct fs_sched_node *nd = &s->nodes[node];
    size_t cls;
    int rc = class_prepare(s, node, &nd->cap, nd->arch, nd->labels, nd->nlabels, schedulable != 0, &cls);
    if (rc != FS_OK)
        return rc;
    nd->schedulable = schedulable != 0;
    class_move(s, node, cls);
    touch(s, node);
    return FS_OK;
}

int fs_sched_set_capacity(struct fs_sched *s, size_t node, const struct fs_sched_res *cap)
{
    if (node >= s->len || !cap || !res_valid(cap))
        return FS_EINVAL;
    const struct fs_sched_res *a = &s->nodes[node].alloc;
    if (cap->cpu < a->cpu || cap->mem < a->mem)
        return FS_EINVAL;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++) {
        if (cap->accel[k] < a->accel[k])
            return FS_EINVAL;
    }
    struct fs_sched_node *nd = &s->nodes[node];
    size_t cls;
    int rc = class_prepare(s, node, cap, nd->arch, nd->labels, nd->nlabels, nd->schedulable, &cls);
    if (rc != FS_OK)
        return rc;
    nd->cap = *cap;
    class_move(s, node, cls);
    touch(s, node);
    return FS_OK;
}

int fs_sched_node_has_label(const struct fs_sched_node *n, struct fs_sched_label want)
{
    size_t lo = 0, hi = n->nlabels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = label_cmp(&n->labels[mid], &want);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int fs_sched_has_label(const struct fs_sched *s, size_t node, int32_t key, int32_t value)
{
    if (node >= s->len)
        return 0;
    struct fs_sched_label want = {key, value};
    return fs_sched_node_has_label(&s->nodes[node], want);
}

/* ------------------------------------------------------------------ */
/* Locality inputs. Small sorted arrays searched by bisection: they change
 * rarely (an image arrives on a node) and are read for every scored node. */

/* Grow *arr (elements of size elem) to hold at least need; 0 or FS_ENOMEM. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return FS_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return FS_ENOMEM;
        ncap *= 2;
    }
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return FS_ENOMEM;
    *arr = p;
    *cap = ncap;
    return FS_OK;
}

/* Index of the first count entry with id >= id. */
static size_t count_lower(const struct fs_sched_count *a, size_t n, int32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Add delta to the count of id (inserting it at 0 if absent); the caller
 * has reserved room for one more entry. */
static void count_add(struct fs_sched_count *a, size_t *n, int32_t id, int64_t delta)
{
    size_t i = count_lower(a, *n, id);
    if (i == *n || a[i].id != id) {
        memmove(&a[i + 1], &a[i], (*n - i) * sizeof *a);
        a[i].id = id;
        a[i].n = 0;
        (*n)++;
    }
    a[i].n += delta;
}

static int i32_cmp(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a > b) - (a < b);
}

static int ids_contain(const int32_t *a, size_t n, int32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] == id)
            return 1;
        if (a[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int fs_sched_set_images(struct fs_sched *s, size_t node, const int32_t *images, size_t n)
{
    if (node >= s->len || (n && !images))
        return FS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (images[i] < 0)
            return FS_EINVAL;
    struct fs_sched_node *nd = &s->nodes[node];
    int32_t *copy = NULL;
    size_t m = 0;
    if (n) {
        if (n > SIZE_MAX / sizeof *copy || !(copy = malloc(n * sizeof *copy)))
            return FS_ENOMEM;
        memcpy(copy, images, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, i32_cmp);
        for (size_t i = 0; i < n; i++)
            if (m == 0 || copy[m - 1] != copy[i])
                copy[m++] = copy[i];
    }
    /* room for every new id in the counts before anything changes */
    if (grow((void **)&s->image_nodes, &s->capimage_nodes, s->nimage_nodes + m, sizeof *s->image_nodes) != FS_OK) {
        free(copy);
        return FS_ENOMEM;
    }
    for (size_t i = 0; i < nd->nimages; i++)
        count_add(s->image_nodes, &s->nimage_nodes, nd->images[i], -1);
    for (size_t i = 0; i < m; i++)
        count_add(s->image_nodes, &s->nimage_nodes, copy[i], 1);
    free(nd->images);
    nd->images = copy;
    nd->nimages = m;
    touch(s, node);
    s->gen_holders++;
    return FS_OK;
}

int fs_sched_add_image(struct fs_sched *s, size_t node, int32_t image)
{
    if (node >= s->len || image < 0)
        return FS_EINVAL;
    struct fs_sched_node *nd = &s->nodes[node];
    if (ids_contain(nd->images, nd->nimages, image))
        return FS_OK;
    int32_t *imgs = realloc(nd->images, (nd->nimages + 1) * sizeof *imgs);
    if (!imgs)
        return FS_ENOMEM;
    nd->images = imgs;
    if (grow((void **)&s->image_nodes, &s->capimage_nodes, s->nimage_nodes + 1, sizeof *s->image_nodes) != FS_OK)
        return FS_ENOMEM;
    size_t i = nd->nimages;
    while (i > 0 && imgs[i - 1] > image) {
        imgs[i] = imgs[i - 1];
        i--;
    }
    imgs[i] = image;
    nd->nimages++;
    count_add(s->image_nodes, &s->nimage_nodes, image, 1);
    touch(s, node);
    s->gen_holders++;
    return FS_OK;
}

int fs_sched_node_has_image(const struct fs_sched *s, size_t node, int32_t image)
{
    if (node >= s->len)
        return 0;
    return ids_contain(s->nodes[node].images, s->nodes[node].nimages, image);
}

int64_t fs_sched_image_nodes(const struct fs_sched *s, int32_t image)
{
    size_t i = count_lower(s->image_nodes, s->nimage_nodes, image);
    return i < s->nimage_nodes && s->image_nodes[i].id == image ? s->image_nodes[i].n : 0;
}

int fs_sched_set_registry_bw(struct fs_sched *s, size_t node, double bw)
{
    if (node >= s->len || !(bw > 0)) /* NaN fails too */
        return FS_EINVAL;
    s->nodes[node].registry_bw = bw;
    touch(s, node);
    return FS_OK;
}

static int size_cmp(const struct fs_sched_image_size *a, int32_t image, int32_t arch)
{
    if (a->image != image)
        return a->image < image ? -1 : 1;
    return (a->arch > arch) - (a->arch < arch);
}

static size_t size_lower(const struct fs_sched *s, int32_t image, int32_t arch)
{
    size_t lo = 0, hi = s->nsizes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (size_cmp(&s->sizes[mid], image, arch) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int fs_sched_set_image_size(struct fs_sched *s, int32_t image, int32_t arch, int64_t size)
{
    if (image < 0 || arch < -1 || size < 0)
        return FS_EINVAL;
    size_t i = size_lower(s, image, arch);
    s->gen_sizes++;
    if (i < s->nsizes && size_cmp(&s->sizes[i], image, arch) == 0) {
        s->sizes[i].size = size;
        return FS_OK;
    }
    if (grow((void **)&s->sizes, &s->capsizes, s->nsizes + 1, sizeof *s->sizes) != FS_OK)
        return FS_ENOMEM;
    memmove(&s->sizes[i + 1], &s->sizes[i], (s->nsizes - i) * sizeof *s->sizes);
    s->sizes[i] = (struct fs_sched_image_size){image, arch, size, s->size_order++};
    s->nsizes++;
    return FS_OK;
}

int fs_sched_image_size(const struct fs_sched *s, int32_t image, int32_t arch, int64_t *size, int *fallback)
{
    size_t first = size_lower(s, image, -1); /* the image's entries start here (-1 sorts first) */
    size_t i = size_lower(s, image, arch);
    *fallback = 0;
    if (i < s->nsizes && size_cmp(&s->sizes[i], image, arch) == 0) {
        *size = s->sizes[i].size;
        return FS_OK;
    }
    if (first < s->nsizes && s->sizes[first].image == image && s->sizes[first].arch == -1) {
        *size = s->sizes[first].size;
        return FS_OK;
    }
    const struct fs_sched_image_size *best = NULL;
    for (size_t j = first; j < s->nsizes && s->sizes[j].image == image; j++)
        if (!best || s->sizes[j].order < best->order)
            best = &s->sizes[j];
    if (!best)
        return FS_EINVAL;
    *size = best->size;
    *fallback = 1;
    return FS_OK;
}

int fs_sched_set_data_size(struct fs_sched *s, int32_t item, int64_t size)
{
    if (item < 0 || size < 0)
        return FS_EINVAL;
    if (grow((void **)&s->data_sizes, &s->capdata_sizes, s->ndata_sizes + 1, sizeof *s->data_sizes) != FS_OK)
        return FS_ENOMEM;
    count_add(s->data_sizes, &s->ndata_sizes, item, 0);
    s->data_sizes[count_lower(s->data_sizes, s->ndata_sizes, item)].n = size;
    s->gen_sizes++;
    return FS_OK;
}

int64_t fs_sched_data_size(const struct fs_sched *s, int32_t item)
{
    size_t i = count_lower(s->data_sizes, s->ndata_sizes, item);
    return i < s->ndata_sizes && s->data_sizes[i].id == item ? s->data_sizes[i].n : -1;
}

static size_t data_lower(const struct fs_sched_node *nd, int32_t item)
{
    size_t lo = 0, hi = nd->ndata;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nd->data[mid].item < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int fs_sched_set_node_data(struct fs_sched *s, size_t node, int32_t item, double recv_bw, double send_bw)
{
    if (node >= s->len || item < 0 || !(recv_bw > 0) || !(send_bw > 0))
        return FS_EINVAL;
    struct fs_sched_node *nd = &s->nodes[node];
    size_t i = data_lower(nd, item);
    if (i == nd->ndata || nd->data[i].item != item) {
        struct fs_sched_data *d = realloc(nd->data, (nd->ndata + 1) * sizeof *d);
        if (!d)
            return FS_ENOMEM;
        nd->data = d;
        memmove(&d[i + 1], &d[i], (nd->ndata - i) * sizeof *d);
        nd->ndata++;
    }
    nd->data[i] = (struct fs_sched_data){item, recv_bw, send_bw};
    touch(s, node);
    return FS_OK;
}

const struct fs_sched_data *fs_sched_node_data(const struct fs_sched *s, size_t node, int32_t item)
{
    if (node >= s->len)
        return NULL;
    const struct fs_sched_node *nd = &s->nodes[node];
    size_t i = data_lower(nd, item);
    return i < nd->ndata && nd->data[i].item == item ? &nd->data[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Accounting. Free amounts (cap - alloc) never overflow because 0 <= alloc
 * <= cap; comparing the amount with them avoids computing alloc + amount
 * before knowing it fits. */

int fs_sched_node_fits(const struct fs_sched_node *n, const struct fs_sched_res *amount)
{
    if (amount->cpu > n->cap.cpu - n->alloc.cpu || amount->mem > n->cap.mem - n->alloc.mem)
        return 0;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        if (amount->accel[k] > n->cap.accel[k] - n->alloc.accel[k])
            return 0;
    return 1;
}

int fs_sched_allocate(struct fs_sched *s, size_t node, const struct fs_sched_res *amount)
{
    if (node >= s->len || !amount || !res_valid(amount))
        return FS_EINVAL;
    struct fs_sched_node *n = &s->nodes[node];
    if (!fs_sched_node_fits(n, amount))
        return FS_ENOSPACE;
    n->alloc.cpu += amount->cpu;
    n->alloc.mem += amount->mem;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        n->alloc.accel[k] += amount->accel[k];
    class_touch(s, node);
    touch(s, node);
    return FS_OK;
}

int fs_sched_release(struct fs_sched *s, size_t node, const struct fs_sched_res *amount)
{
    if (node >= s->len || !amount || !res_valid(amount))
        return FS_EINVAL;
    struct fs_sched_node *n = &s->nodes[node];
    if (amount->cpu > n->alloc.cpu || amount->mem > n->alloc.mem)
        return FS_EINVAL;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++) {
        if (amount->accel[k] > n->alloc.accel[k])
            return FS_EINVAL;
    }
    n->alloc.cpu -= amount->cpu;
    n->alloc.mem -= amount->mem;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
        n->alloc.accel[k] -= amount->accel[k];
    class_touch(s, node);
    touch(s, node);
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Filter */

/* Reason mask of node n for d (0: feasible); accel_short gets a bit per
 * accelerator kind the node lacks. */
static unsigned node_reasons(const struct fs_sched_node *n, const struct fs_sched_demand *d, unsigned *accel_short)
{
    unsigned m = 0, ak = 0;
    if (!n->schedulable)
        m |= 1u << FS_SCHED_R_UNSCHEDULABLE;
    if (d->arch_mask && !(d->arch_mask >> n->arch & 1))
        m |= 1u << FS_SCHED_R_ARCH;
    for (size_t i = 0; i < d->nselector; i++) {
        if (!fs_sched_node_has_label(n, d->selector[i])) {
            m |= 1u << FS_SCHED_R_LABELS;
            break;
        }
    }
    if (d->req.cpu > n->cap.cpu - n->alloc.cpu)
        m |= 1u << FS_SCHED_R_CPU;
    if (d->req.mem > n->cap.mem - n->alloc.mem)
        m |= 1u << FS_SCHED_R_MEMORY;
    for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++) {
        if (d->req.accel[k] > n->cap.accel[k] - n->alloc.accel[k])
            ak |= 1u << k;
    }
    if (ak)
        m |= 1u << FS_SCHED_R_ACCEL;
    if (accel_short)
        *accel_short = ak;
    return m;
}

static int demand_valid(const struct fs_sched *s, const struct fs_sched_demand *d)
{
    if (!res_valid(&d->req))
        return 0;
    if (d->node != FS_SCHED_ANY_NODE && (d->node < 0 || (uint64_t)d->node >= s->len))
        return 0;
    if (d->nselector && !d->selector)
        return 0;
    for (size_t i = 0; i < d->nselector; i++) {
        if (d->selector[i].key < 0 || d->selector[i].value < 0)
            return 0;
    }
    return 1;
}

int fs_sched_filter(const struct fs_sched *s, size_t node, const struct fs_sched_demand *d, unsigned *reasons)
{
    if (node >= s->len || !d || !reasons || !demand_valid(s, d))
        return FS_EINVAL;
    *reasons = node_reasons(&s->nodes[node], d, NULL);
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Scoring keys (see the design note): the policy's ranking quantity for
 * node n after placing req, as an exact ratio. */

static struct ratio score_key(const struct fs_sched_node *n, const struct fs_sched_res *req, int policy)
{
    /* r = alloc + req < 2^64 (both below 2^63), also for a node that does
     * not fit (the index bounds keys with them): numerators below 2^128,
     * denominators below 2^126, cross products below 2^254. */
    uint64_t rc = (uint64_t)n->alloc.cpu + (uint64_t)req->cpu, cc = (uint64_t)n->cap.cpu;
    uint64_t rm = (uint64_t)n->alloc.mem + (uint64_t)req->mem, cm = (uint64_t)n->cap.mem;
    struct ratio k;
    if (policy == FS_SCHED_BALANCED) {
        if (cc == 0 || cm == 0) {
            /* k8s leaves a zero-capacity resource out: one fraction left,
             * deviation 0. */
            k.n = (struct u128){0, 0};
            k.d = (struct u128){1, 0};
            return k;
        }
        struct u128 a = mul64(rc, cm), b = mul64(rm, cc);
        k.n = cmp128(a, b) >= 0 ? sub128(a, b) : sub128(b, a);
        k.d = mul64(cc, cm);
        return k;
    }
    /* LEAST and MOST rank by u_cpu + u_mem. A zero capacity scores 0 in
     * k8s: that is u = 1 under LEAST, u = 0 under MOST. */
    if (cc == 0) {
        rc = policy == FS_SCHED_LEAST_ALLOCATED;
        cc = 1;
    }
    if (cm == 0) {
        rm = policy == FS_SCHED_LEAST_ALLOCATED;
        cm = 1;
    }
    k.n = add128(mul64(rc, cm), mul64(rm, cc));
    k.d = mul64(cc, cm);
    return k;
}

/* Is key x strictly better than the best so far under policy? */
static int key_better(const struct ratio *x, const struct ratio *best, int policy)
{
    int c = ratio_cmp(x, best);
    return policy == FS_SCHED_MOST_ALLOCATED ? c > 0 : c < 0;
}

/* ------------------------------------------------------------------ */
/* Placement by the class index (LEAST and MOST; see the design note) */

struct search {
    const struct fs_sched *s;
    const struct fs_sched_class *c;
    const struct fs_sched_demand *d;
    int policy, most;
    size_t best; /* NONE until a feasible node is found */
    struct ratio best_key;
};

/* Can some node below slot k have the free amounts of the demand? */
static int slot_room(const struct search *q, size_t k)
{
    const struct fs_sched_slot *t = &q->c->tree[k];
    if (t->cpu < q->d->req.cpu || t->mem < q->d->req.mem)
        return 0;
    if (q->c->has_accel) {
        const int64_t *acc = &q->c->accel[k * FS_SCHED_MAX_ACCEL];
        for (int a = 0; a < FS_SCHED_MAX_ACCEL; a++)
            if (acc[a] < q->d->req.accel[a])
                return 0;
    }
    return 1;
}

/* Depth first below slot k: a node that beats q->best becomes it. */
static void class_search(struct search *q, size_t k)
{
    const struct fs_sched_slot *t = &q->c->tree[k];
    size_t w = q->most ? t->most : t->least;
    if (w == NONE || !slot_room(q, k))
        return;
    /* w's key bounds every key below (by (key, index)): stop unless it
     * beats the best so far */
    const struct fs_sched_node *n = &q->s->nodes[w];
    struct ratio key = score_key(n, &q->d->req, q->policy);
    if (q->best != NONE) {
        int c = ratio_cmp(&key, &q->best_key);
        if (q->most)
            c = -c;
        if (c > 0 || (c == 0 && w > q->best))
            return;
    }
    if (fs_sched_node_fits(n, &q->d->req)) {
        q->best = w;
        q->best_key = key;
        return;
    }
    if (k >= q->c->width)
        return;
    /* the child of the better winner first: its subtree holds the keys
     * closest to w's */
    size_t l = 2 * k, r = 2 * k + 1;
    const struct fs_sched_slot *tl = &q->c->tree[l], *tr = &q->c->tree[r];
    size_t wl = q->most ? tl->most : tl->least, wr = q->most ? tr->most : tr->least;
    if (winner(q->s, wl, wr, q->most) == wr) {
        size_t x = l;
        l = r;
        r = x;
    }
    class_search(q, l);
    class_search(q, r);
}

static int labels_have(const struct fs_sched_label *labels, size_t n, struct fs_sched_label want)
{
    struct fs_sched_node probe;
    probe.labels = (struct fs_sched_label *)labels;
    probe.nlabels = n;
    return fs_sched_node_has_label(&probe, want);
}

static int place_indexed(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, size_t *out_node)
{
    struct search q = {s, NULL, d, policy, policy == FS_SCHED_MOST_ALLOCATED, NONE, {{0, 0}, {1, 0}}};
    for (size_t l = 0; l < s->live_classes; l++) {
        const struct fs_sched_class *c = &s->classes[s->live[l]];
        if (d->arch_mask && !(d->arch_mask >> c->arch & 1))
            continue;
        size_t i = 0;
        while (i < d->nselector && labels_have(c->labels, c->nlabels, d->selector[i]))
            i++;
        if (i < d->nselector)
            continue;
        if (!c->has_accel) {
            int any = 0;
            for (int a = 0; a < FS_SCHED_MAX_ACCEL; a++)
                any |= d->req.accel[a] != 0;
            if (any)
                continue;
        }
        q.c = c;
        class_search(&q, 1);
    }
    if (q.best == NONE)
        return FS_ENOSPACE;
    *out_node = q.best;
    return FS_OK;
}

int fs_sched_place_indexed(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, size_t *out_node)
{
    if (!d || !out_node || (policy != FS_SCHED_LEAST_ALLOCATED && policy != FS_SCHED_MOST_ALLOCATED) ||
        !demand_valid(s, d))
        return FS_EINVAL;
    if (d->node != FS_SCHED_ANY_NODE) {
        const struct fs_sched_node *n = &s->nodes[d->node];
        if (node_reasons(n, d, NULL))
            return FS_ENOSPACE;
        *out_node = (size_t)d->node;
        return FS_OK;
    }
    return place_indexed(s, d, policy, out_node);
}

/* ------------------------------------------------------------------ */
/* Placement */

int fs_sched_place(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, struct fs_rng *rng,
                   size_t *out_node, struct fs_sched_report *report)
{
    if (!d || !out_node || policy < 0 || policy >= FS_SCHED_NPOLICIES || !demand_valid(s, d))
        return FS_EINVAL;
    if (policy == FS_SCHED_RANDOM && !rng)
        return FS_EINVAL;
    if (!report && d->node == FS_SCHED_ANY_NODE &&
        (policy == FS_SCHED_LEAST_ALLOCATED || policy == FS_SCHED_MOST_ALLOCATED) && s->live_classes <= s->len / 4) {
        int rc = place_indexed(s, d, policy, out_node);
#ifdef FS_CHECK_HEAVY
        struct fs_sched_report rep;
        size_t scan = SIZE_MAX;
        int rs = fs_sched_place(s, d, policy, NULL, &scan, &rep);
        assert(rs == rc && (rc != FS_OK || scan == *out_node));
        (void)rs;
#endif
        return rc;
    }

    struct fs_sched_report rep;
    memset(&rep, 0, sizeof rep);
    size_t lo = 0, hi = s->len;
    if (d->node != FS_SCHED_ANY_NODE) {
        lo = (size_t)d->node;
        hi = lo + 1;
    }
    rep.considered = hi - lo;

    size_t best = SIZE_MAX;
    struct ratio best_key = {{0, 0}, {1, 0}};
    int scored = policy == FS_SCHED_LEAST_ALLOCATED || policy == FS_SCHED_MOST_ALLOCATED || policy == FS_SCHED_BALANCED;
    for (size_t i = lo; i < hi; i++) {
        const struct fs_sched_node *n = &s->nodes[i];
        unsigned ak;
        unsigned m = node_reasons(n, d, &ak);
        if (m) {
            for (int r = 0; r < FS_SCHED_NREASONS; r++)
                rep.rejected[r] += m >> r & 1;
            for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++)
                rep.accel[k] += ak >> k & 1;
            continue;
        }
        rep.feasible++;
        if (scored) {
            struct ratio key = score_key(n, &d->req, policy);
            if (best == SIZE_MAX || key_better(&key, &best_key, policy)) {
                best = i;
                best_key = key;
            }
        }
        else if (best == SIZE_MAX) {
            best = i; /* FIRST_FIT; RANDOM picks below */
            if (!report && policy == FS_SCHED_FIRST_FIT)
                break; /* nobody counts the rest */
        }
    }

    if (policy == FS_SCHED_RANDOM) {
        /* Exactly one draw, feasible or not (see the design note). */
        uint64_t x = fs_rng_next_u64(rng);
        if (rep.feasible) {
            uint64_t k = mul64(x, (uint64_t)rep.feasible).hi; /* floor(x * n / 2^64) < n */
            for (size_t i = lo; i < hi; i++) {
                if (node_reasons(&s->nodes[i], d, NULL) == 0 && k-- == 0) {
                    best = i;
                    break;
                }
            }
        }
    }

    if (report)
        *report = rep;
    if (!rep.feasible)
        return FS_ENOSPACE;
    *out_node = best;
    return FS_OK;
}

int fs_sched_survey(const struct fs_sched *s, const struct fs_sched_demand *d, struct fs_sched_report *report)
{
    if (!report)
        return FS_EINVAL;
    size_t out;
    /* FIRST_FIT draws nothing; with a report it examines every node */
    int rc = fs_sched_place(s, d, FS_SCHED_FIRST_FIT, NULL, &out, report);
    return rc == FS_ENOSPACE ? FS_OK : rc;
}

int fs_sched_index_check(const struct fs_sched *s)
{
    size_t members = 0, live = 0;
    for (size_t i = 0; i < s->len; i++) {
        const struct fs_sched_node *n = &s->nodes[i];
        size_t c = s->node_class[i];
        if (!n->schedulable) {
            if (c != NONE)
                return FS_EINVAL;
            continue;
        }
        if (c >= s->nclasses)
            return FS_EINVAL;
        const struct fs_sched_class *cl = &s->classes[c];
        if (!class_is(cl, class_hash(&n->cap, n->arch, n->labels, n->nlabels), &n->cap, n->arch, n->labels, n->nlabels))
            return FS_EINVAL;
        if (s->node_leaf[i] >= cl->used || cl->leaf[s->node_leaf[i]] != i)
            return FS_EINVAL;
        members++;
    }
    size_t total = 0;
    for (size_t c = 0; c < s->nclasses; c++) {
        const struct fs_sched_class *cl = &s->classes[c];
        size_t m = 0;
        for (size_t j = 0; j < cl->used; j++)
            m += cl->leaf[j] != NONE;
        for (size_t j = cl->used; j < cl->width; j++)
            if (cl->leaf[j] != NONE)
                return FS_EINVAL;
        if (m != cl->members)
            return FS_EINVAL;
        total += m;
        if (m) {
            live++;
            if (cl->live_pos >= s->live_classes || s->live[cl->live_pos] != c)
                return FS_EINVAL;
        }
        /* every slot as slot_pull would compute it */
        for (size_t k = 2 * cl->width - 1; k >= 1; k--) {
            struct fs_sched_slot u;
            int64_t acc[FS_SCHED_MAX_ACCEL];
            slot_compute(s, cl, k, &u, cl->has_accel ? acc : NULL);
            const struct fs_sched_slot *t = &cl->tree[k];
            if (t->least != u.least || t->most != u.most || t->cpu != u.cpu || t->mem != u.mem)
                return FS_EINVAL;
            if (cl->has_accel && memcmp(acc, &cl->accel[k * FS_SCHED_MAX_ACCEL], sizeof acc) != 0)
                return FS_EINVAL;
        }
    }
    if (total != members || live != s->live_classes)
        return FS_EINVAL;
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Reporting */

/* r = min(alloc + req, cap) as a double fraction of cap; *zero tells
 * whether cap is 0 (the fraction is then 0). */
static double used_fraction(int64_t alloc, int64_t req, int64_t cap, int *zero)
{
    *zero = cap == 0;
    if (cap == 0)
        return 0.0;
    int64_t r = req > cap - alloc ? cap : alloc + req;
    return (double)r / (double)cap;
}

int fs_sched_score(const struct fs_sched *s, size_t node, const struct fs_sched_res *req, int policy, double *out)
{
    if (node >= s->len || !req || !out || !res_valid(req))
        return FS_EINVAL;
    const struct fs_sched_node *n = &s->nodes[node];
    int zc, zm;
    double uc = used_fraction(n->alloc.cpu, req->cpu, n->cap.cpu, &zc);
    double um = used_fraction(n->alloc.mem, req->mem, n->cap.mem, &zm);
    switch (policy) {
    case FS_SCHED_LEAST_ALLOCATED:
        *out = ((zc ? 0.0 : 1.0 - uc) + (zm ? 0.0 : 1.0 - um)) / 2.0;
        return FS_OK;
    case FS_SCHED_MOST_ALLOCATED:
        *out = (uc + um) / 2.0; /* a zero capacity gave 0 */
        return FS_OK;
    case FS_SCHED_BALANCED: {
        double dev = (zc || zm) ? 0.0 : uc - um;
        *out = 1.0 - (dev < 0 ? -dev : dev) / 2.0;
        return FS_OK;
    }
    default:
        return FS_EINVAL;
    }
}

const char *fs_sched_policy_name(int policy)
{
    static const char *const names[FS_SCHED_NPOLICIES] = {"least_allocated", "most_allocated", "balanced", "random",
                                                          "first_fit"};
    return policy >= 0 && policy < FS_SCHED_NPOLICIES ? names[policy] : NULL;
}

const char *fs_sched_reason_name(int reason)
{
    static const char *const names[FS_SCHED_NREASONS] = {"unschedulable", "arch",   "labels",
                                                         "cpu",           "memory", "accelerator"};
    return reason >= 0 && reason < FS_SCHED_NREASONS ? names[reason] : NULL;
}

/* A bounded string builder: len counts what the full text needs, so the
 * caller can learn the size as with snprintf. */
struct sbuf {
    char *buf;
    size_t size, len;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = b->len < b->size ? vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (w > 0)
        b->len += (size_t)w;
}

size_t fs_sched_explain(const struct fs_sched_report *r, char *buf, size_t size)
{
    static const char *const one[FS_SCHED_NREASONS] = {"is unschedulable",       "has a disallowed architecture",
                                                       "lacks a selected label", "lacks cpu",
                                                       "lacks memory",           "lacks accelerator"};
    static const char *const many[FS_SCHED_NREASONS] = {"are unschedulable",     "have a disallowed architecture",
                                                        "lack a selected label", "lack cpu",
                                                        "lack memory",           "lack accelerator"};
    struct sbuf b = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    sb_printf(&b, "%zu/%zu %s fit", r->feasible, r->considered, r->considered == 1 ? "node" : "nodes");
    const char *sep = ": ";
    for (int reason = 0; reason < FS_SCHED_NREASONS; reason++) {
        size_t c = r->rejected[reason];
        if (!c)
            continue;
        if (reason != FS_SCHED_R_ACCEL) {
            sb_printf(&b, "%s%zu %s", sep, c, c == 1 ? one[reason] : many[reason]);
            sep = ", ";
            continue;
        }
        for (int k = 0; k < FS_SCHED_MAX_ACCEL; k++) {
            size_t ck = r->accel[k];
            if (ck) {
                sb_printf(&b, "%s%zu %s %d", sep, ck, ck == 1 ? one[reason] : many[reason], k);
                sep = ", ";
            }
        }
    }
    return b.len;
}
