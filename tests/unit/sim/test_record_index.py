"""`RecordIndex` answers as ``isinstance`` filtering does, in log order."""

from __future__ import annotations

from sim.ground.events import InjectRecord, LinkDown, Record, SensorFailed, TrackDeleted
from sim.metrics import RecordIndex


def test_lookups_equal_isinstance_filtering_in_log_order() -> None:
    records = [TrackDeleted(0.0, 1), SensorFailed(1.0, "a", "radar-01"),
               LinkDown(2.0, "b", "radar-01"), TrackDeleted(3.0, 2),
               SensorFailed(4.0, "c", "camera-01")]
    index = RecordIndex(records)
    for cls in (TrackDeleted, SensorFailed, LinkDown, InjectRecord, Record):
        assert index[cls] == [r for r in records if isinstance(r, cls)], cls
    index[TrackDeleted].clear()                    # a copy: the index is unchanged
    assert len(index[TrackDeleted]) == 2
    assert RecordIndex(iter(records))[LinkDown] == [records[2]]
    assert RecordIndex([])[TrackDeleted] == []
