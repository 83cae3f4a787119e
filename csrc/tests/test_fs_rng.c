/* Unit tests for csrc/engine/fs_rng.{h,c}.
 *
 * Known answers come from tests/rng_reference.py, a pure-Python
 * reimplementation written separately from fs_rng.c (run it to print
 * them): its jumps are checked there against the 2^128-th and 2^192-th
 * powers of the transition matrix, and its generator against a test vector
 * of php-src (two php-src vectors are also checked below). Statistical tests draw 10^6 values from a stream
 * whose seed comes from the runner's PRNG (argv[1] varies it) and accept
 * within 6 standard errors, so a correct generator fails one check with
 * probability about 2e-9. */
#include "fs_test.h"

#include "../engine/fs_rng.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define NDRAWS 1000000
#define ZMAX 6.0

static int state_eq(const struct fs_rng *a, const struct fs_rng *b)
{
    return memcmp(a->s, b->s, sizeof a->s) == 0 && a->has_spare == b->has_spare &&
           (!a->has_spare || a->spare == b->spare);
}

/* |x - want| within `rel` relative (or absolute when want == 0) */
#define CHECK_NEAR(x, want, rel)                                                                                       \
    CHECK_MSG(fabs((x) - (want)) <= (rel) * (fabs(want) > 0 ? fabs(want) : 1.0), "%.17g vs %.17g", (double)(x),        \
              (double)(want))

static void test_rng_known_answers(void)
{
    static const uint64_t state0[4] = {UINT64_C(0xE220A8397B1DCDAF), UINT64_C(0x6E789E6AA1B965F4),
                                       UINT64_C(0x06C45D188009454F), UINT64_C(0xF88BB8A8724C81EC)};
    static const uint64_t out0[8] = {UINT64_C(0x99EC5F36CB75F2B4), UINT64_C(0xBF6E1F784956452A),
                                     UINT64_C(0x1A5F849D4933E6E0), UINT64_C(0x6AA594F1262D2D2C),
                                     UINT64_C(0xBBA5AD4A1F842E59), UINT64_C(0xFFEF8375D9EBCACA),
                                     UINT64_C(0x6C160DEED2F54C98), UINT64_C(0x8920AD648FC30A3F)};
    static const uint64_t state42[4] = {UINT64_C(0xBDD732262FEB6E95), UINT64_C(0x28EFE333B266F103),
                                        UINT64_C(0x47526757130F9F52), UINT64_C(0x581CE1FF0E4AE394)};
    static const uint64_t out42[8] = {UINT64_C(0x15780B2E0C2EC716), UINT64_C(0x6104D9866D113A7E),
                                      UINT64_C(0xAE17533239E499A1), UINT64_C(0xECB8AD4703B360A1),
                                      UINT64_C(0xFDE6DC7FE2EC5E64), UINT64_C(0xC50DA53101795238),
                                      UINT64_C(0xB82154855A65DDB2), UINT64_C(0xD99A2743EBE60087)};
    static const uint64_t outmax[4] = {UINT64_C(0x8F5520D52A7EAD08), UINT64_C(0xC476A018CAA1802D),
                                       UINT64_C(0x81DE31C0D260469E), UINT64_C(0xBF658D7E065F3C2F)};
    struct fs_rng r;
    fs_rng_seed(&r, 0);
    CHECK_EQ_U(r.seed, 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(r.s[i], state0[i]);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U(fs_rng_next_u64(&r), out0[i]);
    fs_rng_seed(&r, 42);
    CHECK_EQ_U(r.seed, 42);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(r.s[i], state42[i]);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U(fs_rng_next_u64(&r), out42[i]);
    fs_rng_seed(&r, UINT64_MAX);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(fs_rng_next_u64(&r), outmax[i]);
}

/* php-src ext/random/tests/02_engine/xoshiro256starstar_seed.phpt: state
 * of four words 0x0807060504030201, the 1001st output has the
 * little-endian bytes 90a025df9300cfd1. */
static void test_rng_php_vector(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, 0);
    uint64_t s[4] = {UINT64_C(0x0807060504030201), UINT64_C(0x0807060504030201), UINT64_C(0x0807060504030201),
                     UINT64_C(0x0807060504030201)};
    CHECK_EQ_I(fs_rng_set_state(&r, s), FS_OK);
    for (int i = 0; i < 1000; i++)
        (void)fs_rng_next_u64(&r);
    CHECK_EQ_U(fs_rng_next_u64(&r), UINT64_C(0xD1CF0093DF25A090));
}

