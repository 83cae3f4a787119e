/* Unit tests for csrc/engine/fs_metrics.{h,c}. */
#include "fs_test.h"

#include "../engine/fs_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME(s) s, strlen(s)

static struct fs_table *new_table(struct fs_metrics *reg, const char *name)
{
    int id = fs_metrics_table(reg, NAME(name), 1);
    CHECK(id >= 0);
    return fs_metrics_get(reg, id);
}

static void test_values_round_trip(void)
{
    struct fs_metrics reg;
    CHECK_EQ_I(fs_metrics_init(&reg, 1), FS_OK);
    struct fs_table *t = new_table(&reg, "invocations");
    CHECK_EQ_I(fs_metrics_table(&reg, NAME("invocations"), 0), t->id);
    CHECK_EQ_I(fs_metrics_table(&reg, NAME("other"), 0), FS_EEMPTY);
    int f = fs_table_column(t, NAME("t_exec"), FS_COL_F64, 0);
    int i = fs_table_column(t, NAME("replica_id"), FS_COL_I64, FS_COL_TAG);
    int s = fs_table_column(t, NAME("node"), FS_COL_STR, FS_COL_TAG);
    int b = fs_table_column(t, NAME("ok"), FS_COL_BOOL, 0);
    int o = fs_table_column(t, NAME("obj"), FS_COL_OBJ, 0);
    CHECK(f == 0 && i == 1 && s == 2 && b == 3 && o == 4);
    CHECK_EQ_I(fs_table_find_column(t, NAME("node")), s);
    CHECK_EQ_I(fs_table_find_column(t, NAME("nope")), -1);
    CHECK(t->cols[i].flags & FS_COL_TAG);
    int32_t n0 = fs_strpool_intern(&reg.strings, NAME("node0"));
    int32_t n1 = fs_strpool_intern(&reg.strings, NAME("node1"));
    static int objs[100];
    for (int r = 0; r < 100; r++) {
        CHECK_EQ_I(fs_table_begin_row(t, 0.5 * r), FS_OK);
        CHECK_EQ_I(fs_table_set_f64(t, f, r * 1.25), FS_OK);
        CHECK_EQ_I(fs_table_set_i64(t, i, -(int64_t)r * 1000000007), FS_OK);
        CHECK_EQ_I(fs_table_set_str(t, s, r % 2 ? n1 : n0), FS_OK);
        CHECK_EQ_I(fs_table_set_bool(t, b, r % 3 == 0), FS_OK);
        CHECK_EQ_I(fs_table_set_obj(t, o, &objs[r]), FS_OK);
        CHECK_EQ_I(fs_table_end_row(t), FS_OK);
    }
    CHECK_EQ_U(t->nrows, 100);
    CHECK_EQ_U(t->count, 100);
    struct fs_export et, ef, ei, es, eb, eo, eq;
    CHECK_EQ_I(fs_table_export(t, FS_COL_TIME, &et), FS_OK);
    CHECK_EQ_I(fs_table_export(t, FS_COL_SEQ, &eq), FS_OK);
    CHECK_EQ_I(fs_table_export(t, f, &ef), FS_OK);
    CHECK_EQ_I(fs_table_export(t, i, &ei), FS_OK);
    CHECK_EQ_I(fs_table_export(t, s, &es), FS_OK);
    CHECK_EQ_I(fs_table_export(t, b, &eb), FS_OK);
    CHECK_EQ_I(fs_table_export(t, o, &eo), FS_OK);
    CHECK_EQ_I(fs_table_export(t, 99, &eo), FS_EINVAL);
    CHECK_EQ_I(et.type, FS_COL_F64);
    CHECK_EQ_I(eq.type, FS_COL_I64);
    CHECK_EQ_I(es.type, FS_COL_STR);
    for (int r = 0; r < 100; r++) {
        CHECK_EQ_D(((const double *)et.data)[r], 0.5 * r);
        CHECK_EQ_I(((const int64_t *)eq.data)[r], r);
        CHECK_EQ_D(((const double *)ef.data)[r], r * 1.25);
        CHECK_EQ_I(((const int64_t *)ei.data)[r], -(int64_t)r * 1000000007);
        CHECK_EQ_I(((const int32_t *)es.data)[r], r % 2 ? n1 : n0);
        CHECK_EQ_I(((const int8_t *)eb.data)[r], r % 3 == 0);
        CHECK(((void *const *)eo.data)[r] == &objs[r]);
    }
    size_t len;
    CHECK(strcmp(fs_strpool_get(&reg.strings, n1, &len), "node1") == 0 && len == 5);
    CHECK(fs_strpool_get(&reg.strings, 7, &len) == NULL);
    /* Exports outlive the registry. */
    fs_metrics_free(&reg);
    CHECK_EQ_D(((const double *)ef.data)[99], 99 * 1.25);
    struct fs_export *all[] = {&et, &ef, &ei, &es, &eb, &eo, &eq};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        fs_buf_release(all[k]->buf);
}

