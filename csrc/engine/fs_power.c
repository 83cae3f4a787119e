/* fs_power: linear power models and exact energy integration (see fs_power.h). */
#include "fs_power.h"
#include "fs_sum.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* The summation-order contract of fs_linmodel_predict needs products that
 * are not fused into FMAs. GCC fuses across statements unless it runs in ISO
 * mode (-std=c11 implies -ffp-contract=off); refuse GNU mode rather than
 * silently change results. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__STRICT_ANSI__)
#error "fs_power.c must be compiled with -std=c11 (ISO mode) so that GCC does not contract a*b+c into an FMA"
#endif

enum { MAXF = FS_LINMODEL_MAX_FEATURES };

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return 0;
    }
    return 1;
}

int fs_linmodel_init(struct fs_linmodel *m, const double *coef, size_t nfeat, double intercept)
{
    if (!m || nfeat > MAXF || (nfeat && !coef))
        return FS_EINVAL;
    if (!isfinite(intercept) || !all_finite(coef, nfeat))
        return FS_ENONFINITE;
    m->nfeat = nfeat;
    for (size_t j = 0; j < MAXF; j++)
        m->coef[j] = j < nfeat ? coef[j] : 0.0;
    m->intercept = intercept;
    return FS_OK;
}

/* The order contract lives here: products left to right, each a separate
 * statement, intercept added last. */
static double predict_row(const struct fs_linmodel *m, const double *x)
{
    double s = 0.0;
    for (size_t j = 0; j < m->nfeat; j++) {
        double t = m->coef[j] * x[j];
        s = s + t;
    }
    return m->intercept + s;
}

double fs_linmodel_predict(const struct fs_linmodel *m, const double *x, size_t nfeat)
{
    if (!m || nfeat != m->nfeat || (nfeat && !x))
        return NAN;
    return predict_row(m, x);
}

int fs_linmodel_predict_batch(const struct fs_linmodel *m, const double *X, size_t nrows, size_t nfeat, size_t stride,
                              double *out)
{
    if (!m || nfeat != m->nfeat || stride < nfeat || (nrows && (!out || (nfeat && !X))))
        return FS_EINVAL;
    for (size_t i = 0; i < nrows; i++)
        out[i] = predict_row(m, X + i * stride);
    return FS_OK;
}

/* Euclidean norm of v[0 .. n), scaled so that it neither overflows nor
 * underflows for any finite input. */
static double norm2(const double *v, size_t n)
{
    double scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(v[i]);
        if (a > scale)
            scale = a;
    }
    if (scale == 0.0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = v[i] / scale;
        s += t * t;
    }
    return scale * sqrt(s);
}

/* Least squares min |A x - b| by Householder QR with column pivoting.
 * A is m x p column-major (leading dimension m) and is overwritten by the
 * factorisation, b by Q^T b. FS_ERANK if the numerical rank is below p
 * (|R_kk| <= max(m, p) * eps * |R_00|, numpy's lstsq cut-off). */
