/* power.c: LinearPowerModel (faassim.LinearPowerModel), a linear power model
 * with scikit-learn's estimator contract, over the engine's struct
 * fs_linmodel (fs_power.h).
 *
 * Design note
 * -----------
 * A LinearPowerModel holds a struct fs_linmodel by value (at most
 * FS_LINMODEL_MAX_FEATURES coefficients and an intercept; nfeat == 0 means
 * "not fitted"), the names of its input columns (a tuple of exact str, as
 * many as coefficients) and a flag telling whether those names were given or
 * follow the coefficient count: ('cpu', 'gpu', 'blkio', 'net', 'ram') for 5
 * coefficients (the resource order of faas-sim's characterizations and
 * power-prediction models), ('x0', 'x1', ...) otherwise. fit() then adapts
 * the names to the width of X, while given names must match it.
 *
 * Arrays: this file does not use NumPy's C API (metrics.c is the single
 * NumPy translation unit). Inputs are converted by calling
 * numpy.asarray(obj, numpy.float64, "C") and read through the buffer
 * protocol; outputs are numpy.empty(n) arrays filled through a writable
 * buffer. The NumPy callables live in the module state (power_np).
 *
 * Validation follows scikit-learn's check_array (and its messages): X must
 * be 2-D with at least one sample and one feature, no NaN or infinity, and
 * as many columns as the model has coefficients; y 1-D (or one column) of
 * the same length. predict evaluates every row with
 * fs_linmodel_predict_batch, which runs the single-row code, so a batch is
 * bit for bit the rows predicted one at a time (and the C API below).
 *
 * power_model_predict_c predicts one row without any
 * Python call when the model is a LinearPowerModel whose predict is not
 * overridden (looked up on every call: the type's method cache makes this
 * cheap, and a later monkey-patch is seen). */
#include "power.h"
#include "fs_power.h"

#include <math.h>
#include <string.h>

struct PowerModelObject {
    PyObject_HEAD faassim_state *st;
    struct fs_linmodel m;  /* m.nfeat == 0: not fitted */
    PyObject *features;    /* tuple of exact str (strong, never NULL after tp_new) */
    uint8_t auto_features; /* features were not given: they follow the number of coefficients */
    uint64_t version;      /* counts the changes of m (power_model_linear) */
    PyObject *dict;
    PyObject *weaklist;
};

typedef struct PowerModelObject PM;

/* st->power_np: (numpy.asarray, numpy.empty, numpy.float64, "C") */
enum { NP_ASARRAY = 0, NP_EMPTY, NP_FLOAT64, NP_ORDER_C, NP_N };

#define MAXF FS_LINMODEL_MAX_FEATURES
/* predict releases the GIL from this many rows on */
#define PREDICT_NOGIL_ROWS 65536

static const char *const default_names[5] = {"cpu", "gpu", "blkio", "net", "ram"};

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static const char *pm_name(PyObject *self)
{
    return _PyType_Name(Py_TYPE(self));
}

/* The default feature names for p coefficients (p == 0: the five resource
 * names an unfitted model shows). New reference. */
static PyObject *default_features(size_t p)
{
    if (p == 0 || p == 5)
        return Py_BuildValue("(sssss)", default_names[0], default_names[1], default_names[2], default_names[3],
                             default_names[4]);
    PyObject *t = PyTuple_New((Py_ssize_t)p);
    for (size_t j = 0; t && j < p; j++) {
        PyObject *s = PyUnicode_FromFormat("x%zu", j);
        if (!s) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)j, s);
    }
    return t;
}

/* Feature names from an iterable of str: a tuple of exact, distinct str.
 * New reference, or NULL with TypeError/ValueError. */
static PyObject *parse_features(PyObject *obj, const char *who)
{
    if (PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s: features must be a sequence of str, not a single str (%R)", who, obj);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(obj, "features must be a sequence of str");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(o)) {
            PyErr_Format(PyExc_TypeError, "%s: features[%zd] must be a str, not %.100s (%R)", who, i,
                         Py_TYPE(o)->tp_name, o);
            Py_CLEAR(t);
            break;
        }
        PyObject *s = PyUnicode_CheckExact(o) ? Py_NewRef(o) : PyUnicode_FromObject(o);
        if (!s) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, s);
        for (Py_ssize_t k = 0; k < i; k++) {
            int eq = PyUnicode_Compare(PyTuple_GET_ITEM(t, k), s) == 0;
            if (eq) {
                PyErr_Format(PyExc_ValueError, "%s: duplicate feature name %R in features", who, s);
                Py_CLEAR(t);
                break;
            }
        }
    }
    Py_DECREF(seq);
    return t;
}

/* A real number (int, float, numpy scalar): 0, or -1 with TypeError. */
static int parse_real(PyObject *o, double *out, const char *who, const char *pname)
{
    double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: %s must be a real number, not %.100s (%R)", who, pname,
                         Py_TYPE(o)->tp_name, o);
        }
        return -1;
    }
    *out = d;
    return 0;
}

/* An array converted to float64 and exported as a C-contiguous buffer. */
struct f64in {
    PyObject *arr;
    Py_buffer v;
    int has_view;
};

static void f64in_release(struct f64in *a)
{
    if (a->has_view)
        PyBuffer_Release(&a->v);
    a->has_view = 0;
    Py_CLEAR(a->arr);
}