static void test_backfill_and_missing(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *t = new_table(&reg, "m");
    int a = fs_table_column(t, NAME("a"), FS_COL_F64, 0);
    for (int r = 0; r < 40; r++) {
        fs_table_begin_row(t, r);
        fs_table_set_f64(t, a, r);
        CHECK_EQ_I(fs_table_end_row(t), FS_OK);
    }
    /* Columns added after 40 rows, of every type, set only on odd rows. */
    int cols[5];
    int types[5] = {FS_COL_BOOL, FS_COL_I64, FS_COL_F64, FS_COL_STR, FS_COL_OBJ};
    const char *names[5] = {"b", "i", "f", "s", "o"};
    for (int k = 0; k < 5; k++)
        cols[k] = fs_table_column(t, NAME(names[k]), types[k], 0);
    int none = fs_table_column(t, NAME("nothing"), FS_COL_NONE, 0);
    int32_t sid = fs_strpool_intern(&reg.strings, NAME("x"));
    for (int r = 40; r < 60; r++) {
        fs_table_begin_row(t, r);
        if (r % 2) {
            fs_table_set_bool(t, cols[0], 1);
            fs_table_set_i64(t, cols[1], r);
            fs_table_set_f64(t, cols[2], r);
            fs_table_set_str(t, cols[3], sid);
            fs_table_set_obj(t, cols[4], &reg);
        }
        CHECK_EQ_I(fs_table_end_row(t), FS_OK);
    }
    struct fs_export e[5], en;
    for (int k = 0; k < 5; k++)
        CHECK_EQ_I(fs_table_export(t, cols[k], &e[k]), FS_OK);
    CHECK_EQ_I(fs_table_export(t, none, &en), FS_OK);
    CHECK(en.buf == NULL && en.n == 60 && en.type == FS_COL_NONE);
    for (int r = 0; r < 60; r++) {
        int set = r >= 40 && r % 2;
        CHECK_EQ_I(((const int8_t *)e[0].data)[r], set ? 1 : FS_BOOL_NULL);
        CHECK_EQ_I(((const int64_t *)e[1].data)[r], set ? r : FS_I64_NULL);
        double f = ((const double *)e[2].data)[r];
        CHECK(set ? f == r : isnan(f));
        CHECK_EQ_I(((const int32_t *)e[3].data)[r], set ? sid : FS_STR_NULL);
        CHECK(((void *const *)e[4].data)[r] == (set ? (void *)&reg : NULL));
    }
    for (int k = 0; k < 5; k++)
        fs_buf_release(e[k].buf);
    /* The first typed value retypes a NONE column; earlier rows are null. */
    CHECK_EQ_I(fs_table_column(t, NAME("nothing"), FS_COL_I64, 0), none);
    fs_table_begin_row(t, 60);
    fs_table_set_i64(t, none, 5);
    fs_table_end_row(t);
    CHECK_EQ_I(fs_table_export(t, none, &en), FS_OK);
    CHECK_EQ_I(((const int64_t *)en.data)[0], FS_I64_NULL);
    CHECK_EQ_I(((const int64_t *)en.data)[60], 5);
    fs_buf_release(en.buf);
    fs_metrics_free(&reg);
}

