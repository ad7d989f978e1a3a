"""Issue 11: one regression test per example of bad input, family by family.

Every bad input ends with exit status 2, exactly one line on stderr naming the file
and the field, and nothing written; odd-but-possible input runs with a one-line
warning. Commands are called in process (``cli`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
HEADER = "time,sensor,x,y,var_x,var_y,cov_xy\n"
GOOD_ROWS = "0,1,10,5,1,1,0\n1,1,11,5,1,1,0\n"

LAUGHS = "".join(
    f"{a}: &{a} [{', '.join([f'*{p}'] * 10 if p else ['lol'] * 10)}]\n"
    for p, a in zip(["", *"abcdefgh"], "abcdefghi", strict=True))


def variant(tmp_path: Path, text: str, old: str, new: str) -> Path:
    assert old in text, old
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def refused(outcome, *fragments: str) -> bool:
    line = outcome.lines[0] if outcome.lines else ""
    return outcome.is_clean_refusal() and all(f in line for f in fragments)


# ------------------------------------------------------------ YAML the loader does not expect

@pytest.mark.parametrize(("old", "new", "field"), [
    ("start: 2026-06-01T18:00:00", "start: 2026-13-45", "start"),
    ("name: tiny", "name: !!int ''", "name"),
    ("name: tiny", "name: !!bool maybe", "name"),
    ("start: 2026-06-01T18:00:00", "start: !!timestamp foo", "start"),
    ("groups_per_day: 24", "groups_per_day: " + "7" * 5000, "crossings.groups_per_day"),
    ("description: 5 km", "description: " + "[" * 1000 + "]" * 1000 + " #", "nested deeper"),
    ("duration: 12h", "duration: 1" + "0" * 400, "duration"),
    ("duration: 12h", "duration: 1" + "0" * 400 + "s", "duration"),
    ("operators: 1", "operators: 1\n  extra: &r [*r]", "line"),
])
def test_yaml_the_loader_does_not_expect(cli, tiny_text, tmp_path, old, new, field):
    bad = variant(tmp_path, tiny_text, old, new)
    outcome = cli(["validate", str(bad)])
    assert refused(outcome, str(bad), field), outcome


@pytest.mark.parametrize(("added", "message"), [
    ("command: {operators: 5}\n", "line 40: duplicate key 'command' (first at line 30)"),
    ("name: other\n", "line 40: duplicate key 'name' (first at line 7)"),
])
def test_a_key_given_twice_is_refused_naming_both_lines(cli, tiny_text, tmp_path, added,
                                                        message):
    """A second top-level section or value would silently replace the first."""
    bad = tmp_path / "twice.yaml"
    bad.write_text(tiny_text + added, encoding="utf-8")
    assert len(tiny_text.splitlines()) == 39
    outcome = cli(["validate", str(bad)])
    assert refused(outcome, f"{bad}: {message}"), outcome


def test_a_key_given_twice_deep_inside_is_refused(cli, tiny_text, tmp_path):
    bad = variant(tmp_path, tiny_text, "pd: 0.9,", "pd: 0.9, pd: 0.1,")
    outcome = cli(["validate", str(bad)])
    assert refused(outcome, str(bad), "duplicate key 'pd'"), outcome


def test_a_key_given_twice_in_a_set_value_is_refused(cli):
    outcome = cli(["validate", str(TINY), "--set", "command={operators: 1, operators: 3}"])
    assert refused(outcome, "--set: command:", "duplicate key 'operators'"), outcome


def test_billion_laughs_is_refused_at_once(cli, tmp_path):
    bad = tmp_path / "laughs.yaml"
    bad.write_text(LAUGHS, encoding="utf-8")
    assert len(LAUGHS) < 500
    outcome = cli(["validate", str(bad)], timeout_s=5)
    assert refused(outcome, str(bad), "aliases expand"), outcome


# ------------------------------------------------------------------------------------ --set

@pytest.mark.parametrize(("item", "field"), [
    ("start=2026-13-45", "start"),
    ("name=!!int ''", "name"),
    ("name=!!bool maybe", "name"),
    ("start=!!timestamp foo", "start"),
    ("crossings.groups_per_day=" + "7" * 5000, "crossings.groups_per_day"),
    ("description=" + "[" * 1000 + "]" * 1000, "description"),
    ("duration=1" + "0" * 400, "duration"),
    ("sensors.².pd=0.5", "sensors.²"),
    ("sensors.0.pd=.nan", "sensors.0.pd"),
    ("crossings.groups_per_day=1e308", "crossings.groups_per_day"),
])
def test_set_values_pass_the_same_checks(cli, item, field):
    outcome = cli(["validate", str(TINY), "--set", item])
    assert refused(outcome, field), outcome


@pytest.mark.parametrize(("args", "words"), [
    (["validate", str(TINY), "--set", "duration=1h", "--set", " duration=2h"],
     ["--set duration: given twice", "'duration=1h'", "' duration=2h'"]),
    (["run", str(TINY), "--set", "sensors.0.pd=0.5", "--set", "sensors.0.pd=0.6"],
     ["--set sensors.0.pd: given twice"]),
    (["compare", str(TINY), "--variant", "a:duration=1h,duration=2h"],
     ["--variant a: duration: given twice"]),
    (["compare", str(TINY), "--set", "seed=2", "--set", "seed=3", "--variant", "a:duration=1h"],
     ["--set seed: given twice"]),
    (["sweep", str(TINY), "--set", "duration=1h,2h", "--set", "duration=3h"],
     ["--set duration: given twice"]),
])
def test_a_field_set_twice_in_one_list_is_refused(cli, snapshot, tmp_path, monkeypatch,
                                                  args, words):
    _no_simulation(monkeypatch)
    before = snapshot(tmp_path)
    outcome = cli([*args, "--out", str(tmp_path / "out")] if args[0] != "validate" else args)
    assert refused(outcome, *words), outcome
    assert snapshot(tmp_path) == before


def test_a_variant_may_set_again_what_set_gave_every_variant(tmp_path):
    from sim.experiment import comparison_variants

    variants = comparison_variants([str(TINY)], ["short:duration=1h"], ["duration=2h"])
    assert [(name, s.duration_s) for name, s in variants] == [("tiny", 7200.0),
                                                              ("short", 3600.0)]


# ------------------------------------------------ non-finite and absurd numbers, entry range

@pytest.mark.parametrize("path", [
    "segment.border.0.1", "segment.zones.0.polygon.1.0", "sensors.1.position_m.0",
    "sensors.0.line.1.1", "patrols.0.route.0.0", "crossings.destinations.1.1",
    "response.teams.0.base_m.1"])
@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_coordinates_are_refused(cli, path, value):
    outcome = cli(["validate", str(TINY), "--set", f"{path}={value}"])
    assert refused(outcome, str(TINY), path, "finite"), outcome


@pytest.mark.parametrize(("item", "field", "words"), [
    ("duration=.inf", "duration", "finite"),
    ("sensors.1.revisit_s=1e-300", "sensors.1.revisit_s", "at least"),
    ("sensors.1.report_interval_s=0", "sensors.1.report_interval_s", "greater than 0"),
    ("sensors.1.report_interval_s=-10", "sensors.1.report_interval_s", "greater than 0"),
    ("sensors.1.report_interval_s=1", "sensors.1.report_interval_s",
     "at least revisit_s (2 s), got 1"),
    ("sensors.2.report_interval_s=4.5", "sensors.2.report_interval_s",
     "at least revisit_s (5 s), got 4.5"),
    ("sensors.1.report_interval_s=.inf", "sensors.1.report_interval_s", "finite"),
    ("crossings.groups_per_day=1e308", "crossings.groups_per_day", "about"),
    ("crossings.groups_per_day=1e9", "crossings.groups_per_day", "5e+08 crossings"),
    ("command.fusion_interval_s=1e-9", "command.fusion_interval_s", "at least"),
    ("segment.border.1.0=1e300", "segment.border.1", "within"),
    ("crossings.entry={from_m: 3000, to_m: 1000}", "crossings.entry.to_m", "at least"),
    ("crossings.entry={from_m: 6000}", "crossings.entry.from_m", "length"),
    ("crossings.entry={to_m: 9000}", "crossings.entry.to_m", "length"),
])
def test_absurd_numbers_and_entry_ranges_are_refused(cli, item, field, words):
    outcome = cli(["validate", str(TINY), "--set", item])
    assert refused(outcome, field, words), outcome


def test_replications_count_in_the_expected_work(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = cli(["run", str(TINY), "-n", "100000000", "--out", "out"])
    assert refused(outcome, "crossings", "in all"), outcome
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("item", "line"), [
    ("sensors.1.kind=lidar", "sensors.1.kind: expected a sensor kind: fence, fibre, camera, "
     "radar, seismic, microwave, pir, acoustic or dragroad, got 'lidar'"),
    ("sensors.1={id: radar-09}", "sensors.1.kind: missing; expected a sensor kind: "),
    ("injects=[{type: operators, at: 1h, on_duty: 1}, {type: alarm, at: 2h}]",
     "injects.1.type: expected an inject type: sensor_fail, sensor_repair, group, decoy, "
     "team_unavailable, team_available, operators, link_down, link_up, weather or "
     "section_impact, got 'alarm'"),
    ("injects=[{type: operators, at: 30h, on_duty: 1}]", "injects.0.at: fires 108000 s "
     "after the start, not within the duration (43200 s)"),
    ("injects=[{type: operators, clock: '17:00', on_duty: 1}]", "injects.0.clock: fires "),
    ("sensors.3.kind=fibre", "sensors.3.line: Field required"),
    ("injects=[{type: weather, at: 1h, state: smog}]", "injects.0.state: Input should be "),
    ("comms.message_bytes.radar=-1", "comms.message_bytes.radar: Input should be greater"),
])
def test_a_list_item_s_problem_names_its_field(cli, item, line):
    """Not the item (sensors.1: Input tag 'lidar' found using 'kind'...) and not the
    union's tag (sensors.1.fibre.pd); README: one line naming injects.N.field."""
    outcome = cli(["validate", str(TINY), "--set", item])
    assert refused(outcome, f"error: {TINY}: {line}"), outcome