static int f64_view(PyObject *arr, Py_buffer *v, int flags)
{
    if (PyObject_GetBuffer(arr, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | flags) < 0)
        return -1;
    if (v->itemsize != (Py_ssize_t)sizeof(double) || !v->format || strcmp(v->format, "d") != 0) {
        PyErr_Format(PyExc_RuntimeError, "expected a float64 buffer, got format %s", v->format ? v->format : "?");
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

/* numpy.asarray(obj, numpy.float64, "C") and its buffer. */
static int load_f64(faassim_state *st, PyObject *obj, struct f64in *in)
{
    /* numpy.asarray(complex array, float64) only warns and drops the
     * imaginary parts: refuse complex (and other non-real) dtypes first */
    PyObject *dtype = PyObject_GetAttrString(obj, "dtype");
    if (!dtype) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
    }
    if (dtype) {
        PyObject *kind = PyObject_GetAttrString(dtype, "kind");
        int real = kind && PyUnicode_Check(kind) && PyUnicode_GetLength(kind) == 1 &&
                   strchr("biufO", (int)PyUnicode_READ_CHAR(kind, 0)) != NULL;
        if (kind && !real && !PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "expected an array of real numbers, got dtype %R", dtype);
        Py_XDECREF(kind);
        Py_DECREF(dtype);
        if (!real)
            return -1;
    }
    PyObject *np = st->power_np;
    PyObject *args[3] = {obj, PyTuple_GET_ITEM(np, NP_FLOAT64), PyTuple_GET_ITEM(np, NP_ORDER_C)};
    in->arr = PyObject_Vectorcall(PyTuple_GET_ITEM(np, NP_ASARRAY), args, 3, NULL);
    if (!in->arr)
        return -1;
    if (f64_view(in->arr, &in->v, 0) < 0)
        return -1;
    in->has_view = 1;
    return 0;
}

/* A new float64 array of n elements (numpy.empty) and its writable buffer. */
static PyObject *new_f64(faassim_state *st, Py_ssize_t n, Py_buffer *v)
{
    PyObject *len = PyLong_FromSsize_t(n);
    if (!len)
        return NULL;
    PyObject *np = st->power_np;
    PyObject *args[2] = {len, PyTuple_GET_ITEM(np, NP_FLOAT64)};
    PyObject *arr = PyObject_Vectorcall(PyTuple_GET_ITEM(np, NP_EMPTY), args, 2, NULL);
    Py_DECREF(len);
    if (!arr)
        return NULL;
    if (f64_view(arr, v, PyBUF_WRITABLE) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* scikit-learn's message for NaN or infinity; -1 if found (error set). */
static int check_finite(const double *v, Py_ssize_t n, const char *name)
{
    int inf = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            PyErr_Format(PyExc_ValueError, "Input %s contains NaN.", name);
            return -1;
        }
        if (isinf(v[i]))
            inf = 1;
    }
    if (inf) {
        PyErr_Format(PyExc_ValueError, "Input %s contains infinity or a value too large for dtype('float64').", name);
        return -1;
    }
    return 0;
}

/* X as scikit-learn's check_array wants it: 2-D, n >= 1 rows, p >= 1
 * columns, finite. */
static int load_X(PM *self, PyObject *obj, struct f64in *in, Py_ssize_t *n, Py_ssize_t *p)
{
    if (load_f64(self->st, obj, in) < 0)
        return -1;
    int nd = in->v.ndim;
    if (nd < 2) {
        PyErr_Format(PyExc_ValueError,
                     "Expected 2D array, got %s array instead:\narray=%S.\n"
                     "Reshape your data either using array.reshape(-1, 1) if your data has a single feature or "
                     "array.reshape(1, -1) if it contains a single sample.",
                     nd == 0 ? "scalar" : "1D", in->arr);
        return -1;
    }
    if (nd > 2) {
        PyErr_Format(PyExc_ValueError, "Found array with dim %d. %s expected <= 2.", nd, pm_name((PyObject *)self));
        return -1;
    }
    *n = in->v.shape[0];
    *p = in->v.shape[1];
    if (*n < 1 || *p < 1) {
        PyErr_Format(PyExc_ValueError,
                     "Found array with 0 %s (shape=(%zd, %zd)) while a minimum of 1 is required by %s.",
                     *n < 1 ? "sample(s)" : "feature(s)", *n, *p, pm_name((PyObject *)self));
        return -1;
    }
    return check_finite((const double *)in->v.buf, *n * *p, "X");
}

/* y: 1-D (or a single column) of n finite values. */
static int load_y(PM *self, PyObject *obj, Py_ssize_t n, struct f64in *in)
{
    if (load_f64(self->st, obj, in) < 0)
        return -1;
    int nd = in->v.ndim;
    if (nd == 0 || nd > 2 || (nd == 2 && in->v.shape[1] != 1)) {
        PyObject *shape = PyObject_GetAttrString(in->arr, "shape");
        if (shape) {
            PyErr_Format(PyExc_ValueError, "y should be a 1d array, got an array of shape %R instead.", shape);
            Py_DECREF(shape);
        }
        return -1;
    }
    if (in->v.shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "Found input variables with inconsistent numbers of samples: [%zd, %zd]", n,
                     in->v.shape[0]);
        return -1;
    }
    return check_finite((const double *)in->v.buf, n, "y");
}

static int check_fitted(PM *self)
{
    if (self->m.nfeat == 0) {
        const char *name = pm_name((PyObject *)self);
        PyErr_Format(PyExc_ValueError,
                     "This %s instance is not fitted yet. Call 'fit' with appropriate arguments before using this "
                     "estimator (or give the coefficients: %s(coef, intercept)).",
                     name, name);
        return -1;
    }
    return 0;
}