static void test_rng_known_answers_distributions(void)
{
    struct fs_rng r;
    double x;
    uint64_t k;
    /* uniform01 and below are exact on every platform */
    static const double u42[4] = {0.08386297105988216, 0.3789802506626686, 0.6800434110281394, 0.9246929453253876};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_D(fs_rng_uniform01(&r), u42[i]);
    static const uint64_t b10[12] = {1, 6, 9, 4, 5, 9, 1, 2, 6, 9, 5, 7};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 12; i++) {
        CHECK_EQ_I(fs_rng_below(&r, 10, &k), FS_OK);
        CHECK_EQ_U(k, b10[i]);
    }
    static const uint64_t b6[10] = {0, 3, 5, 5, 4, 5, 2, 2, 5, 4};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_I(fs_rng_below(&r, 6, &k), FS_OK);
        CHECK_EQ_U(k, b6[i]);
    }
    static const uint64_t bhuge[3] = {UINT64_C(1546998764402558742), UINT64_C(6990951692964543102),
                                      UINT64_C(5362058279183681893)};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_I(fs_rng_below(&r, (UINT64_C(1) << 63) + 1, &k), FS_OK);
        CHECK_EQ_U(k, bhuge[i]);
    }
    /* the rest goes through libm's log/log1p/exp: a few ulps of slack */
    static const double e05[3] = {0.17517866116683514, 0.9527847901575448, 2.279139903707755};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_I(fs_rng_exponential(&r, 0.5, &x), FS_OK);
        CHECK_NEAR(x, e05[i], 1e-14);
    }
    static const double n42[5] = {-0.7262191382447857, -0.21119691823195985, 0.2216227015035933, 0.5227716877560146,
                                  0.46417731016247366};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_I(fs_rng_normal(&r, 0.0, 1.0, &x), FS_OK);
        CHECK_NEAR(x, n42[i], 1e-14);
    }
    static const double ln42[3] = {2.3910204457585396, 2.7995717527266626, 3.2343682620546192};
    fs_rng_seed(&r, 42);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_I(fs_rng_lognormal(&r, 0.5, 1.0, 2.0, &x), FS_OK);
        CHECK_NEAR(x, ln42[i], 1e-14);
    }
}

static void test_rng_jump(void)
{
    static const uint64_t jumped42[4] = {UINT64_C(0x81746704FDE896B5), UINT64_C(0x645E944932DAE0AE),
                                         UINT64_C(0xF4776829231C282C), UINT64_C(0x2393F9798732DBA1)};
    static const uint64_t jout[4] = {UINT64_C(0x50086EF83CBF4F4A), UINT64_C(0xBA285EC21347D703),
                                     UINT64_C(0x5EA1247B4DC6452A), UINT64_C(0x03A5C66424702131)};
    struct fs_rng r;
    double x;
    fs_rng_seed(&r, 42);
    CHECK_EQ_I(fs_rng_normal(&r, 0, 1, &x), FS_OK);
    CHECK(r.has_spare);
    fs_rng_seed(&r, 42);
    fs_rng_jump(&r);
    CHECK(!r.has_spare);
    CHECK_EQ_U(r.seed, 42);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(r.s[i], jumped42[i]);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(fs_rng_next_u64(&r), jout[i]);
    /* a jump drops the spare normal */
    fs_rng_seed(&r, 42);
    CHECK_EQ_I(fs_rng_normal(&r, 0, 1, &x), FS_OK);
    fs_rng_jump(&r);
    CHECK(!r.has_spare);
}

/* The jumped stream is independent of the original: no common outputs in
 * a window, and uncorrelated uniforms. */
static void test_rng_jump_independence(void)
{
    struct fs_rng a, b;
    fs_rng_seed(&a, fs_test_rand());
    b = a;
    fs_rng_jump(&b);
    int equal = 0;
    for (int i = 0; i < 4096; i++)
        equal += fs_rng_next_u64(&a) == fs_rng_next_u64(&b);
    CHECK_EQ_I(equal, 0);
    double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < NDRAWS; i++) {
        double x = fs_rng_uniform01(&a), y = fs_rng_uniform01(&b);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    double n = NDRAWS;
    double corr = (sxy / n - sx / n * sy / n) / sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
    CHECK_MSG(fabs(corr) < ZMAX / sqrt(n), "correlation %g", corr);
}

