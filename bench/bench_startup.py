"""Whole-process start-up of the command line, beside the time to import pandas.

Runs, interleaved in one session so machine load hits them alike::

    python -c "import pandas"
    python -m towerplan --help
    python -m towerplan validate <5-row station list>

and prints the median wall time of each and the ratios to ``import pandas`` (targets:
``--help`` <= 1.5x, ``validate`` <= 2.5x). Usage::

    PYTHONPATH=$PWD python bench/bench_startup.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rows = (REPO / "data" / "stations_template.csv").read_text(encoding="utf-8-sig").splitlines()[:6]
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "five.csv"
        small.write_text("\n".join(rows) + "\n", encoding="utf-8")
        cases = {
            "import pandas": [sys.executable, "-c", "import pandas"],
            "towerplan --help": [sys.executable, "-m", "towerplan", "--help"],
            "towerplan validate (5 rows)": [sys.executable, "-m", "towerplan", "validate", str(small)],
        }
        for cmd in cases.values():  # warm the OS file cache and the .pyc files
            _time(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.repeats):
            for name, cmd in cases.items():
                times[name].append(_time(cmd, env))
    base = statistics.median(times["import pandas"])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {args.repeats} runs each, interleaved")
    for name, values in times.items():
        med = statistics.median(values)
        spread = f"(min {min(values):.2f}, max {max(values):.2f})"
        print(f"{name:30s} median {med:5.2f} s  {spread}  {med / base:4.2f}x pandas")


if __name__ == "__main__":
    main()
