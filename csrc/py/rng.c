/* rng.c: faassim.Random, the seeded random source (engine: fs_rng).
 *
 * A Random owns one struct fs_rng and no Python object, so it is not a GC
 * type; it is final (no subclasses: built-ins read its C state directly, so
 * an override of random() could not be honoured). Methods follow Python's
 * random.Random names and semantics where they exist (different streams:
 * the generator is xoshiro256**, not the Mersenne Twister), with stricter
 * parameter checks: NaN, infinities and out-of-domain values raise
 * ValueError naming the value instead of returning nonsense.
 *
 * Every environment owns one (env.rng); environment.c creates it in tp_new
 * through random_new_seeded(). */
#include "rng.h"
#include "event.h"

#include <math.h>

#define RANDOM_STATE_VERSION 1

/* ------------------------------------------------------------------ */
/* Seeds                                                                */

/* 64 bits from os.urandom (cached in the module state). */
static int urandom_seed(faassim_state *st, uint64_t *out)
{
    PyObject *n = PyLong_FromLong(8);
    if (!n)
        return -1;
    PyObject *b = PyObject_CallOneArg(st->urandom, n);
    Py_DECREF(n);
    if (!b)
        return -1;
    if (!PyBytes_Check(b) || PyBytes_GET_SIZE(b) != 8) {
        PyErr_Format(PyExc_RuntimeError, "os.urandom(8) returned %R", b);
        Py_DECREF(b);
        return -1;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(b);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) /* little-endian, whatever the host */
        v = v << 8 | p[i];
    Py_DECREF(b);
    *out = v;
    return 0;
}

int random_parse_seed(faassim_state *st, PyObject *seed, uint64_t *out, const char *who)
{
    if (seed == Py_None)
        return urandom_seed(st, out);
    if (!PyIndex_Check(seed)) {
        PyErr_Format(PyExc_TypeError, "%s: seed must be an int or None, not %.100s (%R)", who, Py_TYPE(seed)->tp_name,
                     seed);
        return -1;
    }
    PyObject *idx = PyNumber_Index(seed);
    if (!idx)
        return -1;
    unsigned long long v = PyLong_AsUnsignedLongLong(idx);
    Py_DECREF(idx);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "%s: seed must be an int in [0, 2**64), got %R (reduce it, e.g. seed %% 2**64)", who, seed);
        }
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

RandomObject *random_new_seeded(faassim_state *st, uint64_t seed)
{
    PyTypeObject *tp = st->Random_type;
    RandomObject *self = (RandomObject *)tp->tp_alloc(tp, 0);
    if (!self)
        return NULL;
    fs_rng_seed(&self->rng, seed);
    return self;
}

static PyObject *Random_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"seed", NULL};
    PyObject *seed = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Random", kwlist, &seed))
        return NULL;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    uint64_t s;
    if (random_parse_seed(st, seed, &s, "Random()") < 0)
        return NULL;
    return (PyObject *)random_new_seeded(st, s);
}

static void Random_dealloc(RandomObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ------------------------------------------------------------------ */
/* Argument helpers                                                     */

/* A real-number argument. Returns 0, or -1 with a TypeError naming the
 * method, the parameter and the value. */
static int arg_double(PyObject *o, double *out, const char *fname, const char *pname)
{
    if (PyFloat_CheckExact(o)) {
        *out = PyFloat_AS_DOUBLE(o);
        return 0;
    }
    double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: %s must be a real number, not %.100s (%R)", fname, pname,
                         Py_TYPE(o)->tp_name, o);
        }
        else if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "%s: %s=%R is too large for a float", fname, pname, o);
        }
        return -1;
    }
    *out = d;
    return 0;
}

/* An integer argument: a new reference to an int, or NULL with a
 * TypeError naming the method, the parameter and the value. */
static PyObject *arg_int(PyObject *o, const char *fname, const char *pname)
{
    if (PyLong_CheckExact(o))
        return Py_NewRef(o);
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be an int, not %.100s (%R)", fname, pname, Py_TYPE(o)->tp_name, o);
        return NULL;
    }
    return PyNumber_Index(o);
}

/* ------------------------------------------------------------------ */
/* Distributions, as a table shared by the methods and bounded()        */

#define KIND_LOGNORMVARIATE FS_DIST_NKINDS /* exp(N(mu, sigma)); not an engine spec */

struct dist_info {
    const char *name;  /* method name, also accepted by bounded() */
    const char *alias; /* another name bounded() accepts, or NULL */
    int kind;          /* enum fs_dist_kind, or KIND_LOGNORMVARIATE */
    int nmin, nmax;    /* number of parameters: required, at most */
    const char *pnames[3];
    double defaults[3]; /* of the optional parameters */
    const char *domain; /* the valid parameters, for error messages */
};

enum { DI_CONSTANT, DI_UNIFORM, DI_EXPO, DI_NORMAL, DI_GAUSS, DI_LOGNORM, DI_LOGNORMVARIATE, DI_COUNT };

