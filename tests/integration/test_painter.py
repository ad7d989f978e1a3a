"""The map painter (`viz.painter`): the same map.png as drawing in process; never a
half file, never an error of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from viz.map import draw_map
from viz.painter import MapPainter

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, cli) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("painter") / "tiny"
    outcome = cli(["run", str(TINY), "--out", str(out), "-q", "--no-plots",
                        "--set", "duration=2h"])
    assert outcome.status == 0, outcome.lines
    assert not (out / "map.png").exists()
    return out


def test_the_painter_draws_the_map_that_draw_map_draws(run_dir: Path, tmp_path: Path) -> None:
    with MapPainter() as painter:
        assert painter.draw(run_dir)
    reference = draw_map(run_dir, tmp_path / "here.png")
    assert (run_dir / "map.png").read_bytes() == reference.read_bytes()
    assert [p.name for p in run_dir.iterdir() if p.name.startswith(".tmp")] == []
    os.unlink(run_dir / "map.png")


MAP_INPUTS = ("scenario.yaml", "coverage.json", "trajectories.csv", "crossings.csv",
              "alerts.csv")


def test_a_map_started_from_its_inputs_is_the_run_directory_map(run_dir: Path,
                                                                tmp_path: Path) -> None:
    inputs = {name: (run_dir / name).read_text(encoding="utf-8") for name in MAP_INPUTS}
    painter = MapPainter()
    assert painter.start(inputs)
    folder = painter._early
    assert folder is not None and folder.is_dir()
    target = tmp_path / "run"
    target.mkdir()
    assert painter.draw(target)
    reference = draw_map(run_dir, tmp_path / "here.png")
    assert (target / "map.png").read_bytes() == reference.read_bytes()
    assert [p.name for p in target.iterdir()] == ["map.png"]     # no temporary file
    assert not folder.exists()


def test_a_started_map_closed_without_drawing_leaves_nothing(run_dir: Path) -> None:
    painter = MapPainter()
    assert painter.start({"scenario.yaml": (run_dir / "scenario.yaml").read_text()})
    folder = painter._early
    painter.close()
    assert folder is not None and not folder.exists()
    assert not painter.draw(run_dir)          # closed: the caller draws itself
    assert not (run_dir / "map.png").exists()


def test_no_temporary_folder_is_no_error(run_dir: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no temporary folder can be made, `start` declines and `draw` still draws
    from the run directory."""
    import tempfile

    inputs = {name: (run_dir / name).read_text(encoding="utf-8") for name in MAP_INPUTS}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    with MapPainter() as painter:
        assert not painter.start(inputs)
        assert painter.draw(run_dir)
    assert (run_dir / "map.png").is_file()
    os.unlink(run_dir / "map.png")


def test_the_map_inputs_of_a_result_are_its_run_directory_files(tmp_path: Path) -> None:
    from sim.engine import run_replication
    from sim.results import map_inputs, write_run_dir
    from sim.scenario import load_scenario

    scenario = load_scenario(TINY, ["duration=2h"])
    res = run_replication(scenario, 5)
    out = write_run_dir(tmp_path / "run", scenario, 5, [res], "test")
    inputs = map_inputs(scenario, res)
    assert sorted(inputs) == sorted(MAP_INPUTS)
    for name, text in inputs.items():
        assert (out / name).read_text(encoding="utf-8") == text, name


def test_closed_without_drawing_it_leaves_nothing(run_dir: Path) -> None:
    painter = MapPainter()
    process = painter._process
    painter.close()
    assert process is not None and process.poll() is not None
    assert not (run_dir / "map.png").exists()
    assert not painter.draw(run_dir)          # closed: the caller draws itself


def test_a_map_it_cannot_draw_is_false_not_an_error(tmp_path: Path) -> None:
    with MapPainter() as painter:
        assert not painter.draw(tmp_path / "no-such-run")
    assert list(tmp_path.iterdir()) == []


