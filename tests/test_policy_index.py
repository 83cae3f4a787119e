"""The C policies least_allocated and most_allocated place through a class
index of the node table (csrc/engine/fs_sched.h) instead of a scan: the
platform's placements and failure reasons must be those of the plain rule,
computed here in pure Python with exact fractions, on random clusters made
of a few node kinds (so that the index is what decides) with label
selectors, ties and placements that fail. The C unit tests compare the
index with the engine's own scan on far more cases."""

import random
from fractions import Fraction

import pytest

import faassim
from faassim.model import KubernetesResourceConfiguration, Resources

MI = 1024 * 1024
GI = 1024 * MI

ZONES = ({}, {"zone": "a"}, {"zone": "b"}, {"zone": "a", "disk": "ssd"})
SELECTORS = (None, None, {"zone": "a"}, {"disk": "ssd"}, {"zone": "c"})


def explain(considered, counts):
    """The platform's one-line reason for a placement that fails
    (fs_sched_explain), from the per-reason counts."""
    words = {"labels": ("lacks a selected label", "lack a selected label"), "cpu": ("lacks cpu", "lack cpu"),
             "memory": ("lacks memory", "lack memory")}
    text = f"0/{considered} {'node' if considered == 1 else 'nodes'} fit"
    parts = [f"{counts[r]} {words[r][counts[r] != 1]}" for r in ("labels", "cpu", "memory") if counts[r]]
    return text + (": " + ", ".join(parts) if parts else "")


def reference(policy, nodes, alloc, cpu, mem, selector):
    """The node the plain rule picks (index), or the failure reason (str)."""
    best, best_key = None, None
    counts = {"labels": 0, "cpu": 0, "memory": 0}
    for i, n in enumerate(nodes):
        fails = False
        if selector and any(n.labels.get(k) != v for k, v in selector.items()):
            counts["labels"] += 1
            fails = True
        if cpu > n.cpu_millis - alloc[i][0]:
            counts["cpu"] += 1
            fails = True
        if mem > n.memory - alloc[i][1]:
            counts["memory"] += 1
            fails = True
        if fails:
            continue
        key = Fraction(alloc[i][0] + cpu, n.cpu_millis) + Fraction(alloc[i][1] + mem, n.memory)
        if best is None or (key < best_key if policy == "least_allocated" else key > best_key):
            best, best_key = i, key
    return best if best is not None else explain(len(nodes), counts)


def random_case(rng, policy):
    kinds = [(rng.choice([1000, 2000, 4000]), rng.choice([GI, 2 * GI, 4 * GI]), rng.choice(ZONES))
             for _ in range(rng.randint(1, 4))]
    nodes = []
    for i in range(rng.randint(40, 160)):
        cpu, mem, labels = rng.choice(kinds)
        nodes.append(faassim.Node(f"n{i}", cpu, mem, labels=labels))
    env = faassim.Environment(seed=rng.randrange(1 << 30))
    env.topology = faassim.Topology(nodes)
    env.scheduler = faassim.Scheduler(policy=policy)
    demands = {}
    for f in range(rng.randint(1, 4)):
        name = f"f{f}"
        # the first function selects no label: it fits every kind of node
        demands[name] = (rng.choice([250, 500, 1000]), rng.choice([256 * MI, 512 * MI, GI]),
                         rng.choice(SELECTORS) if f else None)
        fn = faassim.Function(name, [faassim.FunctionImage(f"img{f}")])
        c = faassim.FunctionContainer(
            fn.fn_images[0],
            KubernetesResourceConfiguration(Resources(demands[name][0], demands[name][1])),
            node_selector=demands[name][2],
        )
        n = rng.randint(1, 3 * len(nodes) // 2)
        env.faas.deploy(faassim.FunctionDeployment(fn, [c], faassim.ScalingConfiguration(scale_min=n, scale_max=n)))
    return env, nodes, demands


@pytest.mark.parametrize("policy", ["least_allocated", "most_allocated"])
@pytest.mark.parametrize("seed", range(12))
def test_policy_placements_match_the_plain_rule(policy, seed):
    rng = random.Random(seed)
    env, nodes, demands = random_case(rng, policy)
    env.run(until=1)
    cols = env.metrics.to_numpy("schedule")
    alloc = [[0, 0] for _ in nodes]
    placed = failed = 0
    reasons = cols.get("reason", [None] * len(cols["value"]))
    for value, fn, node, ok, reason in zip(cols["value"], cols["function_name"], cols["node_name"],
                                           cols["successful"], reasons):
        if value != "finish":
            continue
        cpu, mem, selector = demands[fn]
        want = reference(policy, nodes, alloc, cpu, mem, selector)
        if isinstance(want, str):
            assert (ok, reason) == (False, want)
            failed += 1
            continue
        assert (ok, node) == (True, f"n{want}")
        alloc[want][0] += cpu
        alloc[want][1] += mem
        placed += 1
    assert placed > 0
    # every replica was scheduled once
    assert placed + failed == sum(1 for v in cols["value"] if v == "queue")
