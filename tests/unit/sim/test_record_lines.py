"""The C port of the record columns' lines (``_cground.record_lines`` and
``join_lines``) against its Python reference (`_class_lines_py`, `_join_lines`): the
same characters for the same records, edge values included, and a decline (None)
wherever the reference does something the port does not."""

from __future__ import annotations

import math
import random
import struct
from dataclasses import dataclass

import numpy as np
import pytest

from sim.ground import events, prebuilt
from sim.ground.events import (
    AlertRaised,
    CrossingStarted,
    FusionTick,
    Record,
    ReportReceived,
    TrackDeleted,
    _class_lines,
    _class_lines_py,
    _join_lines,
    records_jsonl,
)


@dataclass(slots=True)
class Holder:
    """One value in a slot, as records hold theirs."""

    v: object


class Plain:
    """A value in no slot: the port declines the field."""

    def __init__(self, v: object) -> None:
        self.v = v


def lines(kernels, values: list, kind: str, parts: tuple[str, str] = ("", "")):  # noqa: ANN001, ANN201
    """``record_lines`` of one field holding ``values``."""
    return kernels.record_lines(parts, [Holder(v) for v in values], (Holder.v,), kind)


def edge_floats() -> list[float]:
    """Signed zeros, tiny and huge magnitudes, exact ties at the 6th decimal
    (multiples of 1/128), values next to powers of two, random bit patterns."""
    vals = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-9, 4.9999995e-7, 5e-7, -5e-7, 1.5e-6,
            0.0078125, -0.0078125, 0.0234375, 0.9999995, 9.9999995, 123456.0000005,
            2.0**53, 2.0**62, 2.0**63 - 1024, 2.0**63, -2.0**63, 2.0**64, 1e300, -1e300,
            1.7976931348623157e308, 259_200.123456]
    rng = random.Random(7)
    for _ in range(20_000):
        vals.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])
        vals.append(rng.randrange(-2**40, 2**40) / 128)
        vals.append(rng.randrange(-10**12, 10**12) / 10**6 + rng.choice((0, 5e-7, -5e-7)))
        vals.append(math.ldexp(rng.random(), rng.randrange(-80, 66)))
        vals.append(rng.uniform(0.0, 3e5))
    for k in range(-1074, 1024):
        x = math.ldexp(1.0, k)
        vals += [x, -x, x + math.ulp(x), x - math.ulp(x)]
    return [v for v in vals if math.isfinite(v)]


def test_floats_as_percent_6f(ground_kernels) -> None:  # noqa: ANN001
    vals = edge_floats()
    percent = "%.6f"                  # the reference: Python's own '%.6f' % v
    assert lines(ground_kernels, vals, "f", ("<", ">")) == [f"<{percent % v}>" for v in vals]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1, True, np.float64(1.0),
                                   None], ids=repr)
def test_float_columns_it_declines(ground_kernels, value: object) -> None:  # noqa: ANN001
    assert lines(ground_kernels, [1.0, value], "f") is None


@pytest.mark.parametrize("value", [2**63, -2**63 - 1, True, 1.0, np.int64(3)], ids=repr)
def test_int_columns_it_declines(ground_kernels, value: object) -> None:  # noqa: ANN001
    assert lines(ground_kernels, [1, value], "d") is None


@pytest.mark.parametrize("value", ['q"', "b\\s", "é", "\x1f", "\x7f", np.str_("x"), 1],
                         ids=repr)
def test_str_columns_it_declines(ground_kernels, value: object) -> None:  # noqa: ANN001
    assert lines(ground_kernels, ["ok", value], "s") is None


def test_ints_and_strings(ground_kernels) -> None:  # noqa: ANN001
    ints = [0, -1, 7, 2**63 - 1, -2**63, 10**18, -10**18, *range(-300, 300)]
    assert lines(ground_kernels, ints, "d", ("", ";")) == [f"{v:d};" for v in ints]
    strs = ["radar-01", "", " ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}"]
    assert lines(ground_kernels, strs, "s") == [events._fmt(s) for s in strs]


