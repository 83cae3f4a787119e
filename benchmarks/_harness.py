"""Small shared helpers for the faassim-vs-SimPy benchmarks.

Each benchmark runs one model on a *baseline* engine (SimPy) and on a
*candidate* engine (faassim), prints the median wall time of both, and
asserts a known correct answer.  Only correctness assertions may fail a
benchmark; the printed ratio is informational.

Engine selection: ``--engines BASE,CAND`` (default ``simpy,faassim``).
Setting ``FAASSIM_BENCH_FAKE=1`` makes the name ``faassim`` resolve to
SimPy, so the scripts can be developed before faassim is built.
"""
import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK_DIVISOR = 20


def _fake_requested():
    return os.environ.get("FAASSIM_BENCH_FAKE", "").strip() not in ("", "0")


def load_engine(name):
    """Map an engine name to its module namespace (Environment, Resource...)."""
    if name == "faassim" and _fake_requested():
        name = "simpy"
    try:
        mod = importlib.import_module(name)
    except ImportError:
        if name != "faassim" or REPO_ROOT in sys.path:
            raise
        # Not installed: fall back to an in-place build in the repo root.
        sys.path.append(REPO_ROOT)
        try:
            mod = importlib.import_module(name)
        except ImportError as exc:
            raise SystemExit("cannot import faassim (%s); build it, or run "
                             "with FAASSIM_BENCH_FAKE=1 or --engines "
                             "simpy,simpy" % exc)
    if not hasattr(mod, "Environment"):
        raise SystemExit("%s (%s) has no Environment: not built yet? Use "
                         "FAASSIM_BENCH_FAKE=1 or --engines simpy,simpy"
                         % (name, getattr(mod, "__path__", mod)))
    return mod


def engine_label(mod):
    return "%s %s" % (mod.__name__, getattr(mod, "__version__", "?"))


def make_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeat", type=int, default=5,
                   help="timed repetitions per engine; the median is shown")
    p.add_argument("--quick", action="store_true",
                   help="about 1/%d of the default size (smoke test)"
                   % QUICK_DIVISOR)
    p.add_argument("--engines", default="simpy,faassim",
                   help="BASE,CAND engine names (default simpy,faassim)")
    p.add_argument("--json", metavar="PATH",
                   help="also write the results as JSON to PATH")
    return p


def setup(args):
    """Load both engines; returns (base, cand, fake)."""
    if args.repeat < 1:
        raise SystemExit("--repeat must be >= 1")
    names = [n.strip() for n in args.engines.split(",")]
    if len(names) != 2:
        raise SystemExit("--engines takes exactly two names, e.g. simpy,faassim")
    base, cand = load_engine(names[0]), load_engine(names[1])
    fake = cand.__name__ == "simpy"
    print("engines: simpy column = %s, faassim column = %s%s"
          % (engine_label(base), engine_label(cand),
             "  [FAKE: faassim replaced by simpy]" if fake else ""))
    print("python %s, repeat=%d%s" % (platform.python_version(), args.repeat,
                                      ", quick" if args.quick else ""))
    sys.stdout.flush()
    return base, cand, fake


def median_time(fn, repeat):
    """Call fn() `repeat` times; return (median seconds, list of results).

    The garbage collector stays enabled as in normal use; a collection is
    forced before each repetition (outside the timed region) so repetitions
    start from a similar heap state.
    """
    times, results = [], []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t0)
        results.append(r)
    return statistics.median(times), results


def row(benchmark, case, simpy_s, faassim_s, note=""):
    ratio = (simpy_s / faassim_s) if simpy_s and faassim_s else None
    return {"benchmark": benchmark, "case": case, "simpy_s": simpy_s,
            "faassim_s": faassim_s, "ratio": ratio, "note": note}


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows):
    head = ("benchmark", "case", "simpy s", "faassim s", "ratio")
    cells = [(r["benchmark"], r["case"], _fmt(r["simpy_s"], ".3f"),
              _fmt(r["faassim_s"], ".3f"), _fmt(r["ratio"], ".2f") +
              ("x" if r["ratio"] else "")) for r in rows]
    w = [max(len(str(c[i])) for c in cells + [head]) for i in range(5)]
    line = "  ".join("%-*s" if i < 2 else "%*s" for i in range(5))
    print(line % sum(zip(w, head), ()))
    for c, r in zip(cells, rows):
        out = line % sum(zip(w, c), ())
        print(out + ("   " + r["note"] if r["note"] else ""))


def finish(args, name, rows, base, cand, fake, extra=None):
    print()
    print_table(rows)
    if args.json:
        doc = {"benchmark": name, "python": platform.python_version(),
               "engines": [engine_label(base), engine_label(cand)],
               "fake": fake, "repeat": args.repeat, "quick": args.quick,
               "rows": rows}
        doc.update(extra or {})
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        print("wrote", args.json)
    return rows
