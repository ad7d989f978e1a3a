"""sim.checks: where a border or zone crosses itself is reported where it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.checks import first_crossing, meeting_point
from sim.scenario import ScenarioError, load_scenario

TINY = Path(__file__).resolve().parents[3] / "scenarios" / "tiny.yaml"


@pytest.mark.parametrize(("points", "closed", "where"), [
    ([(0, 0), (5000, 0), (5000, 100), (2500, -100)], False, (3750.0, 0.0)),   # the audit's
    ([(0, 0), (10, 0), (10, 10), (5, -10)], False, (7.5, 0.0)),
    ([(0, 0), (2000, 1500), (2000, 0), (0, 1500)], True, (1000.0, 750.0)),  # a bow tie
    ([(0, 0), (5000, 0), (5000, 100), (3000, 100), (3000, 0), (1000, 0)], False,
     (3000.0, 0.0)),                               # back along the first edge: its end
    ([(0, 0), (5000, 0), (2000, 0)], False, (5000.0, 0.0)),    # folds back at a vertex
])
def test_a_self_crossing_is_located_where_it_happens(points, closed, where) -> None:
    assert first_crossing(points, closed=closed) == pytest.approx(where)


def test_lines_that_do_not_cross_have_no_crossing() -> None:
    assert first_crossing([(0, 0), (5000, 0), (5000, 100), (6000, -100)], closed=False) is None
    assert first_crossing([(0, 0), (10, 0), (10, 10), (0, 10)], closed=True) is None


def test_the_meeting_point_lies_on_both_segments() -> None:
    assert meeting_point((0, 0), (4, 4), (0, 4), (4, 0)) == (2.0, 2.0)
    assert meeting_point((0, 0), (4, 0), (2, 0), (6, 0)) == (2, 0)       # overlap
    assert meeting_point((0, 0), (4, 0), (4, 0), (4, 3)) == (4.0, 0.0)   # touching ends


def test_the_message_names_the_crossing() -> None:
    with pytest.raises(ScenarioError, match=r"segment\.border: .* it does at about "
                       r"\(3750, 0\)$"):
        load_scenario(TINY, ["segment.border=[[0,0],[5000,0],[5000,100],[2500,-100]]"])