static const struct dist_info dist_table[DI_COUNT] = {
    [DI_CONSTANT] = {"constant", NULL, FS_DIST_CONSTANT, 1, 1, {"value"}, {0}, "a finite value"},
    [DI_UNIFORM] = {"uniform", NULL, FS_DIST_UNIFORM, 2, 2, {"a", "b"}, {0}, "finite a and b (and b - a)"},
    [DI_EXPO] = {"expovariate", "exponential", FS_DIST_EXPONENTIAL, 0, 1, {"lambd"}, {1.0}, "a finite lambd > 0"},
    [DI_NORMAL] = {"normalvariate",
                   "normal",
                   FS_DIST_NORMAL,
                   0,
                   2,
                   {"mu", "sigma"},
                   {0.0, 1.0},
                   "a finite mu and a finite sigma >= 0"},
    [DI_GAUSS] =
        {"gauss", NULL, FS_DIST_NORMAL, 0, 2, {"mu", "sigma"}, {0.0, 1.0}, "a finite mu and a finite sigma >= 0"},
    [DI_LOGNORM] = {"lognorm",
                    "lognormal",
                    FS_DIST_LOGNORMAL,
                    1,
                    3,
                    {"s", "loc", "scale"},
                    {0.0, 0.0, 1.0},
                    "a finite s >= 0, a finite loc and a finite scale > 0"},
    [DI_LOGNORMVARIATE] = {"lognormvariate",
                           NULL,
                           KIND_LOGNORMVARIATE,
                           2,
                           2,
                           {"mu", "sigma"},
                           {0},
                           "a finite mu and a finite sigma >= 0"},
};

/* "name=value, ..." for the first n parameters (new reference). */
static PyObject *format_params(const struct dist_info *di, const double *p, int n)
{
    PyObject *out = PyUnicode_FromString("");
    for (int i = 0; out && i < n; i++) {
        PyObject *v = PyFloat_FromDouble(p[i]);
        PyObject *part = v ? PyUnicode_FromFormat("%s%s=%R", i ? ", " : "", di->pnames[i], v) : NULL;
        Py_XDECREF(v);
        if (!part) {
            Py_CLEAR(out);
            break;
        }
        PyUnicode_Append(&out, part);
        Py_DECREF(part);
    }
    return out;
}

/* ValueError for parameters outside the domain; returns NULL. */
static PyObject *dist_raise(const struct dist_info *di, const char *fname, const double *p)
{
    PyObject *got = format_params(di, p, di->nmax);
    if (got) {
        PyErr_Format(PyExc_ValueError, "%s: expected %s, got %U", fname, di->domain, got);
        Py_DECREF(got);
    }
    return NULL;
}

/* Parse up to nmax parameters (positional or by name) into p, defaults
 * filled in. Returns 0 or -1 with TypeError. */
static int dist_args(const struct dist_info *di, const char *fname, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames, double *p)
{
    PyObject *a[3];
    if (!kwnames && nargs >= di->nmin && nargs <= di->nmax) { /* the common call: no keyword matching */
        for (Py_ssize_t i = 0; i < nargs; i++)
            a[i] = args[i];
        for (int i = (int)nargs; i < di->nmax; i++)
            a[i] = NULL;
    }
    else {
        /* fs_parse_args wants the bare name: "Random.uniform()" -> "Random.uniform" */
        char bare[64];
        size_t len = strlen(fname);
        if (len >= sizeof bare)
            len = sizeof bare - 1;
        memcpy(bare, fname, len);
        bare[len] = '\0';
        if (len >= 2 && bare[len - 2] == '(')
            bare[len - 2] = '\0';
        if (fs_parse_args(bare, args, nargs, kwnames, di->pnames, di->nmax, di->nmin, a) < 0)
            return -1;
    }
    for (int i = 0; i < di->nmax; i++) {
        if (!a[i])
            p[i] = di->defaults[i];
        else if (arg_double(a[i], &p[i], fname, di->pnames[i]) < 0)
            return -1;
    }
    return 0;
}

/* One draw with parameter checks: FS_OK or FS_EINVAL. */
static int dist_draw(struct fs_rng *r, int kind, const double *p, double *out)
{
    switch (kind) {
    case FS_DIST_CONSTANT:
        return fs_rng_constant(p[0], out);
    case FS_DIST_UNIFORM:
        return fs_rng_uniform(r, p[0], p[1], out);
    case FS_DIST_EXPONENTIAL:
        return fs_rng_exponential(r, p[0], out);
    case FS_DIST_NORMAL:
        return fs_rng_normal(r, p[0], p[1], out);
    case FS_DIST_LOGNORMAL:
        return fs_rng_lognormal(r, p[0], p[1], p[2], out);
    case KIND_LOGNORMVARIATE: {
        double z;
        int rc = fs_rng_normal(r, p[0], p[1], &z);
        if (rc == FS_OK)
            *out = exp(z);
        return rc;
    }
    default:
        return FS_EINVAL;
    }
}

static PyObject *random_dist(RandomObject *self, int which, const char *fname, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    const struct dist_info *di = &dist_table[which];
    double p[3], x;
    if (dist_args(di, fname, args, nargs, kwnames, p) < 0)
        return NULL;
    if (dist_draw(&self->rng, di->kind, p, &x) != FS_OK)
        return dist_raise(di, fname, p);
    return PyFloat_FromDouble(x);
}

/* ------------------------------------------------------------------ */
/* Methods                                                              */

PyDoc_STRVAR(random_random_doc, "random()\n--\n\n"
                                "Return the next float in [0.0, 1.0): a multiple of 2**-53 (53 random bits).");