static int check_nfeat(PM *self, Py_ssize_t p)
{
    if ((size_t)p != self->m.nfeat) {
        PyErr_Format(PyExc_ValueError, "X has %zd features, but %s is expecting %zu features as input.", p,
                     pm_name((PyObject *)self), self->m.nfeat);
        return -1;
    }
    return 0;
}

static int no_attr(PM *self, const char *attr)
{
    PyErr_Format(PyExc_AttributeError, "'%s' object has no attribute '%s' (the model is not fitted yet)",
                 pm_name((PyObject *)self), attr);
    return -1;
}

/* Coefficients from any 1-D array-like: 1 .. MAXF finite values. */
static int parse_coef(PM *self, PyObject *obj, double *coef, size_t *p, const char *who)
{
    struct f64in in = {0};
    int rc = -1;
    if (load_f64(self->st, obj, &in) < 0)
        goto done;
    if (in.v.ndim != 1) {
        PyObject *shape = PyObject_GetAttrString(in.arr, "shape");
        if (shape) {
            PyErr_Format(PyExc_ValueError, "%s: coef must be 1-D (one coefficient per feature), got shape %R", who,
                         shape);
            Py_DECREF(shape);
        }
        goto done;
    }
    Py_ssize_t n = in.v.shape[0];
    if (n < 1 || n > MAXF) {
        PyErr_Format(PyExc_ValueError, "%s: coef must have 1 to %d coefficients, got %zd", who, MAXF, n);
        goto done;
    }
    const double *v = (const double *)in.v.buf;
    for (Py_ssize_t j = 0; j < n; j++) {
        if (!isfinite(v[j])) {
            PyErr_Format(PyExc_ValueError, "%s: coef must be finite, got %R", who, in.arr);
            goto done;
        }
        coef[j] = v[j];
    }
    *p = (size_t)n;
    rc = 0;
done:
    f64in_release(&in);
    return rc;
}

/* Install coefficients, intercept and names (features: a parsed tuple,
 * borrowed, or NULL to keep the given names / default ones). */
static int pm_set(PM *self, const double *coef, size_t p, double intercept, PyObject *features, const char *who)
{
    PyObject *names;
    int autof = self->auto_features;
    if (features) {
        names = Py_NewRef(features);
        autof = 0;
    }
    else if (autof) {
        names = default_features(p);
        if (!names)
            return -1;
    }
    else
        names = Py_NewRef(self->features);
    if (p && (size_t)PyTuple_GET_SIZE(names) != p) {
        PyErr_Format(PyExc_ValueError, "%s: %zu coefficients but %zd feature names %R", who, p, PyTuple_GET_SIZE(names),
                     names);
        Py_DECREF(names);
        return -1;
    }
    struct fs_linmodel m;
    if (fs_linmodel_init(&m, coef, p, p ? intercept : 0.0) != FS_OK) {
        PyErr_Format(PyExc_ValueError, "%s: invalid coefficients", who);
        Py_DECREF(names);
        return -1;
    }
    self->m = m;
    self->version++;
    self->auto_features = (uint8_t)autof;
    Py_SETREF(self->features, names);
    return 0;
}

/* ------------------------------------------------------------------ */
/* C API                                                                */

/* 1 if model's class (or the instance) overrides predict, 0 if not. */
static int predict_overridden(faassim_state *st, PyObject *model)
{
    PyTypeObject *tp = Py_TYPE(model);
    if (tp != st->LinearPowerModel_type &&
        _PyType_Lookup(tp, st->str_predict) != _PyType_Lookup(st->LinearPowerModel_type, st->str_predict))
        return 1;
    PM *pm = (PM *)model;
    if (pm->dict) {
        PyObject *inst = PyDict_GetItemWithError(pm->dict, st->str_predict);
        if (inst)
            return 1;
        if (PyErr_Occurred())
            return -1;
    }
    return 0;
}

/* Predict one row x[0 .. nfeat) of a model. Returns 1 if model is a
 * LinearPowerModel (or a subclass) whose predict is not overridden: *out is
 * set, bit for bit what model.predict([x])[0] returns, and no Python code
 * ran. Returns 0 if not (any other object, or predict overridden): the
 * caller must call model.predict from Python. Returns -1 with ValueError for
 * a model that is not fitted, nfeat != model.n_features_in_, or NaN/inf in
 * x. */
static int power_model_predict_c(faassim_state *st, PyObject *model, const double *x, int nfeat, double *out)
{
    if (!LinearPowerModel_Check(st, model))
        return 0;
    int o = predict_overridden(st, model);
    if (o != 0)
        return o < 0 ? -1 : 0;
    PM *pm = (PM *)model;
    if (check_fitted(pm) < 0)
        return -1;
    if (nfeat < 0 || check_nfeat(pm, nfeat) < 0) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "power_model_predict_c: nfeat=%d", nfeat);
        return -1;
    }
    if (check_finite(x, nfeat, "X") < 0)
        return -1;
    *out = fs_linmodel_predict(&pm->m, x, (size_t)nfeat);
    return 1;
}

int power_model_linear(faassim_state *st, PyObject *model, const struct fs_linmodel **out, uint64_t *version,
                       PyObject **features)
{
    if (!LinearPowerModel_Check(st, model))
        return 0;
    int o = predict_overridden(st, model);
    if (o != 0)
        return o < 0 ? -1 : 0;
    PM *pm = (PM *)model;
    if (check_fitted(pm) < 0)
        return -1;
    *out = &pm->m;
    *version = pm->version;
    *features = pm->features;
    return 1;
}

