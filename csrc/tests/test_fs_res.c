/* Unit tests for csrc/engine/fs_res.{h,c}.
 *
 * Reads are checked bit for bit against an independent reference: the
 * correctly rounded sum of the outstanding values computed with Shewchuk's
 * partials and the final rounding step of CPython's math.fsum (written here,
 * sharing nothing with fs_res's fixed-point limbs). A naive double sum runs
 * alongside the random workload to show the residues exact accounting
 * avoids. */
#include "fs_test.h"

#include "../engine/fs_res.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(FS_ERES_SLOTS <= -64 && FS_ERES_NO_SLOT >= -79, "fs_res status range");

/* ------------------------------------------------------------------ */
/* Helpers */

#define MAXPART 512

/* Correctly rounded sum of xs[0 .. n) (all finite; the sum must not
 * overflow). */
static double ref_fsum(const double *xs, size_t n)
{
    double p[MAXPART];
    int np = 0;
    for (size_t k = 0; k < n; k++) {
        double x = xs[k];
        int i = 0;
        for (int j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) {
                double tmp = x;
                x = y;
                y = tmp;
            }
            double hi = x + y, lo = y - (hi - x);
            if (lo != 0.0)
                p[i++] = lo;
            x = hi;
        }
        if (!CHECK(i < MAXPART))
            return NAN;
        p[i] = x;
        np = i + 1;
    }
    double hi = 0.0, lo = 0.0;
    int m = np;
    if (m > 0) {
        hi = p[--m];
        while (m > 0) {
            double x = hi, y = p[--m];
            hi = x + y;
            lo = y - (hi - x);
            if (lo != 0.0)
                break;
        }
        if (m > 0 && ((lo < 0 && p[m - 1] < 0) || (lo > 0 && p[m - 1] > 0))) {
            double y = lo * 2, x = hi + y;
            if (y == x - hi)
                hi = x;
        }
    }
    return hi;
}

static double unit(void)
{
    return (double)((fs_test_rand() >> 11) + 1) * 0x1p-53; /* (0, 1] */
}

/* Values of very different magnitudes, many without a finite binary form. */
static double rand_value(void)
{
    switch (fs_test_below(7)) {
    case 0:
        return 0.1;
    case 1:
        return 0.7;
    case 2:
        return (double)(fs_test_below(1000) + 1) * 0.1;
    case 3:
        return 1e-9 * unit();
    case 4:
        return 1e12 * unit();
    case 5:
        return (double)(fs_test_below(1u << 20) + 1);
    default:
        return unit() * pow(10.0, (double)fs_test_below(22) - 9.0);
    }
}

