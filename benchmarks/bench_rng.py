"""How fast are env.rng's draws compared with Python's random.Random?

Times the common calls one million times each on ``env.rng`` (faassim.Random,
xoshiro256** in C) and on ``random.Random`` (the Mersenne Twister, partly in
Python), and checks every batch: the sample mean of each distribution lies
within 6 standard errors of its true value. Prints ns per call and the ratio
random.Random / faassim (informational; only a wrong mean fails the run).
"""
import argparse
import math
import os
import random
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import faassim  # noqa: E402

# (label, call on a generator g, true mean, true variance)
CASES = [
    ("random()", "g.random()", 0.5, 1 / 12),
    ("uniform(1, 3)", "g.uniform(1.0, 3.0)", 2.0, 4 / 12),
    ("expovariate(2)", "g.expovariate(2.0)", 0.5, 0.25),
    ("normalvariate(1, 2)", "g.normalvariate(1.0, 2.0)", 1.0, 4.0),
    ("lognormvariate(0, 0.5)", "g.lognormvariate(0.0, 0.5)", math.exp(0.125), (math.exp(0.25) - 1) * math.exp(0.25)),
    ("randint(1, 6)", "g.randint(1, 6)", 3.5, 35 / 12),
    ("randrange(100)", "g.randrange(100)", 49.5, (100**2 - 1) / 12),
    ("choice(list of 10)", "g.choice(SEQ)", 4.5, 99 / 12),
]
SEQ = list(range(10))


def check_mean(label, gen_name, g, call, mean, var, n=200_000):
    xs = [eval(call, {"g": g, "SEQ": SEQ}) for _ in range(n)]
    m = math.fsum(xs) / n
    assert abs(m - mean) <= 6 * math.sqrt(var / n), (label, gen_name, m, mean)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1/20 of the calls")
    args = p.parse_args(argv)
    calls = args.calls // 20 if args.quick else args.calls
    env = faassim.Environment(seed=1)
    gens = {"env.rng": env.rng, "random.Random": random.Random(1)}
    print(f"python {sys.version.split()[0]}, {calls:,} calls per case, best of {args.repeat}")
    print(f"{'call':24s} {'env.rng ns':>11s} {'random.Random ns':>17s} {'ratio':>7s}")
    for label, call, mean, var in CASES:
        ns = {}
        for name, g in gens.items():
            check_mean(label, name, g, call, mean, var)
            t = min(timeit.repeat(call, globals={"g": g, "SEQ": SEQ}, number=calls, repeat=args.repeat))
            ns[name] = t / calls * 1e9
        print(f"{label:24s} {ns['env.rng']:11.1f} {ns['random.Random']:17.1f} {ns['random.Random'] / ns['env.rng']:6.1f}x")
    # the attribute lookup on the environment, as user code often writes it
    t = min(timeit.repeat("env.rng.random()", globals={"env": env}, number=calls, repeat=args.repeat))
    print(f"{'env.rng.random() (lookup)':24s} {t / calls * 1e9:11.1f}")


if __name__ == "__main__":
    main()
