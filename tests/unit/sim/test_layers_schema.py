"""Schema of links, relays and layers: bad values named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario

TINY = Path(__file__).parents[3] / "scenarios" / "tiny.yaml"


@pytest.mark.parametrize(("override", "message"), [
    ("comms.default.via=[nope]", "comms.default.via: 'nope' is no relay id"),
    ("comms.default.down=[[5,3]]", "comms.default.down: expected [start_s, end_s] with "
                                   "end_s > start_s, got [5.0, 3.0]"),
    ("comms.relays=[{id: r, via: [r]}]", "comms.relays.0.via: a relay has no via"),
    ("layers.reserve_teams=[x]", "layers.reserve_teams.0: 'x' is no team id"),
    ("layers.sections=[{id: a, from_m: 5, to_m: 1}]",
     "layers.sections.0.to_m: expected more than from_m (5.0), got 1.0"),
    ("layers.sections=[{id: a, from_m: 0, to_m: 1}, {id: a, from_m: 1, to_m: 2}]",
     "layers.sections: section ids must be unique"),
    ("comms.default.kind=radio", "comms.default.kind: Input should be 'fibre'"),
    ("layers.sections=[{id: a, from_m: 0, to_m: 6}, {id: b, from_m: 5, to_m: 9}]",
     "layers.sections.1.from_m: expected at least the end of section 'a' (6.0): sections "
     "are listed along the border and do not overlap, got 5.0"),
])
def test_bad_link_and_layer_fields_are_named(override: str, message: str):
    with pytest.raises(ScenarioError, match=None) as err:
        load_scenario(TINY, [override])
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_link_kind_gives_the_defaults_and_the_file_overrides_them():
    s = load_scenario(TINY, ["comms.default={kind: tetra, latency_s: 1.5}"])
    d = s.comms.default
    assert (d.kind, d.latency_s, d.jitter_s, d.bandwidth_bps, d.loss) == (
        "tetra", 1.5, 0.5, 7200.0, 0.01)
