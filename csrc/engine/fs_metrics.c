/* fs_metrics: columnar measurement tables and a string pool; see fs_metrics.h. */
#include "fs_metrics.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Buffers                                                              */

void fs_buf_retain(struct fs_buf *b)
{
    b->refs++;
}

void fs_buf_release(struct fs_buf *b)
{
    if (b && --b->refs == 0) {
        free(b->data);
        free(b);
    }
}

/* Rows fs_table_log_row stages before writing them to the columns. */
#define STAGE_ROWS 64

static size_t elem_size(int type)
{
    switch (type) {
    case FS_COL_BOOL:
        return sizeof(int8_t);
    case FS_COL_I64:
        return sizeof(int64_t);
    case FS_COL_F64:
        return sizeof(double);
    case FS_COL_STR:
        return sizeof(int32_t);
    case FS_COL_OBJ:
        return sizeof(void *);
    default:
        return 0;
    }
}

static struct fs_buf *buf_new(size_t cap, size_t esize)
{
    if (cap > SIZE_MAX / esize)
        return NULL;
    struct fs_buf *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->data = malloc(cap * esize);
    if (!b->data) {
        free(b);
        return NULL;
    }
    b->refs = 1;
    b->cap = cap;
    return b;
}

/* Make *pb hold at least cap elements, keeping the first n. A shared buffer
 * is copied (exports keep the old one); an unshared one is reallocated. */
static int buf_reserve(struct fs_buf **pb, size_t cap, size_t n, size_t esize)
{
    struct fs_buf *b = *pb;
    if (b && b->cap >= cap)
        return FS_OK;
    if (cap > SIZE_MAX / esize)
        return FS_ENOMEM;
    if (b && b->refs == 1) {
        void *d = realloc(b->data, cap * esize);
        if (!d)
            return FS_ENOMEM;
        b->data = d;
        b->cap = cap;
        return FS_OK;
    }
    struct fs_buf *nb = buf_new(cap, esize);
    if (!nb)
        return FS_ENOMEM;
    if (b) {
        if (n)
            memcpy(nb->data, b->data, n * esize);
        fs_buf_release(b);
    }
    *pb = nb;
    return FS_OK;
}

/* Write the null of `type` at indexes [from, to). */
static void fill_null(int type, void *data, size_t from, size_t to)
{
    switch (type) {
    case FS_COL_BOOL:
        memset((int8_t *)data + from, 0xff, to - from); /* -1 */
        break;
    case FS_COL_I64:
        for (size_t i = from; i < to; i++)
            ((int64_t *)data)[i] = FS_I64_NULL;
        break;
    case FS_COL_F64:
        for (size_t i = from; i < to; i++)
            ((double *)data)[i] = NAN;
        break;
    case FS_COL_STR:
        for (size_t i = from; i < to; i++)
            ((int32_t *)data)[i] = FS_STR_NULL;
        break;
    case FS_COL_OBJ:
        for (size_t i = from; i < to; i++)
            ((void **)data)[i] = NULL;
        break;
    default:
        break;
    }
}

static inline int is_null(int type, union fs_value v)
{
    switch (type) {
    case FS_COL_BOOL:
        return v.b == FS_BOOL_NULL;
    case FS_COL_I64:
        return v.i64 == FS_I64_NULL;
    case FS_COL_F64:
        return isnan(v.f64);
    case FS_COL_STR:
        return v.str == FS_STR_NULL;
    case FS_COL_OBJ:
        return v.obj == NULL;
    default:
        return 1;
    }
}

int fs_value_is_null(int type, union fs_value v)
{
    return is_null(type, v);
}

static union fs_value null_value(int type)
{
    union fs_value v;
    memset(&v, 0, sizeof v);
    switch (type) {
    case FS_COL_BOOL:
        v.b = FS_BOOL_NULL;
        break;
    case FS_COL_I64:
        v.i64 = FS_I64_NULL;
        break;
    case FS_COL_F64:
        v.f64 = NAN;
        break;
    case FS_COL_STR:
        v.str = FS_STR_NULL;
        break;
    default:
        break;
    }
    return v;
}

