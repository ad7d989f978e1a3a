"""Every parameter acts: perturbing any numeric field of the default scenario changes
the event log.

The resolved `scenarios/default.yaml` (every default filled in), shortened to
`DURATION` so the test fits in CI, is run once; then each numeric field is perturbed
on its own and the run repeated under the same seed; the test fails for any field
whose change leaves ``events.jsonl`` byte-identical. Sensors,
teams and patrols of one kind share their fields, so each kind's fields are perturbed
on one instance the default's crossings exercise (`INSTANCE`); the positions and lines
of every instance are perturbed too. A field that cannot matter in the event log is
listed in `CANNOT_MATTER` with the reason; one that acts but is not exercised in the
window is listed in `NOT_EXERCISED` with the reason and the test that shows it act.

Perturbations (`perturbed`): points and polylines move by (37, 23) m; probabilities
shrink by 30 %; other numbers grow by 30 % (integers by one); `STRONGER` names fields
whose effect needs a larger change to show in one run (a truncation bound, a limit
the default never reaches).
"""

from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.engine import run_replication
from sim.results import events_jsonl
from sim.scenario import ScenarioError, dump_scenario, load_scenario, parse_scenario

DEFAULT = Path(__file__).parents[2] / "scenarios" / "default.yaml"
SEED = 1
DURATION = "3d"

#: The instance of each kind whose own fields are perturbed (index in its list).
INSTANCE = {"fence": 0, "radar": 2, "camera": 5, "seismic": 10, "teams": 1, "patrols": 0}

#: Field path (regular expression) → why changing it cannot show in events.jsonl.
CANNOT_MATTER = {
    r"schema": "the schema version, not a model parameter",
    r"sensors\.[5-7]\.night_range_factor": "the default's cameras are thermal: the night "
                                         "factor applies to day cameras only",
    r"sensors\.\d+\.heading_deg": "radar-01/02 see 360°: a full circle has no heading "
                                  "(cameras' headings are perturbed: see HEADED)",
    r"sensors\.\d+\.(mttr_h|health_report_s)": "no sensor of the default fails (mtbf_h "
                                               "unset): repair and report times act only "
                                               "on failures (tests/unit/sensors/"
                                               "test_sensor_models.py)",
    r"sensors\.[5-7]\.twilight_range_factor": "the default's cameras are thermal: the "
                                             "twilight factor applies to day cameras only",
}
#: Fields that do act (each has its own test) but that the first `DURATION` of the
#: default at seed 1 never exercises, so changing them cannot show there: field path
#: (regular expression) → why, and the test that shows the field acting.
NOT_EXERCISED = {
    r"patrols\.0\..*": "the single foot patrol never sees a group in the window: on a "
                       "23 km route it meets about 1 % of crossings (barrier patrol, "
                       "DOMAIN.md §3.2), and groups see it first at night "
                       "(tests/unit/engine/test_world.py)",
    r"comms\.links\.4\..*": "the patrol's radio link: it carries no report in the window",
    r"sensors\.10\.(radius_m|revisit_s|pd|hold_s)": "no group walks past seismic-04 in the "
                                             "window "
                                             "(tests/statistical/test_sensors.py)",
    r"sensors\.0\.pd": "fence-01's few crossings in the window all draw below 0.63 "
                       "(tests/statistical/test_sensors.py)",
    r"crossings\.reaction\.hide_s": "no group hides in the window "
                                    "(tests/unit/engine/test_world.py)",
    r"comms\.(default|links\.\d+|regional|national)\.(queue_max|mttr_s)":
        "the default's links have no bandwidth limit and no outage, so nothing ever "
        "queues (tests/unit/engine/test_comms.py: queue bound, outages)",
    r"comms\.message_bytes\.(patrol|neighbour)": "no patrol report in the window, no "
        "neighbour warning in the default (sizes act: tests/unit/engine/test_comms.py)",
    r"layers\.raise_window_s": "section levels rise with incidents only when "
        "layers.raise_after is set; the default sets none (tests/unit/engine/test_layers.py)",
    r"layers\.rules\.(high|critical)\.check_unseen_above": "the default's one section "
        "stays low (tests/unit/engine/test_layers.py)",
    r"sensors\.5\.zoom_focal_length_mm": "camera-02's zoom recognises the few groups it "
        "is slewed to in the first 3 days at 400 mm and at 100 mm alike; on the 7-day "
        "default 100 mm changes events.jsonl",
}

