/* fs_res: exact resource accounting; see the design note in fs_res.h. */
#include "fs_res.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Amounts lie in [2^-1074, 2^1025) (a put is refused once the node amount
 * reads as infinity, so a sum adds at most one bit above 2^1024); with the
 * carry limb of an addition in progress that is at most 36 limbs. */
#define MAX_LIMBS 40

/* ------------------------------------------------------------------ */
/* Exact amounts */

static uint64_t *limbs(struct fs_res_acc *a)
{
    return a->cap ? a->u.heap : a->u.in;
}

static const uint64_t *climbs(const struct fs_res_acc *a)
{
    return a->cap ? a->u.heap : a->u.in;
}

static int capof(const struct fs_res_acc *a)
{
    return a->cap ? a->cap : FS_RES_INLINE_LIMBS;
}

/* One past the index (in limbs) of the highest limb. */
static int top(const struct fs_res_acc *a)
{
    return a->base + a->n;
}

static uint64_t limb_at(const struct fs_res_acc *a, int k)
{
    int i = k - a->base;
    return i >= 0 && i < a->n ? climbs(a)[i] : 0;
}

void fs_res_acc_free(struct fs_res_acc *a)
{
    if (a->cap)
        free(a->u.heap);
    memset(a, 0, sizeof *a);
}

/* Room for `need` limbs; the amount is unchanged (so failing is harmless). */
static int acc_reserve(struct fs_res_acc *a, int need)
{
    assert(need <= MAX_LIMBS);
    if (need <= capof(a))
        return FS_OK;
    int ncap = capof(a) * 2;
    if (ncap < need)
        ncap = need;
    if (ncap > MAX_LIMBS)
        ncap = MAX_LIMBS;
    uint64_t *p = malloc((size_t)ncap * sizeof *p);
    if (!p)
        return FS_ENOMEM;
    if (a->n)
        memcpy(p, limbs(a), (size_t)a->n * sizeof *p); /* before a->u.heap overwrites u.in */
    if (a->cap)
        free(a->u.heap);
    a->u.heap = p;
    a->cap = (uint8_t)ncap;
    return FS_OK;
}

/* Trim zero limbs at both ends: the representation becomes canonical. */
static void acc_normalize(struct fs_res_acc *a)
{
    uint64_t *L = limbs(a);
    int n = a->n, z = 0;
    while (n > 0 && L[n - 1] == 0)
        n--;
    while (z < n && L[z] == 0)
        z++;
    if (z) {
        memmove(L, L + z, (size_t)(n - z) * sizeof *L);
        n -= z;
    }
    a->base = n ? (int16_t)(a->base + z) : 0;
    a->n = (uint8_t)n;
}

void fs_res_acc_from_double(struct fs_res_acc *a, double x)
{
    assert(isfinite(x) && x >= 0);
    memset(a, 0, sizeof *a);
    if (x == 0)
        return;
    /* x = m * 2^e exactly with m < 2^53 an integer, read from the IEEE 754
     * bits (a subnormal has no implicit bit and the exponent of 2^-1074). */
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    int e;
    if (biased) {
        m |= UINT64_C(1) << 52;
        e = biased - 1075;
    }
    else
        e = -1074;
    int k = e >= 0 ? e / 64 : -((-e + 63) / 64); /* floor(e / 64) */
    int s = e - 64 * k;
    a->u.in[0] = m << s;
    a->u.in[1] = s ? m >> (64 - s) : 0;
    a->base = (int16_t)k;
    a->n = 2;
    acc_normalize(a);
}

int fs_res_acc_cmp(const struct fs_res_acc *a, const struct fs_res_acc *b)
{
    if (!a->n || !b->n)
        return (a->n != 0) - (b->n != 0);
    if (top(a) != top(b)) /* the highest limbs are non-zero */
        return top(a) > top(b) ? 1 : -1;
    int lo = a->base < b->base ? a->base : b->base;
    for (int k = top(a) - 1; k >= lo; k--) {
        uint64_t x = limb_at(a, k), y = limb_at(b, k);
        if (x != y)
            return x > y ? 1 : -1;
    }
    return 0;
}

/* Limbs needed to compute a + b, or a - b, in place. */
static int add_need(const struct fs_res_acc *a, const struct fs_res_acc *b)
{
    if (!a->n)
        return b->n;
    int lo = a->base < b->base ? a->base : b->base;
    int hi = top(a) > top(b) ? top(a) : top(b);
    return hi + 1 - lo;
}

static int sub_need(const struct fs_res_acc *a, const struct fs_res_acc *b)
{
    int lo = a->base < b->base ? a->base : b->base;
    return top(a) - lo;
}

