/* Unit tests for csrc/engine/fs_arrival.{h,c}.
 *
 * Exact checks: parameter validation, the draws each kind consumes (a
 * stream rebuilt here from fs_rng calls), per-bin counts and bounds of the
 * count replay, `until`. Statistical checks count arrivals of long streams
 * against the integral of the rate, with a seed from the runner's PRNG
 * (argv[1] varies it), accepting within 6 standard deviations (Poisson: sd
 * = sqrt(mean)). */
#include "fs_test.h"

#include "../engine/fs_arrival.h"

#include <math.h>
#include <string.h>

#define ZMAX 6.0

static uint64_t seed_of_run(void)
{
    return fs_test_rand();
}

/* Arrivals of a up to `until` (at most cap), into t; returns the count. */
static size_t collect(struct fs_arrival *a, struct fs_rng *r, double until, double *t, size_t cap)
{
    size_t n = 0;
    for (;;) {
        double x;
        if (fs_arrival_next(a, r, until, &x) != FS_OK || !isfinite(x) || n == cap)
            return n;
        t[n++] = x;
    }
}

static void test_arrival_check(void)
{
    int bad;
    const char *why;
    double ok_sine[] = {10, 5, 60, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, ok_sine, &bad, &why), FS_OK);
    double s1[] = {10, 11, 60, 0}; /* amplitude > mean */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, s1, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 1);
    double s2[] = {10, 1, 0, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, s2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 2);
    double s3[] = {10, 1, 1, NAN};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, s3, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 3);
    CHECK(strstr(why, "finite") != NULL);
    double w1[] = {5, 1, 1, 6, 10}; /* rate < min_rate */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_RANDOM_WALK, w1, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 0);
    double w2[] = {5, 1, 1, 6, 4}; /* max < min */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_RANDOM_WALK, w2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 4);
    double w3[] = {0, 0, 1, 0, 4}; /* stuck at 0 */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_RANDOM_WALK, w3, &bad, &why), FS_EINVAL);
    double w4[] = {3, 0, 1, 3, 3}; /* a constant walk is fine */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_RANDOM_WALK, w4, &bad, &why), FS_OK);
    double b1[] = {1, 10, 5, 6, 0}; /* length > every */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_BURSTS, b1, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 3);
    double b2[] = {0, 10, 5, 0, 0}; /* zero for ever */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_BURSTS, b2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 0);
    double o1[] = {1, 1, 1, 0.5};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_ON_OFF, o1, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 3);
    double o2[] = {1, 0, 1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_ON_OFF, o2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 1);
    double m1[] = {60, -1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_BINS, m1, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 1);
    double m2[] = {60, 0, 2};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_BINS, m2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 2);
    /* a thinning rate whose mean gap vanishes against simulated time */
    const double fast_sine[4] = {1e300, 0, 1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, fast_sine, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 0);
    CHECK(strstr(why, "too large") != NULL);
    const double fast_sine2[4] = {1e15, 0, 1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, fast_sine2, &bad, &why), FS_OK);
    const double fast_walk[5] = {1, 0, 1, 0, 1e17};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_RANDOM_WALK, fast_walk, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 4);
    const double fast_bursts[5] = {1, 1e300, 10, 1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_BURSTS, fast_bursts, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 1);
    const double slow_sine[4] = {1e-310, 0, 1, 0}; /* 1 / rate is infinite: never an arrival, not too fast */
    CHECK_EQ_I(fs_arrival_check(FS_ARR_SINE, slow_sine, &bad, &why), FS_OK);
    const double fast_onoff[4] = {1e300, 1, 1, 0};
    CHECK_EQ_I(fs_arrival_check(FS_ARR_ON_OFF, fast_onoff, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(bad, 0);
    CHECK_EQ_I(fs_arrival_check(99, m2, &bad, &why), FS_EINVAL);
    CHECK_EQ_I(fs_arrival_nparams(99), -1);
    /* init refuses what check refuses, and negative counts */
    struct fs_arrival a;
    memset(&a, 0x5a, sizeof a);
    CHECK_EQ_I(fs_arrival_init(&a, FS_ARR_SINE, s1, NULL, 0), FS_EINVAL);
    CHECK_EQ_I(a.kind, 0x5a5a5a5a); /* untouched */
    int64_t neg[] = {1, -1};
    double m0[] = {60, 0, 0};
    CHECK_EQ_I(fs_arrival_init(&a, FS_ARR_BINS, m0, neg, 2), FS_EINVAL);
}

/* Sine with amplitude 0 accepts every candidate without a uniform draw:
 * the stream is t0 + cumulative exponential draws at mean_rate. On/off with
 * off = 0 is the same. */
static void test_arrival_draw_contract(void)
{
    struct fs_rng r, ref;
    fs_rng_seed(&r, 7);
    fs_rng_seed(&ref, 7);
    struct fs_arrival a;
    double p[] = {4, 0, 10, 0};
    CHECK_EQ_I(fs_arrival_init(&a, FS_ARR_SINE, p, NULL, 0), FS_OK);
    fs_arrival_start(&a, 2.5);
    double t = 2.5;
    for (int i = 0; i < 1000; i++) {
        double x, dt;
        CHECK_EQ_I(fs_arrival_next(&a, &r, INFINITY, &x), FS_OK);
        fs_rng_exponential(&ref, 4, &dt);
        t += dt;
        CHECK_EQ_D(x, t);
    }
    /* a rate below lmax: one exponential then one uniform per candidate */
    double q[] = {4, 2, 10, 0};
    fs_rng_seed(&r, 9);
    fs_rng_seed(&ref, 9);
    CHECK_EQ_I(fs_arrival_init(&a, FS_ARR_SINE, q, NULL, 0), FS_OK);
    fs_arrival_start(&a, 0);
    double x;
    CHECK_EQ_I(fs_arrival_next(&a, &r, INFINITY, &x), FS_OK);
    double c = 0;
    for (;;) {
        double dt;
        fs_rng_exponential(&ref, 6, &dt);
        c += dt;
        double rate = 4 + 2 * sin(2 * 3.141592653589793 * c / 10);
        if (rate >= 6 || fs_rng_uniform01(&ref) * 6 < rate)
            break;
    }
    CHECK_EQ_D(x, c);
    CHECK(memcmp(r.s, ref.s, sizeof r.s) == 0);
}

static void test_arrival_until(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, 1);
    struct fs_arrival a;
    double p[] = {100, 50, 1, 0};
    fs_arrival_init(&a, FS_ARR_SINE, p, NULL, 0);
    fs_arrival_start(&a, 0);
    double t[4096];
    size_t n = collect(&a, &r, 10.0, t, 4096);
    CHECK(n > 700 && n < 1300);
    CHECK(t[n - 1] <= 10.0);
    double x;
    CHECK_EQ_I(fs_arrival_next(&a, &r, INFINITY, &x), FS_OK);
    CHECK(x == INFINITY);    /* over */
    fs_arrival_start(&a, 0); /* restart */
    CHECK_EQ_I(fs_arrival_next(&a, &r, INFINITY, &x), FS_OK);
    CHECK(isfinite(x));
}

