"""The built-in scenario run by ``python -m faassim run``.

A function with ``replicas`` identical replicas serves requests that arrive as
a Poisson process; each request holds one replica for an exponentially
distributed execution time (an M/M/c queue). Every request is a Python
process, so the run exercises the engine's hot path (timeouts, resource
requests, process switches). The summary compares the simulated mean waiting
time with the analytic value (Erlang C), which is what the engine must
reproduce.

Later versions replace this with the default heterogeneous edge-cloud FaaS
scenario; the command line stays the same.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import List

import faassim


@dataclass
class DemoResult:
    requests: int
    completed: int
    sim_time: float
    mean_wait: float
    p50_wait: float
    p99_wait: float
    mean_exec: float
    utilization: float
    analytic_wait: float
    wall_seconds: float


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean waiting time in queue of an M/M/c system (Erlang C formula).

    >>> round(erlang_c_wait(0.6, 1.0, 1), 6)  # M/M/1: rho / (mu - lambda)
    1.5
    """
    a = arrival_rate / service_rate
    rho = a / servers
    if not 0 <= rho < 1:
        raise ValueError(f"unstable system: utilization {rho!r} must be in [0, 1)")
    term = sum(a**k / math.factorial(k) for k in range(servers))
    last = a**servers / (math.factorial(servers) * (1 - rho))
    prob_wait = last / (term + last)
    return prob_wait / (servers * service_rate - arrival_rate)


def _percentile(sorted_values: List[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    idx = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[idx]


def run_demo(
    requests: int = 200_000,
    replicas: int = 4,
    utilization: float = 0.7,
    mean_exec: float = 0.05,
    seed: int = 42,
) -> DemoResult:
    """Simulate *requests* invocations of one function on *replicas* replicas
    at the given *utilization* (arrival rate / total service rate)."""
    if requests <= 0:
        raise ValueError(f"requests must be > 0, got {requests!r}")
    if replicas <= 0:
        raise ValueError(f"replicas must be > 0, got {replicas!r}")
    if not 0 < utilization < 1:
        raise ValueError(f"utilization must be in (0, 1), got {utilization!r}")
    if not mean_exec > 0:
        raise ValueError(f"mean_exec must be > 0, got {mean_exec!r}")
    service_rate = 1.0 / mean_exec
    arrival_rate = utilization * replicas * service_rate
    rng = random.Random(seed)
    env = faassim.Environment(seed=seed)
    pool = faassim.Resource(env, capacity=replicas)
    waits: List[float] = []
    busy = [0.0]

    def invocation(env):
        arrived = env.now
        with pool.request() as slot:
            yield slot
            waits.append(env.now - arrived)
            exec_time = rng.expovariate(service_rate)
            busy[0] += exec_time
            yield env.timeout(exec_time)

    def arrivals(env):
        for _ in range(requests):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(invocation(env))

    env.process(arrivals(env))
    start = time.perf_counter()
    env.run()
    wall = time.perf_counter() - start
    ordered = sorted(waits)
    return DemoResult(
        requests=requests,
        completed=len(waits),
        sim_time=env.now,
        mean_wait=sum(waits) / len(waits),
        p50_wait=_percentile(ordered, 0.50),
        p99_wait=_percentile(ordered, 0.99),
        mean_exec=busy[0] / len(waits),
        utilization=busy[0] / (replicas * env.now),
        analytic_wait=erlang_c_wait(arrival_rate, service_rate, replicas),
        wall_seconds=wall,
    )


def format_summary(r: DemoResult, replicas: int) -> str:
    rel = (r.mean_wait - r.analytic_wait) / r.analytic_wait
    rows = [
        ("requests completed", f"{r.completed:,} of {r.requests:,}"),
        ("simulated time", f"{r.sim_time:,.1f} s"),
        ("throughput", f"{r.completed / r.sim_time:,.1f} req/s"),
        ("replicas", f"{replicas}"),
        ("replica utilization", f"{r.utilization:.3f}"),
        ("mean execution time", f"{r.mean_exec * 1e3:.2f} ms"),
        ("wait p50 / p99", f"{r.p50_wait * 1e3:.2f} ms / {r.p99_wait * 1e3:.2f} ms"),
        ("mean wait (simulated)", f"{r.mean_wait * 1e3:.3f} ms"),
        ("mean wait (Erlang C)", f"{r.analytic_wait * 1e3:.3f} ms ({rel:+.1%})"),
        ("wall time", f"{r.wall_seconds:.2f} s ({r.requests / r.wall_seconds:,.0f} requests/s)"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
