"""env.faas: invocation, waiting and cold starts, load balancing, C-native
request sources, invocation metrics, determinism and hostile user code.

Every expected value is computed here, independently of the platform: by
hand, or by a small reference implementation (faas-sim's round robin, least
outstanding, smooth weighted round robin)."""

import gc
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import faassim
from faassim import (
    Constant,
    FunctionRequest,
    FunctionResponse,
    FunctionSimulator,
    FunctionState,
    LoadBalancer,
    Poisson,
    Replay,
)
from faassim import _core

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def make_env(nodes=4, seed=1, lb=None, node_names=None):
    env = faassim.Environment(seed=seed)
    names = node_names or [f"server_{i}" for i in range(nodes)]
    env.topology = faassim.Topology([faassim.Node(n, "16", "64Gi") for n in names])
    if lb is not None:
        env.load_balancer = lb
    return env


def make_fd(name="f", scale_min=1, scale_max=20, memory="100Mi"):
    fn = faassim.Function(name, [faassim.FunctionImage(f"{name}-cpu")])
    config = faassim.KubernetesResourceConfiguration.create_from_str(cpu="1", memory=memory)
    container = faassim.FunctionContainer(fn.fn_images[0], config)
    scaling = faassim.ScalingConfiguration(scale_min=scale_min, scale_max=scale_max)
    return faassim.FunctionDeployment(fn, [container], scaling)


class Factory(faassim.SimulatorFactory):
    """Every replica gets a new simulator of class *cls* (with *kwargs*)."""

    def __init__(self, cls, **kwargs):
        self.cls = cls
        self.kwargs = kwargs

    def create(self, env, container):
        sim = self.cls()
        for k, v in self.kwargs.items():
            setattr(sim, k, v)
        return sim


class Timed(FunctionSimulator):
    """deploy takes deploy_times[replica_id] (default 0, not overridden when
    absent); invoke takes request.size seconds (0 when None)."""

    deploy_times = {}

    def deploy(self, env, replica):
        yield env.timeout(self.deploy_times.get(replica.replica_id, 0))

    def invoke(self, env, replica, request):
        yield env.timeout(request.size or 0)


def use_sim(env, cls=Timed, **kwargs):
    env.simulator_factory = Factory(cls, **kwargs)


def rows(env, name="invocations"):
    return {k: v.tolist() for k, v in env.metrics.to_numpy(name).items()}


def requests_at(env, times, name="f", size=None, out=None):
    """A process that invokes *name* at each absolute time (fire and forget);
    the events go to *out*."""

    def gen(env):
        for t in times:
            if t > env.now:
                yield env.timeout(t - env.now)
            ev = env.faas.invoke(FunctionRequest(name, size=size))
            if out is not None:
                out.append(ev)

    return env.process(gen(env))


# ---------------------------------------------------------------------------
# 1. Invocation from Python
# ---------------------------------------------------------------------------


def test_yield_invoke_returns_function_response():
    env = make_env()
    use_sim(env)
    env.faas.deploy(make_fd())
    got = []

    def client(env):
        yield env.timeout(2)
        req = FunctionRequest("f", size=0.75)
        assert req.request_id is None and not req.in_flight
        ev = env.faas.invoke(req)
        assert req.in_flight and req.request_id == 0
        resp = yield ev
        assert not req.in_flight and req.request_id == 0
        got.append((env.now, resp))

    env.process(client(env))
    env.run()
    assert got == [(2.75, FunctionResponse(0, 200, 0.0, 0.75, "server_0"))]
    resp = got[0][1]
    assert isinstance(resp, FunctionResponse)
    assert (resp.request_id, resp.code, resp.t_wait, resp.t_exec, resp.node) == (0, 200, 0.0, 0.75, "server_0")
    assert rows(env) == {
        "time": [2.75],
        "t_wait": [0.0],
        "t_exec": [0.75],
        "t_start": [2.0],
        "memory": [100 * 1024**2],
        "function_name": ["f"],
        "function_image": ["f-cpu"],
        "node": ["server_0"],
        "replica_id": [0],
    }


def test_yield_from_and_env_process_of_invoke():
    """faas-sim code writes ``yield from env.faas.invoke(r)`` and
    ``env.process(env.faas.invoke(r))``."""
    env = make_env()
    use_sim(env)
    env.faas.deploy(make_fd())
    got = []

    def client(env):
        resp = yield from env.faas.invoke(FunctionRequest("f", size=1))
        got.append(("yield from", env.now, resp))
        proc = env.process(env.faas.invoke(FunctionRequest("f", size=2)))
        resp = yield proc
        got.append(("process", env.now, resp))

    env.process(client(env))
    env.run()
    assert got == [
        ("yield from", 1.0, FunctionResponse(0, 200, 0.0, 1.0, "server_0")),
        ("process", 3.0, FunctionResponse(1, 200, 0.0, 2.0, "server_0")),
    ]


def test_fire_and_forget_and_request_ids():
    env = make_env()
    use_sim(env)
    env.faas.deploy(make_fd(scale_min=2))
    reqs = [FunctionRequest("f", size=1) for _ in range(5)]
    for r in reqs[:2]:
        env.faas.invoke(r)  # the events are dropped at once
    # the deploy hooks (generators) have not run yet: both requests wait; both
    # replicas become RUNNING at 0, so the waiting requests go out at the end
    # of that instant through the round robin: 0 -> r0, 1 -> r1
    assert env.faas.function_stats("f")["waiting"] == 2
    env.run()
    for r in reqs[2:]:
        env.faas.invoke(r)
    assert [r.request_id for r in reqs] == [0, 1, 2, 3, 4]
    assert [r.in_flight for r in reqs] == [False, False, True, True, True]
    env.run()
    assert env.now == 2
    assert not any(r.in_flight for r in reqs)
    assert rows(env)["replica_id"] == [0, 1, 0, 1, 0]
    stats = env.faas.function_stats("f")
    assert (stats["invoked"], stats["completed"], stats["failed"], stats["waiting"]) == (5, 5, 0, 0)


def test_request_id_given_is_kept_and_not_counted():
    env = make_env()
    env.faas.deploy(make_fd())
    a = FunctionRequest("f", request_id=100)
    b = FunctionRequest("f")
    ea, eb = env.faas.invoke(a), env.faas.invoke(b)
    env.run()
    assert (a.request_id, b.request_id) == (100, 0)
    assert (ea.value.request_id, eb.value.request_id) == (100, 0)
    # a finished request can be invoked again and keeps its id
    again = env.faas.invoke(b)
    env.run()
    assert again.value.request_id == 0
    assert env.faas.invoke(FunctionRequest("f")) is not None
    env.run()
    assert env.faas.function_stats("f")["invoked"] == 4


def test_request_ids_are_per_environment():
    for _ in range(2):
        env = make_env()
        env.faas.deploy(make_fd())
        reqs = [FunctionRequest("f") for _ in range(3)]
        for r in reqs:
            env.faas.invoke(r)
        assert [r.request_id for r in reqs] == [0, 1, 2]
        env.run()


def test_in_flight_request_cannot_be_reused_or_changed():
    env = make_env()
    use_sim(env)
    env.faas.deploy(make_fd())
    req = FunctionRequest("f", size=1)
    env.faas.invoke(req)
    with pytest.raises(RuntimeError, match="in flight"):
        env.faas.invoke(req)
    with pytest.raises(RuntimeError, match="in flight"):
        req.request_id = 5
    with pytest.raises(RuntimeError, match="in flight"):
        req.name = "g"
    env.run()
    assert not req.in_flight
    env.faas.invoke(req)  # allowed again
    env.run()
    assert env.now == 2 and env.faas.function_stats("f")["completed"] == 2


def test_invoke_rejects_bad_arguments():
    env = make_env()
    env.faas.deploy(make_fd())
    for bad in ("f", None, 3, FunctionResponse(0, 200)):
        with pytest.raises(TypeError, match="FunctionRequest"):
            env.faas.invoke(bad)
    with pytest.raises(KeyError, match="unknown function 'nope'"):
        env.faas.invoke(FunctionRequest("nope"))
    req = FunctionRequest("nope")
    with pytest.raises(KeyError):
        env.faas.invoke(req)
    assert not req.in_flight and req.request_id is None
    assert env.faas.function_stats("f")["invoked"] == 0


# ---------------------------------------------------------------------------
# 2. Cold starts, the waiting FIFO, scale from zero
# ---------------------------------------------------------------------------


def test_requests_wait_in_fifo_order_for_the_cold_start():
    env = make_env()
    use_sim(env, deploy_times={0: 3.0})
    env.faas.deploy(make_fd())
    got = []

    def client(env, i):
        yield env.timeout(i * 0.5)
        resp = yield env.faas.invoke(FunctionRequest("f", size=0.0))
        got.append((i, env.now, resp.request_id, resp.t_wait))

    for i in range(5):
        env.process(client(env, i))
    env.run(until=1.0)
    stats = env.faas.function_stats("f")
    assert stats["waiting"] == 2 and stats["invoked"] == 0  # requests 0 and 1 (2 arrives at 1.0)
    env.run()
    # dispatched at 3.0 in arrival order; t_wait is the cold start remaining
    assert got == [(0, 3.0, 0, 3.0), (1, 3.0, 1, 2.5), (2, 3.0, 2, 2.0), (3, 3.0, 3, 1.5), (4, 3.0, 4, 1.0)]
    r = rows(env)
    assert r["t_start"] == [3.0] * 5
    assert r["t_wait"] == [3.0, 2.5, 2.0, 1.5, 1.0]


