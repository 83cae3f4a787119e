/* Tests of fs_power: linear model predict/fit/score and energy integration. */
#include "fs_test.h"

#include "../engine/fs_power.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Uniform double in [0, 1) with 53 random bits. */
static double urand(void)
{
    return (double)(fs_test_rand() >> 11) * 0x1p-53;
}

static int rel_close(double a, double b, double rtol)
{
    return fabs(a - b) <= rtol * fabs(b);
}

static void test_power_predict(void)
{
    struct fs_linmodel m;
    double c[3] = {1e16, 1.0, -1e16};
    CHECK_EQ_I(fs_linmodel_init(&m, c, 3, 0.0), FS_OK);
    /* Left to right: (1e16 + 1) rounds to 1e16, then - 1e16 gives 0 (any
     * other order would give 1). */
    double ones[3] = {1, 1, 1};
    CHECK_EQ_D(fs_linmodel_predict(&m, ones, 3), 0.0);
    /* Intercept added last: 0.5 + (1e16 - 1e16). */
    m.intercept = 0.5;
    CHECK_EQ_D(fs_linmodel_predict(&m, ones, 3), 0.5);
    CHECK(isnan(fs_linmodel_predict(&m, ones, 2)));

    double coef[5] = {2.5, -1.25, 0.1, 3.3, 1.0 / 3};
    CHECK_EQ_I(fs_linmodel_init(&m, coef, 5, 7.25), FS_OK);
    double x[2] = {2, 4};
    CHECK_EQ_D(fs_linmodel_predict(&m, coef, 5),
               7.25 + (((2.5 * 2.5 + 1.25 * 1.25) + 0.1 * 0.1) + 3.3 * 3.3) + (1.0 / 3) * (1.0 / 3));
    /* Batch == single, with a row stride wider than the row. */
    enum { N = 37, STRIDE = 7 };
    double X[N * STRIDE], out[N];
    for (size_t i = 0; i < N * STRIDE; i++)
        X[i] = urand() * 100 - 50;
    CHECK_EQ_I(fs_linmodel_predict_batch(&m, X, N, 5, STRIDE, out), FS_OK);
    int same = 1;
    for (size_t i = 0; i < N; i++)
        same &= out[i] == fs_linmodel_predict(&m, X + i * STRIDE, 5);
    CHECK(same);
    CHECK_EQ_I(fs_linmodel_predict_batch(&m, X, N, 4, STRIDE, out), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_predict_batch(&m, X, N, 5, 4, out), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_predict_batch(&m, X, 0, 5, 5, NULL), FS_OK);
    double bad[2] = {1, NAN};
    CHECK_EQ_I(fs_linmodel_init(&m, bad, 2, 0), FS_ENONFINITE);
    CHECK_EQ_I(fs_linmodel_init(&m, x, 17, 0), FS_EINVAL);
}

enum { NS = 200, NF = 5 };
static const double TRUE_COEF[NF] = {2.5, -1.25, 0.75, 3.0, 0.5};
static const double TRUE_ICPT = 4.0;

static void make_data(double *X, double *y, double noise)
{
    for (size_t i = 0; i < NS; i++) {
        double s = 0.0;
        for (size_t j = 0; j < NF; j++) {
            X[i * NF + j] = urand() * 10;
            s += TRUE_COEF[j] * X[i * NF + j];
        }
        y[i] = TRUE_ICPT + s + noise * (urand() - 0.5);
    }
}