# --------------------------------------------------------------------------------- geometry

@pytest.mark.parametrize(("item", "field"), [
    ("segment.zones.0.polygon=[[0, 0], [2000, 1500], [2000, 0], [0, 1500]]",
     "segment.zones.0.polygon"),
    ("segment.zones.0.polygon=[[0, 0], [2000, 0], [1000, 0]]", "segment.zones.0.polygon"),
    ("segment.border=[[0, 0], [5000, 0], [5000, 100], [2500, -100]]", "segment.border"),
    ("segment.border=[[0, 0], [5000, 0], [2000, 0]]", "segment.border"),
    ("sensors.1.position_m=[3500, -3000]", "sensors.1.position_m"),
    ("sensors.0.line=[[2000, -500], [5000, -500]]", "sensors.0.line.0"),
    ("crossings.destinations.0=[1000, -1920]", "crossings.destinations.0"),
    ("response.teams.0.base_m=[2500, -1950]", "response.teams.0.base_m"),
])
def test_geometry_that_cannot_be_meant_is_refused(cli, item, field):
    outcome = cli(["validate", str(TINY), "--set", item])
    assert refused(outcome, field), outcome


def test_odd_but_possible_geometry_warns_in_one_line(cli):
    outcome = cli(["validate", str(TINY), "--set", "sensors.1.position_m=[3500, 90000]"])
    assert outcome.status == 0
    assert len(outcome.lines) == 1 and outcome.lines[0].startswith("warning: ")
    assert "sensors.1.position_m" in outcome.lines[0]