static void test_type_conflicts_and_promotion(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *t = new_table(&reg, "m");
    int x = fs_table_column(t, NAME("x"), FS_COL_I64, 0);
    CHECK_EQ_I(fs_table_column(t, NAME("x"), FS_COL_STR, 0), FS_EINVAL);
    CHECK_EQ_I(fs_table_column(t, NAME("x"), FS_COL_F64, 0), FS_EINVAL);
    CHECK_EQ_I(fs_table_column(t, NAME("x"), FS_COL_NONE, 0), x);
    CHECK_EQ_I(fs_table_column(t, NAME("x"), 42, 0), FS_EINVAL);
    /* Setters check the open row and the column's type. */
    CHECK_EQ_I(fs_table_set_i64(t, x, 1), FS_EINVAL); /* no row */
    CHECK_EQ_I(fs_table_end_row(t), FS_EINVAL);
    CHECK_EQ_I(fs_table_begin_row(t, NAN), FS_EINVAL);
    CHECK_EQ_I(fs_table_begin_row(t, 1.0), FS_OK);
    CHECK_EQ_I(fs_table_begin_row(t, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_table_set_f64(t, x, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_table_set_str(t, x, 0), FS_EINVAL);
    CHECK_EQ_I(fs_table_set_i64(t, 7, 1), FS_EINVAL);
    CHECK_EQ_I(fs_table_set_i64(t, x, 3), FS_OK);
    CHECK_EQ_I(fs_table_set_i64(t, x, 4), FS_OK); /* last value wins */
    CHECK_EQ_I(fs_table_end_row(t), FS_OK);
    fs_table_begin_row(t, 2.0);
    fs_table_end_row(t); /* x null */
    int s = fs_table_column(t, NAME("s"), FS_COL_STR, 0);
    fs_table_begin_row(t, 3.0);
    CHECK_EQ_I(fs_table_set_str(t, s, 0), FS_EINVAL); /* id not in the pool */
    CHECK_EQ_I(fs_table_set_i64(t, x, -2), FS_OK);
    fs_table_end_row(t);
    /* Export, then widen I64 -> F64: the export keeps the old values. */
    struct fs_export before, after;
    fs_table_export(t, x, &before);
    CHECK_EQ_I(fs_table_promote(t, x, FS_COL_STR), FS_EINVAL);
    CHECK_EQ_I(fs_table_promote(t, s, FS_COL_I64), FS_EINVAL);
    CHECK_EQ_I(fs_table_promote(t, x, FS_COL_I64), FS_OK);
    CHECK_EQ_I(fs_table_promote(t, x, FS_COL_F64), FS_OK);
    CHECK_EQ_I(fs_table_promote(t, x, FS_COL_I64), FS_EINVAL); /* no narrowing */
    CHECK_EQ_I(t->cols[x].type, FS_COL_F64);
    fs_table_export(t, x, &after);
    CHECK(before.buf != after.buf);
    CHECK_EQ_I(((const int64_t *)before.data)[0], 4);
    CHECK_EQ_I(((const int64_t *)before.data)[1], FS_I64_NULL);
    CHECK_EQ_D(((const double *)after.data)[0], 4.0);
    CHECK(isnan(((const double *)after.data)[1]));
    CHECK_EQ_D(((const double *)after.data)[2], -2.0);
    fs_buf_release(before.buf);
    fs_buf_release(after.buf);
    /* BOOL -> I64 inside an open row converts the pending value too. */
    int b = fs_table_column(t, NAME("b"), FS_COL_BOOL, 0);
    fs_table_begin_row(t, 4.0);
    fs_table_set_bool(t, b, 1);
    CHECK_EQ_I(fs_table_promote(t, b, FS_COL_I64), FS_OK);
    CHECK_EQ_I(fs_table_end_row(t), FS_OK);
    struct fs_export eb;
    fs_table_export(t, b, &eb);
    CHECK_EQ_I(((const int64_t *)eb.data)[2], FS_I64_NULL);
    CHECK_EQ_I(((const int64_t *)eb.data)[3], 1);
    fs_buf_release(eb.buf);
    fs_metrics_free(&reg);
}

static void test_abort_row(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *t = new_table(&reg, "m");
    int a = fs_table_column(t, NAME("a"), FS_COL_F64, 0);
    fs_table_begin_row(t, 1);
    fs_table_set_f64(t, a, 1);
    fs_table_end_row(t);
    fs_table_begin_row(t, 2);
    fs_table_set_f64(t, a, 2);
    int extra = fs_table_column(t, NAME("extra"), FS_COL_STR, 0);
    CHECK_EQ_I(extra, 1);
    fs_table_abort_row(t);
    fs_table_abort_row(t); /* no-op */
    CHECK_EQ_U(t->ncols, 1);
    CHECK_EQ_U(t->nrows, 1);
    CHECK_EQ_U(t->count, 1);
    CHECK_EQ_U(reg.next_seq, 1);
    struct fs_summary sm;
    fs_table_summary(t, a, &sm);
    CHECK_EQ_U(sm.count, 1);
    CHECK_EQ_D(sm.sum, 1.0);
    CHECK_EQ_I(fs_table_summary(t, 5, &sm), FS_EINVAL);
    fs_metrics_free(&reg);
}

static void test_string_pool(void)
{
    struct fs_strpool *p;
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    p = &reg.strings;
    enum { N = 100000 };
    char buf[32];
    int32_t *ids = malloc(N * sizeof *ids);
    for (int i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "fn-%d", i * 7919);
        ids[i] = fs_strpool_intern(p, buf, (size_t)len);
        CHECK_EQ_I(ids[i], i); /* dense, in insertion order */
    }
    /* Same strings again: same ids, nothing added. */
    for (int i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "fn-%d", i * 7919);
        CHECK_EQ_I(fs_strpool_intern(p, buf, (size_t)len), ids[i]);
        size_t glen;
        const char *got = fs_strpool_get(p, ids[i], &glen);
        CHECK(got && glen == (size_t)len && memcmp(got, buf, glen) == 0 && got[glen] == '\0');
    }
    CHECK_EQ_I(p->n, N);
    /* The empty string, embedded NULs and prefixes are distinct strings. */
    int32_t e = fs_strpool_intern(p, "", 0);
    int32_t z1 = fs_strpool_intern(p, "a\0b", 3);
    int32_t z2 = fs_strpool_intern(p, "a\0c", 3);
    int32_t pre = fs_strpool_intern(p, "a", 1);
    CHECK(e == N && z1 == N + 1 && z2 == N + 2 && pre == N + 3);
    CHECK_EQ_I(fs_strpool_intern(p, "a\0b", 3), z1);
    CHECK_EQ_I(fs_strpool_intern(p, "", 0), e);
    /* Ids survive clearing. */
    fs_metrics_clear(&reg);
    CHECK_EQ_I(fs_strpool_intern(p, "a", 1), pre);
    free(ids);
    fs_metrics_free(&reg);
}