static PyObject *random_random(RandomObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyFloat_FromDouble(fs_rng_uniform01(&self->rng));
}

PyDoc_STRVAR(random_uniform_doc, "uniform(a, b)\n--\n\n"
                                 "Return a + (b - a) * random(): a float between a and b (a > b allowed,\n"
                                 "as in random.Random). a, b and b - a must be finite.");

static PyObject *random_uniform(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_UNIFORM, "Random.uniform()", args, nargs, kwnames);
}

PyDoc_STRVAR(random_expovariate_doc, "expovariate(lambd=1.0)\n--\n\n"
                                     "Exponential distribution with rate *lambd* (mean 1/lambd), by inverse\n"
                                     "transform: -log1p(-random()) / lambd. lambd must be finite and > 0.");

static PyObject *random_expovariate(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_EXPO, "Random.expovariate()", args, nargs, kwnames);
}

PyDoc_STRVAR(random_normalvariate_doc, "normalvariate(mu=0.0, sigma=1.0)\n--\n\n"
                                       "Normal distribution with mean *mu* and standard deviation *sigma* (finite,\n"
                                       ">= 0), by Marsaglia's polar method: each pair of variates is drawn together\n"
                                       "and the second one is kept for the next call (it is part of getstate()).");

static PyObject *random_normalvariate(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_NORMAL, "Random.normalvariate()", args, nargs, kwnames);
}

PyDoc_STRVAR(random_gauss_doc, "gauss(mu=0.0, sigma=1.0)\n--\n\n"
                               "Alias of normalvariate(): the same method and the same stream.");

static PyObject *random_gauss(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_GAUSS, "Random.gauss()", args, nargs, kwnames);
}

PyDoc_STRVAR(random_lognormvariate_doc, "lognormvariate(mu, sigma)\n--\n\n"
                                        "Log-normal distribution: exp(normalvariate(mu, sigma)), so the natural\n"
                                        "log of the result has mean *mu* and standard deviation *sigma* (>= 0).");

static PyObject *random_lognormvariate(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_LOGNORMVARIATE, "Random.lognormvariate()", args, nargs, kwnames);
}

PyDoc_STRVAR(random_lognorm_doc, "lognorm(s, loc=0.0, scale=1.0)\n--\n\n"
                                 "Log-normal distribution with scipy.stats.lognorm's parameters:\n"
                                 "loc + scale * exp(s * normalvariate()). Median loc + scale, mean\n"
                                 "loc + scale * exp(s**2 / 2). s >= 0 and scale > 0, all finite; s = 0 gives\n"
                                 "loc + scale. Fitted scipy parameters carry over unchanged:\n\n"
                                 "    >>> r = Random(1)\n"
                                 "    >>> r.lognorm(0.0, loc=0.5, scale=2.0)\n"
                                 "    2.5");

static PyObject *random_lognorm(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return random_dist(self, DI_LOGNORM, "Random.lognorm()", args, nargs, kwnames);
}

/* --- integers --- */

/* Draw an integer in [0, n) for an int n >= 1: a new reference, or NULL
 * with OverflowError when n > 2**64. */
static PyObject *draw_below(RandomObject *self, PyObject *n, const char *fname)
{
    uint64_t k;
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(n, &overflow);
    if (small == -1 && PyErr_Occurred())
        return NULL;
    if (!overflow) {
        (void)fs_rng_below(&self->rng, (uint64_t)small, &k); /* small >= 1: cannot fail */
        return PyLong_FromUnsignedLongLong(k);
    }
    unsigned long long big = PyLong_AsUnsignedLongLong(n);
    if (big == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return NULL;
        PyErr_Clear();
        /* exactly 2**64 values: every 64-bit draw is one */
        PyObject *two64 = PyLong_FromUnsignedLongLong(UINT64_MAX);
        if (!two64)
            return NULL;
        PyObject *one = PyLong_FromLong(1);
        PyObject *lim = one ? PyNumber_Add(two64, one) : NULL;
        Py_DECREF(two64);
        Py_XDECREF(one);
        if (!lim)
            return NULL;
        int eq = PyObject_RichCompareBool(n, lim, Py_EQ);
        Py_DECREF(lim);
        if (eq < 0)
            return NULL;
        if (!eq) {
            PyErr_Format(PyExc_OverflowError, "%s: a range of %R integers is too large (at most 2**64)", fname, n);
            return NULL;
        }
        return PyLong_FromUnsignedLongLong(fs_rng_next_u64(&self->rng));
    }
    (void)fs_rng_below(&self->rng, (uint64_t)big, &k);
    return PyLong_FromUnsignedLongLong(k);
}

/* start + step * below(n) for ints (step may be NULL for 1); n >= 1. */
static PyObject *draw_in_range(RandomObject *self, PyObject *start, PyObject *step, PyObject *n, const char *fname)
{
    PyObject *k = draw_below(self, n, fname);
    if (!k)
        return NULL;
    if (step) {
        PyObject *sk = PyNumber_Multiply(step, k);
        Py_SETREF(k, sk);
        if (!k)
            return NULL;
    }
    PyObject *res = PyNumber_Add(start, k);
    Py_DECREF(k);
    return res;
}