/* Extend a (capacity reserved) to cover limb indices [lo, hi) with zeros. */
static uint64_t *acc_widen(struct fs_res_acc *a, int lo, int hi)
{
    uint64_t *L = limbs(a);
    int shift = a->base - lo;
    assert(shift >= 0 && hi - lo <= capof(a) && top(a) <= hi);
    if (shift) {
        memmove(L + shift, L, (size_t)a->n * sizeof *L);
        memset(L, 0, (size_t)shift * sizeof *L);
    }
    memset(L + shift + a->n, 0, (size_t)(hi - lo - shift - a->n) * sizeof *L);
    a->base = (int16_t)lo;
    a->n = (uint8_t)(hi - lo);
    return L;
}

int fs_res_acc_add(struct fs_res_acc *a, const struct fs_res_acc *b)
{
    if (!b->n)
        return FS_OK;
    int rc = acc_reserve(a, add_need(a, b));
    if (rc)
        return rc;
    if (!a->n) {
        memcpy(limbs(a), climbs(b), (size_t)b->n * sizeof(uint64_t));
        a->base = b->base;
        a->n = b->n;
        return FS_OK;
    }
    int lo = a->base < b->base ? a->base : b->base;
    int hi = (top(a) > top(b) ? top(a) : top(b)) + 1; /* + the carry limb */
    uint64_t *L = acc_widen(a, lo, hi);
    const uint64_t *B = climbs(b);
    int j = b->base - lo;
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++, j++) {
        uint64_t s = L[j] + B[i];
        uint64_t c = s < B[i];
        L[j] = s + carry;
        carry = c | (L[j] < s);
    }
    for (; carry; j++) {
        assert(j < a->n);
        carry = ++L[j] == 0;
    }
    acc_normalize(a);
    return FS_OK;
}

/* a -= b; requires a >= b. FS_ENOMEM (a unchanged) or FS_OK. */
static int acc_sub(struct fs_res_acc *a, const struct fs_res_acc *b)
{
    assert(fs_res_acc_cmp(a, b) >= 0);
    if (!b->n)
        return FS_OK;
    int rc = acc_reserve(a, sub_need(a, b));
    if (rc)
        return rc;
    int lo = a->base < b->base ? a->base : b->base;
    uint64_t *L = acc_widen(a, lo, top(a));
    const uint64_t *B = climbs(b);
    int j = b->base - lo;
    uint64_t borrow = 0;
    for (int i = 0; i < b->n; i++, j++) {
        uint64_t d = L[j] - B[i];
        uint64_t c = L[j] < B[i];
        L[j] = d - borrow;
        borrow = c | (d < borrow);
    }
    for (; borrow; j++) {
        assert(j < a->n);
        borrow = L[j]-- == 0;
    }
    acc_normalize(a);
    return FS_OK;
}

static int clz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return x ? __builtin_clzll(x) : 64;
#endif
    int n = 0;
    for (int s = 32; s; s >>= 1) {
        if (!(x >> (64 - s))) {
            n += s;
            x <<= s;
        }
    }
    return n;
}

/* The amount sum(L[i] * 2^(64 * (base + i))), L[n-1] != 0, rounded once. */
static double limbs_to_double(const uint64_t *L, int n, int base)
{
    int lz = clz64(L[n - 1]);
    /* w: the 64 bits below and including the highest set bit; sticky: is
     * anything set below them? */
    uint64_t next = n >= 2 ? L[n - 2] : 0;
    uint64_t w = L[n - 1] << lz | (lz ? next >> (64 - lz) : 0);
    int sticky = (lz ? next << lz : next) != 0;
    for (int i = 0; i < n - 2 && !sticky; i++)
        sticky = L[i] != 0;
    /* Round w to 53 bits, ties to even. An amount below 2^-1022 has at most
     * 52 significant bits (it is a multiple of 2^-1074), so this rounding is
     * exact there and ldexp below never rounds a second time. */
    uint64_t mant = w >> 11, rest = w & 0x7FF;
    if (rest > 0x400 || (rest == 0x400 && (sticky || (mant & 1))))
        mant++; /* may reach 2^53: still exact */
    int e = 64 * (base + n - 1) - lz + 11;
    /* mant * 2^e, built from its bits when the result is a normal double
     * (mant is 2^52 .. 2^53 here), else by ldexp (subnormals, overflow). */
    if (mant == UINT64_C(1) << 53) {
        mant >>= 1;
        e++;
    }
    int biased = e + 52 + 1023;
    if (mant >> 52 && biased >= 1 && biased <= 2046) {
        uint64_t out = (uint64_t)biased << 52 | (mant & ((UINT64_C(1) << 52) - 1));
        double d;
        memcpy(&d, &out, sizeof d);
        return d;
    }
    return ldexp((double)mant, e);
}

