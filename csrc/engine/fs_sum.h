/*
 * fs_sum: Neumaier-compensated summation, for the time integrals and
 * energy sums that add millions of terms (the power model's energy, the
 * resource book's integrals, processor sharing's work, the energy tables).
 *
 * The sum is sum + comp. Neumaier's variant of Kahan summation: the
 * compensation also captures the low part of the running sum when the
 * addend is the larger one. Compile with -std=c11 (ISO mode) so that a*b+c
 * is not contracted into an FMA (the build does).
 */
#ifndef FS_SUM_H
#define FS_SUM_H

#include <math.h>

/* *sum + *comp += x. */
static inline void fs_sum_add(double *sum, double *comp, double x)
{
    double s = *sum, t = s + x;
    if (fabs(s) >= fabs(x))
        *comp += (s - t) + x;
    else
        *comp += (x - t) + s;
    *sum = t;
}

/* A compensated sum as one value. */
struct fs_ksum {
    double s, c;
};

static inline void fs_ksum_add(struct fs_ksum *k, double x)
{
    fs_sum_add(&k->s, &k->c, x);
}

static inline double fs_ksum_val(const struct fs_ksum *k)
{
    return k->s + k->c;
}

#endif
