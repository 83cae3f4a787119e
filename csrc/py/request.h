/* request.h: FunctionRequest (request.c). */
#ifndef FAASSIM_REQUEST_H
#define FAASSIM_REQUEST_H

#include "module.h"

struct fs_inv;

typedef struct RequestObject {
    PyObject_HEAD faassim_state *st;
    PyObject *name;     /* str */
    PyObject *size;     /* any, default None */
    int64_t request_id; /* -1: assigned at invoke */
    double exec_time;   /* recorded execution time (s), NaN: unset (see struct fs_inv) */
    struct fs_inv *inv; /* while in flight (owned by the FaasSystem), else NULL */
    PyObject *dict;
} RequestObject;

int Request_setup(PyObject *m, faassim_state *st);
RequestObject *request_new(faassim_state *st, PyObject *name, PyObject *size, int64_t request_id);

#endif
