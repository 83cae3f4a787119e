/*
 * fs_power: linear power models (predict, fit, R^2) and exact energy
 * integration.
 *
 * Design note
 * -----------
 * Linear model. struct fs_linmodel is a plain value: up to
 * FS_LINMODEL_MAX_FEATURES coefficients and an intercept, no allocation.
 * A prediction is intercept + (c0*x0 + c1*x1 + ... ), evaluated as
 *     s = c0*x0; s = s + c1*x1; ...; y = intercept + s
 * i.e. the products summed left to right, the intercept added last (the
 * shape of scikit-learn's X @ coef + intercept). Every product is a separate
 * statement, so no compiler may fuse it with the addition: C forbids
 * reassociation without -ffast-math, GCC in ISO mode (-std=c11, which the
 * build uses) defaults to -ffp-contract=off (checked below at compile time),
 * and clang's default contracts only within one expression. The batch
 * predictor runs the same code per row, so batch == single bit for bit.
 *
 * Fitting (fs_linmodel_fit) follows scikit-learn: with fit_intercept the
 * columns of X and y are centred (two-pass means) and the intercept is
 * mean(y) - mean(X) . coef, so it is never penalised. The centred problem is
 * solved by Householder QR with column pivoting on an m x p copy (never the
 * normal equations):
 *   - FS_FIT_OLS:   min |Xc b - yc|^2 (alpha must be 0);
 *   - FS_FIT_RIDGE: min |Xc b - yc|^2 + alpha |b|^2, solved as least squares
 *     on the stacked system [Xc; sqrt(alpha) I] b = [yc; 0] (alpha >= 0;
 *     alpha == 0 is OLS);
 *   - FS_FIT_NNLS:  OLS (or ridge, with alpha > 0) subject to b >= 0, by
 *     Lawson-Hanson's active-set method; the intercept is unconstrained
 *     (scikit-learn's positive=True).
 * Rank deficiency is a distinct status, FS_ERANK, and the model is left
 * unchanged: numerical rank < p, decided by |R_kk| <= max(m, p) * eps *
 * |R_00| on the pivoted QR (this includes n_samples <= n_features with an
 * intercept). NNLS solves only subproblems on its passive set, which the
 * active-set method keeps independent (a column whose gradient is within
 * tolerance of 0 never enters), so on collinear data it returns a
 * non-negative solution using one of the collinear columns, and reports
 * FS_ERANK only if a passive subproblem turns out rank-deficient. We do not return a minimum-norm solution: a power
 * model whose coefficients are not identified is a data problem the user should see; the binding may fall back to
 * numpy.linalg.lstsq (scikit-learn's LinearRegression does) or suggest ridge, which is always full rank for alpha > 0.
 * Complexity: O(n p^2) time and O((n + p) p) memory for a fit; NNLS runs at
 * most 3p outer iterations, each a QR of the passive columns.
 *
 * Energy. struct fs_energy integrates a piecewise-constant power: it holds
 * the current power (W), the time it was set and the energy (J) of the
 * closed segments as a Neumaier-compensated sum (sum + comp), so millions of
 * segments lose no more than one rounding of the total. Each segment adds
 * power * (now - last) (one rounding for the product, one for the
 * difference). struct fs_energy_array holds one integrator per dense id
 * (node, replica, function or request; mapping names to ids is the
 * binding's business).
 *
 * Errors: every function either succeeds or returns a negative status and
 * changes nothing. Status codes: FS_OK, FS_ENOMEM, FS_EINVAL (NULL pointer,
 * nfeat > FS_LINMODEL_MAX_FEATURES or not matching the model, unknown
 * method, alpha < 0 or not finite, negative or non-finite power, NaN time,
 * id out of range) and the codes of enum fs_power_status.
 *
 * Threading: none; callers serialise (the Python binding holds the GIL).
 */
#ifndef FS_POWER_H
#define FS_POWER_H

#include <stddef.h>

#include "fs_queue.h" /* enum fs_status */

/* fs_power's own statuses, in a range (-80 .. -95) kept clear of enum
 * fs_status and the other engine modules. */
enum fs_power_status {
    FS_ERANK = -80,      /* fit: design matrix numerically rank-deficient */
    FS_ENONFINITE = -81, /* NaN or infinity in X, y or coefficients */
    FS_ETIMEBACK = -82,  /* energy: `now` is earlier than the last update */
    FS_ENODATA = -83     /* n_samples < 1 */
};