def test_shipped_scenarios_load_without_warnings(cli):
    outcome = cli(["validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))])
    assert outcome.status == 0 and outcome.lines == [], outcome


# ----------------------------------------------------------------------------- output paths

@pytest.fixture
def detections(tmp_path: Path) -> Path:
    path = tmp_path / "det.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    return path


@pytest.mark.parametrize("out", ["missing/tracks.csv", ".", ""])
def test_fuse_output_that_cannot_be_written(cli, snapshot, tmp_path, detections, out,
                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", out])
    assert refused(outcome, "--out"), outcome
    assert snapshot(tmp_path) == before


def test_fuse_never_writes_over_its_input(cli, snapshot, tmp_path, detections):
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", str(detections)])
    assert refused(outcome, "input"), outcome
    assert snapshot(tmp_path) == before


def test_fuse_stats_into_a_missing_folder_leaves_no_tracks(cli, snapshot, tmp_path,
                                                           detections):
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", str(tmp_path / "tracks.csv"),
                   "--stats", str(tmp_path / "missing" / "stats.json")])
    assert refused(outcome, "--stats", "does not exist"), outcome
    assert snapshot(tmp_path) == before


def test_fuse_stats_that_cannot_be_written_keep_the_users_tracks_file(
        cli, snapshot, tmp_path, detections, monkeypatch):
    """The tracks are fused, then --stats fails: the user's old -o file stays as it
    was and nothing else is left (it used to be deleted: "both outputs or neither")."""
    import errno

    import sim.outputs

    real = sim.outputs.write_text_atomic

    def full(path, text):
        if ".stats.json." in Path(path).name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, text)

    monkeypatch.setattr(sim.outputs, "write_text_atomic", full)
    tracks = tmp_path / "tracks.csv"
    tracks.write_text("keep\n", encoding="utf-8")
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", str(tracks),
                   "--stats", str(tmp_path / "stats.json")])
    assert refused(outcome, "stats.json: --stats: cannot write: No space left"), outcome
    assert snapshot(tmp_path) == before