static int bits_equal(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static double get(const struct fs_res *t, uint32_t r, int s)
{
    double v = -1;
    CHECK_EQ_I(fs_res_get(t, r, s, &v), FS_OK);
    return v;
}

static double node_get(const struct fs_res *t, uint32_t n, int s)
{
    double v = -1;
    CHECK_EQ_I(fs_res_node_get(t, n, s, &v), FS_OK);
    return v;
}

/* Everything observable for replicas 0 .. nr and nodes 0 .. nn, to check
 * that failing calls change nothing. */
struct snap {
    double rv[8][FS_RES_MAX_SLOTS], nv[4][FS_RES_MAX_SLOTS];
    uint64_t rm[8], nm[4];
    int rs[8];
    uint32_t nslots;
};

static void take_snap(const struct fs_res *t, struct snap *s)
{
    memset(s, 0, sizeof *s);
    s->nslots = t->nslots;
    for (uint32_t r = 0; r < 8; r++) {
        s->rs[r] = fs_res_replica_mask(t, r, &s->rm[r]);
        for (int k = 0; k < (int)t->nslots && s->rs[r] == FS_OK; k++)
            fs_res_get(t, r, k, &s->rv[r][k]);
    }
    for (uint32_t n = 0; n < 4 && n < t->nnode; n++) {
        fs_res_node_mask(t, n, &s->nm[n]);
        for (int k = 0; k < (int)t->nslots; k++)
            fs_res_node_get(t, n, k, &s->nv[n][k]);
    }
}

static int same_as_snap(const struct fs_res *t, const struct snap *s)
{
    struct snap now;
    take_snap(t, &now);
    return memcmp(&now, s, sizeof now) == 0 && fs_res_valid(t) == 1;
}

/* ------------------------------------------------------------------ */
/* Tests */

static void test_res_slots(void)
{
    struct fs_res t;
    fs_res_init(&t);
    CHECK_EQ_I(fs_res_slot(&t, "cpu", 3), 0);
    CHECK_EQ_I(fs_res_slot(&t, "memory", 6), 1);
    CHECK_EQ_I(fs_res_slot(&t, "cpu", 3), 0);
    CHECK_EQ_I(fs_res_slot(&t, "cpuX", 3), 0); /* only len bytes count */
    CHECK_EQ_I(fs_res_slot(&t, "a\0b", 3), 2);
    CHECK_EQ_I(fs_res_slot(&t, "a", 1), 3);
    CHECK_EQ_I(fs_res_slot(&t, "", 0), 4);
    CHECK_EQ_I(fs_res_slot(&t, NULL, 0), 4);
    CHECK_EQ_I(fs_res_slot(&t, NULL, 2), FS_EINVAL);
    CHECK_EQ_I(fs_res_slot_find(&t, "gpu", 3), FS_ERES_NO_SLOT);
    CHECK_EQ_I(fs_res_slot_find(&t, "memory", 6), 1);
    size_t len = 0;
    const char *name = fs_res_slot_name(&t, 1, &len);
    CHECK(name && len == 6 && memcmp(name, "memory", 6) == 0);
    CHECK(fs_res_slot_name(&t, 5, &len) == NULL);
    CHECK(fs_res_slot_name(&t, -1, &len) == NULL);
    char buf[16];
    for (int i = 5; i < FS_RES_MAX_SLOTS; i++) {
        int n = snprintf(buf, sizeof buf, "r%d", i);
        CHECK_EQ_I(fs_res_slot(&t, buf, (size_t)n), i);
    }
    CHECK_EQ_I(fs_res_slot(&t, "one-too-many", 12), FS_ERES_SLOTS);
    CHECK_EQ_I(t.nslots, FS_RES_MAX_SLOTS);
    CHECK_EQ_I(fs_res_slot(&t, "r63", 3), 63); /* existing names still resolve */
    fs_res_free(&t);
}

static void test_res_mask_next(void)
{
    for (int b = 0; b < 64; b++) {
        uint64_t m = UINT64_C(1) << b;
        CHECK_EQ_I(fs_res_mask_next(&m), b);
        CHECK_EQ_U(m, 0);
    }
    uint64_t m = UINT64_C(0x8000000000010005);
    CHECK_EQ_I(fs_res_mask_next(&m), 0);
    CHECK_EQ_I(fs_res_mask_next(&m), 2);
    CHECK_EQ_I(fs_res_mask_next(&m), 16);
    CHECK_EQ_I(fs_res_mask_next(&m), 63);
    CHECK_EQ_U(m, 0);
}

/* Sums of random doubles spanning the whole range (subnormals included)
 * read back as the correctly rounded exact sum. */
static void test_res_acc_rounding(void)
{
    struct fs_res_acc a, x;
    /* Hand-picked ties and sticky bits. */
    const double cases[][3] = {
        {1.0, 0x1p-53, 0.0},               /* tie, even: 1 */
        {1.0, 0x1p-53, 0x1p-1074},         /* just above the tie: up */
        {1.0 + 0x1p-52, 0x1p-53, 0.0},     /* tie, odd: up to even */
        {0x1p-1074, 0x1p-1074, 0x1p-1074}, /* subnormals */
        {DBL_MAX, 0.0, 0.0},
        {0.1, 0.2, 0.3},
        {1e300, 0x1p-1074, 1e-300},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memset(&a, 0, sizeof a);
        for (int i = 0; i < 3; i++) {
            fs_res_acc_from_double(&x, cases[c][i]);
            CHECK_EQ_I(fs_res_acc_add(&a, &x), FS_OK);
        }
        CHECK(bits_equal(fs_res_acc_to_double(&a), ref_fsum(cases[c], 3)));
        fs_res_acc_free(&a);
    }
    CHECK_EQ_D(ref_fsum(cases[1], 3), 1.0 + 0x1p-52);
    double xs[64];
    long mismatches = 0;
    for (int round = 0; round < 20000; round++) {
        int n = 1 + (int)fs_test_below(64);
        memset(&a, 0, sizeof a);
        for (int i = 0; i < n; i++) {
            /* exponents from -1074 up to ~2^990, so that 64 terms cannot overflow */
            xs[i] = ldexp(unit(), (int)fs_test_below(2064) - 1074);
            fs_res_acc_from_double(&x, xs[i]);
            CHECK_EQ_I(fs_res_acc_add(&a, &x), FS_OK);
        }
        mismatches += !bits_equal(fs_res_acc_to_double(&a), ref_fsum(xs, (size_t)n));
        /* ordering: a >= every term, and a == the sum exactly */
        fs_res_acc_from_double(&x, xs[0]);
        CHECK(fs_res_acc_cmp(&a, &x) >= 0);
        fs_res_acc_free(&a);
    }
    CHECK_EQ_I(mismatches, 0);
}

/* Sums at and next to rounding ties: a + half an ulp of a (+ something
 * tiny, above or below the window, or nothing). */
static void test_res_acc_ties(void)
{
    long mismatches = 0;
    for (int round = 0; round < 100000; round++) {
        double xs[3];
        int e;
        xs[0] = ldexp(unit(), (int)fs_test_below(1900) - 950);
        frexp(xs[0], &e);
        xs[1] = (nextafter(xs[0], INFINITY) - xs[0]) / 2;
        int n = 2;
        switch (fs_test_below(3)) {
        case 0:
            xs[n++] = ldexp(unit(), e - 54 - (int)fs_test_below(100));
            break;
        case 1:
            xs[n++] = ldexp(1.0, e - 54 - (int)fs_test_below(20));
            break;
        default:
            break;
        }
        struct fs_res_acc a, x;
        memset(&a, 0, sizeof a);
        for (int i = 0; i < n; i++) {
            fs_res_acc_from_double(&x, xs[i]);
            CHECK_EQ_I(fs_res_acc_add(&a, &x), FS_OK);
        }
        mismatches += !bits_equal(fs_res_acc_to_double(&a), ref_fsum(xs, (size_t)n));
        fs_res_acc_free(&a);
    }
    CHECK_EQ_I(mismatches, 0);
}

/* Values made of long runs of one bits (all-ones mantissas near powers of
 * two), so that additions carry and subtractions borrow across whole limbs;
 * every read is compared with the reference after every operation. */
static void test_res_carry_patterns(void)
{
    struct fs_res t;
    fs_res_init(&t);
    int s = fs_res_slot(&t, "x", 1);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    double held[64];
    size_t n = 0;
    long mismatch = 0, bad = 0;
    for (int op = 0; op < 200000; op++) {
        if (n < 64 && (n == 0 || fs_test_below(2))) {
            int e = (int)fs_test_below(200) - 140;
            double v;
            switch (fs_test_below(4)) {
            case 0:
                v = ldexp(0x1.fffffffffffffp0, e); /* 53 one bits */
                break;
            case 1:
                v = ldexp(1.0, e);
                break;
            case 2:
                v = nextafter(ldexp(1.0, e), 0.0);
                break;
            default:
                v = ldexp(unit(), e);
                break;
            }
            held[n++] = v;
            bad += fs_res_put(&t, 0, s, v) != FS_OK;
        }
        else {
            size_t i = (size_t)fs_test_below(n);
            double v = held[i];
            held[i] = held[--n];
            bad += fs_res_remove(&t, 0, s, v) != FS_OK;
        }
        mismatch += !bits_equal(get(&t, 0, s), ref_fsum(held, n));
    }
    while (n)
        bad += fs_res_remove(&t, 0, s, held[--n]) != FS_OK;
    CHECK_EQ_I(bad, 0);
    CHECK_EQ_I(mismatch, 0);
    CHECK_EQ_D(get(&t, 0, s), 0.0);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t);
}

