/*
 * fs_rng: the seeded random source and the distributions that built-ins
 * draw from.
 *
 * Design note
 * -----------
 * Generator: xoshiro256** (Blackman and Vigna), 256 bits of state, period
 * 2^256 - 1, written here from the published description. A 64-bit seed is
 * expanded into the state with four outputs of splitmix64 started at the
 * seed, so nearby seeds give unrelated streams and the all-zero state (the
 * one state xoshiro must avoid) is never produced in practice (it is
 * checked anyway). fs_rng_jump and fs_rng_long_jump advance the state by
 * 2^128 and 2^192 steps in 256 steps' time (the published jump
 * polynomials).
 *
 * Spawning (independent sub-streams, provably disjoint): a child takes the
 * parent's current stream and the parent jumps ahead. One fixed jump for
 * every spawn would not do: a child that spawns in turn would jump into the
 * stream of its next sibling (offsets add up and commute). So the offset
 * depends on the level: a seeded stream (level 0) long-jumps 2^192 per
 * child, a child (level 1) jumps 2^128 per grandchild, and a grandchild
 * (level 2) cannot spawn (FS_EINVAL). Every stream of the tree then owns at
 * least 2^128 draws of its own, for up to 2^64 children per parent.
 *
 * Determinism: every draw is a pure function of the state. The integer
 * paths (next_u64, below) and uniform01 are bit-identical on every
 * platform; the real-valued distributions use only +, *, /, sqrt (all
 * correctly rounded in IEEE 754) and log, log1p, exp from libm, so they are
 * bit-identical on one platform and agree to the last ulp or so across
 * libms.
 *
 * Distributions (the draws each one consumes are part of the contract):
 *   uniform01        (next >> 11) * 2^-53: a multiple of 2^-53 in [0, 1); one draw.
 *   uniform(a, b)    a + (b - a) * u, with a, b and b - a finite (a > b
 *                    allowed, as in Python's random.uniform); one draw.
 *   exponential(r)   -log1p(-u) / r (inverse transform; 1 - u is in (0, 1], so
 *                    the log is finite), r finite > 0; one draw.
 *   normal(mu, sd)   Marsaglia's polar method: draw (u, v) uniform in the unit
 *                    disc by rejection (two draws per attempt, acceptance
 *                    pi/4), return u*f and keep v*f as the spare, f =
 *                    sqrt(-2 ln s / s). The spare lives in the state (so it
 *                    is saved, restored and copied with it) and is dropped
 *                    by seed, jump and set_state. sd finite >= 0.
 *   lognormal(s, loc, scale)  scipy.stats.lognorm's parameters:
 *                    loc + scale * exp(s * N(0, 1)); s finite >= 0 (s = 0
 *                    gives the constant loc + scale), loc finite, scale
 *                    finite > 0. Median loc + scale, mean
 *                    loc + scale * exp(s^2 / 2).
 *   constant(c)      c finite; consumes nothing.
 *   below(n)         an integer in [0, n) without modulo bias: take the top
 *                    bit_length(n - 1) bits of a draw and reject values
 *                    >= n (fewer than 2 draws on average); n = 1 gives 0
 *                    without drawing.
 * A struct fs_dist holds one validated distribution and optional bounds:
 * bounded sampling redraws until a value falls in [xmin, xmax] and gives up
 * after max_attempts with FS_EREJECTED (the state has then advanced).
 *
 * Status codes: FS_OK, FS_EINVAL (a parameter is NaN, infinite or out of
 * its domain; *out untouched) and FS_EREJECTED below.
 */
#ifndef FS_RNG_H
#define FS_RNG_H

#include <stdint.h>

#include "fs_queue.h" /* enum fs_status: FS_OK, FS_EINVAL */

/* The random source's own status, outside the range of enum fs_status so
 * that other engine modules can extend that enum freely. */
enum fs_rng_status {
    FS_EREJECTED = -16 /* bounded draw: every attempt fell outside the bounds */
};