static void test_rng_long_jump(void)
{
    static const uint64_t ljumped42[4] = {UINT64_C(0x1C5592A8D2450A14), UINT64_C(0xE09B0D035AA06FD9),
                                          UINT64_C(0xAC4A2ED7FC28E84C), UINT64_C(0xDB0C552285CAB3C6)};
    struct fs_rng r;
    fs_rng_seed(&r, 42);
    fs_rng_long_jump(&r);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(r.s[i], ljumped42[i]);
    /* php-src xoshiro256starstar_value.phpt: seed 1234 (splitmix64 as
     * here), 10000 draws, jump, long jump: the next output has the
     * little-endian bytes 1f197e9ca7969123 */
    fs_rng_seed(&r, 1234);
    for (int i = 0; i < 10000; i++)
        (void)fs_rng_next_u64(&r);
    fs_rng_jump(&r);
    fs_rng_long_jump(&r);
    CHECK_EQ_U(fs_rng_next_u64(&r), UINT64_C(0x239196A79C7E191F));
}

static void test_rng_spawn(void)
{
    struct fs_rng root, kid0, kid1, g0, g1, expect;
    double x;
    fs_rng_seed(&root, 7);
    CHECK_EQ_I(fs_rng_normal(&root, 0, 1, &x), FS_OK); /* leaves a spare */
    struct fs_rng start = root;
    /* a root's child continues its stream; the root long-jumps */
    CHECK_EQ_I(fs_rng_spawn(&root, &kid0), FS_OK);
    CHECK(state_eq(&kid0, &start));
    CHECK(kid0.has_spare);
    CHECK_EQ_I(kid0.level, 1);
    CHECK_EQ_I(root.level, 0);
    CHECK_EQ_U(kid0.seed, 7);
    expect = start;
    fs_rng_long_jump(&expect);
    CHECK(state_eq(&root, &expect));
    CHECK_EQ_I(fs_rng_spawn(&root, &kid1), FS_OK);
    CHECK(state_eq(&kid1, &expect));
    /* a child jumps 2^128 per grandchild: it stays inside its own 2^192
     * slot instead of running into kid1 */
    struct fs_rng kid0_start = kid0;
    CHECK_EQ_I(fs_rng_spawn(&kid0, &g0), FS_OK);
    CHECK_EQ_I(fs_rng_spawn(&kid0, &g1), FS_OK);
    CHECK_EQ_I(g0.level, 2);
    CHECK(state_eq(&g0, &kid0_start));
    expect = kid0_start;
    fs_rng_jump(&expect);
    CHECK(memcmp(g1.s, expect.s, sizeof expect.s) == 0);
    fs_rng_jump(&expect);
    CHECK(memcmp(kid0.s, expect.s, sizeof expect.s) == 0);
    CHECK(memcmp(kid0.s, kid1.s, sizeof kid1.s) != 0);
    /* a grandchild cannot spawn; nothing changes */
    struct fs_rng before = g0, unused;
    CHECK_EQ_I(fs_rng_spawn(&g0, &unused), FS_EINVAL);
    CHECK(state_eq(&g0, &before) && g0.level == 2);
    /* all these streams start with different outputs */
    uint64_t firsts[6] = {fs_rng_next_u64(&root), fs_rng_next_u64(&kid0), fs_rng_next_u64(&kid1),
                          fs_rng_next_u64(&g0),   fs_rng_next_u64(&g1),   0};
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            CHECK_MSG(firsts[i] != firsts[j], "streams %d and %d", i, j);
    /* seeding resets the level */
    fs_rng_seed(&g0, 1);
    CHECK_EQ_I(g0.level, 0);
}

