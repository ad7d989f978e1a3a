"""`record_json`'s generated writers against the rule they replace: each value as
`_fmt` writes it, members in declared order after ``t_s``, ``kind`` and the extras."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.ground.events import (
    CrossingStarted,
    FusionTick,
    Record,
    ReportReceived,
    TrackDeleted,
    _fmt,
    record_json,
    record_maker,
    records_jsonl,
)


def by_rule(rec: Record, extra: dict[str, object] | None = None) -> str:
    parts = [f'"t_s":{_fmt(float(rec.t_s))}', f'"kind":"{rec.kind}"']
    parts += [f'"{k}":{_fmt(v)}' for k, v in (extra or {}).items()]
    parts += [f'"{f.name}":{_fmt(getattr(rec, f.name))}' for f in dataclasses.fields(rec)
              if f.name != "t_s"]
    return "{" + ",".join(parts) + "}"


ODD_FLOATS = [0.0, -0.0, 1e-7, -2.5e-7, 123456789.123456789, math.inf, -math.inf, math.nan,
              np.float64(3.25), np.float32(0.1), 7, np.int64(-4), None]


@pytest.mark.parametrize("value", ODD_FLOATS, ids=repr)
def test_float_fields_whatever_the_value_type(value: object) -> None:
    rec = ReportReceived(1.5, "radar-01", value, 3, value, -1.0)  # type: ignore[arg-type]
    assert record_json(rec, {"replication": 2}) == by_rule(rec, {"replication": 2})


@pytest.mark.parametrize("value", [0, -3, np.int64(12), True, False, 2.5, None, "x"], ids=repr)
def test_int_fields_whatever_the_value_type(value: object) -> None:
    rec = TrackDeleted(0.0, value)  # type: ignore[arg-type]
    assert record_json(rec) == by_rule(rec)


@pytest.mark.parametrize("value", ["radar-01", "", 'quo"te', "é ü", np.str_("cam"), 5, None,
                                   [1, 2]],
                         ids=repr)
def test_str_fields_whatever_the_value_type(value: object) -> None:
    rec = ReportReceived(2.0, value, 1.0, -1, 0.0, 0.0)  # type: ignore[arg-type]
    assert record_json(rec) == by_rule(rec)
    assert record_json(rec) == by_rule(rec)      # the second time from the string cache


def test_bool_and_defaulted_fields_and_lines() -> None:
    recs = [CrossingStarted(0.5, 1, 4, 1.1, 0.0, 2.0, 3.0, 4.0, 99.0, True),
            CrossingStarted(0.7, 2, 1, 0.9, 1.0, 2.0, 3.0, 4.0, 99.0, False, "smugglers"),
            TrackDeleted(1.0, 7)]
    text = records_jsonl(recs, {"replication": 0})
    assert text == "".join(by_rule(r, {"replication": 0}) + "\n" for r in recs)
    assert records_jsonl([]) == ""


def test_records_of_mixed_classes_and_odd_values_keep_their_order() -> None:
    """`records_jsonl` writes class by class, a column at a time where it can: the
    lines are those of `record_json`, in the records' order, whatever the values."""
    recs: list[Record] = []
    for k in range(30):
        recs.append(ReportReceived(float(k), f"radar-{k % 3}", k - 0.5, k % 4 - 1,
                                   1e3 * k, -2.5 * k))
        if k % 7 == 0:
            recs.append(TrackDeleted(float(k), k))
    recs.insert(5, ReportReceived(5.0, "x", math.inf, 1, 0.0, 0.0))   # a class's odd value
    recs.append(TrackDeleted(40.0, True))                              # a bool in an int
    recs.append(CrossingStarted(41.0, 1, 4, 1.1, 0.0, 2.0, 3.0, 4.0, 99.0, True))
    text = records_jsonl(recs, {"replication": 3, "note": "50%"})
    assert text == "".join(record_json(r, {"replication": 3, "note": "50%"}) + "\n"
                           for r in recs)
    plain = [ReportReceived(float(k), 'q"%s', 0.25, k, 1.0, 2.0) for k in range(3)]
    assert records_jsonl(plain) == "".join(by_rule(r) + "\n" for r in plain)


@pytest.mark.parametrize("cls, values", [
    (ReportReceived, (1.5, "radar-01", 1.25, 3, 10.0, -2.0)),
    (FusionTick, (5.0, "post-1", 2, 1, 7, 3)),
    (CrossingStarted, (0.5, 1, 4, 1.1, 0.0, 2.0, 3.0, 4.0, 99.0, True, "smugglers")),
])
def test_record_maker_makes_the_same_record(cls: type[Record], values: tuple) -> None:
    made = record_maker(cls)(*values)
    assert type(made) is cls
    assert made == cls(*values)
    assert hash(made) == hash(cls(*values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.t_s = 0.0  # type: ignore[misc]