def test_fields_not_in_slots_of_the_records(ground_kernels) -> None:  # noqa: ANN001
    """A field that is not a slot, or a record of another class than the slot's: the
    port declines; an unset slot too (the reference raises)."""
    k = ground_kernels
    assert k.record_lines(("", ""), [Holder(1.0)], (Holder.v,), "f") == ["1.000000"]
    assert k.record_lines(("", ""), [Plain(1.0)], (Holder.v,), "f") is None
    assert k.record_lines(("", ""), [Holder(1.0)], (property(lambda s: 1.0),), "f") is None
    unset = Holder.__new__(Holder)
    assert k.record_lines(("", ""), [Holder(1.0), unset], (Holder.v,), "f") is None
    assert k.record_lines(("", "é"), [Holder(1.0)], (Holder.v,), "f") is None
    assert k.record_lines(("",), [], (), "") == []


@dataclass(frozen=True)
class Unslotted(Record):
    """A record class whose own field is no slot (the port declines it)."""

    kind = "unslotted"
    value: float


def test_a_record_class_without_slots(ground_kernels) -> None:  # noqa: ANN001
    recs = [Unslotted(1.0, 2.5), Unslotted(2.0, -0.0)]
    assert _class_lines(Unslotted, recs, "") == _class_lines_py(Unslotted, recs, "") == [
        '{"t_s":1.000000,"kind":"unslotted","value":2.500000}',
        '{"t_s":2.000000,"kind":"unslotted","value":-0.000000}']


def mixed_records() -> list[Record]:
    """Records of several classes, some columns with values only the reference writes."""
    rng = random.Random(3)
    floats = edge_floats()
    recs: list[Record] = []
    for k in range(2_000):
        recs.append(ReportReceived(rng.choice(floats), f"radar-{k % 5}", rng.choice(floats),
                                   rng.randrange(-2, 300), rng.choice(floats),
                                   rng.choice(floats)))
        if k % 3 == 0:
            recs.append(FusionTick(float(k), "post-1", k, 1, 2**62 + k, -k))
        if k % 11 == 0:
            recs.append(TrackDeleted(float(k), k))
        if k % 97 == 0:
            recs.append(AlertRaised(float(k), k, 3, 1, 5, 1.5, -0.0, 0.25, 0.75, "", -2))
    recs.append(CrossingStarted(1.0, 1, 4, 1.1, 0.0, 2.0, 3.0, 4.0, 99.0, True, "decoys"))
    return recs


@pytest.mark.parametrize("odd", [None, math.nan, 2**64, 'q"uote', "é", np.float64(2.5)],
                         ids=repr)
def test_class_lines_as_the_reference(ground_kernels, odd: object) -> None:  # noqa: ANN001
    recs = [r for r in mixed_records() if type(r) is ReportReceived]
    if odd is not None:
        field = "sensor" if isinstance(odd, str) else "truth" if isinstance(odd, int) else "x"
        recs[17] = ReportReceived(**{**{f: getattr(recs[17], f) for f in
                                        ("t_s", "sensor", "meas_s", "truth", "x", "y")},
                                     field: odd})
    tail = ',"replication":4,"note":"5%"'
    assert _class_lines(ReportReceived, recs, tail) == _class_lines_py(ReportReceived, recs,
                                                                       tail)


def test_records_jsonl_with_and_without_the_port(ground_kernels, monkeypatch) -> None:  # noqa: ANN001
    recs = mixed_records()
    text = records_jsonl(recs, {"replication": 2})
    assert text == "".join(events.record_json(r, {"replication": 2}) + "\n" for r in recs)
    monkeypatch.setattr(prebuilt, "load", lambda: None)
    assert records_jsonl(recs, {"replication": 2}) == text
    assert records_jsonl(iter(recs), {"replication": 2}) == text


def test_join_lines_declines_lines_not_one_per_record(ground_kernels) -> None:  # noqa: ANN001
    recs: list[Record] = [TrackDeleted(0.0, 1), TrackDeleted(1.0, 2), FusionTick(1.0, "n", 1,
                                                                                 1, 1, 1)]
    lines = {TrackDeleted: ["a", "b"], FusionTick: ["c"]}
    assert ground_kernels.join_lines(recs, lines) == _join_lines(recs, lines) == "a\nb\nc\n"
    assert ground_kernels.join_lines(recs, {TrackDeleted: ["a"], FusionTick: ["c"]}) is None
    assert ground_kernels.join_lines(recs, {TrackDeleted: ["a", "b", "x"],
                                            FusionTick: ["c"]}) is None
    assert ground_kernels.join_lines(recs, {TrackDeleted: ["a", "b"]}) is None
    assert ground_kernels.join_lines(recs, {TrackDeleted: ["a", "é"],
                                            FusionTick: ["c"]}) is None