/* The main exactness test: 10^6 random balanced puts and removes over
 * replicas on several nodes, checked at checkpoints against the reference;
 * everything drains to exactly 0.0 while a naive double sum does not. */
#define RR 12
#define NN 3
#define SS 6
#define OPS 1000000

struct vlist {
    double *v;
    size_t n, cap;
};

static void vpush(struct vlist *l, double x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            abort();
    }
    l->v[l->n++] = x;
}

static void check_against_reference(const struct fs_res *t, struct vlist lists[RR][SS], const uint32_t node_of[RR],
                                    long *mismatch)
{
    CHECK_EQ_I(fs_res_valid(t), 1);
    static double all[1 << 20];
    for (uint32_t n = 0; n < NN; n++) {
        uint64_t nmask = 0, want_nmask = 0;
        CHECK_EQ_I(fs_res_node_mask(t, n, &nmask), FS_OK);
        for (int s = 0; s < SS; s++) {
            size_t k = 0;
            for (uint32_t r = 0; r < RR; r++) {
                if (node_of[r] != n)
                    continue;
                struct vlist *l = &lists[r][s];
                *mismatch += !bits_equal(get(t, r, s), ref_fsum(l->v, l->n));
                if (!CHECK(k + l->n <= sizeof all / sizeof all[0]))
                    return;
                if (l->n)
                    memcpy(all + k, l->v, l->n * sizeof *l->v);
                k += l->n;
            }
            *mismatch += !bits_equal(node_get(t, n, s), ref_fsum(all, k));
            if (k)
                want_nmask |= UINT64_C(1) << s;
        }
        CHECK_EQ_U(nmask, want_nmask);
    }
    for (uint32_t r = 0; r < RR; r++) {
        uint64_t m = 0, want = 0;
        CHECK_EQ_I(fs_res_replica_mask(t, r, &m), FS_OK);
        for (int s = 0; s < SS; s++)
            want |= (uint64_t)(lists[r][s].n != 0) << s;
        CHECK_EQ_U(m, want);
    }
}

static void test_res_random_balanced(void)
{
    struct fs_res t;
    fs_res_init(&t);
    static struct vlist lists[RR][SS];
    static double naive[RR][SS];
    uint32_t node_of[RR];
    memset(lists, 0, sizeof lists);
    memset(naive, 0, sizeof naive);
    const char *names[SS] = {"cpu", "memory", "gpu", "net", "disk", "fpga"};
    for (int s = 0; s < SS; s++)
        CHECK_EQ_I(fs_res_slot(&t, names[s], strlen(names[s])), s);
    for (uint32_t r = 0; r < RR; r++) {
        node_of[r] = r % NN;
        CHECK_EQ_I(fs_res_replica_add(&t, r, node_of[r]), FS_OK);
    }
    long mismatch = 0, naive_refusals = 0, bad_status = 0;
    for (long op = 1; op <= OPS; op++) {
        uint32_t r = (uint32_t)fs_test_below(RR);
        int s = (int)fs_test_below(SS);
        struct vlist *l = &lists[r][s];
        if (l->n == 0 || fs_test_below(2)) {
            double v = rand_value();
            vpush(l, v);
            naive[r][s] += v;
            bad_status += fs_res_put(&t, r, s, v) != FS_OK;
        }
        else {
            size_t i = (size_t)fs_test_below(l->n);
            double v = l->v[i];
            l->v[i] = l->v[--l->n];
            naive_refusals += naive[r][s] < v; /* a naive check would refuse this legal remove */
            naive[r][s] -= v;
            bad_status += fs_res_remove(&t, r, s, v) != FS_OK;
        }
        if (op % 100000 == 0) {
            check_against_reference(&t, lists, node_of, &mismatch);
            /* Move one replica: force-unregister it (its amounts leave its
             * node exactly) and register it again on another node. */
            uint32_t mv = (uint32_t)(op / 100000) % RR;
            CHECK_EQ_I(fs_res_replica_remove(&t, mv, 1), FS_OK);
            for (int k = 0; k < SS; k++) {
                lists[mv][k].n = 0;
                naive[mv][k] = 0;
            }
            node_of[mv] = (node_of[mv] + 1) % NN;
            CHECK_EQ_I(fs_res_replica_add(&t, mv, node_of[mv]), FS_OK);
            check_against_reference(&t, lists, node_of, &mismatch);
        }
    }
    CHECK_EQ_I(bad_status, 0);
    CHECK_EQ_I(mismatch, 0);
    /* Drain everything in random order. */
    for (uint32_t r = 0; r < RR; r++)
        for (int s = 0; s < SS; s++) {
            struct vlist *l = &lists[r][s];
            while (l->n) {
                size_t i = (size_t)fs_test_below(l->n);
                double v = l->v[i];
                l->v[i] = l->v[--l->n];
                naive[r][s] -= v;
                bad_status += fs_res_remove(&t, r, s, v) != FS_OK;
            }
        }
    CHECK_EQ_I(bad_status, 0);
    long naive_residues = 0, exact_residues = 0;
    for (uint32_t r = 0; r < RR; r++) {
        uint64_t m = 1;
        CHECK_EQ_I(fs_res_replica_mask(&t, r, &m), FS_OK);
        CHECK_EQ_U(m, 0);
        for (int s = 0; s < SS; s++) {
            naive_residues += naive[r][s] != 0.0;
            exact_residues += !bits_equal(get(&t, r, s), 0.0); /* +0.0, not -0.0 */
        }
    }
    for (uint32_t n = 0; n < NN; n++) {
        uint64_t m = 1;
        CHECK_EQ_I(fs_res_node_mask(&t, n, &m), FS_OK);
        CHECK_EQ_U(m, 0);
        for (int s = 0; s < SS; s++)
            exact_residues += !bits_equal(node_get(&t, n, s), 0.0);
        CHECK_EQ_I(t.node[n].mask, 0);
    }
    CHECK_EQ_I(exact_residues, 0);
    /* The point of exact accounting: naive sums leave residues and would
     * refuse legal removes. */
    CHECK_MSG(naive_residues > RR * SS / 2, "naive residues %ld", naive_residues);
    CHECK_MSG(naive_refusals > 0, "naive refusals %ld", naive_refusals);
    printf("     fs_res: %d ops, naive double sums: %ld of %d non-zero at the end, %ld legal removes refused; "
           "exact: 0\n",
           OPS, naive_residues, RR * SS, naive_refusals);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    for (uint32_t r = 0; r < RR; r++)
        for (int s = 0; s < SS; s++)
            free(lists[r][s].v);
    fs_res_free(&t);
}

