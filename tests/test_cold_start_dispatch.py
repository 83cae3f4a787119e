"""Requests waiting through a cold start: they go out through the load
balancer at the end of the simulated instant at which replicas become
RUNNING, so that every replica that becomes RUNNING at that instant takes
its share (before, the first replica up took every waiting request).

Setting: 4 nodes, one replica each, HTTPWatchdog(workers=4) with an
execution time of exactly 1 s, deploy hooks of a given length (the cold
start), a burst of requests invoked at 0 while nothing is RUNNING. Expected
values are computed here from the balancer's rule (faas-sim's round robin:
counter % number of running replicas; least outstanding; smooth weighted
round robin) and the worker pools (4 at a time, FIFO)."""

import collections

import pytest

import faassim
from faassim import FunctionRequest, HTTPWatchdog
from faassim.distributions import Constant

IMG = "img"
N = 40  # waiting requests
REPLICAS = 4
WORKERS = 4


def characterization():
    r = faassim.FunctionResourceCharacterization(cpu=0.25, blkio=0, gpu=0, net=0, ram=0.1)
    return faassim.FunctionCharacterization(
        IMG, faassim.FetOracle({("node", IMG): Constant(1.0)}), faassim.ResourceOracle({("node", IMG): r})
    )


class ColdStart(HTTPWatchdog):
    """HTTPWatchdog whose deploy hook takes cold[replica_id] seconds."""

    cold = {}

    def deploy(self, env, replica):
        yield env.timeout(self.cold[replica.replica_id])


class Factory(faassim.SimulatorFactory):
    def __init__(self, cold):
        self.cold = dict(cold)

    def create(self, env, container):
        wd = ColdStart(WORKERS, characterization())
        wd.cold = self.cold
        return wd


def make_env(cold, lb=None, seed=1, replicas=REPLICAS, scale_min=REPLICAS, factory=Factory):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node(f"node_{i}", "16", "64Gi") for i in range(replicas)])
    if lb is not None:
        env.load_balancer = lb
    env.simulator_factory = factory(cold)
    fn = faassim.Function("f", [faassim.FunctionImage(IMG)])
    scaling = faassim.ScalingConfiguration(scale_min=scale_min, scale_max=replicas)
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])], scaling))
    if replicas > scale_min:
        env.faas.scale_up("f", replicas - scale_min)
    return env


def burst(env, n=N):
    reqs = [FunctionRequest("f") for _ in range(n)]
    for r in reqs:
        env.faas.invoke(r)
    assert env.faas.function_stats("f")["waiting"] == n
    return reqs


def table(env, name):
    return {k: v.tolist() for k, v in env.metrics.to_numpy(name).items()}


def assignment(env):
    """request_id -> replica_id, from the fets rows."""
    r = table(env, "fets")
    return dict(zip(r["request_id"], r["replica_id"]))


def fets_by_request(env):
    r = table(env, "fets")
    return {rid: (fs, fe) for rid, fs, fe in zip(r["request_id"], r["t_fet_start"], r["t_fet_end"])}


def expected_pool_times(assign, t0):
    """Per request: (start, end) of its execution on 4 FIFO workers per
    replica, every request taking 1 s, all dispatched at t0 in id order."""
    seen = collections.Counter()
    out = {}
    for rid in sorted(assign):
        k = seen[assign[rid]]
        seen[assign[rid]] += 1
        start = t0 + k // WORKERS
        out[rid] = (start, start + 1.0)
    return out


EQUAL = {i: 5.0 for i in range(REPLICAS)}


def test_round_robin_spreads_waiting_requests_in_faas_sim_order():
    env = make_env(EQUAL)
    burst(env)
    env.run()
    running = [r.replica_id for r in env.faas.get_replicas("f", faassim.FunctionState.RUNNING)]
    assert running == [0, 1, 2, 3]
    # faas-sim's RoundRobinLoadBalancer: counter % len(running replicas), in order
    assign = assignment(env)
    assert assign == {i: running[i % REPLICAS] for i in range(N)}
    # every request was dispatched at the end of the cold start
    inv = table(env, "invocations")
    assert inv["t_start"] == [5.0] * N and sorted(inv["t_wait"]) == [5.0] * N
    # FIFO per replica, 4 workers each: 10 requests per replica end by 8 s
    # (the pile-up on replica 0 ended at 5 + 40 / 4 = 15 s)
    assert fets_by_request(env) == expected_pool_times(assign, 5.0)
    assert max(inv["t_start"][i] + inv["t_exec"][i] for i in range(N)) == 8.0
    assert env.now == 8.0