static void test_million_rows_and_shared_exports(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *t = new_table(&reg, "big");
    int v = fs_table_column(t, NAME("v"), FS_COL_F64, 0);
    int k = fs_table_column(t, NAME("k"), FS_COL_I64, 0);
    struct fs_export snaps[8];
    int nsnaps = 0;
    const int N = 1000000;
    for (int r = 0; r < N; r++) {
        fs_table_begin_row(t, r * 0.001);
        fs_table_set_f64(t, v, r * 0.5);
        fs_table_set_i64(t, k, (int64_t)r * r);
        CHECK_EQ_I(fs_table_end_row(t), FS_OK);
        /* Take exports at a few sizes; later growth must not disturb them. */
        if ((r + 1) == 17 || (r + 1) == 1000 || (r + 1) == 65536 || (r + 1) == 300001)
            fs_table_export(t, v, &snaps[nsnaps++]);
    }
    CHECK_EQ_U(t->nrows, (size_t)N);
    CHECK(t->cap >= (size_t)N && t->cap < 2u * N + 32);
    struct fs_export all;
    fs_table_export(t, k, &all);
    long bad = 0;
    for (int r = 0; r < N; r++)
        bad += ((const int64_t *)all.data)[r] != (int64_t)r * r;
    CHECK_EQ_I(bad, 0);
    fs_buf_release(all.buf);
    for (int s = 0; s < nsnaps; s++) {
        bad = 0;
        for (size_t r = 0; r < snaps[s].n; r++)
            bad += ((const double *)snaps[s].data)[r] != r * 0.5;
        CHECK_EQ_I(bad, 0);
        fs_buf_release(snaps[s].buf);
    }
    CHECK_EQ_I(nsnaps, 4);
    fs_metrics_free(&reg);
}