static void test_power_fit_exact(void)
{
    static double X[NS * NF], y[NS];
    make_data(X, y, 0.0);
    struct fs_linmodel m;
    CHECK_EQ_I(fs_linmodel_fit(&m, X, y, NS, NF, NF, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK_EQ_U(m.nfeat, NF);
    for (size_t j = 0; j < NF; j++)
        CHECK_MSG(rel_close(m.coef[j], TRUE_COEF[j], 1e-12), "coef %zu: %.17g", j, m.coef[j]);
    CHECK_MSG(rel_close(m.intercept, TRUE_ICPT, 1e-12), "%.17g", m.intercept);
    double r2;
    CHECK_EQ_I(fs_linmodel_score(&m, X, y, NS, NF, NF, &r2), FS_OK);
    CHECK_MSG(fabs(r2 - 1.0) < 1e-14, "%.17g", r2);
    /* Through the origin: with the intercept folded into a ones column. */
    static double X1[NS * (NF + 1)];
    for (size_t i = 0; i < NS; i++) {
        X1[i * (NF + 1)] = 1.0;
        memcpy(X1 + i * (NF + 1) + 1, X + i * NF, NF * sizeof(double));
    }
    CHECK_EQ_I(fs_linmodel_fit(&m, X1, y, NS, NF + 1, NF + 1, FS_FIT_OLS, 0.0, 0), FS_OK);
    CHECK_EQ_D(m.intercept, 0.0);
    CHECK(rel_close(m.coef[0], TRUE_ICPT, 1e-12));
    for (size_t j = 0; j < NF; j++)
        CHECK(rel_close(m.coef[j + 1], TRUE_COEF[j], 1e-12));
}

/* Independent solution: normal equations with a ones column, in long
 * double, Gaussian elimination with partial pivoting. */
static void normal_equations(const double *X, const double *y, size_t n, size_t p, long double *beta)
{
    enum { Q = NF + 1 };
    long double G[Q][Q + 1];
    size_t q = p + 1;
    memset(G, 0, sizeof(G));
    for (size_t i = 0; i < n; i++) {
        long double row[Q];
        row[0] = 1.0L;
        for (size_t j = 0; j < p; j++)
            row[j + 1] = X[i * p + j];
        for (size_t a = 0; a < q; a++) {
            for (size_t b = 0; b < q; b++)
                G[a][b] += row[a] * row[b];
            G[a][q] += row[a] * y[i];
        }
    }
    for (size_t k = 0; k < q; k++) {
        size_t piv = k;
        for (size_t r = k + 1; r < q; r++) {
            if (fabsl(G[r][k]) > fabsl(G[piv][k]))
                piv = r;
        }
        for (size_t c = 0; c <= q; c++) {
            long double t = G[k][c];
            G[k][c] = G[piv][c];
            G[piv][c] = t;
        }
        for (size_t r = k + 1; r < q; r++) {
            long double f = G[r][k] / G[k][k];
            for (size_t c = k; c <= q; c++)
                G[r][c] -= f * G[k][c];
        }
    }
    for (size_t k = q; k-- > 0;) {
        long double s = G[k][q];
        for (size_t c = k + 1; c < q; c++)
            s -= G[k][c] * beta[c];
        beta[k] = s / G[k][k];
    }
}

static void test_power_fit_noisy(void)
{
    static double X[NS * NF], y[NS];
    make_data(X, y, 0.5);
    struct fs_linmodel m;
    CHECK_EQ_I(fs_linmodel_fit(&m, X, y, NS, NF, NF, FS_FIT_OLS, 0.0, 1), FS_OK);
    long double beta[NF + 1];
    normal_equations(X, y, NS, NF, beta);
    CHECK_MSG(rel_close(m.intercept, (double)beta[0], 1e-11), "%.17g vs %.17Lg", m.intercept, beta[0]);
    for (size_t j = 0; j < NF; j++) {
        CHECK_MSG(rel_close(m.coef[j], (double)beta[j + 1], 1e-11), "%.17g vs %.17Lg", m.coef[j], beta[j + 1]);
        CHECK(fabs(m.coef[j] - TRUE_COEF[j]) < 0.05);
    }
    double r2;
    CHECK_EQ_I(fs_linmodel_score(&m, X, y, NS, NF, NF, &r2), FS_OK);
    CHECK(r2 > 0.99 && r2 < 1.0);
    /* Ridge with alpha = 0 is OLS. */
    struct fs_linmodel r;
    CHECK_EQ_I(fs_linmodel_fit(&r, X, y, NS, NF, NF, FS_FIT_RIDGE, 0.0, 1), FS_OK);
    for (size_t j = 0; j < NF; j++)
        CHECK(rel_close(r.coef[j], m.coef[j], 1e-13));
}

static void test_power_ridge(void)
{
    /* One feature, by hand: xm = 1.5, ym = 2.75, Sxx = 5, Sxy = 5.5; with
     * alpha = 1, coef = 5.5 / 6 and intercept = 2.75 - 1.5 * 11/12 = 1.375. */
    double X[4] = {0, 1, 2, 3}, y[4] = {1, 3, 2, 5};
    struct fs_linmodel m;
    CHECK_EQ_I(fs_linmodel_fit(&m, X, y, 4, 1, 1, FS_FIT_RIDGE, 1.0, 1), FS_OK);
    CHECK_MSG(rel_close(m.coef[0], 11.0 / 12.0, 1e-15), "%.17g", m.coef[0]);
    CHECK_MSG(rel_close(m.intercept, 1.375, 1e-15), "%.17g", m.intercept);
    /* OLS: 5.5 / 5 = 1.1, intercept 2.75 - 1.65 = 1.1. */
    CHECK_EQ_I(fs_linmodel_fit(&m, X, y, 4, 1, 1, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK(rel_close(m.coef[0], 1.1, 1e-15) && rel_close(m.intercept, 1.1, 1e-15));

    /* Two features: X = [[1,0],[0,1],[1,1],[0,0]], y = [1,2,4,0]. Centred
     * (means 0.5, 0.5; ym = 1.75): Xc^T Xc = I, Xc^T yc = [1.5, 2.5]; with
     * alpha = 0.5, coef = [1.5, 2.5] / 1.5 = [1, 5/3] and intercept =
     * 1.75 - 0.5 * (1 + 5/3) = 5/12. */
    double X2[8] = {1, 0, 0, 1, 1, 1, 0, 0}, y2[4] = {1, 2, 4, 0};
    CHECK_EQ_I(fs_linmodel_fit(&m, X2, y2, 4, 2, 2, FS_FIT_RIDGE, 0.5, 1), FS_OK);
    CHECK_MSG(rel_close(m.coef[0], 1.0, 1e-15), "%.17g", m.coef[0]);
    CHECK_MSG(rel_close(m.coef[1], 5.0 / 3, 1e-15), "%.17g", m.coef[1]);
    CHECK_MSG(rel_close(m.intercept, 5.0 / 12, 1e-14), "%.17g", m.intercept);
    /* Ridge identifies collinear columns: equal split. */
    double Xd[8] = {0, 0, 1, 1, 2, 2, 3, 3};
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_RIDGE, 1.0, 1), FS_OK);
    CHECK(rel_close(m.coef[0], m.coef[1], 1e-14));
    /* Duplicated column, b each: d/db |yc - 2 b xc|^2 + 2 alpha b^2 = 0
     * gives b = Sxy / (2 Sxx + alpha) = 5.5 / 11. */
    CHECK(rel_close(m.coef[0], 5.5 / 11, 1e-14));
}

static void test_power_nnls(void)
{
    /* y = 1 + 2 x0 - x1: OLS finds the negative coefficient, NNLS sets it to
     * 0 and then equals OLS on x0 alone. */
    enum { N = 100 };
    double X[N * 2], X0[N], y[N];
    for (size_t i = 0; i < N; i++) {
        X[2 * i] = X0[i] = urand() * 4;
        X[2 * i + 1] = urand() * 4;
        y[i] = 1 + 2 * X[2 * i] - X[2 * i + 1];
    }
    struct fs_linmodel ols, nn, one;
    CHECK_EQ_I(fs_linmodel_fit(&ols, X, y, N, 2, 2, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK(rel_close(ols.coef[1], -1.0, 1e-12));
    CHECK_EQ_I(fs_linmodel_fit(&nn, X, y, N, 2, 2, FS_FIT_NNLS, 0.0, 1), FS_OK);
    CHECK_EQ_D(nn.coef[1], 0.0);
    CHECK_EQ_I(fs_linmodel_fit(&one, X0, y, N, 1, 1, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK(one.coef[0] > 0);
    CHECK_MSG(rel_close(nn.coef[0], one.coef[0], 1e-12), "%.17g vs %.17g", nn.coef[0], one.coef[0]);
    CHECK(rel_close(nn.intercept, one.intercept, 1e-12));
    /* KKT: the gradient of the residual along x1 points to negative values. */
    double xm = 0;
    for (size_t i = 0; i < N; i++)
        xm += X[2 * i + 1] / N;
    double g = 0.0;
    for (size_t i = 0; i < N; i++)
        g += (X[2 * i + 1] - xm) * (y[i] - fs_linmodel_predict(&nn, X + 2 * i, 2));
    CHECK(g < 0);
    /* All-negative truth: every coefficient 0, intercept = mean(y). */
    for (size_t i = 0; i < N; i++)
        y[i] = 5 - X[2 * i] - X[2 * i + 1];
    CHECK_EQ_I(fs_linmodel_fit(&nn, X, y, N, 2, 2, FS_FIT_NNLS, 0.0, 1), FS_OK);
    CHECK_EQ_D(nn.coef[0], 0.0);
    CHECK_EQ_D(nn.coef[1], 0.0);
    double ym = 0;
    for (size_t i = 0; i < N; i++)
        ym += y[i];
    CHECK(rel_close(nn.intercept, ym / N, 1e-13));
    /* Positive truth: NNLS == OLS. */
    static double Xb[NS * NF], yb[NS];
    make_data(Xb, yb, 0.1);
    for (size_t i = 0; i < NS; i++)
        yb[i] += 1.25 * Xb[i * NF + 1] * 2; /* coef 1: -1.25 -> +1.25 */
    CHECK_EQ_I(fs_linmodel_fit(&ols, Xb, yb, NS, NF, NF, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK_EQ_I(fs_linmodel_fit(&nn, Xb, yb, NS, NF, NF, FS_FIT_NNLS, 0.0, 1), FS_OK);
    for (size_t j = 0; j < NF; j++) {
        CHECK(ols.coef[j] > 0);
        CHECK_MSG(rel_close(nn.coef[j], ols.coef[j], 1e-12), "%zu: %.17g vs %.17g", j, nn.coef[j], ols.coef[j]);
    }
    /* Ridge + positive (scikit-learn's Ridge(positive=True)). */
    CHECK_EQ_I(fs_linmodel_fit(&nn, X, y, N, 2, 2, FS_FIT_NNLS, 1.0, 1), FS_OK);
    CHECK(nn.coef[0] == 0.0 && nn.coef[1] == 0.0);
}

static void test_power_fit_errors(void)
{
    struct fs_linmodel m, saved;
    double c[2] = {1, 2};
    fs_linmodel_init(&m, c, 2, 3);
    saved = m;
    double Xd[8] = {0, 0, 1, 1, 2, 2, 3, 3}, y[4] = {1, 3, 2, 5};
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_OLS, 0.0, 1), FS_ERANK);
    /* n_samples <= n_features with an intercept: centred rank < p. */
    double X2[4] = {1, 2, 3, 5};
    CHECK_EQ_I(fs_linmodel_fit(&m, X2, y, 2, 2, 2, FS_FIT_OLS, 0.0, 1), FS_ERANK);
    CHECK_EQ_I(fs_linmodel_fit(&m, X2, y, 1, 2, 2, FS_FIT_OLS, 0.0, 0), FS_ERANK);
    double Xz[4] = {0, 0, 0, 0};
    CHECK_EQ_I(fs_linmodel_fit(&m, Xz, y, 4, 1, 1, FS_FIT_OLS, 0.0, 1), FS_ERANK);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 0, 2, 2, FS_FIT_OLS, 0.0, 1), FS_ENODATA);
    double yn[4] = {1, NAN, 2, 3}, Xi[4] = {0, INFINITY, 1, 2};
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, yn, 4, 2, 2, FS_FIT_OLS, 0.0, 1), FS_ENONFINITE);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xi, y, 4, 1, 1, FS_FIT_OLS, 0.0, 1), FS_ENONFINITE);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_RIDGE, -1.0, 1), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_RIDGE, NAN, 1), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_OLS, 1.0, 1), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 1, FS_FIT_OLS, 0.0, 1), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 17, 17, FS_FIT_OLS, 0.0, 1), FS_EINVAL);
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, (enum fs_fit_method)7, 0.0, 1), FS_EINVAL);
    CHECK(memcmp(&m, &saved, sizeof(m)) == 0);
    /* No features: intercept = mean(y). */
    CHECK_EQ_I(fs_linmodel_fit(&m, NULL, y, 4, 0, 0, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK_EQ_D(m.intercept, 2.75);
    /* NNLS keeps its passive columns independent: on a duplicated column it
     * uses one copy (not unique, so no FS_ERANK) and fits like OLS on it. */
    struct fs_linmodel one;
    CHECK_EQ_I(fs_linmodel_fit(&m, Xd, y, 4, 2, 2, FS_FIT_NNLS, 0.0, 1), FS_OK);
    CHECK_EQ_I(fs_linmodel_fit(&one, Xd, y, 4, 1, 2, FS_FIT_OLS, 0.0, 1), FS_OK);
    CHECK(m.coef[0] == 0.0 || m.coef[1] == 0.0);
    CHECK(rel_close(m.coef[0] + m.coef[1], one.coef[0], 1e-14));
    CHECK(rel_close(m.intercept, one.intercept, 1e-14));
}

static void test_power_score(void)
{
    /* scikit-learn's r2_score docstring example. */
    double yt[4] = {3, -0.5, 2, 7}, yp[4] = {2.5, 0.0, 2, 8};
    struct fs_linmodel id;
    double one = 1.0;
    fs_linmodel_init(&id, &one, 1, 0.0);
    double r2;
    CHECK_EQ_I(fs_linmodel_score(&id, yp, yt, 4, 1, 1, &r2), FS_OK);
    CHECK_MSG(fabs(r2 - 0.9486081370449679) < 1e-15, "%.17g", r2);
    /* Constant prediction of the mean: 0; y + 1: 1 - 3/2. */
    double x[3] = {1, 2, 3}, y[3] = {1, 2, 3};
    struct fs_linmodel m;
    double zero = 0.0;
    fs_linmodel_init(&m, &zero, 1, 2.0);
    CHECK_EQ_I(fs_linmodel_score(&m, x, y, 3, 1, 1, &r2), FS_OK);
    CHECK_EQ_D(r2, 0.0);
    fs_linmodel_init(&m, &one, 1, 1.0);
    CHECK_EQ_I(fs_linmodel_score(&m, x, y, 3, 1, 1, &r2), FS_OK);
    CHECK_EQ_D(r2, -0.5);
    /* Constant y: 1.0 if predicted exactly, else 0.0 (force_finite). */
    double yc[3] = {2, 2, 2};
    fs_linmodel_init(&m, &zero, 1, 2.0);
    CHECK_EQ_I(fs_linmodel_score(&m, x, yc, 3, 1, 1, &r2), FS_OK);
    CHECK_EQ_D(r2, 1.0);
    fs_linmodel_init(&m, &zero, 1, 2.5);
    CHECK_EQ_I(fs_linmodel_score(&m, x, yc, 3, 1, 1, &r2), FS_OK);
    CHECK_EQ_D(r2, 0.0);
    CHECK_EQ_I(fs_linmodel_score(&m, x, yc, 1, 1, 1, &r2), FS_OK);
    CHECK(isnan(r2));
    CHECK_EQ_I(fs_linmodel_score(&m, x, yc, 0, 1, 1, &r2), FS_ENODATA);
    CHECK_EQ_I(fs_linmodel_score(&m, x, yc, 3, 2, 2, &r2), FS_EINVAL);
    double yn[3] = {1, NAN, 2};
    CHECK_EQ_I(fs_linmodel_score(&m, x, yn, 3, 1, 1, &r2), FS_ENONFINITE);
}

static void test_power_energy_exact(void)
{
    struct fs_energy e;
    double j;
    CHECK_EQ_I(fs_energy_init(&e, 0.0, 2.5), FS_OK);
    CHECK_EQ_I(fs_energy_read(&e, 4.0, &j), FS_OK);
    CHECK_EQ_D(j, 10.0);
    CHECK_EQ_I(fs_energy_read(&e, 0.0, &j), FS_OK);
    CHECK_EQ_D(j, 0.0);
    /* Piecewise: 10 W on [0, 1.5), 3 W on [1.5, 2), 0 W on [2, 3.25),
     * 7.5 W from 3.25; at t = 5: 15 + 1.5 + 0 + 13.125 = 29.625 J. */
    CHECK_EQ_I(fs_energy_init(&e, 0.0, 10.0), FS_OK);
    CHECK_EQ_I(fs_energy_set_power(&e, 1.5, 3.0), FS_OK);
    CHECK_EQ_I(fs_energy_set_power(&e, 2.0, 0.0), FS_OK);
    CHECK_EQ_I(fs_energy_set_power(&e, 3.25, 7.5), FS_OK);
    CHECK_EQ_I(fs_energy_read(&e, 3.25, &j), FS_OK);
    CHECK_EQ_D(j, 16.5);
    CHECK_EQ_I(fs_energy_read(&e, 5.0, &j), FS_OK);
    CHECK_EQ_D(j, 29.625);
    CHECK_EQ_I(fs_energy_set_power(&e, 5.0, 7.5), FS_OK); /* same time, same power: no-op in energy */
    CHECK_EQ_I(fs_energy_read(&e, 5.0, &j), FS_OK);
    CHECK_EQ_D(j, 29.625);

    /* Compensation: 1e16 J then 1000 segments of 1 J stay exact (a plain
     * double sum would lose every 1 J: 1e16 + 1 rounds to 1e16). */
    CHECK_EQ_I(fs_energy_init(&e, 0.0, 1e16), FS_OK);
    CHECK_EQ_I(fs_energy_set_power(&e, 1.0, 1.0), FS_OK);
    for (int i = 2; i <= 1001; i++)
        fs_energy_set_power(&e, (double)i, 1.0);
    CHECK_EQ_I(fs_energy_read(&e, 1001.0, &j), FS_OK);
    CHECK_EQ_D(j, 1e16 + 1000.0);

    /* Errors leave the state unchanged. */
    CHECK_EQ_I(fs_energy_init(&e, 10.0, 4.0), FS_OK);
    fs_energy_set_power(&e, 12.0, 1.0);
    struct fs_energy saved = e;
    CHECK_EQ_I(fs_energy_set_power(&e, 13.0, -1.0), FS_EINVAL);
    CHECK_EQ_I(fs_energy_set_power(&e, 13.0, NAN), FS_EINVAL);
    CHECK_EQ_I(fs_energy_set_power(&e, 13.0, INFINITY), FS_EINVAL);
    CHECK_EQ_I(fs_energy_set_power(&e, 11.0, 1.0), FS_ETIMEBACK);
    CHECK_EQ_I(fs_energy_set_power(&e, NAN, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_energy_set_power(&e, INFINITY, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_energy_read(&e, 11.0, &j), FS_ETIMEBACK);
    CHECK_EQ_I(fs_energy_read(&e, NAN, &j), FS_EINVAL);
    CHECK(memcmp(&e, &saved, sizeof(e)) == 0);
    CHECK_EQ_I(fs_energy_read(&e, 14.0, &j), FS_OK);
    CHECK_EQ_D(j, 10.0);
    CHECK_EQ_I(fs_energy_init(&e, 0.0, -0.5), FS_EINVAL);
}

static void test_power_energy_drift(void)
{
    /* 10^6 tiny segments with random power and duration, against a long
     * double reference of the same segments. */
    enum { SEG = 1000000 };
    struct fs_energy e;
    double t = 1000.0, p = 50.0, naive = 0.0;
    long double ref = 0.0L;
    CHECK_EQ_I(fs_energy_init(&e, t, p), FS_OK);
    int ok = 1;
    for (long i = 0; i < SEG; i++) {
        double nt = t + 1e-7 * (1.0 + 9.0 * urand());
        double np = 0.5 + 99.5 * urand();
        ref += (long double)p * ((long double)nt - (long double)t);
        naive += p * (nt - t);
        ok &= fs_energy_set_power(&e, nt, np) == FS_OK;
        t = nt;
        p = np;
    }
    CHECK(ok);
    double j;
    CHECK_EQ_I(fs_energy_read(&e, t, &j), FS_OK);
    double rel = (double)fabsl(((long double)j - ref) / ref);
    double rel_naive = (double)fabsl(((long double)naive - ref) / ref);
    CHECK_MSG(rel < 1e-15, "relative error %.3g (naive sum: %.3g)", rel, rel_naive);
    CHECK(rel <= rel_naive);
}

static void test_power_energy_array(void)
{
    struct fs_energy_array a;
    fs_energy_array_init(&a);
    CHECK_EQ_I(fs_energy_array_ensure(&a, 3, 0.0), FS_OK);
    CHECK_EQ_I(fs_energy_array_set_power(&a, 1, 1.0, 4.0), FS_OK);
    CHECK_EQ_I(fs_energy_array_ensure(&a, 100, 2.0), FS_OK); /* grows, keeps old */
    CHECK_EQ_I(fs_energy_array_set_power(&a, 99, 3.0, 2.0), FS_OK);
    double j;
    CHECK_EQ_I(fs_energy_array_read(&a, 1, 5.0, &j), FS_OK);
    CHECK_EQ_D(j, 16.0);
    CHECK_EQ_I(fs_energy_array_read(&a, 99, 5.0, &j), FS_OK);
    CHECK_EQ_D(j, 4.0);
    CHECK_EQ_I(fs_energy_array_read(&a, 0, 5.0, &j), FS_OK);
    CHECK_EQ_D(j, 0.0);
    CHECK_EQ_I(fs_energy_array_read(&a, 100, 5.0, &j), FS_EINVAL);
    CHECK_EQ_I(fs_energy_array_set_power(&a, 100, 5.0, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_energy_array_ensure(&a, 5, 9.0), FS_OK); /* never shrinks */
    CHECK_EQ_U(a.len, 100);
    CHECK_EQ_I(fs_energy_array_ensure(&a, 200, NAN), FS_EINVAL);
    fs_energy_array_free(&a);
    CHECK(a.v == NULL && a.len == 0);
}

void fs_test_power_suite(void)
{
    RUN_TEST(test_power_predict);
    RUN_TEST(test_power_fit_exact);
    RUN_TEST(test_power_fit_noisy);
    RUN_TEST(test_power_ridge);
    RUN_TEST(test_power_nnls);
    RUN_TEST(test_power_fit_errors);
    RUN_TEST(test_power_score);
    RUN_TEST(test_power_energy_exact);
    RUN_TEST(test_power_energy_drift);
    RUN_TEST(test_power_energy_array);
}