/* Fast path of randint/randrange with a step of 1: lo and hi_excl fit in
 * a long long. Returns the result, or NULL with *done == 0 to take the
 * general path (without an exception set), or NULL with *done == 1 on an
 * error (empty range). */
static PyObject *range_fast(RandomObject *self, PyObject *lo, PyObject *hi, int inclusive, int *done)
{
    *done = 0;
    if (!PyLong_CheckExact(lo) || !PyLong_CheckExact(hi))
        return NULL;
    int o1, o2;
    long long a = PyLong_AsLongLongAndOverflow(lo, &o1);
    long long b = PyLong_AsLongLongAndOverflow(hi, &o2);
    if (o1 || o2 || ((a == -1 || b == -1) && PyErr_Occurred())) {
        PyErr_Clear(); /* only an overflow can happen here: fall back */
        return NULL;
    }
    if (inclusive ? a > b : a >= b)
        return NULL; /* the general path raises the error */
    /* number of values, modulo 2**64 (0 stands for 2**64: randint over the
     * whole int64 range) */
    uint64_t n = (uint64_t)b - (uint64_t)a + (inclusive ? 1u : 0u);
    uint64_t k;
    if (n == 0)
        k = fs_rng_next_u64(&self->rng);
    else
        (void)fs_rng_below(&self->rng, n, &k);
    uint64_t u = (uint64_t)a + k; /* wraps to the right value in [a, b] */
    int64_t res;
    memcpy(&res, &u, sizeof res); /* int64_t is two's complement */
    *done = 1;
    return PyLong_FromLongLong(res);
}

PyDoc_STRVAR(random_randint_doc, "randint(a, b)\n--\n\n"
                                 "Return a random integer N with a <= N <= b (b - a + 1 <= 2**64), without\n"
                                 "modulo bias.");

static PyObject *random_randint(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"a", "b"};
    const char *fname = "Random.randint()";
    PyObject *av[2];
    if (!kwnames && nargs == 2) {
        av[0] = args[0];
        av[1] = args[1];
    }
    else if (fs_parse_args("Random.randint", args, nargs, kwnames, names, 2, 2, av) < 0)
        return NULL;
    int done;
    PyObject *res = range_fast(self, av[0], av[1], 1, &done);
    if (res || done)
        return res;
    PyObject *a = arg_int(av[0], fname, "a");
    if (!a)
        return NULL;
    PyObject *b = arg_int(av[1], fname, "b");
    if (!b) {
        Py_DECREF(a);
        return NULL;
    }
    PyObject *one = PyLong_FromLong(1), *width = NULL, *n = NULL;
    res = NULL;
    if (one && (width = PyNumber_Subtract(b, a)) && (n = PyNumber_Add(width, one))) {
        int empty = PyObject_RichCompareBool(n, one, Py_LT);
        if (empty > 0)
            PyErr_Format(PyExc_ValueError, "%s: empty range, a=%R > b=%R", fname, a, b);
        else if (empty == 0)
            res = draw_in_range(self, a, NULL, n, fname);
    }
    Py_XDECREF(one);
    Py_XDECREF(width);
    Py_XDECREF(n);
    Py_DECREF(a);
    Py_DECREF(b);
    return res;
}

PyDoc_STRVAR(random_randrange_doc, "randrange(stop)\nrandrange(start, stop[, step])\n\n"
                                   "Return a random element of range(start, stop, step) (at most 2**64 elements),\n"
                                   "without modulo bias.");

static PyObject *random_randrange(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"start", "stop", "step"};
    const char *fname = "Random.randrange()";
    PyObject *av[3] = {NULL, NULL, NULL};
    if (!kwnames && nargs >= 1 && nargs <= 3) {
        for (Py_ssize_t i = 0; i < nargs; i++)
            av[i] = args[i];
    }
    else if (fs_parse_args("Random.randrange", args, nargs, kwnames, names, 3, 1, av) < 0)
        return NULL;
    if (av[1] == Py_None)
        av[1] = NULL;
    if (av[2] && !av[1]) {
        PyErr_Format(PyExc_TypeError, "%s: missing a non-None stop argument", fname);
        return NULL;
    }
    PyObject *zero = PyLong_FromLong(0);
    if (!zero)
        return NULL;
    /* randrange(stop) is randrange(0, stop) */
    PyObject *start_arg = av[1] ? av[0] : zero, *stop_arg = av[1] ? av[1] : av[0];
    int done;
    PyObject *res = NULL;
    if (!av[2]) {
        res = range_fast(self, start_arg, stop_arg, 0, &done);
        if (res || done) {
            Py_DECREF(zero);
            return res;
        }
    }
    PyObject *start = NULL, *stop = NULL, *step = NULL, *width = NULL, *n = NULL;
    if (!(start = arg_int(start_arg, fname, "start")) || !(stop = arg_int(stop_arg, fname, "stop")) ||
        (av[2] && !(step = arg_int(av[2], fname, "step"))) || !(width = PyNumber_Subtract(stop, start)))
        goto done;
    int sign = 1;
    if (step) {
        int is_zero = PyObject_RichCompareBool(step, zero, Py_EQ);
        if (is_zero < 0)
            goto done;
        if (is_zero) {
            PyErr_Format(PyExc_ValueError, "%s: zero step for randrange(%R, %R, %R)", fname, start, stop, step);
            goto done;
        }
        int neg = PyObject_RichCompareBool(step, zero, Py_LT);
        if (neg < 0)
            goto done;
        sign = neg ? -1 : 1;
        /* n = ceil(width / step) = (width + step - sign) // step */
        PyObject *adj = PyLong_FromLong(-sign), *t1 = NULL, *t2 = NULL;
        if (adj && (t1 = PyNumber_Add(width, step)) && (t2 = PyNumber_Add(t1, adj)))
            n = PyNumber_FloorDivide(t2, step);
        Py_XDECREF(adj);
        Py_XDECREF(t1);
        Py_XDECREF(t2);
    }
    else
        n = Py_NewRef(width);
    if (!n)
        goto done;
    int empty = PyObject_RichCompareBool(n, zero, Py_LE);
    if (empty < 0)
        goto done;
    if (empty) {
        if (step)
            PyErr_Format(PyExc_ValueError, "%s: empty range for randrange(%R, %R, %R)", fname, start, stop, step);
        else if (av[1])
            PyErr_Format(PyExc_ValueError, "%s: empty range for randrange(%R, %R)", fname, start, stop);
        else
            PyErr_Format(PyExc_ValueError, "%s: empty range for randrange(%R)", fname, stop);
        goto done;
    }
    res = draw_in_range(self, start, step, n, fname);
