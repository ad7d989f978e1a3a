"""Directions of effect on the default scenario (issue: the chain from alarm to
apprehension): each variant against the baseline over N replications under one seed,
with paired differences and their 95 % t intervals.

    python benchmarks/directions_of_effect.py --replications 30 --workers 2

Variants: sensor localisation 20 times worse; patrols alone (no sensors); a third
team; no cameras; slower teams (half the driving and walking speed).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine import run_replication  # noqa: E402
from sim.metrics import crossing_verdicts, t_quantile_975  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

DEFAULT = ROOT / "scenarios" / "default.yaml"


def variants(base):  # noqa: ANN001, ANN201
    s = base
    worse = []
    for i, spec in enumerate(s.sensors):
        for field in ("sigma_range_m", "sigma_bearing_deg", "sigma_range_frac",
                      "sigma_along_m", "sigma_across_m"):
            if hasattr(spec, field):
                worse.append(f"sensors.{i}.{field}={getattr(spec, field) * 20}")
    worse += [f"patrols.{i}.sigma_m={p.sigma_m * 20}" for i, p in enumerate(s.patrols)]
    no_cam = [sp.model_dump(mode="json") for sp in s.sensors if sp.kind != "camera"]
    slow = [f"response.teams.{i}.{f}={getattr(t, f) / 2}" for i, t in enumerate(s.response.teams)
            for f in ("drive_speed_mps", "foot_speed_mps")]
    third = [t.model_dump(mode="json") for t in s.response.teams] + [
        {**s.response.teams[0].model_dump(mode="json"), "id": "team-03",
         "base_m": [13000.0, 4900.0]}]
    patrol_links = [ln.model_dump(mode="json") for ln in s.comms.links
                    if ln.source in {p.id for p in s.patrols}]
    return {
        "baseline": [],
        "localisation_x20": worse,
        "patrols_alone": ["sensors=[]", f"comms.links={json.dumps(patrol_links)}"],
        "third_team": [f"response.teams={json.dumps(third)}"],
        "no_cameras": [f"sensors={json.dumps(no_cam)}"],
        "slower_teams": slow,
    }


def measure(args):  # noqa: ANN001, ANN201
    name, overrides, seed, rep = args
    r = run_replication(load_scenario(DEFAULT, overrides), seed, rep)
    v = crossing_verdicts(r.records)
    sent = [x for x in v if x.tasked_s is not None]
    k = r.kpis
    return name, rep, {
        "p_apprehend_given_dispatched": (sum(x.outcome == "apprehended" for x in sent)
                                         / len(sent)) if sent else float("nan"),
        "apprehended": float(k["apprehended"] or 0),
        "p_apprehend": float(k["p_apprehend"] or 0),
        "team_nuisance_share": float(k["team_nuisance_share"] or 0),
        "team_utilisation": float(k["team_utilisation"] or 0),
        "p_detect": float(k["p_detect"] or 0),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    vs = variants(load_scenario(DEFAULT))
    jobs = [(n, o, a.seed, r) for n, o in vs.items() for r in range(a.replications)]
    out: dict[str, dict[int, dict[str, float]]] = {n: {} for n in vs}
    with ProcessPoolExecutor(a.workers) as pool:
        for name, rep, values in pool.map(measure, jobs):
            out[name][rep] = values
    base = out["baseline"]
    for name in vs:
        print(f"\n{name}")
        for kpi in base[0]:
            xs = [out[name][r][kpi] for r in range(a.replications)]
            ds = [out[name][r][kpi] - base[r][kpi] for r in range(a.replications)
                  if not (math.isnan(out[name][r][kpi]) or math.isnan(base[r][kpi]))]
            finite = [x for x in xs if not math.isnan(x)]
            mean = sum(finite) / max(1, len(finite))
            n = len(ds)
            dm = sum(ds) / n if n else float("nan")
            sd = math.sqrt(sum((d - dm) ** 2 for d in ds) / (n - 1)) if n > 1 else float("nan")
            half = t_quantile_975(n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
            print(f"  {kpi:30s} {mean:9.3f}   diff {dm:+8.3f}  "
                  f"[{dm - half:+.3f}, {dm + half:+.3f}]")


if __name__ == "__main__":
    main()
