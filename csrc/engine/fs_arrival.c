/* fs_arrival.c: rate-modulated Poisson arrivals by thinning and the replay
 * of per-interval counts (see the design note in fs_arrival.h). */
#include "fs_arrival.h"

#include "fs_sim.h"

#include <math.h>
#include <string.h>

#define TWO_PI 6.283185307179586476925286766559 /* M_PI is POSIX, not C11 */

static const int nparams[FS_ARR_NKINDS] = {
    [FS_ARR_SINE] = 4, [FS_ARR_RANDOM_WALK] = 5, [FS_ARR_BURSTS] = 5, [FS_ARR_ON_OFF] = 4, [FS_ARR_BINS] = 3};

int fs_arrival_nparams(int kind)
{
    return kind >= 0 && kind < FS_ARR_NKINDS ? nparams[kind] : -1;
}

#define TOO_FAST                                                                                                       \
    "is too large: the mean gap between arrivals (1 / rate seconds) does not advance simulated time (at most about "   \
    "1e15 requests per second)"

#define BAD(i, msg)                                                                                                    \
    do {                                                                                                               \
        *bad = (i);                                                                                                    \
        *why = (msg);                                                                                                  \
        return FS_EINVAL;                                                                                              \
    } while (0)

int fs_arrival_check(int kind, const double *p, int *bad, const char **why)
{
    int n = fs_arrival_nparams(kind);
    *bad = -1;
    *why = "unknown kind";
    if (n < 0)
        return FS_EINVAL;
    for (int i = 0; i < n; i++)
        if (!isfinite(p[i]))
            BAD(i, "must be finite");
    switch (kind) {
    case FS_ARR_SINE:
        if (!(p[0] > 0))
            BAD(0, "must be > 0");
        if (!(p[1] >= 0) || !(p[1] <= p[0]))
            BAD(1, "must be in [0, mean_rate] (the rate must not go negative)");
        if (!(p[2] > 0))
            BAD(2, "must be > 0");
        if (!isfinite(p[0] + p[1]))
            BAD(1, "must keep mean_rate + amplitude finite");
        break;
    case FS_ARR_RANDOM_WALK:
        if (!(p[1] >= 0))
            BAD(1, "must be >= 0");
        if (!(p[2] > 0))
            BAD(2, "must be > 0");
        if (!(p[3] >= 0))
            BAD(3, "must be >= 0");
        if (!(p[4] > 0) || !(p[4] >= p[3]))
            BAD(4, "must be > 0 and >= min_rate");
        if (!(p[0] >= p[3]) || !(p[0] <= p[4]))
            BAD(0, "must be in [min_rate, max_rate]");
        if (p[1] == 0 && p[0] == 0)
            BAD(0, "must be > 0 when sigma is 0 (the rate would stay 0)");
        if (!isfinite(p[4] - p[3]))
            BAD(4, "must keep max_rate - min_rate finite");
        break;
    case FS_ARR_BURSTS:
        if (!(p[0] >= 0))
            BAD(0, "must be >= 0");
        if (!(p[1] >= 0))
            BAD(1, "must be >= 0");
        if (!(p[2] > 0))
            BAD(2, "must be > 0");
        if (!(p[3] >= 0) || !(p[3] <= p[2]))
            BAD(3, "must be in [0, burst_every]");
        if (!(p[4] >= 0))
            BAD(4, "must be >= 0");
        if (!(p[0] > 0) && !(p[1] > 0 && p[3] > 0))
            BAD(0, "must be > 0 unless bursts have a positive burst_rate and burst_length (the rate would stay 0)");
        break;
    case FS_ARR_ON_OFF:
        if (!(p[0] > 0))
            BAD(0, "must be > 0");
        if (!(p[1] > 0))
            BAD(1, "must be > 0");
        if (!(p[2] >= 0))
            BAD(2, "must be >= 0");
        if (p[3] != 0 && p[3] != 1)
            BAD(3, "must be 0 (fixed durations) or 1 (exponential durations)");
        if (!isfinite(p[1] + p[2]))
            BAD(2, "must keep on + off finite");
        break;
    default: /* FS_ARR_BINS */
        if (!(p[0] > 0))
            BAD(0, "must be > 0");
        if (!(p[1] >= 0))
            BAD(1, "must be >= 0");
        if (p[2] != FS_ARR_SPREAD_UNIFORM && p[2] != FS_ARR_SPREAD_POISSON)
            BAD(2, "must be 0 (uniform) or 1 (poisson)");
        return FS_OK;
    }
    /* the thinning rate: its mean gap must be resolvable in simulated time (an
     * infinite gap, from a subnormal rate, is an arrival never reached) */
    int top = kind == FS_ARR_SINE ? 0 : kind == FS_ARR_RANDOM_WALK ? 4 : kind == FS_ARR_BURSTS && p[1] > p[0] ? 1 : 0;
    double lmax = kind == FS_ARR_SINE ? p[0] + p[1] : p[top];
    if (isfinite(1.0 / lmax) && !fs_time_advances(0.0, 1.0 / lmax))
        BAD(top, TOO_FAST);
    return FS_OK;
}

