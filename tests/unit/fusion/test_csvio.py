"""Bad detections files: one-line error naming the line, nothing written."""

import pytest

from command.fusion import FusionInputError, fuse_file

HEADER = "time,sensor,x,y,var_x,var_y,cov_xy,truth\n"
GOOD = "0.0,1,10.0,20.0,225,225,0,3\n0.0,1,500.0,20.0,225,225,0,-1\n1.0,1,11.0,21.5,225,225,0,3\n"


@pytest.mark.parametrize("text, message", [
    ("time,sensor,x,y,var_x,cov_xy\n0,1,2,3,4,5\n", "missing column 'var_y' in header"),
    (HEADER + GOOD + "2.0,1,abc,3,4,4,0,1\n", ":5: column 'x': expected a number, got 'abc'"),
    (HEADER + GOOD + "2.0,1.5,1,3,4,4,0,1\n",
     ":5: column 'sensor': expected an integer, got '1.5'"),
    (HEADER + GOOD + "2.0,1,inf,3,4,4,0,1\n",
     ":5: column 'x': expected a finite number, got 'inf'"),
    (HEADER + GOOD + "0.5,1,1,3,4,4,0,1\n",
     ":5: time 0.5 is before the previous row's 1.0 (rows must be sorted by time)"),
    (HEADER + GOOD + "2.0,1,1,3,-4,4,0,1\n",
     ":5: column 'var_x': variance must not be negative, got -4"),
    (HEADER + GOOD + "2.0,1,1,3,4,4,5,1\n", ":5: covariance var_x=4, var_y=4, cov_xy=5 is "
                                           "not positive definite"),
    (HEADER + GOOD + "2.0,1,1\n", ":5: expected at least 7 columns, got 3"),
    (HEADER + "0.0,1,1,3,4,4,0,1\n\n1.0,1,1,3,4,4,0,1\n", ":3: blank line"),
])
def test_bad_file_gives_one_line_error_and_writes_nothing(tmp_path, text, message):
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text(text)
    with pytest.raises(FusionInputError) as e:
        fuse_file(src, out)
    assert "\n" not in str(e.value)
    assert str(e.value).startswith(str(src))
    assert message in str(e.value)
    assert list(tmp_path.iterdir()) == [src]


def test_bad_parameter_writes_nothing(tmp_path):
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text(HEADER + GOOD)
    with pytest.raises(FusionInputError, match="^param 'gate': expected a positive number"):
        fuse_file(src, out, {"gate": "x"})
    assert not out.exists()


def test_good_file_with_columns_in_another_order_and_extra_columns(tmp_path):
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text("truth,cov_xy,var_y,var_x,y,x,sensor,time\n3,0,225,225,20,10,1,0.0\n"
                   "3,0,225,225,21,11,1,1.0\n")
    stats = fuse_file(src, out, extra_columns=True)
    lines = out.read_text().splitlines()
    assert lines[0] == "time,track,x,y,vx,vy,status,p_person,p_vehicle,p_animal"
    assert stats.rows == 2 and stats.batches == 2
    assert len(lines) - 1 == stats.output_rows


def numpy_layout(data):
    """What read_detections builds from checked rows without the C pass."""
    import numpy as np

    R = np.empty((len(data), 2, 2))
    R[:, 0, 0], R[:, 1, 1] = data[:, 4], data[:, 5]
    R[:, 0, 1] = R[:, 1, 0] = data[:, 6]
    return data[:, 0].copy(), data[:, 1].astype(np.int64), data[:, 2:4].copy(), R


@pytest.mark.parametrize("column, value, passes", [
    (0, float("nan"), False), (2, float("inf"), False), (3, -float("inf"), False),
    (1, 1.5, False), (1, 2.0**53, True), (1, 2.0**53 + 2, False), (2, 1e9, True),
    (2, -1.0000001e9, False), (0, 1e12, True), (0, 1e12 * 1.0000001, False),
    (4, 0.0, False), (5, -1e-300, False), (5, 0.0, False), (6, 15.0, False),
    (6, -14.999, True), (4, 1e16, True), (4, 1.1e16, False),
])
def test_the_c_pass_accepts_exactly_what_the_checks_accept(column, value, passes):
    """layout_detections must never accept a row read_detections refuses: accepting
    returns the arrays without the checks that write the message."""
    import numpy as np

    from command.fusion import prebuilt
    from command.fusion.csvio import LIMITS, REQUIRED

    C = prebuilt.load()
    if C is None:
        pytest.skip("the C kernels are not built")
    data = np.array([[0.0, 1, 10, 20, 225, 225, 0], [0.0, 2, 30, 40, 225, 15, 3],
                     [1.0, -3, 11, 21, 15, 15, 1]])
    data[2, column] = value
    limits = np.array([LIMITS[c] for c in REQUIRED])
    ok, *arrays = C.layout_detections(data, limits)
    assert ok == passes
    if passes:
        for got, want in zip(arrays, numpy_layout(data), strict=True):
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    unsorted = data[::-1].copy()
    assert not C.layout_detections(unsorted, limits)[0]


