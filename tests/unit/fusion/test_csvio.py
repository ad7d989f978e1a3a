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