/* counts per phase bin against the integral of the rate */
static void test_arrival_sine_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, seed_of_run());
    struct fs_arrival a;
    double mean = 50, amp = 40, period = 10, phase = 0.7;
    double p[] = {mean, amp, period, phase};
    fs_arrival_init(&a, FS_ARR_SINE, p, NULL, 0);
    fs_arrival_start(&a, 3.0);
    enum { NB = 10 };
    double cnt[NB] = {0};
    double horizon = 2000 * period;
    for (;;) {
        double x;
        fs_arrival_next(&a, &r, 3.0 + horizon, &x);
        if (!isfinite(x))
            break;
        double ph = fmod(x - 3.0, period) / period;
        cnt[(int)(ph * NB) % NB]++;
    }
    const double w = 2 * 3.141592653589793;
    for (int b = 0; b < NB; b++) {
        double s0 = b * period / NB, s1 = (b + 1) * period / NB;
        /* integral of mean + amp sin(w s / period + phase) over [s0, s1] */
        double integral =
            mean * (s1 - s0) - amp * period / w * (cos(w * s1 / period + phase) - cos(w * s0 / period + phase));
        double expect = integral * 2000;
        CHECK_MSG(fabs(cnt[b] - expect) <= ZMAX * sqrt(expect), "bin %d: %g vs %g", b, cnt[b], expect);
    }
}

