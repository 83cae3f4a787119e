"""Command line: ``python -m faassim run`` (or the ``faassim`` script) runs
the default edge-cloud scenario (:mod:`faassim.scenario`) and prints a
summary; ``--output DIR`` also writes every measurement."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional, TextIO

from faassim import __version__


class ProgressBar:
    """ProgressBar(stream): a one-line bar of simulated time against the
    target, redrawn in place (for ``Simulation.run(progress=...)``)."""

    def __init__(self, stream: TextIO, width: int = 30):
        self.stream = stream
        self.width = width
        self.started = time.perf_counter()
        self.done = False

    def __call__(self, now: float, end: Optional[float]) -> None:
        if end is None or end <= 0 or self.done:
            return
        frac = min(1.0, max(0.0, now / end))
        filled = int(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r[{bar}] {frac:4.0%}  {now:,.0f} / {end:,.0f} s simulated  {elapsed:5.1f} s")
        if frac >= 1.0:
            self.stream.write("\n")
            self.done = True
        self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faassim", description="Simulate serverless (FaaS) platforms on edge-cloud infrastructure."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser(
        "run",
        help="run the default edge-cloud scenario and print a summary",
        description="Run the default edge-cloud scenario (a mixed cluster of cloud VMs and edge devices, AI "
        "inference and service functions with HTTP watchdogs, Poisson load, resource monitor, power and energy) "
        "and print a summary. Options override the scenario file, which overrides the defaults.",
    )
    run.add_argument("--duration", type=float, metavar="S", help="simulated seconds (default 600)")
    run.add_argument("--seed", type=int, metavar="N", help="random seed (default 42)")
    run.add_argument(
        "--load-scale", type=float, metavar="X", help="factor on every function's request rate (default 1: 1,000 req/s)"
    )
    run.add_argument(
        "--nodes", type=int, metavar="N", help="total node count, spread over the node types by share (default 230)"
    )
    run.add_argument(
        "--load",
        choices=("poisson", "trace"),
        help="arrivals: Poisson (default), or the per-minute shape of an Azure Functions 2019 trace scaled to the "
        "same mean rate",
    )
    run.add_argument(
        "--trace",
        metavar="FILE",
        help="an Azure Functions 2019 per-minute CSV for --load trace (default: the synthetic trace packaged "
        "with faassim); implies --load trace",
    )
    run.add_argument(
        "--network",
        choices=("none", "urban_sensing", "all_internet"),
        help="the nodes' network: none (default), faas-sim raith21's urban sensing city, or every node on the "
        "internet; with one, replicas pull their images from a registry when they deploy",
    )
    run.add_argument("--scenario", metavar="FILE", help="a scenario file (TOML) changing any knob of the scenario")
    run.add_argument(
        "--output",
        metavar="DIR",
        help="write every measurement (Parquet with pyarrow, else CSV), summary.json and scenario.toml to DIR",
    )
    run.add_argument(
        "--no-records", action="store_true", help="keep aggregates only, no per-request rows (no wait/exec percentiles)"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar (shown only on a terminal anyway)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run"] + argv  # `python -m faassim` runs the scenario
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2

    from faassim.scenario import ScenarioConfig, ScenarioError, run_scenario

    try:
        config = ScenarioConfig.from_toml(args.scenario) if args.scenario else ScenarioConfig()
        changes = {}
        if args.duration is not None:
            changes["duration"] = args.duration
        if args.seed is not None:
            changes["seed"] = args.seed
        if args.load_scale is not None:
            changes["load_scale"] = args.load_scale
        if args.no_records:
            changes["keep_records"] = False
        if args.network is not None:
            changes["network"] = args.network
        if args.trace is not None and args.load == "poisson":
            parser.error("--trace goes with --load trace")
        if args.load is not None or args.trace is not None:
            load = args.load or "trace"
            changes["load"] = load
            if load != config.load:
                changes["load_options"] = {}
            if args.trace is not None:
                changes["load_options"] = {**(changes.get("load_options", config.load_options)), "trace": args.trace}
        if changes:
            config = config.replace(**changes)
        if args.nodes is not None:
            config = config.with_node_count(args.nodes)
    except ScenarioError as e:
        parser.error(str(e))
    if args.output:
        # checked (and made) before the run, so a long run never ends in an unwritable folder
        if os.path.exists(args.output) and not os.path.isdir(args.output):
            parser.error(f"--output {args.output!r} is a file, not a folder")
        try:
            os.makedirs(args.output, exist_ok=True)
        except OSError as e:
            parser.error(f"--output {args.output!r}: cannot create the folder: {e.strerror or e}")
        if not os.access(args.output, os.W_OK | os.X_OK):
            parser.error(f"--output {args.output!r}: the folder is not writable")

    progress = None
    if not args.no_progress and sys.stderr.isatty():
        progress = ProgressBar(sys.stderr)
    try:
        result = run_scenario(config, progress=progress)
    except ScenarioError as e:  # raised while building (e.g. a trace file that cannot be read)
        parser.error(str(e))
    print(result.format())
    completed = result.totals["completed"]
    print(
        f"wall time  {result.wall_seconds:.2f} s"
        + (f" ({completed / result.wall_seconds:,.0f} requests/s)" if result.wall_seconds > 0 else "")
    )
    if args.output:
        paths = result.write(args.output)
        kinds = sorted({p.rsplit(".", 1)[-1] for p in paths})
        print(f"wrote {len(paths)} files ({', '.join(kinds)}) to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