static void store_value(int type, void *data, size_t i, union fs_value v)
{
    switch (type) {
    case FS_COL_BOOL:
        ((int8_t *)data)[i] = v.b;
        break;
    case FS_COL_I64:
        ((int64_t *)data)[i] = v.i64;
        break;
    case FS_COL_F64:
        ((double *)data)[i] = v.f64;
        break;
    case FS_COL_STR:
        ((int32_t *)data)[i] = v.str;
        break;
    case FS_COL_OBJ:
        ((void **)data)[i] = v.obj;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Aggregates                                                           */

static void agg_reset(struct fs_agg *a)
{
    a->count = 0;
    a->sum = a->mean = a->m2 = 0.0;
    a->min = INFINITY;
    a->max = -INFINITY;
}

static inline void agg_add(struct fs_agg *a, double x)
{
    a->count++;
    a->sum += x;
    if (x < a->min)
        a->min = x;
    if (x > a->max)
        a->max = x;
    double delta = x - a->mean;
    a->mean += delta / (double)a->count;
    a->m2 += delta * (x - a->mean);
}

static void agg_summary(const struct fs_agg *a, struct fs_summary *out)
{
    out->count = a->count;
    out->sum = a->sum;
    if (a->count == 0) {
        out->min = out->max = out->mean = out->var = out->std = NAN;
        return;
    }
    out->min = a->min;
    out->max = a->max;
    out->mean = a->mean;
    out->var = a->m2 / (double)a->count;
    out->std = sqrt(out->var);
}

/* ------------------------------------------------------------------ */
/* String pool                                                          */

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static void strpool_init(struct fs_strpool *p)
{
    memset(p, 0, sizeof *p);
}

static void strpool_free(struct fs_strpool *p)
{
    free(p->bytes);
    free(p->offs);
    free(p->hashes);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

static int strpool_rehash(struct fs_strpool *p, size_t nslots)
{
    int32_t *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return FS_ENOMEM;
    memset(slots, 0xff, nslots * sizeof *slots); /* -1 */
    for (int32_t id = 0; id < p->n; id++) {
        size_t i = (size_t)p->hashes[id] & (nslots - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (nslots - 1);
        slots[i] = id;
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = nslots;
    return FS_OK;
}

int32_t fs_strpool_intern(struct fs_strpool *p, const char *s, size_t len)
{
    uint64_t h = fnv1a(s, len);
    if (p->nslots) {
        size_t i = (size_t)h & (p->nslots - 1);
        for (int32_t id; (id = p->slots[i]) >= 0; i = (i + 1) & (p->nslots - 1)) {
            size_t off = p->offs[id];
            if (p->hashes[id] == h && p->offs[id + 1] - off - 1 == len && memcmp(p->bytes + off, s, len) == 0)
                return id;
        }
    }
    if (p->n == INT32_MAX)
        return FS_EOVERFLOW;
    /* Room for one more id (offs has cap + 1 entries). */
    if (p->n == p->cap) {
        int32_t ncap = p->cap ? (p->cap > INT32_MAX / 2 ? INT32_MAX : p->cap * 2) : 16;
        size_t *offs = realloc(p->offs, ((size_t)ncap + 1) * sizeof *offs);
        if (!offs)
            return FS_ENOMEM;
        p->offs = offs;
        uint64_t *hashes = realloc(p->hashes, (size_t)ncap * sizeof *hashes);
        if (!hashes)
            return FS_ENOMEM;
        p->hashes = hashes;
        if (p->cap == 0)
            p->offs[0] = 0;
        p->cap = ncap;
    }
    if (len > SIZE_MAX - 1 - p->nbytes)
        return FS_ENOMEM;
    size_t need = p->nbytes + len + 1;
    if (need > p->bytes_cap) {
        size_t ncap = p->bytes_cap ? p->bytes_cap : 256;
        while (ncap < need)
            ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        char *b = realloc(p->bytes, ncap);
        if (!b)
            return FS_ENOMEM;
        p->bytes = b;
        p->bytes_cap = ncap;
    }
    /* Keep the load factor <= 1/2 (after adding this id). */
    if ((size_t)(p->n + 1) * 2 > p->nslots) {
        int rc = strpool_rehash(p, p->nslots ? p->nslots * 2 : 32);
        if (rc != FS_OK)
            return rc;
    }
    int32_t id = p->n;
    if (len)
        memcpy(p->bytes + p->nbytes, s, len);
    p->bytes[p->nbytes + len] = '\0';
    p->nbytes = need;
    p->hashes[id] = h;
    p->offs[id + 1] = need;
    size_t i = (size_t)h & (p->nslots - 1);
    while (p->slots[i] >= 0)
        i = (i + 1) & (p->nslots - 1);
    p->slots[i] = id;
    p->n++;
    return id;
}

const char *fs_strpool_get(const struct fs_strpool *p, int32_t id, size_t *len)
{
    if (id < 0 || id >= p->n)
        return NULL;
    if (len)
        *len = p->offs[id + 1] - p->offs[id] - 1;
    return p->bytes + p->offs[id];
}

/* ------------------------------------------------------------------ */
/* Registry                                                             */

int fs_metrics_init(struct fs_metrics *reg, int keep_default)
{
    reg->tables = NULL;
    reg->ntables = reg->tables_cap = 0;
    reg->keep_default = keep_default ? 1 : 0;
    reg->next_seq = 0;
    strpool_init(&reg->strings);
    return FS_OK;
}

static void table_free(struct fs_table *t)
{
    free(t->stage);
    free(t->stage_time);
    free(t->stage_seq);
    for (size_t c = 0; c < t->ncols; c++) {
        free(t->cols[c].name);
        fs_buf_release(t->cols[c].buf);
    }
    free(t->cols);
    fs_buf_release(t->time);
    fs_buf_release(t->seq);
    free(t->name);
    free(t);
}

void fs_metrics_free(struct fs_metrics *reg)
{
    for (size_t i = 0; i < reg->ntables; i++)
        table_free(reg->tables[i]);
    free(reg->tables);
    reg->tables = NULL;
    reg->ntables = reg->tables_cap = 0;
    strpool_free(&reg->strings);
}

static char *dup_name(const char *name, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *s = malloc(len + 1);
    if (s) {
        if (len)
            memcpy(s, name, len);
        s[len] = '\0';
    }
    return s;
}

int fs_metrics_table(struct fs_metrics *reg, const char *name, size_t len, int create)
{
    for (size_t i = 0; i < reg->ntables; i++) {
        struct fs_table *t = reg->tables[i];
        if (t->name_len == len && memcmp(t->name, name, len) == 0)
            return (int)i;
    }
    if (!create)
        return FS_EEMPTY;
    if (reg->ntables >= (size_t)INT32_MAX)
        return FS_EOVERFLOW;
    if (reg->ntables == reg->tables_cap) {
        size_t ncap = reg->tables_cap ? reg->tables_cap * 2 : 8;
        struct fs_table **tabs = realloc(reg->tables, ncap * sizeof *tabs);
        if (!tabs)
            return FS_ENOMEM;
        reg->tables = tabs;
        reg->tables_cap = ncap;
    }
    struct fs_table *t = calloc(1, sizeof *t);
    if (!t)
        return FS_ENOMEM;
    t->name = dup_name(name, len);
    if (!t->name) {
        free(t);
        return FS_ENOMEM;
    }
    t->reg = reg;
    t->name_len = len;
    t->id = (int)reg->ntables;
    t->keep = reg->keep_default;
    agg_reset(&t->time_agg);
    reg->tables[reg->ntables++] = t;
    return t->id;
}

void fs_metrics_clear(struct fs_metrics *reg)
{
    for (size_t i = 0; i < reg->ntables; i++)
        fs_table_clear(reg->tables[i]);
    reg->next_seq = 0;
}

int fs_metrics_set_keep_all(struct fs_metrics *reg, int keep)
{
    for (size_t i = 0; i < reg->ntables; i++)
        if (reg->tables[i]->in_row)
            return FS_EINVAL;
    for (size_t i = 0; i < reg->ntables; i++) {
        int rc = fs_table_flush(reg->tables[i]);
        if (rc != FS_OK)
            return rc;
    }
    for (size_t i = 0; i < reg->ntables; i++)
        reg->tables[i]->keep = keep ? 1 : 0;
    reg->keep_default = keep ? 1 : 0;
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Tables                                                               */

int fs_table_find_column(const struct fs_table *t, const char *name, size_t len)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].name_len == len && memcmp(t->cols[c].name, name, len) == 0)
            return (int)c;
    return -1;
}

/* Give column c a buffer of t->cap elements with nulls in [0, nrows). */
static int column_alloc(struct fs_table *t, struct fs_column *c)
{
    if (c->type == FS_COL_NONE || t->cap == 0)
        return FS_OK;
    int rc = buf_reserve(&c->buf, t->cap, 0, elem_size(c->type));
    if (rc != FS_OK)
        return rc;
    fill_null(c->type, c->buf->data, 0, t->nrows);
    return FS_OK;
}

int fs_table_column(struct fs_table *t, const char *name, size_t len, int type, unsigned flags)
{
    if (type < FS_COL_NONE || type >= FS_COL_NTYPES)
        return FS_EINVAL;
    int frc = fs_table_flush(t);
    if (frc != FS_OK)
        return frc;
    int id = fs_table_find_column(t, name, len);
    if (id >= 0) {
        struct fs_column *c = &t->cols[id];
        if (c->type == type || type == FS_COL_NONE)
            return id;
        if (c->type == FS_COL_NONE) {
            int rc = fs_table_promote(t, id, type);
            return rc == FS_OK ? id : rc;
        }
        return FS_EINVAL;
    }
    if (t->ncols >= (size_t)INT32_MAX)
        return FS_EOVERFLOW;
    if (t->ncols == t->cols_cap) {
        size_t ncap = t->cols_cap ? t->cols_cap * 2 : 8;
        struct fs_column *cols = realloc(t->cols, ncap * sizeof *cols);
        if (!cols)
            return FS_ENOMEM;
        t->cols = cols;
        t->cols_cap = ncap;
    }
    struct fs_column *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->name = dup_name(name, len);
    if (!c->name)
        return FS_ENOMEM;
    c->name_len = len;
    c->type = (uint8_t)type;
    c->flags = (uint8_t)flags;
    agg_reset(&c->agg);
    int rc = column_alloc(t, c);
    if (rc != FS_OK) {
        free(c->name);
        return rc;
    }
    if (t->ncols < 64)
        t->ctype[t->ncols] = (uint8_t)type;
    return (int)t->ncols++;
}

/* Convert one value of type `from` to the wider numeric type `to` (nulls
 * stay nulls). */
static union fs_value widen(int from, int to, union fs_value v)
{
    if (is_null(from, v))
        return null_value(to);
    union fs_value w;
    memset(&w, 0, sizeof w);
    double x = from == FS_COL_BOOL ? (double)v.b : (double)v.i64;
    if (to == FS_COL_I64)
        w.i64 = v.b;
    else
        w.f64 = x;
    return w;
}

static union fs_value load_value(int type, const void *data, size_t i)
{
    union fs_value v;
    memset(&v, 0, sizeof v);
    switch (type) {
    case FS_COL_BOOL:
        v.b = ((const int8_t *)data)[i];
        break;
    case FS_COL_I64:
        v.i64 = ((const int64_t *)data)[i];
        break;
    case FS_COL_F64:
        v.f64 = ((const double *)data)[i];
        break;
    case FS_COL_STR:
        v.str = ((const int32_t *)data)[i];
        break;
    case FS_COL_OBJ:
        v.obj = ((void *const *)data)[i];
        break;
    default:
        break;
    }
    return v;
}

int fs_table_promote(struct fs_table *t, int col, int type)
{
    if (col < 0 || (size_t)col >= t->ncols || type <= FS_COL_NONE || type >= FS_COL_NTYPES)
        return FS_EINVAL;
    int frc = fs_table_flush(t);
    if (frc != FS_OK)
        return frc;
    struct fs_column *c = &t->cols[col];
    if (c->type == type)
        return FS_OK;
    if (c->type == FS_COL_NONE) {
        c->type = (uint8_t)type;
        int rc = column_alloc(t, c);
        if (rc != FS_OK) {
            c->type = FS_COL_NONE;
            return rc;
        }
        if (col < 64)
            t->ctype[col] = (uint8_t)type;
        return FS_OK;
    }
    int ok = (c->type == FS_COL_BOOL && (type == FS_COL_I64 || type == FS_COL_F64)) ||
             (c->type == FS_COL_I64 && type == FS_COL_F64);
    if (!ok)
        return FS_EINVAL;
    if (c->buf) {
        /* Always a new buffer: the old one may be exported. */
        struct fs_buf *nb = buf_new(c->buf->cap, elem_size(type));
        if (!nb)
            return FS_ENOMEM;
        for (size_t i = 0; i < t->nrows; i++)
            store_value(type, nb->data, i, widen(c->type, type, load_value(c->type, c->buf->data, i)));
        fs_buf_release(c->buf);
        c->buf = nb;
    }
    c->pending = widen(c->type, type, c->pending);
    c->type = (uint8_t)type;
    if (col < 64)
        t->ctype[col] = (uint8_t)type;
    return FS_OK;
}

int fs_table_set_keep(struct fs_table *t, int keep)
{
    if (t->in_row)
        return FS_EINVAL;
    int rc = fs_table_flush(t);
    if (rc != FS_OK)
        return rc;
    t->keep = keep ? 1 : 0;
    return FS_OK;
}

void fs_table_clear(struct fs_table *t)
{
    fs_table_abort_row(t);
    t->stage_n = 0; /* staged rows go too */
    for (size_t c = 0; c < t->ncols; c++) {
        fs_buf_release(t->cols[c].buf);
        t->cols[c].buf = NULL;
        agg_reset(&t->cols[c].agg);
    }
    fs_buf_release(t->time);
    fs_buf_release(t->seq);
    t->time = t->seq = NULL;
    t->nrows = t->cap = t->agg_rows = 0;
    t->count = 0;
    agg_reset(&t->time_agg);
}

int fs_table_begin_row(struct fs_table *t, double time)
{
    if (t->in_row || isnan(time))
        return FS_EINVAL;
    int rc = fs_table_flush(t); /* rows stay in the order they were logged */
    if (rc != FS_OK)
        return rc;
    t->in_row = 1;
    t->row_gen++;
    t->row_time = time;
    t->ncols_at_begin = t->ncols;
    return FS_OK;
}

static inline struct fs_column *settable(struct fs_table *t, int col, int type)
{
    if (!t->in_row || col < 0 || (size_t)col >= t->ncols || t->cols[col].type != type)
        return NULL;
    return &t->cols[col];
}

int fs_table_set_f64(struct fs_table *t, int col, double v)
{
    struct fs_column *c = settable(t, col, FS_COL_F64);
    if (!c)
        return FS_EINVAL;
    c->pending.f64 = v;
    c->set_gen = t->row_gen;
    return FS_OK;
}

int fs_table_set_i64(struct fs_table *t, int col, int64_t v)
{
    struct fs_column *c = settable(t, col, FS_COL_I64);
    if (!c)
        return FS_EINVAL;
    c->pending.i64 = v;
    c->set_gen = t->row_gen;
    return FS_OK;
}

int fs_table_set_bool(struct fs_table *t, int col, int v)
{
    struct fs_column *c = settable(t, col, FS_COL_BOOL);
    if (!c)
        return FS_EINVAL;
    c->pending.b = v ? 1 : 0;
    c->set_gen = t->row_gen;
    return FS_OK;
}

int fs_table_set_str(struct fs_table *t, int col, int32_t id)
{
    struct fs_column *c = settable(t, col, FS_COL_STR);
    if (!c || id < FS_STR_NULL || id >= t->reg->strings.n)
        return FS_EINVAL;
    c->pending.str = id;
    c->set_gen = t->row_gen;
    return FS_OK;
}

int fs_table_set_obj(struct fs_table *t, int col, void *p)
{
    struct fs_column *c = settable(t, col, FS_COL_OBJ);
    if (!c)
        return FS_EINVAL;
    c->pending.obj = p;
    c->set_gen = t->row_gen;
    return FS_OK;
}

int fs_table_set_null(struct fs_table *t, int col)
{
    if (!t->in_row || col < 0 || (size_t)col >= t->ncols)
        return FS_EINVAL;
    t->cols[col].set_gen = 0;
    return FS_OK;
}

/* Make every buffer hold at least `need` rows. */
static int table_reserve(struct fs_table *t, size_t need)
{
    if (need <= t->cap)
        return FS_OK;
    size_t ncap = t->cap ? t->cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return FS_ENOMEM;
        ncap *= 2;
    }
    int rc = buf_reserve(&t->time, ncap, t->nrows, sizeof(double));
    if (rc == FS_OK)
        rc = buf_reserve(&t->seq, ncap, t->nrows, sizeof(int64_t));
    for (size_t c = 0; rc == FS_OK && c < t->ncols; c++) {
        struct fs_column *col = &t->cols[c];
        if (col->type != FS_COL_NONE)
            rc = buf_reserve(&col->buf, ncap, t->nrows, elem_size(col->type));
    }
    /* On failure the buffers grown so far simply have spare room. */
    if (rc == FS_OK)
        t->cap = ncap;
    return rc;
}

/* Add one value of column c to its aggregates (nulls are not counted). */
static inline void agg_value(struct fs_column *c, union fs_value v)
{
    if (is_null(c->type, v))
        return;
    switch (c->type) {
    case FS_COL_F64:
        agg_add(&c->agg, v.f64);
        break;
    case FS_COL_I64:
        agg_add(&c->agg, (double)v.i64);
        break;
    case FS_COL_BOOL:
        agg_add(&c->agg, (double)v.b);
        break;
    default:
        c->agg.count++;
    }
}

/* Fold the stored rows not yet in the aggregates into them, in row order. */
static void table_fold(struct fs_table *t)
{
    for (size_t i = t->agg_rows; i < t->nrows; i++) {
        for (size_t k = 0; k < t->ncols; k++) {
            struct fs_column *c = &t->cols[k];
            if (c->type != FS_COL_NONE && c->buf)
                agg_value(c, load_value(c->type, c->buf->data, i));
        }
        agg_add(&t->time_agg, ((const double *)t->time->data)[i]);
    }
    t->agg_rows = t->nrows;
}

int fs_table_end_row(struct fs_table *t)
{
    if (!t->in_row)
        return FS_EINVAL;
    if (t->keep) {
        int rc = table_reserve(t, t->nrows + 1);
        if (rc != FS_OK) {
            fs_table_abort_row(t);
            return rc;
        }
    }
    size_t i = t->nrows;
    uint64_t gen = t->row_gen;
    if (t->keep) {
        /* A stored row joins the aggregates lazily (table_fold, on the next
         * summary or when rows stop being stored): folding the stored values
         * in row order later gives bit for bit the aggregates of folding
         * them now, and logging a row stays a few stores. */
        for (size_t k = 0; k < t->ncols; k++) {
            struct fs_column *c = &t->cols[k];
            if (c->type == FS_COL_NONE)
                continue;
            int set = c->set_gen == gen && !is_null(c->type, c->pending);
            store_value(c->type, c->buf->data, i, set ? c->pending : null_value(c->type));
        }
        ((double *)t->time->data)[i] = t->row_time;
        ((int64_t *)t->seq->data)[i] = (int64_t)t->reg->next_seq;
        t->nrows++;
    }
    else {
        table_fold(t); /* stored rows first: aggregates follow row order */
        for (size_t k = 0; k < t->ncols; k++) {
            struct fs_column *c = &t->cols[k];
            if (c->type != FS_COL_NONE && c->set_gen == gen)
                agg_value(c, c->pending);
        }
        agg_add(&t->time_agg, t->row_time);
    }
    t->reg->next_seq++;
    t->count++;
    t->in_row = 0;
    return FS_OK;
}

int fs_table_flush(struct fs_table *t)
{
    size_t n = t->stage_n, w = t->stage_w, i0 = t->nrows;
    if (!n)
        return FS_OK;
    int rc = table_reserve(t, i0 + n);
    if (rc != FS_OK)
        return rc;
    const union fs_value *st = t->stage;
    for (size_t c = 0; c < w; c++) { /* a column at a time: one stream of stores */
        struct fs_column *col = &t->cols[c];
        if (col->type == FS_COL_NONE || !col->buf)
            continue;
        void *data = col->buf->data;
        switch (col->type) {
        case FS_COL_F64:
            for (size_t r = 0; r < n; r++)
                ((double *)data)[i0 + r] = st[r * w + c].f64;
            break;
        case FS_COL_I64:
            for (size_t r = 0; r < n; r++)
                ((int64_t *)data)[i0 + r] = st[r * w + c].i64;
            break;
        case FS_COL_STR:
            for (size_t r = 0; r < n; r++)
                ((int32_t *)data)[i0 + r] = st[r * w + c].str;
            break;
        default:
            for (size_t r = 0; r < n; r++)
                store_value(col->type, data, i0 + r, st[r * w + c]);
        }
    }
    memcpy((double *)t->time->data + i0, t->stage_time, n * sizeof(double));
    memcpy((int64_t *)t->seq->data + i0, t->stage_seq, n * sizeof(int64_t));
    t->nrows += n;
    t->stage_n = 0;
    return FS_OK;
}

int fs_table_log_row(struct fs_table *t, double time, const int *cols, const int *types, const union fs_value *vals,
                     size_t n)
{
    if (t->in_row || isnan(time) || t->ncols > 64 || n > t->ncols)
        return FS_EINVAL;
    size_t w = t->ncols;
    union fs_value *row = NULL;
    if (t->keep) { /* validated while staged: a bad row is simply not counted */
        if (t->stage_n && (t->stage_n == STAGE_ROWS || t->stage_w != w)) {
            int rc = fs_table_flush(t);
            if (rc != FS_OK)
                return rc;
        }
        if (!t->stage || t->stage_w != w) { /* empty now: (re)size it for rows of w values */
            union fs_value *st = realloc(t->stage, STAGE_ROWS * (w ? w : 1) * sizeof *st);
            if (!st)
                return FS_ENOMEM;
            t->stage = st;
            t->stage_w = w;
            if (!t->stage_time && !(t->stage_time = malloc(STAGE_ROWS * sizeof(double))))
                return FS_ENOMEM;
            if (!t->stage_seq && !(t->stage_seq = malloc(STAGE_ROWS * sizeof(int64_t))))
                return FS_ENOMEM;
        }
        row = &t->stage[t->stage_n * w];
        if (n != w) /* n distinct columns cover all w only if n == w */
            for (size_t k = 0; k < w; k++)
                row[k] = null_value(t->ctype[k]);
    }
    uint64_t set = 0;
    int32_t nstr = t->reg->strings.n;
    for (size_t k = 0; k < n; k++) {
        int c = cols[k];
        if (c < 0 || (size_t)c >= w || ((set >> c) & 1))
            return FS_EINVAL;
        int type = t->ctype[c];
        if (type != types[k] || type == FS_COL_NONE || type == FS_COL_OBJ ||
            (type == FS_COL_STR && (vals[k].str < FS_STR_NULL || vals[k].str >= nstr)))
            return FS_EINVAL;
        set |= UINT64_C(1) << c;
        if (row) { /* the nulls of bool, i64 and str are values of their own: only a NaN needs making canonical */
            row[c] = vals[k];
            if (type == FS_COL_F64 && isnan(vals[k].f64))
                row[c] = null_value(FS_COL_F64);
        }
    }
    if (row) {
        t->stage_time[t->stage_n] = time;
        t->stage_seq[t->stage_n] = (int64_t)t->reg->next_seq;
        t->stage_n++;
    }
    else {
        table_fold(t);
        for (size_t k = 0; k < n; k++)
            agg_value(&t->cols[cols[k]], vals[k]);
        agg_add(&t->time_agg, time);
    }
    t->reg->next_seq++;
    t->count++;
    return FS_OK;
}

void fs_table_abort_row(struct fs_table *t)
{
    if (!t->in_row)
        return;
    while (t->ncols > t->ncols_at_begin) {
        struct fs_column *c = &t->cols[--t->ncols];
        free(c->name);
        fs_buf_release(c->buf);
    }
    t->in_row = 0;
}

int fs_table_export(struct fs_table *t, int col, struct fs_export *out)
{
    struct fs_buf *b;
    int rc = fs_table_flush(t);
    if (rc != FS_OK)
        return rc;
    if (col == FS_COL_TIME) {
        b = t->time;
        out->type = FS_COL_F64;
    }
    else if (col == FS_COL_SEQ) {
        b = t->seq;
        out->type = FS_COL_I64;
    }
    else if (col >= 0 && (size_t)col < t->ncols) {
        b = t->cols[col].buf;
        out->type = t->cols[col].type;
    }
    else
        return FS_EINVAL;
    out->n = t->nrows;
    if (t->nrows == 0 || !b) {
        out->buf = NULL;
        out->data = NULL;
        return FS_OK;
    }
    fs_buf_retain(b);
    out->buf = b;
    out->data = b->data;
    return FS_OK;
}

int fs_table_summary(struct fs_table *t, int col, struct fs_summary *out)
{
    int rc = fs_table_flush(t);
    if (rc != FS_OK)
        return rc;
    table_fold(t);
    if (col == FS_COL_TIME)
        agg_summary(&t->time_agg, out);
    else if (col >= 0 && (size_t)col < t->ncols)
        agg_summary(&t->cols[col].agg, out);
    else
        return FS_EINVAL;
    return FS_OK;
}