static int qr_lstsq(double *A, size_t m, size_t p, double *b, double *x)
{
    size_t perm[MAXF];
    double rdiag[MAXF], z[MAXF];
    if (p == 0)
        return FS_OK;
    if (m < p)
        return FS_ERANK;
    for (size_t j = 0; j < p; j++)
        perm[j] = j;
    for (size_t k = 0; k < p; k++) {
        /* Pivot: the column with the largest norm below row k. Norms are
         * recomputed (not downdated): p <= 16, and it avoids cancellation. */
        size_t best = k;
        double bestn = -1.0;
        for (size_t j = k; j < p; j++) {
            double nj = norm2(A + j * m + k, m - k);
            if (nj > bestn) {
                bestn = nj;
                best = j;
            }
        }
        if (best != k) {
            for (size_t i = 0; i < m; i++) {
                double t = A[k * m + i];
                A[k * m + i] = A[best * m + i];
                A[best * m + i] = t;
            }
            size_t t = perm[k];
            perm[k] = perm[best];
            perm[best] = t;
        }
        double *a = A + k * m;
        if (bestn == 0.0)
            return FS_ERANK;
        /* Reflector H = I - beta v v^T mapping a[k..m) to alpha e_k, with
         * alpha of the sign opposite to a[k] so that v_k has no
         * cancellation; beta = 1 / (alpha (alpha - a_k)) > 0. */
        double alpha = a[k] > 0.0 ? -bestn : bestn;
        double beta = 1.0 / (alpha * (alpha - a[k]));
        a[k] -= alpha;
        for (size_t j = k + 1; j < p; j++) {
            double *c = A + j * m;
            double s = 0.0;
            for (size_t i = k; i < m; i++)
                s += a[i] * c[i];
            s *= beta;
            for (size_t i = k; i < m; i++)
                c[i] -= s * a[i];
        }
        double s = 0.0;
        for (size_t i = k; i < m; i++)
            s += a[i] * b[i];
        s *= beta;
        for (size_t i = k; i < m; i++)
            b[i] -= s * a[i];
        rdiag[k] = alpha;
    }
    double tol = (double)(m > p ? m : p) * DBL_EPSILON * fabs(rdiag[0]);
    for (size_t k = 0; k < p; k++) {
        if (!(fabs(rdiag[k]) > tol))
            return FS_ERANK;
    }
    /* Back substitution R z = (Q^T b)[0 .. p); R's strict upper triangle is
     * A[j * m + k] for j > k (rows < k+1 are untouched by later reflectors). */
    for (size_t k = p; k-- > 0;) {
        double s = b[k];
        for (size_t j = k + 1; j < p; j++)
            s -= A[j * m + k] * z[j];
        z[k] = s / rdiag[k];
    }
    for (size_t k = 0; k < p; k++)
        x[perm[k]] = z[k];
    return FS_OK;
}

/* Lawson-Hanson NNLS: min |A x - b| subject to x >= 0. A (m x p,
 * column-major) and b are read only; work holds m * (p + 1) doubles for the
 * passive-set subproblems. A column that enters the passive set and is
 * thrown out by the very next solve without x moving is blocked until x
 * changes, which prevents the classic rounding cycle. FS_ERANK if a passive
 * subproblem is rank-deficient. */
static int nnls(const double *A, size_t m, size_t p, const double *b, double *x, double *work)
{
    int passive[MAXF] = {0}, blocked[MAXF] = {0};
    size_t idx[MAXF];
    double z[MAXF], zs[MAXF];
    double *sub = work, *rhs = work + m * p;
    double anorm = 0.0;
    for (size_t j = 0; j < p; j++) {
        x[j] = 0.0;
        double cn = 0.0;
        for (size_t i = 0; i < m; i++)
            cn += fabs(A[j * m + i]);
        if (cn > anorm)
            anorm = cn;
    }
    double tol = 10.0 * DBL_EPSILON * anorm * (double)(m > p ? m : p);
    for (size_t outer = 0; outer < 3 * p + 3; outer++) {
        /* Gradient w = A^T (b - A x). */
        for (size_t i = 0; i < m; i++) {
            double r = b[i];
            for (size_t j = 0; j < p; j++)
                r -= A[j * m + i] * x[j];
            rhs[i] = r;
        }
        size_t jmax = p;
        double wmax = tol;
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t i = 0; i < m; i++)
                s += A[j * m + i] * rhs[i];
            if (!passive[j] && !blocked[j] && s > wmax) {
                wmax = s;
                jmax = j;
            }
        }
        if (jmax == p)
            return FS_OK; /* Kuhn-Tucker conditions hold */
        passive[jmax] = 1;
        for (int first = 1;; first = 0) {
            size_t k = 0;
            for (size_t j = 0; j < p; j++) {
                if (passive[j])
                    idx[k++] = j;
            }
            for (size_t c = 0; c < k; c++) {
                for (size_t i = 0; i < m; i++)
                    sub[c * m + i] = A[idx[c] * m + i];
            }
            for (size_t i = 0; i < m; i++)
                rhs[i] = b[i];
            int rc = qr_lstsq(sub, m, k, rhs, zs);
            if (rc != FS_OK)
                return rc;
            for (size_t j = 0; j < p; j++)
                z[j] = 0.0;
            for (size_t c = 0; c < k; c++)
                z[idx[c]] = zs[c];
            int feasible = 1;
            for (size_t c = 0; c < k; c++) {
                if (!(z[idx[c]] > 0.0))
                    feasible = 0;
            }
            if (feasible) {
                for (size_t j = 0; j < p; j++) {
                    x[j] = z[j];
                    blocked[j] = 0;
                }
                break;
            }
            if (first && !(z[jmax] > 0.0)) {
                /* The new column cannot enter: block it, keep x. */
                passive[jmax] = 0;
                blocked[jmax] = 1;
                break;
            }
            /* Step from x towards z until the first passive x hits 0. */
            double step = 1.0;
            size_t hit = p;
            for (size_t c = 0; c < k; c++) {
                size_t j = idx[c];
                if (!(z[j] > 0.0)) {
                    double d = x[j] - z[j]; /* >= 0: x >= 0 >= z */
                    double t = d > 0.0 ? x[j] / d : 0.0;
                    if (t < step || hit == p) {
                        step = t;
                        hit = j;
                    }
                }
            }
            for (size_t c = 0; c < k; c++) {
                size_t j = idx[c];
                x[j] += step * (z[j] - x[j]);
                blocked[j] = 0;
            }
            x[hit] = 0.0;
            for (size_t c = 0; c < k; c++) {
                size_t j = idx[c];
                if (x[j] <= tol) {
                    x[j] = 0.0;
                    passive[j] = 0;
                }
            }
        }
    }
    return FS_OK; /* iteration cap: x is feasible and the best found */
}

