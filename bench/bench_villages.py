"""Benchmark: the villages step and a plan comparison on the demo province (synthetic data).

Not timed: reading the demo scenario's inputs and its 4G coverage (the plan's own steps). Timed:
:func:`towerplan.study.villages_step.run_villages_step` (served status per technology, nearest
tower and road, dead zone, unit) for the demo's 156 villages and for ``--scale`` times as many
(the same villages jittered by up to 2 km, seeded), and :func:`towerplan.export.compare.compare_plans`
of two plan packages written by ``towerplan run`` (``--plan-a``, ``--plan-b``).

    python bench/bench_villages.py --plan-a /tmp/vil/A --plan-b /tmp/vil/B [--scale 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    from towerplan.export.compare import PlanView, compare_plans
    from towerplan.study.scenario_file import load_scenario
    from towerplan.study.steps import run_coverage_step, run_gaps_step
    from towerplan.study.villages_step import run_villages_step, villages_summary
    from towerplan.villages.table import villages_frame

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan-a", type=Path)
    parser.add_argument("--plan-b", type=Path)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()

    scenario = load_scenario(REPO / "data" / "demo" / "scenario.toml")
    inputs = scenario.load_inputs()
    coverage = run_coverage_step(inputs, scenario.coverage, technologies=scenario.technologies)
    gaps = run_gaps_step(inputs, coverage, scenario.gaps)
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    table = run_villages_step(inputs, coverage, gaps, service=scenario.settings.service)
    out["villages_step_s"] = round(time.perf_counter() - t0, 3)
    out["summary"] = villages_summary(table)
    rng = np.random.default_rng(7)
    base = pd.DataFrame(inputs.villages.drop(columns="geometry"))
    many = pd.concat([base] * args.scale, ignore_index=True)
    many["lon"] = many["lon"] + rng.uniform(-0.02, 0.02, len(many))
    many["lat"] = many["lat"] + rng.uniform(-0.02, 0.02, len(many))
    many["village_id"] = [f"S{k:06d}" for k in range(len(many))]
    big = dataclasses.replace(inputs, villages=villages_frame(many.to_dict("records"), source="scaled"))
    t0 = time.perf_counter()
    run_villages_step(big, coverage, gaps, service=scenario.settings.service)
    out[f"villages_step_{len(many)}_s"] = round(time.perf_counter() - t0, 3)
    if args.plan_a and args.plan_b:
        t0 = time.perf_counter()
        a, b = PlanView.from_folder(args.plan_a, name="A"), PlanView.from_folder(args.plan_b, name="B")
        out["read_plans_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        result = compare_plans(a, b)
        out["compare_s"] = round(time.perf_counter() - t0, 3)
        out["compare"] = result.summary
        out["self_identical"] = compare_plans(a, a).identical
    print(json.dumps(out, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