def test_fuse_writes_both_outputs_over_old_ones(cli, tmp_path, detections):
    tracks, stats = tmp_path / "tracks.csv", tmp_path / "stats.json"
    tracks.write_text("old\n", encoding="utf-8")
    stats.write_text("old\n", encoding="utf-8")
    outcome = cli(["fuse", str(detections), "-o", str(tracks), "--stats", str(stats)])
    assert outcome.status == 0, outcome
    assert tracks.read_text(encoding="utf-8").startswith("time,track,x,y\n")
    assert json.loads(stats.read_text(encoding="utf-8"))["rows"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["det.csv", "stats.json",
                                                          "tracks.csv"]


@pytest.mark.parametrize("out", ["missing/schema.json", ".", ""])
def test_schema_output_that_cannot_be_written(cli, snapshot, tmp_path, out, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    outcome = cli(["schema", "-o", out])
    assert refused(outcome, "--out"), outcome
    assert snapshot(tmp_path) == before


def _no_simulation(monkeypatch):
    import sim.experiment

    def fail(*args, **kwargs):
        raise AssertionError("simulated before the output path was checked")

    monkeypatch.setattr(sim.experiment, "run_replications", fail)


def test_run_out_below_a_file_fails_before_simulating(cli, snapshot, tmp_path, monkeypatch):
    _no_simulation(monkeypatch)
    (tmp_path / "f.txt").write_text("notes", encoding="utf-8")
    before = snapshot(tmp_path)
    outcome = cli(["run", str(TINY), "--out", str(tmp_path / "f.txt" / "out")])
    assert refused(outcome, "--out", "not a folder"), outcome
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("existing", ["file", "folder"])
def test_run_out_never_replaces_a_users_file_or_folder(cli, snapshot, tmp_path, monkeypatch,
                                                       existing):
    _no_simulation(monkeypatch)
    target = tmp_path / "notes.txt"
    if existing == "file":
        target.write_text("my notes", encoding="utf-8")
    else:
        target.mkdir()
        (target / "thesis.tex").write_text("years of work", encoding="utf-8")
    before = snapshot(tmp_path)
    outcome = cli(["run", str(TINY), "--out", str(target)])
    assert refused(outcome, str(target), "--out"), outcome
    assert snapshot(tmp_path) == before


def _no_experiment(monkeypatch):
    import sim.experiment

    def fail(*args, **kwargs):
        raise AssertionError("ran variants before the output path was checked")

    monkeypatch.setattr(sim.experiment, "run_variants", fail)


EXPERIMENTS = {"compare": ["compare", str(TINY), "--variant", "v:command.operators=2"],
               "sweep": ["sweep", str(TINY), "--set", "command.operators=1,2"]}


@pytest.mark.parametrize("command", sorted(EXPERIMENTS))
def test_experiment_out_on_a_file_fails_before_running(cli, snapshot, tmp_path,
                                                       monkeypatch, command):
    _no_experiment(monkeypatch)
    target = tmp_path / "f.txt"
    target.write_text("hi", encoding="utf-8")
    before = snapshot(tmp_path)
    outcome = cli([*EXPERIMENTS[command], "-n", "2", "-q", "--out", str(target)])
    assert refused(outcome, str(target), "--out", "is a file"), outcome
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", sorted(EXPERIMENTS))
@pytest.mark.parametrize(("kpi", "words"), [
    ("p_intercept", ["no such KPI", "did you mean 'interdicted' or 'p_detect'?"]),
    ("nope", ["no such KPI", "expected one of the 68 KPIs"]),
    ("cost_per_day", ["a cost KPI", "'costs' section"]),
])
def test_unknown_kpi_is_refused_before_running(cli, snapshot, tmp_path, monkeypatch,
                                               command, kpi, words):
    _no_experiment(monkeypatch)
    before = snapshot(tmp_path)
    outcome = cli([*EXPERIMENTS[command], "-n", "2", "-q", "--kpi", "p_detect",
                   "--kpi", kpi, "--out", str(tmp_path / "out")])
    assert refused(outcome, "error: --kpi", repr(kpi), *words), outcome
    assert len(outcome.lines[0]) < 200
    assert snapshot(tmp_path) == before


PROC = Path("/proc")
needs_proc = pytest.mark.skipif(not (PROC / "self").is_dir(), reason="no /proc")


@needs_proc
@pytest.mark.parametrize(("args", "option"), [
    (["run", str(TINY), "--no-plots", "-q", "--out", "/proc/gbtest"], "--out"),
    (["run", str(TINY), "--no-plots", "-q", "--out", "/proc/gbtest/a/b"], "--out"),
    pytest.param(["run", str(TINY), "--no-plots", "-q", "--out", "/sys/gbtest"], "--out",
                 marks=pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no /sys")),
    (["schema", "-o", "/proc/schema.json"], "--out"),
    (["demo", "-q", "--out", "/proc/demo"], "--out"),
    ([*EXPERIMENTS["compare"], "-n", "2", "-q", "--out", "/proc/cmpx"], "--out"),
    ([*EXPERIMENTS["sweep"], "-n", "2", "-q", "--out", "/proc/swx"], "--out"),
])
def test_a_folder_that_refuses_what_its_permissions_allow(cli, args, option):
    """/proc passes ``os.access(W_OK)`` as root and refuses every new file: as a
    read-only mount does; refused in one line either way (up front, for a user)."""
    outcome = cli(args)
    path = args[-1]
    assert refused(outcome, path, option, "cannot write"), outcome


@needs_proc
def test_fuse_into_a_folder_that_refuses_files(cli, snapshot, tmp_path, detections):
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", "/proc/out.csv"])
    assert refused(outcome, "/proc/out.csv", "--out"), outcome
    assert snapshot(tmp_path) == before


def _disk_full_on(monkeypatch, name: str):
    """``write_text_atomic`` of files called ``name`` fails as on a full disk (the
    error names no file, as a failed ``write`` does)."""
    import errno

    import sim.results
    import sim.store

    real = sim.store.write_text_atomic

    def full(path, text):
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, text)

    monkeypatch.setattr(sim.results, "write_text_atomic", full)
    monkeypatch.setattr(sim.store, "write_text_atomic", full)


def test_a_full_disk_before_any_replication_leaves_no_run_folder(cli, snapshot, tmp_path,
                                                                monkeypatch):
    _disk_full_on(monkeypatch, "experiment.json")
    before = snapshot(tmp_path)
    out = tmp_path / "new" / "run"
    outcome = cli(["run", str(TINY), "--set", "duration=1h", "--no-plots", "-q",
                   "--out", str(out)])
    assert refused(outcome, f"error: {out}: --out: cannot write: No space left"), outcome
    assert snapshot(tmp_path) == before


def test_a_full_disk_after_replications_keeps_them_for_a_resume(cli, tmp_path,
                                                                monkeypatch):
    out = tmp_path / "run"
    args = ["run", str(TINY), "--set", "duration=1h", "--no-plots", "-q", "-n", "2",
            "--out", str(out)]
    _disk_full_on(monkeypatch, "summary.json")
    outcome = cli(args)
    assert refused(outcome, f"{out}: --out: cannot write", "the same command resumes")
    assert sorted(p.name for p in (out / "replications").iterdir()) == ["000000", "000001"]
    assert not (out / "summary.json").exists()
    monkeypatch.undo()
    assert cli(args).status == 0 and (out / "summary.json").is_file()


def test_a_full_disk_never_removes_the_users_run_folder(cli, tmp_path, monkeypatch):
    out = tmp_path / "run"
    args = ["run", str(TINY), "--set", "duration=1h", "--no-plots", "-q", "--out", str(out)]
    assert cli(args).status == 0
    (out / "summary.json").unlink()
    _disk_full_on(monkeypatch, "summary.json")
    outcome = cli(args)
    assert refused(outcome, str(out), "cannot write"), outcome
    assert (out / "detections.csv").is_file() and (out / "experiment.json").is_file()


def test_an_oserror_not_about_an_output_is_no_input_error(cli, tmp_path, monkeypatch):
    """A bug that raises OSError on some other file stays a traceback (exit 1), not a
    message blaming the user's --out."""
    import sim.results

    def broken(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/nowhere/internal.bin")

    monkeypatch.setattr(sim.results, "write_text_atomic", broken)
    with pytest.raises(FileNotFoundError):
        cli(["run", str(TINY), "--set", "duration=1h", "--no-plots", "-q",
             "--out", str(tmp_path / "run")])


@pytest.mark.parametrize("name", ["../escape", "a/b", "a\\0b", "..", ".hidden", " pad"])
def test_scenario_name_must_be_a_plain_folder_name(cli, snapshot, tiny_text, tmp_path,
                                                   monkeypatch, name):
    _no_simulation(monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    bad = variant(work, tiny_text, "name: tiny", f'name: "{name}"')
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    outcome = cli(["run", str(bad)])
    assert refused(outcome, "name"), outcome
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------- logs

@pytest.mark.parametrize(("rows", "where"), [
    (b"0,1,10,5,1,1,0\n1,1,\xff11,5,1,1,0\n", b"det.csv:3: byte 0xff"),
    (b"0,1,10,5,-1e308,1,0\n", b"det.csv:2"),
    (b"0,1,10,5,1e308,1e308,0\n", b"det.csv:2"),
    (b"0,1,10,5,1e308,1,1e308\n", b"det.csv:2"),
    (b"0,10000000000000000000,10,5,1,1,0\n", b"det.csv:2: column 'sensor'"),
    (b"0,9223372036854775808,10,5,1,1,0\n", b"det.csv:2: column 'sensor'"),
    (b"0,1,1e300,5,1,1,0\n", b"det.csv:2: column 'x'"),
    (b"0,1,10,5,1,1,0\n1,1,1\x0011,5,1,1,0\n", b"det.csv:3"),
])
def test_bad_detections_give_one_line_and_no_warning(cli, snapshot, tmp_path, rows, where):
    det = tmp_path / "det.csv"
    det.write_bytes(HEADER.encode() + rows)
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(det), "-o", str(tmp_path / "tracks.csv")])
    assert refused(outcome, where.decode()), outcome
    assert snapshot(tmp_path) == before


def test_a_byte_order_mark_is_no_column(cli, tmp_path):
    det = tmp_path / "det.csv"
    det.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD_ROWS).encode())
    outcome = cli(["fuse", str(det), "-o", str(tmp_path / "tracks.csv")])
    assert outcome.status == 0, outcome
    assert (tmp_path / "tracks.csv").read_text(encoding="utf-8").startswith("time,track")


