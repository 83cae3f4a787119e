/* metrics.c: faassim._core.Metrics, the columnar metrics of a simulation,
 * and its NumPy export.
 *
 * This is the only translation unit that includes NumPy headers. NumPy's C
 * API table is therefore this file's own (no PY_ARRAY_UNIQUE_SYMBOL, no
 * NO_IMPORT_ARRAY); it is filled by _import_array() in Metrics_setup, which
 * runs in the module's Py_mod_exec before any Metrics exists.
 *
 * Storage is the engine's (fs_metrics): one table per measurement, typed
 * columns created on first use. log() maps Python values to column types:
 *   None -> missing (the column's null); bool, numpy.bool_ -> BOOL;
 *   int, numpy integers -> I64; float, numpy floats -> F64; str -> STR;
 *   anything else -> OBJ (the object itself).
 * A column keeps one type, except that numeric columns widen (bool -> int ->
 * float) when a wider value arrives and store narrower values converted, and
 * that an OBJ column stores any value as an object. Any other mix (an int
 * column given a str, a str column given an object) raises TypeError naming
 * the measurement, the column and the value; log() is atomic, so a failing
 * call stores nothing. Ints that do not fit in int64 (and -2**63, the I64
 * null) are stored only in float or object columns (OverflowError else).
 *
 * Ownership:
 *   - OBJ values of stored rows are owned by self->objects (a list, visited
 *     by the GC); the engine's slots are borrowed pointers into it. Rows not
 *     stored (aggregates-only tables) keep no object.
 *   - to_numpy() wraps F64/I64 columns, the time and non-null BOOL columns
 *     without copying: the array's base is a capsule holding one reference
 *     to the engine's refcounted buffer (fs_buf). The engine writes only
 *     past the exported rows and, when it must grow or retype a shared
 *     buffer, moves to a new one; so an exported array never changes and
 *     outlives more logging, clear(), the Metrics and the Environment. The
 *     arrays are read-only (writing would alter the stored rows).
 *   - STR columns export as object arrays of str (one str object per
 *     distinct string, decoded once and cached in self->strs): pandas'
 *     usual representation, cheaper than fixed-width numpy unicode for the
 *     few distinct names (functions, nodes, images) metrics hold.
 */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include "metrics.h"
#include "environment.h"

#include <numpy/arrayobject.h>

#include <math.h>

struct MetricsObject {
    PyObject_HEAD faassim_state *st;
    uint64_t serial;        /* 1, 2, ... per module: what string ids cached elsewhere belong to */
    EnvironmentObject *env; /* strong ref; NULL until __init__ */
    struct fs_metrics reg;
    PyObject *tables;    /* dict: name (exact str) -> table id (int) */
    PyObject **colcache; /* per table id: dict column name -> column id, or NULL */
    size_t ncolcache;
    PyObject *objects; /* list owning the OBJ values of stored rows */
    PyObject **strs;   /* per string id: its str (strong), or NULL until needed */
    size_t nstrs;
    PyObject *weaklist;
};

/* Value kinds of log(): the column types, plus ints beyond int64. */
#define K_BIGINT FS_COL_NTYPES

static const char *kind_word(int k)
{
    static const char *const words[] = {"None", "bool", "int", "float", "str", "object", "int"};
    return (k >= 0 && k <= K_BIGINT) ? words[k] : "?";
}

static int is_numeric(int k)
{
    return k == FS_COL_BOOL || k == FS_COL_I64 || k == FS_COL_F64;
}

static int metrics_ready(MetricsObject *self)
{
    if (!self->env) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this Metrics object is not initialised: call Metrics.__init__(self, env) first");
        return -1;
    }
    return 0;
}

/* UTF-8 of a str. Lone surrogates are kept ("surrogatepass"), so that any
 * str round-trips; *tmp then owns the bytes (DECREF it). */
static const char *str_utf8(PyObject *s, Py_ssize_t *len, PyObject **tmp)
{
    *tmp = NULL;
    const char *p = PyUnicode_AsUTF8AndSize(s, len);
    if (p || !PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
        return p;
    PyErr_Clear();
    *tmp = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
    if (!*tmp)
        return NULL;
    *len = PyBytes_GET_SIZE(*tmp);
    return PyBytes_AS_STRING(*tmp);
}

static PyObject *decode_utf8(const char *s, size_t len)
{
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "surrogatepass");
}

/* An exact str equal to s (new reference): dict lookups with it run no
 * Python code, unlike a str subclass with its own __hash__/__eq__. */
static PyObject *exact_str(PyObject *s)
{
    return PyUnicode_CheckExact(s) ? Py_NewRef(s) : PyUnicode_FromObject(s);
}

/* ------------------------------------------------------------------ */
/* Ids                                                                  */

static int ensure_colcache(MetricsObject *self, int tid)
{
    if ((size_t)tid < self->ncolcache)
        return 0;
    size_t n = self->reg.ntables > (size_t)tid ? self->reg.ntables : (size_t)tid + 1;
    PyObject **cc = PyMem_Realloc(self->colcache, n * sizeof *cc);
    if (!cc) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = self->ncolcache; i < n; i++)
        cc[i] = NULL;
    self->colcache = cc;
    self->ncolcache = n;
    return 0;
}

/* Id of the table called `name` (an exact str). Missing: created when
 * create, else -2. -1 on error. */
static int table_id(MetricsObject *self, PyObject *name, int create)
{
    PyObject *v = PyDict_GetItemWithError(self->tables, name);
    if (v)
        return (int)PyLong_AsLong(v);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t len;
    PyObject *tmp;
    const char *s = str_utf8(name, &len, &tmp);
    if (!s)
        return -1;
    int rc = fs_metrics_table(&self->reg, s, (size_t)len, create);
    Py_XDECREF(tmp);
    if (rc == FS_EEMPTY)
        return -2;
    if (rc < 0)
        return fs_raise_status(rc, "Metrics: new measurement");
    if (ensure_colcache(self, rc) < 0)
        return -1;
    v = PyLong_FromLong(rc);
    if (!v || PyDict_SetItem(self->tables, name, v) < 0) {
        Py_XDECREF(v);
        return -1;
    }
    Py_DECREF(v);
    return rc;
}

/* Table for a name given by a user (any object): NULL with *tid = -2 when
 * unknown, NULL with *tid = -1 and an error set on bad input. */
static struct fs_table *user_table(MetricsObject *self, PyObject *name, const char *who, int create, int *tid)
{
    *tid = -1;
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "Metrics.%s(): the measurement name must be a str, not %.100s (%R)", who,
                     Py_TYPE(name)->tp_name, name);
        return NULL;
    }
    PyObject *key = exact_str(name);
    if (!key)
        return NULL;
    *tid = table_id(self, key, create);
    Py_DECREF(key);
    return *tid >= 0 ? fs_metrics_get(&self->reg, *tid) : NULL;
}

