/* fs_sched.c: node table, exact resource accounting and placement; see the
 * design note in fs_sched.h. */
#include "fs_sched.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        s->cap = ncap;
    }
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
    s->len++;
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
    free(nd->labels);
    nd->labels = copy;
    nd->nlabels = m;
    touch(s, node);
    return FS_OK;
}

int fs_sched_set_schedulable(struct fs_sched *s, size_t node, int schedulable)
{
    if (node >= s->len)
        return FS_EINVAL;
    s->nodes[node].schedulable = schedulable != 0;
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
    s->nodes[node].cap = *cap;
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
    /* Feasible nodes only: r = alloc + req <= cap, no overflow. */
    uint64_t rc = (uint64_t)(n->alloc.cpu + req->cpu), cc = (uint64_t)n->cap.cpu;
    uint64_t rm = (uint64_t)(n->alloc.mem + req->mem), cm = (uint64_t)n->cap.mem;
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
/* Placement */

int fs_sched_place(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, struct fs_rng *rng,
                   size_t *out_node, struct fs_sched_report *report)
{
    if (!d || !out_node || policy < 0 || policy >= FS_SCHED_NPOLICIES || !demand_valid(s, d))
        return FS_EINVAL;
    if (policy == FS_SCHED_RANDOM && !rng)
        return FS_EINVAL;

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