# --------------------------------------------------------------------------- interruptions

def test_ctrl_c_during_a_run_leaves_nothing(cli, snapshot, tmp_path, monkeypatch):
    """Interrupted before any replication finished: no run folder is left behind (a
    replication that finished would stay in the store, whole, for a resume)."""
    import sim.experiment

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.experiment, "replicate", interrupt)   # streaming or not
    before = snapshot(tmp_path)
    outcome = cli(["run", str(TINY), "--out", str(tmp_path / "out"), "--no-plots", "-q",
                   "--set", "duration=1h"])
    assert outcome.status == 130 and outcome.lines == ["interrupted"]
    assert snapshot(tmp_path) == before


def test_ctrl_c_while_writing_tracks_leaves_nothing(cli, snapshot, tmp_path, detections,
                                                    monkeypatch):
    import command.fusion.csvio

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(command.fusion.csvio.os, "replace", interrupt)
    before = snapshot(tmp_path)
    outcome = cli(["fuse", str(detections), "-o", str(tmp_path / "tracks.csv")])
    monkeypatch.undo()
    assert outcome.status == 130 and outcome.lines == ["interrupted"]
    assert snapshot(tmp_path) == before
    assert os.path.exists(detections)


@pytest.mark.parametrize("args", [["-j", "100000"], ["-j", "٣"], ["--seed", "١٢"],
                                  ["--seed", "9" * 5000], ["-n", "-1"]])
