/* metrics.h: Metrics (metrics.c) and its C API. */
#ifndef FAASSIM_METRICS_H
#define FAASSIM_METRICS_H

#include "module.h"
#include "fs_metrics.h"

/* metrics.c: faassim._core.Metrics over the engine's fs_metrics tables.
 * C API for built-in (C) platform code that logs rows without creating
 * Python objects: resolve ids once, then per row
 *     metrics_begin_row(m, tid); metrics_set_f64(m, tid, col, x); ...;
 *     metrics_end_row(m, tid);
 * Every function returns >= 0, or -1 with a Python exception set (then the
 * open row has been aborted). Table, column and string ids stay valid for
 * the life of the Metrics object (clear() keeps them). Numeric setters widen
 * the column like log() does (bool -> int -> float); a value of another kind
 * raises TypeError. Resolve ids outside a row (a column created inside a row
 * that is then aborted disappears). Hold a reference to m while using it:
 * env.metrics may be replaced by Python code. */
struct MetricsObject;
typedef struct MetricsObject MetricsObject;
#define Metrics_Check(st, o) PyObject_TypeCheck((o), (st)->Metrics_type)
int Metrics_setup(PyObject *m, faassim_state *st);
/* Id of the measurement called name (UTF-8), created if missing. */
int metrics_table(MetricsObject *m, const char *name);
/* Id of a column (type: an fs_col_type; is_tag: a tag rather than a field),
 * created if missing. */
int metrics_column(MetricsObject *m, int table, const char *name, int type, int is_tag);
/* Id of a string in the registry's pool (for metrics_set_str). */
int metrics_intern(MetricsObject *m, const char *s, Py_ssize_t len);
/* The object's serial number (1, 2, ... in creation order, never reused):
 * string ids cached outside it are keyed by it, not by its address. */
uint64_t metrics_serial(MetricsObject *m);
/* Open a row at env.now. */
int metrics_begin_row(MetricsObject *m, int table);
int metrics_set_f64(MetricsObject *m, int table, int col, double v);
int metrics_set_i64(MetricsObject *m, int table, int col, int64_t v);
int metrics_set_str(MetricsObject *m, int table, int col, int str_id);
int metrics_end_row(MetricsObject *m, int table);
/* A whole row at env.now in one call: vals[k] of kind kinds[k] (F64, I64,
 * STR or BOOL) in column cols[k]; as begin_row, the setters and end_row
 * (same rows, widening and errors), but a row whose columns already have
 * the values' types is stored directly (fs_table_log_row). */
int metrics_log_row(MetricsObject *m, int table, const int *cols, const int *kinds, const union fs_value *vals, int n);
/* A row being built for metrics_log_row: row_f64 / row_i64 / row_str add a
 * value (at most METRICS_ROW_MAX), metrics_log_built logs it. */
#define METRICS_ROW_MAX 16
struct metrics_row {
    int cols[METRICS_ROW_MAX], kinds[METRICS_ROW_MAX], n;
    union fs_value v[METRICS_ROW_MAX];
};
static inline void row_f64(struct metrics_row *r, int col, double x)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_F64;
    r->v[r->n++].f64 = x;
}
static inline void row_i64(struct metrics_row *r, int col, int64_t x)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_I64;
    r->v[r->n++].i64 = x;
}
static inline void row_str(struct metrics_row *r, int col, int32_t id)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_STR;
    r->v[r->n++].str = id;
}
static inline int metrics_log_built(MetricsObject *m, int table, const struct metrics_row *r)
{
    return metrics_log_row(m, table, r->cols, r->kinds, r->v, r->n);
}

#endif