static void test_rng_seed_resets(void)
{
    struct fs_rng a, b;
    double x, y;
    fs_rng_seed(&a, 99);
    CHECK_EQ_I(fs_rng_normal(&a, 0, 1, &x), FS_OK);
    fs_rng_seed(&a, 99); /* drops the spare: the sequence restarts */
    CHECK_EQ_I(fs_rng_normal(&a, 0, 1, &y), FS_OK);
    CHECK_EQ_D(x, y);
    fs_rng_seed(&a, 1);
    fs_rng_seed(&b, 2);
    CHECK(fs_rng_next_u64(&a) != fs_rng_next_u64(&b));
    /* set_state round trip and the all-zero state */
    fs_rng_seed(&a, 5);
    uint64_t saved[4];
    memcpy(saved, a.s, sizeof saved);
    uint64_t first = fs_rng_next_u64(&a);
    CHECK_EQ_I(fs_rng_set_state(&b, saved), FS_OK);
    CHECK_EQ_U(fs_rng_next_u64(&b), first);
    uint64_t zero[4] = {0, 0, 0, 0};
    struct fs_rng before = b;
    CHECK_EQ_I(fs_rng_set_state(&b, zero), FS_EINVAL);
    CHECK(state_eq(&b, &before));
}

/* Sample mean and variance of n draws within ZMAX standard errors of the
 * true values; mu4 is the fourth central moment (for the error of the
 * variance). */
struct moments {
    double sum, sumsq, min, max;
    long n;
    double shift; /* the true mean, subtracted for accuracy */
};

static void mom_init(struct moments *m, double shift)
{
    m->sum = m->sumsq = 0.0;
    m->min = INFINITY;
    m->max = -INFINITY;
    m->n = 0;
    m->shift = shift;
}

static void mom_add(struct moments *m, double x)
{
    double d = x - m->shift;
    m->sum += d;
    m->sumsq += d * d;
    m->min = x < m->min ? x : m->min;
    m->max = x > m->max ? x : m->max;
    m->n++;
}

static void check_moments(const char *what, const struct moments *m, double mean, double var, double mu4)
{
    double n = (double)m->n;
    double dmean = m->sum / n; /* sample mean - true mean */
    double svar = m->sumsq / n - dmean * dmean;
    double se_mean = sqrt(var / n), se_var = sqrt((mu4 - var * var) / n);
    CHECK_MSG(fabs(dmean) <= ZMAX * se_mean, "%s: mean %.10g, expected %.10g (se %.3g)", what, mean + dmean, mean,
              se_mean);
    CHECK_MSG(fabs(svar - var) <= ZMAX * se_var, "%s: variance %.10g, expected %.10g (se %.3g)", what, svar, var,
              se_var);
}

static void test_rng_uniform_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, fs_test_rand());
    struct moments m;
    mom_init(&m, 0.5);
    for (int i = 0; i < NDRAWS; i++)
        mom_add(&m, fs_rng_uniform01(&r));
    CHECK(m.min >= 0.0 && m.max < 1.0);
    CHECK(m.min < 1e-5 && m.max > 1 - 1e-5);
    check_moments("uniform01", &m, 0.5, 1.0 / 12, 1.0 / 80);
    /* uniform(a, b), also with a > b (Python's random.uniform allows it) */
    double x;
    mom_init(&m, 2.0);
    for (int i = 0; i < NDRAWS; i++) {
        CHECK_EQ_I(fs_rng_uniform(&r, -1.0, 5.0, &x), FS_OK);
        mom_add(&m, x);
    }
    CHECK(m.min >= -1.0 && m.max < 5.0);
    check_moments("uniform(-1, 5)", &m, 2.0, 36.0 / 12, 1296.0 / 80);
    mom_init(&m, 2.0);
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ_I(fs_rng_uniform(&r, 3.0, 1.0, &x), FS_OK);
        mom_add(&m, x);
    }
    CHECK(m.min > 1.0 && m.max <= 3.0);
    CHECK_EQ_I(fs_rng_uniform(&r, 2.5, 2.5, &x), FS_OK);
    CHECK_EQ_D(x, 2.5);
}

static void test_rng_exponential_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, fs_test_rand());
    const double rate = 2.5, mean = 1 / rate, var = mean * mean, mu4 = 9 * var * var;
    struct moments m;
    double x;
    mom_init(&m, mean);
    for (int i = 0; i < NDRAWS; i++) {
        CHECK_EQ_I(fs_rng_exponential(&r, rate, &x), FS_OK);
        mom_add(&m, x);
    }
    CHECK(m.min >= 0.0 && isfinite(m.max));
    check_moments("exponential(2.5)", &m, mean, var, mu4);
}