/* Two-pass mean: the second pass corrects the rounding of the first. */
static double mean_strided(const double *v, size_t n, size_t stride)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i * stride];
    double mu = s / (double)n, c = 0.0;
    for (size_t i = 0; i < n; i++)
        c += v[i * stride] - mu;
    return mu + c / (double)n;
}

int fs_linmodel_fit(struct fs_linmodel *m, const double *X, const double *y, size_t n, size_t nfeat, size_t stride,
                    enum fs_fit_method method, double alpha, int fit_intercept)
{
    if (!m || nfeat > MAXF || stride < nfeat || (n && (!y || (nfeat && !X))))
        return FS_EINVAL;
    if (method != FS_FIT_OLS && method != FS_FIT_RIDGE && method != FS_FIT_NNLS)
        return FS_EINVAL;
    if (!(alpha >= 0.0) || !isfinite(alpha) || (method == FS_FIT_OLS && alpha != 0.0))
        return FS_EINVAL;
    if (n < 1)
        return FS_ENODATA;
    if (!all_finite(y, n))
        return FS_ENONFINITE;
    for (size_t i = 0; i < n; i++) {
        if (!all_finite(X + i * stride, nfeat))
            return FS_ENONFINITE;
    }
    size_t p = nfeat;
    double xm[MAXF] = {0}, ym = 0.0, coef[MAXF] = {0};
    if (fit_intercept) {
        ym = mean_strided(y, n, 1);
        for (size_t j = 0; j < p; j++)
            xm[j] = mean_strided(X + j, n, stride);
    }
    int rc = FS_OK;
    if (p > 0) {
        size_t extra = alpha > 0.0 ? p : 0;
        if (n > SIZE_MAX / sizeof(double) / (2 * MAXF + 2) - extra)
            return FS_ENOMEM;
        size_t rows = n + extra;
        /* A (rows x p), b (rows), and NNLS scratch (rows x (p + 1)). */
        size_t total = rows * p + rows + (method == FS_FIT_NNLS ? rows * (p + 1) : 0);
        double *buf = malloc(total * sizeof(double));
        if (!buf)
            return FS_ENOMEM;
        double *A = buf, *b = buf + rows * p, *work = b + rows;
        for (size_t j = 0; j < p; j++) {
            for (size_t i = 0; i < n; i++)
                A[j * rows + i] = X[i * stride + j] - xm[j];
            for (size_t k = 0; k < extra; k++)
                A[j * rows + n + k] = k == j ? sqrt(alpha) : 0.0;
        }
        for (size_t i = 0; i < n; i++)
            b[i] = y[i] - ym;
        for (size_t k = 0; k < extra; k++)
            b[n + k] = 0.0;
        if (method == FS_FIT_NNLS)
            rc = nnls(A, rows, p, b, coef, work);
        else
            rc = qr_lstsq(A, rows, p, b, coef);
        free(buf);
        if (rc != FS_OK)
            return rc;
    }
    double intercept = 0.0;
    if (fit_intercept) {
        double s = 0.0;
        for (size_t j = 0; j < p; j++) {
            double t = xm[j] * coef[j];
            s = s + t;
        }
        intercept = ym - s;
    }
    if (!isfinite(intercept) || !all_finite(coef, p))
        return FS_ENONFINITE;
    return fs_linmodel_init(m, coef, p, intercept);
}