PyObject *power_model_features(faassim_state *st, PyObject *model)
{
    return LinearPowerModel_Check(st, model) ? ((PM *)model)->features : NULL;
}

PyObject *power_np_rows(faassim_state *st, const double *x, int nrows, int ncols)
{
    Py_buffer v;
    PyObject *flat = new_f64(st, (Py_ssize_t)nrows * ncols, &v);
    if (!flat)
        return NULL;
    memcpy(v.buf, x, (size_t)nrows * (size_t)ncols * sizeof(double));
    PyBuffer_Release(&v);
    PyObject *r = PyObject_CallMethod(flat, "reshape", "ii", nrows, ncols);
    Py_DECREF(flat);
    return r;
}

/* ------------------------------------------------------------------ */
/* Type                                                                 */

static PyObject *PM_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    PM *self = (PM *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    (void)fs_linmodel_init(&self->m, NULL, 0, 0.0);
    self->auto_features = 1;
    self->features = default_features(0);
    if (!self->features) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int PM_init(PM *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"coef", "intercept", "features", NULL};
    PyObject *coef_obj = Py_None, *icpt_obj = NULL, *feat_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:LinearPowerModel", kwlist, &coef_obj, &icpt_obj, &feat_obj))
        return -1;
    const char *who = pm_name((PyObject *)self);
    double coef[MAXF], intercept = 0.0;
    size_t p = 0;
    if (icpt_obj && parse_real(icpt_obj, &intercept, who, "intercept") < 0)
        return -1;
    if (!isfinite(intercept)) {
        PyErr_Format(PyExc_ValueError, "%s: intercept must be finite, got %R", who, icpt_obj);
        return -1;
    }
    if (coef_obj != Py_None) {
        if (parse_coef(self, coef_obj, coef, &p, who) < 0)
            return -1;
    }
    else if (intercept != 0.0) {
        PyErr_Format(PyExc_TypeError, "%s: intercept=%R given without coef", who, icpt_obj);
        return -1;
    }
    PyObject *features = NULL;
    if (feat_obj != Py_None) {
        features = parse_features(feat_obj, who);
        if (!features)
            return -1;
    }
    self->auto_features = features == NULL;
    int rc = pm_set(self, coef, p, intercept, features, who);
    Py_XDECREF(features);
    return rc;
}

static int PM_traverse(PM *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    return 0;
}

static int PM_clear(PM *self)
{
    Py_CLEAR(self->dict);
    return 0;
}