def test_fifo_dispatch_order_with_two_replicas():
    """Waiting requests go out in arrival order; with two replicas RUNNING at
    the same instant the round robin spreads them over both (the dispatch
    waits for the end of the instant, when both are RUNNING)."""
    env = make_env()
    use_sim(env, deploy_times={0: 2.0, 1: 2.0})
    env.faas.deploy(make_fd(scale_min=2))
    order = []

    class Recording(Timed):
        def invoke(self, env, replica, request):
            order.append((request.request_id, replica.replica_id, env.now))
            yield env.timeout(1)

    env.simulator_factory = Factory(Recording, deploy_times={0: 2.0, 1: 2.0})
    env.faas.remove("f")
    env.run()
    env.faas.deploy(make_fd(scale_min=2))
    for _ in range(4):
        env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert order == [(0, 2, 2.0), (1, 3, 2.0), (2, 2, 2.0), (3, 3, 2.0)]


def test_scale_from_zero_brings_one_replica_back():
    env = make_env()
    use_sim(env, deploy_times={0: 1.0, 1: 1.0, 2: 4.0})
    env.faas.deploy(make_fd(scale_min=0))
    # scale_min=0: nothing deployed until a request arrives
    assert env.faas.get_replicas("f") == []
    got = []

    def client(env, t):
        yield env.timeout(t)
        resp = yield env.faas.invoke(FunctionRequest("f", size=0.5))
        got.append((t, env.now, resp.t_wait, resp.t_exec, len(env.faas.get_replicas("f"))))

    env.process(client(env, 0.0))
    env.process(client(env, 0.25))
    env.run(until=5)
    # one replica (id 0), started from zero by the first request; the second
    # request waits for the same cold start
    assert got == [(0.0, 1.5, 1.0, 0.5, 1), (0.25, 1.5, 0.75, 0.5, 1)]
    assert [r.replica_id for r in env.faas.get_replicas("f")] == [0]
    env.faas.scale_up("f", 1)
    env.run(until=7)
    assert len(env.faas.discover("f")) == 2
    env.faas.scale_down("f", 2)
    env.run(until=8)
    assert env.faas.get_replicas("f") == [] and env.faas.discover("f") == []
    # from zero again: exactly one new replica (id 2, deploy 4 s)
    env.process(client(env, 10.0 - env.now))
    env.run()
    assert [r.replica_id for r in env.faas.get_replicas("f")] == [2]
    assert got[-1] == (2.0, 14.5, 4.0, 0.5, 1)
    assert rows(env)["replica_id"] == [0, 0, 2]
    # every change of the replica count has its `scale` row: deploy (0, scale_min 0), from zero (+1 at 0),
    # scale_up (+1 at 5), scale_down (-2 at 7), from zero again (+1 at 10)
    scale = rows(env, "scale")
    assert list(zip(scale["time"], scale["value"])) == [(0.0, 0), (0.0, 1), (5.0, 1), (7.0, -2), (10.0, 1)]


def test_requests_fail_when_nothing_can_be_placed_and_never_abort():
    """A request for a function whose only replica cannot be placed fails
    with the reason (it does not wait for ever); run() ends normally."""
    env = make_env(nodes=1)
    env.topology = faassim.Topology([faassim.Node("tiny_0", "1", "64Mi")])
    env.faas.deploy(make_fd(scale_min=0, memory="1Gi"))
    ev = env.faas.invoke(FunctionRequest("f"))
    env.run(until=100)
    assert ev.triggered and not ev.ok and isinstance(ev.value, LookupError)
    assert str(ev.value) == "no replica of 'f' is left to serve the request: its last replica failed (schedule)"
    stats = env.faas.function_stats("f")
    assert (stats["waiting"], stats["failed"]) == (0, 1)
    assert len(env.faas.get_replicas("f", FunctionState.FAILED)) == 1
    env.run()
    assert env.now == 100


def test_scale_down_during_waiting_keeps_requests_waiting():
    env = make_env()
    use_sim(env, deploy_times={0: 2.0, 1: 3.0})
    env.faas.deploy(make_fd(scale_min=0))
    ev = env.faas.invoke(FunctionRequest("f", size=1))
    env.run(until=1)
    (rep,) = env.faas.get_replicas("f")
    env.faas.remove_replica(rep)  # torn down once it is up: never serves
    env.run(until=2.5)
    assert not ev.triggered and env.faas.function_stats("f")["waiting"] == 1
    env.faas.invoke(FunctionRequest("f", size=1))  # scales from zero again (replica 1)
    env.run()
    assert ev.value == FunctionResponse(0, 200, 5.5, 1.0, ev.value.node)
    assert rows(env)["replica_id"] == [1, 1]


# ---------------------------------------------------------------------------
# 3. Load balancing
# ---------------------------------------------------------------------------


def faas_sim_round_robin(events):
    """faas-sim's RoundRobinLoadBalancer over replicas kept in deployment
    order and filtered by RUNNING; the load balancer is asked only when more
    than one replica runs. *events*: ("up", replica_id, pos) / ("down", id) /
    ("req",) in time order. Returns the chosen replica per request."""
    running = set()
    counter = 0
    waiting = 0
    out = []

    def pick():
        nonlocal counter
        replicas = sorted(running)  # replica ids grow in deployment order
        if len(replicas) > 1:
            i = counter % len(replicas)
            counter = (i + 1) % len(replicas)
            return replicas[i]
        return replicas[0]

    for ev in events:
        if ev[0] == "up":
            running.add(ev[1])
            for _ in range(waiting):  # requests waiting for the cold start
                out.append(pick())
            waiting = 0
        elif ev[0] == "down":
            running.discard(ev[1])
        elif running:
            out.append(pick())
        else:
            waiting += 1
    return out


def test_round_robin_matches_faas_sim_with_replicas_starting_out_of_order():
    env = make_env(nodes=6)
    deploy_times = {0: 3.0, 1: 1.0, 2: 2.0, 3: 0.5, 4: 6.0}
    use_sim(env, deploy_times=deploy_times)
    env.faas.deploy(make_fd(scale_min=4))
    times = [round(0.05 + 0.1 * k, 2) for k in range(100)]  # up to 9.95
    requests_at(env, times)

    def scaler(env):
        yield env.timeout(4.02)
        env.faas.scale_up("f", 1)  # replica 4, RUNNING at 10.02 (after the last request)
        yield env.timeout(1.0)
        env.faas.remove_replica(env.faas.get_replicas("f")[1])  # replica 1 leaves at 5.02
        yield env.timeout(1.0)
        # replica 5, after the others in deployment order, up at once (6.02)
        env.faas.scale_up("f", 1)

    env.process(scaler(env))
    env.run()
    got = rows(env)["replica_id"]
    assert len(got) == 100
    events = [(t, 1, ("req",)) for t in times]
    events += [(t, 0, ("up", rid)) for rid, t in deploy_times.items() if rid < 4]
    events += [(5.02, 0, ("down", 1)), (6.02, 0, ("up", 5))]
    events.sort(key=lambda e: (e[0], e[1]))
    expected = faas_sim_round_robin([e[2] for e in events])
    assert got == expected
    # what the reference says, spelled out for the first seconds: r3 alone
    # until 1.0, then [1, 3], then [1, 2, 3] at 2.0, [0, 1, 2, 3] at 3.0
    assert got[:5] == [3, 3, 3, 3, 3]
    assert got[9:13] == [3, 1, 3, 1]
    assert set(got[30:40]) == {0, 1, 2, 3}
    assert 4 not in got and 5 in got


def random_scaling(seed, lb=None):
    """Random cold starts, scale ups and removals of one function's
    replicas; requests from a Replay source. Replica 0 comes up first and
    stays, so a replica always runs. Returns the replica id of each request
    (arrival order) and the events ("up"/"down"/"req") in time order."""
    rng = np.random.default_rng(seed)
    deploy_times = {0: 0.01}
    actions = []  # (time, what, replica id)
    running_at = {0: (0.01, math.inf)}
    next_id = 1
    for t in np.sort(rng.uniform(0.1, 50, 40)).tolist():
        up = [r for r, (a, b) in running_at.items() if r and a < t < b]
        if up and rng.random() < 0.4:
            victim = int(rng.choice(up))
            actions.append((t, "remove", victim))
            running_at[victim] = (running_at[victim][0], t)
        else:
            deploy_times[next_id] = float(rng.uniform(0.05, 8))
            actions.append((t, "scale_up", next_id))
            running_at[next_id] = (t + deploy_times[next_id], math.inf)
            next_id += 1
    arrivals = np.sort(rng.uniform(0.05, 60, 600)).tolist()

    env = make_env(nodes=8, lb=lb)
    use_sim(env, deploy_times=deploy_times)
    env.faas.deploy(make_fd(scale_min=1, scale_max=100))

    def driver(env):
        for t, what, rid in actions:
            yield env.timeout(t - env.now)
            if what == "scale_up":
                env.faas.scale_up("f", 1)
                assert env.faas.get_replicas("f")[-1].replica_id == rid
            else:
                (victim,) = [r for r in env.faas.get_replicas("f") if r.replica_id == rid]
                env.faas.remove_replica(victim)

    env.process(driver(env))
    env.faas.add_source("f", Replay(arrivals))
    env.run()
    events = [(t, ("req",)) for t in arrivals]
    for rid, (a, b) in running_at.items():
        events.append((a, ("up", rid)))
        if b < math.inf:
            events.append((b, ("down", rid)))
    events.sort(key=lambda e: e[0])
    got = rows(env)["replica_id"]
    assert len(got) == len(arrivals) and len(set(got)) > 5
    return got, [e[1] for e in events]


