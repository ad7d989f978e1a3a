"""CPU seconds of one replication, warm, in this process: for A/B figures.

    python benchmarks/replication_cpu.py CHECKOUT SCENARIO [ROUNDS]

Imports the simulator from ``CHECKOUT`` (a worktree of the commit to measure), runs
the scenario ``SCENARIO`` — a name, for ``CHECKOUT/scenarios/SCENARIO.yaml``, or the
path of a ``.yaml`` file — (seed 1, replication 0) once to load the compiled kernels, then
``ROUNDS`` more (default 3) under ``time.process_time``, and prints each round, the
minimum, the reports in the run's detection log (those that reached the local node:
the rows of ``detections.csv``; the work the run scales with) and the minimum's CPU
per report, all in. Alternate two checkouts to compare them on a shared
machine.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root, name = argv[1], argv[2]
    rounds = int(argv[3]) if len(argv) == 4 else 3
    sys.path.insert(0, root)
    from sim.engine import run_replication
    from sim.scenario import load_scenario

    path = name if name.endswith(".yaml") else f"{root}/scenarios/{name}.yaml"
    scenario = load_scenario(path)
    result = run_replication(scenario, 1)
    reports = len(result.detections["t_s"])
    cpu = []
    for _ in range(rounds):
        t0 = time.process_time()
        run_replication(scenario, 1)
        cpu.append(time.process_time() - t0)
    best = min(cpu)
    print(f"{root} {name}: CPU s per replication " + " ".join(f"{c:.2f}" for c in cpu)
          + f"; min {best:.2f}; {reports} reports, {best / reports * 1e6:.0f} µs each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
