"""Where a run's CPU goes, by part of the model, from a py-spy raw profile.

Each sample is given to the innermost frame on its stack that belongs to one of the
parts below (the first part listed wins for a frame that matches two); a sample with
none is "other" (SimPy's own loop, the run directory's assembly, …). C code called
from Python is counted in the Python frame that called it (py-spy without
``--native``).

Usage (the command the tables in benchmarks/README.md were made with)::

    GREENBORDER_LOOKAHEAD=0 OPENBLAS_NUM_THREADS=1 taskset -c 0 \\
        py-spy record -r 500 -f raw -o prof.raw -- \\
        python run_sim.py run scenarios/scale_year.yaml --set duration=3d \\
        --no-plots -q --out /tmp/p --overwrite --seed 1
    python benchmarks/profile_parts.py prof.raw

The lookahead is off because on one core its child's work is paid anyway and py-spy
would not see it.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable

Match = Callable[[str, str], bool]        # (function, file relative to the checkout)

PARTS: list[tuple[str, Match]] = [
    ("events.jsonl",
     lambda fn, fi: fi.startswith("sim/ground/events.py") or fn.startswith("StreamedLog")
     or (fi.startswith("sim/spool.py") and "fused_rows" not in fn)),
    ("detections.csv and tracks.csv rows",
     lambda fn, fi: fi.startswith("sim/rows.py") or fn == "Spool.fused_rows"
     or fn.startswith("_fused_sink")),
    ("nuisance alarms", lambda fn, fi: "nuisance" in fn.lower() or "clutter" in fn.lower()),
    ("operators and alerts",
     lambda fn, fi: fi.startswith("command/alerts.py") and not fn.startswith("AlertRule")),
    ("fusion node: the tick, its records and listeners, the scorer",
     lambda fn, fi: fn.startswith(("FusionNode.tick", "FusionNode._tick", "FusionNode._emit",
                                   "FusionNode._note", "FusionNode._coarse",
                                   "FusionNode._on_tick", "FusionNode._late",
                                   "FusionNode._fuse", "FusedLog", "AlertRule",
                                   "TruthLedger", "ReportTally"))
     or fi.startswith(("command/fusion/", "sim/scoring.py", "sim/tally.py"))),
    ("report path: feeds, links, arrivals, the node's intake",
     lambda fn, fi: fn.startswith(("World.send", "_Feed._fire", "_Feed.flush", "_Feed._wake",
                                   "World._arrive", "FusionNode.receive", "FusionNode._take",
                                   "FusionNode._arm", "FusionNode.next_tick",
                                   "FusionNode._make_room"))
     or fi.startswith("sim/comms.py")),
    ("teams and patrols: missions, routes, encounters, reactions",
     lambda fn, fi: fi.startswith(("command/response.py", "command/travel.py",
                                   "sensors/patrol.py", "sim/ground/route",
                                   "sim/ground/graph"))
     or fn.startswith(("World._encounters", "World._pair", "World._meet", "World._react",
                       "World._revise", "World._first_sight", "Team.", "Patrol"))),
    ("sensors: looks, sight lines and reports of a plan",
     lambda fn, fi: fi.startswith("sensors/") or "SightLines" in fn
     or fn.startswith(("_Feed._next_window", "_Windows", "World._observe", "_Feed.__init__",
                       "World._add_feeds", "Terrain.foliage", "Terrain.sight"))),
    ("start-up of the command: imports, scenario, world",
     lambda fn, fi: "importlib" in fi or fi.startswith(("yaml/", "pydantic"))
     or fn.startswith(("load_scenario", "World.__init__", "_compile_bytecode"))),
]
OTHER = "other (SimPy's loop, the run directory's assembly, …)"
FRAME = re.compile(r"(.*) \((.*?)(?::\d+)?\)$")


def part_of(stack: str) -> str:
    """The part of one sample's stack (``;``-separated frames, outermost first)."""
    for frame in reversed(stack.split(";")):
        m = FRAME.match(frame)
        if m is None:
            continue
        fn = m.group(1)
        fi = re.sub(r"^/work/\w+/", "", re.sub(r"^.*site-packages/", "", m.group(2)))
        for name, match in PARTS:
            if match(fn, fi):
                return name
    return OTHER


def shares(lines: list[str]) -> tuple[Counter[str], int]:
    """Samples per part and in all, from the lines of a py-spy raw profile."""
    samples: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, count = line.rstrip().rsplit(" ", 1)
        samples[part_of(stack)] += int(count)
        total += int(count)
    return samples, total


def main(path: str) -> None:
    with open(path) as f:
        samples, total = shares(f.readlines())
    print("| part | share |\n|---|---|")
    for name, n in samples.most_common():
        print(f"| {name} | {100 * n / total:.1f} % |")
    print(f"\n{total:,} samples")


if __name__ == "__main__":
    main(sys.argv[1])
