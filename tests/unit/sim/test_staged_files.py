"""`sim.outputs.staged_files`: outputs renamed into place, and the staging folder a
process killed outright leaves removed by the next call, never one a live process
holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.outputs import STAGING_PREFIX, staged_files

#: A process that stages a file in FOLDER, says where, and waits (killed by the test).
STAGER = textwrap.dedent("""
    import sys
    from sim.outputs import staged_files
    with staged_files(sys.argv[1]) as stage:
        (stage / "replay.html").write_text("half")
        print(stage, flush=True)
        sys.stdin.read()
""")


def stages(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{STAGING_PREFIX}*"))


def test_the_files_made_replace_their_namesakes_and_nothing_else_stays(tmp_path):
    (tmp_path / "replay.html").write_text("old")
    with staged_files(tmp_path) as stage:
        (stage / "replay.html").write_text("new")
        (stage / "map.png").write_bytes(b"png")
        assert stages(tmp_path) == [stage]
    assert (tmp_path / "replay.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "replay.html"]


def test_a_stale_staging_folder_is_removed_by_the_next_call(tmp_path):
    dead = tmp_path / f"{STAGING_PREFIX}dead1234"      # as a replay killed mid-way left it
    (dead / "deeper").mkdir(parents=True)
    (dead / "replay.gif").write_bytes(b"GIF89a")
    (dead / "deeper" / "x").write_text("x")
    (tmp_path / f"{STAGING_PREFIX}note").write_text("a file, not a staging folder")
    with staged_files(tmp_path) as stage:
        assert not dead.exists()
        (stage / "timeline.md").write_text("t")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{STAGING_PREFIX}note",
                                                           "timeline.md"]


def test_a_staging_folder_that_is_a_symbolic_link_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("mine")
    run = tmp_path / "run"
    run.mkdir()
    (run / f"{STAGING_PREFIX}link").symlink_to(elsewhere, target_is_directory=True)
    with staged_files(run):
        pass
    assert (elsewhere / "keep").read_text() == "mine"
    assert (run / f"{STAGING_PREFIX}link").is_symlink()


@pytest.mark.skipif(sys.platform != "linux", reason="fcntl.flock and SIGKILL: Linux")
def test_a_live_process_keeps_its_staging_folder_and_a_killed_one_loses_it(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", STAGER, str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        theirs = Path(child.stdout.readline().strip())
        assert theirs.parent == tmp_path and (theirs / "replay.html").is_file()
        with staged_files(tmp_path) as mine:         # a replay running at the same time
            (mine / "replay.html").write_text("whole")
            assert (theirs / "replay.html").read_text() == "half"
        assert (tmp_path / "replay.html").read_text() == "whole"
        assert stages(tmp_path) == [theirs]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert stages(tmp_path) == [theirs]               # killed: it could not clean up
    with staged_files(tmp_path):
        assert stages(tmp_path) != [] and theirs not in stages(tmp_path)
    assert stages(tmp_path) == []
    assert (tmp_path / "replay.html").read_text() == "whole"
