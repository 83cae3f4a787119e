"""python -m faassim.tmueller23 [folder]: write the data folder faas-sim's
power-prediction main.py reads and writes (default ``data``)."""

import sys

from faassim.tmueller23 import write_data

if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: python -m faassim.tmueller23 [folder]")
    print(write_data(sys.argv[1] if len(sys.argv) > 1 else "data"))