#undef BAD
#undef TOO_FAST

int fs_arrival_init(struct fs_arrival *a, int kind, const double *p, const int64_t *counts, size_t nbins)
{
    int bad;
    const char *why;
    if (fs_arrival_check(kind, p, &bad, &why) != FS_OK)
        return FS_EINVAL;
    if (kind == FS_ARR_BINS) {
        if (nbins && !counts)
            return FS_EINVAL;
        for (size_t i = 0; i < nbins; i++)
            if (counts[i] < 0)
                return FS_EINVAL;
    }
    memset(a, 0, sizeof *a);
    a->kind = kind;
    memcpy(a->p, p, (size_t)fs_arrival_nparams(kind) * sizeof *p);
    switch (kind) {
    case FS_ARR_SINE:
        a->lmax = p[0] + p[1];
        break;
    case FS_ARR_RANDOM_WALK:
        a->lmax = p[4];
        break;
    case FS_ARR_BURSTS:
        a->lmax = p[0] > p[1] ? p[0] : p[1];
        break;
    case FS_ARR_ON_OFF:
        a->lmax = p[0];
        break;
    default:
        a->counts = counts;
        a->nbins = nbins;
        break;
    }
    fs_arrival_start(a, 0.0);
    return FS_OK;
}

/* The duration of an exponential period of mean m (one draw; none for 0). */
static double exp_period(struct fs_rng *r, double m)
{
    return m > 0 ? -m * log1p(-fs_rng_uniform01(r)) : 0.0;
}

void fs_arrival_start(struct fs_arrival *a, double t0)
{
    a->t0 = t0;
    a->tc = t0;
    a->seg = 0;
    a->k = 0;
    a->x = 0.0;
    a->on = 1;
    a->cur = a->kind == FS_ARR_RANDOM_WALK ? a->p[0] : 0.0;
    /* The random walk's first step ends at t0 + step; an exponential on
     * period is drawn when a candidate first needs it (seg_end = -inf). */
    a->seg_end = a->kind == FS_ARR_RANDOM_WALK ? t0 + a->p[2] : -INFINITY;
}

/* Fold x into [lo, hi] by reflection at both ends. */
static double reflect(double x, double lo, double hi)
{
    double w = hi - lo;
    if (w <= 0)
        return lo;
    if (x >= lo && x <= hi)
        return x;
    double y = fmod(x - lo, 2 * w);
    if (y < 0)
        y += 2 * w;
    if (y > w)
        y = 2 * w - y;
    double v = lo + y;
    return v < lo ? lo : v > hi ? hi : v;
}

static double rate_of_time(const struct fs_arrival *a, double t)
{
    const double *p = a->p;
    double s = t - a->t0;
    switch (a->kind) {
    case FS_ARR_SINE:
        return p[0] + p[1] * sin(TWO_PI * s / p[2] + p[3]);
    case FS_ARR_BURSTS: {
        double pos = s - p[4];
        return pos >= 0 && fmod(pos, p[2]) < p[3] ? p[1] : p[0];
    }
    default: /* FS_ARR_ON_OFF with fixed durations */
        return p[2] == 0 || fmod(s, p[1] + p[2]) < p[1] ? p[0] : 0.0;
    }
}