static PyObject *colcache_of(MetricsObject *self, int tid)
{
    if (ensure_colcache(self, tid) < 0)
        return NULL;
    if (!self->colcache[tid])
        self->colcache[tid] = PyDict_New();
    return self->colcache[tid];
}

/* Id of an existing column called `key` (exact str), or -2 if none; -1 on
 * error. */
static int find_column(MetricsObject *self, int tid, PyObject *key)
{
    PyObject *cache = colcache_of(self, tid);
    if (!cache)
        return -1;
    PyObject *v = PyDict_GetItemWithError(cache, key);
    if (v)
        return (int)PyLong_AsLong(v);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t len;
    PyObject *tmp;
    const char *s = str_utf8(key, &len, &tmp);
    if (!s)
        return -1;
    int col = fs_table_find_column(fs_metrics_get(&self->reg, tid), s, (size_t)len);
    Py_XDECREF(tmp);
    if (col < 0)
        return -2;
    v = PyLong_FromLong(col);
    if (!v || PyDict_SetItem(cache, key, v) < 0) {
        Py_XDECREF(v);
        return -1;
    }
    Py_DECREF(v);
    return col;
}

/* Create column `key` of type `type` (it does not exist). */
static int new_column(MetricsObject *self, int tid, PyObject *key, int type, unsigned flags)
{
    Py_ssize_t len;
    PyObject *tmp;
    const char *s = str_utf8(key, &len, &tmp);
    if (!s)
        return -1;
    int col = fs_table_column(fs_metrics_get(&self->reg, tid), s, (size_t)len, type, flags);
    Py_XDECREF(tmp);
    if (col < 0)
        return fs_raise_status(col, "Metrics: new column");
    PyObject *v = PyLong_FromLong(col);
    if (!v || PyDict_SetItem(self->colcache[tid], key, v) < 0) {
        Py_XDECREF(v);
        return -1;
    }
    Py_DECREF(v);
    return col;
}

/* Forget an open row; the columns it created disappear, so drop the cache. */
static void abort_row(MetricsObject *self, struct fs_table *t)
{
    size_t before = t->ncols;
    fs_table_abort_row(t);
    if (t->ncols != before && (size_t)t->id < self->ncolcache && self->colcache[t->id])
        PyDict_Clear(self->colcache[t->id]); /* str and int values only: runs no Python code */
}

static int intern_str(MetricsObject *self, PyObject *s)
{
    Py_ssize_t len;
    PyObject *tmp;
    const char *p = str_utf8(s, &len, &tmp);
    if (!p)
        return -1;
    int32_t id = fs_strpool_intern(&self->reg.strings, p, (size_t)len);
    Py_XDECREF(tmp);
    if (id < 0)
        return fs_raise_status(id, "Metrics: string pool");
    /* Remember the str itself: export then needs no decoding. */
    if ((size_t)id >= self->nstrs && PyUnicode_CheckExact(s)) {
        size_t n = self->nstrs ? self->nstrs : 16;
        while (n <= (size_t)id)
            n *= 2;
        PyObject **strs = PyMem_Realloc(self->strs, n * sizeof *strs);
        if (!strs)
            return id; /* the cache is optional */
        for (size_t i = self->nstrs; i < n; i++)
            strs[i] = NULL;
        self->strs = strs;
        self->nstrs = n;
    }
    if ((size_t)id < self->nstrs && !self->strs[id] && PyUnicode_CheckExact(s))
        self->strs[id] = Py_NewRef(s);
    return id;
}

/* The str of a pool id (new reference). */
static PyObject *pool_str(MetricsObject *self, int32_t id)
{
    if ((size_t)id < self->nstrs && self->strs[id])
        return Py_NewRef(self->strs[id]);
    size_t len;
    const char *s = fs_strpool_get(&self->reg.strings, id, &len);
    if (!s) {
        PyErr_Format(PyExc_SystemError, "Metrics: unknown string id %d", (int)id);
        return NULL;
    }
    PyObject *u = decode_utf8(s, len);
    if (u && (size_t)id < self->nstrs)
        self->strs[id] = Py_NewRef(u);
    return u;
}

/* ------------------------------------------------------------------ */
/* Storing one value                                                    */

/* Can a value of kind k go into a column of type ct?
 * 0: yes; -1: type mismatch; -2: int too large for the column. */
static int compatible(int ct, int k)
{
    if (k == FS_COL_NONE || ct == FS_COL_NONE || ct == FS_COL_OBJ)
        return k == K_BIGINT && ct == FS_COL_NONE ? -2 : 0;
    if (k == K_BIGINT)
        return ct == FS_COL_F64 ? 0 : (is_numeric(ct) ? -2 : -1);
    if (is_numeric(ct) && is_numeric(k))
        return 0;
    return ct == k ? 0 : -1;
}

static PyObject *column_name(struct fs_table *t, int col)
{
    return decode_utf8(t->cols[col].name, t->cols[col].name_len);
}

static int raise_incompatible(struct fs_table *t, int col, int ct, int k, int why, PyObject *obj)
{
    PyObject *mname = decode_utf8(t->name, t->name_len);
    PyObject *cname = column_name(t, col);
    if (mname && cname) {
        if (why == -2)
            PyErr_Format(PyExc_OverflowError,
                         "Metrics.log(): measurement %R, column %R: int %R does not fit in 64 bits (and -2**63 "
                         "is reserved as the missing value); log it as a float or a str",
                         mname, cname, obj);
        else if (obj)
            PyErr_Format(PyExc_TypeError,
                         "Metrics.log(): measurement %R, column %R holds %s values; cannot store the %.100s %.200R "
                         "(a column keeps one type: bool, int and float mix as the widest of them, None is "
                         "missing; log other values under another name)",
                         mname, cname, kind_word(ct), Py_TYPE(obj)->tp_name, obj);
        else
            PyErr_Format(PyExc_TypeError,
                         "Metrics: measurement %R, column %R holds %s values; cannot store %s values in it", mname,
                         cname, kind_word(ct), kind_word(k));
    }
    Py_XDECREF(mname);
    Py_XDECREF(cname);
    return -1;
}

/* Put a value of kind k into column col of the open row of t, widening the
 * column if needed. v holds the C value for BOOL/I64/F64; obj is the Python
 * value (borrowed; needed for STR, OBJ, K_BIGINT and messages, may be NULL
 * for C callers). */