static void test_rng_normal_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, fs_test_rand());
    const double mu = -3.0, sigma = 1.5, var = sigma * sigma;
    struct moments m;
    double x;
    long below = 0, within1 = 0;
    mom_init(&m, mu);
    for (int i = 0; i < NDRAWS; i++) {
        CHECK_EQ_I(fs_rng_normal(&r, mu, sigma, &x), FS_OK);
        mom_add(&m, x);
        below += x < mu;
        within1 += fabs(x - mu) < sigma;
    }
    check_moments("normal(-3, 1.5)", &m, mu, var, 3 * var * var);
    double n = NDRAWS, p1 = erf(1 / sqrt(2.0));
    CHECK_MSG(fabs(below / n - 0.5) < ZMAX * sqrt(0.25 / n), "P(X < mu) = %g", below / n);
    CHECK_MSG(fabs(within1 / n - p1) < ZMAX * sqrt(p1 * (1 - p1) / n), "P(|X - mu| < sigma) = %g", within1 / n);
    /* sigma = 0 gives mu exactly */
    CHECK_EQ_I(fs_rng_normal(&r, 4.25, 0.0, &x), FS_OK);
    CHECK_EQ_D(x, 4.25);
}

static void test_rng_lognormal_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, fs_test_rand());
    /* scipy.stats.lognorm(s, loc, scale) = loc + scale * exp(s * Z): with
     * w = exp(s^2), mean loc + scale sqrt(w), variance scale^2 w (w - 1),
     * median loc + scale; raw moments of Y = exp(sZ): E[Y^k] = w^(k^2/2). */
    const double s = 0.5, loc = 10.0, scale = 3.0;
    double w = exp(s * s);
    double m1 = sqrt(w), m2 = w * w, m3 = pow(w, 4.5), m4 = pow(w, 8.0);
    double cvar = m2 - m1 * m1;
    double cmu4 = m4 - 4 * m3 * m1 + 6 * m2 * m1 * m1 - 3 * m1 * m1 * m1 * m1;
    double mean = loc + scale * m1, var = scale * scale * cvar, mu4 = pow(scale, 4) * cmu4;
    struct moments m;
    double x;
    long below_median = 0;
    mom_init(&m, mean);
    for (int i = 0; i < NDRAWS; i++) {
        CHECK_EQ_I(fs_rng_lognormal(&r, s, loc, scale, &x), FS_OK);
        mom_add(&m, x);
        below_median += x < loc + scale;
    }
    CHECK(m.min > loc);
    check_moments("lognormal(0.5, 10, 3)", &m, mean, var, mu4);
    double n = NDRAWS;
    CHECK_MSG(fabs(below_median / n - 0.5) < ZMAX * sqrt(0.25 / n), "P(X < median) = %g", below_median / n);
    /* s = 0: the constant loc + scale */
    CHECK_EQ_I(fs_rng_lognormal(&r, 0.0, 1.5, 2.0, &x), FS_OK);
    CHECK_EQ_D(x, 3.5);
}

static void test_rng_below_stats(void)
{
    struct fs_rng r;
    fs_rng_seed(&r, fs_test_rand());
    /* chi-square over 10 cells (9 degrees of freedom): P(chi2 > 45) ~ 1e-6 */
    long cells[10] = {0};
    uint64_t k;
    for (int i = 0; i < NDRAWS; i++) {
        CHECK_EQ_I(fs_rng_below(&r, 10, &k), FS_OK);
        if (!CHECK(k < 10))
            return;
        cells[k]++;
    }
    double chi2 = 0, e = NDRAWS / 10.0;
    for (int i = 0; i < 10; i++)
        chi2 += (cells[i] - e) * (cells[i] - e) / e;
    CHECK_MSG(chi2 < 45.0, "chi2 = %g over 10 cells", chi2);
    /* worst case for rejection: n just above a power of two */
    uint64_t n = (UINT64_C(1) << 63) + 1;
    struct moments m;
    mom_init(&m, 0.5);
    for (int i = 0; i < NDRAWS / 4; i++) {
        CHECK_EQ_I(fs_rng_below(&r, n, &k), FS_OK);
        if (!CHECK(k < n))
            return;
        mom_add(&m, (double)k / (double)n);
    }
    check_moments("below(2^63 + 1) / n", &m, 0.5, 1.0 / 12, 1.0 / 80);
    /* n = 1 is 0 and draws nothing; n = 2^64 - 1 works */
    struct fs_rng before = r;
    CHECK_EQ_I(fs_rng_below(&r, 1, &k), FS_OK);
    CHECK_EQ_U(k, 0);
    CHECK(state_eq(&r, &before));
    CHECK_EQ_I(fs_rng_below(&r, UINT64_MAX, &k), FS_OK);
    CHECK(k < UINT64_MAX);
}

