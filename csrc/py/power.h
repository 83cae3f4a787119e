/* power.h: LinearPowerModel (faassim.LinearPowerModel, power.c) over fs_linmodel. */
#ifndef FAASSIM_POWER_H
#define FAASSIM_POWER_H

#include "module.h"
#include "fs_power.h"

/* C API for platform code that evaluates power models (env.power_models
 * values) without Python calls. */
typedef struct PowerModelObject PowerModelObject;
#define LinearPowerModel_Check(st, o) PyObject_TypeCheck((o), (st)->LinearPowerModel_type)
int Power_setup(PyObject *m, faassim_state *st);
/* 1 if model is a LinearPowerModel (or subclass) whose predict is not
 * overridden: *out points to its coefficients and intercept (predict is
 * fs_linmodel_predict on them; valid until Python code runs), *version
 * counts the changes of those (equal versions of one model: equal
 * coefficients) and *features are its feature names (a tuple of str,
 * borrowed: a later fit may replace it). 0 if not (predict is Python). -1
 * with ValueError if the model is not fitted. */
int power_model_linear(faassim_state *st, PyObject *model, const struct fs_linmodel **out, uint64_t *version,
                       PyObject **features);
/* The feature names (tuple of str, borrowed) of any LinearPowerModel, or
 * NULL (no exception) for other objects. */
PyObject *power_model_features(faassim_state *st, PyObject *model);
/* A new C-contiguous float64 array of shape (nrows, ncols) holding x. */
PyObject *power_np_rows(faassim_state *st, const double *x, int nrows, int ncols);

#endif