def test_command_line_numbers_are_ascii_and_bounded(cli, snapshot, tmp_path, monkeypatch,
                                                    args):
    _no_simulation(monkeypatch)
    before = snapshot(tmp_path)
    outcome = cli(["run", str(TINY), "--out", str(tmp_path / "out"), *args])
    assert outcome.is_clean_refusal() and args[0] in outcome.lines[0], outcome
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", [".", ".."])
def test_run_never_replaces_the_folder_it_stands_in(cli, snapshot, tmp_path, monkeypatch,
                                                    out):
    _no_simulation(monkeypatch)
    here = tmp_path / "run"
    here.mkdir()
    (here / "summary.json").write_text("{}", encoding="utf-8")  # looks like a run
    monkeypatch.chdir(here)
    before = snapshot(tmp_path)
    outcome = cli(["run", str(TINY), "--out", out])
    assert refused(outcome, "current folder"), outcome
    assert snapshot(tmp_path) == before


def test_validate_several_files_one_bad_gives_only_its_line(cli, tiny_text, tmp_path):
    odd = variant(tmp_path, tiny_text, "position_m: [3500, 300]", "position_m: [3500, 90000]")
    bad = tmp_path / "worse.yaml"
    bad.write_text(tiny_text.replace("name: tiny", "name: ../x"), encoding="utf-8")
    outcome = cli(["validate", str(odd), str(bad)])
    assert refused(outcome, str(bad), "name"), outcome
    assert outcome.stdout == ""


