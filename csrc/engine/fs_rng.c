/* fs_rng.c: xoshiro256** seeded by splitmix64, and the distributions (see
 * the design note in fs_rng.h). */
#include "fs_rng.h"

#include <math.h>

/* One step of splitmix64 (Steele, Lea and Flood): a Weyl sequence with
 * increment 2^64 / golden ratio, scrambled by two xor-shift-multiply
 * rounds. */
static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void fs_rng_seed(struct fs_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&x);
    /* splitmix64 is a bijection of its counter, so four zero outputs in a
     * row cannot occur; keep the invariant explicit all the same. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = UINT64_C(0x9E3779B97F4A7C15);
    r->seed = seed;
    r->spare = 0.0;
    r->has_spare = 0;
    r->level = 0;
}

int fs_rng_set_state(struct fs_rng *r, const uint64_t s[4])
{
    if ((s[0] | s[1] | s[2] | s[3]) == 0)
        return FS_EINVAL;
    for (int i = 0; i < 4; i++)
        r->s[i] = s[i];
    r->spare = 0.0;
    r->has_spare = 0;
    return FS_OK;
}

/* Jump polynomials for 2^128 and 2^192 steps: the state after the jump
 * is the sum (xor) over the set bits b of the polynomial of T^b(state),
 * where T is the state transition (linear over GF(2)). Published with the
 * generator; tests/rng_reference.py checks them against T^(2^128) and
 * T^(2^192) computed by repeated squaring of the transition matrix. */
static const uint64_t fs_rng_jump_poly[4] = {
    UINT64_C(0x180EC6D33CFD0ABA),
    UINT64_C(0xD5A61266F0C9392C),
    UINT64_C(0xA9582618E03FC9AA),
    UINT64_C(0x39ABDC4529B1661C),
};

static const uint64_t fs_rng_long_jump_poly[4] = {
    UINT64_C(0x76E15D3EFEFDCBBF),
    UINT64_C(0xC5004E441C522FB3),
    UINT64_C(0x77710069854EE241),
    UINT64_C(0x39109BB02ACBE635),
};

static void jump_by(struct fs_rng *r, const uint64_t poly[4])
{
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (poly[w] >> b & 1) {
                for (int i = 0; i < 4; i++)
                    acc[i] ^= r->s[i];
            }
            (void)fs_rng_next_u64(r);
        }
    }
    for (int i = 0; i < 4; i++)
        r->s[i] = acc[i];
    r->spare = 0.0;
    r->has_spare = 0;
}

void fs_rng_jump(struct fs_rng *r)
{
    jump_by(r, fs_rng_jump_poly);
}

void fs_rng_long_jump(struct fs_rng *r)
{
    jump_by(r, fs_rng_long_jump_poly);
}

int fs_rng_spawn(struct fs_rng *parent, struct fs_rng *child)
{
    if (parent->level >= FS_RNG_MAX_LEVEL)
        return FS_EINVAL;
    *child = *parent;
    child->level = parent->level + 1;
    if (parent->level == 0)
        fs_rng_long_jump(parent);
    else
        fs_rng_jump(parent);
    return FS_OK;
}

