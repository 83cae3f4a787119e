/* fs_queue: implicit 4-ary min-heap of fs_entry; see fs_queue.h. */
#include "fs_queue.h"

#include <assert.h>
#include <stdlib.h>

int fs_queue_init(struct fs_queue *q, size_t initial_capacity)
{
    if (initial_capacity < 16)
        initial_capacity = 16;
    if (initial_capacity > SIZE_MAX / sizeof(struct fs_entry))
        q->heap = NULL; /* the byte size would overflow */
    else
        q->heap = malloc(initial_capacity * sizeof(struct fs_entry));
    q->len = 0;
    q->cap = q->heap ? initial_capacity : 0;
    q->next_seq = 0;
    return q->heap ? FS_OK : FS_ENOMEM;
}

void fs_queue_free(struct fs_queue *q)
{
    free(q->heap);
    q->heap = NULL;
    q->len = q->cap = 0;
}

static int grow(struct fs_queue *q)
{
    size_t ncap = q->cap ? q->cap * 2 : 16;
    if (ncap > SIZE_MAX / sizeof(struct fs_entry))
        return FS_ENOMEM;
    struct fs_entry *h = realloc(q->heap, ncap * sizeof(struct fs_entry));
    if (!h)
        return FS_ENOMEM;
    q->heap = h;
    q->cap = ncap;
    return FS_OK;
}

/* The heap is 4-ary: children of i are 4i+1 .. 4i+4. A wider node halves
 * the depth and keeps the children of a node in adjacent memory. */
#define ARITY 4

#ifdef __SIZEOF_INT128__
/* The entry's (time, order) as one 128-bit number: fs_entry_less compares
 * these. The loops below compute the key of the entry they carry once. */
typedef unsigned __int128 entry_key;
static inline entry_key key_of(const struct fs_entry *e)
{
    return ((entry_key)fs_time_key(e->time) << 64) | e->order;
}
#define KEY_LESS(ka, kb) ((ka) < (kb))
#else
typedef const struct fs_entry *entry_key;
static inline entry_key key_of(const struct fs_entry *e)
{
    return e;
}
#define KEY_LESS(ka, kb) fs_entry_less((ka), (kb))
#endif

/* Move the hole at index i up until `e` fits, then store e there. */
static void sift_up(struct fs_entry *h, size_t i, struct fs_entry e)
{
    entry_key ke = key_of(&e);
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!KEY_LESS(ke, key_of(&h[parent])))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* Index of the smallest child of i (which must have at least one child). */
static inline size_t min_child(const struct fs_entry *h, size_t len, size_t i)
{
    size_t first = ARITY * i + 1;
    size_t end = first + ARITY < len ? first + ARITY : len;
    size_t best = first;
    entry_key kb = key_of(&h[first]);
    for (size_t c = first + 1; c < end; c++) {
        entry_key kc = key_of(&h[c]);
        if (KEY_LESS(kc, kb)) {
            kb = kc;
            best = c;
        }
    }
    return best;
}

/* Move the hole at index i down until `e` fits, then store e there. */
static void sift_down(struct fs_entry *h, size_t len, size_t i, struct fs_entry e)
{
    while (ARITY * i + 1 < len) {
        size_t child = min_child(h, len, i);
        if (!fs_entry_less(&h[child], &e))
            break;
        h[i] = h[child];
        i = child;
    }
    h[i] = e;
}

#ifdef FS_CHECK_HEAVY
#define FS_HEAVY_ASSERT(cond) assert(cond)
#else
#define FS_HEAVY_ASSERT(cond) ((void)0)
#endif

int fs_queue_valid(const struct fs_queue *q)
{
    for (size_t i = 0; i < q->len; i++) {
        if (q->heap[i].time != q->heap[i].time) /* NaN */
            return 0;
        if (i > 0 && fs_entry_less(&q->heap[i], &q->heap[(i - 1) / ARITY]))
            return 0;
    }
    return 1;
}

int fs_queue_push_tagged(struct fs_queue *q, double time, int priority, unsigned tag, fs_action_fn fn, void *data)
{
    assert(tag <= 1);
    assert(time == time); /* callers reject NaN */
    if (priority < FS_PRIORITY_MIN || priority > FS_PRIORITY_MAX)
        return FS_EINVAL;
    if (q->next_seq > FS_SEQ_MAX)
        return FS_EOVERFLOW;
    if (q->len == q->cap) {
        int rc = grow(q);
        if (rc != FS_OK)
            return rc;
    }
    struct fs_entry e;
    e.time = time + 0.0; /* -0.0 becomes +0.0 (see fs_time_key) */
    e.order = ((uint64_t)(priority + FS_PRIORITY_BIAS) << FS_SEQ_BITS) | q->next_seq++ << 1 | (tag & 1u);
    e.fn = fn;
    e.data = data;
    sift_up(q->heap, q->len++, e);
    FS_HEAVY_ASSERT(fs_queue_valid(q));
    return FS_OK;
}

int fs_queue_pop(struct fs_queue *q, struct fs_entry *out)
{
    if (q->len == 0)
        return FS_EEMPTY;
    struct fs_entry *h = q->heap;
    *out = h[0];
    size_t n = --q->len;
    if (n == 0)
        return FS_OK;
    /* Bottom-up deletion: walk the hole from the root to a leaf along the
     * smaller children (one comparison per level), then sift the former last
     * entry up from there. The last entry is usually large, so the sift-up
     * stops at once: about half the comparisons of a classic sift-down. */
    size_t i = 0;
    while (ARITY * i + 1 < n) {
        size_t c = min_child(h, n, i);
        h[i] = h[c];
        i = c;
    }
    sift_up(h, i, h[n]);
    assert(!fs_entry_less(&h[0], out)); /* nothing orders before what was popped */
    FS_HEAVY_ASSERT(fs_queue_valid(q));
    return FS_OK;
}

size_t fs_queue_remove_if(struct fs_queue *q, int (*pred)(const struct fs_entry *, void *), void *ctx)
{
    size_t kept = 0, removed = 0;
    for (size_t i = 0; i < q->len; i++) {
        if (pred(&q->heap[i], ctx))
            removed++;
        else
            q->heap[kept++] = q->heap[i];
    }
    q->len = kept;
    if (removed) {
        /* Rebuild the heap bottom-up (Floyd), O(n). */
        /* (len - 2) / ARITY is the last node that has a child. */
        for (size_t i = q->len >= 2 ? (q->len - 2) / ARITY + 1 : 0; i-- > 0;)
            sift_down(q->heap, q->len, i, q->heap[i]);
    }
    FS_HEAVY_ASSERT(fs_queue_valid(q));
    return removed;
}
