"""The numbers the layer and link example scenarios quote in their opening comments.

    nice -n 19 .venv/bin/python benchmarks/layers_examples.py [-n REPLICATIONS] [--seed S]

Each example is run with and without its feature on the same seeds (common random
numbers, replication r of both uses the streams of (seed, r)), and the figures come
from the event logs:

- ``link_outage``: reports reaching the node from the east section's sensors per
  hour, inside and outside the mast's outage window; P(detect) of the crossings
  that entered the east section during the window, with and without the outage.
- ``high_impact``: P(apprehend) of crossings entering the east section, at high
  impact (reinforced response) and at low; the paired difference with its 95 %
  interval over replications.
- ``neighbour_warning``: time to detect (entry → first report), median and mean
  over all crossings, with the warning on and off; P(detect) on and off.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from sim.engine import run_replication
from sim.ground.events import LinkSummary, ReportReceived
from sim.metrics import crossing_verdicts, phase_times, t_interval
from sim.scenario import load_scenario

ROOT = Path(__file__).parents[1]
EAST_SENSORS = {"fence-e", "radar-e", "camera-e"}
OUTAGE = (151_200.0, 194_400.0)


def _runs(name: str, overrides: list[str], n: int, seed: int) -> list:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides)
    return [run_replication(scenario, seed, r) for r in range(n)]


def _east(res, since: float = -1.0, until: float = 1e18, west: bool = False) -> list:
    return [v for v in crossing_verdicts(res.records)
            if (v.entry_x < 5000) == west and since <= v.entry_s < until]


def _share(verdicts: list, what: str) -> float:
    hits = sum(getattr(v, what) if what == "detected" else v.outcome == what for v in verdicts)
    return hits / len(verdicts) if verdicts else float("nan")


def _ci(values: list[float]) -> str:
    ci = t_interval(values)
    mean = statistics.fmean(values)
    return f"{mean:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else f"{mean:+.3f}"


def link_outage(n: int, seed: int) -> None:
    on, off = _runs("link_outage", [], n, seed), _runs("link_outage", ["comms.relays.0.down=[]"],
                                                        n, seed)
    inside = outside = 0
    for res in on:
        t = [r.t_s for r in res.records if isinstance(r, ReportReceived)
             and r.sensor in EAST_SENSORS]
        inside += sum(OUTAGE[0] <= x < OUTAGE[1] for x in t)
        outside += sum(not OUTAGE[0] <= x < OUTAGE[1] for x in t)
    hours_in = (OUTAGE[1] - OUTAGE[0]) / 3600 * n
    hours_out = sum(res.horizon_s for res in on) / 3600 - hours_in
    print(f"link_outage, {n} replications: east reports per hour {inside / hours_in:.1f} "
          f"during the outage, {outside / hours_out:.1f} outside it")
    d_on = [v for res in on for v in _east(res, *OUTAGE)]
    d_off = [v for res in off for v in _east(res, *OUTAGE)]
    dropped = sum(r.dropped for res in on for r in res.records
                  if isinstance(r, LinkSummary) and r.link == "mast-east")
    print(f"  east crossings entering during the window: {len(d_on)}; P(detect) "
          f"{_share(d_on, 'detected'):.3f} with the outage, {_share(d_off, 'detected'):.3f} "
          f"without; mast-east dropped {dropped / n:.0f} messages per replication")


def high_impact(n: int, seed: int) -> None:
    high = _runs("high_impact", [], n, seed)
    low = _runs("high_impact", ["layers.sections.1.impact=low"], n, seed)
    ph = [_share(_east(r), "apprehended") for r in high]
    pl = [_share(_east(r), "apprehended") for r in low]
    print(f"high_impact, {n} replications: P(apprehend) of east crossings "
          f"{statistics.fmean(ph):.3f} at high, {statistics.fmean(pl):.3f} at low; "
          f"paired difference {_ci([a - b for a, b in zip(ph, pl, strict=True)])}")
    west_h = [_share(_east(r, west=True), "apprehended") for r in high]
    west_l = [_share(_east(r, west=True), "apprehended") for r in low]
    print(f"  west crossings: {statistics.fmean(west_h):.3f} vs {statistics.fmean(west_l):.3f}")


def neighbour_warning(n: int, seed: int) -> None:
    on = _runs("neighbour_warning", [], n, seed)
    off = _runs("neighbour_warning", ["layers.neighbour=null"], n, seed)
    for label, runs in (("on", on), ("off", off)):
        spans = [d for res in runs for v in crossing_verdicts(res.records)
                 if (d := phase_times(v)["detect"]) is not None]
        det = statistics.fmean(r.kpis["p_detect"] or 0.0 for r in runs)
        print(f"neighbour_warning {label}, {n} replications: time to detect median "
              f"{statistics.median(spans):.1f} s, mean {statistics.fmean(spans):.1f} s; "
              f"P(detect) {det:.3f}")
    diff = [(a.kpis["time_to_detect_mean_s"] or 0.0) - (b.kpis["time_to_detect_mean_s"] or 0.0)
            for a, b in zip(on, off, strict=True)]
    print(f"  paired difference of the mean time to detect (on − off): {_ci(diff)} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["link_outage", "high_impact", "neighbour_warning"])
    args = parser.parse_args()
    for example in (link_outage, high_impact, neighbour_warning):
        if args.only in (None, example.__name__):
            example(args.n, args.seed)


if __name__ == "__main__":
    main()
