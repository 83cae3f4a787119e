"""M/M/1 and M/M/c with a Resource and one Python process per customer.

A source process creates customers with exponential interarrival times;
each customer is its own process that requests the Resource, waits, holds
it for an exponential service time and releases it.  Waiting times in queue
are recorded.  Cases: M/M/1 and M/M/3, both at utilisation 0.6.

Correctness checks (per case):
  * both engines give the same pooled mean wait to 1e-9 relative (the random
    streams are identical, so the sample path is identical);
  * that mean equals the one from an exact FIFO queue recursion
    (Lindley / Kiefer-Wolfowitz) on the same random numbers, to 1e-9;
  * it is within 3% of the analytic Wq (M/M/1: rho/(mu-lambda); M/M/c:
    Erlang C / (c*mu - lambda)), after dropping a warm-up period.  With the
    default 2,000,000 customers per case (4 seeds x 500,000) the standard
    error is ~0.5% (M/M/1) and ~0.7% (M/M/3).  For smaller --customers the
    tolerance is widened by sqrt(2,000,000 / customers).
Target: faassim >= 4x SimPy.
"""
import heapq
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "mm1"
DEFAULT_CUSTOMERS = 2_000_000
BASE_TOL = 0.03
MU = 1.0
CASES = (  # (label, servers c, utilisation rho)
    ("M/M/1 rho=0.6", 1, 0.6),
    ("M/M/3 rho=0.6", 3, 0.6),
)


def streams(seed):
    """Separate arrival and service streams, identical on every engine."""
    return random.Random(2 * seed), random.Random(2 * seed + 1)


def customer(env, res, idx, service, waits):
    arrived = env.now
    with res.request() as req:
        yield req
        waits[idx] = env.now - arrived
        yield env.timeout(service)


def source(env, res, n, lam, seed, waits):
    arrivals, services = streams(seed)
    for i in range(n):
        yield env.timeout(arrivals.expovariate(lam))
        env.process(customer(env, res, i, services.expovariate(MU), waits))


def simulate(sim, c, lam, seeds, n, warm):
    """Run one replication per seed; return post-warm-up wait sums per seed."""
    sums = []
    for seed in seeds:
        env = sim.Environment()
        res = sim.Resource(env, capacity=c)
        waits = [None] * n
        env.process(source(env, res, n, lam, seed, waits))
        env.run()
        sums.append(math.fsum(waits[warm:]))  # None left => TypeError
    return sums


def reference(c, lam, seeds, n, warm):
    """Same sample path via the FIFO multi-server recursion (no engine)."""
    sums = []
    for seed in seeds:
        arrivals, services = streams(seed)
        free = [0.0] * c  # heap of times at which each server frees up
        t = 0.0
        waits = []
        for _ in range(n):
            t += arrivals.expovariate(lam)
            s = services.expovariate(MU)
            start = max(t, free[0])
            heapq.heapreplace(free, start + s)
            waits.append(start - t)
        sums.append(math.fsum(waits[warm:]))
    return sums


def analytic_wq(c, lam, mu):
    a = lam / mu
    rho = a / c
    tail = a ** c / math.factorial(c) / (1 - rho)
    erlang_c = tail / (sum(a ** k / math.factorial(k) for k in range(c)) + tail)
    return erlang_c / (c * mu - lam)


def rel(x, y):
    return abs(x - y) / abs(y)


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                   help="customers per case, pooled over --seeds "
                        "(default %d)" % DEFAULT_CUSTOMERS)
    p.add_argument("--seeds", type=int, default=4,
                   help="independent replications pooled per case (default 4)")
    p.add_argument("--seed-base", type=int, default=1)
    p.add_argument("--warmup", type=float, default=0.02,
                   help="fraction of each replication dropped (default 0.02)")
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    total = args.customers // H.QUICK_DIVISOR if args.quick else args.customers
    seeds = list(range(args.seed_base, args.seed_base + args.seeds))
    n = total // len(seeds)
    warm = int(n * args.warmup)
    used = (n - warm) * len(seeds)
    tol = BASE_TOL * max(1.0, math.sqrt(DEFAULT_CUSTOMERS / (n * len(seeds))))
    print("%s: %d seeds x %d customers, warm-up %d each, tolerance %.1f%%"
          % (NAME, len(seeds), n, warm, 100 * tol))

    rows = []
    for label, c, rho in CASES:
        lam = rho * c * MU
        wq = analytic_wq(c, lam, MU)
        ref_mean = math.fsum(reference(c, lam, seeds, n, warm)) / used
        means, times = [], []
        for eng, sim in (("simpy", base), ("faassim", cand)):
            t, results = H.median_time(
                lambda: simulate(sim, c, lam, seeds, n, warm), args.repeat)
            m = [math.fsum(r) / used for r in results]
            assert all(x == m[0] for x in m), (label, eng, "reps differ", m)
            assert rel(m[0], ref_mean) <= 1e-9, (label, eng, m[0], ref_mean)
            means.append(m[0])
            times.append(t)
            print("  %-14s %-8s %.3f s  mean Wq %.6f" % (label, eng, t, m[0]))
            sys.stdout.flush()
        assert rel(means[1], means[0]) <= 1e-9, (label, "engines differ", means)
        err = means[0] / wq - 1
        print("  %-14s analytic Wq %.6f, simulated %.6f, error %+.2f%% (tol %.1f%%)"
              % (label, wq, means[0], 100 * err, 100 * tol))
        assert abs(err) <= tol, (label, "Wq off analytic", means[0], wq, err)
        rows.append(H.row(NAME, "%s, %d cust" % (label, n * len(seeds)),
                          times[0], times[1],
                          "Wq err %+.2f%%; target >= 4x" % (100 * err)))
    return H.finish(args, NAME, rows, base, cand, fake)


if __name__ == "__main__":
    main()