static int store(MetricsObject *self, struct fs_table *t, int col, int k, union fs_value v, PyObject *obj)
{
    int ct = t->cols[col].type;
    int ok = compatible(ct, k);
    if (ok < 0)
        return raise_incompatible(t, col, ct, k, ok, obj);
    if (k == FS_COL_NONE)
        return fs_table_set_null(t, col) == FS_OK ? 0 : fs_raise_status(FS_EINVAL, "Metrics.log()");
    int rc;
    if (ct == FS_COL_NONE) {
        if ((rc = fs_table_promote(t, col, k)) != FS_OK)
            return fs_raise_status(rc, "Metrics.log()");
        ct = k;
    }
    if (ct == FS_COL_OBJ) {
        if (!obj) {
            PyErr_Format(PyExc_TypeError, "Metrics: an object column needs a Python object, got a %s", kind_word(k));
            return -1;
        }
        if (t->keep && (!self->objects || PyList_Append(self->objects, obj) < 0)) {
            if (!self->objects)
                PyErr_SetString(PyExc_RuntimeError, "Metrics: this object has been cleared by the garbage collector");
            return -1;
        }
        rc = fs_table_set_obj(t, col, obj);
    }
    else if (ct == FS_COL_STR) {
        int id = intern_str(self, obj);
        if (id < 0)
            return -1;
        rc = fs_table_set_str(t, col, id);
    }
    else {
        if (k == K_BIGINT) {               /* only into float columns (checked above) */
            v.f64 = PyFloat_AsDouble(obj); /* an int, or a NumPy integer (no Python code) */
            if (v.f64 == -1.0 && PyErr_Occurred())
                return -1;
            k = FS_COL_F64;
        }
        if (k > ct) {
            if ((rc = fs_table_promote(t, col, k)) != FS_OK)
                return fs_raise_status(rc, "Metrics.log()");
            ct = k;
        }
        if (ct == FS_COL_F64)
            rc = fs_table_set_f64(t, col, k == FS_COL_F64 ? v.f64 : k == FS_COL_I64 ? (double)v.i64 : (double)v.b);
        else if (ct == FS_COL_I64)
            rc = fs_table_set_i64(t, col, k == FS_COL_I64 ? v.i64 : (int64_t)v.b);
        else
            rc = fs_table_set_bool(t, col, v.b);
    }
    return rc == FS_OK ? 0 : fs_raise_status(rc, "Metrics.log()");
}

/* Kind and C value of a Python value; -1 on error. Runs no Python code for
 * the built-in and NumPy scalar types it recognises. */
static int classify(PyObject *o, union fs_value *v)
{
    if (o == Py_None)
        return FS_COL_NONE;
    if (PyBool_Check(o)) {
        v->b = o == Py_True;
        return FS_COL_BOOL;
    }
    if (PyFloat_Check(o)) {
        v->f64 = PyFloat_AS_DOUBLE(o);
        return FS_COL_F64;
    }
    if (PyUnicode_Check(o))
        return FS_COL_STR;
    PyObject *num = NULL;
    if (PyArray_IsScalar(o, Bool)) {
        v->b = PyObject_IsTrue(o) ? 1 : 0;
        return FS_COL_BOOL;
    }
    if (PyArray_IsScalar(o, Floating)) {
        v->f64 = PyFloat_AsDouble(o);
        if (v->f64 == -1.0 && PyErr_Occurred())
            return -1;
        return FS_COL_F64;
    }
    if (PyArray_IsScalar(o, Integer)) {
        num = PyNumber_Index(o);
        if (!num)
            return -1;
    }
    else if (PyLong_Check(o))
        num = Py_NewRef(o);
    else
        return FS_COL_OBJ;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(num, &overflow);
    Py_DECREF(num);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow || x == FS_I64_NULL)
        return K_BIGINT;
    v->i64 = x;
    return FS_COL_I64;
}

/* ------------------------------------------------------------------ */
/* log()                                                                */

struct item {
    PyObject *key;   /* exact str, strong */
    PyObject *value; /* borrowed */
    union fs_value v;
    int kind;
    int col; /* column id, or -2 while the column does not exist */
    unsigned flags;
};

#define N_INLINE_ITEMS 16

static int add_item(struct item *items, Py_ssize_t *n, PyObject *key, PyObject *value, unsigned flags, PyObject *mname)
{
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "Metrics.log(): measurement %R: field names must be str, not %.100s (%R)", mname,
                     Py_TYPE(key)->tp_name, key);
        return -1;
    }
    struct item *it = &items[*n];
    if (!(it->key = exact_str(key)))
        return -1;
    (*n)++;
    it->value = value;
    it->flags = flags;
    if (PyUnicode_GET_LENGTH(it->key) == 4 && PyUnicode_CompareWithASCIIString(it->key, "time") == 0) {
        PyErr_Format(PyExc_ValueError,
                     "Metrics.log(): measurement %R: 'time' is the timestamp column and cannot be a field; pass "
                     "time=... to set the timestamp",
                     mname);
        return -1;
    }
    it->kind = classify(value, &it->v);
    return it->kind < 0 ? -1 : 0;
}

/* Which argument a keyword names: 1 value, 2 time, 3 metric, 0 a tag.
 * Keyword names are usually interned, so identity decides most calls; the
 * length and first character rule out almost every other tag cheaply. */
static int kw_kind(faassim_state *st, PyObject *key)
{
    if (key == st->str_value)
        return 1;
    if (key == st->str_time)
        return 2;
    Py_ssize_t len = PyUnicode_GET_LENGTH(key);
    Py_UCS4 c = len ? PyUnicode_READ_CHAR(key, 0) : 0;
    if (len == 5 && c == 'v' && PyUnicode_CompareWithASCIIString(key, "value") == 0)
        return 1;
    if (len == 4 && c == 't' && PyUnicode_CompareWithASCIIString(key, "time") == 0)
        return 2;
    if (len == 6 && c == 'm' && PyUnicode_CompareWithASCIIString(key, "metric") == 0)
        return 3;
    return 0;
}

PyDoc_STRVAR(log_doc, "log(metric, value, time=None, **tags)\n--\n\n"
                      "Append a row to measurement *metric* at the current simulated time (or\n"
                      "at *time*, in simulated seconds). A dict *value* gives the fields;\n"
                      "anything else is the single field 'value'. *tags* are columns too.\n"
                      "None is a missing value; bool, int, float and str are stored in typed\n"
                      "columns, other objects as objects. A column keeps one type (bool, int\n"
                      "and float widen to the widest); a mismatch raises TypeError and stores\n"
                      "nothing.");

