"""The result store: whole replications or none, and another experiment refused."""

from __future__ import annotations

import pytest

from sim.store import ResultStore, StoreMismatch, replication_key, staging_dir

IDENTITY = {"kind": "run", "seed": 1, "code": "c0de", "scenarios": {"tiny": "abc"}}


def test_put_has_read_and_reopen(tmp_path):
    store = ResultStore(tmp_path / "run", IDENTITY)
    key = replication_key(3)
    assert key == "000003" and not store.has(key)
    store.put(key, {"result.json": "{}\n", "events.jsonl": "a\nb\n"})
    again = ResultStore(tmp_path / "run", IDENTITY)
    assert again.has(key) and again.read(key, "events.jsonl") == "a\nb\n"


def test_leftovers_of_an_interrupted_write_are_removed(tmp_path):
    store = ResultStore(tmp_path / "run", IDENTITY)
    half = store.root / ".tmp-000004-dead"
    half.mkdir()
    (half / "result.json").write_text("{")
    (tmp_path / "run" / ".tmp-summary.json-1").write_text("x")
    ResultStore(tmp_path / "run", IDENTITY)
    assert not half.exists() and not store.has("000004")
    assert not list((tmp_path / "run").glob(".tmp-*"))


def test_a_staging_folder_streamed_into_is_adopted_whole_or_left_to_be_removed(tmp_path):
    store = ResultStore(tmp_path / "run", IDENTITY)
    folder = staging_dir(store.root)                 # as a replication streams into it
    (folder / "events.jsonl").write_text("a\nb\n")
    assert not store.has("000001")
    store.adopt("000001", folder, {"result.json": "{}\n"})
    assert not folder.exists()
    assert store.read("000001", "events.jsonl") == "a\nb\n"
    assert store.read("000001", "result.json") == "{}\n"
    dead = staging_dir(store.root)                   # a run killed while streaming
    (dead / "events.jsonl").write_text("a\n")
    ResultStore(tmp_path / "run", IDENTITY)
    assert not dead.exists() and sorted(p.name for p in store.root.iterdir()) == ["000001"]


@pytest.mark.parametrize(("change", "words"), [
    ({"seed": 2}, "seed 1, not seed 2"),
    ({"scenarios": {"tiny": "def"}}, "another version of scenario 'tiny'"),
    ({"kind": "compare"}, "'run' experiment"),
    ({"code": "c0ff"}, "another version of the simulator's code"),
])
def test_another_experiment_is_refused_in_one_line(tmp_path, change, words):
    ResultStore(tmp_path / "run", IDENTITY).put("000000", {"result.json": "{}"})
    with pytest.raises(StoreMismatch) as info:
        ResultStore(tmp_path / "run", {**IDENTITY, **change})
    message = str(info.value)
    assert words in message and "\n" not in message and str(tmp_path / "run") in message
    fresh = ResultStore(tmp_path / "run", {**IDENTITY, **change}, overwrite=True)
    assert not fresh.has("000000")


def test_overwrite_recomputes_even_the_same_experiment(tmp_path):
    ResultStore(tmp_path / "run", IDENTITY).put("000000", {"result.json": "{}"})
    assert ResultStore(tmp_path / "run", IDENTITY).has("000000")
    assert not ResultStore(tmp_path / "run", IDENTITY, overwrite=True).has("000000")


def test_the_code_digest_follows_the_source(tmp_path, monkeypatch):
    import sim.experiment as experiment

    first = experiment.code_digest()
    assert len(first) == 64 and experiment.code_digest() == first
    fake = tmp_path / "sim" / "experiment.py"   # a tree with one other source file
    fake.parent.mkdir()
    fake.write_text("x = 1\n")
    monkeypatch.setattr(experiment, "__file__", str(fake))
    assert experiment.code_digest() != first