done:
    Py_XDECREF(start);
    Py_XDECREF(stop);
    Py_XDECREF(step);
    Py_XDECREF(width);
    Py_XDECREF(n);
    Py_DECREF(zero);
    return res;
}

PyDoc_STRVAR(random_choice_doc, "choice(seq)\n--\n\n"
                                "Return a random element of the non-empty sequence *seq* (IndexError if it\n"
                                "is empty, as in random.Random).");

static PyObject *random_choice(RandomObject *self, PyObject *seq)
{
    uint64_t k;
    if (PyList_CheckExact(seq) || PyTuple_CheckExact(seq)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n == 0)
            goto empty;
        (void)fs_rng_below(&self->rng, (uint64_t)n, &k);
        return Py_NewRef(PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)k));
    }
    if (!PySequence_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "Random.choice(): expected a sequence, got %.100s (%R)", Py_TYPE(seq)->tp_name,
                     seq);
        return NULL;
    }
    Py_ssize_t n = PySequence_Size(seq);
    if (n < 0)
        return NULL;
    if (n == 0)
        goto empty;
    (void)fs_rng_below(&self->rng, (uint64_t)n, &k);
    return PySequence_GetItem(seq, (Py_ssize_t)k);
empty:
    PyErr_Format(PyExc_IndexError, "Random.choice(): cannot choose from an empty sequence (%R)", seq);
    return NULL;
}

PyDoc_STRVAR(random_shuffle_doc, "shuffle(x)\n--\n\n"
                                 "Shuffle the mutable sequence *x* in place (Fisher-Yates: for i from\n"
                                 "len(x) - 1 down to 1, swap x[i] with x[randrange(i + 1)]).");

static PyObject *random_shuffle(RandomObject *self, PyObject *x)
{
    uint64_t j;
    if (PyList_CheckExact(x)) {
        /* No Python code runs inside the loop, so the list cannot change
         * under it: swap the item pointers. */
        PyObject **items = ((PyListObject *)x)->ob_item;
        for (Py_ssize_t i = PyList_GET_SIZE(x) - 1; i > 0; i--) {
            (void)fs_rng_below(&self->rng, (uint64_t)i + 1, &j);
            PyObject *t = items[i];
            items[i] = items[j];
            items[j] = t;
        }
        Py_RETURN_NONE;
    }
    /* refuse immutable sequences before drawing anything */
    PySequenceMethods *sq = Py_TYPE(x)->tp_as_sequence;
    if (!PySequence_Check(x) || !sq || !sq->sq_ass_item) {
        PyErr_Format(PyExc_TypeError, "Random.shuffle(): expected a mutable sequence, got %.100s (%R)",
                     Py_TYPE(x)->tp_name, x);
        return NULL;
    }
    Py_ssize_t n = PySequence_Size(x);
    if (n < 0)
        return NULL;
    for (Py_ssize_t i = n - 1; i > 0; i--) {
        (void)fs_rng_below(&self->rng, (uint64_t)i + 1, &j);
        /* each item access may run Python code: hold both items first */
        PyObject *xi = PySequence_GetItem(x, i);
        PyObject *xj = xi ? PySequence_GetItem(x, (Py_ssize_t)j) : NULL;
        int rc = xj ? PySequence_SetItem(x, i, xj) : -1;
        if (rc == 0)
            rc = PySequence_SetItem(x, (Py_ssize_t)j, xi);
        Py_XDECREF(xi);
        Py_XDECREF(xj);
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* --- bounded --- */

static const struct dist_info *dist_lookup(PyObject *name)
{
    for (int i = 0; i < DI_COUNT; i++) {
        const struct dist_info *di = &dist_table[i];
        if (di->kind == KIND_LOGNORMVARIATE)
            continue;
        if (PyUnicode_CompareWithASCIIString(name, di->name) == 0 ||
            (di->alias && PyUnicode_CompareWithASCIIString(name, di->alias) == 0))
            return di;
    }
    return NULL;
}

PyDoc_STRVAR(random_bounded_doc, "bounded(dist, *params, xmin=-inf, xmax=inf)\n\n"
                                 "Draw from distribution *dist* with positional *params* until a value falls in\n"
                                 "[xmin, xmax] (rejection sampling; the engine's bounded distributions). *dist*\n"
                                 "is one of 'constant' (value), 'uniform' (a, b), 'expovariate' or 'exponential'\n"
                                 "(lambd=1.0), 'normalvariate', 'normal' or 'gauss' (mu=0.0, sigma=1.0),\n"
                                 "'lognorm' or 'lognormal' (s, loc=0.0, scale=1.0); the parameters mean what\n"
                                 "they mean in the method of that name. ValueError if no value falls in the\n"
                                 "bounds within 10**6 attempts:\n\n"
                                 "    >>> r = Random(7)\n"
                                 "    >>> 0.1 <= r.bounded('lognorm', 0.8, 0.0, 0.2, xmin=0.1, xmax=0.5) <= 0.5\n"
                                 "    True");

static PyObject *random_bounded(RandomObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "Random.bounded() missing required argument 'dist'");
        return NULL;
    }
    PyObject *name = args[0];
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "Random.bounded(): dist must be a str, not %.100s (%R)", Py_TYPE(name)->tp_name,
                     name);
        return NULL;
    }
    const struct dist_info *di = dist_lookup(name);
    if (!di) {
        PyErr_Format(PyExc_ValueError,
                     "Random.bounded(): unknown distribution %R; expected one of 'constant', 'uniform', "
                     "'expovariate', 'normalvariate', 'lognorm' (or 'exponential', 'normal', 'gauss', 'lognormal')",
                     name);
        return NULL;
    }
    /* "Random.bounded('name')" for messages, formatted only when needed */
    char fname[64];