static PyObject *metrics_log(MetricsObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (metrics_ready(self) < 0)
        return NULL;
    faassim_state *st = self->st;
    PyObject *metric = NULL, *value = NULL, *time = NULL;
    if (nargs > 3) {
        PyErr_Format(PyExc_TypeError, "Metrics.log() takes at most 3 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (nargs > 0)
        metric = args[0];
    if (nargs > 1)
        value = args[1];
    if (nargs > 2)
        time = args[2];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t ntags = 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i), **slot = NULL;
        int kk = kw_kind(st, key);
        if (kk == 0) {
            ntags++;
            continue;
        }
        slot = kk == 1 ? &value : kk == 2 ? &time : &metric;
        if (*slot) {
            PyErr_Format(PyExc_TypeError, "Metrics.log() got multiple values for argument %R", key);
            return NULL;
        }
        *slot = args[nargs + i];
    }
    if (!metric || !value) {
        PyErr_Format(PyExc_TypeError, "Metrics.log() missing required argument '%s'", metric ? "value" : "metric");
        return NULL;
    }
    double t_row = self->env->sim.now;
    if (time && time != Py_None) {
        t_row = PyFloat_AsDouble(time);
        if (t_row == -1.0 && PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "Metrics.log(): time must be a number of seconds, not %.100s (%R)",
                         Py_TYPE(time)->tp_name, time);
            return NULL;
        }
        if (isnan(t_row)) {
            PyErr_SetString(PyExc_ValueError, "Metrics.log(): time is NaN");
            return NULL;
        }
    }
    int tid;
    struct fs_table *t = user_table(self, metric, "log", 1, &tid);
    if (!t)
        return NULL;

    /* Pass 1: collect and classify every value, check it against the
     * existing columns. Nothing is changed, so errors leave no trace. */
    Py_ssize_t nfields = PyDict_Check(value) ? PyDict_GET_SIZE(value) : 1;
    Py_ssize_t nitems = nfields + ntags, n = 0;
    struct item inline_items[N_INLINE_ITEMS], *items = inline_items;
    if (nitems > N_INLINE_ITEMS && !(items = PyMem_Malloc((size_t)nitems * sizeof *items)))
        return PyErr_NoMemory();
    PyObject *result = NULL;
    int rc = 0;
    if (PyDict_Check(value)) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (rc == 0 && PyDict_Next(value, &pos, &k, &v))
            rc = n < nitems ? add_item(items, &n, k, v, 0, metric) : -1;
    }
    else
        rc = add_item(items, &n, st->str_value, value, 0, metric);
    for (Py_ssize_t i = 0; rc == 0 && i < nkw && ntags; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        if (kw_kind(st, key) == 0)
            rc = add_item(items, &n, key, args[nargs + i], FS_COL_TAG, metric);
    }
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        int col = items[i].col = find_column(self, tid, items[i].key);
        if (col == -1)
            rc = -1;
        else if (col >= 0) {
            int ok = compatible(t->cols[col].type, items[i].kind);
            if (ok < 0)
                rc = raise_incompatible(t, col, t->cols[col].type, items[i].kind, ok, items[i].value);
        }
        else if (items[i].kind == K_BIGINT) {
            PyErr_Format(PyExc_OverflowError,
                         "Metrics.log(): measurement %R, column %R: int %R does not fit in 64 bits (and -2**63 is "
                         "reserved as the missing value); log it as a float or a str",
                         metric, items[i].key, items[i].value);
            rc = -1;
        }
    }
    if (rc < 0)
        goto done;

    /* Pass 2: one row. Errors left here (the same name given twice with
     * different types, no memory) abort the row. */
    rc = fs_table_begin_row(t, t_row);
    if (rc != FS_OK) {
        PyErr_Format(PyExc_RuntimeError, "Metrics.log(): measurement %R has a row open (a C caller did not end it)",
                     metric);
        goto done;
    }
    Py_ssize_t nobj = self->objects ? PyList_GET_SIZE(self->objects) : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        struct item *it = &items[i];
        /* Ids found in pass 1 stay valid (columns are only added here); a
         * missing column may have been created by an earlier item. */
        int col = it->col >= 0 ? it->col : find_column(self, tid, it->key);
        if (col == -2)
            col = new_column(self, tid, it->key, it->kind, it->flags);
        rc = col < 0 ? -1 : store(self, t, col, it->kind, it->v, it->value);
    }
    if (rc == 0 && (rc = fs_table_end_row(t)) != FS_OK)
        rc = fs_raise_status(rc, "Metrics.log()");
    if (rc < 0) {
        abort_row(self, t);
        /* The objects are still referenced by the caller: no finaliser runs. */
        if (self->objects)
            PyList_SetSlice(self->objects, nobj, PyList_GET_SIZE(self->objects), NULL);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    for (Py_ssize_t i = 0; i < n; i++)
        Py_DECREF(items[i].key);
    if (items != inline_items)
        PyMem_Free(items);
    return result;
}

/* ------------------------------------------------------------------ */
/* Export                                                               */

#define BUF_CAPSULE "faassim.metrics.buffer"

static void buf_capsule_free(PyObject *cap)
{
    fs_buf_release(PyCapsule_GetPointer(cap, BUF_CAPSULE));
}

/* A read-only 1-d array over e->data (n elements of typenum) owned by a
 * capsule that holds the buffer reference e->buf (stolen). */
static PyObject *wrap_buffer(struct fs_export *e, int typenum)
{
    npy_intp dims[1] = {(npy_intp)e->n};
    if (e->n == 0 || !e->buf) {
        fs_buf_release(e->buf);
        return PyArray_ZEROS(1, dims, typenum, 0);
    }
    PyObject *cap = PyCapsule_New(e->buf, BUF_CAPSULE, buf_capsule_free);
    if (!cap) {
        fs_buf_release(e->buf);
        return NULL;
    }
    PyObject *arr = PyArray_SimpleNewFromData(1, dims, typenum, (void *)e->data);
    if (!arr) {
        Py_DECREF(cap);
        return NULL;
    }
    if (PyArray_SetBaseObject((PyArrayObject *)arr, cap) < 0) { /* steals cap, even on failure */
        Py_DECREF(arr);
        return NULL;
    }
    PyArray_CLEARFLAGS((PyArrayObject *)arr, NPY_ARRAY_WRITEABLE);
    return arr;
}

/* The Python value of row i of an exported column (new reference). */
static PyObject *cell(MetricsObject *self, const struct fs_export *e, size_t i)
{
    switch (e->type) {
    case FS_COL_BOOL: {
        int8_t b = ((const int8_t *)e->data)[i];
        return Py_NewRef(b == FS_BOOL_NULL ? Py_None : b ? Py_True : Py_False);
    }
    case FS_COL_I64: {
        int64_t x = ((const int64_t *)e->data)[i];
        return x == FS_I64_NULL ? Py_NewRef(Py_None) : PyLong_FromLongLong(x);
    }
    case FS_COL_F64: {
        double x = ((const double *)e->data)[i];
        return isnan(x) ? Py_NewRef(Py_None) : PyFloat_FromDouble(x);
    }
    case FS_COL_STR: {
        int32_t id = ((const int32_t *)e->data)[i];
        return id == FS_STR_NULL ? Py_NewRef(Py_None) : pool_str(self, id);
    }
    case FS_COL_OBJ: {
        PyObject *o = ((PyObject *const *)e->data)[i];
        return Py_NewRef(o ? o : Py_None);
    }
    default:
        return Py_NewRef(Py_None);
    }
}

