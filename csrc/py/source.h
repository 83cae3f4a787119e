/* source.h: RequestSource (source.c), C-native request sources. */
#ifndef FAASSIM_SOURCE_H
#define FAASSIM_SOURCE_H

#include "module.h"

int Source_setup(PyObject *m, faassim_state *st);

#endif