static void test_res_over_remove(void)
{
    struct fs_res t;
    fs_res_init(&t);
    int cpu = fs_res_slot(&t, "cpu", 3);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 1, 0), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 1, cpu, 5.0), FS_OK); /* the node holds more than replica 0 */
    struct snap sn;

    /* 0.1 + 0.2 is exactly 0.3000000000000000166..., between the doubles
     * 0.3 and 0.30000000000000004. */
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.1), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.2), FS_OK);
    take_snap(&t, &sn);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, nextafter(0.30000000000000004, 1.0)), FS_ERES_INSUFFICIENT);
    CHECK(same_as_snap(&t, &sn));
    /* the read of the amount (the nearest double, 0.30000000000000004, above
     * the exact sum) removes all of it, from the replica and the node */
    CHECK_EQ_D(get(&t, 0, cpu), 0.30000000000000004);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.30000000000000004), FS_OK);
    CHECK_EQ_D(get(&t, 0, cpu), 0.0);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    double node_cpu;
    CHECK_EQ_I(fs_res_node_get(&t, 0, cpu, &node_cpu), FS_OK);
    CHECK_EQ_D(node_cpu, 5.0);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.1), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.2), FS_OK);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.3), FS_OK);
    const double xs[] = {0.1, 0.2, -0.3};
    CHECK_EQ_D(get(&t, 0, cpu), ref_fsum(xs, 3)); /* the exact residue, 2^-54 + ... */
    CHECK(get(&t, 0, cpu) > 0);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.1), FS_ERES_INSUFFICIENT);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.3), FS_OK);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.2), FS_OK);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.1), FS_OK);
    CHECK_EQ_D(get(&t, 0, cpu), 0.0);

    /* Over by one ulp, at several magnitudes; then exactly right. */
    const double vals[] = {0x1p-1074, 1e-9, 0.1, 0.7, 1.0, 1e12, 1e300};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double v = vals[i];
        CHECK_EQ_I(fs_res_put(&t, 0, cpu, v), FS_OK);
        take_snap(&t, &sn);
        CHECK_EQ_I(fs_res_remove(&t, 0, cpu, nextafter(v, INFINITY)), FS_ERES_INSUFFICIENT);
        CHECK(same_as_snap(&t, &sn));
        CHECK_EQ_I(fs_res_remove(&t, 0, cpu, v), FS_OK);
        CHECK_EQ_D(get(&t, 0, cpu), 0.0);
    }

    /* A tiny amount survives next to a huge one (a naive sum loses it). */
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 1e12), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 1e-9), FS_OK);
    CHECK_EQ_D(get(&t, 0, cpu), 1e12);
    take_snap(&t, &sn);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, nextafter(1e12, INFINITY)), FS_ERES_INSUFFICIENT);
    CHECK(same_as_snap(&t, &sn));
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 1e12), FS_OK);
    CHECK_EQ_D(get(&t, 0, cpu), 1e-9);
    CHECK_EQ_D(node_get(&t, 0, cpu), 5.0 + 1e-9);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 1e-9), FS_OK);
    CHECK_EQ_D(node_get(&t, 0, cpu), 5.0);
    /* Removing from a replica that never held this slot. */
    int mem = fs_res_slot(&t, "memory", 6);
    take_snap(&t, &sn);
    CHECK_EQ_I(fs_res_remove(&t, 0, mem, 0x1p-1074), FS_ERES_INSUFFICIENT);
    CHECK(same_as_snap(&t, &sn));
    CHECK_EQ_I(fs_res_remove(&t, 0, mem, 0.0), FS_OK); /* removing nothing is fine */
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t);
}