static void test_arrival_random_walk(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, seed_of_run());
    struct fs_arrival a;
    double p[] = {5, 3, 0.5, 1, 8};
    fs_arrival_init(&a, FS_ARR_RANDOM_WALK, p, NULL, 0);
    fs_arrival_start(&a, 0);
    double lo = 8, hi = 1, last = 0;
    int64_t steps = 0;
    for (int i = 0; i < 20000; i++) {
        double x;
        fs_arrival_next(&a, &r, INFINITY, &x);
        CHECK(x >= last);
        last = x;
        CHECK(a.cur >= 1 && a.cur <= 8);
        lo = a.cur < lo ? a.cur : lo;
        hi = a.cur > hi ? a.cur : hi;
        /* the step of the last candidate is the one containing it */
        CHECK(x < a.seg_end && x >= a.seg_end - 0.5 - 1e-9);
        steps = a.seg;
    }
    CHECK(lo < 1.5 && hi > 7.5); /* reflection keeps it moving over the whole range */
    CHECK(steps > 1000);
    /* sigma 0: a homogeneous Poisson process at `rate` */
    double q[] = {2, 0, 1, 0, 4};
    struct fs_rng r1, r2;
    fs_rng_seed(&r1, 3);
    fs_rng_seed(&r2, 3);
    fs_arrival_init(&a, FS_ARR_RANDOM_WALK, q, NULL, 0);
    fs_arrival_start(&a, 0);
    double x, c = 0;
    for (;;) {
        double dt;
        fs_rng_exponential(&r2, 4, &dt);
        c += dt;
        if (fs_rng_uniform01(&r2) * 4 < 2)
            break;
    }
    fs_arrival_next(&a, &r1, INFINITY, &x);
    CHECK_EQ_D(x, c);
}

static void test_arrival_on_off_and_bursts(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, seed_of_run());
    struct fs_arrival a;
    static double t[200000];
    /* fixed on/off: nothing in off periods, rate during on periods */
    double p[] = {100, 2, 3, 0};
    fs_arrival_init(&a, FS_ARR_ON_OFF, p, NULL, 0);
    fs_arrival_start(&a, 1.0);
    size_t n = collect(&a, &r, 1.0 + 5 * 200, t, 200000);
    for (size_t i = 0; i < n; i++)
        CHECK(fmod(t[i] - 1.0, 5.0) < 2.0);
    double expect = 100 * 2 * 200;
    CHECK_MSG(fabs(n - expect) <= ZMAX * sqrt(expect), "%zu vs %g", n, expect);
    double rate;
    CHECK_EQ_I(fs_arrival_rate(&a, 3.5, &rate), FS_OK);
    CHECK_EQ_D(rate, 0.0);
    CHECK_EQ_I(fs_arrival_rate(&a, 6.5, &rate), FS_OK);
    CHECK_EQ_D(rate, 100.0);
    /* exponential on/off: the long-run share of on time is on / (on + off) */
    double q[] = {100, 1, 3, 1};
    fs_arrival_init(&a, FS_ARR_ON_OFF, q, NULL, 0);
    fs_arrival_start(&a, 0);
    CHECK_EQ_I(fs_arrival_rate(&a, 1, &rate), FS_EINVAL);
    n = collect(&a, &r, 4000, t, 200000);
    /* about 1000 cycles; per cycle on - share * (on + off) has variance
     * 0.75^2 * 1 + 0.25^2 * 9 = 1.125, so the share's sd is about
     * sqrt(1000 * 1.125) / 4000 = 0.0084 (plus 0.0008 of Poisson noise):
     * 0.05 is 6 sd */
    double on_share = (double)n / 100 / 4000;
    CHECK_MSG(fabs(on_share - 0.25) < 0.05, "on share %g", on_share);
    /* bursts: base outside, burst inside [offset + k every, + length) */
    double b[] = {5, 200, 10, 1, 4};
    fs_arrival_init(&a, FS_ARR_BURSTS, b, NULL, 0);
    fs_arrival_start(&a, 0);
    n = collect(&a, &r, 4 + 10 * 300, t, 200000);
    double in = 0, out = 0;
    for (size_t i = 0; i < n; i++) {
        double pos = t[i] - 4;
        if (pos >= 0 && fmod(pos, 10) < 1)
            in++;
        else
            out++;
    }
    double ein = 200 * 300, eout = 5 * (4 + 9 * 300);
    CHECK_MSG(fabs(in - ein) <= ZMAX * sqrt(ein), "%g vs %g", in, ein);
    CHECK_MSG(fabs(out - eout) <= ZMAX * sqrt(eout), "%g vs %g", out, eout);
}