static void test_rng_bounded(void)
{
    struct fs_rng r;
    struct fs_dist d;
    double x;
    fs_rng_seed(&r, fs_test_rand());
    /* exponential(rate) truncated to [0, 1]: mean 1/rate - e^-rate / (1 - e^-rate) */
    double p[3] = {1.5};
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_EXPONENTIAL, p, 1), FS_OK);
    CHECK_EQ_I(fs_dist_bound(&d, 0.0, 1.0, FS_RNG_MAX_ATTEMPTS), FS_OK);
    double tmean = 1 / 1.5 - exp(-1.5) / (1 - exp(-1.5));
    struct moments m;
    mom_init(&m, tmean);
    for (int i = 0; i < NDRAWS / 4; i++) {
        CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_OK);
        mom_add(&m, x);
    }
    CHECK(m.min >= 0.0 && m.max <= 1.0);
    CHECK_MSG(fabs(m.sum / m.n) < ZMAX * sqrt(1.0 / 12 / m.n), "truncated mean %g vs %g", tmean + m.sum / m.n, tmean);
    /* a bounded lognormal (the FET use case) stays in its bounds */
    double lp[3] = {0.8, 0.0, 0.2};
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_LOGNORMAL, lp, 3), FS_OK);
    CHECK_EQ_I(fs_dist_bound(&d, 0.1, 0.5, 1000), FS_OK);
    for (int i = 0; i < 100000; i++) {
        CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_OK);
        if (!CHECK(x >= 0.1 && x <= 0.5))
            break;
    }
    /* bounds that nothing reaches: FS_EREJECTED after max_attempts draws */
    double np[2] = {0.0, 1.0};
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_NORMAL, np, 2), FS_OK);
    CHECK_EQ_I(fs_dist_bound(&d, 50.0, 60.0, 1000), FS_OK);
    x = -1.0;
    struct fs_rng before = r;
    CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_EREJECTED);
    CHECK_EQ_D(x, -1.0);
    CHECK(!state_eq(&r, &before)); /* the attempts consumed draws */
    CHECK_EQ_I(fs_dist_bound(&d, 50.0, 60.0, FS_RNG_MAX_ATTEMPTS), FS_OK);
    CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_EREJECTED);
    /* constant: decided without drawing */
    double c = 2.0;
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_CONSTANT, &c, 1), FS_OK);
    CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_OK);
    CHECK_EQ_D(x, 2.0);
    CHECK_EQ_I(fs_dist_bound(&d, 2.0, 2.0, 1), FS_OK);
    before = r;
    CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_OK);
    CHECK_EQ_D(x, 2.0);
    CHECK_EQ_I(fs_dist_bound(&d, 3.0, 4.0, 1), FS_OK);
    CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_EREJECTED);
    CHECK(state_eq(&r, &before));
    /* a one-sided bound */
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_NORMAL, np, 2), FS_OK);
    CHECK_EQ_I(fs_dist_bound(&d, -INFINITY, -1.0, 1000), FS_OK);
    for (int i = 0; i < 10000; i++) {
        CHECK_EQ_I(fs_dist_sample(&r, &d, &x), FS_OK);
        if (!CHECK(x <= -1.0))
            break;
    }
    /* an unbounded spec draws exactly what the direct function draws */
    struct fs_rng r1, r2;
    double y;
    fs_rng_seed(&r1, 3);
    fs_rng_seed(&r2, 3);
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_LOGNORMAL, lp, 3), FS_OK);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_I(fs_dist_sample(&r1, &d, &x), FS_OK);
        CHECK_EQ_I(fs_rng_lognormal(&r2, lp[0], lp[1], lp[2], &y), FS_OK);
        CHECK_EQ_D(x, y);
    }
}