#define FNAME (snprintf(fname, sizeof fname, "Random.bounded('%s')", di->name), fname)
    double xmin = -INFINITY, xmax = INFINITY;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        int is_min = PyUnicode_CompareWithASCIIString(key, "xmin") == 0;
        if (!is_min && PyUnicode_CompareWithASCIIString(key, "xmax") != 0) {
            PyErr_Format(PyExc_TypeError,
                         "Random.bounded() got an unexpected keyword argument '%U' (distribution parameters are "
                         "positional; only xmin and xmax are keywords)",
                         key);
            return NULL;
        }
        if (arg_double(args[nargs + i], is_min ? &xmin : &xmax, FNAME, is_min ? "xmin" : "xmax") < 0)
            return NULL;
    }
    Py_ssize_t np = nargs - 1;
    if (np < di->nmin || np > di->nmax) {
        PyErr_Format(PyExc_TypeError, "%s takes %d to %d parameters, got %zd", FNAME, di->nmin, di->nmax, np);
        return NULL;
    }
    double p[3];
    for (int i = 0; i < di->nmax; i++) {
        if (i >= np)
            p[i] = di->defaults[i];
        else if (PyFloat_CheckExact(args[1 + i]))
            p[i] = PyFloat_AS_DOUBLE(args[1 + i]);
        else if (arg_double(args[1 + i], &p[i], FNAME, di->pnames[i]) < 0)
            return NULL;
    }
    struct fs_dist d;
    if (fs_dist_init(&d, di->kind, p, di->nmax) != FS_OK)
        return dist_raise(di, FNAME, p);
    if (fs_dist_bound(&d, xmin, xmax, FS_RNG_MAX_ATTEMPTS) != FS_OK) {
        PyObject *lo = PyFloat_FromDouble(xmin), *hi = lo ? PyFloat_FromDouble(xmax) : NULL;
        if (hi)
            PyErr_Format(PyExc_ValueError,
                         "%s: expected xmin <= xmax, not NaN and not both +inf or both -inf; got xmin=%R, xmax=%R",
                         FNAME, lo, hi);
        Py_XDECREF(lo);
        Py_XDECREF(hi);
        return NULL;
    }
    double x;
    if (fs_dist_sample(&self->rng, &d, &x) != FS_OK) { /* FS_EREJECTED */
        PyObject *params = format_params(di, p, di->nmax);
        PyObject *lo = params ? PyFloat_FromDouble(xmin) : NULL, *hi = lo ? PyFloat_FromDouble(xmax) : NULL;
        if (hi)
            PyErr_Format(PyExc_ValueError,
                         "%s: no draw of %s(%U) fell in [xmin=%R, xmax=%R] in %u attempts; are the bounds right?",
                         FNAME, di->name, params, lo, hi, (unsigned)d.max_attempts);
        Py_XDECREF(params);
        Py_XDECREF(lo);
        Py_XDECREF(hi);
        return NULL;
    }
    return PyFloat_FromDouble(x);
}
#undef FNAME

/* --- state --- */

PyDoc_STRVAR(random_getstate_doc, "getstate()\n--\n\n"
                                  "Return the complete state as a tuple (version, (s0, s1, s2, s3), spare,\n"
                                  "seed_used, level): the four 64-bit words of xoshiro256**, the normal variate\n"
                                  "kept by the polar method (or None), the seed and the spawn level (0 for a\n"
                                  "seeded stream, see spawn()). setstate() restores it exactly.");