static void test_res_errors(void)
{
    struct fs_res t;
    fs_res_init(&t);
    int cpu = fs_res_slot(&t, "cpu", 3);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 2, 1), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.7), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 2, cpu, 1e-9), FS_OK);
    struct snap sn;
    take_snap(&t, &sn);
    const double bad[] = {-1.0, -0x1p-1074, -INFINITY, INFINITY, NAN, -NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_I(fs_res_put(&t, 0, cpu, bad[i]), FS_EINVAL);
        CHECK_EQ_I(fs_res_remove(&t, 0, cpu, bad[i]), FS_EINVAL);
    }
    CHECK_EQ_I(fs_res_put(&t, 1, cpu, 1.0), FS_ERES_UNKNOWN_REPLICA);  /* hole */
    CHECK_EQ_I(fs_res_put(&t, 99, cpu, 1.0), FS_ERES_UNKNOWN_REPLICA); /* beyond */
    CHECK_EQ_I(fs_res_remove(&t, 1, cpu, 1.0), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_put(&t, 0, 1, 1.0), FS_EINVAL); /* slot not interned */
    CHECK_EQ_I(fs_res_put(&t, 0, -1, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_res_remove(&t, 0, 64, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 1), FS_ERES_DUP_REPLICA);
    CHECK_EQ_I(fs_res_replica_add(&t, FS_RES_MAX_ID, 0), FS_EINVAL);
    CHECK_EQ_I(fs_res_replica_add(&t, 3, FS_RES_MAX_ID), FS_EINVAL);
    CHECK_EQ_I(fs_res_replica_remove(&t, 1, 1), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_replica_remove(&t, 0, 0), FS_ERES_NOTEMPTY);
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, 0.0), FS_OK);  /* no-op */
    CHECK_EQ_I(fs_res_put(&t, 0, cpu, -0.0), FS_OK); /* -0.0 is zero */
    CHECK(same_as_snap(&t, &sn));
    double v;
    uint64_t m;
    uint32_t nd;
    CHECK_EQ_I(fs_res_get(&t, 1, cpu, &v), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_get(&t, 0, 5, &v), FS_EINVAL);
    CHECK_EQ_I(fs_res_get(&t, 0, cpu, NULL), FS_EINVAL);
    CHECK_EQ_I(fs_res_node_get(&t, 2, cpu, &v), FS_ERES_UNKNOWN_NODE);
    CHECK_EQ_I(fs_res_node_mask(&t, 2, &m), FS_ERES_UNKNOWN_NODE);
    CHECK_EQ_I(fs_res_replica_mask(&t, 1, &m), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_replica_node(&t, 2, &nd), FS_OK);
    CHECK_EQ_U(nd, 1);
    CHECK_EQ_I(fs_res_replica_node(&t, 1, &nd), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_reserve_nodes(&t, 4), FS_OK); /* empty nodes can be read */
    CHECK_EQ_I(fs_res_node_get(&t, 3, cpu, &v), FS_OK);
    CHECK_EQ_D(v, 0.0);

    /* Overflow: the node amount must stay readable as a finite double. */
    CHECK_EQ_I(fs_res_replica_add(&t, 5, 3), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 6, 3), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 5, cpu, DBL_MAX), FS_OK);
    take_snap(&t, &sn);
    double snap5 = get(&t, 5, cpu), snapn = node_get(&t, 3, cpu);
    CHECK_EQ_I(fs_res_put(&t, 6, cpu, DBL_MAX), FS_EOVERFLOW); /* another replica, same node */
    CHECK_EQ_I(fs_res_put(&t, 5, cpu, ldexp(1.0, 970)), FS_EOVERFLOW);
    CHECK(same_as_snap(&t, &sn));
    CHECK_EQ_D(get(&t, 5, cpu), snap5);
    CHECK_EQ_D(node_get(&t, 3, cpu), snapn);
    CHECK_EQ_I(fs_res_put(&t, 5, cpu, ldexp(1.0, 969) - ldexp(1.0, 917)), FS_OK); /* still rounds to DBL_MAX */
    CHECK_EQ_D(node_get(&t, 3, cpu), DBL_MAX);
    CHECK_EQ_I(fs_res_remove(&t, 5, cpu, DBL_MAX), FS_OK);
    CHECK_EQ_D(get(&t, 5, cpu), ldexp(1.0, 969) - ldexp(1.0, 917));
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t);
}

static void test_res_many_slots(void)
{
    struct fs_res t;
    fs_res_init(&t);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 1, 0), FS_OK);
    CHECK_EQ_I(fs_res_slot(&t, "s0", 2), 0);
    CHECK_EQ_I(fs_res_put(&t, 0, 0, 1.5), FS_OK); /* the arrays now hold one slot */
    char buf[16];
    for (int i = 1; i < FS_RES_MAX_SLOTS; i++) {
        int n = snprintf(buf, sizeof buf, "s%d", i);
        CHECK_EQ_I(fs_res_slot(&t, buf, (size_t)n), i);
        /* a new slot on an entity whose array is too short grows it */
        CHECK_EQ_I(fs_res_put(&t, 0, i, 0.1 * i), FS_OK);
        CHECK_EQ_I(fs_res_put(&t, 1, i, 1e-9 * i), FS_OK);
    }
    uint64_t m = 0;
    CHECK_EQ_I(fs_res_replica_mask(&t, 0, &m), FS_OK);
    CHECK_EQ_U(m, UINT64_MAX);
    CHECK_EQ_I(fs_res_replica_mask(&t, 1, &m), FS_OK);
    CHECK_EQ_U(m, UINT64_MAX - 1);
    int seen = 0, last = -1;
    while (m) {
        int s = fs_res_mask_next(&m);
        CHECK(s > last);
        last = s;
        CHECK_EQ_D(get(&t, 1, s), 1e-9 * s);
        CHECK_EQ_D(node_get(&t, 0, s), 0.1 * s + 1e-9 * s);
        seen++;
    }
    CHECK_EQ_I(seen, 63);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    for (int i = 1; i < FS_RES_MAX_SLOTS; i++) {
        CHECK_EQ_I(fs_res_remove(&t, 0, i, 0.1 * i), FS_OK);
        CHECK_EQ_I(fs_res_remove(&t, 1, i, 1e-9 * i), FS_OK);
    }
    CHECK_EQ_I(fs_res_node_mask(&t, 0, &m), FS_OK);
    CHECK_EQ_U(m, 1);
    CHECK_EQ_D(node_get(&t, 0, 0), 1.5);
    CHECK_EQ_I(fs_res_remove(&t, 0, 0, 1.5), FS_OK);
    CHECK_EQ_I(fs_res_node_mask(&t, 0, &m), FS_OK);
    CHECK_EQ_U(m, 0);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t);
}

