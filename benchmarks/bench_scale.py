"""The default scenario at growing node counts, at constant load per node:
how do set-up time, throughput and memory scale?

The scenario of `python -m faassim run` (faassim.scenario) with
ScenarioConfig().with_node_count(n) and load_scale = n / 230, so that every
node sees the load it sees in the 230-node default; 60 simulated seconds
(--duration), records kept and resource monitor every 5 s (the defaults),
least-outstanding and round-robin routing. Sizes 230, 1,000, 5,000 and
20,000 nodes (--quick: 230, 1,000, 2,000; --sizes to choose).

Each run is a fresh child process, so that its peak RSS (ru_maxrss of the
child, C allocations included) belongs to that run alone. In the child:
  * set-up: CPU time (process time) of building the scenario and running it
    to the first progress step (1/100 of the duration): the topology, the
    deployments, the scheduler's placement of every replica, the loads;
  * steady: invocations completed from the first progress step at or after
    --warmup simulated seconds (default 10: every replica has started) to
    the end, divided by the CPU time spent meanwhile;
  * peak RSS at the end of the run.
--root picks the checkout whose faassim runs (e.g. another branch's build,
to compare before and after). With --repeat k, the median of k runs per size and balancer (RSS: the
largest). --setup-only stops each run at its first progress step: set-up
and peak RSS only, quick at any size. The child also reports per function the requests invoked and
completed and the simulated energy: two builds that route identically give
identical counts (the table prints their sum, and --json every count).
Nothing is asserted but request conservation (completed <= invoked).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_NODES = 230
SIZES = (230, 1_000, 5_000, 20_000)
QUICK_SIZES = (230, 1_000, 2_000)
BALANCERS = ("least_outstanding", "round_robin")


class _SetupDone(Exception):
    """Raised by the progress hook to end a --setup-only run."""


def child(nodes, balancer, duration, warmup, setup_only=False):
    started = time.process_time()
    from faassim.scenario import ScenarioConfig, build_scenario

    config = ScenarioConfig(duration=duration).with_node_count(nodes)
    config = config.replace(load_scale=nodes / BASE_NODES, load_balancer=balancer)
    names = list(config.functions)
    sim = build_scenario(config)
    marks = []  # (simulated time, cpu time, completed)

    def progress(now, end):
        faas = sim.env.faas
        completed = sum(faas.function_stats(name)["completed"] for name in names)
        marks.append((now, time.process_time(), completed))
        if setup_only:
            raise _SetupDone

    try:
        sim.run(progress=progress)
    except _SetupDone:
        pass
    faas = sim.env.faas
    stats = {name: faas.function_stats(name) for name in names}
    setup_cpu = marks[0][1] - started
    if setup_only:
        return {"nodes": nodes, "balancer": balancer, "replicas": sum(s["replicas"] for s in stats.values()),
                "setup_cpu": setup_cpu,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    steady = next(m for m in marks if m[0] >= warmup)
    end = marks[-1]
    return {
        "nodes": nodes,
        "balancer": balancer,
        "replicas": sum(s["replicas"] for s in stats.values()),
        "setup_cpu": setup_cpu,
        "steady_invocations": end[2] - steady[2],
        "steady_cpu": end[1] - steady[1],
        "total_cpu": end[1] - started,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "invoked": {n: s["invoked"] for n, s in stats.items()},
        "completed": {n: s["completed"] for n, s in stats.items()},
        "energy": {n: sim.env.energy.function_energy(n) for n in names},
    }


def run_child(nodes, balancer, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(nodes), balancer,
           "--duration", repr(args.duration), "--warmup", repr(args.warmup), "--root", args.root]
    if args.setup_only:
        cmd.append("--setup-only")
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    for name, done in row.get("completed", {}).items():
        assert done <= row["invoked"][name], (name, row)
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="sizes %s" % (QUICK_SIZES,))
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="node counts, comma-separated")
    p.add_argument("--balancers", default=",".join(BALANCERS), help="comma-separated (default: %(default)s)")
    p.add_argument("--duration", type=float, default=60.0, help="simulated seconds (default: %(default)s)")
    p.add_argument("--warmup", type=float, default=10.0,
                   help="simulated seconds before the steady window (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=1, help="runs per size and balancer (median)")
    p.add_argument("--json", help="write every run's row to this file")
    p.add_argument("--root", default=REPO_ROOT,
                   help="checkout whose (built) faassim to run (default: this one, %(default)s)")
    p.add_argument("--setup-only", action="store_true",
                   help="stop every run at its first progress step (set-up CPU and peak RSS only)")
    p.add_argument("--child", nargs=2, metavar=("NODES", "BALANCER"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        sys.path.insert(0, os.path.abspath(args.root))
        print(json.dumps(child(int(args.child[0]), args.child[1], args.duration, args.warmup, args.setup_only)))
        return

    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    balancers = args.balancers.split(",")
    env_probe = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, %r); import faassim; print(faassim.__file__)" % args.root],
        check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    print("faassim: %s; %.0f simulated s, steady window from %.0f s; %d run(s) each"
          % (env_probe, args.duration, args.warmup, args.repeat))
    header = ("nodes", "replicas", "balancer", "setup cpu s", "steady inv/cpu-s", "invocations",
              "completed", "peak RSS MB")
    print("%6s %8s %-18s %11s %16s %11s %10s %11s" % header)
    rows = []
    for nodes in sizes:
        for balancer in balancers:
            runs = [run_child(nodes, balancer, args) for _ in range(args.repeat)]
            rows.extend(runs)
            r0 = runs[0]
            setup = statistics.median(r["setup_cpu"] for r in runs)
            rss = max(r["maxrss_mb"] for r in runs)
            if args.setup_only:
                print("%6d %8d %-18s %11.2f %16s %11s %10s %11.0f" % (
                    nodes, r0["replicas"], balancer, setup, "-", "-", "-", rss), flush=True)
                continue
            rates = [r["steady_invocations"] / r["steady_cpu"] for r in runs]
            print("%6d %8d %-18s %11.2f %16.0f %11d %10d %11.0f" % (
                nodes, r0["replicas"], balancer, setup, statistics.median(rates), r0["steady_invocations"],
                sum(r0["completed"].values()), rss), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