int fs_linmodel_score(const struct fs_linmodel *m, const double *X, const double *y, size_t n, size_t nfeat,
                      size_t stride, double *out)
{
    if (!m || !out || nfeat != m->nfeat || stride < nfeat || (n && (!y || (nfeat && !X))))
        return FS_EINVAL;
    if (n < 1)
        return FS_ENODATA;
    if (!all_finite(y, n))
        return FS_ENONFINITE;
    for (size_t i = 0; i < n; i++) {
        if (!all_finite(X + i * stride, nfeat))
            return FS_ENONFINITE;
    }
    if (n < 2) {
        *out = NAN;
        return FS_OK;
    }
    double ym = mean_strided(y, n, 1), ss_res = 0.0, ss_tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - predict_row(m, X + i * stride);
        double d = y[i] - ym;
        ss_res += r * r;
        ss_tot += d * d;
    }
    if (ss_tot == 0.0)
        *out = ss_res == 0.0 ? 1.0 : 0.0;
    else
        *out = 1.0 - ss_res / ss_tot;
    return FS_OK;
}

int fs_energy_init(struct fs_energy *e, double now, double watts)
{
    if (!e || !isfinite(now) || !(watts >= 0.0) || !isfinite(watts))
        return FS_EINVAL;
    e->power = watts;
    e->last = now;
    e->sum = 0.0;
    e->comp = 0.0;
    return FS_OK;
}

static int check_time(const struct fs_energy *e, double now)
{
    if (!isfinite(now))
        return FS_EINVAL;
    if (now < e->last)
        return FS_ETIMEBACK;
    return FS_OK;
}

int fs_energy_set_power(struct fs_energy *e, double now, double watts)
{
    if (!e || !(watts >= 0.0) || !isfinite(watts))
        return FS_EINVAL;
    int rc = check_time(e, now);
    if (rc != FS_OK)
        return rc;
    fs_sum_add(&e->sum, &e->comp, e->power * (now - e->last));
    e->power = watts;
    e->last = now;
    return FS_OK;
}

int fs_energy_read(const struct fs_energy *e, double now, double *out)
{
    if (!e || !out)
        return FS_EINVAL;
    int rc = check_time(e, now);
    if (rc != FS_OK)
        return rc;
    double s = e->sum, c = e->comp;
    fs_sum_add(&s, &c, e->power * (now - e->last));
    *out = s + c;
    return FS_OK;
}

void fs_energy_array_init(struct fs_energy_array *a)
{
    a->v = NULL;
    a->len = 0;
    a->cap = 0;
}

void fs_energy_array_free(struct fs_energy_array *a)
{
    free(a->v);
    fs_energy_array_init(a);
}

int fs_energy_array_ensure(struct fs_energy_array *a, size_t len, double now)
{
    if (!a || !isfinite(now))
        return FS_EINVAL;
    if (len <= a->len)
        return FS_OK;
    if (len > a->cap) {
        size_t cap = a->cap ? a->cap : 8;
        while (cap < len) {
            if (cap > SIZE_MAX / 2 / sizeof(struct fs_energy))
                return FS_ENOMEM;
            cap *= 2;
        }
        struct fs_energy *v = realloc(a->v, cap * sizeof(*v));
        if (!v)
            return FS_ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    for (size_t i = a->len; i < len; i++)
        fs_energy_init(&a->v[i], now, 0.0);
    a->len = len;
    return FS_OK;
}

int fs_energy_array_set_power(struct fs_energy_array *a, size_t id, double now, double watts)
{
    if (!a || id >= a->len)
        return FS_EINVAL;
    return fs_energy_set_power(&a->v[id], now, watts);
}

int fs_energy_array_read(const struct fs_energy_array *a, size_t id, double now, double *out)
{
    if (!a || id >= a->len)
        return FS_EINVAL;
    return fs_energy_read(&a->v[id], now, out);
}
