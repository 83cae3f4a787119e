"""How long do routes take on a 10,000-node topology?

ether's urban sensing city (faassim.cells.UrbanSensingScenario: 480
neighborhoods of density 5 and a cloudlet of 20 racks of 5 servers, 10,180
compute nodes, about 24,700 vertices and 48,000 edges) with the registry:
build time, the first route (which peels the graph's tree parts), routes
between random pairs of compute nodes (a search per new source subtree),
routes from the registry to every node (pulls), and cached routes. When
networkx is installed, the same random pairs with networkx's Dijkstra on
the same graph (``nx.dijkstra_path``, one search per pair) for comparison.

Checks: every route's latency equals networkx's shortest path length
(1e-12 relative) when networkx is there; routes inside a neighborhood have
the rtt of 8 LAN modes (hand-computed); a cached route is the same object.
``python benchmarks/bench_routes.py [--cells N] [--pairs N] [--quick]``
"""

import argparse
import math
import random
import time

import faassim as fs
from faassim.cells import UrbanSensingScenario

LAN_MODE = (0.35 + 0.16 * math.exp(-0.25**2)) / 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=480)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.cells, args.pairs = 24, 50

    t0 = time.perf_counter()
    topo = fs.Topology().add(UrbanSensingScenario(num_cells=args.cells, cell_density=5, cloudlet_size=(5, 20)))
    topo.init_docker_registry()
    build = time.perf_counter() - t0
    names = [n.name for n in topo]
    rnd = random.Random(1)
    pairs = [tuple(rnd.sample(names, 2)) for _ in range(args.pairs)]
    print(f"{topo}: built in {build:.2f} s")

    t0 = time.perf_counter()
    topo.route(*pairs[0])
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    routes = [topo.route(a, b) for a, b in pairs[1:]]
    random_pairs = (time.perf_counter() - t0) / len(routes)
    t0 = time.perf_counter()
    pulls = [topo.route("registry", n) for n in names]
    from_registry = (time.perf_counter() - t0) / len(pulls)
    t0 = time.perf_counter()
    again = [topo.route(a, b) for a, b in pairs[1:]]
    cached = (time.perf_counter() - t0) / len(again)
    assert all(x is y for x, y in zip(routes, again))

    print(f"first route (peels the tree parts)   {first * 1e3:8.2f} ms")
    print(f"random pairs, new source subtrees    {random_pairs * 1e3:8.2f} ms per route")
    print(f"registry -> every node               {from_registry * 1e6:8.1f} us per route")
    print(f"cached                               {cached * 1e6:8.2f} us per route")

    # routes within a neighborhood: rpi3 -> link -> switch -> shared -> switch -> link -> tx2
    r = topo.route("rpi3_0", "tx2_0")
    assert abs(r.rtt - 8 * LAN_MODE) < 1e-15, r

    try:
        import networkx as nx
    except ImportError:
        print("networkx not installed: no reference comparison")
        return
    g = nx.DiGraph()
    for a, b, c in topo.edges():
        g.add_edge(str(a), str(b), weight=c.latency)
    t0 = time.perf_counter()
    lengths = [nx.dijkstra_path_length(g, a, b) for a, b in pairs[1:]]
    reference = (time.perf_counter() - t0) / len(lengths)
    for route, length in zip(routes, lengths):
        assert abs(route.latency - length) <= 1e-12 * length, (route, length)
    print(f"networkx dijkstra_path_length        {reference * 1e3:8.2f} ms per route "
          f"(faassim first-time routes: {reference / random_pairs:.1f}x faster)")


if __name__ == "__main__":
    main()