static void test_res_unregister(void)
{
    struct fs_res t;
    fs_res_init(&t);
    int cpu = fs_res_slot(&t, "cpu", 3), mem = fs_res_slot(&t, "memory", 6);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 1, 0), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 2, 1), FS_OK);
    /* An empty replica unregisters without force. */
    CHECK_EQ_I(fs_res_replica_remove(&t, 2, 0), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 2, cpu, 1.0), FS_ERES_UNKNOWN_REPLICA);
    CHECK_EQ_I(fs_res_replica_add(&t, 2, 1), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 2, cpu, 1.0), FS_OK);
    CHECK_EQ_I(fs_res_remove(&t, 2, cpu, 1.0), FS_OK);
    CHECK_EQ_I(fs_res_replica_remove(&t, 2, 0), FS_OK); /* empty again after balanced use */

    /* Replica 0 holds amounts whose exact sum is not a double. */
    const double a[] = {0.1, 0.2, 1e12, 1e-9};
    for (int i = 0; i < 4; i++)
        CHECK_EQ_I(fs_res_put(&t, 0, cpu, a[i]), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 0, mem, 0.7), FS_OK);
    CHECK_EQ_I(fs_res_put(&t, 1, cpu, 0.3), FS_OK);
    struct snap sn;
    take_snap(&t, &sn);
    CHECK_EQ_I(fs_res_replica_remove(&t, 0, 0), FS_ERES_NOTEMPTY);
    CHECK(same_as_snap(&t, &sn));
    CHECK_EQ_I(fs_res_replica_remove(&t, 0, 1), FS_OK);
    /* The node keeps exactly what replica 1 holds. */
    CHECK_EQ_D(node_get(&t, 0, cpu), 0.3);
    CHECK_EQ_D(node_get(&t, 0, mem), 0.0);
    uint64_t m;
    CHECK_EQ_I(fs_res_node_mask(&t, 0, &m), FS_OK);
    CHECK_EQ_U(m, UINT64_C(1) << cpu);
    CHECK_EQ_I(t.node[0].node, 1); /* one replica left on node 0 */
    CHECK_EQ_I(fs_res_valid(&t), 1);
    /* The id can be registered again, on any node, and starts empty. */
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 1), FS_OK);
    CHECK_EQ_I(fs_res_replica_mask(&t, 0, &m), FS_OK);
    CHECK_EQ_U(m, 0);
    CHECK_EQ_D(get(&t, 0, cpu), 0.0);
    CHECK_EQ_I(fs_res_remove(&t, 0, cpu, 0.1), FS_ERES_INSUFFICIENT);
    CHECK_EQ_I(fs_res_remove(&t, 1, cpu, 0.3), FS_OK);
    CHECK_EQ_D(node_get(&t, 0, cpu), 0.0);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t); /* frees what replica 0 and the nodes still own */
}

/* Standing claims against the same operations spelled as loose puts and
 * removes on a second book: every read (replicas, nodes, masks, exact
 * amounts) must agree bit for bit, through claims, releases, vector
 * changes, folds (after which the outstanding claims are removed as loose
 * amounts) and loose removes that need a fold first. */
#define SC_REPS 6
#define SC_NODES 3
#define SC_SLOTS 5

static void sc_compare(const struct fs_res *a, const struct fs_res *b)
{
    for (uint32_t r = 0; r < SC_REPS; r++) {
        uint64_t ma = 0, mb = 0;
        CHECK_EQ_I(fs_res_replica_mask(a, r, &ma), FS_OK);
        CHECK_EQ_I(fs_res_replica_mask(b, r, &mb), FS_OK);
        CHECK_EQ_U(ma, mb);
        for (int s = 0; s < SC_SLOTS; s++) {
            double x = get(a, r, s), y = get(b, r, s);
            if (!CHECK(bits_equal(x, y)))
                return;
            struct fs_res_acc ea, eb;
            CHECK_EQ_I(fs_res_amount(a, 0, r, s, &ea), FS_OK);
            CHECK_EQ_I(fs_res_amount(b, 0, r, s, &eb), FS_OK);
            CHECK_EQ_I(fs_res_acc_cmp(&ea, &eb), 0);
            fs_res_acc_free(&ea);
            fs_res_acc_free(&eb);
        }
    }
    for (uint32_t n = 0; n < SC_NODES; n++) {
        uint64_t ma = 0, mb = 0;
        CHECK_EQ_I(fs_res_node_mask(a, n, &ma), FS_OK);
        CHECK_EQ_I(fs_res_node_mask(b, n, &mb), FS_OK);
        CHECK_EQ_U(ma, mb);
        for (int s = 0; s < SC_SLOTS; s++) {
            double x = node_get(a, n, s), y = node_get(b, n, s);
            if (!CHECK(bits_equal(x, y)))
                return;
            struct fs_res_acc ea, eb;
            CHECK_EQ_I(fs_res_amount(a, 1, n, s, &ea), FS_OK);
            CHECK_EQ_I(fs_res_amount(b, 1, n, s, &eb), FS_OK);
            CHECK_EQ_I(fs_res_acc_cmp(&ea, &eb), 0);
            fs_res_acc_free(&ea);
            fs_res_acc_free(&eb);
        }
    }
}

