"""Draw the pictures of docs/plots.md from a run of the built-in scenario.

    python docs/make_plots.py [OUTPUT_DIR]       (default: docs/images)

Needs matplotlib (pip install 'faassim[plot]'). The run is seeded, so the
pictures only change when faassim's results or the plots do.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from faassim import plot  # noqa: E402
from faassim.scenario import ScenarioConfig, run_scenario  # noqa: E402


def main(out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    # the scenario with the HPA autoscaler, no network
    config = ScenarioConfig(duration=300, seed=42, load_scale=0.5, autoscaler="hpa").with_node_count(60)
    env = run_scenario(config).env
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    plot.latency_cdf(env, ax=axes[0, 0]).set_title("response time per function")
    plot.replicas(env, ax=axes[0, 1]).set_title("ready replicas (HPA)")
    plot.utilization(env, ax=axes[1, 0]).set_title("cpu claimed per node (mean per node type)")
    plot.power(env, ax=axes[1, 1]).set_title("power per node type")
    for ax in axes[1]:
        ax.legend(ncols=2, fontsize="small", title="node_type")
    scenario = out / "plots-scenario.png"
    fig.savefig(scenario, dpi=72, metadata={"Software": None})

    # the same on faas-sim raith21's urban sensing network: images pulled from a registry
    env = run_scenario(config.replace(duration=180, network="urban_sensing")).env
    env.net.log_network()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    plot.flows(env, ax=axes[0]).set_title("transfers")
    plot.network(env, top=12, ax=axes[1]).set_title("the 12 busiest links")
    network = out / "plots-network.png"
    fig.savefig(network, dpi=72, metadata={"Software": None})
    plt.close("all")
    return [scenario, network]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "images"
    for path in main(target):
        print(f"wrote {path}")
