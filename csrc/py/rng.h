/* rng.h: Random (rng.c), the seeded random source of an environment. */
#ifndef FAASSIM_RNG_H
#define FAASSIM_RNG_H

#include "module.h"
#include "fs_rng.h"

typedef struct RandomObject {
    PyObject_HEAD struct fs_rng rng;
} RandomObject;

int Random_setup(PyObject *m, faassim_state *st);
/* Parse a seed: None (64 bits from os.urandom) or an int in [0, 2**64)
 * (anything with __index__). Returns 0, or -1 with TypeError/ValueError
 * naming `who` and the value. */
int random_parse_seed(faassim_state *st, PyObject *seed, uint64_t *out, const char *who);
/* A new Random started from seed (new reference), or NULL. */
RandomObject *random_new_seeded(faassim_state *st, uint64_t seed);

#endif