double fs_res_acc_to_double(const struct fs_res_acc *a)
{
    return a->n ? limbs_to_double(climbs(a), a->n, a->base) : 0.0;
}

/* ------------------------------------------------------------------ */
/* Wide sums: exact amounts on a fixed frame of limbs, on the stack, for
 * reads that add standing claims (k * v) to loose amounts. Limb index j of
 * the frame has weight 2^(64 * (j - WIDE_OFF)); amounts stay below 2^1030
 * (see the design note), products k * v below 2^(960 + 31 + 1) each. */
#define WIDE_OFF 18
#define WIDE_LIMBS 40

struct wide {
    uint64_t L[WIDE_LIMBS];
};

/* Add `x` at frame index j (and carry up). */
static void wide_add_limb(struct wide *w, int j, uint64_t x)
{
    for (; x && j < WIDE_LIMBS; j++) {
        uint64_t s = w->L[j] + x;
        x = s < x;
        w->L[j] = s;
    }
    assert(!x);
}

static void wide_add_acc(struct wide *w, const struct fs_res_acc *a)
{
    const uint64_t *L = climbs(a);
    for (int i = 0; i < a->n; i++)
        wide_add_limb(w, a->base + i + WIDE_OFF, L[i]);
}

/* hi:lo = a * b (portable 64 x 64 -> 128). */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Add k * x exactly (x finite, >= 0, k >= 0). */
static void wide_add_mul(struct wide *w, double x, uint64_t k)
{
    if (x == 0 || k == 0)
        return;
    struct fs_res_acc a;
    fs_res_acc_from_double(&a, x); /* at most 2 limbs: inline */
    const uint64_t *L = climbs(&a);
    for (int i = 0; i < a.n; i++) {
        uint64_t hi, lo;
        mul64(L[i], k, &hi, &lo);
        wide_add_limb(w, a.base + i + WIDE_OFF, lo);
        wide_add_limb(w, a.base + i + 1 + WIDE_OFF, hi);
    }
}

static double wide_to_double(const struct wide *w)
{
    int hi = WIDE_LIMBS;
    while (hi > 0 && !w->L[hi - 1])
        hi--;
    return hi ? limbs_to_double(w->L, hi, -WIDE_OFF) : 0.0;
}

