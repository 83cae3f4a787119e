/*
 * fs_metrics: columnar storage of measurements (the simulator's metrics).
 *
 * Design note
 * -----------
 * A registry (struct fs_metrics) owns named tables ("measurements") and one
 * string pool. A table has a time column (double, simulated seconds), a
 * hidden sequence column (the registry-wide order in which rows were logged,
 * so that rows of different tables can be merged back into log order) and
 * named typed columns added on first use:
 *   FS_COL_NONE  no value seen yet (every row is null; no buffer); the first
 *                typed value retypes the column;
 *   FS_COL_BOOL  int8 0/1, null -1;
 *   FS_COL_I64   int64, null INT64_MIN (so INT64_MIN itself is not storable);
 *   FS_COL_F64   double, null NaN (a NaN value is null);
 *   FS_COL_STR   int32 ids into the registry's string pool, null -1;
 *   FS_COL_OBJ   opaque void * slots, null NULL. The engine never
 *                dereferences, retains or frees them: ownership is the
 *                caller's (the Python binding keeps the objects alive).
 * A column added after rows exist is backfilled with its null; a row that
 * does not set a column stores the null.
 *
 * Rows are atomic: fs_table_begin_row() opens a row, fs_table_set_*() put
 * values into per-column pending slots (setting a column twice keeps the
 * last value), fs_table_end_row() appends the row to every column and
 * updates the aggregates, fs_table_abort_row() forgets it and removes the
 * columns created since begin. Column ids and table ids are small integers,
 * stable for the registry's lifetime (clearing keeps tables and columns), so
 * hot callers resolve names once.
 *
 * Aggregates: every table keeps, for the time column and each numeric column
 * (BOOL as 0/1, I64, F64), the count of non-null values, sum, min, max and a
 * Welford running mean and M2 (population variance = M2 / count). They are
 * kept whether or not rows are stored. A table in aggregates-only mode
 * (keep == 0) stores no rows: its memory stays flat however many rows are
 * logged. Rows stored before switching to aggregates-only stay.
 *
 * Buffers and sharing: each column's values live in a reference-counted
 * struct fs_buf. fs_table_export() hands out a retained buffer with the
 * number of rows committed at that time; the engine only ever writes at
 * indexes >= nrows, so an exported prefix never changes. When a column must
 * grow and its buffer is shared, the engine copies into a new buffer and
 * drops its reference to the old one (which the exporter frees with
 * fs_buf_release); an unshared buffer is grown in place with realloc.
 * Growth doubles the capacity: an append is amortised O(1).
 *
 * String pool: open addressing (linear probing, power-of-two slots, load
 * <= 1/2) over 64-bit FNV-1a hashes; strings are stored NUL-terminated in
 * one byte arena. Ids are dense, start at 0 and are never reused or
 * removed, so they stay valid after clearing.
 *
 * Threading: none. Reference counts of buffers are plain integers; callers
 * serialise (the Python binding holds the GIL).
 */
#ifndef FS_METRICS_H
#define FS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "fs_queue.h" /* enum fs_status */

enum fs_col_type { FS_COL_NONE = 0, FS_COL_BOOL, FS_COL_I64, FS_COL_F64, FS_COL_STR, FS_COL_OBJ, FS_COL_NTYPES };

/* Column flags, fixed when the column is created. */
#define FS_COL_TAG 1u /* a tag (faas-sim's record.tags) rather than a field */

/* Pseudo column ids accepted by fs_table_export(). */
#define FS_COL_TIME (-1)
#define FS_COL_SEQ (-2)

#define FS_BOOL_NULL (-1)
#define FS_I64_NULL INT64_MIN
#define FS_STR_NULL (-1)

struct fs_buf {
    size_t refs; /* the table's reference plus one per export */
    size_t cap;  /* elements */
    void *data;
};
void fs_buf_retain(struct fs_buf *b);
/* Drop one reference; frees the buffer when none is left. NULL is a no-op. */
void fs_buf_release(struct fs_buf *b);

struct fs_agg {
    uint64_t count; /* non-null values (every type) */
    double sum, min, max, mean, m2;
};