@pytest.mark.parametrize("seed", range(6))
def test_round_robin_matches_faas_sim_under_random_scaling(seed):
    got, events = random_scaling(seed)
    assert got == faas_sim_round_robin(events)


def smooth_wrr_with_changes(events, weight):
    """Smooth weighted round robin over the RUNNING replicas (deployment
    order); any change of the set restarts the cycle (current weights 0);
    with one replica the load balancer is not asked."""
    running, current, out = [], {}, []
    for ev in events:
        if ev[0] == "up":
            running = sorted(running + [ev[1]])
            current = dict.fromkeys(running, 0)
        elif ev[0] == "down":
            running = [r for r in running if r != ev[1]]
            current = dict.fromkeys(running, 0)
        elif len(running) == 1:
            out.append(running[0])
        else:
            for r in running:
                current[r] += weight(r)
            best = max(running, key=lambda r: (current[r], -running.index(r)))
            current[best] -= sum(weight(r) for r in running)
            out.append(best)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_weighted_round_robin_under_random_scaling(seed):
    def weight(rid):
        return 1 + rid % 4

    lb = faassim.WeightedRoundRobinLoadBalancer(lambda replica: weight(replica.replica_id))
    got, events = random_scaling(seed, lb)
    assert got == smooth_wrr_with_changes(events, weight)


def test_round_robin_counter_does_not_move_with_one_replica():
    env = make_env()
    use_sim(env, deploy_times={1: 5.0})
    env.faas.deploy(make_fd(scale_min=1))
    env.run()
    env.faas.scale_up("f", 1)
    requests_at(env, [1, 2, 3, 6, 7, 8, 9, 10])
    env.run()
    # the three requests with one replica leave the counter at 0, so the
    # first with two replicas goes to replica 0
    assert rows(env)["replica_id"] == [0, 0, 0, 0, 1, 0, 1, 0]


def test_round_robin_is_per_function():
    env = make_env()
    env.faas.deploy(make_fd("a", scale_min=2))
    env.faas.deploy(make_fd("b", scale_min=3))
    for name in "abbabb":
        env.faas.invoke(FunctionRequest(name))
    env.run()
    r = rows(env)
    assert list(zip(r["function_name"], r["replica_id"])) == [
        ("a", 0),
        ("b", 2),
        ("b", 3),
        ("a", 1),
        ("b", 4),
        ("b", 2),
    ]


def least_outstanding_reference(n_replicas, arrivals):
    """arrivals: (time, duration) sorted by time, all replicas RUNNING.
    Fewest in flight, ties to the earliest; completions at a time are
    processed before arrivals at that time."""
    ends = [[] for _ in range(n_replicas)]
    out = []
    for t, d in arrivals:
        for e in ends:
            e[:] = [x for x in e if x > t]
        counts = [len(e) for e in ends]
        i = counts.index(min(counts))
        out.append(i)
        ends[i].append(t + d)
    return out


def test_least_outstanding_long_and_short_requests():
    env = make_env(lb=faassim.LeastOutstandingLoadBalancer())
    use_sim(env)
    env.faas.deploy(make_fd(scale_min=3))
    env.run()
    arrivals = [(0.0, 10.0), (0.0, 10.0), (0.0, 1.0), (0.5, 1.0), (1.2, 1.0), (1.4, 5.0), (1.6, 0.1), (3.0, 1.0)]
    order = []

    class Rec(Timed):
        def invoke(self, env, replica, request):
            order.append((request.request_id, replica.replica_id, replica.inflight))
            yield env.timeout(request.size)

    env.simulator_factory = Factory(Rec)
    env.faas.remove("f")
    env.run()
    env.faas.deploy(make_fd(scale_min=3))
    env.run()  # the replicas are up (their deploy hooks take no time)
    for t, d in arrivals:
        requests_at(env, [t], size=d)
    env.run()
    # by hand: at 0 the ties go to r0, r1, r2; at 0.5 all have one -> r0; at
    # 1.2 (C done) r2 has none; at 1.4 r1 and r2 have one -> r1; at 1.6 (D
    # done) r0 and r2 have one -> r0; at 3.0 (E, G done) r2 has none
    expected = [0, 1, 2, 0, 2, 1, 0, 2]
    assert least_outstanding_reference(3, arrivals) == expected
    assert [rid - 3 for _, rid, _ in order] == expected
    # replica.inflight in the hook counts the request itself
    assert [n for _, _, n in order] == [1, 1, 1, 2, 1, 2, 2, 1]


def test_least_outstanding_against_reference_random_load():
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.exponential(0.1, 3000))
    d = rng.exponential(0.35, 3000)
    arrivals = list(zip(t.tolist(), d.tolist()))
    env = make_env(lb=faassim.LeastOutstandingLoadBalancer())
    use_sim(env)
    env.faas.deploy(make_fd(scale_min=4))
    for ti, di in arrivals:
        requests_at(env, [ti], size=di)
    env.run()
    r = env.metrics.to_numpy("invocations")
    order = np.argsort(r["t_start"], kind="stable")
    assert r["replica_id"][order].tolist() == least_outstanding_reference(4, arrivals)


def test_random_is_deterministic_per_seed_and_roughly_uniform():
    def run(seed):
        env = make_env(seed=seed, lb=faassim.RandomLoadBalancer())
        env.faas.deploy(make_fd(scale_min=3))
        env.faas.add_source("f", Constant(100), max_requests=30000)
        env.run()
        return env.metrics.to_numpy("invocations")["replica_id"]

    a, b, c = run(5), run(5), run(6)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    counts = np.bincount(a, minlength=3)
    assert counts.sum() == 30000
    # each ~ Binomial(30000, 1/3): sd 81.6; 5 sd
    assert np.all(np.abs(counts - 10000) < 410), counts
    # chi-square with 2 degrees of freedom, p ~ 1e-6
    assert ((counts - 10000) ** 2 / 10000).sum() < 27.6
    # consecutive picks are not correlated: pairs are uniform over 9 cells
    pairs = np.bincount(a[:-1] * 3 + a[1:], minlength=9)
    assert ((pairs - pairs.mean()) ** 2 / pairs.mean()).sum() < 40


def test_poisson_source_and_random_balancer_draw_for_draw():
    """Against the pure-Python reference of env.rng (tests/rng_reference.py):
    the first gap is drawn when the source is attached; then per arrival one
    64-bit draw x picks replica floor(x * n / 2^64), then the next gap
    -log1p(-u) / rate is drawn (none after the last of max_requests)."""
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    import rng_reference as ref

    env = make_env(seed=9, lb=faassim.RandomLoadBalancer())
    env.faas.deploy(make_fd(scale_min=3))
    env.faas.add_source("f", Poisson(50), max_requests=2000)
    env.run()
    g = ref.Xoshiro(9)
    t = g.exponential(50)
    times, replicas = [], []
    for k in range(2000):
        times.append(t)
        replicas.append((g.next_u64() * 3) >> 64)
        if k < 1999:
            t += g.exponential(50)
    r = rows(env)
    assert r["t_start"] == times  # bit for bit
    assert r["replica_id"] == replicas
    assert env.rng.random() == g.random()  # and no other draw was made


def test_random_draws_only_with_a_choice():
    """With one replica RUNNING the load balancer is not asked: env.rng is
    not drawn from."""
    env = make_env(seed=3, lb=faassim.RandomLoadBalancer())
    env.faas.deploy(make_fd(scale_min=1))
    before = env.rng.getstate()
    for _ in range(10):
        env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert env.rng.getstate() == before
    env.faas.scale_up("f", 1)
    env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert env.rng.getstate() != before


def smooth_wrr(weights, n):
    current = [0] * len(weights)
    out = []
    for _ in range(n):
        current = [c + w for c, w in zip(current, weights)]
        i = current.index(max(current))
        current[i] -= sum(weights)
        out.append(i)
    return out