def test_round_robin_continues_after_the_waiting_requests():
    env = make_env(EQUAL)
    burst(env, 6)
    env.run()
    # counter at 6: the next requests go to 2, 3, 0
    late = [env.faas.invoke(FunctionRequest("f")) for _ in range(3)]
    env.run()
    assign = assignment(env)
    assert [assign[i] for i in range(9)] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert all(ev.ok for ev in late)


def test_least_outstanding_spreads_evenly():
    env = make_env(EQUAL, lb=faassim.LeastOutstandingLoadBalancer())
    burst(env)
    env.run()
    assign = assignment(env)
    assert collections.Counter(assign.values()) == {0: 10, 1: 10, 2: 10, 3: 10}
    # the least loaded, first in routing order on a tie: 0, 1, 2, 3, 0, ...
    assert assign == {i: i % REPLICAS for i in range(N)}
    assert env.now == 8.0


def test_weighted_round_robin_spreads_per_weight():
    weights = {0: 3, 1: 1, 2: 1, 3: 3}
    lb = faassim.WeightedRoundRobinLoadBalancer(weights=lambda r: weights[r.replica_id])
    env = make_env(EQUAL, lb=lb)
    burst(env)
    env.run()
    # reference: smooth weighted round robin (nginx) over replicas 0..3
    current = [0] * REPLICAS
    expected = {}
    for i in range(N):
        for k in range(REPLICAS):
            current[k] += weights[k]
        best = max(range(REPLICAS), key=lambda k: (current[k], -k))
        current[best] -= sum(weights.values())
        expected[i] = best
    assert assignment(env) == expected
    assert collections.Counter(expected.values()) == {0: 15, 1: 5, 2: 5, 3: 15}


def random_assignment(seed):
    env = make_env(EQUAL, lb=faassim.RandomLoadBalancer(), seed=seed)
    burst(env)
    env.run()
    return [assignment(env)[i] for i in range(N)]


def test_random_is_deterministic_per_seed_and_uses_every_replica():
    a, b, c = random_assignment(7), random_assignment(7), random_assignment(8)
    assert a == b
    assert a != c
    assert set(a) == set(c) == {0, 1, 2, 3}


def test_python_balancer_sees_every_replica_running_and_fifo_order():
    calls = []

    class Last(faassim.LoadBalancer):
        def next_replica(self, request):
            running = self.get_running_replicas(request.name)
            calls.append((request.request_id, self.env.now, [r.replica_id for r in running]))
            return running[request.request_id % len(running)]

    env = make_env(EQUAL, lb=Last())
    burst(env)
    env.run()
    # each waiting request once, in arrival order, all four replicas RUNNING
    assert calls == [(i, 5.0, [0, 1, 2, 3]) for i in range(N)]
    assert assignment(env) == {i: i % REPLICAS for i in range(N)}


def test_unequal_cold_starts_earliest_replica_takes_the_waiting_requests():
    env = make_env({0: 6.0, 1: 5.0, 2: 7.0, 3: 8.0})
    burst(env, 8)
    env.run()
    # at 5 only replica 1 is RUNNING: it takes all 8 (two rounds of 4 workers)
    assign = assignment(env)
    assert assign == {i: 1 for i in range(8)}
    assert fets_by_request(env) == expected_pool_times(assign, 5.0)


def test_two_of_four_at_the_same_instant_share():
    env = make_env({0: 9.0, 1: 5.0, 2: 5.0, 3: 9.0})
    burst(env, 8)
    env.run()
    assert assignment(env) == {i: (1, 2)[i % 2] for i in range(8)}


