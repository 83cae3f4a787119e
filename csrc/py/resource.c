/* resource.c: placeholder, replaced by the resources implementation. */
#include "module.h"

int resource_trigger_put(PyObject *res, PyObject *get_event)
{
    (void)res;
    (void)get_event;
    PyErr_SetString(PyExc_NotImplementedError, "resources");
    return -1;
}

int resource_trigger_get(PyObject *res, PyObject *put_event)
{
    (void)res;
    (void)put_event;
    PyErr_SetString(PyExc_NotImplementedError, "resources");
    return -1;
}

int Resource_setup(PyObject *m, faassim_state *st)
{
    (void)m;
    (void)st;
    return 0;
}