static void test_res_standing_claims(void)
{
    struct fs_res a, b;
    fs_res_init(&a);
    fs_res_init(&b);
    const char *names[SC_SLOTS] = {"cpu", "gpu", "blkio", "net", "ram"};
    for (int s = 0; s < SC_SLOTS; s++) {
        CHECK_EQ_I(fs_res_slot(&a, names[s], strlen(names[s])), s);
        CHECK_EQ_I(fs_res_slot(&b, names[s], strlen(names[s])), s);
    }
    for (uint32_t r = 0; r < SC_REPS; r++) {
        CHECK_EQ_I(fs_res_replica_add(&a, r, r % SC_NODES), FS_OK);
        CHECK_EQ_I(fs_res_replica_add(&b, r, r % SC_NODES), FS_OK);
    }
    /* per replica: the vector, and the claims held as standing (k, in a)
     * or loose after a fold (lk: removed as loose amounts later) */
    int vs[SC_REPS][SC_SLOTS], vn[SC_REPS];
    double vv[SC_REPS][SC_SLOTS];
    int64_t k[SC_REPS], lk[SC_REPS];
    int defined[SC_REPS];
    memset(vn, 0, sizeof vn);
    memset(k, 0, sizeof k);
    memset(lk, 0, sizeof lk);
    memset(defined, 0, sizeof defined);
    /* loose amounts put directly, to remove later: (replica, slot, value) */
    struct {
        uint32_t r;
        int s;
        double v;
    } loose[256];
    int nloose = 0;
    for (int step = 0; step < 20000; step++) {
        uint32_t r = fs_test_below(SC_REPS);
        switch (fs_test_below(8)) {
        case 0: /* a new vector (only while nothing standing is held; the
                 * model also waits for the folded ones to be released) */
            if (lk[r])
                break;
            if (k[r]) {
                int one = 0;
                double x = 1.0;
                CHECK_EQ_I(fs_res_claim_set(&a, r, 1, &one, &x), FS_ERES_CLAIMED);
                break;
            }
            vn[r] = (int)fs_test_below(SC_SLOTS + 1);
            for (int i = 0; i < vn[r]; i++) {
                vs[r][i] = (int)((i + r) % SC_SLOTS);
                vv[r][i] = fs_test_below(4) ? rand_value() : 0.0; /* zeros are dropped */
            }
            CHECK_EQ_I(fs_res_claim_set(&a, r, vn[r], vs[r], vv[r]), FS_OK);
            defined[r] = 1;
            break;
        case 1:
        case 2: /* claim */
            if (!defined[r]) {
                CHECK_EQ_I(fs_res_claim_add(&a, r, 1), FS_ERES_NO_CLAIM);
                break;
            }
            CHECK_EQ_I(fs_res_claim_add(&a, r, 1), FS_OK);
            k[r]++;
            for (int i = 0; i < vn[r]; i++)
                CHECK_EQ_I(fs_res_put(&b, r, vs[r][i], vv[r][i]), FS_OK);
            break;
        case 3: /* release a standing claim, or one that a fold made loose */
            if (k[r]) {
                CHECK_EQ_I(fs_res_claim_add(&a, r, -1), FS_OK);
                k[r]--;
            }
            else if (lk[r]) {
                for (int i = 0; i < vn[r]; i++)
                    CHECK_EQ_I(fs_res_remove(&a, r, vs[r][i], vv[r][i]), FS_OK);
                lk[r]--;
            }
            else {
                if (defined[r])
                    CHECK_EQ_I(fs_res_claim_add(&a, r, -1), FS_ERES_INSUFFICIENT);
                break;
            }
            for (int i = 0; i < vn[r]; i++)
                CHECK_EQ_I(fs_res_remove(&b, r, vs[r][i], vv[r][i]), FS_OK);
            break;
        case 4: /* fold */
            if (!defined[r])
                break;
            CHECK_EQ_I(fs_res_claim_fold(&a, r), FS_OK);
            lk[r] += k[r];
            k[r] = 0;
            break;
        case 5: /* a loose put */
            if (nloose < 256) {
                int s = (int)fs_test_below(SC_SLOTS);
                double v = rand_value();
                CHECK_EQ_I(fs_res_put(&a, r, s, v), FS_OK);
                CHECK_EQ_I(fs_res_put(&b, r, s, v), FS_OK);
                loose[nloose].r = r;
                loose[nloose].s = s;
                loose[nloose++].v = v;
            }
            break;
        default: /* remove a loose put; if the loose amount is short, fold and retry */
            if (nloose) {
                int i = (int)fs_test_below((uint32_t)nloose);
                uint32_t lr = loose[i].r;
                int rc = fs_res_remove(&a, lr, loose[i].s, loose[i].v);
                if (rc == FS_ERES_INSUFFICIENT) {
                    CHECK(k[lr] > 0); /* only standing claims can make it short */
                    CHECK_EQ_I(fs_res_claim_fold(&a, lr), FS_OK);
                    lk[lr] += k[lr];
                    k[lr] = 0;
                    rc = fs_res_remove(&a, lr, loose[i].s, loose[i].v);
                }
                CHECK_EQ_I(rc, FS_OK);
                CHECK_EQ_I(fs_res_remove(&b, lr, loose[i].s, loose[i].v), FS_OK);
                loose[i] = loose[--nloose];
            }
            break;
        }
        if (step % 97 == 0) {
            sc_compare(&a, &b);
            CHECK_EQ_I(fs_res_valid(&a), 1);
        }
    }
    sc_compare(&a, &b);
    /* drain: everything back to exactly zero */
    for (uint32_t r = 0; r < SC_REPS; r++) {
        for (; k[r]; k[r]--)
            CHECK_EQ_I(fs_res_claim_add(&a, r, -1), FS_OK);
        for (; lk[r]; lk[r]--)
            for (int i = 0; i < vn[r]; i++)
                CHECK_EQ_I(fs_res_remove(&a, r, vs[r][i], vv[r][i]), FS_OK);
    }
    for (int i = 0; i < nloose; i++)
        CHECK_EQ_I(fs_res_remove(&a, loose[i].r, loose[i].s, loose[i].v), FS_OK);
    for (uint32_t n = 0; n < SC_NODES; n++) {
        uint64_t m = 1;
        CHECK_EQ_I(fs_res_node_mask(&a, n, &m), FS_OK);
        CHECK_EQ_U(m, 0);
        for (int s = 0; s < SC_SLOTS; s++)
            CHECK_EQ_D(node_get(&a, n, s), 0.0);
    }
    CHECK_EQ_I(fs_res_valid(&a), 1);
    fs_res_free(&a);
    fs_res_free(&b);
}