@pytest.mark.parametrize(
    "lb",
    [
        None,
        faassim.LeastOutstandingLoadBalancer,
        faassim.RandomLoadBalancer,
        faassim.WeightedRoundRobinLoadBalancer,
    ],
)
def test_fifo_order_of_start_with_every_builtin_balancer(lb):
    env = make_env(EQUAL, lb=lb() if lb else None)
    burst(env)
    env.run()
    assign = assignment(env)
    times = fets_by_request(env)
    # per replica, requests start in id order (workers serve FIFO)
    for rep in range(REPLICAS):
        mine = sorted(rid for rid in assign if assign[rid] == rep)
        starts = [times[rid][0] for rid in mine]
        assert starts == sorted(starts)
    assert times == expected_pool_times(assign, 5.0)
    assert len(set(assign.values())) == REPLICAS


def test_requests_arriving_in_the_instant_queue_behind_the_waiting_ones():
    """A request invoked at 5.0 after the replicas are RUNNING but before the
    end of the instant is dispatched after the waiting ones."""
    env = make_env(EQUAL)
    order = []

    class Recording(faassim.LoadBalancer):
        def next_replica(self, request):
            running = self.get_running_replicas(request.name)
            order.append((request.request_id, self.env.now, len(running)))
            return running[len(order) % len(running)]

    env.load_balancer = Recording()
    burst(env, 4)

    def late(env):
        yield env.timeout(5.0)  # scheduled before the deploy hooks end: runs first at 5
        assert env.faas.function_stats("f")["waiting"] == 4
        yield env.timeout(0)  # after the deploy hooks of 5.0
        env.faas.invoke(FunctionRequest("f"))
        # replicas are RUNNING, but four requests wait ahead: it queues
        assert env.faas.function_stats("f")["waiting"] == 5

    env.process(late(env))
    env.run()
    assert [o[0] for o in order] == [0, 1, 2, 3, 4]
    assert all(o[1:] == (5.0, 4) for o in order)


def test_replica_removed_before_the_end_of_the_instant():
    """A replica that becomes RUNNING and is scaled down in the same instant
    takes none of the waiting requests."""
    env = make_env(EQUAL, scale_min=1)  # scale_down stops at scale_min
    burst(env, 6)

    def shrink(env):
        yield env.timeout(5.0)
        yield env.timeout(0)  # the replicas are RUNNING now, the requests still wait
        assert len(env.faas.get_replicas("f", faassim.FunctionState.RUNNING)) == 4
        assert env.faas.function_stats("f")["waiting"] == 6
        env.faas.scale_down("f", 2)

    env.process(shrink(env))
    env.run()
    kept = sorted(set(assignment(env).values()))
    assert len(kept) == 2
    assert sorted(collections.Counter(assignment(env).values()).values()) == [3, 3]


def test_function_removed_before_the_end_of_the_instant():
    env = make_env(EQUAL)
    got = []

    def client(env):
        try:
            yield env.faas.invoke(FunctionRequest("f"))
            got.append("done")
        except LookupError as e:
            got.append((env.now, str(e)))

    def remove(env):
        yield env.timeout(5.0)
        yield env.timeout(0)
        assert env.faas.function_stats("f")["waiting"] == 3
        env.faas.remove("f")

    for _ in range(3):
        env.process(client(env))
    env.process(remove(env))
    env.run()
    assert got == [(5.0, "the function was removed")] * 3
    assert not table(env, "invocations").get("t_start")  # nothing ran


def test_scale_from_zero_dispatches_at_the_end_of_the_cold_start():
    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("node_0", "16", "64Gi")])
    env.simulator_factory = Factory({0: 2.0})
    fn = faassim.Function("f", [faassim.FunctionImage(IMG)])
    scaling = faassim.ScalingConfiguration(scale_min=0, scale_max=1)
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])], scaling))
    events = [env.faas.invoke(FunctionRequest("f")) for _ in range(5)]
    env.run()
    assert [ev.value.t_wait for ev in events] == [2.0] * 5
    assert fets_by_request(env) == expected_pool_times({i: 0 for i in range(5)}, 2.0)


def test_same_result_twice():
    def run():
        env = make_env({0: 5.0, 1: 5.0, 2: 6.0, 3: 5.0}, lb=faassim.RandomLoadBalancer(), seed=3)
        burst(env)
        env.run()
        return table(env, "fets"), table(env, "invocations")

    assert run() == run()