# ------------------------------------------------------- files of several replications

REP_HEADER = "time,sensor,x,y,var_x,var_y,cov_xy,truth,track,replication\n"


def _track_rows(t0: float, n: int, rep: int, x0: float = 0.0) -> str:
    """One group walking east, reported every second: a confirmed track."""
    return "".join(f"{t0 + i:.1f},1,{x0 + 1.5 * i:.1f},20.0,25,25,0,3,-1,{rep}\n"
                   for i in range(n))


def test_each_replication_is_fused_on_its_own(tmp_path):
    """A run's detections.csv of several replications: every replication starts from
    an empty track table at its own time 0, as in the run; a `replication` column
    is written, last, as in a run's tracks.csv."""
    one = _track_rows(0.0, 8, 0)
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text(REP_HEADER + one + one.replace(",0\n", ",1\n") + _track_rows(3.0, 8, 4))
    stats = fuse_file(src, out)
    lines = out.read_text().splitlines()
    assert lines[0] == "time,track,x,y,replication"
    by_rep: dict[str, list[str]] = {}
    for line in lines[1:]:
        *row, rep = line.split(",")
        by_rep.setdefault(rep, []).append(",".join(row))
    assert list(by_rep) == ["0", "1", "4"]
    assert by_rep["0"] == by_rep["1"]        # the same log gives the same tracks
    assert by_rep["0"][0].split(",")[1] == by_rep["4"][0].split(",")[1] == "0"  # ids anew
    alone = tmp_path / "alone.csv"
    (tmp_path / "rep0.csv").write_text(REP_HEADER + one)
    fuse_file(tmp_path / "rep0.csv", alone)
    assert alone.read_text().splitlines() == ["time,track,x,y", *by_rep["0"]]
    assert stats.rows == 24 and stats.tracks_confirmed == 3
    assert stats.output_rows == len(lines) - 1


def test_several_replications_with_extra_columns(tmp_path):
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text(REP_HEADER + _track_rows(0.0, 8, 0) + _track_rows(0.0, 8, 1))
    fuse_file(src, out, extra_columns=True)
    lines = out.read_text().splitlines()
    assert lines[0] == ("time,track,x,y,vx,vy,status,p_person,p_vehicle,p_animal,"
                        "replication")
    assert {line.split(",")[-1] for line in lines[1:]} == {"0", "1"}
    assert all(len(line.split(",")) == 11 for line in lines)


def test_one_replication_column_value_gives_the_bytes_of_no_column(tmp_path):
    rows = _track_rows(0.0, 8, 7)
    src, with_rep = tmp_path / "plain.csv", tmp_path / "rep.csv"
    src.write_text(REP_HEADER.replace(",replication", "") + rows.replace(",7\n", "\n"))
    with_rep.write_text(REP_HEADER + rows)
    fuse_file(src, tmp_path / "a.csv")
    fuse_file(with_rep, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize("text, message", [
    (REP_HEADER + _track_rows(0.0, 3, 1) + _track_rows(0.0, 3, 0),
     ":5: replication 0 after replication 1 (rows must be grouped by replication"),
    (REP_HEADER + _track_rows(0.0, 3, 0) + _track_rows(5.0, 2, 1) + _track_rows(1.0, 1, 1),
     ":7: time 1.0 is before the previous row's 6.0 (rows must be sorted by time "
     "within each replication)"),
    (REP_HEADER + _track_rows(0.0, 3, 0) + _track_rows(0.0, 1, 1).replace(",1\n", ",1.5\n"),
     ":5: column 'replication': expected a whole number >= 0, got '1.5'"),
    (REP_HEADER + _track_rows(0.0, 3, 0) + _track_rows(0.0, 1, 1).replace(",1\n", ",-1\n"),
     ":5: column 'replication': expected a whole number >= 0, got '-1'"),
    (REP_HEADER + _track_rows(0.0, 3, 0) + _track_rows(0.0, 1, 1).replace(",1\n", ",x\n"),
     ":5: column 'replication': expected a number, got 'x'"),
    (REP_HEADER + _track_rows(0.0, 3, 0) + "4.0,1,1.0,20.0,25,25,0,3,-1\n",
     ":5: expected at least 10 columns, got 9"),
])
def test_bad_replications_give_one_line_error_and_write_nothing(tmp_path, text, message):
    src, out = tmp_path / "detections.csv", tmp_path / "tracks.csv"
    src.write_text(text)
    with pytest.raises(FusionInputError) as e:
        fuse_file(src, out)
    assert "\n" not in str(e.value) and message in str(e.value), str(e.value)
    assert list(tmp_path.iterdir()) == [src]