struct fs_summary {
    uint64_t count;
    double sum, min, max, mean, var, std; /* population variance (ddof = 0); NaN when count == 0 */
};

union fs_value {
    double f64;
    int64_t i64;
    int32_t str;
    int8_t b;
    void *obj;
};

struct fs_column {
    char *name;
    size_t name_len;
    uint8_t type;
    uint8_t flags;
    uint64_t set_gen; /* == table->row_gen when set in the open row */
    union fs_value pending;
    struct fs_buf *buf; /* NULL for FS_COL_NONE or while the table has no capacity */
    struct fs_agg agg;
};

struct fs_metrics;

struct fs_table {
    struct fs_metrics *reg;
    char *name;
    size_t name_len;
    int id;
    int keep;       /* store rows (1) or aggregates only (0) */
    int in_row;     /* a row is open */
    size_t nrows;   /* rows stored */
    size_t cap;     /* rows every buffer can hold */
    uint64_t count; /* rows logged (stored or not) */
    uint64_t row_gen;
    double row_time;
    struct fs_buf *time; /* double */
    struct fs_buf *seq;  /* int64, registry-wide log order */
    struct fs_agg time_agg;
    size_t agg_rows;        /* stored rows [0, agg_rows) are in the aggregates (see fs_table_end_row) */
    struct fs_column *cols; /* reallocated when columns are added: use ids */
    size_t ncols, cols_cap;
    size_t ncols_at_begin;
    /* Rows logged by fs_table_log_row wait here, row-major (stage_w values
     * a row: every column), and are written to the columns a block at a
     * time (fs_table_flush): appending one value to each of many column
     * streams per row costs a cache miss per stream, a block costs a few
     * per column. Rows logged are t->count; stored rows are nrows once
     * flushed; every function that reads or reshapes the table flushes
     * first. */
    uint8_t ctype[64]; /* cols[i].type for i < 64, side by side (fs_table_log_row reads them per row) */
    union fs_value *stage;
    double *stage_time;
    int64_t *stage_seq;
    size_t stage_n, stage_w;
};

struct fs_strpool {
    char *bytes; /* NUL-terminated strings, back to back */
    size_t nbytes, bytes_cap;
    size_t *offs;     /* offs[id]: start of string id; offs[n]: end of the last */
    uint64_t *hashes; /* per id, for rehashing */
    int32_t n, cap;
    int32_t *slots; /* ids, -1 for an empty slot */
    size_t nslots;  /* power of two */
};

struct fs_metrics {
    struct fs_table **tables; /* each table is allocated once: pointers are stable */
    size_t ntables, tables_cap;
    int keep_default;  /* keep of tables created from now on */
    uint64_t next_seq; /* sequence number of the next row logged */
    struct fs_strpool strings;
};

/* Registry ---------------------------------------------------------- */

int fs_metrics_init(struct fs_metrics *reg, int keep_default);
/* Frees the tables and the pool; exported buffers stay valid until released. */
void fs_metrics_free(struct fs_metrics *reg);
/* Id of the table called name (len bytes, need not be NUL-terminated). If it
 * does not exist: creates it when `create` (with keep = reg->keep_default),
 * else returns FS_EEMPTY. Other errors: FS_ENOMEM, FS_EOVERFLOW. */
int fs_metrics_table(struct fs_metrics *reg, const char *name, size_t len, int create);
static inline struct fs_table *fs_metrics_get(struct fs_metrics *reg, int id)
{
    return (id >= 0 && (size_t)id < reg->ntables) ? reg->tables[id] : NULL;
}
/* Drop every row and aggregate (an open row is aborted); tables, columns,
 * their types and the string pool stay, so ids remain valid. */
void fs_metrics_clear(struct fs_metrics *reg);
/* Set keep on every existing table and make it the default for new ones.
 * FS_EINVAL (nothing changed) if a row is open in some table. */
int fs_metrics_set_keep_all(struct fs_metrics *reg, int keep);

/* String pool ------------------------------------------------------- */

/* Id of the string s[0..len) (added if new): >= 0, or FS_ENOMEM / FS_EOVERFLOW. */
int32_t fs_strpool_intern(struct fs_strpool *p, const char *s, size_t len);
/* The string of an id (NUL-terminated, *len bytes without the NUL), or NULL
 * for an unknown id. The pointer is valid until the next intern. */