static PyObject *random_getstate(RandomObject *self, PyObject *Py_UNUSED(ignored))
{
    const struct fs_rng *r = &self->rng;
    PyObject *spare = r->has_spare ? PyFloat_FromDouble(r->spare) : Py_NewRef(Py_None);
    return Py_BuildValue("(i(KKKK)NKi)", RANDOM_STATE_VERSION, (unsigned long long)r->s[0], (unsigned long long)r->s[1],
                         (unsigned long long)r->s[2], (unsigned long long)r->s[3], spare, (unsigned long long)r->seed,
                         r->level);
}

/* An int in [0, 2**64) from a state tuple; -1 with ValueError otherwise. */
static int state_word(PyObject *o, uint64_t *out, PyObject *state)
{
    unsigned long long v = PyLong_Check(o) ? PyLong_AsUnsignedLongLong(o) : (unsigned long long)-1;
    if (!PyLong_Check(o) || (v == (unsigned long long)-1 && PyErr_Occurred())) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "Random.setstate(): %R is not an int in [0, 2**64) (in state %R)", o, state);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

PyDoc_STRVAR(random_setstate_doc, "setstate(state)\n--\n\n"
                                  "Restore a state returned by getstate(): the stream continues exactly\n"
                                  "where it was when the state was taken.");

static PyObject *random_setstate(RandomObject *self, PyObject *state)
{
    const char *fname = "Random.setstate()";
    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != 5 || !PyTuple_Check(PyTuple_GET_ITEM(state, 1)) ||
        PyTuple_GET_SIZE(PyTuple_GET_ITEM(state, 1)) != 4) {
        PyErr_Format(PyExc_TypeError,
                     "%s: state must be a tuple (version, (s0, s1, s2, s3), spare, seed_used, level) as returned by "
                     "getstate(), got %.100s (%R)",
                     fname, Py_TYPE(state)->tp_name, state);
        return NULL;
    }
    PyObject *version = PyTuple_GET_ITEM(state, 0);
    long v = PyLong_Check(version) ? PyLong_AsLong(version) : -1;
    if (v != RANDOM_STATE_VERSION) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s: state version %R is not supported (expected %d)", fname, version,
                     RANDOM_STATE_VERSION);
        return NULL;
    }
    uint64_t s[4], seed;
    for (int i = 0; i < 4; i++)
        if (state_word(PyTuple_GET_ITEM(PyTuple_GET_ITEM(state, 1), i), &s[i], state) < 0)
            return NULL;
    if (state_word(PyTuple_GET_ITEM(state, 3), &seed, state) < 0)
        return NULL;
    PyObject *level_obj = PyTuple_GET_ITEM(state, 4);
    long level = PyLong_Check(level_obj) ? PyLong_AsLong(level_obj) : -1;
    if (level < 0 || level > FS_RNG_MAX_LEVEL) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s: level must be an int in [0, %d], got %R", fname, FS_RNG_MAX_LEVEL,
                     level_obj);
        return NULL;
    }
    PyObject *spare_obj = PyTuple_GET_ITEM(state, 2);
    double spare = 0.0;
    if (spare_obj != Py_None) {
        if (!PyFloat_Check(spare_obj) || !isfinite(PyFloat_AS_DOUBLE(spare_obj))) {
            PyErr_Format(PyExc_ValueError, "%s: spare must be None or a finite float, got %R", fname, spare_obj);
            return NULL;
        }
        spare = PyFloat_AS_DOUBLE(spare_obj);
    }
    struct fs_rng r;
    if (fs_rng_set_state(&r, s) != FS_OK) {
        PyErr_Format(PyExc_ValueError, "%s: the all-zero state is invalid for xoshiro256** (state %R)", fname, state);
        return NULL;
    }
    r.seed = seed;
    r.level = (int)level;
    r.has_spare = spare_obj != Py_None;
    r.spare = spare;
    self->rng = r; /* all checks passed: commit */
    Py_RETURN_NONE;
}

PyDoc_STRVAR(random_seed_doc, "seed(a=None)\n--\n\n"
                              "Restart the stream from seed *a*: an int in [0, 2**64), or None for 64 bits\n"
                              "from os.urandom (read it back from seed_used).");

static PyObject *random_seed(RandomObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"a", NULL};
    PyObject *a = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:seed", kwlist, &a))
        return NULL;
    faassim_state *st = faassim_state_from_type(Py_TYPE(self));
    uint64_t s;
    if (!st || random_parse_seed(st, a, &s, "Random.seed()") < 0)
        return NULL;
    fs_rng_seed(&self->rng, s);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(random_spawn_doc, "spawn()\n--\n\n"
                               "Return a new, independent Random: it continues this stream from here, and\n"
                               "this generator jumps ahead (xoshiro's jumps), so no two streams overlap.\n"
                               "A seeded Random jumps 2**192 draws per child and a child 2**128 per\n"
                               "grandchild, so every stream of the tree owns at least 2**128 draws; a\n"
                               "grandchild cannot spawn (ValueError: spawn from its parent or the root).\n"
                               "Deterministic: the same state spawns the same children.");

