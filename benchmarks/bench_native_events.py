"""How many events per second when no Python runs per event?

faassim side: ``env._native_ticker(interval, count, streams=S)`` schedules S
independent chains of C actions, each firing `count` times every `interval`
simulated seconds without touching a Python object; ``env.run()`` drains
them.  SimPy side (for comparison): the cheapest SimPy equivalent, an Event
subclass whose callback re-schedules the same event with ``env.schedule``.
The same Python callback chain is also run on faassim (last row).
Asserts ticks == streams*count and env.now == interval*count (computed by
repeated addition; exact for 1 stream, 1e-9 relative otherwise).
Target: faassim native >= 20 million events/s.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "native_events"


def make_tick_class(sim):
    class Tick(sim.Event):
        """An always-successful event that re-schedules itself `count` times."""

        def __init__(self, env, interval, count):
            super().__init__(env)
            self._ok = True
            self._value = None
            self.interval = interval
            self.count = count
            self.fired = 0
            self.callbacks.append(self._fire)
            env.schedule(self, delay=interval)

        def _fire(self, event):
            self.fired += 1
            if self.fired < self.count:
                self.callbacks = [self._fire]
                self.env.schedule(self, delay=self.interval)

    return Tick


def run_callbacks(sim, interval, count, streams):
    Tick = make_tick_class(sim)
    env = sim.Environment()
    ticks = [Tick(env, interval, count) for _ in range(streams)]
    env.run()
    return sum(t.fired for t in ticks), env.now


def run_native(sim, interval, count, streams):
    env = sim.Environment()
    env._native_ticker(interval, count, streams=streams)
    env.run()
    return env._native_ticks, env.now


def expected_now(interval, count):
    t = 0.0
    for _ in range(count):
        t += interval
    return t


def check(label, result, streams, count, want_now):
    ticks, now = result
    assert ticks == streams * count, (label, ticks, streams * count)
    if streams == 1:
        assert now == want_now, (label, now, want_now)
    else:
        assert abs(now - want_now) <= 1e-9 * abs(want_now), (label, now, want_now)


def timed(label, fn, args, streams, count, want_now):
    t, results = H.median_time(fn, args.repeat)
    for r in results:
        check(label, r, streams, count, want_now)
    rate = streams * count / t
    print("  %-34s %.3f s  %6.2f M events/s  ok" % (label, t, rate / 1e6))
    sys.stdout.flush()
    return t, rate


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--ticks", type=int, default=20_000_000,
                   help="total ticks per case over all streams (default 20M)")
    p.add_argument("--streams", default="1,64",
                   help="comma-separated stream counts (default 1,64)")
    p.add_argument("--interval", type=float, default=0.1)
    args = p.parse_args(argv)
    base, cand, fake = H.setup(args)
    total = args.ticks // H.QUICK_DIVISOR if args.quick else args.ticks
    interval = args.interval
    rows = []
    first = None
    for streams in [int(s) for s in args.streams.split(",")]:
        count = total // streams
        want_now = expected_now(interval, count)
        n = streams * count
        case = "%d stream%s x %d" % (streams, "" if streams == 1 else "s", count)
        print("%s: %s ticks, expect now=%r" % (NAME, case, want_now))
        ts, rs = timed("simpy   Event+env.schedule chain",
                       lambda: run_callbacks(base, interval, count, streams),
                       args, streams, count, want_now)
        if first is None:
            first = (case, streams, count, want_now, ts, rs)
        if fake:
            print("  faassim native ticker: SKIPPED (fake mode, simpy has "
                  "no _native_ticker)")
            tf, note = None, "simpy %.2f Mev/s; faassim skipped (fake)" % (rs / 1e6)
        else:
            tf, rf = timed("faassim native ticker",
                           lambda: run_native(cand, interval, count, streams),
                           args, streams, count, want_now)
            note = "simpy %.2f Mev/s, faassim %.2f Mev/s; target >= 20 Mev/s" % (
                rs / 1e6, rf / 1e6)
        rows.append(H.row(NAME, "native ticker, " + case, ts, tf, note))

    # The same Python callback chain on faassim (SimPy time from above).
    case, streams, count, want_now, ts, rs = first
    try:
        tf, rf = timed("faassim Event+env.schedule chain",
                       lambda: run_callbacks(cand, interval, count, streams),
                       args, streams, count, want_now)
        note = "simpy %.2f Mev/s, faassim %.2f Mev/s" % (rs / 1e6, rf / 1e6)
    except AssertionError:
        raise
    except Exception as exc:  # relies on Event internals (_ok, _value)
        tf, note = None, "not supported: %s: %s" % (type(exc).__name__, exc)
        print("  faassim Event+env.schedule chain: " + note)
    rows.append(H.row(NAME, "py callback chain, " + case, ts, tf, note))
    return H.finish(args, NAME, rows, base, cand, fake)


if __name__ == "__main__":
    main()
