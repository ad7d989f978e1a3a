"""Experiments: the same bytes on every executor, resume after kill -9, common random
numbers, and the compare and sweep commands end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.executors import DaskExecutor, PoolExecutor, SerialExecutor
from sim.experiment import run_experiment, run_replications, run_variants
from sim.ground.events import CrossingStarted
from sim.results import PER_REPLICATION, write_run_dir
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
SHORT = ["duration=4h"]   # tiny for four hours: a few crossings, every outcome


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # noqa: ANN003
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kwargs)


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def short():  # noqa: ANN201
    return load_scenario(TINY, SHORT)


def test_serial_pool_and_dask_give_the_same_files(tmp_path, short):
    outs = {}
    for name, executor in [("serial", SerialExecutor()), ("pool", PoolExecutor(2)),
                           ("dask", DaskExecutor("local", workers=2))]:
        outs[name] = tree(run_experiment(short, 5, 4, tmp_path / name, version="t",
                                         executor=executor))
    assert len([k for k in outs["serial"] if k.endswith("result.json")]) == 4
    assert outs["pool"] == outs["serial"]
    assert outs["dask"] == outs["serial"]


def test_summaries_are_the_same_on_every_executor(tmp_path, short):
    variants = [("a", short), ("b", load_scenario(TINY, [*SHORT, "command.operators=2"]))]
    executors = [SerialExecutor(), PoolExecutor(2), DaskExecutor("local", workers=2)]
    got = [run_variants(variants, 2, 3, tmp_path / str(i), executor=ex)
           for i, ex in enumerate(executors)]
    assert got[0] == got[1] == got[2]
    assert [k["crossings"] for k in got[0][0]] == [k["crossings"] for k in got[0][1]]


def test_the_store_gives_the_bytes_of_the_in_memory_writer(tmp_path, short):
    memory = write_run_dir(tmp_path / "memory", short, 3, run_replications(short, 3, 3), "t")
    stored = run_experiment(short, 3, 3, tmp_path / "stored", version="t")
    store_files = tree(stored)
    for name, data in tree(memory).items():
        assert store_files[name] == data, name


def test_one_replication_links_the_store_files_and_extending_leaves_them_intact(
        tmp_path, short, monkeypatch):  # noqa: ANN001
    out = run_experiment(short, 3, 1, tmp_path / "run", version="t")
    stored = out / "replications" / "000000"
    for name in PER_REPLICATION:
        assert (out / name).stat().st_ino == (stored / name).stat().st_ino, name
    files = {name: (stored / name).read_bytes() for name in PER_REPLICATION}
    run_experiment(short, 3, 2, out, version="t")       # now copies of two replications
    for name in PER_REPLICATION:
        assert (stored / name).read_bytes() == files[name], name
        assert (out / name).stat().st_ino != (stored / name).stat().st_ino, name
    assert tree(out) == tree(run_experiment(short, 3, 2, tmp_path / "whole", version="t"))
    one = files["events.jsonl"]

    linked = run_experiment(short, 3, 1, tmp_path / "linked", version="t")

    def no_links(src, dst):  # noqa: ANN001, ANN202
        raise OSError("links not supported")
    monkeypatch.setattr("sim.results.os.link", no_links)
    copied = run_experiment(short, 3, 1, tmp_path / "copied", version="t")
    assert (copied / "events.jsonl").read_bytes() == one
    assert (copied / "events.jsonl").stat().st_nlink == 1
    assert tree(copied) == tree(linked)


def test_on_result_sees_each_simulated_replication_and_changes_no_file(tmp_path, short):
    seen = []
    hooked = run_experiment(short, 3, 2, tmp_path / "hooked", version="t",
                            on_result=lambda r, res: seen.append((r, res.replication)))
    assert seen == [(0, 0), (1, 1)]
    assert tree(hooked) == tree(run_experiment(short, 3, 2, tmp_path / "plain", version="t"))
    seen.clear()
    run_experiment(short, 3, 3, hooked, version="t",
                   on_result=lambda r, res: seen.append((r, res.replication)))
    assert seen == [(2, 2)]                     # the stored ones are not run again
    with pytest.raises(ValueError, match="serial"):
        run_experiment(short, 3, 1, tmp_path / "pool", version="t",
                       executor=PoolExecutor(2), on_result=lambda r, res: None)


def test_extending_a_run_reuses_the_stored_replications(tmp_path, short):
    out = tmp_path / "run"
    run_experiment(short, 3, 2, out, version="t")
    first = (out / "replications" / "000000").stat().st_ino
    run_experiment(short, 3, 3, out, version="t")
    assert (out / "replications" / "000000").stat().st_ino == first
    assert json.loads((out / "summary.json").read_text())["replications"] == 3
    whole = run_experiment(short, 3, 3, tmp_path / "whole", version="t")
    assert tree(out) == tree(whole)


def test_killed_with_sigkill_part_way_then_resumed_gives_the_same_files(tmp_path):
    args = ["run", str(TINY), "--set", "duration=6h", "-n", "8", "-j", "2", "--no-plots", "-q"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), *args, "--out",
                             str(killed)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = killed / "replications"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if store.is_dir() and len([p for p in store.iterdir()
                                   if not p.name.startswith(".")]) >= 2:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)   # the main process and its workers: power loss
    proc.wait()
    done = sorted(p.name for p in store.iterdir() if not p.name.startswith("."))
    assert 2 <= len(done) < 8, done
    assert not (killed / "summary.json").exists()
    kept = {name: (store / name).stat().st_ino for name in done}

    assert run_cli(*args, "--out", str(killed)).returncode == 0
    assert {name: (store / name).stat().st_ino for name in done} == kept  # not rerun
    whole = tmp_path / "whole"
    assert run_cli(*args, "--out", str(whole)).returncode == 0
    assert tree(killed) == tree(whole)


def test_another_seed_into_the_same_directory_is_refused(tmp_path):
    out = tmp_path / "run"
    base = ["run", str(TINY), "--set", "duration=2h", "--no-plots", "-q", "--out", str(out)]
    assert run_cli(*base).returncode == 0
    before = tree(out)
    result = run_cli(*base, "--seed", "2")   # another scenario: tests/unit/sim/test_store.py
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "seed 1, not seed 2" in lines[0] and str(out) in lines[0]
    assert tree(out) == before


def test_variants_differing_in_command_settings_face_the_same_crossings():
    base = load_scenario(TINY)
    other = load_scenario(TINY, ["command.operators=3", "command.verification_time_s=20",
                                 "response.teams.0.readiness_s=30"])
    for replication in range(2):
        a, b = (run_replication(s, 4, replication) for s in (base, other))
        starts = [[(r.t_s, r.group, r.entry_x, r.entry_y, r.dest_x, r.dest_y)
                   for r in res.records if isinstance(r, CrossingStarted)] for res in (a, b)]
        assert starts[0] and starts[0] == starts[1]


def test_compare_command_end_to_end(tmp_path):
    out = tmp_path / "cmp"
    result = run_cli("compare", str(TINY), "--set", "duration=4h", "--variant",
                     "same:command.operators=1", "--variant", "ops3:command.operators=3",
                     "-n", "3", "--dask", "local", "-j", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Δ same − tiny" in result.stdout and "p_detect" in result.stdout
    assert (out / "comparison.png").stat().st_size > 0
    import csv

    with open(out / "comparison.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    same = [r for r in rows if r["variant"] == "same"]
    assert same and all(r["diff"] in ("", "0.0") for r in same)
    assert all(r["diff"] == "0.0" for r in same if r["kpi"] == "crossings")
    assert {r["variant"] for r in rows} == {"tiny", "same", "ops3"}


@pytest.mark.parametrize("costs", [False, True])
def test_scenario_kpis_are_those_a_replication_reports(costs):
    from sim.costs import COST_KPIS
    from sim.experiment import replicate, scenario_kpis

    overrides = [*SHORT, *(["costs={currency: EUR, staff_hour_eur: 40}"] if costs else [])]
    scenario = load_scenario(TINY, overrides)
    names = scenario_kpis(scenario)
    assert names == list(replicate(scenario, 5, 0).kpis)
    assert (names[-3:] == list(COST_KPIS)) == costs


def test_fusing_the_detections_of_several_replications_reproduces_tracks_csv(
        tmp_path, short, cli):
    """`fuse` on a run's detections.csv of several replications fuses each one on its
    own, as the run did: the tracks, with their replication, of its tracks.csv."""
    import csv

    out = run_experiment(short, 3, 3, tmp_path / "run", version="test")
    replay = tmp_path / "replayed.csv"
    outcome = cli(["fuse", str(out / "detections.csv"), "-o", str(replay),
                   "--params-from", str(out / "summary.json")])
    assert outcome.status == 0, outcome
    with open(out / "tracks.csv", newline="") as f:
        ours = [[*row[:4], row[6]] for row in csv.reader(f)]
    with open(replay, newline="") as f:
        theirs = list(csv.reader(f))
    assert theirs[0] == ["time", "track", "x", "y", "replication"]
    assert len({row[4] for row in ours[1:]}) == 3
    assert ours == theirs


def test_compare_rejects_a_bad_variant_in_one_line():
    result = run_cli("compare", str(TINY), "--variant", "nonsense")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--variant" in result.stderr


def test_sweep_command_end_to_end(tmp_path):
    out = tmp_path / "sweep"
    result = run_cli("sweep", str(TINY), "--set", "duration=2h,4h", "--set",
                     "command.operators=1,2", "-n", "2", "-j", "2", "--kpi", "p_detect",
                     "--kpi", "crossings", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = (out / "sweep.csv").read_text().splitlines()
    assert lines[0].startswith("point,set:duration,set:command.operators,kpi")
    assert len({line.split(",")[0] for line in lines[1:]}) == 4
    assert (out / "sweep_p_detect.png").stat().st_size > 0
    assert "operators" in result.stdout
