"""Does memory stay flat when replicas are churned for a simulated week?

Keep-alive and scale-to-zero create and remove replicas all day long. This
soak runs ``--functions`` deployments (scale to zero, one replica each, a
2 s cold start) on 4 nodes under ``faassim.KeepAlive`` (``--keep-alive``
seconds); each function gets Poisson requests at a rate such that its
replica is unloaded and deployed again about every ``--period`` seconds on
average, and one more function's ``invoke`` hook raises on every
``--fail-every``-th request (``env.faas.raise_hook_errors = False``: each
failure leaves a FAILED replica and the next request deploys a new one).
The run goes for ``--days`` simulated days; every ``--sample-hours`` it
prints the replicas made so far, the live replica objects
(``faassim._core._live_objects()``) and the process's resident set size
(RSS, from /proc/self/statm), then the RSS growth per day and per replica
made over the second half of the run (the first half warms allocator pools
and caches).

The metrics rows stay (one ``invocations`` row per request and a few
lifecycle rows per replica): with ``--no-records`` the invocation rows are
aggregated instead (``Metrics(env, keep_records=False)``), so what is left
growing is the lifecycle rows. ``--root CHECKOUT`` runs another checkout's
build (e.g. to compare before and after a change). Not a timed test: it
prints the curve and asserts nothing.

    python benchmarks/bench_soak.py [--days D] [--functions N] [--period S] [--keep-alive S]
                                    [--fail-every K] [--sample-hours H] [--no-records] [--root CHECKOUT]
"""

import argparse
import gc
import os
import sys
import time


def rss_mib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=float, default=7.0)
    p.add_argument("--functions", type=int, default=8)
    p.add_argument("--period", type=float, default=300.0, help="mean seconds between requests of a function")
    p.add_argument("--keep-alive", type=float, default=60.0)
    p.add_argument("--fail-every", type=int, default=10, help="the failing function's k-th requests raise")
    p.add_argument("--sample-hours", type=float, default=12.0)
    p.add_argument("--no-records", action="store_true")
    p.add_argument("--quick", action="store_true", help="one simulated day")
    p.add_argument("--root", help="import faassim from this checkout")
    a = p.parse_args()
    root = a.root or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.abspath(root))
    import faassim as fs
    from faassim import _core

    if a.quick:
        a.days = 1.0
        a.sample_hours = 3.0

    class Sim(fs.FunctionSimulator):
        def __init__(self, fail_every):
            self.fail_every = fail_every

        def startup(self, env, replica):
            yield env.timeout(2.0)

        def invoke(self, env, replica, request):
            yield env.timeout(0.1)
            if self.fail_every and request.request_id % self.fail_every == 0:
                raise RuntimeError(f"request {request.request_id} failed")

    class Factory(fs.SimulatorFactory):
        def __init__(self):
            self.made = 0

        def create(self, env, container):
            self.made += 1
            return Sim(a.fail_every if container.image == "failing-img" else 0)

    env = fs.Environment(seed=1)
    if a.no_records:
        env.metrics = fs.Metrics(env, keep_records=False)
    env.topology = fs.Topology([fs.Node(f"node_{i}", "16", "64Gi") for i in range(4)])
    factory = Factory()
    env.simulator_factory = factory
    env.faas.raise_hook_errors = False
    names = [f"fn{i:02d}" for i in range(a.functions)] + ["failing"]
    for name in names:
        image = fs.FunctionImage(f"{name}-img")
        container = fs.FunctionContainer(
            image, fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="128Mi")
        )
        env.faas.deploy(
            fs.FunctionDeployment(
                fs.Function(name, [image]),
                [container],
                fs.ScalingConfiguration(scale_min=1, scale_max=1, scale_zero=True),
            )
        )
        env.faas.add_source(name, fs.Poisson(rate=1.0 / a.period))
    fs.KeepAlive(env, keep_alive=a.keep_alive).start()

    end = a.days * 86400.0
    step = a.sample_hours * 3600.0
    print(
        f"{a.functions} functions + 1 failing every {a.fail_every}, a request every {a.period:g} s each, "
        f"keep-alive {a.keep_alive:g} s, {a.days:g} days, records {'off' if a.no_records else 'on'}"
    )
    print(f"faassim from {os.path.dirname(fs.__file__)}")
    print(f"{'day':>6} {'replicas made':>14} {'live objects':>13} {'RSS MiB':>9}")
    samples = []
    t0 = time.perf_counter()
    t = 0.0
    while t < end:
        t = min(end, t + step)
        env.run(until=t)
        gc.collect()
        live = _core._live_objects()["replicas"]
        samples.append((t, factory.made, live, rss_mib()))
        print(f"{t / 86400:6.2f} {factory.made:14d} {live:13d} {samples[-1][3]:9.1f}")
    half = samples[len(samples) // 2 - 1] if len(samples) > 1 else samples[0]
    last = samples[-1]
    days = (last[0] - half[0]) / 86400 or 1.0
    made = (last[1] - half[1]) or 1
    grown = last[3] - half[3]
    print(
        f"second half: RSS {grown:+.1f} MiB ({grown / days:+.2f} MiB/day, "
        f"{grown * 2**20 / made:+.0f} B per replica made over {made} replicas); "
        f"wall {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