#define FS_LINMODEL_MAX_FEATURES 16

struct fs_linmodel {
    size_t nfeat;
    double coef[FS_LINMODEL_MAX_FEATURES];
    double intercept;
};

enum fs_fit_method { FS_FIT_OLS = 0, FS_FIT_RIDGE, FS_FIT_NNLS };

/* Set a model from coefficients (nfeat <= FS_LINMODEL_MAX_FEATURES; coef may
 * be NULL when nfeat == 0). FS_ENONFINITE for NaN/inf values. */
int fs_linmodel_init(struct fs_linmodel *m, const double *coef, size_t nfeat, double intercept);

/* Predict one row x[0 .. nfeat) in the order described above. nfeat must
 * equal m->nfeat (the binding checks shapes); otherwise the result is NaN. */
double fs_linmodel_predict(const struct fs_linmodel *m, const double *x, size_t nfeat);

/* Predict nrows rows of a row-major matrix: row i starts at X + i * stride
 * (stride >= nfeat, in elements), out[i] receives its prediction; exactly
 * fs_linmodel_predict on each row. FS_EINVAL if nfeat != m->nfeat or
 * stride < nfeat. nrows == 0 is a no-op. */
int fs_linmodel_predict_batch(const struct fs_linmodel *m, const double *X, size_t nrows, size_t nfeat, size_t stride,
                              double *out);

/* Fit m to X (n x nfeat, row-major, row stride `stride`) and y[0 .. n) by
 * `method` (see the design note); alpha is the ridge penalty (0 for OLS).
 * fit_intercept = 0 fits through the origin (intercept 0, no centring).
 * Statuses: FS_ENODATA (n < 1), FS_ENONFINITE, FS_EINVAL, FS_ERANK,
 * FS_ENOMEM; on any error *m is unchanged. */
int fs_linmodel_fit(struct fs_linmodel *m, const double *X, const double *y, size_t n, size_t nfeat, size_t stride,
                    enum fs_fit_method method, double alpha, int fit_intercept);

/* Coefficient of determination as scikit-learn's r2_score (and
 * LinearRegression.score): 1 - SS_res / SS_tot with SS_tot about mean(y);
 * when SS_tot == 0 the result is 1.0 if SS_res == 0 else 0.0; with a single
 * sample it is NaN (scikit-learn warns and returns nan). FS_ENODATA if
 * n < 1, FS_ENONFINITE for NaN/inf in X or y. */
int fs_linmodel_score(const struct fs_linmodel *m, const double *X, const double *y, size_t n, size_t nfeat,
                      size_t stride, double *out);

struct fs_energy {
    double power; /* W, >= 0, finite */
    double last;  /* time (s) the power was last set */
    double sum;   /* J of closed segments: sum + comp (Neumaier) */
    double comp;
};

/* Start at time `now` with power `watts` and zero energy. */
int fs_energy_init(struct fs_energy *e, double now, double watts);
/* Close the running segment (energy += power * (now - last)) and continue
 * with `watts` from `now`. FS_EINVAL for NaN/inf time or negative/NaN/inf
 * power, FS_ETIMEBACK if now < last; nothing changes on error. */
int fs_energy_set_power(struct fs_energy *e, double now, double watts);
/* Energy (J) up to `now`, including the running segment; same time checks
 * as fs_energy_set_power. */
int fs_energy_read(const struct fs_energy *e, double now, double *out);

struct fs_energy_array {
    struct fs_energy *v;
    size_t len;
    size_t cap;
};

void fs_energy_array_init(struct fs_energy_array *a);
void fs_energy_array_free(struct fs_energy_array *a);
/* Grow to at least `len` integrators; new ones start at `now` with power 0
 * (FS_EINVAL if now is not finite). Never shrinks. */
int fs_energy_array_ensure(struct fs_energy_array *a, size_t len, double now);
/* fs_energy_set_power / fs_energy_read on integrator `id` (FS_EINVAL if
 * id >= len). */
int fs_energy_array_set_power(struct fs_energy_array *a, size_t id, double now, double watts);
int fs_energy_array_read(const struct fs_energy_array *a, size_t id, double now, double *out);

#endif
