"""Command line: ``python -m faassim run`` (or the ``faassim`` script)."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="faassim", description="Simulate serverless platforms.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the built-in scenario and print a summary")
    run.add_argument("--requests", type=int, default=200_000, help="number of invocations (default 200000)")
    run.add_argument("--replicas", type=int, default=4, help="function replicas (default 4)")
    run.add_argument("--utilization", type=float, default=0.7, help="offered load per replica (default 0.7)")
    run.add_argument("--mean-exec", type=float, default=0.05, help="mean execution time in seconds (default 0.05)")
    run.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run"] + (argv if argv is not None else sys.argv[1:]))

    from faassim._demo import format_summary, run_demo

    try:
        result = run_demo(
            requests=args.requests,
            replicas=args.replicas,
            utilization=args.utilization,
            mean_exec=args.mean_exec,
            seed=args.seed,
        )
    except ValueError as e:
        parser.error(str(e))
    print("faassim: one function, Poisson arrivals, exponential execution times (M/M/c)")
    print(format_summary(result, args.replicas))
    return 0


if __name__ == "__main__":
    sys.exit(main())
