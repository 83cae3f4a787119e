"""Clean-room pure-Python reference of faassim's random source.

Written from the published descriptions of splitmix64 (Steele, Lea, Flood,
"Fast splittable pseudorandom number generators", 2014) and xoshiro256**
(Blackman, Vigna, "Scrambled linear pseudorandom number generators", 2021),
independently of csrc/engine/fs_rng.c. It serves two purposes:

* ``python tests/rng_reference.py`` prints the known-answer values that
  csrc/tests/test_fs_rng.c checks (first outputs for seeds 0 and 42, the
  states after a jump and a long jump);
* tests/test_rng.py compares faassim.Random against it draw by draw.

The jumps are verified here without trusting their polynomial constants:
the xoshiro256 state transition is linear over GF(2), so its 2^k-th power
can be computed by k squarings of the 256x256 transition matrix
(``jump_by_matrix``) and compared with the polynomial forms (``jump``,
``long_jump``). The generator itself is checked against a test vector of
php-src (``php_check``), an implementation written by other people.
"""

import math

MASK = (1 << 64) - 1

# The jump polynomials of xoshiro256 for 2^128 and 2^192 steps, as
# published with the algorithm; jump_by_matrix() checks them.
JUMP = (0x180EC6D33CFD0ABA, 0xD5A61266F0C9392C, 0xA9582618E03FC9AA, 0x39ABDC4529B1661C)
LONG_JUMP = (0x76E15D3EFEFDCBBF, 0xC5004E441C522FB3, 0x77710069854EE241, 0x39109BB02ACBE635)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def splitmix64(state):
    """One step: returns (new_state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


class Xoshiro:
    def __init__(self, seed):
        sm = seed & MASK
        s = []
        for _ in range(4):
            sm, out = splitmix64(sm)
            s.append(out)
        self.s = s
        self.spare = None
        self.level = 0

    def next_u64(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def _advance(self):
        """The linear state transition alone (no output)."""
        self.next_u64()

    def copy(self):
        g = Xoshiro(0)
        g.s, g.spare, g.level = list(self.s), self.spare, self.level
        return g

    def jump(self, poly=JUMP):
        acc = [0, 0, 0, 0]
        for word in poly:
            for b in range(64):
                if word >> b & 1:
                    acc = [a ^ x for a, x in zip(acc, self.s)]
                self._advance()
        self.s = acc
        self.spare = None

    def long_jump(self):
        self.jump(LONG_JUMP)

    def spawn(self):
        """faassim's spawn: the child continues this stream; a root (level 0)
        then long-jumps, a child (level 1) jumps; a grandchild cannot spawn."""
        assert self.level < 2
        child = self.copy()
        child.level = self.level + 1
        if self.level == 0:
            self.long_jump()
        else:
            self.jump()
        return child

    def random(self):
        return (self.next_u64() >> 11) * 2.0**-53

    def below(self, n):
        """Integer in [0, n), n >= 1: mask rejection (no modulo bias)."""
        if n == 1:
            return 0
        k = (n - 1).bit_length()
        while True:
            x = self.next_u64() >> (64 - k)
            if x < n:
                return x

    def exponential(self, rate):
        return -math.log1p(-self.random()) / rate

    def std_normal(self):
        """Marsaglia's polar method; the second variate is kept."""
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        while True:
            u = 2.0 * self.random() - 1.0
            v = 2.0 * self.random() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        f = math.sqrt(-2.0 * math.log(s) / s)
        self.spare = v * f
        return u * f


# ---------------------------------------------------------------------------
# Independent check of the jump: the transition as a GF(2) matrix.


def _state_to_int(s):
    return s[0] | s[1] << 64 | s[2] << 128 | s[3] << 192


def _int_to_state(x):
    return [(x >> (64 * i)) & MASK for i in range(4)]


def _transition_columns():
    """Column j = image of basis vector e_j under one step."""
    cols = []
    for j in range(256):
        g = Xoshiro(0)
        g.s = _int_to_state(1 << j)
        g._advance()
        cols.append(_state_to_int(g.s))
    return cols


def _apply(cols, x):
    y = 0
    j = 0
    while x:
        if x & 1:
            y ^= cols[j]
        x >>= 1
        j += 1
    return y


def _square(cols):
    return [_apply(cols, c) for c in cols]


def jump_by_matrix(state, log2_steps=128):
    """State after 2^log2_steps steps, by repeated squaring of the transition."""
    cols = _transition_columns()
    for _ in range(log2_steps):
        cols = _square(cols)
    return _int_to_state(_apply(cols, _state_to_int(state)))


def php_check():
    """Cross-check against an independent implementation: php-src's test
    ext/random/tests/02_engine/xoshiro256starstar_seed.phpt sets the state to
    four copies of bytes 01..08 (little-endian words) and expects the 1001st
    output to be the bytes 90a025df9300cfd1."""
    g = Xoshiro(0)
    g.s = [0x0807060504030201] * 4
    for _ in range(1000):
        g.next_u64()
    return g.next_u64().to_bytes(8, "little").hex() == "90a025df9300cfd1"


def main():
    # splitmix64 published check value: the first output from state 0.
    assert splitmix64(0)[1] == 0xE220A8397B1DCDAF
    assert php_check()
    for seed in (0, 42, MASK):
        g = Xoshiro(seed)
        print(f"seed {seed}: state " + ", ".join(f"0x{w:016X}" for w in g.s))
        print(f"seed {seed}: u64   " + ", ".join(f"0x{g.next_u64():016X}" for _ in range(8)))
    g = Xoshiro(42)
    expected = jump_by_matrix(g.s)
    g.jump()
    assert g.s == expected, "jump polynomial disagrees with the matrix power"
    print("seed 42 jumped: state " + ", ".join(f"0x{w:016X}" for w in g.s))
    print("seed 42 jumped: u64   " + ", ".join(f"0x{g.next_u64():016X}" for _ in range(4)))
    g = Xoshiro(42)
    expected = jump_by_matrix(g.s, 192)
    g.long_jump()
    assert g.s == expected, "long-jump polynomial disagrees with the matrix power"
    print("seed 42 long-jumped: state " + ", ".join(f"0x{w:016X}" for w in g.s))
    g = Xoshiro(42)
    print("seed 42 random: " + ", ".join(repr(g.random()) for _ in range(4)))
    g = Xoshiro(42)
    print("seed 42 below(10): " + ", ".join(str(g.below(10)) for _ in range(12)))
    g = Xoshiro(42)
    print("seed 42 below(6): " + ", ".join(str(g.below(6)) for _ in range(10)))
    g = Xoshiro(42)
    print("seed 42 below(2**63 + 1): " + ", ".join(str(g.below(2**63 + 1)) for _ in range(3)))
    g = Xoshiro(42)
    print("seed 42 exponential(0.5): " + ", ".join(repr(g.exponential(0.5)) for _ in range(3)))
    g = Xoshiro(42)
    print("seed 42 std normal: " + ", ".join(repr(g.std_normal()) for _ in range(5)))
    g = Xoshiro(42)
    vals = [1.0 + 2.0 * math.exp(0.5 * g.std_normal()) for _ in range(3)]
    print("seed 42 lognormal(s=0.5, loc=1, scale=2): " + ", ".join(map(repr, vals)))


if __name__ == "__main__":
    main()
