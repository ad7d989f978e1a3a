"""The map (`viz.map`): drawn in two steps, as one full draw would stack its layers;
cropped to what is drawn; drawn the slow way when the legend does not fit the room."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from viz import map as vmap
from viz.map import MapCanvas, draw_map

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, cli) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("map") / "tiny"
    outcome = cli(["run", str(TINY), "--out", str(out), "-q", "--no-plots",
                   "--set", "duration=4h"])
    assert outcome.status == 0, outcome.lines
    return out


def _pixels(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))


def test_the_two_steps_stack_the_layers_as_one_full_draw(run_dir: Path,
                                                         tmp_path: Path) -> None:
    """The canvas blitted (the scenario's layers, then the run's over them) against
    the same figure drawn whole by matplotlib, on the same pixels: the same picture
    (a few antialiased pixels where a path meets the axes' frame, drawn below it in
    one draw and over it here)."""
    canvas = MapCanvas.from_folder(run_dir)
    canvas.finish(run_dir, tmp_path / "map.png")
    blitted = np.asarray(canvas.canvas.buffer_rgba()).astype(int)
    canvas.canvas.draw()
    whole = np.asarray(canvas.canvas.buffer_rgba()).astype(int)
    diff = np.abs(blitted - whole).max(axis=2)
    assert diff.max() <= 32
    assert np.mean(diff > 0) < 1e-3


def test_a_legend_beyond_the_room_is_drawn_by_savefig(run_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With no room beside the figure the legend leaves the canvas: the crop says so
    and the map is drawn by `savefig`, legend included (as wide as the map drawn with
    room, within the crop's rounding)."""
    with_room = _pixels(draw_map(run_dir, tmp_path / "room.png"))
    monkeypatch.setattr(vmap, "ROOM_RIGHT_IN", 0.0)
    canvas = MapCanvas.from_folder(run_dir)
    crops: list[object] = []
    crop = canvas._crop
    canvas._crop = lambda drawn: crops.append(crop(drawn)) or crops[-1]  # type: ignore
    out = canvas.finish(run_dir, tmp_path / "map.png")
    assert crops == [None]
    assert abs(_pixels(out).shape[1] - with_room.shape[1]) <= 3


def test_the_legend_names_team_bases_and_team_paths(run_dir: Path, tmp_path: Path) -> None:
    canvas = MapCanvas.from_folder(run_dir)
    canvas.finish(run_dir, tmp_path / "map.png")
    labels = [t.get_text() for t in canvas.ax.get_legend().get_texts()]
    assert "team path" in labels and "team base" in labels
    assert labels[-1] == "team base"             # the scenario's markers after the run's
    assert labels[0] == "border"


def test_a_canvas_is_finished_once(run_dir: Path, tmp_path: Path) -> None:
    canvas = MapCanvas.from_folder(run_dir)
    canvas.finish(run_dir, tmp_path / "a.png")
    with pytest.raises(RuntimeError):
        canvas.finish(run_dir, tmp_path / "b.png")


def test_the_map_is_a_png_of_the_dpi_asked(run_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    out = draw_map(run_dir, tmp_path / "map.png")
    with Image.open(io.BytesIO(out.read_bytes())) as image:
        assert image.format == "PNG"
        assert round(image.info["dpi"][0]) == vmap.DPI