/* The canonical accumulator of w's amount (FS_ENOMEM: *out is zero). */
static int wide_to_acc(const struct wide *w, struct fs_res_acc *out)
{
    memset(out, 0, sizeof *out);
    int hi = WIDE_LIMBS, lo = 0;
    while (hi > 0 && !w->L[hi - 1])
        hi--;
    while (lo < hi && !w->L[lo])
        lo++;
    if (hi == lo)
        return FS_OK;
    int rc = acc_reserve(out, hi - lo);
    if (rc)
        return rc;
    memcpy(limbs(out), &w->L[lo], (size_t)(hi - lo) * sizeof(uint64_t));
    out->base = (int16_t)(lo - WIDE_OFF);
    out->n = (uint8_t)(hi - lo);
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Slots */

void fs_res_init(struct fs_res *t)
{
    memset(t, 0, sizeof *t);
}

static void entity_clear(struct fs_res_entity *e)
{
    for (uint32_t s = 0; s < e->nacc; s++)
        fs_res_acc_free(&e->acc[s]);
    free(e->acc);
    free(e->claim);
    free(e->claimers);
    memset(e, 0, sizeof *e);
}

void fs_res_free(struct fs_res *t)
{
    if (!t)
        return;
    for (uint32_t s = 0; s < t->nslots; s++)
        free(t->names[s]);
    for (uint32_t r = 0; r < t->nrep; r++)
        entity_clear(&t->rep[r]);
    for (uint32_t n = 0; n < t->nnode; n++)
        entity_clear(&t->node[n]);
    free(t->rep);
    free(t->node);
    memset(t, 0, sizeof *t);
}

int fs_res_slot_find(const struct fs_res *t, const char *name, size_t len)
{
    if (!t || (!name && len))
        return FS_EINVAL;
    for (uint32_t s = 0; s < t->nslots; s++)
        if (t->name_len[s] == len && (len == 0 || memcmp(t->names[s], name, len) == 0))
            return (int)s;
    return FS_ERES_NO_SLOT;
}

int fs_res_slot(struct fs_res *t, const char *name, size_t len)
{
    int s = fs_res_slot_find(t, name, len);
    if (s != FS_ERES_NO_SLOT)
        return s;
    if (t->nslots == FS_RES_MAX_SLOTS)
        return FS_ERES_SLOTS;
    char *copy = malloc(len + 1);
    if (!copy)
        return FS_ENOMEM;
    if (len)
        memcpy(copy, name, len);
    copy[len] = '\0';
    t->names[t->nslots] = copy;
    t->name_len[t->nslots] = len;
    return (int)t->nslots++;
}

const char *fs_res_slot_name(const struct fs_res *t, int slot, size_t *len)
{
    if (!t || slot < 0 || (uint32_t)slot >= t->nslots)
        return NULL;
    if (len)
        *len = t->name_len[slot];
    return t->names[slot];
}

/* ------------------------------------------------------------------ */
/* Entities */

/* Make arr[0 .. need) exist (zero-filled); unobservable if it fails. */
static int grow_entities(struct fs_res_entity **arr, uint32_t *len, uint32_t *cap, uint32_t need)
{
    if (need <= *len)
        return FS_OK;
    if (need > *cap) {
        uint32_t ncap = *cap ? *cap : 8;
        while (ncap < need)
            ncap *= 2;
        struct fs_res_entity *p = realloc(*arr, (size_t)ncap * sizeof *p);
        if (!p)
            return FS_ENOMEM;
        memset(p + *cap, 0, (size_t)(ncap - *cap) * sizeof *p);
        *arr = p;
        *cap = ncap;
    }
    *len = need;
    return FS_OK;
}

/* Give e an accumulator for every slot interned so far (slot included). */
static int entity_cover(const struct fs_res *t, struct fs_res_entity *e, int slot)
{
    if ((uint32_t)slot < e->nacc)
        return FS_OK;
    struct fs_res_acc *p = realloc(e->acc, (size_t)t->nslots * sizeof *p);
    if (!p)
        return FS_ENOMEM;
    memset(p + e->nacc, 0, (size_t)(t->nslots - e->nacc) * sizeof *p);
    e->acc = p;
    e->nacc = t->nslots;
    return FS_OK;
}

int fs_res_reserve_nodes(struct fs_res *t, uint32_t n)
{
    if (!t || n > FS_RES_MAX_ID)
        return FS_EINVAL;
    return grow_entities(&t->node, &t->nnode, &t->capnode, n);
}

int fs_res_replica_add(struct fs_res *t, uint32_t replica, uint32_t node)
{
    if (!t || replica >= FS_RES_MAX_ID || node >= FS_RES_MAX_ID)
        return FS_EINVAL;
    if (replica < t->nrep && t->rep[replica].registered)
        return FS_ERES_DUP_REPLICA;
    /* Growing the replica array is unobservable (the new entries are
     * unregistered), so a failure to grow the node array changes nothing. */
    int rc = grow_entities(&t->rep, &t->nrep, &t->caprep, replica + 1);
    if (rc)
        return rc;
    rc = grow_entities(&t->node, &t->nnode, &t->capnode, node + 1);
    if (rc)
        return rc;
    t->rep[replica].registered = 1;
    t->rep[replica].node = node;
    t->node[node].node++;
    return FS_OK;
}

static struct fs_res_entity *find_replica(const struct fs_res *t, uint32_t replica)
{
    return replica < t->nrep && t->rep[replica].registered ? &t->rep[replica] : NULL;
}

int fs_res_replica_node(const struct fs_res *t, uint32_t replica, uint32_t *node)
{
    if (!t || !node)
        return FS_EINVAL;
    const struct fs_res_entity *r = find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    *node = r->node;
    return FS_OK;
}

int fs_res_replica_remove(struct fs_res *t, uint32_t replica, int force)
{
    if (!t)
        return FS_EINVAL;
    struct fs_res_entity *r = find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    if ((r->mask || (r->claim && r->claim->k)) && !force)
        return FS_ERES_NOTEMPTY;
    struct fs_res_entity *nd = &t->node[r->node];
    if (r->claim) { /* its standing claims go with it: out of the node's claimers */
        uint32_t i = 0;
        while (i < nd->nclaimers && nd->claimers[i] != replica)
            i++;
        assert(i < nd->nclaimers);
        memmove(&nd->claimers[i], &nd->claimers[i + 1], (size_t)(nd->nclaimers - i - 1) * sizeof(uint32_t));
        nd->nclaimers--;
    }
    /* Reserve first, so that the subtractions below cannot fail half-way. */
    for (uint64_t m = r->mask; m;) {
        int s = fs_res_mask_next(&m);
        int rc = acc_reserve(&nd->acc[s], sub_need(&nd->acc[s], &r->acc[s]));
        if (rc)
            return rc;
    }
    for (uint64_t m = r->mask; m;) {
        int s = fs_res_mask_next(&m);
        int rc = acc_sub(&nd->acc[s], &r->acc[s]);
        assert(rc == FS_OK);
        (void)rc;
        if (!nd->acc[s].n)
            nd->mask &= ~(UINT64_C(1) << s);
    }
    nd->node--;
    entity_clear(r);
    return FS_OK;
}

/* Common checks of put and remove. */
static int check_update(const struct fs_res *t, uint32_t replica, int slot, double value)
{
    if (!t || slot < 0 || (uint32_t)slot >= t->nslots || !(value >= 0) || isinf(value))
        return FS_EINVAL; /* !(value >= 0) also catches NaN */
    if (!find_replica(t, replica))
        return FS_ERES_UNKNOWN_REPLICA;
    return FS_OK;
}

int fs_res_put(struct fs_res *t, uint32_t replica, int slot, double value)
{
    int rc = check_update(t, replica, slot, value);
    if (rc || value == 0)
        return rc;
    struct fs_res_entity *r = &t->rep[replica], *nd = &t->node[t->rep[replica].node];
    struct fs_res_acc x; /* inline: nothing to free */
    fs_res_acc_from_double(&x, value);
    if ((rc = entity_cover(t, r, slot)) || (rc = entity_cover(t, nd, slot)))
        return rc;
    struct fs_res_acc *ra = &r->acc[slot], *na = &nd->acc[slot];
    if ((rc = acc_reserve(ra, add_need(ra, &x))))
        return rc;
    /* The node first: it holds the most, so it alone can overflow. The
     * capacity reserved for the addition also covers undoing it. */
    if ((rc = fs_res_acc_add(na, &x)))
        return rc;
    if (isinf(fs_res_acc_to_double(na))) {
        rc = acc_sub(na, &x);
        assert(rc == FS_OK);
        return FS_EOVERFLOW;
    }
    rc = fs_res_acc_add(ra, &x);
    assert(rc == FS_OK);
    r->mask |= UINT64_C(1) << slot;
    nd->mask |= UINT64_C(1) << slot;
    return rc;
}

int fs_res_remove(struct fs_res *t, uint32_t replica, int slot, double value)
{
    int rc = check_update(t, replica, slot, value);
    if (rc || value == 0)
        return rc;
    struct fs_res_entity *r = &t->rep[replica], *nd = &t->node[t->rep[replica].node];
    if ((uint32_t)slot >= r->nacc || !r->acc[slot].n)
        return FS_ERES_INSUFFICIENT;
    struct fs_res_acc x;
    fs_res_acc_from_double(&x, value);
    struct fs_res_acc *ra = &r->acc[slot];
    assert((uint32_t)slot < nd->nacc); /* the node holds at least as much */
    struct fs_res_acc *na = &nd->acc[slot];
    if (fs_res_acc_cmp(ra, &x) < 0) {
        /* More than held, unless value is what a read of the amount gives
         * (the held sum rounded to the nearest double, which may lie above
         * it): a caller giving back what it read gives back all of it. */
        if (fs_res_acc_to_double(ra) != value)
            return FS_ERES_INSUFFICIENT;
        if ((rc = acc_reserve(na, sub_need(na, ra))))
            return rc;
        rc = acc_sub(na, ra);
        assert(rc == FS_OK);
        ra->n = 0; /* zero, as acc_normalize leaves it */
        ra->base = 0;
        r->mask &= ~(UINT64_C(1) << slot);
        if (!na->n)
            nd->mask &= ~(UINT64_C(1) << slot);
        return rc;
    }
    if ((rc = acc_reserve(ra, sub_need(ra, &x))) || (rc = acc_reserve(na, sub_need(na, &x))))
        return rc;
    rc = acc_sub(ra, &x);
    assert(rc == FS_OK);
    rc = acc_sub(na, &x);
    assert(rc == FS_OK);
    if (!ra->n)
        r->mask &= ~(UINT64_C(1) << slot);
    if (!na->n)
        nd->mask &= ~(UINT64_C(1) << slot);
    return rc;
}

static const struct fs_res_acc *loose_acc(const struct fs_res_entity *e, int slot)
{
    static const struct fs_res_acc zero;
    return (uint32_t)slot < e->nacc ? &e->acc[slot] : &zero;
}

/* The standing amount of slot on a claim: its value, and the multiplicity
 * (0 if the slot is not in the vector or nothing is held). */
static double claim_value(const struct fs_res_claim *c, int slot, uint64_t *k)
{
    *k = 0;
    if (!c || !c->k || !((c->mask >> slot) & 1))
        return 0.0;
    for (int i = 0; i < c->nv; i++)
        if (c->slot[i] == slot) {
            *k = (uint64_t)c->k;
            return c->v[i];
        }
    return 0.0;
}

/* Does any claimer of node nd hold standing claims of slot? */
static int node_has_standing(const struct fs_res *t, const struct fs_res_entity *nd, int slot)
{
    for (uint32_t i = 0; i < nd->nclaimers; i++) {
        const struct fs_res_claim *c = t->rep[nd->claimers[i]].claim;
        if (c->k && ((c->mask >> slot) & 1))
            return 1;
    }
    return 0;
}

/* The exact total (loose + standing) of slot on a replica or node into w. */
static void entity_wide(const struct fs_res *t, const struct fs_res_entity *e, int is_node, int slot, struct wide *w)
{
    memset(w, 0, sizeof *w);
    wide_add_acc(w, loose_acc(e, slot));
    uint64_t k;
    if (!is_node) {
        double v = claim_value(e->claim, slot, &k);
        wide_add_mul(w, v, k);
        return;
    }
    for (uint32_t i = 0; i < e->nclaimers; i++) {
        double v = claim_value(t->rep[e->claimers[i]].claim, slot, &k);
        wide_add_mul(w, v, k);
    }
}

static const struct fs_res_entity *find_entity(const struct fs_res *t, int is_node, uint32_t id)
{
    if (is_node)
        return id < t->nnode ? &t->node[id] : NULL;
    return find_replica(t, id);
}

static int entity_get(const struct fs_res *t, int is_node, uint32_t id, int slot, int loose, double *out)
{
    if (!t || !out || slot < 0 || (uint32_t)slot >= t->nslots)
        return FS_EINVAL;
    const struct fs_res_entity *e = find_entity(t, is_node, id);
    if (!e)
        return is_node ? FS_ERES_UNKNOWN_NODE : FS_ERES_UNKNOWN_REPLICA;
    uint64_t k = 0;
    if (!loose) {
        if (is_node)
            k = node_has_standing(t, e, slot);
        else
            (void)claim_value(e->claim, slot, &k);
    }
    if (!k) { /* the common case: the loose accumulator alone */
        *out = fs_res_acc_to_double(loose_acc(e, slot));
        return FS_OK;
    }
    struct wide w;
    entity_wide(t, e, is_node, slot, &w);
    *out = wide_to_double(&w);
    return FS_OK;
}

int fs_res_get(const struct fs_res *t, uint32_t replica, int slot, double *out)
{
    return entity_get(t, 0, replica, slot, 0, out);
}

int fs_res_node_get(const struct fs_res *t, uint32_t node, int slot, double *out)
{
    return entity_get(t, 1, node, slot, 0, out);
}

int fs_res_get_loose(const struct fs_res *t, uint32_t replica, int slot, double *out)
{
    return entity_get(t, 0, replica, slot, 1, out);
}

int fs_res_node_get_loose(const struct fs_res *t, uint32_t node, int slot, double *out)
{
    return entity_get(t, 1, node, slot, 1, out);
}

int fs_res_amount(const struct fs_res *t, int is_node, uint32_t id, int slot, struct fs_res_acc *out)
{
    if (!out)
        return FS_EINVAL;
    memset(out, 0, sizeof *out);
    if (!t || slot < 0 || (uint32_t)slot >= t->nslots)
        return FS_EINVAL;
    const struct fs_res_entity *e = find_entity(t, is_node, id);
    if (!e)
        return is_node ? FS_ERES_UNKNOWN_NODE : FS_ERES_UNKNOWN_REPLICA;
    struct wide w;
    entity_wide(t, e, is_node, slot, &w);
    return wide_to_acc(&w, out);
}

int fs_res_replica_mask(const struct fs_res *t, uint32_t replica, uint64_t *mask)
{
    if (!t || !mask)
        return FS_EINVAL;
    const struct fs_res_entity *r = find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    *mask = r->mask | (r->claim && r->claim->k ? r->claim->mask : 0);
    return FS_OK;
}

int fs_res_node_mask(const struct fs_res *t, uint32_t node, uint64_t *mask)
{
    if (!t || !mask)
        return FS_EINVAL;
    if (node >= t->nnode)
        return FS_ERES_UNKNOWN_NODE;
    const struct fs_res_entity *nd = &t->node[node];
    uint64_t m = nd->mask;
    for (uint32_t i = 0; i < nd->nclaimers; i++) {
        const struct fs_res_claim *c = t->rep[nd->claimers[i]].claim;
        if (c->k)
            m |= c->mask;
    }
    *mask = m;
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Standing claims */

#define CLAIM_MAX_VALUE 0x1p960
#define CLAIM_MAX_K (INT64_C(1) << 31)

const struct fs_res_claim *fs_res_claim_of(const struct fs_res *t, uint32_t replica)
{
    const struct fs_res_entity *r = t ? find_replica(t, replica) : NULL;
    return r ? r->claim : NULL;
}

int fs_res_node_claimers(const struct fs_res *t, uint32_t node, const uint32_t **ids, uint32_t *n)
{
    if (!t || !ids || !n)
        return FS_EINVAL;
    if (node >= t->nnode)
        return FS_ERES_UNKNOWN_NODE;
    *ids = t->node[node].claimers;
    *n = t->node[node].nclaimers;
    return FS_OK;
}

int fs_res_claim_set(struct fs_res *t, uint32_t replica, int n, const int *slots, const double *values)
{
    if (!t || n < 0 || n > FS_RES_CLAIM_MAX || (n && (!slots || !values)))
        return FS_EINVAL;
    uint64_t mask = 0;
    for (int i = 0; i < n; i++) {
        int s = slots[i];
        double v = values[i];
        if (s < 0 || (uint32_t)s >= t->nslots || !(v >= 0) || !(v <= CLAIM_MAX_VALUE))
            return FS_EINVAL; /* also NaN and infinity */
        if (v > 0) {
            if ((mask >> s) & 1)
                return FS_EINVAL; /* a slot twice */
            mask |= UINT64_C(1) << s;
        }
    }
    struct fs_res_entity *r = (struct fs_res_entity *)find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    if (r->claim && r->claim->k)
        return FS_ERES_CLAIMED;
    if (!r->claim) {
        struct fs_res_entity *nd = &t->node[r->node];
        if (nd->nclaimers == nd->capclaimers) {
            uint32_t ncap = nd->capclaimers ? 2 * nd->capclaimers : 4;
            uint32_t *p = realloc(nd->claimers, (size_t)ncap * sizeof *p);
            if (!p)
                return FS_ENOMEM;
            nd->claimers = p;
            nd->capclaimers = ncap;
        }
        struct fs_res_claim *c = calloc(1, sizeof *c);
        if (!c)
            return FS_ENOMEM;
        r->claim = c;
        nd->claimers[nd->nclaimers++] = replica;
    }
    struct fs_res_claim *c = r->claim;
    c->nv = 0;
    for (int i = 0; i < n; i++)
        if (values[i] > 0) {
            c->slot[c->nv] = slots[i];
            c->v[c->nv++] = values[i];
        }
    c->mask = mask;
    return FS_OK;
}

int fs_res_claim_add(struct fs_res *t, uint32_t replica, int64_t delta)
{
    if (!t)
        return FS_EINVAL;
    const struct fs_res_entity *r = find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    struct fs_res_claim *c = r->claim;
    if (!c)
        return FS_ERES_NO_CLAIM;
    if (delta < -c->k)
        return FS_ERES_INSUFFICIENT;
    if (delta > CLAIM_MAX_K - c->k)
        return FS_EOVERFLOW;
    c->k += delta;
    return FS_OK;
}

int fs_res_claim_fold(struct fs_res *t, uint32_t replica)
{
    if (!t)
        return FS_EINVAL;
    struct fs_res_entity *r = (struct fs_res_entity *)find_replica(t, replica);
    if (!r)
        return FS_ERES_UNKNOWN_REPLICA;
    struct fs_res_claim *c = r->claim;
    if (!c)
        return FS_ERES_NO_CLAIM;
    struct fs_res_entity *nd = &t->node[r->node];
    struct fs_res_acc add[FS_RES_CLAIM_MAX];
    int rc = FS_OK, made = 0;
    /* All allocation first: the products, then room for the sums. */
    for (; made < c->nv && c->k && rc == FS_OK; made++) {
        struct wide w;
        memset(&w, 0, sizeof w);
        wide_add_mul(&w, c->v[made], (uint64_t)c->k);
        rc = wide_to_acc(&w, &add[made]);
    }
    for (int i = 0; i < made && rc == FS_OK; i++) {
        int s = c->slot[i];
        if ((rc = entity_cover(t, r, s)) || (rc = entity_cover(t, nd, s)) ||
            (rc = acc_reserve(&r->acc[s], add_need(&r->acc[s], &add[i]))) ||
            (rc = acc_reserve(&nd->acc[s], add_need(&nd->acc[s], &add[i]))))
            break;
    }
    if (rc == FS_OK) {
        for (int i = 0; i < made; i++) {
            int s = c->slot[i];
            int rc2 = fs_res_acc_add(&r->acc[s], &add[i]);
            assert(rc2 == FS_OK);
            rc2 = fs_res_acc_add(&nd->acc[s], &add[i]);
            assert(rc2 == FS_OK);
            (void)rc2;
            r->mask |= UINT64_C(1) << s;
            nd->mask |= UINT64_C(1) << s;
        }
        c->k = 0;
        c->epoch++;
    }
    for (int i = 0; i < made; i++)
        fs_res_acc_free(&add[i]);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Validation */

static int entity_valid(const struct fs_res *t, const struct fs_res_entity *e)
{
    if (e->nacc > t->nslots || (e->nacc < 64 && (e->mask >> e->nacc)))
        return 0;
    for (uint32_t s = 0; s < e->nacc; s++) {
        const struct fs_res_acc *a = &e->acc[s];
        if (a->n > capof(a) || ((e->mask >> s) & 1) != (a->n != 0))
            return 0;
        if (a->n && (climbs(a)[0] == 0 || climbs(a)[a->n - 1] == 0))
            return 0;
    }
    return 1;
}

int fs_res_valid(const struct fs_res *t)
{
    if (!t)
        return 0;
    size_t ns = t->nslots;
    struct fs_res_acc *sum = ns && t->nnode ? calloc((size_t)t->nnode * ns, sizeof *sum) : NULL;
    uint32_t *count = t->nnode ? calloc(t->nnode, sizeof *count) : NULL;
    int ok = 1, rc = FS_OK;
    if ((ns && t->nnode && !sum) || (t->nnode && !count)) {
        rc = FS_ENOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < t->nrep && ok && !rc; i++) {
        const struct fs_res_entity *r = &t->rep[i];
        if (!r->registered) {
            ok = !r->nacc && !r->mask && !r->acc && !r->claim;
            continue;
        }
        if (r->node >= t->nnode || !entity_valid(t, r)) {
            ok = 0;
            break;
        }
        count[r->node]++;
        if (r->claim) { /* a sound vector, listed once among its node's claimers */
            const struct fs_res_claim *c = r->claim;
            uint64_t m = 0;
            uint32_t seen = 0;
            for (int v = 0; v < c->nv; v++) {
                if (c->slot[v] < 0 || (uint32_t)c->slot[v] >= t->nslots || !(c->v[v] > 0) ||
                    !(c->v[v] <= CLAIM_MAX_VALUE) || ((m >> c->slot[v]) & 1))
                    ok = 0;
                else
                    m |= UINT64_C(1) << c->slot[v];
            }
            const struct fs_res_entity *nd = &t->node[r->node];
            for (uint32_t j = 0; j < nd->nclaimers; j++)
                seen += nd->claimers[j] == i;
            if (!ok || m != c->mask || c->k < 0 || c->k > CLAIM_MAX_K || c->nv > FS_RES_CLAIM_MAX || seen != 1) {
                ok = 0;
                break;
            }
        }
        for (uint32_t s = 0; s < r->nacc && !rc; s++)
            rc = fs_res_acc_add(&sum[(size_t)r->node * ns + s], &r->acc[s]);
    }
    for (uint32_t n = 0; n < t->nnode && ok && !rc; n++) {
        const struct fs_res_entity *nd = &t->node[n];
        for (uint32_t j = 0; j < nd->nclaimers && ok; j++) {
            uint32_t id = nd->claimers[j];
            ok = id < t->nrep && t->rep[id].registered && t->rep[id].node == n && t->rep[id].claim;
        }
        if (!ok || nd->nclaimers > nd->capclaimers || !entity_valid(t, nd) || nd->node != count[n]) {
            ok = 0;
            break;
        }
        for (uint32_t s = 0; s < ns && ok; s++) {
            static const struct fs_res_acc zero;
            const struct fs_res_acc *a = s < nd->nacc ? &nd->acc[s] : &zero;
            ok = fs_res_acc_cmp(a, &sum[(size_t)n * ns + s]) == 0;
        }
    }
done:
    if (sum)
        for (size_t i = 0; i < (size_t)t->nnode * ns; i++)
            fs_res_acc_free(&sum[i]);
    free(sum);
    free(count);
    return rc ? rc : ok;
}
