"""The replay's data (viz/replay.py): thinned positions within the budget, every event
kept, no truth in the command's layers, a page that loads nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np

from viz.replay import MAX_TRACK_POINTS, page_data, replay_html, thin
from viz.rundata import Path2D, RunData


def week_run(tracks: int = 400, rows: int = 500, lines: int = 3000) -> RunData:
    """A synthetic week: many long tracks, a long event log."""
    scenario = {"name": "week", "start": "2026-06-01T00:00:00",
                "segment": {"border": [[0, 0], [25000, 0]], "depth_m": 5000, "zones": []},
                "sensors": [{"kind": "radar", "id": "radar-01", "position_m": [100, 100]}],
                "response": {"teams": [{"id": "team-01", "base_m": [10, 4000]}]}}
    t = np.linspace(0, 7 * 86_400, rows)
    track_rows = {k: np.column_stack([t + k, t / 100, t / 200]) for k in range(tracks)}
    log = [{"t_s": float(i * 200), "clock": "00:00:00", "kind": "alert", "inject": False,
            "text": f"line {i}", "unit": "", "x": None, "y": None} for i in range(lines)]
    group = Path2D("group-0000", "group", np.array([0.0, 3600.0]),
                   np.array([[0.0, 0.0], [0.0, 4000.0]]))
    alerts = [{"alert": "0", "time": "10.0", "track": "0", "priority": "1", "x": "1",
               "y": "2", "decision": "confirmed", "camera": "camera-01", "team": "",
               "decided_s": "20.0", "source": "", "truth": "0"}]
    crossings = {"group-0000": {"size": "3", "outcome": "got_away"}}
    return RunData(Path("."), scenario, [], [group], crossings, alerts, track_rows,
                   [{"t_s": 7 * 86_400.0, "kind": "fusion"}], log)


def test_thin_keeps_the_first_and_the_last_row() -> None:
    rows = np.arange(10.0).reshape(-1, 1)
    assert thin(rows, 4)[:, 0].tolist() == [0, 4, 8, 9]
    assert thin(rows, 1) is rows


def test_a_week_is_thinned_within_the_budget_and_keeps_every_event() -> None:
    run = week_run()
    data = page_data(run)
    kept = sum(len(tr["t"]) for tr in data["tracks"])
    assert 400 * 500 > MAX_TRACK_POINTS                   # thinning was needed
    assert kept <= MAX_TRACK_POINTS + 2 * len(data["tracks"])
    assert len(data["tracks"]) == 400                     # no track dropped
    assert all(tr["t"][0] == run.tracks[tr["id"]][0, 0] and
               tr["t"][-1] == run.tracks[tr["id"]][-1, 0] for tr in data["tracks"])
    assert data["log"] == run.lines                       # no event dropped
    assert data["thinning"] == {"track_points": 200_000, "kept_every": 5}
    assert "truth" not in data["alerts"][0]               # the command's layer


def test_the_page_is_self_contained() -> None:
    page = replay_html(week_run(tracks=3, rows=5, lines=5))
    assert "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", page)
    assert "<script src" not in page and "<link" not in page
    blob = re.search(r'<script id="run-data" type="application/json">(.*?)</script>', page,
                     re.S)
    assert blob is not None and json.loads(blob[1])["name"] == "week"
    assert dt.datetime.fromisoformat(json.loads(blob[1])["start"]).hour == 0


def test_every_sensor_of_every_shipped_scenario_has_a_marker_anchor() -> None:
    """Line sensors (fence, fibre, drag road) and microwave barriers have no
    ``position_m``; the map and the replay must place them all the same."""
    import yaml

    from sim.scenario import dump_scenario, load_scenario
    from viz.map import sensor_anchor

    root = Path(__file__).resolve().parents[2] / "scenarios"
    kinds = set()
    for path in sorted(root.glob("*.yaml")):   # as resolved into a run's scenario.yaml
        resolved = yaml.safe_load(dump_scenario(load_scenario(path)))
        for spec in resolved.get("sensors") or []:
            x, y = sensor_anchor(spec)
            assert np.isfinite([x, y]).all(), (path.name, spec["id"])
            kinds.add(spec["kind"])
    assert {"fence", "fibre", "microwave", "dragroad"} <= kinds