static void PM_dealloc(PM *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    PM_clear(self);
    Py_CLEAR(self->features);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ------------------------------------------------------------------ */
/* Methods                                                              */

PyDoc_STRVAR(predict_doc, "predict(X)\n--\n\n"
                          "Predict power (W) for each row of X, a 2-D array-like of shape\n"
                          "(n_samples, n_features_in_), columns in the order of `features`. Returns a\n"
                          "1-D float64 NumPy array of n_samples values: intercept + sum of\n"
                          "coef[j] * x[j] (products summed left to right, the intercept added last),\n"
                          "bit for bit the same as predicting the rows one at a time. As in\n"
                          "scikit-learn, a 1-D X, NaN or infinity, or the wrong number of columns\n"
                          "raise ValueError.\n\n"
                          "    >>> m = LinearPowerModel([2.0, 4.0], intercept=1.0)\n"
                          "    >>> m.predict([[0.5, 0.25], [0.0, 0.0]])\n"
                          "    array([3., 1.])");

static PyObject *pm_predict(PM *self, PyObject *X)
{
    if (check_fitted(self) < 0)
        return NULL;
    struct f64in in = {0};
    Py_ssize_t n, p;
    PyObject *out = NULL;
    if (load_X(self, X, &in, &n, &p) < 0 || check_nfeat(self, p) < 0)
        goto done;
    Py_buffer ov;
    out = new_f64(self->st, n, &ov);
    if (!out)
        goto done;
    struct fs_linmodel m = self->m; /* a copy: fit() may run in another thread while the GIL is released */
    int rc;
    const double *xb = (const double *)in.v.buf;
    double *ob = (double *)ov.buf;
    if (n >= PREDICT_NOGIL_ROWS) {
        PyThreadState *ts = PyEval_SaveThread();
        rc = fs_linmodel_predict_batch(&m, xb, (size_t)n, (size_t)p, (size_t)p, ob);
        PyEval_RestoreThread(ts);
    }
    else
        rc = fs_linmodel_predict_batch(&m, xb, (size_t)n, (size_t)p, (size_t)p, ob);
    PyBuffer_Release(&ov);
    if (rc != FS_OK) {
        Py_CLEAR(out);
        fs_raise_status(rc, "LinearPowerModel.predict()");
    }
done:
    f64in_release(&in);
    return out;
}

PyDoc_STRVAR(predict_one_doc, "predict_one(x)\n--\n\n"
                              "Predict power (W) for a single sample x, a sequence of n_features_in_\n"
                              "numbers: float(predict([x])[0]), without NumPy when predict is not\n"
                              "overridden (then the same C path the platform uses).\n\n"
                              "    >>> LinearPowerModel([2.0, 4.0], intercept=1.0).predict_one([0.5, 0.25])\n"
                              "    3.0");

static PyObject *pm_predict_one(PM *self, PyObject *x)
{
    faassim_state *st = self->st;
    int o = predict_overridden(st, (PyObject *)self);
    if (o < 0)
        return NULL;
    if (o) {
        PyObject *list = PyList_New(1);
        if (!list)
            return NULL;
        PyList_SET_ITEM(list, 0, Py_NewRef(x));
        PyObject *res = PyObject_CallMethodOneArg((PyObject *)self, st->str_predict, list);
        Py_DECREF(list);
        if (!res)
            return NULL;
        PyObject *first = PySequence_GetItem(res, 0);
        Py_DECREF(res);
        if (!first)
            return NULL;
        PyObject *f = PyNumber_Float(first);
        Py_DECREF(first);
        return f;
    }
    if (check_fitted(self) < 0)
        return NULL;
    if (!PySequence_Check(x) || PyUnicode_Check(x) || PyBytes_Check(x)) {
        PyErr_Format(PyExc_TypeError,
                     "predict_one(): x must be a sequence of numbers (list, tuple or 1-D array), not %.100s",
                     Py_TYPE(x)->tp_name);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(x, "predict_one(): x must be a sequence of numbers");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    double buf[MAXF], out = 0.0;
    if (check_nfeat(self, n) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        if (parse_real(PySequence_Fast_GET_ITEM(seq, j), &buf[j], "predict_one()", "x[j]") < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    int rc = power_model_predict_c(st, (PyObject *)self, buf, (int)n, &out);
    if (rc < 0)
        return NULL;
    return PyFloat_FromDouble(out);
}

static const char *const method_names[] = {"ols", "ridge", "nnls"};

PyDoc_STRVAR(fit_doc, "fit(X, y, *, method='ols', alpha=0.0, fit_intercept=True)\n--\n\n"
                      "Fit the coefficients by least squares (in C: Householder QR with column\n"
                      "pivoting, never the normal equations) and return self. X is 2-D\n"
                      "(n_samples, n_features), y 1-D (n_samples,), both finite.\n\n"
                      "method='ols': ordinary least squares (scikit-learn's LinearRegression);\n"
                      "alpha must be 0. method='ridge': min |y - Xw|^2 + alpha |w|^2 (scikit-learn's\n"
                      "Ridge objective; alpha >= 0, 0 is OLS). method='nnls': least squares with\n"
                      "w >= 0 (LinearRegression(positive=True)), plus the ridge penalty when\n"
                      "alpha > 0. The intercept is never penalised or constrained: with\n"
                      "fit_intercept the columns are centred and intercept = mean(y) -\n"
                      "mean(X) . w; fit_intercept=False fits through the origin.\n\n"
                      "Rank-deficient X (linearly dependent columns, or too few samples) raises\n"
                      "ValueError: the coefficients are not identified; use method='ridge' with\n"
                      "alpha > 0. The feature names must have n_features entries, unless they were\n"
                      "not given (then they follow n_features).\n\n"
                      "    >>> X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.0]]\n"
                      "    >>> y = [1.0 + 2.0 * a + 3.0 * b for a, b in X]\n"
                      "    >>> m = LinearPowerModel().fit(X, y)\n"
                      "    >>> m.coef_.round(12).tolist(), round(m.intercept_, 12)\n"
                      "    ([2.0, 3.0], 1.0)");

static PyObject *pm_fit(PM *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"X", "y", "method", "alpha", "fit_intercept", NULL};
    PyObject *X, *y, *method_obj = NULL, *alpha_obj = NULL;
    int fit_intercept = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|$OOp:fit", kwlist, &X, &y, &method_obj, &alpha_obj,
                                     &fit_intercept))
        return NULL;
    const char *who = "fit()";
    int method = FS_FIT_OLS;
    if (method_obj) {
        method = -1;
        if (PyUnicode_Check(method_obj)) {
            for (int i = 0; i < 3; i++) {
                if (PyUnicode_CompareWithASCIIString(method_obj, method_names[i]) == 0)
                    method = i;
            }
        }
        if (method < 0) {
            PyErr_Format(PyExc_ValueError, "fit(): method must be 'ols', 'ridge' or 'nnls', got %R", method_obj);
            return NULL;
        }
    }
    double alpha = 0.0;
    if (alpha_obj && parse_real(alpha_obj, &alpha, who, "alpha") < 0)
        return NULL;
    if (!(alpha >= 0.0) || !isfinite(alpha)) {
        PyErr_Format(PyExc_ValueError, "fit(): alpha must be a finite number >= 0, got %R", alpha_obj);
        return NULL;
    }
    if (method == FS_FIT_OLS && alpha != 0.0) {
        PyErr_Format(PyExc_ValueError,
                     "fit(): alpha=%R with method='ols'; the ridge penalty needs method='ridge' (or 'nnls')",
                     alpha_obj);
        return NULL;
    }
    struct f64in xin = {0}, yin = {0};
    PyObject *result = NULL, *names = NULL;
    Py_ssize_t n, p;
    if (load_X(self, X, &xin, &n, &p) < 0 || load_y(self, y, n, &yin) < 0)
        goto done;
    if (p > MAXF) {
        PyErr_Format(PyExc_ValueError, "fit(): X has %zd features; a %s has at most %d", p, pm_name((PyObject *)self),
                     MAXF);
        goto done;
    }
    if (!self->auto_features && PyTuple_GET_SIZE(self->features) != p) {
        PyErr_Format(PyExc_ValueError,
                     "fit(): X has %zd features, but the model's features are %R (%zd names); give features with "
                     "%zd names",
                     p, self->features, PyTuple_GET_SIZE(self->features), p);
        goto done;
    }
    struct fs_linmodel m = self->m;
    int rc;
    const double *xb = (const double *)xin.v.buf, *yb = (const double *)yin.v.buf;
    PyThreadState *ts = PyEval_SaveThread();
    rc = fs_linmodel_fit(&m, xb, yb, (size_t)n, (size_t)p, (size_t)p, (enum fs_fit_method)method, alpha, fit_intercept);
    PyEval_RestoreThread(ts);
    if (rc == FS_ERANK) {
        PyErr_Format(PyExc_ValueError,
                     "fit(): X is rank-deficient: its %zd columns%s are linearly dependent%s, so the coefficients "
                     "are not identified. Use method='ridge' with alpha > 0, or drop dependent features.",
                     p, fit_intercept ? " (centred, as fit_intercept=True)" : "",
                     (fit_intercept ? n <= p : n < p) ? " (there are too few samples)" : "");
        goto done;
    }
    if (rc == FS_ENONFINITE) {
        PyErr_SetString(PyExc_ValueError, "fit(): the solution is not finite (X or y too large)");
        goto done;
    }
    if (rc != FS_OK) {
        fs_raise_status(rc, "LinearPowerModel.fit()");
        goto done;
    }
    if (self->auto_features) {
        names = default_features((size_t)p);
        if (!names)
            goto done;
        Py_SETREF(self->features, names);
    }
    self->m = m;
    self->version++;
    result = Py_NewRef(self);
done:
    f64in_release(&xin);
    f64in_release(&yin);
    return result;
}

PyDoc_STRVAR(score_doc, "score(X, y)\n--\n\n"
                        "The coefficient of determination R^2 of predict(X) against y, as\n"
                        "scikit-learn's r2_score: 1 - SS_res / SS_tot; 1.0 for a perfect fit of a\n"
                        "constant y (0.0 otherwise); NaN, with a warning, for a single sample.\n\n"
                        "    >>> LinearPowerModel([2.0]).score([[0.0], [1.0], [2.0]], [0.0, 2.0, 4.0])\n"
                        "    1.0");

static PyObject *pm_score(PM *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"X", "y", NULL};
    PyObject *X, *y;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:score", kwlist, &X, &y))
        return NULL;
    if (check_fitted(self) < 0)
        return NULL;
    struct f64in xin = {0}, yin = {0};
    PyObject *result = NULL;
    Py_ssize_t n, p;
    if (load_X(self, X, &xin, &n, &p) < 0 || check_nfeat(self, p) < 0 || load_y(self, y, n, &yin) < 0)
        goto done;
    double r2;
    int rc = fs_linmodel_score(&self->m, (const double *)xin.v.buf, (const double *)yin.v.buf, (size_t)n, (size_t)p,
                               (size_t)p, &r2);
    if (rc != FS_OK) {
        fs_raise_status(rc, "LinearPowerModel.score()");
        goto done;
    }
    if (n < 2 && PyErr_WarnEx(PyExc_UserWarning, "R^2 score is not well-defined with less than two samples.", 1) < 0)
        goto done;
    result = PyFloat_FromDouble(r2);
done:
    f64in_release(&xin);
    f64in_release(&yin);
    return result;
}