/* Number of bits needed to write x (0 for 0). */
static int bit_length(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return x ? 64 - __builtin_clzll(x) : 0;
#else
    int n = 0;
    while (x) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

int fs_rng_below(struct fs_rng *r, uint64_t n, uint64_t *out)
{
    if (n == 0)
        return FS_EINVAL;
    if (n == 1) {
        *out = 0;
        return FS_OK;
    }
    /* Top k bits of a draw are uniform in [0, 2^k), 2^k < 2n: accept those
     * below n. The top bits are used because they are the best ones of
     * every scrambled generator (and the cheapest to take). */
    int shift = 64 - bit_length(n - 1);
    uint64_t x;
    do
        x = fs_rng_next_u64(r) >> shift;
    while (x >= n);
    *out = x;
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Real-valued distributions. The unchecked helpers take validated
 * parameters; the public functions check and then call them. */

static double std_normal(struct fs_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * fs_rng_uniform01(r) - 1.0;
        v = 2.0 * fs_rng_uniform01(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

static double draw_uniform(struct fs_rng *r, double a, double b)
{
    return a + (b - a) * fs_rng_uniform01(r);
}

static double draw_exponential(struct fs_rng *r, double rate)
{
    return -log1p(-fs_rng_uniform01(r)) / rate;
}

static double draw_normal(struct fs_rng *r, double mu, double sigma)
{
    return mu + sigma * std_normal(r);
}

static double draw_lognormal(struct fs_rng *r, double s, double loc, double scale)
{
    return loc + scale * exp(s * std_normal(r));
}

int fs_rng_uniform(struct fs_rng *r, double a, double b, double *out)
{
    if (!isfinite(b - a)) /* also catches a or b NaN or infinite */
        return FS_EINVAL;
    *out = draw_uniform(r, a, b);
    return FS_OK;
}

int fs_rng_exponential(struct fs_rng *r, double rate, double *out)
{
    if (!(rate > 0.0) || !isfinite(rate))
        return FS_EINVAL;
    *out = draw_exponential(r, rate);
    return FS_OK;
}

int fs_rng_normal(struct fs_rng *r, double mu, double sigma, double *out)
{
    if (!isfinite(mu) || !(sigma >= 0.0) || !isfinite(sigma))
        return FS_EINVAL;
    *out = draw_normal(r, mu, sigma);
    return FS_OK;
}

int fs_rng_lognormal(struct fs_rng *r, double s, double loc, double scale, double *out)
{
    if (!(s >= 0.0) || !isfinite(s) || !isfinite(loc) || !(scale > 0.0) || !isfinite(scale))
        return FS_EINVAL;
    *out = draw_lognormal(r, s, loc, scale);
    return FS_OK;
}

int fs_rng_constant(double c, double *out)
{
    if (!isfinite(c))
        return FS_EINVAL;
    *out = c;
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Distribution specs */

static const int fs_dist_arity[FS_DIST_NKINDS] = {
    [FS_DIST_CONSTANT] = 1, [FS_DIST_UNIFORM] = 2,   [FS_DIST_EXPONENTIAL] = 1,
    [FS_DIST_NORMAL] = 2,   [FS_DIST_LOGNORMAL] = 3,
};

int fs_dist_nparams(int kind)
{
    return kind >= 0 && kind < FS_DIST_NKINDS ? fs_dist_arity[kind] : -1;
}

static int dist_params_ok(int kind, const double *p)
{
    switch (kind) {
    case FS_DIST_CONSTANT:
        return isfinite(p[0]);
    case FS_DIST_UNIFORM:
        return isfinite(p[1] - p[0]);
    case FS_DIST_EXPONENTIAL:
        return p[0] > 0.0 && isfinite(p[0]);
    case FS_DIST_NORMAL:
        return isfinite(p[0]) && p[1] >= 0.0 && isfinite(p[1]);
    case FS_DIST_LOGNORMAL:
        return p[0] >= 0.0 && isfinite(p[0]) && isfinite(p[1]) && p[2] > 0.0 && isfinite(p[2]);
    default:
        return 0;
    }
}

int fs_dist_init(struct fs_dist *d, int kind, const double *params, int nparams)
{
    int arity = fs_dist_nparams(kind);
    if (arity < 0 || nparams != arity)
        return FS_EINVAL;
    double p[3] = {0.0, 0.0, 0.0};
    for (int i = 0; i < nparams; i++)
        p[i] = params[i];
    if (!dist_params_ok(kind, p))
        return FS_EINVAL;
    d->kind = kind;
    for (int i = 0; i < 3; i++)
        d->p[i] = p[i];
    d->xmin = -INFINITY;
    d->xmax = INFINITY;
    d->max_attempts = FS_RNG_MAX_ATTEMPTS;
    return FS_OK;
}

int fs_dist_bound(struct fs_dist *d, double xmin, double xmax, uint32_t max_attempts)
{
    if (isnan(xmin) || isnan(xmax) || xmin > xmax || max_attempts == 0)
        return FS_EINVAL;
    if (xmin == xmax && isinf(xmin)) /* [inf, inf] or [-inf, -inf]: no finite value fits */
        return FS_EINVAL;
    d->xmin = xmin;
    d->xmax = xmax;
    d->max_attempts = max_attempts;
    return FS_OK;
}

static double dist_draw(struct fs_rng *r, const struct fs_dist *d)
{
    switch (d->kind) {
    case FS_DIST_UNIFORM:
        return draw_uniform(r, d->p[0], d->p[1]);
    case FS_DIST_EXPONENTIAL:
        return draw_exponential(r, d->p[0]);
    case FS_DIST_NORMAL:
        return draw_normal(r, d->p[0], d->p[1]);
    case FS_DIST_LOGNORMAL:
        return draw_lognormal(r, d->p[0], d->p[1], d->p[2]);
    default: /* FS_DIST_CONSTANT; fs_dist_init admits no other kind */
        return d->p[0];
    }
}

int fs_dist_sample(struct fs_rng *r, const struct fs_dist *d, double *out)
{
    if (d->xmin == -INFINITY && d->xmax == INFINITY) {
        *out = dist_draw(r, d);
        return FS_OK;
    }
    if (d->kind == FS_DIST_CONSTANT) { /* draws nothing: one look decides */
        if (!(d->p[0] >= d->xmin && d->p[0] <= d->xmax))
            return FS_EREJECTED;
        *out = d->p[0];
        return FS_OK;
    }
    for (uint32_t i = 0; i < d->max_attempts; i++) {
        double x = dist_draw(r, d);
        if (x >= d->xmin && x <= d->xmax) {
            *out = x;
            return FS_OK;
        }
    }
    return FS_EREJECTED;
}