static PyObject *object_array(MetricsObject *self, struct fs_export *e)
{
    npy_intp dims[1] = {(npy_intp)e->n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_OBJECT);
    if (!arr)
        return NULL;
    PyObject **out = (PyObject **)PyArray_DATA((PyArrayObject *)arr);
    for (size_t i = 0; i < e->n; i++) {
        PyObject *v = e->data ? cell(self, e, i) : Py_NewRef(Py_None);
        if (!v) {
            Py_DECREF(arr);
            return NULL;
        }
        Py_XSETREF(out[i], v); /* a new object array holds NULLs (or Nones) */
    }
    return arr;
}

/* NumPy array of column col (or FS_COL_TIME) of t: see the note on top. */
static PyObject *column_array(MetricsObject *self, struct fs_table *t, int col)
{
    struct fs_export e;
    int rc = fs_table_export(t, col, &e);
    if (rc != FS_OK)
        return fs_raise_status(rc, "Metrics.to_numpy()"), NULL;
    if (e.type == FS_COL_F64)
        return wrap_buffer(&e, NPY_FLOAT64);
    if (e.type == FS_COL_I64)
        return wrap_buffer(&e, NPY_INT64);
    /* 0/1 bytes are valid numpy bools; with missing values (-1), a bool
     * column becomes an object array of True/False/None. */
    if (e.type == FS_COL_BOOL && (!e.data || !memchr(e.data, (unsigned char)FS_BOOL_NULL, e.n)))
        return wrap_buffer(&e, NPY_BOOL);
    PyObject *arr = object_array(self, &e);
    fs_buf_release(e.buf);
    return arr;
}

PyDoc_STRVAR(to_numpy_doc, "to_numpy(name)\n--\n\n"
                           "Return the stored rows of measurement *name* as a dict column name ->\n"
                           "1-d NumPy array: 'time' (float64, simulated seconds) first, then the\n"
                           "columns in the order they first appeared (fields, then tags).\n"
                           "float and int columns (and bool columns without missing values) are\n"
                           "read-only views of the stored data (no copy) that stay valid and\n"
                           "unchanged whatever is logged later; str, object and bool columns with\n"
                           "missing values are object arrays. Missing values: NaN (float),\n"
                           "-2**63 (int), None (others). An unknown name gives {'time': []}.");

static PyObject *metrics_to_numpy(MetricsObject *self, PyObject *name)
{
    int tid;
    struct fs_table *t = user_table(self, name, "to_numpy", 0, &tid);
    if (!t && tid == -1)
        return NULL;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    if (!t) {
        npy_intp dims[1] = {0};
        PyObject *arr = PyArray_SimpleNew(1, dims, NPY_FLOAT64);
        if (!arr || PyDict_SetItem(d, self->st->str_time, arr) < 0)
            Py_CLEAR(d);
        Py_XDECREF(arr);
        return d;
    }
    for (int col = FS_COL_TIME; col < (int)t->ncols; col++) {
        PyObject *key = col == FS_COL_TIME ? Py_NewRef(self->st->str_time) : column_name(t, col);
        PyObject *arr = key ? column_array(self, t, col) : NULL;
        int bad = !arr || PyDict_SetItem(d, key, arr) < 0;
        Py_XDECREF(key);
        Py_XDECREF(arr);
        if (bad) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

PyDoc_STRVAR(columns_doc, "_columns(name)\n--\n\n"
                          "[(column, type, is_tag), ...] of measurement *name* in column order; type\n"
                          "is one of 'none', 'bool', 'int', 'float', 'str', 'object'.");

static PyObject *metrics_columns(MetricsObject *self, PyObject *name)
{
    static const char *const types[] = {"none", "bool", "int", "float", "str", "object"};
    int tid;
    struct fs_table *t = user_table(self, name, "_columns", 0, &tid);
    if (!t)
        return tid == -1 ? NULL : PyList_New(0);
    PyObject *list = PyList_New((Py_ssize_t)t->ncols);
    for (size_t c = 0; list && c < t->ncols; c++) {
        PyObject *cname = column_name(t, (int)c);
        PyObject *tup = cname ? Py_BuildValue("(OsN)", cname, types[t->cols[c].type],
                                              PyBool_FromLong((t->cols[c].flags & FS_COL_TAG) != 0))
                              : NULL;
        Py_XDECREF(cname);
        if (!tup)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)c, tup);
    }
    return list;
}

/* ------------------------------------------------------------------ */
/* Other methods                                                        */

PyDoc_STRVAR(measurements_doc, "measurements()\n--\n\n"
                               "Names of the measurements that have rows logged, in order of creation.");

static PyObject *metrics_measurements(MetricsObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < self->reg.ntables; i++) {
        struct fs_table *t = self->reg.tables[i];
        if (t->count == 0)
            continue;
        PyObject *s = decode_utf8(t->name, t->name_len);
        if (!s || PyList_Append(list, s) < 0)
            Py_CLEAR(list);
        Py_XDECREF(s);
    }
    return list;
}

PyDoc_STRVAR(count_doc, "count(name)\n--\n\n"
                        "Number of rows logged to measurement *name* (stored or, in\n"
                        "aggregates-only mode, only counted); 0 for an unknown name.");

static PyObject *metrics_count(MetricsObject *self, PyObject *name)
{
    int tid;
    struct fs_table *t = user_table(self, name, "count", 0, &tid);
    if (!t && tid == -1)
        return NULL;
    return PyLong_FromUnsignedLongLong(t ? t->count : 0);
}

static PyObject *summary_dict(const struct fs_summary *s)
{
    return Py_BuildValue("{s:K,s:d,s:d,s:d,s:d,s:d}", "count", (unsigned long long)s->count, "sum", s->sum, "min",
                         s->min, "max", s->max, "mean", s->mean, "std", s->std);
}

PyDoc_STRVAR(summary_doc, "summary(name)\n--\n\n"
                          "Aggregates of measurement *name*: a dict column -> {'count', 'sum', 'min',\n"
                          "'max', 'mean', 'std'} for 'time' and every bool, int and float column,\n"
                          "over the non-missing values of every row logged (also in aggregates-only\n"
                          "mode). 'std' is the population standard deviation (numpy.std's\n"
                          "default, ddof=0); 'mean' is a running (Welford) mean. Empty: {}.");

