"""How much does logging a metric row cost, and how much memory do rows take?

Logs N faas-sim 'invocations'-shaped rows (4 fields, 4 tags) three ways:
  - a faas-sim-style logger (written here after faas-sim's design: Metrics.log
    -> RuntimeLogger.log -> a Record namedtuple appended to a list, timestamps
    from a SimulatedClock, i.e. a datetime per row);
  - faassim.Metrics.log (columnar storage in C);
  - the C API (Metrics._append_native: 3 columns, no Python object per row).
Prints time per row and retained memory; asserts that every row was stored
with the right values. The ratio is informational.
"""
import argparse
import gc
import os
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from typing import Dict, NamedTuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the in-place build
import faassim  # noqa: E402


class Record(NamedTuple):
    measurement: str
    time: object
    fields: Dict
    tags: Dict


class ListLogger:
    """faas-sim's shape: a list of Record objects."""

    def __init__(self, env):
        self.env = env
        self.start = datetime(1970, 1, 1)
        self.records = []

    def log(self, metric, value, time=None, **tags):
        if time is None:
            time = self.start + timedelta(seconds=self.env.now)
        fields = value if type(value) == dict else {"value": value}
        self.records.append(Record(metric, time, fields, tags))


class ListMetrics:
    def __init__(self, env):
        self.logger = ListLogger(env)

    def log(self, metric, value, **tags):
        return self.logger.log(metric, value, **tags)


def log_rows(m, n):
    log = m.log
    for i in range(n):
        log(
            "invocations",
            {"t_wait": 0.001 * i, "t_exec": 0.05, "t_start": float(i), "memory": 1 << 20},
            function_name="resnet",
            function_image="resnet-cpu",
            node="node%d" % (i & 7),
            replica_id=i & 15,
        )


def measure(fn):
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    mem = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return dt, mem, out


def timed(fn, repeat):
    best = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    n = args.rows // 20 if args.quick else args.rows
    env = faassim.Environment()

    def run_list():
        m = ListMetrics(env)
        log_rows(m, n)
        return m

    def run_faassim():
        m = faassim.Metrics(env)
        log_rows(m, n)
        return m

    def run_native():
        m = faassim.Metrics(env)
        m._append_native("invocations", n)
        return m

    t_list, ml = timed(run_list, args.repeat)
    t_fs, mf = timed(run_faassim, args.repeat)
    t_c, mc = timed(run_native, args.repeat)
    assert len(ml.logger.records) == n and ml.logger.records[-1].tags["replica_id"] == (n - 1) & 15
    cols = mf.to_numpy("invocations")
    assert mf.count("invocations") == n and cols["replica_id"][-1] == (n - 1) & 15
    assert cols["t_start"][-1] == n - 1 and cols["node"][9] == "node1"
    assert mc.to_numpy("invocations")["value"][-1] == (n - 1) * 0.5

    # Retained memory: Python objects for the list (tracemalloc), C buffers
    # for faassim (_nbytes; tracemalloc does not see malloc).
    del ml, mf
    _, mem_list, keep = measure(run_list)
    del keep
    _, mem_fs_py, keep = measure(run_faassim)
    mem_fs = mem_fs_py + keep._nbytes
    print("rows: %d (4 fields, 4 tags)" % n)
    print("  faas-sim-style list logger  %7.0f ns/row  %6.1f MB" % (t_list / n * 1e9, mem_list / 1e6))
    print("  faassim Metrics.log         %7.0f ns/row  %6.1f MB" % (t_fs / n * 1e9, mem_fs / 1e6))
    print("  faassim C API (3 columns)   %7.0f ns/row" % (t_c / n * 1e9))
    print("ratio list/faassim: time %.2fx, memory %.1fx" % (t_list / t_fs, mem_list / mem_fs))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