const char *fs_strpool_get(const struct fs_strpool *p, int32_t id, size_t *len);

/* Tables ------------------------------------------------------------ */

/* Id of the column called name, or -1. */
int fs_table_find_column(const struct fs_table *t, const char *name, size_t len);
/* Id of the column called name, created (with `flags`) if missing.
 * An existing column of the same type, or any existing column when type is
 * FS_COL_NONE, is returned as is; an existing FS_COL_NONE column takes the
 * requested type; any other type difference is FS_EINVAL (see
 * fs_table_promote for numeric widening). FS_ENOMEM on allocation failure. */
int fs_table_column(struct fs_table *t, const char *name, size_t len, int type, unsigned flags);
/* Widen column col to `type`: NONE -> any, BOOL -> I64 or F64, I64 -> F64
 * (stored values, nulls and a pending value are converted; the aggregates
 * are unchanged). Same type: no-op. Anything else: FS_EINVAL. */
int fs_table_promote(struct fs_table *t, int col, int type);
/* Store rows (1) or aggregates only (0). FS_EINVAL while a row is open. */
int fs_table_set_keep(struct fs_table *t, int keep);
/* Drop the rows and aggregates of one table (keeps its columns). */
void fs_table_clear(struct fs_table *t);

/* Open a row at `time` (FS_EINVAL if NaN or a row is already open). */
int fs_table_begin_row(struct fs_table *t, double time);
/* Set a column of the open row. FS_EINVAL if no row is open, col is not a
 * column or its type differs from the setter's. A NaN f64, INT64_MIN i64 or
 * NULL obj is the null. */
int fs_table_set_f64(struct fs_table *t, int col, double v);
int fs_table_set_i64(struct fs_table *t, int col, int64_t v);
int fs_table_set_bool(struct fs_table *t, int col, int v);
int fs_table_set_str(struct fs_table *t, int col, int32_t id); /* id from the registry's pool */
int fs_table_set_obj(struct fs_table *t, int col, void *p);
/* Make the column null in the open row (undoes a set). */
int fs_table_set_null(struct fs_table *t, int col);
/* Commit the open row. FS_ENOMEM (row aborted) if the columns cannot grow. */
int fs_table_end_row(struct fs_table *t);
/* Forget the open row and remove the columns created since it was opened.
 * No-op when no row is open. */
void fs_table_abort_row(struct fs_table *t);
/* Write the rows fs_table_log_row staged to the columns (FS_OK or
 * FS_ENOMEM, then they stay staged). t->nrows counts them only after it;
 * the functions below that read or change the table call it themselves. */
int fs_table_flush(struct fs_table *t);
/* Log a whole row in one call: vals[k] in column cols[k] (k < n, distinct
 * columns whose type is types[k]: not FS_COL_NONE, not FS_COL_OBJ), every
 * other column null; the same row, aggregates and sequence number as
 * begin_row, the set_* calls and end_row, without the pending values.
 * FS_EINVAL (a row is open, NaN time, a bad column, a type that differs, or
 * more than 64 columns) or FS_ENOMEM: nothing is logged. */
int fs_table_log_row(struct fs_table *t, double time, const int *cols, const int *types, const union fs_value *vals,
                     size_t n);

/* A retained view of the committed rows of a column. */
struct fs_export {
    struct fs_buf *buf; /* retained (release it), or NULL when n == 0 */
    const void *data;   /* buf->data, or NULL */
    size_t n;           /* rows */
    int type;           /* FS_COL_F64 for time, FS_COL_I64 for seq */
};
/* col: a column id, FS_COL_TIME or FS_COL_SEQ. FS_EINVAL for a bad id. A
 * FS_COL_NONE column exports n rows and no buffer (every value is null). */
int fs_table_export(struct fs_table *t, int col, struct fs_export *out);
/* Aggregates of a column (or FS_COL_TIME); FS_EINVAL for a bad id. */
int fs_table_summary(struct fs_table *t, int col, struct fs_summary *out);
/* Is this value the null of its column type? */
int fs_value_is_null(int type, union fs_value v);

#endif