#: Fields the default leaves unset (None: absent from the resolved file, so
#: `numeric_fields` cannot find them): field path → the value each is set to; like any
#: perturbed field, setting it must change the event log.
UNSET: dict[str, Any] = {
    "sensors.2.report_interval_s": 10.0,      # radar-01 forwards a track update per 10 s
    "sensors.5.report_interval_s": 15.0,      # camera-02, per 15 s
}

#: Cameras do have a heading: it is perturbed on them.
HEADED = r"sensors\.[5-7]\.heading_deg"

#: Fields whose effect needs a stronger change to show in one 7-day run.
STRONGER: dict[str, Any] = {
    "segment.depth_m": 4_000.0,               # deeper than the pick-up road changes nothing
    "crossings.speed.min_mps": 1.1,           # truncation bound: bites only near the mean
    "command.alert_min_reports": 40,          # confirmed tracks soon have a few reports
    "command.verify_radius_m": 20.0,
    # Poisson rates and loss probabilities: a small change often draws the same count
    # or fate from the same keyed draws
    "sensors.0.nuisance_per_day": 30.0, "sensors.2.nuisance_per_day": 9.0,
    "sensors.5.nuisance_per_day": 6.0, "sensors.10.nuisance_per_day": 6.0,
    "comms.default.loss": 0.3, "comms.links.0.loss": 0.5, "comms.links.1.loss": 0.5,
    "comms.links.2.loss": 0.5, "comms.links.3.loss": 0.5, "comms.links.4.loss": 0.5,
    "response.teams.1.capacity": 1,           # groups are rarely larger than 8
    "patrols.0.capacity": 1,
    "response.teams.1.pursuit_max_s": 5.0,    # chases rarely last 10 min
    "patrols.0.pursuit_max_s": 5.0,
    "sensors.2.min_speed_mps": 1.0,           # only hiding groups stand still
    "sensors.2.clutter_per_day": 8.0,
    "crossings.reaction.run_s": 30.0,         # runs are rare: a shorter one shows
    # a reaction's kind is one uniform against the cumulative shares: a small change
    # moves the cut past none of the few draws of three days
    "crossings.reaction.p_turn_back": 0.4, "crossings.reaction.p_run": 0.4,
    "sensors.2.foliage_length_m": 300.0,      # radar-01 sees least-cost routes mostly in
                                              # the open: a much thinner forest shows
}


def numeric_fields(node: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, value) of every number, point and polyline in the resolved scenario."""
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return []
    if isinstance(node, int | float):
        return [(path, node)]
    if isinstance(node, dict):
        return [f for k, v in node.items() for f in numeric_fields(v, (*path, k))]
    if _is_point(node) or (node and all(_is_point(p) for p in node)):
        return [(path, node)]
    return [f for i, v in enumerate(node) for f in numeric_fields(v, (*path, i))]


def _is_point(x: Any) -> bool:
    return (isinstance(x, list) and len(x) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in x))


def perturbed(value: Any, other_way: bool = False) -> Any:
    """The perturbed value; ``other_way`` the opposite change (for a value at a bound)."""
    sign = -1.0 if other_way else 1.0
    if isinstance(value, list):
        if _is_point(value):
            return [value[0] + sign * 37.0, value[1] + sign * 23.0]
        if len(value) >= 3:   # a polygon: grow it about its centre (a shift can be void)
            cx = sum(p[0] for p in value) / len(value)
            cy = sum(p[1] for p in value) / len(value)
            k = 0.9 if other_way else 1.2
            return [[cx + k * (x - cx), cy + k * (y - cy)] for x, y in value]
        return [[x + sign * 37.0, y + sign * 23.0] for x, y in value]
    if isinstance(value, int):
        return value - 1 if other_way else value + 1
    if 0 < value <= 1:
        return value / 0.7 if other_way else value * 0.7
    if not value:
        return 0.1
    return value / 1.3 if other_way else value * 1.3


def selected(path: tuple, data: dict) -> bool:
    """Fields of the chosen instance of each kind; every instance's geometry."""
    text = ".".join(map(str, path))
    if any(re.fullmatch(p, text) for p in CANNOT_MATTER) and not re.fullmatch(HEADED, text):
        return False
    if any(re.fullmatch(p, text) for p in NOT_EXERCISED):
        return False
    if path[0] == "sensors":
        kind = data["sensors"][path[1]]["kind"]
        return path[1] == INSTANCE[kind] or path[2] in ("position_m", "line")
    if path[:2] == ("response", "teams"):
        return path[2] == INSTANCE["teams"] or path[3] == "base_m"
    if path[0] == "patrols":
        return path[1] == INSTANCE["patrols"] or path[2] == "route"
    return True