def test_weighted_round_robin_3_to_1_exact_interleaving():
    lb = faassim.WeightedRoundRobinLoadBalancer({"server_0": 3, "server_1": 1})
    env = make_env(nodes=2, lb=lb)
    env.faas.deploy(make_fd(scale_min=2))
    assert [r.node.name for r in env.faas.discover("f")] == ["server_0", "server_1"]
    env.faas.add_source("f", Constant(10), max_requests=400)
    env.run()
    got = rows(env)["replica_id"]
    assert got[:8] == [0, 0, 1, 0, 0, 0, 1, 0]
    assert got == smooth_wrr([3, 1], 400)
    assert got.count(0) == 300 and got.count(1) == 100
    for k in range(0, 400, 4):  # every window of sum(weights) picks: exact shares
        assert sorted(got[k : k + 4]) == [0, 0, 0, 1]


def test_weighted_round_robin_by_node_type_and_callable():
    lb = faassim.WeightedRoundRobinLoadBalancer({"cloud": 2}, default=1)
    env = make_env(lb=lb, node_names=["cloud_0", "edge_0", "edge_1"])
    env.faas.deploy(make_fd(scale_min=3))
    env.faas.add_source("f", Constant(1), max_requests=40)
    env.run()
    nodes = rows(env)["node"]
    assert nodes == [["cloud_0", "edge_0", "edge_1"][i] for i in smooth_wrr([2, 1, 1], 40)]
    assert nodes.count("cloud_0") == 20

    seen = []

    def weight(replica):
        seen.append(replica.replica_id)
        return 1 + replica.replica_id

    env = make_env(lb=faassim.WeightedRoundRobinLoadBalancer(weight))
    env.faas.deploy(make_fd(scale_min=3))
    env.faas.add_source("f", Constant(1), max_requests=60)
    env.run()
    assert seen == [0, 1, 2]  # once per replica, when it starts
    assert rows(env)["replica_id"] == smooth_wrr([1, 2, 3], 60)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_weighted_round_robin_bad_weight(bad):
    env = make_env(lb=faassim.WeightedRoundRobinLoadBalancer(lambda r: bad))
    with pytest.raises(ValueError, match="weight"):
        env.faas.deploy(make_fd(scale_min=1))


class LastReplica(LoadBalancer):
    def __init__(self):
        super().__init__()
        self.calls = []

    def next_replica(self, request):
        running = self.get_running_replicas(request.name)
        self.calls.append((request.request_id, [r.replica_id for r in running]))
        return running[-1]


def test_python_next_replica_is_honoured():
    lb = LastReplica()
    env = make_env(lb=lb)
    env.faas.deploy(make_fd(scale_min=1))
    env.faas.invoke(FunctionRequest("f"))  # one replica: not asked
    env.run()
    env.faas.scale_up("f", 2)
    env.faas.add_source("f", Constant(1), max_requests=3)
    env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert lb.calls == [(1, [0, 1, 2]), (2, [0, 1, 2]), (3, [0, 1, 2]), (4, [0, 1, 2])]
    assert rows(env)["replica_id"] == [0, 2, 2, 2, 2]
    assert lb.env is env
    assert [r.replica_id for r in lb.get_running_replicas("f")] == [0, 1, 2]
    assert lb.get_running_replicas("f") == env.faas.discover("f")


def test_python_next_replica_can_fall_back_to_the_c_policy():
    class Fallback(LoadBalancer):
        def next_replica(self, request):
            return super().next_replica(request)

    env = make_env(lb=Fallback())
    env.faas.deploy(make_fd(scale_min=3))
    env.faas.add_source("f", Constant(1), max_requests=7)
    env.run()
    assert rows(env)["replica_id"] == [0, 1, 2, 0, 1, 2, 0]


@pytest.mark.parametrize("which", ["none", "other_function", "not_running", "not_a_replica", "failed"])
def test_python_next_replica_is_validated(which):
    env = make_env()
    use_sim(env, deploy_times={3: 50.0})
    env.faas.deploy(make_fd("f", scale_min=2))
    env.faas.deploy(make_fd("g", scale_min=1))  # replica 2
    env.faas.scale_up("f", 1)  # replica 3 still deploying
    env.run(until=1)
    g_rep = env.faas.get_replicas("g")[0]
    starting = env.faas.get_replicas("f")[2]
    assert starting.replica_id == 3 and starting.state == FunctionState.CONCEIVED  # in its deploy hook

    class Bad(LoadBalancer):
        def next_replica(self, request):
            return {
                "none": None,
                "other_function": g_rep,
                "not_running": starting,
                "not_a_replica": "server_0",
                "failed": removed,
            }[which]

    removed = env.faas.get_replicas("f")[0]
    if which == "failed":
        env.faas.scale_up("f", 1)
        env.run(until=2)
        env.faas.remove_replica(removed)
        env.run(until=3)
    env.load_balancer = Bad()
    req = FunctionRequest("f")
    with pytest.raises(ValueError, match="expected a RUNNING replica of function 'f'"):
        env.faas.invoke(req)
    assert not req.in_flight
    assert env.faas.function_stats("f")["invoked"] == 0
    env.load_balancer = faassim.RoundRobinLoadBalancer()
    env.faas.invoke(req)
    env.run()
    assert env.faas.function_stats("f")["completed"] == 1


def test_python_load_balancer_raising():
    class Raising(LoadBalancer):
        def next_replica(self, request):
            raise ZeroDivisionError("lb broke")

    env = make_env(lb=Raising())
    env.faas.deploy(make_fd(scale_min=2))
    with pytest.raises(ZeroDivisionError, match="lb broke"):
        env.faas.invoke(FunctionRequest("f"))
    # from a source: the error reaches run(); the platform stays usable
    env.faas.add_source("f", Constant(1), max_requests=2)
    with pytest.raises(ZeroDivisionError, match="lb broke"):
        env.run()
    assert [r.state for r in env.faas.get_replicas("f")] == [FunctionState.RUNNING] * 2
    env.load_balancer = faassim.RoundRobinLoadBalancer()
    env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert env.faas.function_stats("f")["completed"] == 1


def test_get_running_replicas_and_discover_in_deployment_order():
    env = make_env()
    use_sim(env, deploy_times={0: 4.0, 1: 1.0, 2: 2.0})
    env.faas.deploy(make_fd(scale_min=1))
    env.faas.scale_up("f", 2)
    lb = env.load_balancer
    seen = []
    for t in (0.5, 1.5, 2.5, 4.5):
        env.run(until=t)
        seen.append([r.replica_id for r in lb.get_running_replicas("f")])
    assert seen == [[], [1], [1, 2], [0, 1, 2]]
    env.faas.scale_down("f", 1)  # the latest started: replica 0
    assert [r.replica_id for r in env.faas.discover("f")] == [1, 2]
    with pytest.raises(KeyError):
        lb.get_running_replicas("nope")
    with pytest.raises(RuntimeError, match="no environment"):
        faassim.RoundRobinLoadBalancer().get_running_replicas("f")
    env.run()


# ---------------------------------------------------------------------------
# 4. Request sources
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [10, 3, 7.5, 1000])
def test_constant_source_exact_arrival_times(rate):
    env = make_env()
    env.faas.deploy(make_fd(scale_min=2))
    n = 2000
    src = env.faas.add_source("f", Constant(rate), max_requests=n)
    assert src.active and src.count == 0 and src.kind == "constant" and src.rate == rate
    env.run()
    assert src.count == n and not src.active
    t = env.metrics.to_numpy("invocations")["t_start"]
    k = np.arange(1, n + 1)
    assert t.tolist() == (k / rate).tolist()


def test_constant_source_attached_later_counts_from_attach_time():
    env = make_env()
    env.faas.deploy(make_fd())
    env.run(until=0.3)
    env.faas.add_source("f", Constant(10), max_requests=50)
    env.run()
    t = env.metrics.to_numpy("invocations")["t_start"]
    assert t.tolist() == (0.3 + np.arange(1, 51) / 10).tolist()


@pytest.mark.parametrize("rate, until, expected", [(10, 1.0, 10), (10, 3.0, 30), (3, 10.0, 30), (10, 2.95, 29)])
def test_constant_source_until_is_exact(rate, until, expected):
    env = make_env()
    env.faas.deploy(make_fd())
    src = env.faas.add_source("f", Constant(rate), until=until)
    env.run()
    assert src.count == expected and not src.active
    t = env.metrics.to_numpy("invocations")["t_start"]
    assert len(t) == expected and t.max() <= until


def test_max_requests_exact_and_zero():
    env = make_env()
    env.faas.deploy(make_fd())
    a = env.faas.add_source("f", Poisson(50), max_requests=777)
    b = env.faas.add_source("f", Constant(5), max_requests=0)
    assert not b.active and b.count == 0
    c = env.faas.add_source("f", Replay([1, 2, 3]), max_requests=2)
    env.run()
    assert (a.count, b.count, c.count) == (777, 0, 2)
    assert env.faas.function_stats("f")["completed"] == 779


def test_replay_exact_times_and_duplicates():
    env = make_env()
    env.faas.deploy(make_fd())
    times = [0.0, 0.5, 0.5, 0.5, 1.25, 7.0, 7.0]
    src = env.faas.add_source("f", Replay(np.array(times)))
    assert src.kind == "replay" and src.rate is None
    env.run()
    assert src.count == 7 and not src.active
    assert rows(env)["t_start"] == times
    assert env.now == 7.0


