/*
 * fs_queue: the engine's event queue.
 *
 * Design note
 * -----------
 * The queue owns nothing but an array of plain C entries. Each entry is
 * (time, order, fn, data):
 *   - time:  simulated seconds, finite (callers validate; NaN never enters);
 *   - order: (priority + FS_PRIORITY_BIAS) << FS_SEQ_BITS | seq << 1 | tag,
 *            so that one unsigned comparison gives SimPy's tie-breaking:
 *            lower priority value first (URGENT=0 before NORMAL=1), then
 *            insertion order. The tag bit is the caller's (the bindings mark
 *            entries whose time is an integer, as SimPy's clock keeps Python
 *            ints); since seq is unique it never decides an order;
 *   - fn:    NULL for an entry whose data is an opaque object the caller
 *            processes itself (the bindings store a Python event there), or a
 *            C action that the run loop calls without touching any Python
 *            object.
 * Ordering contract: entries pop in ascending (time, order). Two entries
 * never compare equal because seq is unique per queue.
 * Complexity: push and pop are O(log n) on an implicit 4-ary heap (pop walks
 * the hole down to a leaf, then sifts the last entry up); peek is O(1); the
 * heap grows by doubling and never shrinks.
 * Checks: two tiers of asserts on the engine's own invariants (never on user
 * input, which callers validate): cheap ones (the popped entry orders before
 * the new top, no NaN time) whenever asserts are on (FAASSIM_DEBUG builds and
 * the C tests), and a full heap validation after every operation when
 * FS_CHECK_HEAVY is defined as well.
 * Memory: the queue never frees or dereferences `data`; whoever pushed an
 * entry owns what it points to and must take back the entries left in the
 * queue (the heap array, q->heap[0 .. q->len), is readable for that) before
 * fs_queue_free.
 */
#ifndef FS_QUEUE_H
#define FS_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FS_SEQ_BITS 56
#define FS_PRIORITY_BIAS 128
#define FS_PRIORITY_MIN (-128)
#define FS_PRIORITY_MAX 127
/* seq takes bits 1 .. FS_SEQ_BITS - 1 of order, the tag bit 0. */
#define FS_SEQ_MAX ((UINT64_C(1) << (FS_SEQ_BITS - 1)) - 1)

enum fs_status {
    FS_OK = 0,
    FS_ENOMEM = -1,   /* allocation failed */
    FS_EINVAL = -2,   /* invalid argument (priority out of range, ...) */
    FS_EEMPTY = -3,   /* nothing to pop */
    FS_EOVERFLOW = -4 /* sequence numbers exhausted */
};

struct fs_sim;
/* A C action: runs when its entry is popped, after sim->now has been set to
 * the entry's time. Returns FS_OK or a negative fs_status; the run loop stops
 * on a failing action. */
typedef int (*fs_action_fn)(struct fs_sim *sim, void *data);

struct fs_entry {
    double time;
    uint64_t order;
    fs_action_fn fn;
    void *data;
};

struct fs_queue {
    struct fs_entry *heap;
    size_t len;
    size_t cap;
    uint64_t next_seq;
};

int fs_queue_init(struct fs_queue *q, size_t initial_capacity);
void fs_queue_free(struct fs_queue *q);
/* Push an entry with tag bit `tag` (0 or 1, read back with fs_entry_tag);
 * returns FS_OK, FS_ENOMEM, FS_EINVAL or FS_EOVERFLOW. */
int fs_queue_push_tagged(struct fs_queue *q, double time, int priority, unsigned tag, fs_action_fn fn, void *data);
/* Push an entry with tag 0. */
static inline int fs_queue_push(struct fs_queue *q, double time, int priority, fs_action_fn fn, void *data)
{
    return fs_queue_push_tagged(q, time, priority, 0, fn, data);
}
/* Pop the smallest entry into *out; FS_EEMPTY if the queue is empty. */
int fs_queue_pop(struct fs_queue *q, struct fs_entry *out);
/* Remove every entry for which pred(entry, ctx) is true, keeping the heap
 * order of the others; O(n). Used to cancel C actions whose owner goes away,
 * so that no stale work stays behind. Returns the number removed. */
size_t fs_queue_remove_if(struct fs_queue *q, int (*pred)(const struct fs_entry *, void *), void *ctx);

/* Full check of the heap invariant (every parent orders before its children,
 * times are not NaN); O(n). Returns 1 if the queue is valid. Used by the C
 * tests and, in FAASSIM_DEBUG builds with FS_CHECK_HEAVY defined, after every
 * operation. */
int fs_queue_valid(const struct fs_queue *q);

static inline int fs_queue_empty(const struct fs_queue *q)
{
    return q->len == 0;
}
static inline const struct fs_entry *fs_queue_peek(const struct fs_queue *q)
{
    return q->len ? &q->heap[0] : NULL;
}
static inline int fs_entry_priority(const struct fs_entry *e)
{
    return (int)(e->order >> FS_SEQ_BITS) - FS_PRIORITY_BIAS;
}
static inline uint64_t fs_entry_seq(const struct fs_entry *e)
{
    return (e->order >> 1) & FS_SEQ_MAX;
}
static inline unsigned fs_entry_tag(const struct fs_entry *e)
{
    return (unsigned)(e->order & 1);
}
/* An unsigned integer with the same order as the (finite, non-NaN) double
 * t: flip the sign bit of non-negative numbers, all bits of negative ones.
 * -0.0 and +0.0 map to different keys, so fs_queue_push stores +0.0 for
 * both. */
static inline uint64_t fs_time_key(double t)
{
    uint64_t u;
    memcpy(&u, &t, sizeof u);
    return u ^ ((uint64_t)((int64_t)u >> 63) | UINT64_C(0x8000000000000000));
}

/* Strict ordering used by the heap; exposed for tests. With 128-bit
 * integers, (time, order) is compared as one number: no data-dependent
 * branch, which matters because simulations are full of equal times. */
static inline int fs_entry_less(const struct fs_entry *a, const struct fs_entry *b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 ka = ((unsigned __int128)fs_time_key(a->time) << 64) | a->order;
    unsigned __int128 kb = ((unsigned __int128)fs_time_key(b->time) << 64) | b->order;
    return ka < kb;
#else
    return a->time < b->time || (a->time == b->time && a->order < b->order);
#endif
}

#endif
