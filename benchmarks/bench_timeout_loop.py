"""How fast is a pure timeout loop?

N processes each run ``yield env.timeout(d)`` in a loop, with d cycling
through 1, 2, 3 (process i starts at phase i % 3, so many events tie).
Asserts the final ``env.now`` and the total number of resumptions against
values computed in closed form.  Target: faassim >= 5x SimPy.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

DELAYS = (1, 2, 3)
NAME = "timeout_loop"


def worker(env, phase, steps):
    n = 0
    for k in range(steps):
        yield env.timeout(DELAYS[(phase + k) % 3])
        n += 1
    return n


def plan(events, processes):
    """Steps per process: `events` timeouts spread as evenly as possible."""
    q, r = divmod(events, processes)
    return [q + (1 if i < r else 0) for i in range(processes)]


def expected(steps):
    """Closed-form final time and resumption count."""
    end = 0
    for i, k in enumerate(steps):
        phase = i % 3
        t = sum(DELAYS) * (k // 3) + sum(
            DELAYS[(phase + j) % 3] for j in range(k % 3))
        end = max(end, t)
    return end, sum(steps)


def run_model(sim, steps):
    env = sim.Environment()
    procs = [env.process(worker(env, i % 3, k)) for i, k in enumerate(steps)]
    env.run()
    return env.now, sum(p.value for p in procs)


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000,
                   help="total number of timeouts (default 1,000,000)")
    p.add_argument("--processes", type=int, default=100)
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    events = args.events // H.QUICK_DIVISOR if args.quick else args.events
    steps = plan(events, args.processes)
    want_now, want_resumes = expected(steps)
    case = "%d procs, %d timeouts" % (args.processes, events)
    print("%s: %s; expect now=%s, resumptions=%d"
          % (NAME, case, want_now, want_resumes))

    times = []
    for label, sim in (("simpy", base), ("faassim", cand)):
        t, results = H.median_time(lambda: run_model(sim, steps), args.repeat)
        for now, resumes in results:
            assert now == want_now, (label, now, want_now)
            assert resumes == want_resumes, (label, resumes, want_resumes)
        print("  %-8s %.3f s  (%.2f M timeouts/s)  ok" % (label, t, events / t / 1e6))
        sys.stdout.flush()
        times.append(t)
    rows = [H.row(NAME, case, times[0], times[1], "target >= 5x")]
    return H.finish(args, NAME, rows, base, cand, fake)


if __name__ == "__main__":
    main()