def test_replay_until_and_times_at_now():
    env = make_env()
    env.faas.deploy(make_fd())
    env.run(until=2)
    src = env.faas.add_source("f", Replay([2.0, 2.0, 3.0, 4.0, 5.0]), until=4.0)
    env.run()
    assert src.count == 4
    assert rows(env)["t_start"] == [2.0, 2.0, 3.0, 4.0]
    with pytest.warns(faassim.FaassimWarning, match="sends no requests"):
        empty = env.faas.add_source("f", Replay([]))
    assert not empty.active and empty.count == 0
    gen_src = env.faas.add_source("f", Replay(t for t in (10.0, 11.0)))  # any iterable
    env.run()
    assert gen_src.count == 2


def test_poisson_rate_and_reproducibility():
    def run(seed, rate=100.0, until=200.0):
        env = make_env(seed=seed)
        env.faas.deploy(make_fd(scale_min=1))
        src = env.faas.add_source("f", Poisson(rate), until=until)
        env.run()
        t = env.metrics.to_numpy("invocations")["t_start"]
        assert src.count == len(t)
        return t

    a = run(11)
    n = len(a)
    # Poisson(20000): sd 141; 5 sd
    assert abs(n - 20000) < 710, n
    gaps = np.diff(np.concatenate([[0.0], a]))
    assert np.all(gaps >= 0)
    # exponential gaps: mean 1/rate (sd of the mean ~ 0.01/sqrt(n)), cv 1
    assert abs(gaps.mean() - 0.01) < 5 * 0.01 / math.sqrt(n)
    assert abs(gaps.std() / gaps.mean() - 1) < 0.05
    # P(gap > 1/rate) = e^-1
    assert abs((gaps > 0.01).mean() - math.exp(-1)) < 0.02
    assert np.array_equal(a, run(11))
    b = run(12)
    assert not np.array_equal(a[: min(len(a), len(b))], b[: min(len(a), len(b))])


def test_sources_share_the_request_id_counter_with_invoke():
    seen = []

    class Rec(FunctionSimulator):
        def invoke(self, env, replica, request):
            seen.append((env.now, request.request_id, request.name, request.size))
            yield env.timeout(0)

    env = make_env()
    use_sim(env, Rec)
    env.faas.deploy(make_fd())
    env.faas.add_source("f", Replay([1.0, 3.0]))
    requests_at(env, [2.0, 3.5])
    env.run()
    assert seen == [(1.0, 0, "f", None), (2.0, 1, "f", None), (3.0, 2, "f", None), (3.5, 3, "f", None)]


def test_source_with_python_hook_makes_requests_and_frees_them():
    live_requests = []

    class Rec(FunctionSimulator):
        def invoke(self, env, replica, request):
            assert isinstance(request, FunctionRequest) and request.in_flight
            live_requests.append(_core._live_objects()["requests"])
            yield env.timeout(0.3)

    base = _core._live_objects()["requests"]
    env = make_env()
    use_sim(env, Rec)
    env.faas.deploy(make_fd(scale_min=2))
    env.faas.add_source("f", Constant(4), max_requests=100)
    env.run()
    assert len(live_requests) == 100
    # at most two in flight at once (0.3 s at 4/s), each a Python object
    assert max(live_requests) - base == 2
    assert _core._live_objects()["requests"] == base
    assert rows(env)["t_exec"] == pytest.approx([0.3] * 100, abs=1e-12)


def test_source_with_c_default_hook_makes_no_python_requests():
    env = make_env()
    env.faas.deploy(make_fd(scale_min=3))
    base = _core._live_objects()
    peak = []

    def watch(env):
        for _ in range(50):
            yield env.timeout(0.33)
            peak.append(_core._live_objects()["requests"] - base["requests"])

    env.faas.add_source("f", Poisson(200), max_requests=3000)
    env.process(watch(env))
    env.run()
    assert max(peak) == 0
    assert env.faas.function_stats("f")["completed"] == 3000
    assert rows(env)["replica_id"][:6] == [0, 1, 2, 0, 1, 2]


def test_source_stops_when_its_function_is_removed_and_on_stop():
    env = make_env()
    env.faas.deploy(make_fd("f"))
    env.faas.deploy(make_fd("g"))
    a = env.faas.add_source("f", Constant(1))
    b = env.faas.add_source("g", Constant(1))
    env.run(until=5.5)
    assert (a.count, b.count) == (5, 5)
    env.faas.remove("f")
    b.stop()
    assert not b.active
    env.run(until=20)
    assert (a.count, b.count) == (5, 5)
    assert not a.active
    # a function of the same name deployed again is a new function: the old
    # source does not come back
    env.faas.deploy(make_fd("f"))
    env.run(until=30)
    assert a.count == 5 and env.faas.function_stats("f")["invoked"] == 0
    env.run()  # nothing left to do
    assert env.now == 30


def test_source_errors():
    env = make_env()
    env.faas.deploy(make_fd())
    for bad in (0, -1, float("nan"), float("inf"), -0.0):
        with pytest.raises(ValueError, match="rate must be positive and finite"):
            Constant(bad)
        with pytest.raises(ValueError, match="rate must be positive and finite"):
            Poisson(bad)
    for bad in ("1", None, True, [1]):
        with pytest.raises(TypeError, match="rate must be a number"):
            Poisson(bad)
    with pytest.raises(ValueError, match="sorted"):
        Replay([1.0, 3.0, 2.0])
    for bad in ([float("nan")], [1.0, float("inf")], [float("-inf")]):
        with pytest.raises(ValueError, match="finite"):
            Replay(bad)
    with pytest.raises(TypeError, match="number"):
        Replay([1.0, "2"])
    with pytest.raises(TypeError):
        faassim.RequestSource("replay")
    with pytest.raises(ValueError, match="unknown kind"):
        faassim.RequestSource("burst", rate=1)

    src = env.faas.add_source("f", Constant(1), max_requests=3)
    with pytest.raises(RuntimeError, match="already attached"):
        env.faas.add_source("f", src)
    other = faassim.Environment()
    other.faas.deploy(make_fd())
    with pytest.raises(RuntimeError, match="already attached"):
        other.faas.add_source("f", src)
    with pytest.raises(KeyError, match="unknown function 'nope'"):
        env.faas.add_source("nope", Constant(1))
    with pytest.raises(TypeError, match="RequestSource"):
        env.faas.add_source("f", object())
    with pytest.raises(ValueError, match=">= 0"):
        env.faas.add_source("f", Constant(1), max_requests=-1)
    with pytest.raises(TypeError, match="max_requests"):
        env.faas.add_source("f", Constant(1), max_requests=2.0)
    with pytest.raises(ValueError, match="NaN"):
        env.faas.add_source("f", Constant(1), until=float("nan"))
    env.run(until=5)
    with pytest.raises(ValueError, match="before env.now"):
        env.faas.add_source("f", Replay([4.5, 6.0]))
    late = Replay([6.0])
    with pytest.raises(KeyError):
        env.faas.add_source("gone", late)
    # a failed attach leaves the source unattached: it can still be used
    env.faas.add_source("f", late)
    env.run()
    assert (src.count, late.count) == (3, 1)
    assert env.faas.function_stats("f")["invoked"] == 4


def test_source_whose_request_raised_stops():
    """A request of a source raised (here in the load balancer): the error
    reaches run() and the source stops, as a Python process would."""

    class Raising(LoadBalancer):
        def next_replica(self, request):
            if request.request_id == 1:
                raise ZeroDivisionError("lb broke")
            return self.get_running_replicas(request.name)[0]

    env = make_env(lb=Raising())
    env.faas.deploy(make_fd(scale_min=2))
    src = env.faas.add_source("f", Constant(1), max_requests=5)
    with pytest.raises(ZeroDivisionError, match="lb broke"):
        env.run()
    assert env.now == 2.0
    assert src.count == 2 and not src.active
    env.run()
    assert env.faas.function_stats("f")["completed"] == 1


def test_source_until_in_the_past_sends_nothing():
    env = make_env()
    env.faas.deploy(make_fd())
    env.run(until=10)
    with pytest.warns(faassim.FaassimWarning, match="window is already past"):
        src = env.faas.add_source("f", Constant(1), until=5)
    env.run(until=20)
    assert src.count == 0 and not src.active


# ---------------------------------------------------------------------------
# 5. Invocation metrics
# ---------------------------------------------------------------------------


class PyLogged(faassim.Metrics):
    """Forces the Python path: log_invocation is overridden (and calls the
    base)."""

    def __init__(self, env):
        super().__init__(env)
        self.calls = 0

    def log_invocation(self, *args, **kwargs):
        self.calls += 1
        return super().log_invocation(*args, **kwargs)


class Jitter(FunctionSimulator):
    def deploy(self, env, replica):
        yield env.timeout(env.rng.uniform(0.5, 2.0))

    def invoke(self, env, replica, request):
        yield env.timeout(env.rng.expovariate(20.0))


