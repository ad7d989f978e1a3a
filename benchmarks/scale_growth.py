"""How the engine's cost grows with border length, duration and sensor count.

Runs variants of ``scenarios/scale_year.yaml`` (`make_scale_year.scenario_text`: the
same density of sensors, groups, teams and patrols per km) one replication each, every
case in its own process, and prints a table: simulated days per CPU second of
`sim.engine.run_replication` (the simulation alone: no start-up, no files), its CPU
seconds, the reports received and the process's peak memory.

    python benchmarks/scale_growth.py                      # the three ladders below
    python benchmarks/scale_growth.py --cases 25x1,100x1   # length_km x days[:seismic]

The CPU time is ``time.process_time`` around the replication, after one warm-up
replication of ``scenarios/tiny.yaml`` (the compiled kernels loaded).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LADDERS = {
    "border length (1 day)": ["25x1", "50x1", "100x1"],
    "duration (25 km)": ["25x1", "25x2", "25x4"],
    "seismic sensors (25 km, 1 day)": ["25x1:27", "25x1:107", "25x1:428"],
}

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from sim.engine import run_replication
from sim.scenario import load_scenario
run_replication(load_scenario(sys.argv[1] + "/scenarios/tiny.yaml"), 1)
scenario = load_scenario(sys.argv[2])
t0 = time.process_time()
res = run_replication(scenario, 1)
cpu = time.process_time() - t0
print(json.dumps({"cpu_s": cpu, "days": scenario.duration_s / 86400,
                  "sensors": len(scenario.sensors),
                  "reports": int(res.kpis.get("reports_received", 0)),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(case: str, folder: Path) -> dict[str, float]:
    """Run one case (``LENGTHxDAYS[:SEISMIC]``) in a fresh process; its figures."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from make_scale_year import scenario_text

    size, _, seismic = case.partition(":")
    length_km, days = (int(v) for v in size.split("x"))
    path = folder / f"{case.replace(':', '_')}.yaml"
    path.write_text(scenario_text(length_km, days, int(seismic) if seismic else None),
                    encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(path)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", help="comma-separated LENGTHxDAYS[:SEISMIC] cases "
                        "(default: the three ladders)")
    args = parser.parse_args(argv)
    ladders = {"cases": args.cases.split(",")} if args.cases else LADDERS
    done: dict[str, dict[str, float]] = {}
    print("| ladder | case | sensors | reports | CPU s | simulated days per CPU s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for ladder, cases in ladders.items():
            for case in cases:
                m = done.get(case) or measure(case, Path(tmp))
                done[case] = m
                print(f"| {ladder} | {case} | {m['sensors']} | {m['reports']:,} | "
                      f"{m['cpu_s']:.1f} | {m['days'] / m['cpu_s']:.3f} | {m['peak_mb']:.0f} |",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