/* list of the coefficients as floats (new reference) */
static PyObject *coef_list(PM *self)
{
    PyObject *l = PyList_New((Py_ssize_t)self->m.nfeat);
    for (size_t j = 0; l && j < self->m.nfeat; j++) {
        PyObject *f = PyFloat_FromDouble(self->m.coef[j]);
        if (!f) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)j, f);
    }
    return l;
}

PyDoc_STRVAR(reduce_doc, "__reduce__()\n--\n\n"
                         "Pickle support: type(self)(coef, intercept, features) and the instance\n"
                         "__dict__ (if any).");

static PyObject *pm_reduce(PM *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *coef = self->m.nfeat ? coef_list(self) : Py_NewRef(Py_None);
    if (!coef)
        return NULL;
    PyObject *feats = self->auto_features ? Py_None : self->features;
    if (self->dict && PyDict_GET_SIZE(self->dict) > 0)
        return Py_BuildValue("(O(NdO)O)", (PyObject *)Py_TYPE(self), coef, self->m.intercept, feats, self->dict);
    return Py_BuildValue("(O(NdO))", (PyObject *)Py_TYPE(self), coef, self->m.intercept, feats);
}

PyDoc_STRVAR(from_sklearn_doc, "from_sklearn(model, features=None)\n--\n\n"
                               "A model that predicts what a fitted scikit-learn model predicts: a\n"
                               "LinearRegression, Ridge, Lasso or ElasticNet (single output: 1-D coef_), or a\n"
                               "Pipeline of linear scalers (StandardScaler, MinMaxScaler without clip,\n"
                               "MaxAbsScaler, RobustScaler; 'passthrough' steps and nested pipelines too)\n"
                               "ending in one of those models. The scalers' affine maps are folded into\n"
                               "the coefficients and the intercept in float64 (predictions agree with\n"
                               "scikit-learn's to rounding). Any other step raises TypeError naming it.\n"
                               "features: the names of the input columns; by default the model's\n"
                               "feature_names_in_ (fitted on a DataFrame), else the defaults. Returns\n"
                               "cls(coef, intercept, features).");

