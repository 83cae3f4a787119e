/* fs_sim: clock, queue and native C actions; see fs_sim.h. */
#include "fs_sim.h"

#include <math.h>
#include <stdlib.h>

/* Tickers are kept on a doubly linked list owned by the fs_sim, so that one
 * can unlink itself after its last tick. */
struct fs_ticker {
    double interval;
    uint64_t remaining;
    struct fs_ticker *prev, *next;
};

static void ticker_unlink_free(struct fs_sim *sim, struct fs_ticker *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        sim->tickers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    free(t);
}

int fs_sim_init(struct fs_sim *sim, double initial_time)
{
    sim->now = initial_time;
    sim->now_int = 0;
    sim->native_ticks = 0;
    sim->tickers = NULL;
    return fs_queue_init(&sim->queue, 64);
}

void fs_sim_free(struct fs_sim *sim)
{
    fs_queue_free(&sim->queue);
    struct fs_ticker *t = sim->tickers;
    while (t) {
        struct fs_ticker *next = t->next;
        free(t);
        t = next;
    }
    sim->tickers = NULL;
}

static int ticker_fire(struct fs_sim *sim, void *data)
{
    struct fs_ticker *t = data;
    sim->native_ticks++;
    if (--t->remaining == 0) {
        ticker_unlink_free(sim, t);
        return FS_OK;
    }
    double next = sim->now + t->interval;
    if (isinf(next)) {
        ticker_unlink_free(sim, t);
        return FS_EINVAL;
    }
    int rc = fs_queue_push(&sim->queue, next, FS_PRIO_NORMAL, ticker_fire, t);
    if (rc != FS_OK)
        ticker_unlink_free(sim, t);
    return rc;
}

int fs_entry_is_ticker(const struct fs_entry *e)
{
    return e->fn == ticker_fire;
}

static int is_ticker(const struct fs_entry *e, void *ctx)
{
    (void)ctx;
    return fs_entry_is_ticker(e);
}

size_t fs_sim_cancel_tickers(struct fs_sim *sim)
{
    size_t n = fs_queue_remove_if(&sim->queue, is_ticker, NULL);
    /* Every live ticker had exactly one pending entry: all are gone now. */
    while (sim->tickers)
        ticker_unlink_free(sim, sim->tickers);
    return n;
}

int fs_time_advances(double now, double gap)
{
    double base = fabs(now) > 1.0 ? fabs(now) : 1.0;
    if (!(gap > 0.0) || !isfinite(now + gap))
        return 0;
    return base + gap > base;
}

int fs_sim_add_ticker(struct fs_sim *sim, double interval, uint64_t count, uint64_t streams)
{
    if (!(interval >= 0.0) || !isfinite(interval) || count == 0 || !isfinite(sim->now + interval))
        return FS_EINVAL;
    for (uint64_t i = 0; i < streams; i++) {
        struct fs_ticker *t = malloc(sizeof *t);
        if (!t)
            return FS_ENOMEM;
        t->interval = interval;
        t->remaining = count;
        t->prev = NULL;
        t->next = sim->tickers;
        if (sim->tickers)
            sim->tickers->prev = t;
        sim->tickers = t;
        int rc = fs_queue_push(&sim->queue, sim->now + interval, FS_PRIO_NORMAL, ticker_fire, t);
        if (rc != FS_OK) {
            ticker_unlink_free(sim, t);
            return rc;
        }
    }
    return FS_OK;
}