/* Cap on the attempts of a bounded draw unless the caller sets another. */
#define FS_RNG_MAX_ATTEMPTS 1000000u

#define FS_RNG_MAX_LEVEL 2 /* spawn levels: 0 seeded, 1 child, 2 grandchild */

struct fs_rng {
    uint64_t s[4]; /* xoshiro256** state, never all zero */
    uint64_t seed; /* the seed the stream was started from (informative) */
    double spare;  /* second variate of the polar method, if has_spare */
    int has_spare;
    int level; /* spawn level, 0 .. FS_RNG_MAX_LEVEL */
};

/* Start the stream of `seed` (any 64-bit value), at level 0. */
void fs_rng_seed(struct fs_rng *r, uint64_t seed);
/* Set the raw state (getstate/setstate); FS_EINVAL if it is all zero. Drops
 * the spare normal; seed and level are left to the caller. */
int fs_rng_set_state(struct fs_rng *r, const uint64_t s[4]);
/* Advance by 2^128 (jump) or 2^192 (long jump) draws; drop the spare
 * normal. */
void fs_rng_jump(struct fs_rng *r);
void fs_rng_long_jump(struct fs_rng *r);
/* child := parent (the current stream, spare included) one level down, then
 * advance the parent (see the design note). FS_EINVAL, and nothing
 * changes, when the parent is at FS_RNG_MAX_LEVEL. */
int fs_rng_spawn(struct fs_rng *parent, struct fs_rng *child);

static inline uint64_t fs_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The next 64 random bits. */
static inline uint64_t fs_rng_next_u64(struct fs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = fs_rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = fs_rng_rotl(s[3], 45);
    return result;
}

/* A double in [0, 1) with 53 random bits. */
static inline double fs_rng_uniform01(struct fs_rng *r)
{
    return (double)(fs_rng_next_u64(r) >> 11) * 0x1.0p-53;
}

/* Integer in [0, n); FS_EINVAL if n == 0. */
int fs_rng_below(struct fs_rng *r, uint64_t n, uint64_t *out);

int fs_rng_uniform(struct fs_rng *r, double a, double b, double *out);
int fs_rng_exponential(struct fs_rng *r, double rate, double *out);
int fs_rng_normal(struct fs_rng *r, double mu, double sigma, double *out);
int fs_rng_lognormal(struct fs_rng *r, double s, double loc, double scale, double *out);
int fs_rng_constant(double c, double *out);

/* A validated distribution, optionally bounded. */
enum fs_dist_kind {
    FS_DIST_CONSTANT = 0, /* p: value */
    FS_DIST_UNIFORM,      /* p: a, b */
    FS_DIST_EXPONENTIAL,  /* p: rate */
    FS_DIST_NORMAL,       /* p: mu, sigma */
    FS_DIST_LOGNORMAL,    /* p: s, loc, scale */
    FS_DIST_NKINDS
};

struct fs_dist {
    int kind;          /* enum fs_dist_kind */
    double p[3];       /* parameters, unused ones 0 */
    double xmin, xmax; /* bounds; -inf, +inf when unbounded */
    uint32_t max_attempts;
};

/* Number of parameters a kind takes (-1 for an unknown kind). */
int fs_dist_nparams(int kind);
/* Check kind and parameters (exactly fs_dist_nparams(kind) of them) and fill
 * *d, unbounded. FS_EINVAL leaves *d untouched. */
int fs_dist_init(struct fs_dist *d, int kind, const double *params, int nparams);
/* Bound *d to [xmin, xmax] (inclusive; infinite ends allowed) with at most
 * max_attempts draws per sample. FS_EINVAL if a bound is NaN, xmin > xmax,
 * xmin == xmax == +-inf, or max_attempts == 0. */
int fs_dist_bound(struct fs_dist *d, double xmin, double xmax, uint32_t max_attempts);
/* One sample of *d: FS_OK, or FS_EREJECTED when bounded and no attempt fell
 * within the bounds. */
int fs_dist_sample(struct fs_rng *r, const struct fs_dist *d, double *out);

#endif