/* Aggregates equal a direct two-pass computation, with and without rows. */
static void test_aggregates(void)
{
    for (int keep = 0; keep <= 1; keep++) {
        struct fs_metrics reg;
        fs_metrics_init(&reg, keep);
        struct fs_table *t = new_table(&reg, "agg");
        CHECK_EQ_I(t->keep, keep);
        int f = fs_table_column(t, NAME("f"), FS_COL_F64, 0);
        int i = fs_table_column(t, NAME("i"), FS_COL_I64, 0);
        int b = fs_table_column(t, NAME("b"), FS_COL_BOOL, 0);
        enum { N = 20000 };
        static double xs[N], ys[N], zs[N];
        int nx = 0, ny = 0, nz = 0;
        for (int r = 0; r < N; r++) {
            fs_table_begin_row(t, r);
            double x = (double)(fs_test_rand() % 1000000) / 1000.0 - 300.0;
            if (r % 5 == 0)
                fs_table_set_f64(t, f, NAN); /* NaN is null: not counted */
            else {
                fs_table_set_f64(t, f, x);
                xs[nx++] = x;
            }
            if (r % 3) {
                int64_t y = (int64_t)(fs_test_rand() % 2001) - 1000;
                fs_table_set_i64(t, i, y);
                ys[ny++] = (double)y;
            }
            int z = (int)(fs_test_rand() % 2);
            fs_table_set_bool(t, b, z);
            zs[nz++] = z;
            fs_table_end_row(t);
        }
        CHECK_EQ_U(t->count, N);
        CHECK_EQ_U(t->nrows, keep ? N : 0);
        if (!keep)
            CHECK(t->time == NULL && t->cols[f].buf == NULL && t->cap == 0);
        struct {
            int col;
            double *v;
            int n;
        } cases[] = {{f, xs, nx}, {i, ys, ny}, {b, zs, nz}};
        for (int c = 0; c < 3; c++) {
            double sum = 0, mn = INFINITY, mx = -INFINITY;
            for (int r = 0; r < cases[c].n; r++) {
                sum += cases[c].v[r];
                mn = fmin(mn, cases[c].v[r]);
                mx = fmax(mx, cases[c].v[r]);
            }
            double mean = sum / cases[c].n, ss = 0;
            for (int r = 0; r < cases[c].n; r++)
                ss += (cases[c].v[r] - mean) * (cases[c].v[r] - mean);
            struct fs_summary s;
            CHECK_EQ_I(fs_table_summary(t, cases[c].col, &s), FS_OK);
            CHECK_EQ_U(s.count, cases[c].n);
            CHECK_EQ_D(s.sum, sum); /* same order of additions */
            CHECK_EQ_D(s.min, mn);
            CHECK_EQ_D(s.max, mx);
            CHECK_MSG(fabs(s.mean - mean) <= 1e-12 * fmax(1.0, fabs(mean)), "%.17g vs %.17g", s.mean, mean);
            double var = ss / cases[c].n;
            CHECK_MSG(fabs(s.var - var) <= 1e-9 * var, "%.17g vs %.17g", s.var, var);
            CHECK_MSG(fabs(s.std - sqrt(var)) <= 1e-9 * sqrt(var), "%.17g", s.std);
        }
        struct fs_summary ts;
        fs_table_summary(t, FS_COL_TIME, &ts);
        CHECK_EQ_U(ts.count, N);
        CHECK_EQ_D(ts.min, 0.0);
        CHECK_EQ_D(ts.max, N - 1.0);
        CHECK_EQ_D(ts.mean, (N - 1) / 2.0);
        /* Clearing resets; empty aggregates are NaN. */
        fs_metrics_clear(&reg);
        CHECK_EQ_I(fs_table_summary(t, f, &ts), FS_OK);
        CHECK(ts.count == 0 && ts.sum == 0 && isnan(ts.mean) && isnan(ts.min) && isnan(ts.std));
        CHECK_EQ_U(t->ncols, 3);
        fs_metrics_free(&reg);
    }
}