def metrics_scenario(seed, metrics_cls=None, lb=None, sim=Jitter, n=3000):
    env = make_env(seed=seed, lb=lb)
    if metrics_cls is not None:
        env.metrics = metrics_cls(env)
    use_sim(env, sim)
    env.faas.deploy(make_fd("f", scale_min=2, memory="128Mi"))
    env.faas.deploy(make_fd("g", scale_min=0, memory="1Gi"))
    env.faas.add_source("f", Poisson(40), max_requests=n)
    env.faas.add_source("g", Poisson(15), max_requests=n // 3)
    requests_at(env, [0.1 * k for k in range(50)], name="g")

    def scaler(env):
        yield env.timeout(10)
        env.faas.scale_up("f", 2)
        yield env.timeout(20)
        env.faas.scale_down("f", 3)

    env.process(scaler(env))
    env.run()
    return env


def assert_tables_equal(a, b):
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        if a[k].dtype == object:
            assert a[k].tolist() == b[k].tolist(), k
        else:
            assert np.array_equal(a[k], b[k]), k
            assert a[k].tobytes() == b[k].tobytes(), k


def test_invocation_rows_equal_on_c_fast_path_and_python_path():
    fast = metrics_scenario(3)
    slow = metrics_scenario(3, PyLogged)
    assert slow.metrics.calls == 3000 + 1000 + 50
    a = fast.metrics.to_numpy("invocations")
    b = slow.metrics.to_numpy("invocations")
    assert len(a["time"]) == 4050
    assert_tables_equal(a, b)
    assert set(a["memory"].tolist()) == {128 * 1024**2, 1024**3}
    # and the data frames
    pytest.importorskip("pandas")
    fa = fast.metrics.extract_dataframe("invocations")
    fb = slow.metrics.extract_dataframe("invocations")
    assert fa.equals(fb)
    assert list(fa.columns) == [
        "t_wait",
        "t_exec",
        "t_start",
        "memory",
        "function_name",
        "function_image",
        "node",
        "replica_id",
    ]


def test_invocation_row_values():
    env = make_env()
    use_sim(env, deploy_times={0: 2.0})
    env.faas.deploy(make_fd(memory="64Mi"))
    requests_at(env, [1.0], size=0.5)
    requests_at(env, [3.0], size=0.25)
    env.run()
    assert rows(env) == {
        "time": [2.5, 3.25],
        "t_wait": [1.0, 0.0],
        "t_exec": [0.5, 0.25],
        "t_start": [2.0, 3.0],
        "memory": [64 * 1024**2, 64 * 1024**2],
        "function_name": ["f", "f"],
        "function_image": ["f-cpu", "f-cpu"],
        "node": ["server_0", "server_0"],
        "replica_id": [0, 0],
    }


def test_log_start_and_stop_exec_overrides_called_once_per_request():
    calls = []

    class Hooks(faassim.Metrics):
        def log_start_exec(self, request, replica, **kwargs):
            calls.append(("start", self.env.now, request, request.request_id, replica, request.in_flight))

        def log_stop_exec(self, request, replica, **kwargs):
            calls.append(("stop", self.env.now, request, request.request_id, replica, request.in_flight))

    env = make_env()
    env.metrics = Hooks(env)
    use_sim(env)
    env.faas.deploy(make_fd(scale_min=2))
    mine = FunctionRequest("f", size=1.0)
    env.faas.invoke(mine)
    env.faas.add_source("f", Replay([0.5, 0.5]))
    env.run()
    reps = env.faas.get_replicas("f")
    starts = [c for c in calls if c[0] == "start"]
    stops = [c for c in calls if c[0] == "stop"]
    # request 0 waited; both replicas become RUNNING at 0 and the round robin
    # sends it to r0 at the end of that instant, then 1 -> r1 and 2 -> r0
    assert [(c[1], c[3], c[4]) for c in starts] == [(0.0, 0, reps[0]), (0.5, 1, reps[1]), (0.5, 2, reps[0])]
    assert [(c[1], c[3], c[4]) for c in stops] == [(0.5, 1, reps[1]), (0.5, 2, reps[0]), (1.0, 0, reps[0])]
    assert starts[0][2] is mine and stops[2][2] is mine
    # the same request object at start and stop, and it is in flight
    for s in starts:
        (stop,) = [c for c in stops if c[3] == s[3]]
        assert stop[2] is s[2]
    assert all(c[5] for c in calls)
    # the rows are still logged (C fast path for log_invocation)
    assert rows(env)["t_start"] == [0.5, 0.5, 0.0]


def test_log_start_exec_with_c_default_invoke_hook():
    calls = []

    class Hooks(faassim.Metrics):
        def log_start_exec(self, request, replica, **kwargs):
            calls.append(("start", request.request_id, replica.replica_id))

        def log_stop_exec(self, request, replica, **kwargs):
            calls.append(("stop", request.request_id, replica.replica_id))

    env = make_env()
    env.metrics = Hooks(env)
    env.faas.deploy(make_fd(scale_min=2))
    env.faas.add_source("f", Constant(1), max_requests=3)
    env.run()
    assert calls == [("start", 0, 0), ("stop", 0, 0), ("start", 1, 1), ("stop", 1, 1), ("start", 2, 0), ("stop", 2, 0)]


def test_metrics_invocation_counters():
    env = make_env()
    use_sim(env, deploy_times={0: 1.0})
    env.faas.deploy(make_fd("f"))
    env.faas.deploy(make_fd("g"))
    m = env.metrics
    assert m.invocations == {"f": 0, "g": 0} and m.total_invocations == 0
    assert m.last_invocation == {"f": 0.0, "g": 0.0}
    env.faas.add_source("f", Replay([0.5, 2.0, 2.5]))
    env.faas.add_source("g", Replay([3.0]))
    env.run(until=0.75)
    assert m.invocations == {"f": 0, "g": 0}  # waiting: not started yet
    env.run()
    assert m.invocations == {"f": 3, "g": 1} and m.total_invocations == 4
    assert m.last_invocation == {"f": 2.5, "g": 3.0}


def test_metrics_replaced_twice_fast_path_uses_the_right_strings():
    """The C fast path caches each replica's string ids per Metrics object;
    a new Metrics object at the address of a freed one must not reuse them."""
    env = make_env(node_names=["alpha_0", "beta_0"])
    env.faas.deploy(make_fd("f"))
    env.faas.deploy(make_fd("g"))
    for name in "fg":
        env.faas.invoke(FunctionRequest(name))
    env.run()
    expected = []
    for _ in range(20):
        env.metrics = faassim.Metrics(env)
        env.faas.invoke(FunctionRequest("g"))  # the platform lets the old Metrics go
        env.run()
        fresh = faassim.Metrics(env)  # often at the old one's address
        fresh.log("other", {"x": 1}, a="zzz", b="yyy", c="xxx", d="www")
        env.metrics = fresh
        env.faas.invoke(FunctionRequest("g"))
        env.faas.invoke(FunctionRequest("f"))
        env.run()
        expected = [("g", "g-cpu", "beta_0"), ("f", "f-cpu", "alpha_0")]
        r = rows(env)
        assert list(zip(r["function_name"], r["function_image"], r["node"])) == expected


def test_metrics_replaced_mid_run():
    env = make_env()
    env.faas.deploy(make_fd(scale_min=2))
    env.faas.add_source("f", Constant(1), max_requests=10)
    env.run(until=4.5)
    first = env.metrics
    env.metrics = PyLogged(env)
    env.run(until=7.5)
    env.metrics = faassim.Metrics(env)
    env.run()
    assert first.to_numpy("invocations")["t_start"].tolist() == [1, 2, 3, 4]
    assert rows(env)["t_start"] == [8, 9, 10]
    assert rows(env)["node"] == ["server_1", "server_0", "server_1"]


# ---------------------------------------------------------------------------
# 6. Determinism
# ---------------------------------------------------------------------------

DETERMINISM_SCENARIO = textwrap.dedent(
    """
    import hashlib
    import faassim
    from faassim import FunctionRequest, FunctionSimulator, Poisson

    class Sim(FunctionSimulator):
        def deploy(self, env, replica):
            yield env.timeout(env.rng.uniform(0.1, 1.5))

        def setup(self, env, replica):
            yield env.timeout(env.rng.expovariate(4.0))

        def invoke(self, env, replica, request):
            yield env.timeout(env.rng.lognormvariate(-3.0, 0.5))
            if env.rng.random() < 0.1:
                yield env.timeout(env.rng.uniform(0, 0.2))

    class Factory(faassim.SimulatorFactory):
        def create(self, env, container):
            return Sim()

    def scenario(seed):
        env = faassim.Environment(seed=seed)
        env.topology = faassim.Topology([faassim.Node(f"n_{i}", "8", "32Gi") for i in range(5)])
        env.load_balancer = faassim.RandomLoadBalancer()
        env.simulator_factory = Factory()
        for name, smin in (("a", 3), ("b", 1), ("c", 0)):
            fn = faassim.Function(name, [faassim.FunctionImage(name + "-img")])
            fd = faassim.FunctionDeployment(
                fn, [faassim.FunctionContainer(fn.fn_images[0])], faassim.ScalingConfiguration(scale_min=smin)
            )
            env.faas.deploy(fd)
        env.faas.add_source("a", Poisson(60), until=60)
        env.faas.add_source("b", Poisson(25), until=60)
        env.faas.add_source("c", Poisson(5), until=60)

        def client(env):
            while env.now < 60:
                yield env.timeout(env.rng.expovariate(10))
                yield env.faas.invoke(FunctionRequest(env.rng.choice(["a", "b", "c"])))

        def scaler(env):
            yield env.timeout(15)
            env.faas.scale_up("a", 2)
            yield env.timeout(15)
            env.faas.scale_down("a", 3)
            env.faas.scale_up("c", 2)

        env.process(client(env))
        env.process(scaler(env))
        env.run()
        return env

    def digest(env):
        h = hashlib.sha256()
        for name in ("invocations", "replica_deployment", "schedule"):
            for col, arr in env.metrics.to_numpy(name).items():
                h.update(col.encode())
                h.update(repr(arr.dtype).encode())
                h.update(arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode())
        return h.hexdigest()
    """
)


def _scenario_namespace():
    ns = {}
    exec(DETERMINISM_SCENARIO, ns)
    return ns


def test_same_seed_same_arrays_in_one_process():
    ns = _scenario_namespace()
    a, b, c = ns["scenario"](21), ns["scenario"](21), ns["scenario"](22)
    ta, tb, tc = (e.metrics.to_numpy("invocations") for e in (a, b, c))
    assert len(ta["time"]) > 5000
    assert_tables_equal(ta, tb)
    for name in ("replica_deployment", "schedule", "allocation"):
        assert_tables_equal(a.metrics.to_numpy(name), b.metrics.to_numpy(name))
    assert not np.array_equal(ta["t_exec"][:1000], tc["t_exec"][:1000])
    assert ns["digest"](a) == ns["digest"](b) != ns["digest"](c)


def test_same_seed_same_arrays_in_two_processes():
    code = DETERMINISM_SCENARIO + "\nprint(digest(scenario(21)))\n"
    digests = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        for _ in range(2)
    ]
    local = _scenario_namespace()
    assert digests[0] == digests[1] == local["digest"](local["scenario"](21))
    assert len(digests[0]) == 64