def _digest(data: dict) -> str:
    scenario = parse_scenario(data, "perturbed")
    return hashlib.sha256(events_jsonl([run_replication(scenario, SEED)]).encode()).hexdigest()


def _with(data: dict, path: tuple, value: Any) -> dict:
    out = json.loads(json.dumps(data))
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _path(text: str) -> tuple:
    """``sensors.2.report_interval_s`` → ``("sensors", 2, "report_interval_s")``."""
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def _job(args: tuple[dict, tuple, Any, Any]) -> tuple[str, str]:
    """Digest of the run with the field changed (the other way if the first is out of
    the field's bounds)."""
    data, path, value, other = args
    try:
        return ".".join(map(str, path)), _digest(_with(data, path, value))
    except ScenarioError:
        return ".".join(map(str, path)), _digest(_with(data, path, other))


@pytest.mark.slow
def test_every_numeric_field_of_the_default_changes_the_event_log():
    data = yaml.safe_load(dump_scenario(load_scenario(DEFAULT, [f"duration={DURATION}"])))
    base = _digest(data)
    jobs = []
    for path, value in numeric_fields(data):
        if not selected(path, data):
            continue
        text = ".".join(map(str, path))
        jobs.append((data, path, STRONGER.get(text, perturbed(value)),
                     perturbed(value, other_way=True)))
    jobs += [(data, _path(text), value, value) for text, value in UNSET.items()]
    assert len(jobs) > 120
    with ProcessPoolExecutor(max_workers=2) as pool:
        inert = [name for name, digest in pool.map(_job, jobs) if digest == base]
    assert inert == [], f"these fields change nothing in events.jsonl: {inert}"


def test_the_exemptions_name_real_fields():
    data = yaml.safe_load(dump_scenario(load_scenario(DEFAULT)))
    names = {".".join(map(str, p)) for p, _ in numeric_fields(data)}
    for pattern in [*CANNOT_MATTER, *NOT_EXERCISED, HEADED, *STRONGER]:
        assert any(re.fullmatch(pattern, n) for n in names), pattern
    assert all(data["sensors"][i]["kind"] == kind for kind, i in INSTANCE.items()
               if kind not in ("teams", "patrols"))


def test_the_unset_fields_are_unset_in_the_default_and_act_when_set():
    """`UNSET` names real fields the default leaves unset, and each, set, changes the
    event log (the same check as the slow test's, on one day)."""
    data = yaml.safe_load(dump_scenario(load_scenario(DEFAULT, ["duration=1d"])))
    base = _digest(data)
    for text, value in UNSET.items():
        path = _path(text)
        assert path[-1] not in data[path[0]][path[1]], text
        assert _digest(_with(data, path, value)) != base, text
    with pytest.raises(ScenarioError):     # and a field the schema does not know fails
        _digest(_with(data, ("sensors", 2, "report_interval"), 10.0))