static void test_rng_errors(void)
{
    struct fs_rng r;
    struct fs_dist d;
    fs_rng_seed(&r, 11);
    struct fs_rng before = r;
    double x = 123.0;
    uint64_t k = 77;
    const double nan = NAN, inf = INFINITY;
    CHECK_EQ_I(fs_rng_below(&r, 0, &k), FS_EINVAL);
    CHECK_EQ_I(fs_rng_uniform(&r, nan, 1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_uniform(&r, 0, inf, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_uniform(&r, -DBL_MAX, DBL_MAX, &x), FS_EINVAL); /* b - a overflows */
    CHECK_EQ_I(fs_rng_exponential(&r, 0.0, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_exponential(&r, -1.0, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_exponential(&r, nan, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_exponential(&r, inf, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_normal(&r, 0, -1e-300, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_normal(&r, 0, nan, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_normal(&r, inf, 1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_normal(&r, 0, inf, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, -0.5, 0, 1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, 0.5, 0, 0, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, 0.5, 0, -1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, 0.5, nan, 1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, nan, 0, 1, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_lognormal(&r, 0.5, 0, inf, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_constant(nan, &x), FS_EINVAL);
    CHECK_EQ_I(fs_rng_constant(-inf, &x), FS_EINVAL);
    CHECK_EQ_D(x, 123.0);
    CHECK_EQ_U(k, 77);
    CHECK(state_eq(&r, &before)); /* failed calls draw nothing */
    /* specs */
    double p[3] = {1.0, 2.0, 3.0};
    CHECK_EQ_I(fs_dist_nparams(FS_DIST_LOGNORMAL), 3);
    CHECK_EQ_I(fs_dist_nparams(FS_DIST_NKINDS), -1);
    CHECK_EQ_I(fs_dist_nparams(-1), -1);
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_NKINDS, p, 1), FS_EINVAL);
    CHECK_EQ_I(fs_dist_init(&d, -1, p, 1), FS_EINVAL);
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_NORMAL, p, 3), FS_EINVAL); /* wrong arity */
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_UNIFORM, p, 1), FS_EINVAL);
    double bad[3] = {0.5, 0.0, -2.0};
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_LOGNORMAL, bad, 3), FS_EINVAL);
    double negrate = -2.0;
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_EXPONENTIAL, &negrate, 1), FS_EINVAL);
    CHECK_EQ_I(fs_dist_init(&d, FS_DIST_UNIFORM, p, 2), FS_OK);
    CHECK_EQ_I(fs_dist_bound(&d, 2.0, 1.0, 10), FS_EINVAL);
    CHECK_EQ_I(fs_dist_bound(&d, nan, 1.0, 10), FS_EINVAL);
    CHECK_EQ_I(fs_dist_bound(&d, 0.0, nan, 10), FS_EINVAL);
    CHECK_EQ_I(fs_dist_bound(&d, 0.0, 1.0, 0), FS_EINVAL);
    CHECK_EQ_I(fs_dist_bound(&d, inf, inf, 10), FS_EINVAL);
    CHECK_EQ_I(fs_dist_bound(&d, -inf, -inf, 10), FS_EINVAL);
    /* the failed bounds left the spec unbounded */
    CHECK(d.xmin == -inf && d.xmax == inf);
}

void fs_test_rng_suite(void)
{
    RUN_TEST(test_rng_known_answers);
    RUN_TEST(test_rng_php_vector);
    RUN_TEST(test_rng_known_answers_distributions);
    RUN_TEST(test_rng_jump);
    RUN_TEST(test_rng_jump_independence);
    RUN_TEST(test_rng_long_jump);
    RUN_TEST(test_rng_spawn);
    RUN_TEST(test_rng_seed_resets);
    RUN_TEST(test_rng_uniform_stats);
    RUN_TEST(test_rng_exponential_stats);
    RUN_TEST(test_rng_normal_stats);
    RUN_TEST(test_rng_lognormal_stats);
    RUN_TEST(test_rng_below_stats);
    RUN_TEST(test_rng_bounded);
    RUN_TEST(test_rng_errors);
}