static void test_keep_switch_and_seq(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *a = new_table(&reg, "a");
    struct fs_table *b = new_table(&reg, "b");
    int ca = fs_table_column(a, NAME("v"), FS_COL_I64, 0);
    for (int r = 0; r < 6; r++) {
        struct fs_table *t = r % 3 == 1 ? b : a;
        fs_table_begin_row(t, r);
        if (t == a)
            fs_table_set_i64(t, ca, r);
        fs_table_end_row(t);
    }
    struct fs_export sa, sb;
    fs_table_export(a, FS_COL_SEQ, &sa);
    fs_table_export(b, FS_COL_SEQ, &sb);
    CHECK(sa.n == 4 && sb.n == 2);
    int64_t wa[] = {0, 2, 3, 5}, wb[] = {1, 4};
    for (int r = 0; r < 4; r++)
        CHECK_EQ_I(((const int64_t *)sa.data)[r], wa[r]);
    for (int r = 0; r < 2; r++)
        CHECK_EQ_I(((const int64_t *)sb.data)[r], wb[r]);
    fs_buf_release(sa.buf);
    fs_buf_release(sb.buf);
    /* Aggregates only from now on: stored rows stay, new ones are counted. */
    fs_table_begin_row(a, 9);
    CHECK_EQ_I(fs_table_set_keep(a, 0), FS_EINVAL);
    CHECK_EQ_I(fs_metrics_set_keep_all(&reg, 0), FS_EINVAL);
    fs_table_abort_row(a);
    CHECK_EQ_I(fs_metrics_set_keep_all(&reg, 0), FS_OK);
    CHECK(a->keep == 0 && b->keep == 0 && reg.keep_default == 0);
    CHECK_EQ_I(new_table(&reg, "c")->keep, 0);
    for (int r = 0; r < 1000; r++) {
        fs_table_begin_row(a, 10 + r);
        fs_table_set_i64(a, ca, 1);
        fs_table_end_row(a);
    }
    CHECK_EQ_U(a->nrows, 4);
    CHECK_EQ_U(a->count, 1004);
    /* A column added in aggregates-only mode is backfilled for stored rows. */
    int late = fs_table_column(a, NAME("late"), FS_COL_F64, 0);
    struct fs_export el;
    fs_table_export(a, late, &el);
    CHECK(el.n == 4 && isnan(((const double *)el.data)[3]));
    fs_buf_release(el.buf);
    CHECK_EQ_I(fs_table_set_keep(a, 1), FS_OK);
    fs_table_begin_row(a, 2000);
    fs_table_set_f64(a, late, 1.5);
    fs_table_end_row(a);
    CHECK_EQ_U(a->nrows, 5);
    fs_metrics_free(&reg);
}