# ---------------------------------------------------------------------------
# 7. Hostile code
# ---------------------------------------------------------------------------


class Boom(Exception):
    pass


class Failing(FunctionSimulator):
    """invoke raises for requests whose size is 'boom': mode 'later' after
    1 s, 'first_step' when its process starts, 'plain' at once (invoke is a
    plain function that returns a generator for the other requests)."""

    mode = "later"

    def invoke(self, env, replica, request):
        if request.size == "boom" and self.mode == "plain":
            raise Boom(f"request {request.request_id}")
        return self._run(env, request)

    def _run(self, env, request):
        if request.size == "boom" and self.mode == "first_step":
            raise Boom(f"request {request.request_id}")
        yield env.timeout(1)
        if request.size == "boom":
            raise Boom(f"request {request.request_id}")


def failed_rows(env):
    r = rows(env, "replica_deployment")
    if "phase" not in r:  # the column is made by the first failure
        return []
    fields = zip(r["value"], r["replica_id"], r["phase"], r["error"])
    return [(rid, ph, err) for v, rid, ph, err in fields if v == "failed"]


@pytest.mark.parametrize("mode", ["later", "first_step", "plain"])
def test_invoke_hook_raising(mode):
    env = make_env()
    use_sim(env, Failing, mode=mode)
    env.faas.deploy(make_fd(scale_min=2))
    out = []

    def client(env, size):
        try:
            resp = yield env.faas.invoke(FunctionRequest("f", size=size))
            out.append(resp.request_id)
        except Boom as e:
            out.append(f"caught {e}")

    for size in (None, "boom", None):
        env.process(client(env, size))
    if mode == "plain":
        # raised by the invoke() call, in the client, which handles it
        env.run()
    else:
        with pytest.raises(Boom, match="request 1") as info:
            env.run()
        # the user's frame is in the traceback
        assert info.traceback[-1].name == "_run"
    env.run()
    assert sorted(map(str, out)) == ["0", "2", "caught request 1"]
    assert [r.replica_id for r in env.faas.get_replicas("f", FunctionState.FAILED)] == [1]
    assert [r.state for r in env.faas.get_replicas("f")] == [FunctionState.RUNNING]
    assert failed_rows(env) == [(1, "invoke", "Boom: request 1")]
    stats = env.faas.function_stats("f")
    assert (stats["completed"], stats["failed"], stats["replicas"]) == (2, 1, 1)
    env.run()  # reported once


@pytest.mark.parametrize("mode", ["later", "first_step", "plain"])
def test_invoke_hook_raising_swallowed(mode):
    env = make_env()
    env.faas.raise_hook_errors = False
    use_sim(env, Failing, mode=mode)
    env.faas.deploy(make_fd(scale_min=2))
    out = []

    def client(env, size):
        try:
            resp = yield env.faas.invoke(FunctionRequest("f", size=size))
            out.append(resp.request_id)
        except Boom as e:
            out.append(f"caught {e}")

    for size in (None, "boom", None):
        env.process(client(env, size))
    env.run(until=1.5)
    # held, never waited for: its failure must not reach run() either
    held = [env.faas.invoke(FunctionRequest("f", size="boom"))]
    env.run()
    assert sorted(map(str, out)) == ["0", "2", "caught request 1"]
    assert held[0].triggered and not held[0].ok
    assert isinstance(held[0].value, Boom)
    assert [r.replica_id for r in env.faas.get_replicas("f", FunctionState.FAILED)] == [1, 0]
    assert failed_rows(env) == [(1, "invoke", "Boom: request 1"), (0, "invoke", "Boom: request 3")]
    assert env.faas.get_replicas("f") == []


@pytest.mark.parametrize("raise_errors", [True, False])
def test_two_requests_failing_on_one_replica(raise_errors):
    """Both requests in flight on a replica raise: the replica fails once;
    each request's event fails with its own exception."""
    env = make_env()
    env.faas.raise_hook_errors = raise_errors
    use_sim(env, Failing)
    env.faas.deploy(make_fd(scale_min=1))
    evs = [env.faas.invoke(FunctionRequest("f", size="boom")) for _ in range(2)]
    caught = []

    def waiter(env, ev):
        try:
            yield ev
        except Boom as e:
            caught.append(str(e))

    for ev in evs:
        env.process(waiter(env, ev))
    reported = []
    for _ in range(3):
        try:
            env.run()
        except Boom as e:
            reported.append(str(e))
    assert reported == (["request 0", "request 1"] if raise_errors else [])
    assert sorted(caught) == ["request 0", "request 1"]
    assert [r.replica_id for r in env.faas.get_replicas("f", FunctionState.FAILED)] == [0]
    assert failed_rows(env) == [(0, "invoke", "Boom: request 0")]
    stats = env.faas.function_stats("f")
    assert (stats["failed"], stats["completed"], stats["replicas"]) == (2, 0, 0)


def test_sync_invoke_hook_raising_is_reported_once():
    """A plain-function hook raises at once: invoke() raises it; the event
    nobody got must not raise again from run()."""
    env = make_env()
    use_sim(env, Failing, mode="plain")
    env.faas.deploy(make_fd(scale_min=2))
    with pytest.raises(Boom, match="request 0"):
        env.faas.invoke(FunctionRequest("f", size="boom"))
    env.run()  # nothing pending
    assert failed_rows(env) == [(0, "invoke", "Boom: request 0")]
    env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert rows(env)["replica_id"] == [1]


def test_invoke_hook_raising_for_a_waiting_request_fails_the_replica_once():
    """Waiting requests are dispatched when the replica becomes RUNNING; an
    invoke hook raising then fails the replica in phase 'invoke' (not
    'setup'), once."""
    env = make_env()
    use_sim(env, Failing, mode="plain")
    Failing.deploy = Timed.deploy
    Failing.deploy_times = {0: 1.0}
    try:
        env.faas.deploy(make_fd(scale_min=1))
        env.faas.invoke(FunctionRequest("f", size="boom"))
        with pytest.raises(Boom, match="request 0"):
            env.run()
        env.run()
    finally:
        del Failing.deploy
        del Failing.deploy_times
    assert [r.replica_id for r in env.faas.get_replicas("f", FunctionState.FAILED)] == [0]
    assert failed_rows(env) == [(0, "invoke", "Boom: request 0")]


def test_metrics_error_while_dispatching_waiting_requests_does_not_fail_the_replica():
    class BadMetrics(faassim.Metrics):
        def log_start_exec(self, request, replica, **kwargs):
            if request.request_id == 1:
                raise Boom("metrics")

    env = make_env()
    env.metrics = BadMetrics(env)
    use_sim(env, deploy_times={0: 1.0})
    env.faas.deploy(make_fd())
    evs = [env.faas.invoke(FunctionRequest("f", size=0.5)) for _ in range(3)]
    with pytest.raises(Boom, match="metrics"):
        env.run()
    env.run()
    (rep,) = env.faas.get_replicas("f")
    assert rep.state == FunctionState.RUNNING and env.faas.discover("f") == [rep]
    assert env.faas.get_replicas("f", FunctionState.FAILED) == []
    assert failed_rows(env) == []
    assert evs[0].value.request_id == 0
    env.faas.invoke(FunctionRequest("f"))  # the platform goes on
    env.run()
    assert rows(env)["replica_id"][-1] == 0


