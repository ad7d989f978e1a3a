"""The tick kernel's numba cache is forgotten when kernels.py changes (see
`command.fusion.batches.refresh_cache`)."""

from __future__ import annotations

from pathlib import Path

import pytest

batches = pytest.importorskip("command.fusion.batches")


def test_a_changed_kernels_source_flushes_the_linked_functions(tmp_path: Path,
                                                               monkeypatch) -> None:  # noqa: ANN001
    flushed: list[str] = []
    for fn in (batches.fuse_tick, batches.fuse_batches):
        cache = getattr(fn, "_cache")  # noqa: B009
        monkeypatch.setattr(cache, "flush", lambda name=fn.__name__: flushed.append(name))
    monkeypatch.setattr(getattr(batches.fuse_tick, "_cache"), "_cache_path", str(tmp_path))  # noqa: B009
    assert batches.refresh_cache() is True                  # no stamp yet
    assert sorted(flushed) == ["fuse_batches", "fuse_tick"]
    assert batches.refresh_cache() is False                 # same kernels.py
    assert len(flushed) == 2
    (tmp_path / batches.KERNELS_STAMP).write_text("0" * 40 + "\n")   # kernels.py "edited"
    assert batches.refresh_cache() is True
    assert len(flushed) == 4