static PyObject *random_spawn(RandomObject *self, PyObject *Py_UNUSED(ignored))
{
    PyTypeObject *tp = Py_TYPE(self);
    if (self->rng.level >= FS_RNG_MAX_LEVEL) {
        PyErr_Format(PyExc_ValueError,
                     "Random.spawn(): %R is a grandchild (spawn level %d) and cannot spawn: streams stay provably "
                     "disjoint for two levels; spawn from its parent or from the root instead",
                     self, self->rng.level);
        return NULL;
    }
    RandomObject *child = (RandomObject *)tp->tp_alloc(tp, 0);
    if (!child)
        return NULL;
    (void)fs_rng_spawn(&self->rng, &child->rng); /* level checked above */
    return (PyObject *)child;
}

PyDoc_STRVAR(random_reduce_doc, "__reduce__()\n--\n\nPickle support: the class, the seed and the state.");

static PyObject *random_reduce(RandomObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *state = random_getstate(self, NULL);
    if (!state)
        return NULL;
    return Py_BuildValue("(O(K)N)", (PyObject *)Py_TYPE(self), (unsigned long long)self->rng.seed, state);
}

static PyObject *random_get_seed_used(RandomObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->rng.seed);
}

static PyObject *Random_repr(RandomObject *self)
{
    return PyUnicode_FromFormat("<faassim.Random seed_used=%llu>", (unsigned long long)self->rng.seed);
}

#define FASTCALL_KW(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS

static PyMethodDef Random_methods[] = {
    {"random", (PyCFunction)random_random, METH_NOARGS, random_random_doc},
    {"uniform", FASTCALL_KW(random_uniform), random_uniform_doc},
    {"expovariate", FASTCALL_KW(random_expovariate), random_expovariate_doc},
    {"normalvariate", FASTCALL_KW(random_normalvariate), random_normalvariate_doc},
    {"gauss", FASTCALL_KW(random_gauss), random_gauss_doc},
    {"lognormvariate", FASTCALL_KW(random_lognormvariate), random_lognormvariate_doc},
    {"lognorm", FASTCALL_KW(random_lognorm), random_lognorm_doc},
    {"randint", FASTCALL_KW(random_randint), random_randint_doc},
    {"randrange", FASTCALL_KW(random_randrange), random_randrange_doc},
    {"choice", (PyCFunction)random_choice, METH_O, random_choice_doc},
    {"shuffle", (PyCFunction)random_shuffle, METH_O, random_shuffle_doc},
    {"bounded", FASTCALL_KW(random_bounded), random_bounded_doc},
    {"getstate", (PyCFunction)random_getstate, METH_NOARGS, random_getstate_doc},
    {"setstate", (PyCFunction)random_setstate, METH_O, random_setstate_doc},
    {"__setstate__", (PyCFunction)random_setstate, METH_O, random_setstate_doc},
    {"seed", (PyCFunction)(void (*)(void))random_seed, METH_VARARGS | METH_KEYWORDS, random_seed_doc},
    {"spawn", (PyCFunction)random_spawn, METH_NOARGS, random_spawn_doc},
    {"__reduce__", (PyCFunction)random_reduce, METH_NOARGS, random_reduce_doc},
    {NULL, NULL, 0, NULL},
};

#undef FASTCALL_KW

static PyGetSetDef Random_getset[] = {
    {"seed_used", (getter)random_get_seed_used, NULL,
     "The 64-bit seed the stream was started from: the one given, or the one drawn\n"
     "from os.urandom when the seed was None. Random(r.seed_used) replays the run.\n"
     "(A spawned stream reports its parent's seed.)",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Random_doc, "Random(seed=None)\n--\n\n"
                         "A seeded random source: xoshiro256** started from a 64-bit seed through\n"
                         "splitmix64, with the method names of random.Random (random, uniform,\n"
                         "expovariate, normalvariate, gauss, lognormvariate, randint, randrange,\n"
                         "choice, shuffle, getstate, setstate, seed) plus lognorm (scipy's\n"
                         "parameters), bounded (rejection in [xmin, xmax]) and spawn (independent\n"
                         "streams). seed=None takes 64 bits from os.urandom; seed_used tells which, so\n"
                         "the run can be replayed. Every Environment owns one as env.rng.\n\n"
                         "    >>> a, b = Random(42), Random(42)\n"
                         "    >>> [a.random() for _ in range(3)] == [b.random() for _ in range(3)]\n"
                         "    True\n"
                         "    >>> Random(42).random()\n"
                         "    0.08386297105988216");

static PyType_Slot Random_slots[] = {
    {Py_tp_new, Random_new},
    {Py_tp_dealloc, Random_dealloc},
    {Py_tp_repr, Random_repr},
    {Py_tp_methods, Random_methods},
    {Py_tp_getset, Random_getset},
    {Py_tp_doc, (void *)Random_doc},
    {0, NULL},
};

static PyType_Spec Random_spec = {
    .name = "faassim.Random",
    .basicsize = sizeof(RandomObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Random_slots,
};

int Random_setup(PyObject *m, faassim_state *st)
{
    PyObject *os = PyImport_ImportModule("os");
    if (!os)
        return -1;
    st->urandom = PyObject_GetAttrString(os, "urandom");
    Py_DECREF(os);
    if (!st->urandom)
        return -1;
    st->Random_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Random_spec, NULL);
    if (!st->Random_type)
        return -1;
    return PyModule_AddType(m, st->Random_type);
}