/* Errors of the standing-claim calls change nothing; unregistering. */
static void test_res_claim_errors(void)
{
    struct fs_res t;
    fs_res_init(&t);
    int cpu = fs_res_slot(&t, "cpu", 3), ram = fs_res_slot(&t, "ram", 3);
    CHECK_EQ_I(fs_res_replica_add(&t, 0, 0), FS_OK);
    int sl[2] = {cpu, ram};
    double bad[][2] = {{NAN, 1}, {-1, 1}, {INFINITY, 1}, {0x1p961, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_I(fs_res_claim_set(&t, 0, 2, sl, bad[i]), FS_EINVAL);
    int dup[2] = {cpu, cpu};
    double ok[2] = {0.5, 0.25};
    CHECK_EQ_I(fs_res_claim_set(&t, 0, 2, dup, ok), FS_EINVAL);
    int badslot[2] = {cpu, 7};
    CHECK_EQ_I(fs_res_claim_set(&t, 0, 2, badslot, ok), FS_EINVAL);
    CHECK_EQ_I(fs_res_claim_set(&t, 0, FS_RES_CLAIM_MAX + 1, sl, ok), FS_EINVAL);
    CHECK_EQ_I(fs_res_claim_set(&t, 5, 2, sl, ok), FS_ERES_UNKNOWN_REPLICA);
    CHECK(fs_res_claim_of(&t, 0) == NULL);
    CHECK_EQ_I(fs_res_claim_add(&t, 0, 1), FS_ERES_NO_CLAIM);
    CHECK_EQ_I(fs_res_claim_set(&t, 0, 2, sl, ok), FS_OK);
    CHECK_EQ_I(fs_res_claim_add(&t, 0, 3), FS_OK);
    CHECK_EQ_D(get(&t, 0, cpu), 1.5);
    CHECK_EQ_D(node_get(&t, 0, ram), 0.75);
    double lo = -1;
    CHECK_EQ_I(fs_res_get_loose(&t, 0, cpu, &lo), FS_OK);
    CHECK_EQ_D(lo, 0.0);
    CHECK_EQ_I(fs_res_claim_set(&t, 0, 2, sl, ok), FS_ERES_CLAIMED);
    CHECK_EQ_I(fs_res_claim_add(&t, 0, -4), FS_ERES_INSUFFICIENT);
    CHECK_EQ_I(fs_res_claim_add(&t, 0, INT64_C(1) << 31), FS_EOVERFLOW);
    CHECK_EQ_I((int)fs_res_claim_of(&t, 0)->k, 3);
    CHECK_EQ_I(fs_res_replica_remove(&t, 0, 0), FS_ERES_NOTEMPTY);
    /* a fold moves them to the loose amounts, exactly */
    uint32_t epoch = fs_res_claim_of(&t, 0)->epoch;
    CHECK_EQ_I(fs_res_claim_fold(&t, 0), FS_OK);
    CHECK_EQ_U(fs_res_claim_of(&t, 0)->epoch, epoch + 1);
    CHECK_EQ_I(fs_res_get_loose(&t, 0, cpu, &lo), FS_OK);
    CHECK_EQ_D(lo, 1.5);
    CHECK_EQ_D(get(&t, 0, cpu), 1.5);
    /* force-unregistering drops standing and loose amounts from the node */
    CHECK_EQ_I(fs_res_claim_add(&t, 0, 2), FS_OK);
    CHECK_EQ_I(fs_res_replica_add(&t, 1, 0), FS_OK);
    CHECK_EQ_I(fs_res_claim_set(&t, 1, 1, sl, ok), FS_OK);
    CHECK_EQ_I(fs_res_claim_add(&t, 1, 1), FS_OK);
    CHECK_EQ_D(node_get(&t, 0, cpu), 3.0);
    CHECK_EQ_I(fs_res_replica_remove(&t, 0, 1), FS_OK);
    CHECK_EQ_D(node_get(&t, 0, cpu), 0.5);
    CHECK_EQ_D(node_get(&t, 0, ram), 0.0);
    const uint32_t *ids;
    uint32_t n;
    CHECK_EQ_I(fs_res_node_claimers(&t, 0, &ids, &n), FS_OK);
    CHECK_EQ_U(n, 1);
    CHECK_EQ_U(ids[0], 1);
    CHECK_EQ_I(fs_res_node_claimers(&t, 9, &ids, &n), FS_ERES_UNKNOWN_NODE);
    CHECK_EQ_I(fs_res_valid(&t), 1);
    fs_res_free(&t);
}

void fs_test_res_suite(void)
{
    RUN_TEST(test_res_slots);
    RUN_TEST(test_res_mask_next);
    RUN_TEST(test_res_acc_rounding);
    RUN_TEST(test_res_acc_ties);
    RUN_TEST(test_res_carry_patterns);
    RUN_TEST(test_res_over_remove);
    RUN_TEST(test_res_errors);
    RUN_TEST(test_res_many_slots);
    RUN_TEST(test_res_unregister);
    RUN_TEST(test_res_random_balanced);
    RUN_TEST(test_res_standing_claims);
    RUN_TEST(test_res_claim_errors);
}