static void test_arrival_bins(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, 5);
    struct fs_arrival a;
    int64_t counts[] = {3, 0, 0, 1, 5, 0, 1000, 2};
    size_t nb = sizeof counts / sizeof *counts;
    double t[2048];
    /* uniform: exact times */
    double pu[] = {60, 30, FS_ARR_SPREAD_UNIFORM};
    CHECK_EQ_I(fs_arrival_init(&a, FS_ARR_BINS, pu, counts, nb), FS_OK);
    fs_arrival_start(&a, 100);
    struct fs_rng before = r;
    size_t n = collect(&a, &r, INFINITY, t, 2048);
    CHECK(memcmp(before.s, r.s, sizeof r.s) == 0); /* no draws */
    CHECK_EQ_I(n, 1011);
    size_t i = 0;
    for (size_t b = 0; b < nb; b++)
        for (int64_t k = 0; k < counts[b]; k++, i++) {
            double e = 100 + 30 + (double)b * 60;
            CHECK_EQ_D(t[i], e + 60 * ((k + 0.5) / counts[b]));
        }
    /* poisson: sorted, exact count per bin, one draw per arrival */
    for (int rep = 0; rep < 3; rep++) {
        double pp[] = {60, 0, FS_ARR_SPREAD_POISSON};
        fs_arrival_init(&a, FS_ARR_BINS, pp, counts, nb);
        fs_arrival_start(&a, 0);
        struct fs_rng ref = r;
        n = collect(&a, &r, INFINITY, t, 2048);
        CHECK_EQ_I(n, 1011);
        for (int64_t k = 0; k < 1011; k++)
            fs_rng_uniform01(&ref);
        CHECK(memcmp(ref.s, r.s, sizeof r.s) == 0);
        i = 0;
        for (size_t b = 0; b < nb; b++)
            for (int64_t k = 0; k < counts[b]; k++, i++) {
                CHECK(t[i] >= (double)b * 60 && t[i] < (double)(b + 1) * 60);
                CHECK(i == 0 || t[i] >= t[i - 1]);
            }
    }
    /* the 1000 times of bin 6 look uniform: KS distance against U(360, 420) */
    double d = 0;
    for (int k = 0; k < 1000; k++) {
        double u = (t[9 + k] - 360) / 60;
        double lo = u - k / 1000.0, hi = (k + 1) / 1000.0 - u;
        d = lo > d ? lo : d;
        d = hi > d ? hi : d;
    }
    CHECK_MSG(d < 1.95 / sqrt(1000), "KS %g", d); /* p ~ 0.001 for this seed-fixed stream */
    /* until ends the replay mid-bin */
    double pu2[] = {60, 0, FS_ARR_SPREAD_UNIFORM};
    fs_arrival_init(&a, FS_ARR_BINS, pu2, counts, nb);
    fs_arrival_start(&a, 0);
    n = collect(&a, &r, 60 * 4 + 30, t, 2048);
    CHECK_EQ_I(n, 3 + 1 + 3);
    double x;
    fs_arrival_next(&a, &r, INFINITY, &x);
    CHECK(x == INFINITY);
    /* rounding up to a bin's end never moves an arrival to the next bin:
     * at 1e15 doubles are 0.125 apart, so e0 + 0.995 rounds to e0 + 1 */
    int64_t hundred[] = {100, 100};
    double pt[] = {1.0, 1e15, FS_ARR_SPREAD_UNIFORM};
    fs_arrival_init(&a, FS_ARR_BINS, pt, hundred, 2);
    fs_arrival_start(&a, 0);
    n = collect(&a, &r, INFINITY, t, 2048);
    CHECK_EQ_I(n, 200);
    for (i = 0; i < 200; i++)
        CHECK(i < 100 ? t[i] >= 1e15 && t[i] < 1e15 + 1 : t[i] >= 1e15 + 1 && t[i] < 1e15 + 2);
    CHECK_EQ_D(t[99], 1e15 + 0.875);
}

void fs_test_arrival_suite(void)
{
    RUN_TEST(test_arrival_check);
    RUN_TEST(test_arrival_draw_contract);
    RUN_TEST(test_arrival_until);
    RUN_TEST(test_arrival_sine_stats);
    RUN_TEST(test_arrival_random_walk);
    RUN_TEST(test_arrival_on_off_and_bursts);
    RUN_TEST(test_arrival_bins);
}