static PyObject *metrics_summary(MetricsObject *self, PyObject *name)
{
    int tid;
    struct fs_table *t = user_table(self, name, "summary", 0, &tid);
    if (!t)
        return tid == -1 ? NULL : PyDict_New();
    PyObject *d = PyDict_New();
    for (int col = FS_COL_TIME; d && col < (int)t->ncols; col++) {
        if (col >= 0 && !is_numeric(t->cols[col].type))
            continue;
        struct fs_summary s;
        fs_table_summary(t, col, &s);
        PyObject *key = col == FS_COL_TIME ? Py_NewRef(self->st->str_time) : column_name(t, col);
        PyObject *v = key ? summary_dict(&s) : NULL;
        if (!v || PyDict_SetItem(d, key, v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(key);
        Py_XDECREF(v);
    }
    return d;
}

PyDoc_STRVAR(set_keep_records_doc, "set_keep_records(name, flag)\n--\n\n"
                                   "Store the rows of measurement *name* (flag true) or keep only its\n"
                                   "aggregates (count and summary(); memory stays flat). name=None applies\n"
                                   "to every measurement, existing and future. Rows stored earlier stay.");

static PyObject *metrics_set_keep_records(MetricsObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "Metrics.set_keep_records() takes 2 arguments (name, flag), %zd given", nargs);
        return NULL;
    }
    int flag = PyObject_IsTrue(args[1]);
    if (flag < 0)
        return NULL;
    int rc;
    if (args[0] == Py_None)
        rc = fs_metrics_set_keep_all(&self->reg, flag);
    else {
        int tid;
        struct fs_table *t = user_table(self, args[0], "set_keep_records", 1, &tid);
        if (!t)
            return NULL;
        rc = fs_table_set_keep(t, flag);
    }
    if (rc != FS_OK) {
        PyErr_SetString(PyExc_RuntimeError, "Metrics.set_keep_records(): a row is open (a C caller did not end it)");
        return NULL;
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(clear_doc, "clear()\n--\n\n"
                        "Drop every row and aggregate. Measurements and their columns (names,\n"
                        "types) are kept; arrays returned by to_numpy() stay valid.");

static PyObject *metrics_clear_method(MetricsObject *self, PyObject *Py_UNUSED(ignored))
{
    fs_metrics_clear(&self->reg);
    /* Clearing aborts rows a C caller left open, which drops the columns
     * they created: forget the cached ids (refilled on demand). */
    for (size_t i = 0; i < self->ncolcache; i++)
        if (self->colcache[i])
            PyDict_Clear(self->colcache[i]);
    /* The engine no longer points into the list: release the objects (their
     * finalisers may run Python code, which now sees a consistent state). */
    PyObject *fresh = PyList_New(0);
    if (!fresh)
        return NULL;
    PyObject *old = self->objects;
    self->objects = fresh;
    Py_XDECREF(old);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(records_doc, "_records()\n--\n\n"
                          "Every stored row as (measurement, time, fields, tags), in the order they\n"
                          "were logged (slow: builds Python objects for every value). Missing values\n"
                          "are left out of fields and tags.");

static PyObject *metrics_records(MetricsObject *self, PyObject *Py_UNUSED(ignored))
{
    size_t nt = self->reg.ntables, total = 0;
    struct cursor {
        struct fs_table *t;
        struct fs_export seq;
        size_t next;
        PyObject *name;
    } *cur = PyMem_Calloc(nt ? nt : 1, sizeof *cur);
    if (!cur)
        return PyErr_NoMemory();
    PyObject *list = NULL;
    for (size_t i = 0; i < nt; i++) {
        cur[i].t = self->reg.tables[i];
        fs_table_export(cur[i].t, FS_COL_SEQ, &cur[i].seq);
        total += cur[i].seq.n;
        if (!(cur[i].name = decode_utf8(cur[i].t->name, cur[i].t->name_len)))
            goto done;
    }
    if (!(list = PyList_New((Py_ssize_t)total)))
        goto done;
    /* Merge the tables by sequence number (each table's is increasing). */
    for (size_t r = 0; r < total; r++) {
        struct cursor *best = NULL;
        for (size_t i = 0; i < nt; i++)
            if (cur[i].next < cur[i].seq.n && (!best || ((const int64_t *)cur[i].seq.data)[cur[i].next] <
                                                            ((const int64_t *)best->seq.data)[best->next]))
                best = &cur[i];
        struct fs_table *t = best->t;
        size_t row = best->next++;
        PyObject *fields = PyDict_New(), *tags = PyDict_New(), *rec = NULL;
        int bad = !fields || !tags;
        for (size_t c = 0; !bad && c < t->ncols; c++) {
            struct fs_export e;
            fs_table_export(t, (int)c, &e);
            PyObject *v = e.data ? cell(self, &e, row) : Py_NewRef(Py_None);
            fs_buf_release(e.buf);
            if (!v) {
                bad = 1;
                break;
            }
            if (v != Py_None) {
                PyObject *cname = column_name(t, (int)c);
                bad = !cname || PyDict_SetItem(t->cols[c].flags & FS_COL_TAG ? tags : fields, cname, v) < 0;
                Py_XDECREF(cname);
            }
            Py_DECREF(v);
        }
        if (!bad) {
            struct fs_export te;
            fs_table_export(t, FS_COL_TIME, &te);
            rec = Py_BuildValue("(OdOO)", best->name, ((const double *)te.data)[row], fields, tags);
            fs_buf_release(te.buf);
        }
        Py_XDECREF(fields);
        Py_XDECREF(tags);
        if (!rec) {
            Py_CLEAR(list);
            goto done;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)r, rec);
    }
done:
    for (size_t i = 0; i < nt; i++) {
        fs_buf_release(cur[i].seq.buf);
        Py_XDECREF(cur[i].name);
    }
    PyMem_Free(cur);
    return list;
}

PyDoc_STRVAR(append_native_doc, "_append_native(name, n)\n--\n\n"
                                "Append *n* rows to measurement *name* through the C API, as built-in\n"
                                "platform code does (no Python object per row): fields 'value' = i * 0.5,\n"
                                "tags 'replica_id' = i % 7 and 'node' = 'node<i % 3>', all at env.now.\n"
                                "For tests and benchmarks.");

static PyObject *metrics_append_native(MetricsObject *self, PyObject *args)
{
    const char *name;
    long long n;
    if (!PyArg_ParseTuple(args, "sL:_append_native", &name, &n))
        return NULL;
    if (metrics_ready(self) < 0)
        return NULL;
    int tid = metrics_table(self, name);
    int cv = tid < 0 ? -1 : metrics_column(self, tid, "value", FS_COL_F64, 0);
    int cr = cv < 0 ? -1 : metrics_column(self, tid, "replica_id", FS_COL_I64, 1);
    int cn = cr < 0 ? -1 : metrics_column(self, tid, "node", FS_COL_STR, 1);
    if (cn < 0)
        return NULL;
    int nodes[3];
    for (int i = 0; i < 3; i++) {
        char buf[8] = {'n', 'o', 'd', 'e', (char)('0' + i), 0};
        if ((nodes[i] = metrics_intern(self, buf, 5)) < 0)
            return NULL;
    }
    for (long long i = 0; i < n; i++) {
        if (metrics_begin_row(self, tid) < 0 || metrics_set_f64(self, tid, cv, (double)i * 0.5) < 0 ||
            metrics_set_i64(self, tid, cr, i % 7) < 0 || metrics_set_str(self, tid, cn, nodes[i % 3]) < 0 ||
            metrics_end_row(self, tid) < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* C API (see metrics.h)                                                */

static struct fs_table *api_table(MetricsObject *m, int table)
{
    struct fs_table *t = fs_metrics_get(&m->reg, table);
    if (!t)
        PyErr_Format(PyExc_ValueError, "Metrics: no measurement with id %d", table);
    return t;
}

int metrics_table(MetricsObject *m, const char *name)
{
    PyObject *s = PyUnicode_FromString(name);
    if (!s)
        return -1;
    int tid = table_id(m, s, 1);
    Py_DECREF(s);
    return tid;
}

int metrics_column(MetricsObject *m, int table, const char *name, int type, int is_tag)
{
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    if (type <= FS_COL_NONE || type >= FS_COL_NTYPES) {
        PyErr_Format(PyExc_ValueError, "Metrics: invalid column type %d for column '%s'", type, name);
        return -1;
    }
    size_t len = strlen(name);
    int col = fs_table_find_column(t, name, len);
    if (col >= 0) {
        /* An existing column: widen it if needed, as log() would. */
        int ct = t->cols[col].type;
        if (ct == type || ct == FS_COL_OBJ || (is_numeric(ct) && is_numeric(type) && type < ct))
            return col;
        int rc =
            (ct == FS_COL_NONE || (is_numeric(ct) && is_numeric(type))) ? fs_table_promote(t, col, type) : FS_EINVAL;
        if (rc == FS_OK)
            return col;
        if (rc == FS_ENOMEM)
            return fs_raise_status(rc, "Metrics: column");
        return raise_incompatible(t, col, ct, type, -1, NULL);
    }
    col = fs_table_column(t, name, len, type, is_tag ? FS_COL_TAG : 0);
    return col >= 0 ? col : fs_raise_status(col, "Metrics: new column");
}

int metrics_intern(MetricsObject *m, const char *s, Py_ssize_t len)
{
    int32_t id = fs_strpool_intern(&m->reg.strings, s, (size_t)len);
    return id >= 0 ? id : fs_raise_status(id, "Metrics: string pool");
}

static void metrics_abort_row(MetricsObject *m, int table);

static int metrics_begin_row_at(MetricsObject *m, int table, double time)
{
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    if (fs_table_begin_row(t, time) != FS_OK) {
        PyErr_Format(PyExc_RuntimeError,
                     "Metrics: cannot open a row in measurement '%s' (a row is already open, or the time is NaN)",
                     t->name);
        return -1;
    }
    return 0;
}

int metrics_begin_row(MetricsObject *m, int table)
{
    if (metrics_ready(m) < 0)
        return -1;
    return metrics_begin_row_at(m, table, m->env->sim.now);
}

static int api_store(MetricsObject *m, int table, int col, int kind, union fs_value v, PyObject *obj)
{
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    if (!t->in_row || col < 0 || (size_t)col >= t->ncols) {
        PyErr_Format(PyExc_ValueError, "Metrics: measurement '%s': no open row or no column %d", t->name, col);
        return -1;
    }
    /* A C value for a column of objects (a user logged objects under this
     * name): box it. */
    PyObject *boxed = NULL;
    if (!obj && t->cols[col].type == FS_COL_OBJ) {
        boxed = kind == FS_COL_F64   ? PyFloat_FromDouble(v.f64)
                : kind == FS_COL_I64 ? PyLong_FromLongLong(v.i64)
                : kind == FS_COL_STR ? pool_str(m, v.str)
                                     : PyBool_FromLong(v.b);
        if (!boxed) {
            abort_row(m, t);
            return -1;
        }
        obj = boxed;
    }
    int rc = store(m, t, col, kind, v, obj);
    Py_XDECREF(boxed);
    if (rc < 0) {
        abort_row(m, t);
        return -1;
    }
    return 0;
}

int metrics_set_f64(MetricsObject *m, int table, int col, double v)
{
    union fs_value u = {.f64 = v};
    return api_store(m, table, col, FS_COL_F64, u, NULL);
}

int metrics_set_i64(MetricsObject *m, int table, int col, int64_t v)
{
    union fs_value u = {.i64 = v};
    return api_store(m, table, col, FS_COL_I64, u, NULL);
}

static int metrics_set_bool(MetricsObject *m, int table, int col, int v)
{
    union fs_value u = {.b = v ? 1 : 0};
    return api_store(m, table, col, FS_COL_BOOL, u, NULL);
}

int metrics_set_str(MetricsObject *m, int table, int col, int str_id)
{
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    if (col >= 0 && (size_t)col < t->ncols && t->in_row && t->cols[col].type != FS_COL_STR) {
        union fs_value u = {.str = str_id};
        if (t->cols[col].type == FS_COL_OBJ)
            return api_store(m, table, col, FS_COL_STR, u, NULL);
        if (t->cols[col].type == FS_COL_NONE && fs_table_promote(t, col, FS_COL_STR) != FS_OK) {
            abort_row(m, t);
            return fs_raise_status(FS_ENOMEM, "Metrics: column");
        }
    }
    int rc = fs_table_set_str(t, col, str_id);
    if (rc != FS_OK) {
        abort_row(m, t);
        PyErr_Format(PyExc_TypeError, "Metrics: measurement '%s': cannot set column %d to string id %d", t->name, col,
                     str_id);
        return -1;
    }
    return 0;
}

int metrics_end_row(MetricsObject *m, int table)
{
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    int rc = fs_table_end_row(t);
    if (rc != FS_OK) {
        abort_row(m, t);
        return fs_raise_status(rc, "Metrics: end of row");
    }
    return 0;
}

int metrics_log_row(MetricsObject *m, int table, const int *cols, const int *kinds, const union fs_value *vals, int n)
{
    if (metrics_ready(m) < 0)
        return -1;
    struct fs_table *t = api_table(m, table);
    if (!t)
        return -1;
    int rc = fs_table_log_row(t, m->env->sim.now, cols, kinds, vals, (size_t)n);
    if (rc == FS_EINVAL && !t->in_row) { /* columns still untyped (a first row) take the values' types */
        int promoted = 0;
        for (int k = 0; k < n; k++)
            if (cols[k] >= 0 && (size_t)cols[k] < t->ncols && t->cols[cols[k]].type == FS_COL_NONE &&
                kinds[k] != FS_COL_OBJ && fs_table_promote(t, cols[k], kinds[k]) == FS_OK)
                promoted = 1;
        if (promoted)
            rc = fs_table_log_row(t, m->env->sim.now, cols, kinds, vals, (size_t)n);
    }
    if (rc == FS_OK)
        return 0;
    if (rc == FS_ENOMEM)
        return fs_raise_status(rc, "Metrics: row");
    /* anything else (a widened or object column, a row open, ...): one value at a time, as log() */
    if (metrics_begin_row(m, table) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        int rc = kinds[k] == FS_COL_F64   ? metrics_set_f64(m, table, cols[k], vals[k].f64)
                 : kinds[k] == FS_COL_I64 ? metrics_set_i64(m, table, cols[k], vals[k].i64)
                 : kinds[k] == FS_COL_STR ? metrics_set_str(m, table, cols[k], vals[k].str)
                 : kinds[k] == FS_COL_BOOL
                     ? metrics_set_bool(m, table, cols[k], vals[k].b)
                     : (PyErr_Format(PyExc_TypeError, "metrics_log_row(): unsupported kind %d", kinds[k]), -1);
        if (rc < 0) {
            metrics_abort_row(m, table);
            return -1;
        }
    }
    return metrics_end_row(m, table);
}

static void metrics_abort_row(MetricsObject *m, int table)
{
    struct fs_table *t = fs_metrics_get(&m->reg, table);
    if (t)
        abort_row(m, t);
}

/* ------------------------------------------------------------------ */
/* Type                                                                 */

uint64_t metrics_serial(MetricsObject *m)
{
    return m->serial;
}

static PyObject *Metrics_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    MetricsObject *self = (MetricsObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    self->serial = ++st->metrics_made;
    fs_metrics_init(&self->reg, 1);
    self->tables = PyDict_New();
    self->objects = PyList_New(0);
    if (!self->tables || !self->objects) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int Metrics_init(MetricsObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "keep_records", NULL};
    PyObject *env;
    int keep = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|$p:Metrics", kwlist, &env, &keep))
        return -1;
    if (!Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "Metrics(): env must be a faassim.Environment, not %.100s (%R)",
                     Py_TYPE(env)->tp_name, env);
        return -1;
    }
    if (fs_metrics_set_keep_all(&self->reg, keep) != FS_OK) {
        PyErr_SetString(PyExc_RuntimeError, "Metrics.__init__(): a row is open");
        return -1;
    }
    if (!self->objects && !(self->objects = PyList_New(0)))
        return -1;
    Py_XSETREF(self->env, (EnvironmentObject *)Py_NewRef(env));
    return 0;
}

static int Metrics_traverse(MetricsObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->env);
    Py_VISIT(self->tables);
    Py_VISIT(self->objects);
    for (size_t i = 0; i < self->ncolcache; i++)
        Py_VISIT(self->colcache[i]);
    return 0;
}

static int Metrics_clear(MetricsObject *self)
{
    /* Rows first: the engine's object slots point into self->objects. */
    fs_metrics_clear(&self->reg);
    Py_CLEAR(self->env);
    Py_CLEAR(self->objects);
    return 0;
}

static void Metrics_dealloc(MetricsObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Metrics_clear(self);
    fs_metrics_free(&self->reg); /* exported buffers live on in their arrays */
    Py_CLEAR(self->tables);
    for (size_t i = 0; i < self->ncolcache; i++)
        Py_CLEAR(self->colcache[i]);
    PyMem_Free(self->colcache);
    for (size_t i = 0; i < self->nstrs; i++)
        Py_CLEAR(self->strs[i]);
    PyMem_Free(self->strs);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *metrics_get_env(MetricsObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *metrics_get_keep_records(MetricsObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->reg.keep_default);
}

static PyObject *metrics_get_nbytes(MetricsObject *self, void *c)
{
    (void)c;
    size_t total = self->reg.strings.bytes_cap;
    for (size_t i = 0; i < self->reg.ntables; i++) {
        struct fs_table *t = self->reg.tables[i];
        total += t->time ? t->time->cap * sizeof(double) : 0;
        total += t->seq ? t->seq->cap * sizeof(int64_t) : 0;
        for (size_t c2 = 0; c2 < t->ncols; c2++) {
            struct fs_buf *b = t->cols[c2].buf;
            static const size_t sizes[] = {0, 1, 8, 8, 4, sizeof(void *)};
            total += b ? b->cap * sizes[t->cols[c2].type] : 0;
        }
    }
    return PyLong_FromSize_t(total);
}

static PyMethodDef Metrics_methods[] = {
    {"log", (PyCFunction)(void (*)(void))metrics_log, METH_FASTCALL | METH_KEYWORDS, log_doc},
    {"to_numpy", (PyCFunction)metrics_to_numpy, METH_O, to_numpy_doc},
    {"measurements", (PyCFunction)metrics_measurements, METH_NOARGS, measurements_doc},
    {"count", (PyCFunction)metrics_count, METH_O, count_doc},
    {"summary", (PyCFunction)metrics_summary, METH_O, summary_doc},
    {"set_keep_records", (PyCFunction)(void (*)(void))metrics_set_keep_records, METH_FASTCALL, set_keep_records_doc},
    {"clear", (PyCFunction)metrics_clear_method, METH_NOARGS, clear_doc},
    {"_records", (PyCFunction)metrics_records, METH_NOARGS, records_doc},
    {"_columns", (PyCFunction)metrics_columns, METH_O, columns_doc},
    {"_append_native", (PyCFunction)metrics_append_native, METH_VARARGS, append_native_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Metrics_getset[] = {
    {"env", (getter)metrics_get_env, NULL, "The Environment whose clock timestamps the rows.", NULL},
    {"keep_records", (getter)metrics_get_keep_records, NULL,
     "Whether measurements created from now on store their rows (see set_keep_records).", NULL},
    {"_nbytes", (getter)metrics_get_nbytes, NULL, "Bytes of column buffers and strings held (not objects).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Metrics_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MetricsObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Metrics_doc, "Metrics(env, *, keep_records=True)\n--\n\n"
                          "Columnar storage of a simulation's measurements (the C core of\n"
                          "faassim.Metrics). Rows are logged with log() at env.now and read back\n"
                          "as NumPy arrays (to_numpy) or aggregates (summary). With\n"
                          "keep_records=False, measurements keep aggregates only.");

static PyType_Slot Metrics_slots[] = {
    {Py_tp_new, Metrics_new},         {Py_tp_init, Metrics_init},
    {Py_tp_dealloc, Metrics_dealloc}, {Py_tp_traverse, Metrics_traverse},
    {Py_tp_clear, Metrics_clear},     {Py_tp_methods, Metrics_methods},
    {Py_tp_getset, Metrics_getset},   {Py_tp_members, Metrics_members},
    {Py_tp_doc, (void *)Metrics_doc}, {0, NULL},
};

static PyType_Spec Metrics_spec = {
    .name = "faassim._core.Metrics",
    .basicsize = sizeof(MetricsObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Metrics_slots,
};

int Metrics_setup(PyObject *m, faassim_state *st)
{
    if (_import_array() < 0)
        return -1;
    st->Metrics_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Metrics_spec, NULL);
    if (!st->Metrics_type)
        return -1;
    return PyModule_AddType(m, st->Metrics_type);
}