def test_the_map_shows_uavs(tmp_path: Path) -> None:
    """A UAV's base and orbit are drawn: the map differs from the same map without it."""
    import yaml

    scenario = {"name": "u", "segment": {"border": [[0, 0], [5000, 0]], "depth_m": 2000},
                "uavs": [{"id": "uav-01", "base_m": [1000, 1500], "mode": "orbit",
                          "orbit_centre_m": [3000, 800], "orbit_radius_m": 400}]}
    maps = []
    for uavs in (scenario["uavs"], []):
        folder = tmp_path / f"run{len(maps)}"
        folder.mkdir()
        (folder / "scenario.yaml").write_text(yaml.safe_dump({**scenario, "uavs": uavs}))
        maps.append(draw_map(folder).read_bytes())
    assert maps[0] != maps[1]


def test_the_wait_ends_with_the_painter_and_kills_a_painter_that_overstays() -> None:
    """`_wait` returns the exit status when the process ends (its output closes) and
    kills a process still running at the timeout (None)."""
    import subprocess
    import sys

    from viz.painter import _wait

    quick = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"],
                             stdout=subprocess.PIPE)
    assert _wait(quick, 30.0) == 3
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            stdout=subprocess.PIPE)
    assert _wait(slow, 0.2) is None
    assert slow.returncode is not None               # killed, not left running


def _inputs(run_dir: Path) -> dict[str, str]:
    return {name: (run_dir / name).read_text(encoding="utf-8") for name in MAP_INPUTS}


def test_a_map_over_prepared_layers_is_the_map_drawn_whole(run_dir: Path,
                                                           tmp_path: Path) -> None:
    """`prepare` (the layers first), `start`, `draw`: the map `draw_map` draws."""
    from sim.results import map_layers
    from sim.scenario import load_scenario

    inputs = _inputs(run_dir)
    layers = {name: inputs[name] for name in ("scenario.yaml", "coverage.json")}
    painter = MapPainter()
    assert painter.prepare(layers)
    assert painter.start(inputs)
    target = tmp_path / "run"
    target.mkdir()
    assert painter.draw(target)
    reference = draw_map(run_dir, tmp_path / "here.png")
    assert (target / "map.png").read_bytes() == reference.read_bytes()
    # the CLI's layers are the run directory's bytes
    scenario = load_scenario(TINY, ["duration=2h"])
    assert map_layers(scenario) == layers


def test_layers_prepared_for_another_scenario_are_not_used(run_dir: Path,
                                                           tmp_path: Path) -> None:
    """The painter draws over its prepared layers only if they were made from this
    map's own files: prepared from another scenario, the map is drawn whole."""
    import yaml

    other = tmp_path / "other"
    other.mkdir()
    scenario = yaml.safe_load((run_dir / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["segment"]["zones"] = []
    layers = {"scenario.yaml": yaml.safe_dump(scenario)}
    with MapPainter() as painter:
        assert painter.prepare(layers)
        target = tmp_path / "run"
        target.mkdir()
        assert painter.start(_inputs(run_dir))
        assert painter.draw(target)
    reference = draw_map(run_dir, tmp_path / "here.png")
    assert (target / "map.png").read_bytes() == reference.read_bytes()


def test_the_painter_runs_nicer_than_the_run() -> None:
    """The map is needed last: the painter lowers its priority (nice `PAINTER_NICE`
    above the caller's) so that the run's lookahead child goes first."""
    import time

    from viz.painter import PAINTER_NICE

    want = min(os.getpriority(os.PRIO_PROCESS, 0) + PAINTER_NICE, 19)
    with MapPainter() as painter:
        process = painter._process
        assert process is not None
        deadline = time.monotonic() + 30
        while os.getpriority(os.PRIO_PROCESS, process.pid) != want:
            assert time.monotonic() < deadline, "the painter kept its priority"
            time.sleep(0.01)
