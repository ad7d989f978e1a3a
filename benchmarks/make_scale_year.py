"""Write ``scenarios/scale_year.yaml``: a year of a 100 km border with 500 sensors.

The scenario of the scale target (issue 10): 100 km of border, 365 days, 500 sensors
of the kinds that exist (12 fence sections, 20 radars, 40 thermal cameras, 428
seismic sensors), 24 groups a day, eight reaction teams and four night patrols. The
terrain repeats a 15 km pattern of forest, field and marsh; a road runs along the
rear edge and a patrol track along the fence. Nuisance: about 380 alarms a day (the
fences 10 a day per 5 km section [AZRep-2013], radars 3 a day, seismic sensors 0.5
a day each [G]).

    python benchmarks/make_scale_year.py            # rewrites scenarios/scale_year.yaml
    python benchmarks/make_scale_year.py /tmp/plots.yaml --plot-per-look
                                                    # the same, a plot per look

Radars and cameras forward a track update per mover every `REPORT_INTERVAL_S`
(``report_interval_s``), as ground radars hand tracks to the C2 system; with
``--plot-per-look`` they report every detecting look, as before the field existed.

The file is generated (and committed) rather than written by hand: 500 sensor lines
are easier to check as the rule that places them.
"""

from __future__ import annotations

import sys
from pathlib import Path

LENGTH_M = 100_000
DEPTH_M = 5_000
BLOCK_M = 5_000
KINDS = ("forest", "field", "marsh")
SEISMIC = 428
DAYS = 365
#: Report interval of the radars and cameras, s (`report_interval_s`): each forwards
#: its own track update of a mover every 10 s — the slow end of ground radars' target
#: data, 0.1–1 Hz [PSR-wiki] (DOMAIN §2.1) — instead of a plot per look (a radar's
#: 2 s scan, a camera's 5 s analytics look). Well inside the node's track lifetimes
#: (`command.nodes.BORDER_FUSION_OVERRIDES`: a tentative track lives 60 s without a
#: report, a confirmed one 300 s), so a track seen on consecutive intervals confirms
#: and lives as before.
REPORT_INTERVAL_S = 10


def _zones(length_m: int) -> list[str]:
    rows = []
    for k, x0 in enumerate(range(0, length_m, BLOCK_M)):
        kind = KINDS[k % 3]
        x1 = x0 + BLOCK_M
        extra = ", foliage: 0.02" if kind == "marsh" else ""
        rows.append(f"    - {{kind: {kind}, polygon: [[{x0}, 0], [{x1}, 0], [{x1}, 4000], "
                    f"[{x0}, 4000]]{extra}}}")
    rows.append(f"    - {{kind: road, polygon: [[0, 4700], [{length_m}, 4700], [{length_m}, 4760], "
                "[0, 4760]]}")
    rows.append(f"    - {{kind: road, polygon: [[0, 100], [{length_m}, 100], [{length_m}, 130], "
                "[0, 130]]}")
    return rows