def test_hook_invoking_and_scaling_reentrantly():
    class Reentrant(FunctionSimulator):
        def invoke(self, env, replica, request):
            if request.size == "fan-out":
                env.faas.scale_up("f", 1)  # C lifecycle: RUNNING at once
                inner = [env.faas.invoke(FunctionRequest("f", size=i)) for i in range(3)]
                responses = yield env.all_of(inner)
                request.size = [r.request_id for r in responses.values()]
            else:
                yield env.timeout(1)

    env = make_env()
    use_sim(env, Reentrant)
    env.faas.deploy(make_fd(scale_min=1))
    top = FunctionRequest("f", size="fan-out")
    ev = env.faas.invoke(top)
    env.run()
    assert top.size == [1, 2, 3]
    assert ev.value == FunctionResponse(0, 200, 0.0, 1.0, "server_0")
    r = rows(env)
    assert len(r["time"]) == 4 and r["replica_id"][-1] == 0
    assert len(env.faas.discover("f")) == 2


def test_plain_hook_invoking_reentrantly_while_dispatching_waiting():
    """A plain (non-generator) invoke hook invokes again while waiting
    requests are being dispatched: every request is served exactly once."""
    served = []

    class Chain(FunctionSimulator):
        def deploy(self, env, replica):
            yield env.timeout(1)

        def invoke(self, env, replica, request):
            served.append(request.request_id)
            if request.size and request.size < 3:
                env.faas.invoke(FunctionRequest("f", size=request.size + 1))

    env = make_env()
    use_sim(env, Chain)
    env.faas.deploy(make_fd(scale_min=1))
    for _ in range(3):
        env.faas.invoke(FunctionRequest("f", size=1))
    env.run()
    assert sorted(served) == list(range(9))
    assert env.faas.function_stats("f")["completed"] == 9
    assert env.faas.function_stats("f")["waiting"] == 0


def test_hooks_deploying_functions_reentrantly():
    """Hooks and metrics that deploy new functions (the platform's function
    table grows under them) while requests are in flight."""
    counter = [0]

    def deploy_more(env, k):
        for _ in range(k):
            counter[0] += 1
            env.faas.deploy(make_fd(f"x{counter[0]}", scale_min=0))

    class Growing(faassim.Metrics):
        def log_start_exec(self, request, replica, **kwargs):
            deploy_more(self.env, 9)

        def log_stop_exec(self, request, replica, **kwargs):
            deploy_more(self.env, 9)

        def log_invocation(self, *args, **kwargs):  # the Python path
            super().log_invocation(*args, **kwargs)

    class Sim(FunctionSimulator):
        def invoke(self, env, replica, request):
            deploy_more(env, 9)
            yield env.timeout(1)

    class GrowingLB(LoadBalancer):
        def next_replica(self, request):
            deploy_more(self.env, 9)
            return self.get_running_replicas(request.name)[0]

    env = make_env(lb=GrowingLB())
    env.metrics = Growing(env)
    use_sim(env, Sim)
    env.faas.deploy(make_fd("f", scale_min=2))
    evs = [env.faas.invoke(FunctionRequest("f")) for _ in range(4)]
    env.run()
    assert [e.value.request_id for e in evs] == [0, 1, 2, 3]
    assert rows(env)["function_name"] == ["f"] * 4
    # 9 per request in next_replica, log_start_exec, invoke and log_stop_exec
    assert len(env.faas.get_deployments()) == 1 + counter[0] == 1 + 9 * 4 * 4


class GrowingFactory(faassim.SimulatorFactory):
    """Deploys 20 functions each time it makes a simulator."""

    def __init__(self):
        self.made = []

    def create(self, env, container):
        for i in range(20):
            env.faas.deploy(make_fd(f"z{len(self.made)}_{i}", scale_min=0))
        self.made.append(container.image)
        return FunctionSimulator()


def test_simulator_factory_deploying_functions():
    env = make_env()
    env.simulator_factory = GrowingFactory()
    env.faas.deploy(make_fd("f", scale_min=3))
    env.faas.scale_up("f", 2)
    assert env.simulator_factory.made == ["f-cpu"] * 5
    assert [r.replica_id for r in env.faas.discover("f")] == [0, 1, 2, 3, 4]
    assert len(env.faas.get_deployments()) == 101
    assert env.faas.function_stats("f")["replicas"] == 5


def test_scale_from_zero_with_a_factory_deploying_functions():
    """Scale from zero makes scale_min (here 2) replicas; the simulator
    factory deploys functions while it runs (the function table grows)."""
    env = make_env(nodes=1)
    env.topology = faassim.Topology([faassim.Node("small_0", "4", "1Gi")])
    env.simulator_factory = GrowingFactory()
    env.faas.deploy(make_fd("f", scale_min=2, memory="2Gi"))  # cannot be placed
    assert len(env.faas.get_replicas("f", FunctionState.FAILED)) == 2
    env.topology.add_node(faassim.Node("big_0", "8", "8Gi"))
    ev = env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert ev.value.node == "big_0"
    assert env.simulator_factory.made == ["f-cpu"] * 4
    assert [r.replica_id for r in env.faas.get_replicas("f")] == [2, 3]


def test_load_balancer_deploying_then_returning_garbage():
    """The error message names the function after the platform's function
    table grew under the load balancer."""

    class Growing(LoadBalancer):
        def next_replica(self, request):
            for i in range(20):
                self.env.faas.deploy(make_fd(f"y{request.request_id}_{i}", scale_min=0))
            return None

    env = make_env(lb=Growing())
    env.faas.deploy(make_fd("f", scale_min=2))
    for _ in range(3):
        with pytest.raises(ValueError, match="expected a RUNNING replica of function 'f'"):
            env.faas.invoke(FunctionRequest("f"))
    assert len(env.faas.get_deployments()) == 61


def test_load_balancer_removing_replicas_reentrantly():
    class Removing(LoadBalancer):
        def next_replica(self, request):
            running = self.get_running_replicas(request.name)
            self.env.faas.remove_replica(running[0])
            return running[0]  # no longer RUNNING-and-routable

    env = make_env(lb=Removing())
    env.faas.deploy(make_fd(scale_min=3))
    with pytest.raises(ValueError, match="expected a RUNNING replica"):
        env.faas.invoke(FunctionRequest("f"))
    env.run()
    assert len(env.faas.discover("f")) == 2


def test_dropping_the_environment_with_requests_in_flight():
    gc.collect()
    base = _core._live_objects()

    def scenario(until):
        env = make_env()
        use_sim(env, deploy_times={0: 1.0, 1: 2.0})
        env.faas.deploy(make_fd(scale_min=2))
        held = [FunctionRequest("f", size=5) for _ in range(3)]
        events = [env.faas.invoke(r) for r in held]

        def client(env):
            yield env.faas.invoke(FunctionRequest("f", size=3))

        env.process(client(env))
        env.faas.add_source("f", Poisson(10))
        env.run(until=until)
        return held, events

    for until in (0.5, 1.5, 3.0):
        held, events = scenario(until)
        assert all(r.in_flight for r in held)
        assert not any(e.triggered for e in events)
        del held, events
        gc.collect()
        assert _core._live_objects() == base
    # the user keeps only a request that is waiting: the environment goes,
    # and the request is no longer in flight
    held, _ = scenario(0.5)
    keep = held[0]
    del held, _
    gc.collect()
    assert not keep.in_flight and keep.request_id == 0
    del keep
    gc.collect()
    assert _core._live_objects() == base


def test_dropping_the_environment_inside_a_hook():
    """A hook drops every user reference to the environment mid-run."""
    holder = {}

    class Dropper(FunctionSimulator):
        def invoke(self, env, replica, request):
            holder.clear()
            gc.collect()
            yield env.timeout(1)

    env = make_env()
    holder["env"] = env
    use_sim(env, Dropper)
    env.faas.deploy(make_fd(scale_min=2))
    env.faas.add_source("f", Constant(2), max_requests=5)
    run = env.run
    del env
    run()
    del run
    gc.collect()
    assert _core._live_objects()["environments"] == 0


def test_a_raising_log_invocation_fails_the_waiting_client_instead_of_hanging():
    class Boom(faassim.Metrics):
        def log_invocation(self, *args, **kwargs):
            raise RuntimeError("metrics down")

    class Slow(faassim.FunctionSimulator):
        def invoke(self, env, replica, request):
            yield env.timeout(1.5)

    class Factory(faassim.SimulatorFactory):
        def create(self, env, container):
            return Slow()

    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("n_0", "2", "4Gi")])
    env.metrics = Boom(env)
    env.simulator_factory = Factory()
    fn = faassim.Function("f", [faassim.FunctionImage("f-img")])
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
    seen = []

    def client(env):
        try:
            yield env.faas.invoke(faassim.FunctionRequest("f"))
        except RuntimeError as e:
            seen.append((env.now, str(e)))

    env.process(client(env))
    with pytest.raises(RuntimeError, match="metrics down"):
        env.run()
    env.run()  # the client resumes with the error: it does not hang
    assert seen == [(1.5, "metrics down")]