def test_ctrl_c_while_drawing_the_map_leaves_whole_files_and_resumes(cli, tmp_path,
                                                                    monkeypatch):
    import run_sim
    import viz.map

    out = tmp_path / "out"

    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(viz.map, "draw_map", interrupted)
    monkeypatch.setattr(run_sim, "_map_painter", lambda: None)   # drawn here, not aside
    args = ["run", str(TINY), "--out", str(out), "-q", "--set", "duration=1h"]
    outcome = cli(args)
    assert outcome.status == 130 and outcome.lines == ["interrupted"]
    assert "kpis" in json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert not (out / "map.png").exists()
    monkeypatch.undo()
    assert cli(args).status == 0 and (out / "map.png").is_file()


def test_ctrl_c_inside_a_compiled_kernel_is_an_interrupt(cli, tmp_path, monkeypatch):
    import sim.experiment

    def kernel_interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as cause:  # what numba's dispatcher turns it into
            raise SystemError("returned a result with an exception set") from cause

    monkeypatch.setattr(sim.experiment, "replicate", kernel_interrupted)
    outcome = cli(["run", str(TINY), "--out", str(tmp_path / "out"), "-q"])
    assert outcome.status == 130 and outcome.lines == ["interrupted"]
    assert list(tmp_path.iterdir()) == []