def _sensors(length_m: int, seismic: int, report_interval_s: float | None) -> list[str]:
    rows = []
    every = "" if report_interval_s is None else f", report_interval_s: {report_interval_s:g}"
    blocks = range(0, length_m, BLOCK_M)
    fields = [x0 for k, x0 in enumerate(blocks) if KINDS[k % 3] != "forest"]
    for n, x0 in enumerate(fields[:12 * length_m // LENGTH_M], start=1):
        rows.append(f"  - {{kind: fence, id: fence-{n:02d}, "
                    f"line: [[{x0}, 30], [{x0 + BLOCK_M}, 30]], pd: 0.9, nuisance_per_day: 10}}")
    for n in range(length_m // 5000):
        x = 2500 + 5000 * n
        rows.append(f"  - {{kind: radar, id: radar-{n + 1:02d}, position_m: [{x}, 300], "
                    "max_range_m: 6000, snr_1km_db: 34.4, revisit_s: 2, nuisance_per_day: 3"
                    f"{every}}}")
    for n in range(length_m // 2500):
        x = 1250 + 2500 * n
        rows.append(f"  - {{kind: camera, id: camera-{n + 1:02d}, position_m: [{x}, 1200], "
                    "heading_deg: -90, fov_deg: 160, max_range_m: 3000, focal_length_mm: 100"
                    f"{every}}}")
    step = length_m / seismic
    for n in range(seismic):
        x = round(step / 2 + step * n)
        rows.append(f"  - {{kind: seismic, id: seismic-{n + 1:03d}, position_m: [{x}, 3600], "
                    "radius_m: 50, nuisance_per_day: 0.5}")
    return rows


def scenario_text(length_km: int = LENGTH_M // 1000, days: int = DAYS,
                  seismic: int | None = None,
                  report_interval_s: float | None = REPORT_INTERVAL_S) -> str:
    """The scenario; shorter borders (multiples of 25 km) keep the same density of
    sensors, groups, teams and patrols; ``seismic`` overrides the seismic count
    (default 428 per 100 km); ``report_interval_s`` is the radars' and cameras'
    (None: a report per detecting look, the model before the field existed)."""
    length_m = 1000 * length_km
    if length_m % 25_000 or length_m <= 0:
        raise ValueError("length_km must be a positive multiple of 25")
    scale = length_m / LENGTH_M
    seismic = round(SEISMIC * scale) if seismic is None else seismic
    destinations = ", ".join(f"[{2500 + 5000 * n}, 4730]" for n in range(length_m // 5000))
    teams = "\n".join(
        f"    - {{id: team-{n + 1:02d}, base_m: [{6250 + 12500 * n}, 4900], readiness_s: 300, "
        "drive_speed_mps: 12, foot_speed_mps: 1.5}" for n in range(length_m // 12_500))
    patrols = "\n".join(
        f"  - {{id: patrol-{n + 1:02d}, route: [[{25000 * n + 1000}, 1000], "
        f"[{25000 * n + 24000}, 1000]], speed_mps: 1.1, "
        "shifts: [{start: \"21:00\", end: \"05:00\"}], detection_range_m: 150}"
        for n in range(length_m // 25_000))
    sensors = 12 * length_m // LENGTH_M + length_m // 5000 + length_m // 2500 + seismic
    name = "scale_year" if (length_m, days) == (LENGTH_M, DAYS) else \
        f"scale_{length_km}km_{days}d"
    header = [
        "# scale_year.yaml — the scale target: a year of a 100 km border with 500 sensors.",
        "#",
        "# Generated by benchmarks/make_scale_year.py (edit the script, not this file).",
        "# 12 fence sections, 20 radars, 40 thermal cameras, 428 seismic sensors; 24 groups",
        "# a day; eight reaction teams, four night patrols; about 380 nuisance alarms a day.",
        *([] if report_interval_s is None else [
            f"# Radars and cameras forward a track update per mover every "
            f"{report_interval_s:g} s", "# (report_interval_s), not a plot per look."]),
    ] if name == "scale_year" else [
        f"# {name}: a variant of scale_year.yaml made by benchmarks/make_scale_year.py."]
    return "\n".join([
        *header,
        "schema: 1",
        f"name: {name}",
        f"description: {length_km} km, {days} days, {sensors} sensors, "
        f"{round(24 * scale)} groups a day (the scale benchmark)",
        f"duration: {days}d",
        "start: 2026-01-01T00:00:00",
        "",
        "segment:",
        f"  border: [[0, 0], [{length_m}, 0]]",
        f"  depth_m: {DEPTH_M}",
        "  latitude_deg: 52.1",
        "  longitude_deg: 23.6",
        "  utc_offset_h: 1",
        "  zones:",
        *_zones(length_m),
        "",
        "crossings:",
        f"  groups_per_day: {round(24 * scale)}",
        "  group_size: {min: 1, max: 8}",
        "  speed: {mean_mps: 1.2, sd_mps: 0.25, min_mps: 0.5}",
        f"  destinations: [{destinations}]",
        "  waypoints: 2",
        "  route_spread_m: 800",
        "",
        "sensors:",
        *_sensors(length_m, seismic, report_interval_s),
        "",
        "command:",
        "  fusion_interval_s: 5",
        "  operators: 4",
        "  verification_time_s: 120",
        "",
        "response:",
        "  teams:",
        teams,
        "",
        "patrols:",
        patrols,
        "",
    ])


def main(argv: list[str]) -> int:
    plots = "--plot-per-look" in argv
    args = [a for a in argv[1:] if a != "--plot-per-look"]
    out = Path(args[0]) if args else Path(__file__).resolve().parents[1] / \
        "scenarios" / "scale_year.yaml"
    out.write_text(scenario_text(report_interval_s=None if plots else REPORT_INTERVAL_S),
                   encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