static PyObject *pm_from_sklearn(PyObject *cls, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"model", "features", NULL};
    PyObject *model, *features = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:from_sklearn", kwlist, &model, &features))
        return NULL;
    PyObject *mod = PyImport_ImportModule("faassim.power");
    if (!mod)
        return NULL;
    PyObject *folded = PyObject_CallMethod(mod, "_fold_sklearn", "OO", model, features);
    Py_DECREF(mod);
    if (!folded)
        return NULL;
    if (!PyTuple_Check(folded) || PyTuple_GET_SIZE(folded) != 3) {
        Py_DECREF(folded);
        PyErr_SetString(PyExc_RuntimeError, "faassim.power._fold_sklearn returned an unexpected value");
        return NULL;
    }
    PyObject *res = PyObject_Call(cls, folded, NULL);
    Py_DECREF(folded);
    return res;
}

PyDoc_STRVAR(predict_c_doc, "_predict_c(model, x)\n--\n\n"
                            "Test hook for the C API power_model_predict_c(model, x): the prediction\n"
                            "for the row x when it ran in C, None when the caller would have to call\n"
                            "model.predict (not a LinearPowerModel, or predict overridden).");

static PyObject *pm_predict_c(PyObject *cls, PyObject *const *args, Py_ssize_t nargs)
{
    faassim_state *st = faassim_state_from_type((PyTypeObject *)cls);
    if (!st)
        return NULL;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_predict_c(model, x) takes 2 arguments");
        return NULL;
    }
    if (!PySequence_Check(args[1]) || PyUnicode_Check(args[1]) || PyBytes_Check(args[1])) {
        PyErr_Format(PyExc_TypeError,
                     "_predict_c(): x must be a sequence of numbers (list, tuple or 1-D array), not %.100s",
                     Py_TYPE(args[1])->tp_name);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(args[1], "_predict_c(): x must be a sequence of numbers");
    if (!seq)
        return NULL;
    double buf[64], out = 0.0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > 64) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "_predict_c(): at most 64 values");
        return NULL;
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        if (parse_real(PySequence_Fast_GET_ITEM(seq, j), &buf[j], "_predict_c()", "x[j]") < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    int rc = power_model_predict_c(st, args[0], buf, (int)n, &out);
    if (rc < 0)
        return NULL;
    if (rc == 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(out);
}

static PyObject *pm_richcompare(PyObject *a, PyObject *b, int op)
{
    if (op != Py_EQ && op != Py_NE)
        Py_RETURN_NOTIMPLEMENTED;
    PM *x = (PM *)a;
    if (!LinearPowerModel_Check(x->st, b))
        Py_RETURN_NOTIMPLEMENTED;
    PM *y = (PM *)b;
    int eq = Py_TYPE(a) == Py_TYPE(b) && x->m.nfeat == y->m.nfeat && x->m.intercept == y->m.intercept;
    for (size_t j = 0; eq && j < x->m.nfeat; j++)
        eq = x->m.coef[j] == y->m.coef[j];
    if (eq) {
        eq = PyObject_RichCompareBool(x->features, y->features, Py_EQ);
        if (eq < 0)
            return NULL;
    }
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *PM_repr(PM *self)
{
    const char *name = pm_name((PyObject *)self);
    if (!self->m.nfeat) {
        if (self->auto_features)
            return PyUnicode_FromFormat("%s()", name);
        return PyUnicode_FromFormat("%s(features=%R)", name, self->features);
    }
    PyObject *coef = coef_list(self);
    PyObject *icpt = coef ? PyFloat_FromDouble(self->m.intercept) : NULL;
    PyObject *r = NULL;
    if (icpt) {
        if (self->auto_features)
            r = PyUnicode_FromFormat("%s(coef=%R, intercept=%R)", name, coef, icpt);
        else
            r = PyUnicode_FromFormat("%s(coef=%R, intercept=%R, features=%R)", name, coef, icpt, self->features);
    }
    Py_XDECREF(coef);
    Py_XDECREF(icpt);
    return r;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                           */

static PyObject *pm_get_coef(PM *self, void *c)
{
    (void)c;
    if (!self->m.nfeat)
        return no_attr(self, "coef_"), NULL;
    Py_buffer v;
    PyObject *arr = new_f64(self->st, (Py_ssize_t)self->m.nfeat, &v);
    if (!arr)
        return NULL;
    memcpy(v.buf, self->m.coef, self->m.nfeat * sizeof(double));
    PyBuffer_Release(&v);
    return arr;
}

static int pm_set_coef(PM *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete coef_");
        return -1;
    }
    double coef[MAXF];
    size_t p;
    if (parse_coef(self, value, coef, &p, "coef_") < 0)
        return -1;
    return pm_set(self, coef, p, self->m.intercept, NULL, "coef_");
}

static PyObject *pm_get_intercept(PM *self, void *c)
{
    (void)c;
    if (!self->m.nfeat)
        return no_attr(self, "intercept_"), NULL;
    return PyFloat_FromDouble(self->m.intercept);
}

static int pm_set_intercept(PM *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete intercept_");
        return -1;
    }
    if (!self->m.nfeat) {
        PyErr_Format(PyExc_AttributeError, "cannot set intercept_ of a %s that is not fitted (set coef_ first)",
                     pm_name((PyObject *)self));
        return -1;
    }
    double d;
    if (parse_real(value, &d, "intercept_", "value") < 0)
        return -1;
    if (!isfinite(d)) {
        PyErr_Format(PyExc_ValueError, "intercept_ must be finite, got %R", value);
        return -1;
    }
    self->m.intercept = d;
    self->version++;
    return 0;
}

static PyObject *pm_get_nfeat(PM *self, void *c)
{
    (void)c;
    if (!self->m.nfeat)
        return no_attr(self, "n_features_in_"), NULL;
    return PyLong_FromSize_t(self->m.nfeat);
}

static PyObject *pm_get_features(PM *self, void *c)
{
    (void)c;
    return Py_NewRef(self->features);
}

#define FASTCALL(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL
#define VARKW(f) (PyCFunction)(void (*)(void))(f), METH_VARARGS | METH_KEYWORDS

static PyMethodDef PM_methods[] = {
    {"predict", (PyCFunction)pm_predict, METH_O, predict_doc},
    {"predict_one", (PyCFunction)pm_predict_one, METH_O, predict_one_doc},
    {"fit", VARKW(pm_fit), fit_doc},
    {"score", VARKW(pm_score), score_doc},
    {"from_sklearn", (PyCFunction)(void (*)(void))pm_from_sklearn, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     from_sklearn_doc},
    {"_predict_c", (PyCFunction)(void (*)(void))pm_predict_c, METH_FASTCALL | METH_CLASS, predict_c_doc},
    {"__reduce__", (PyCFunction)pm_reduce, METH_NOARGS, reduce_doc},
    {NULL, NULL, 0, NULL},
};

#undef FASTCALL
#undef VARKW

static PyGetSetDef PM_getset[] = {
    {"coef_", (getter)pm_get_coef, (setter)pm_set_coef,
     "The coefficients (W per unit of each feature), a new float64 array of\n"
     "n_features_in_ values; assign to change them (AttributeError before fit).",
     NULL},
    {"intercept_", (getter)pm_get_intercept, (setter)pm_set_intercept,
     "The intercept (W): the power at zero utilization (AttributeError before fit).", NULL},
    {"n_features_in_", (getter)pm_get_nfeat, NULL, "The number of input columns (AttributeError before fit).", NULL},
    {"features", (getter)pm_get_features, NULL,
     "The names of the input columns, in order (a tuple of str). Unless given:\n"
     "('cpu', 'gpu', 'blkio', 'net', 'ram') for 5 coefficients (faas-sim's resource\n"
     "order), ('x0', 'x1', ...) otherwise.",
     NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef PM_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(PM, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PM, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(PM_doc, "LinearPowerModel(coef=None, intercept=0.0, features=None)\n--\n\n"
                     "A linear power model, power (W) = intercept + sum of coef[j] * x[j], in C,\n"
                     "with scikit-learn's estimator contract: predict(X) takes a 2-D array-like\n"
                     "(n_samples, n_features) and returns a 1-D float64 array; fit(X, y) (OLS,\n"
                     "ridge or non-negative least squares) returns self; coef_, intercept_,\n"
                     "n_features_in_ and score(X, y) (R^2) as in scikit-learn. from_sklearn()\n"
                     "converts fitted scikit-learn linear models and scaler pipelines.\n\n"
                     "coef: 1 to 16 coefficients (None: not fitted yet, call fit). features: the\n"
                     "names of the input columns; by default ('cpu', 'gpu', 'blkio', 'net', 'ram')\n"
                     "for 5 coefficients, the order of faas-sim's resource characterizations and\n"
                     "of the models in env.power_models, ('x0', 'x1', ...) otherwise. The\n"
                     "platform evaluates a LinearPowerModel whose predict is not overridden in C\n"
                     "(no Python call); a subclass may override predict.\n\n"
                     "    >>> m = LinearPowerModel([3.5, 2.5, 0.0, 0.4, 0.6], intercept=1.9)\n"
                     "    >>> m.features\n"
                     "    ('cpu', 'gpu', 'blkio', 'net', 'ram')\n"
                     "    >>> float(m.predict([[0.5, 0.0, 0.0, 0.0, 0.0]])[0])\n"
                     "    3.65");

static PyType_Slot PM_slots[] = {
    {Py_tp_new, PM_new},         {Py_tp_init, PM_init},
    {Py_tp_dealloc, PM_dealloc}, {Py_tp_traverse, PM_traverse},
    {Py_tp_clear, PM_clear},     {Py_tp_methods, PM_methods},
    {Py_tp_getset, PM_getset},   {Py_tp_members, PM_members},
    {Py_tp_repr, PM_repr},       {Py_tp_richcompare, pm_richcompare},
    {Py_tp_doc, (void *)PM_doc}, {0, NULL},
};

static PyType_Spec PM_spec = {
    .name = "faassim.LinearPowerModel",
    .basicsize = sizeof(PM),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = PM_slots,
};

int Power_setup(PyObject *m, faassim_state *st)
{
    if (!(st->str_predict = PyUnicode_InternFromString("predict")))
        return -1;
    PyObject *np = PyImport_ImportModule("numpy");
    if (!np)
        return -1;
    PyObject *asarray = PyObject_GetAttrString(np, "asarray");
    PyObject *empty = asarray ? PyObject_GetAttrString(np, "empty") : NULL;
    PyObject *f64 = empty ? PyObject_GetAttrString(np, "float64") : NULL;
    PyObject *order = f64 ? PyUnicode_InternFromString("C") : NULL;
    Py_DECREF(np);
    if (order)
        st->power_np = PyTuple_Pack(NP_N, asarray, empty, f64, order);
    Py_XDECREF(asarray);
    Py_XDECREF(empty);
    Py_XDECREF(f64);
    Py_XDECREF(order);
    if (!st->power_np)
        return -1;
    st->LinearPowerModel_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &PM_spec, NULL);
    if (!st->LinearPowerModel_type)
        return -1;
    return PyModule_AddType(m, st->LinearPowerModel_type);
}
