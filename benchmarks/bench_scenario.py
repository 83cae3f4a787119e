"""The default scenario for one simulated hour: how long does it take, and
how much memory, with per-invocation records and with aggregates only?

The scenario of `python -m faassim run` (faassim.scenario: 230 edge and
cloud nodes, 4 functions on 230 HTTPWatchdog replicas, Poisson load of
1,000 requests/s, resource monitor every 5 s, power models and exact
energy) for 3,600 simulated seconds: about 3.6 million invocations.

Modes, each run in a fresh subprocess (peak memory is the child's
ru_maxrss, which counts C allocations too; the import-only baseline of a
child is shown for reference):
  * records: every invocations and fets row kept (the default);
  * aggregates: keep_records=False, aggregates only (--no-records).
Timed: `sim` = the simulation (Simulation.run), `total` = building the
scenario + the simulation + the summary (percentiles over every request
with records). Memory: peak RSS after the simulation and with the summary
(which reads the rows back as NumPy arrays), and the metrics' own storage.
Medians of --repeat runs per mode, runs interleaved.

Checks: every run conserves requests (arrived = completed + in flight +
waiting), its throughput is within 2% of the offered load, and both modes
and all repeats complete exactly the same requests (records do not change
the simulation; same seed, same results).
Target: the records run under 5 s (one core); the rest is reported.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

NAME = "scenario"
DEFAULT_DURATION = 3600.0
MODES = ("records", "aggregates")


def child(mode, duration, seed):
    """Run one mode in this process; print one JSON line."""
    sys.path.insert(0, H.REPO_ROOT)
    t0 = time.perf_counter()
    from faassim import scenario

    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "baseline":
        print(json.dumps({"mode": mode, "rss_kib": rss_import}))
        return
    config = scenario.ScenarioConfig(duration=duration, seed=seed, keep_records=(mode == "records"))
    t1 = time.perf_counter()
    sim = scenario.build_scenario(config)  # what run_scenario does, with the memory after the run
    t2 = time.perf_counter()
    sim.run()
    t3 = time.perf_counter()
    rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = scenario._summarize(config, sim.env, t3 - t2)
    total = time.perf_counter() - t1
    t = result.totals
    print(json.dumps({
        "mode": mode,
        "sim_s": t3 - t2,
        "total_s": total,
        "import_s": t1 - t0,
        "arrived": t["arrived"],
        "completed": t["completed"],
        "in_flight": t["in_flight"],
        "waiting": t["waiting"],
        "failed": t["failed"],
        "offered": config.total_rate(),
        "duration": result.duration,
        "metrics_mib": sim.env.metrics._nbytes / 2**20,
        "rss_sim_kib": rss_sim,
        "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_import_kib": rss_import,
    }))


def run_child(mode, duration, seed):
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", mode, "--duration", repr(duration), "--seed", str(seed)],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def check(r):
    assert r["arrived"] == r["completed"] + r["in_flight"] + r["waiting"] + r["failed"], r
    assert r["failed"] == 0, r
    throughput = r["completed"] / r["duration"]
    assert abs(throughput - r["offered"]) <= 0.02 * r["offered"], (throughput, r["offered"])


def main(argv=None):
    p = H.make_parser(__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=DEFAULT_DURATION,
                   help="simulated seconds (default %d)" % DEFAULT_DURATION)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--child", choices=MODES + ("baseline",), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.duration, args.seed)
        return None
    if args.repeat < 1:
        raise SystemExit("--repeat must be >= 1")
    duration = args.duration / (H.QUICK_DIVISOR if args.quick else 1)
    print("faassim default scenario, %.0f simulated s, seed %d, repeat=%d%s"
          % (duration, args.seed, args.repeat, ", quick" if args.quick else ""))
    sys.stdout.flush()
    baseline = run_child("baseline", duration, args.seed)["rss_kib"]
    runs = {mode: [] for mode in MODES}
    for _ in range(args.repeat):
        for mode in MODES:  # interleaved
            r = run_child(mode, duration, args.seed)
            check(r)
            runs[mode].append(r)
            print("  %-10s sim %.3f s  total %.3f s  peak RSS %.0f MiB after the run, %.0f MiB with the summary"
                  "  (metrics %.0f MiB, %d invocations)"
                  % (mode, r["sim_s"], r["total_s"], r["rss_sim_kib"] / 1024, r["rss_kib"] / 1024,
                     r["metrics_mib"], r["completed"]))
            sys.stdout.flush()
    completed = {r["completed"] for rs in runs.values() for r in rs}
    assert len(completed) == 1, ("runs differ", completed)
    n = completed.pop()
    rows = []
    print()
    print("%-10s %8s %8s %10s %17s %18s %12s" % ("mode", "sim s", "total s", "sim inv/s", "RSS after run MiB",
                                                "RSS w/ summary MiB", "metrics MiB"))
    for mode in MODES:
        med = lambda key: statistics.median(r[key] for r in runs[mode])  # noqa: E731
        sim, total = med("sim_s"), med("total_s")
        rss_sim, rss = med("rss_sim_kib") / 1024, med("rss_kib") / 1024
        print("%-10s %8.3f %8.3f %10s %17.0f %18.0f %12.0f" % (mode, sim, total, format(round(n / sim), ","),
                                                                 rss_sim, rss, med("metrics_mib")))
        rows.append({"benchmark": NAME, "case": mode, "simpy_s": None, "faassim_s": sim, "ratio": None,
                     "note": "total %.3f s, peak RSS %.0f MiB (%.0f after the run)" % (total, rss, rss_sim),
                     "total_s": total, "rss_mib": rss, "rss_sim_mib": rss_sim, "invocations": n})
    print("import-only child: %.0f MiB; %s invocations per run; target: records run < 5 s"
          % (baseline / 1024, format(n, ",")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": NAME, "duration": duration, "repeat": args.repeat, "quick": args.quick,
                       "baseline_rss_mib": baseline / 1024, "rows": rows, "runs": runs}, f, indent=2)
        print("wrote", args.json)
    return rows


if __name__ == "__main__":
    main()
