"""``python -m faassim.simpy script.py [args]``: run a SimPy script on
faassim's engine.

The script runs as ``__main__`` (as ``python script.py`` would run it) with
``sys.argv`` set to ``[script.py, args...]`` and :func:`faassim.simpy.install`
in effect, so its ``import simpy`` gives faassim's modules. ``-m module`` runs
a module instead of a file (as ``python -m module``).
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import List, Optional

USAGE = "usage: python -m faassim.simpy (script.py | -m module) [args...]"


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if args else sys.stderr)
        print(__doc__.split("\n\n", 1)[1].strip(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    import faassim.simpy

    faassim.simpy.install()
    if args[0] == "-m":
        if len(args) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        # as `python script.py`: the script's folder comes first on the path
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