static double now_seconds(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Not a timed test: prints the cost of appending a row (time, f64, i64, str
 * tag) from C, with the same columns faas-sim's 'fets' rows would use. */
static void bench_append(void)
{
    struct fs_metrics reg;
    fs_metrics_init(&reg, 1);
    struct fs_table *t = new_table(&reg, "fets");
    int f1 = fs_table_column(t, NAME("t_fet_start"), FS_COL_F64, 0);
    int f2 = fs_table_column(t, NAME("t_fet_end"), FS_COL_F64, 0);
    int r_id = fs_table_column(t, NAME("replica_id"), FS_COL_I64, FS_COL_TAG);
    int fn = fs_table_column(t, NAME("function_name"), FS_COL_STR, FS_COL_TAG);
    int32_t names[4];
    for (int i = 0; i < 4; i++) {
        char buf[16];
        int len = snprintf(buf, sizeof buf, "fn%d", i);
        names[i] = fs_strpool_intern(&reg.strings, buf, (size_t)len);
    }
    const int N = 2000000;
    double t0 = now_seconds();
    for (int r = 0; r < N; r++) {
        fs_table_begin_row(t, r);
        fs_table_set_f64(t, f1, r);
        fs_table_set_f64(t, f2, r + 0.5);
        fs_table_set_i64(t, r_id, r & 63);
        fs_table_set_str(t, fn, names[r & 3]);
        fs_table_end_row(t);
    }
    double dt = now_seconds() - t0;
    CHECK_EQ_U(t->nrows, (size_t)N);
    printf("     bench: %.1f ns per appended row (4 columns + time; this build's flags)\n", dt / N * 1e9);
    fs_metrics_free(&reg);
}

/* fs_table_log_row against begin_row / set_* / end_row on a twin table:
 * the same stored columns (bits), times, sequence numbers and aggregates,
 * with nulls, columns left out, a column the whole-row calls never set, and
 * both storage modes; its errors log nothing. */
static void test_log_row_matches_row_by_row(void)
{
    for (int keep = 0; keep <= 1; keep++) {
        struct fs_metrics ra, rb;
        fs_metrics_init(&ra, keep);
        fs_metrics_init(&rb, keep);
        struct fs_table *a = new_table(&ra, "fets"), *b = new_table(&rb, "fets");
        int s1 = fs_strpool_intern(&ra.strings, NAME("fn")), s2 = fs_strpool_intern(&ra.strings, NAME("node"));
        CHECK_EQ_I(fs_strpool_intern(&rb.strings, NAME("fn")), s1);
        CHECK_EQ_I(fs_strpool_intern(&rb.strings, NAME("node")), s2);
        struct fs_table *tt[2] = {a, b};
        int cf[2], ci[2], cs[2], cb[2], cx[2];
        for (int k = 0; k < 2; k++) {
            cf[k] = fs_table_column(tt[k], NAME("t"), FS_COL_F64, 0);
            ci[k] = fs_table_column(tt[k], NAME("id"), FS_COL_I64, FS_COL_TAG);
            cs[k] = fs_table_column(tt[k], NAME("node"), FS_COL_STR, FS_COL_TAG);
            cb[k] = fs_table_column(tt[k], NAME("ok"), FS_COL_BOOL, 0);
            cx[k] = fs_table_column(tt[k], NAME("extra"), FS_COL_F64, 0); /* never set by log_row */
        }
        for (int r = 0; r < 5000; r++) {
            double x = r % 7 == 0 ? NAN : (double)(fs_test_rand() % 100000) / 7.0;
            int64_t id = r % 11 == 0 ? INT64_MIN : (int64_t)r;
            int32_t str = r % 5 == 0 ? FS_STR_NULL : (r % 2 ? s1 : s2);
            int skip_bool = r % 3 == 0;
            int cols[4] = {cs[0], cf[0], ci[0], cb[0]}, types[4] = {FS_COL_STR, FS_COL_F64, FS_COL_I64, FS_COL_BOOL};
            union fs_value v[4] = {{.str = str}, {.f64 = x}, {.i64 = id}, {.b = (int8_t)(r % 2)}};
            if (r % 97 == 13) { /* now and then a row-by-row row on a too: the order of rows holds */
                fs_table_begin_row(a, r * 0.5);
                fs_table_set_str(a, cs[0], str);
                fs_table_set_f64(a, cf[0], x);
                fs_table_set_i64(a, ci[0], id);
                if (!skip_bool)
                    fs_table_set_bool(a, cb[0], r % 2);
                CHECK_EQ_I(fs_table_end_row(a), FS_OK);
            }
            else
                CHECK_EQ_I(fs_table_log_row(a, r * 0.5, cols, types, v, skip_bool ? 3 : 4), FS_OK);
            if (r % 1000 == 999) { /* a read in between flushes */
                struct fs_summary mid;
                CHECK_EQ_I(fs_table_summary(a, cf[0], &mid), FS_OK);
            }
            fs_table_begin_row(b, r * 0.5);
            fs_table_set_str(b, cs[1], str);
            fs_table_set_f64(b, cf[1], x);
            fs_table_set_i64(b, ci[1], id);
            if (!skip_bool)
                fs_table_set_bool(b, cb[1], r % 2);
            CHECK_EQ_I(fs_table_end_row(b), FS_OK);
        }
        CHECK_EQ_U(a->count, b->count);
        CHECK(a->nrows <= b->nrows); /* the last rows may still be staged */
        CHECK_EQ_I(fs_table_flush(a), FS_OK);
        CHECK_EQ_U(a->nrows, b->nrows);
        CHECK_EQ_U(ra.next_seq, rb.next_seq);
        int all[6] = {FS_COL_TIME, FS_COL_SEQ, cf[0], ci[0], cs[0], cb[0]};
        for (int k = 0; k < 6; k++) {
            struct fs_summary sa, sb;
            if (all[k] != FS_COL_SEQ) {
                CHECK_EQ_I(fs_table_summary(a, all[k], &sa), FS_OK);
                CHECK_EQ_I(fs_table_summary(b, all[k], &sb), FS_OK);
                CHECK(memcmp(&sa, &sb, sizeof sa) == 0);
            }
            if (keep) {
                struct fs_export ea, eb;
                CHECK_EQ_I(fs_table_export(a, all[k], &ea), FS_OK);
                CHECK_EQ_I(fs_table_export(b, all[k], &eb), FS_OK);
                CHECK_EQ_U(ea.n, eb.n);
                size_t w = ea.type == FS_COL_BOOL ? 1 : ea.type == FS_COL_STR ? 4 : 8;
                CHECK(ea.n == 0 || memcmp(ea.data, eb.data, ea.n * w) == 0);
                if (ea.buf)
                    fs_buf_release(ea.buf);
                if (eb.buf)
                    fs_buf_release(eb.buf);
            }
        }
        if (keep) { /* the column log_row never set is null in every row */
            struct fs_export e;
            CHECK_EQ_I(fs_table_export(a, cx[0], &e), FS_OK);
            CHECK_EQ_U(e.n, 5000);
            for (size_t r = 0; r < e.n; r++)
                CHECK(isnan(((const double *)e.data)[r]));
            if (e.buf)
                fs_buf_release(e.buf);
        }
        /* errors: nothing logged */
        uint64_t count = a->count, seq = ra.next_seq;
        int dup[2] = {cf[0], cf[0]}, bad[1] = {99};
        union fs_value v2[2] = {{.f64 = 1.0}, {.f64 = 2.0}};
        union fs_value badstr = {.str = 12345};
        int none = fs_table_column(a, NAME("untyped"), FS_COL_NONE, 0);
        int f64s[2] = {FS_COL_F64, FS_COL_F64}, strt = FS_COL_STR, i64t = FS_COL_I64, nonet = FS_COL_NONE;
        CHECK_EQ_I(fs_table_log_row(a, 1.0, dup, f64s, v2, 2), FS_EINVAL);
        CHECK_EQ_I(fs_table_log_row(a, 1.0, bad, f64s, v2, 1), FS_EINVAL);
        CHECK_EQ_I(fs_table_log_row(a, NAN, cf, f64s, v2, 1), FS_EINVAL);
        CHECK_EQ_I(fs_table_log_row(a, 1.0, &cs[0], &strt, &badstr, 1), FS_EINVAL);
        CHECK_EQ_I(fs_table_log_row(a, 1.0, &none, &nonet, v2, 1), FS_EINVAL);
        CHECK_EQ_I(fs_table_log_row(a, 1.0, &cf[0], &i64t, v2, 1), FS_EINVAL); /* a type that differs */
        fs_table_begin_row(a, 1.0);
        CHECK_EQ_I(fs_table_log_row(a, 1.0, cf, f64s, v2, 1), FS_EINVAL);
        fs_table_abort_row(a);
        CHECK_EQ_U(a->count, count);
        CHECK_EQ_U(ra.next_seq, seq);
        fs_metrics_free(&ra);
        fs_metrics_free(&rb);
    }
}

void fs_test_metrics_suite(void)
{
    RUN_TEST(test_values_round_trip);
    RUN_TEST(test_log_row_matches_row_by_row);
    RUN_TEST(test_backfill_and_missing);
    RUN_TEST(test_type_conflicts_and_promotion);
    RUN_TEST(test_abort_row);
    RUN_TEST(test_string_pool);
    RUN_TEST(test_million_rows_and_shared_exports);
    RUN_TEST(test_aggregates);
    RUN_TEST(test_keep_switch_and_seq);
    RUN_TEST(bench_append);
}