int fs_arrival_rate(const struct fs_arrival *a, double t, double *out)
{
    if (a->kind == FS_ARR_SINE || a->kind == FS_ARR_BURSTS || (a->kind == FS_ARR_ON_OFF && a->p[3] == 0)) {
        *out = rate_of_time(a, t);
        return FS_OK;
    }
    return FS_EINVAL;
}

/* The rate at candidate time t (candidates come in order): advances the
 * random state (walk steps, exponential periods) up to t. */
static int rate_at(struct fs_arrival *a, struct fs_rng *r, double t, double *out)
{
    const double *p = a->p;
    if (a->kind == FS_ARR_RANDOM_WALK) {
        while (t >= a->seg_end) {
            a->seg++;
            if (p[1] > 0) {
                double z;
                int rc = fs_rng_normal(r, 0.0, p[1], &z);
                if (rc != FS_OK)
                    return rc;
                a->cur = reflect(a->cur + z, p[3], p[4]);
            }
            a->seg_end = a->t0 + (double)(a->seg + 1) * p[2];
        }
        *out = a->cur;
        return FS_OK;
    }
    if (a->kind == FS_ARR_ON_OFF && p[3] != 0) {
        if (a->seg_end == -INFINITY)
            a->seg_end = a->t0 + exp_period(r, p[1]);
        while (t >= a->seg_end) {
            a->on = !a->on;
            a->seg++;
            a->seg_end += exp_period(r, a->on ? p[1] : p[2]);
        }
        *out = a->on ? p[0] : 0.0;
        return FS_OK;
    }
    *out = rate_of_time(a, t);
    return FS_OK;
}

static int next_thinned(struct fs_arrival *a, struct fs_rng *r, double until, double *out)
{
    for (;;) {
        double dt, rate;
        int rc = fs_rng_exponential(r, a->lmax, &dt);
        if (rc != FS_OK)
            return rc;
        a->tc += dt;
        if (!(a->tc <= until) || !isfinite(a->tc)) {
            a->tc = INFINITY; /* over */
            *out = INFINITY;
            return FS_OK;
        }
        if ((rc = rate_at(a, r, a->tc, &rate)) != FS_OK)
            return rc;
        if (rate >= a->lmax || fs_rng_uniform01(r) * a->lmax < rate) {
            *out = a->tc;
            return FS_OK;
        }
    }
}

static int next_binned(struct fs_arrival *a, struct fs_rng *r, double until, double *out)
{
    const double *p = a->p;
    while ((size_t)a->seg < a->nbins && a->k >= a->counts[a->seg]) {
        a->seg++;
        a->k = 0;
        a->x = 0.0;
    }
    if ((size_t)a->seg >= a->nbins) {
        *out = INFINITY;
        return FS_OK;
    }
    int64_t n = a->counts[a->seg];
    double e0 = a->t0 + p[1] + (double)a->seg * p[0];
    double e1 = a->t0 + p[1] + (double)(a->seg + 1) * p[0];
    double f;
    if (p[2] == FS_ARR_SPREAD_UNIFORM)
        f = ((double)a->k + 0.5) / (double)n;
    else {
        /* the smallest of the m = n - k order statistics left above x */
        double u = fs_rng_uniform01(r);
        double m = (double)(n - a->k);
        f = a->x + (1.0 - a->x) * -expm1(log1p(-u) / m);
        if (f >= 1.0)
            f = nextafter(1.0, 0.0);
        if (f < a->x)
            f = a->x;
        a->x = f;
    }
    double t = e0 + p[0] * f;
    if (t >= e1)
        t = nextafter(e1, -INFINITY);
    if (t < e0)
        t = e0;
    a->k++;
    if (!(t <= until)) {
        a->seg = (int64_t)a->nbins; /* over */
        t = INFINITY;
    }
    *out = t;
    return FS_OK;
}

int fs_arrival_next(struct fs_arrival *a, struct fs_rng *r, double until, double *out)
{
    if (a->kind == FS_ARR_BINS)
        return next_binned(a, r, until, out);
    if (a->tc == INFINITY) {
        *out = INFINITY;
        return FS_OK;
    }
    return next_thinned(a, r, until, out);
}