def test_platform_dropped_before_the_end_of_the_instant():
    """The end-of-instant entry points to the platform: replacing env.faas
    (the old platform is freed) takes the entry back; the run goes on."""
    import gc

    env = make_env(EQUAL)
    burst(env, 5)

    def swap(env):
        yield env.timeout(5.0)
        yield env.timeout(0)  # the replicas are RUNNING, the dispatch is pending
        assert env.faas.function_stats("f")["waiting"] == 5
        env.faas = faassim.FaasSystem(env)
        gc.collect()
        yield env.timeout(1.0)

    env.process(swap(env))
    env.run()
    assert env.now == 6.0
    assert not table(env, "fets").get("request_id")


def test_dispatch_error_reaches_run_and_the_run_resumes():
    """A Python balancer that raises during the end-of-instant dispatch: the
    error reaches run(); when the run resumes, the waiting requests of both
    functions go out at the same instant, in FIFO order."""
    fail = [True]
    calls = []

    class Flaky(faassim.LoadBalancer):
        def next_replica(self, request):
            calls.append((request.name, request.request_id))
            if request.name == "f" and fail[0]:
                fail[0] = False
                raise RuntimeError("balancer down")
            running = self.get_running_replicas(request.name)
            return running[request.request_id % len(running)]

    env = make_env({i: 5.0 for i in range(6)}, lb=Flaky())
    fn = faassim.Function("g", [faassim.FunctionImage(IMG)])
    scaling = faassim.ScalingConfiguration(scale_min=2, scale_max=2)
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])], scaling))
    burst(env, 3)
    for _ in range(2):
        env.faas.invoke(FunctionRequest("g"))
    with pytest.raises(RuntimeError, match="balancer down"):
        env.run()
    assert env.now == 5.0
    assert env.faas.function_stats("f")["waiting"] == 3
    assert env.faas.function_stats("g")["waiting"] == 2
    env.run(until=5.5)
    assert env.faas.function_stats("f")["waiting"] == 0
    assert env.faas.function_stats("g")["waiting"] == 0
    # f's replicas became RUNNING first: f is served first, again from request 0
    assert calls == [("f", 0), ("f", 0), ("f", 1), ("f", 2), ("g", 3), ("g", 4)]
    env.run()
    assert env.faas.function_stats("f")["completed"] == 3
    assert env.faas.function_stats("g")["completed"] == 2
    inv = table(env, "invocations")
    assert inv["t_start"] == [5.0] * 5


@pytest.mark.parametrize("raise_hook_errors", [True, False])
def test_invoke_hook_error_during_the_dispatch(raise_hook_errors):
    """A plain-function invoke hook raising for a waiting request fails its
    replica; with raise_hook_errors the error reaches run() once, and the
    next run() sends the other waiting requests to the three replicas left."""
    served = []

    class Bad(ColdStart):
        def invoke(self, env, replica, request):
            if request.request_id == 1:
                raise ValueError("boom")
            served.append((request.request_id, replica.replica_id, env.now))

    class BadFactory(Factory):
        def create(self, env, container):
            wd = Bad(WORKERS, characterization())
            wd.cold = self.cold
            return wd

    env = make_env(EQUAL, factory=BadFactory)
    env.faas.raise_hook_errors = raise_hook_errors
    burst(env, 8)
    if raise_hook_errors:
        with pytest.raises(ValueError, match="boom"):
            env.run()
        assert env.now == 5.0 and env.faas.function_stats("f")["waiting"] == 6
    env.run()
    stats = env.faas.function_stats("f")
    assert (stats["waiting"], stats["completed"], stats["failed"]) == (0, 7, 1)
    assert [r.replica_id for r in env.faas.get_replicas("f", faassim.FunctionState.FAILED)] == [1]
    # round robin: 0 -> r0, 1 -> r1 (fails it); then the counter (2) runs over r0, r2, r3
    assert served == [(0, 0, 5.0)] + [(i, (0, 2, 3)[i % 3], 5.0) for i in range(2, 8)]
