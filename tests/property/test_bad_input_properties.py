"""Issue 11, by generation: whatever a user feeds the command line, it loads or it
exits 2 with exactly one line on stderr and writes nothing — never a traceback, a
hang or a partial write.

Inputs are generated from the schema and mutated:

* scenario files: every field of the resolved tiny scenario (which lists every field
  of the schema, defaults filled in) can be set to a hostile value, deleted, doubled
  or joined by an unknown key; the file is also mutated as text and as bytes;
* ``--set`` overrides: the same fields and values as ``PATH=VALUE``, with mangled
  paths;
* detections CSV logs: the header's columns in any order with extra ones, rows of
  hostile cells, bytes that are not UTF-8;
* accepted scenarios are also run (one replication, an hour), so what ``validate``
  accepts does not crash ``run``.

Commands run in process (``cli`` in ``tests/conftest.py``, with an alarm against
hangs); examples are derandomised so CI sees the same cases every time, and the
counts keep the module to about 20 s on one core.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
RESOLVED: dict[str, Any] = load_scenario(TINY).model_dump(mode="json", by_alias=True)

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def field_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in ``data``, containers included."""
    paths = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            paths += field_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            paths += field_paths(value, (*prefix, i))
    return paths


PATHS = field_paths(RESOLVED)

HOSTILE_TEXT = ["", " ", "2026-13-45", "1e400", "-0", ".nan", "NaN", "inf", "７", "²",
                "\u202e", "../x", "a\0b", "36h", "0s", "-5min", "1" + "0" * 400, "x" * 300,
                "\n", "null", "~", "*a", "&a", "!!int ''", "24:61", "{", "]"]


def hostile_numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, -1, 1e-300, -1e-300, 1e300, -1e300, 1e308, 5e-324, 2**63,
                         -(2**63) - 1, 10**30, 0.01, 1e6, 1e9]),
        st.integers(min_value=-(10**29), max_value=10**29),
    )


def hostile_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(hostile_numbers(), st.sampled_from(HOSTILE_TEXT), st.text(max_size=12),
                        st.none(), st.booleans())
    return st.one_of(scalars, st.lists(scalars, max_size=4),
                     st.lists(st.lists(hostile_numbers(), min_size=2, max_size=2), max_size=5),
                     st.dictionaries(st.sampled_from(["kind", "id", "x", "from_m", "to_m"]),
                                     scalars, max_size=3))


def get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def mutate(data: Any, path: tuple, op: str, value: Any) -> Any:
    """A copy of ``data`` with one mutation at ``path``."""
    data = yaml.safe_load(yaml.safe_dump(data))
    parent, key = get(data, path[:-1]), path[-1]
    if op == "set":
        parent[key] = value
    elif op == "delete":
        del parent[key]
    elif op == "double" and isinstance(parent, list):
        parent.append(parent[key])
    elif op == "unknown" and isinstance(parent, dict):
        parent[f"{key}_typo"] = value
    else:
        parent[key] = value
    return data


def yaml_text(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...")


def assert_loaded_or_refused(outcome: Any, folder: Path, before: set[str]) -> None:
    event(f"exit {outcome.status}")
    assert outcome.is_success() or outcome.is_clean_refusal(), outcome
    if outcome.status != 0:
        assert {p.name for p in folder.iterdir()} == before, "wrote something on bad input"


def write_mutated(folder: Path, mutation: tuple) -> Path:
    """Write the resolved tiny scenario with one mutation as ``folder/scenario.yaml``."""
    path, op, value = mutation
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(mutate(RESOLVED, path, op, value), allow_unicode=True),
                        encoding="utf-8")
    return scenario


mutations = st.tuples(st.sampled_from(PATHS),
                      st.sampled_from(["set", "set", "set", "delete", "double", "unknown"]),
                      hostile_values())


@settings(max_examples=150, **SETTINGS)
@given(mutations)
def test_mutated_scenario_files(cli, mutation):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = write_mutated(folder, mutation)
        outcome = cli(["validate", str(scenario)], timeout_s=10)
        assert_loaded_or_refused(outcome, folder, {"scenario.yaml"})
        if outcome.status == 2:
            assert str(scenario) in outcome.lines[0]


@settings(max_examples=200, **SETTINGS)
@given(st.sampled_from(PATHS), hostile_values(),
       st.sampled_from(["", "", "", ".", "..", ".0", ".²", ".٣", ".-1", ".99", ". x", "\0"]))
def test_overrides(cli, path, value, mangle):
    item = ".".join(map(str, path)) + mangle + "=" + yaml_text(value)
    with tempfile.TemporaryDirectory() as tmp:
        outcome = cli(["validate", str(TINY), "--set", item], timeout_s=10)
        assert_loaded_or_refused(outcome, Path(tmp), set())


TEXT_ALPHABET = list("[]{}:&*!|>-,'\"#%@?\t\n 0123456789.eE+x") + ["\u00e9", "\u202e", "\x00",
                                                                  "\x85", "\ufeff", "\x7f"]


@settings(max_examples=200, **SETTINGS)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3),
                          st.text(alphabet=st.sampled_from(TEXT_ALPHABET), max_size=4)),
                min_size=1, max_size=4),
       st.binary(max_size=3))
def test_mutated_scenario_text(cli, edits, junk):
    text = TINY.read_text(encoding="utf-8")
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut:]
    raw = text.encode("utf-8", "surrogatepass")
    if junk:
        at = len(raw) // 2
        raw = raw[:at] + junk + raw[at:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "scenario.yaml"
        scenario.write_bytes(raw)
        outcome = cli(["validate", str(scenario)], timeout_s=10)
        assert_loaded_or_refused(outcome, folder, {"scenario.yaml"})


NUMERIC_PATHS = [p for p in PATHS if isinstance(get(RESOLVED, p), int | float)
                 and not isinstance(get(RESOLVED, p), bool) and p[0] != "duration"]


@settings(max_examples=40, **SETTINGS)
@given(st.sampled_from(NUMERIC_PATHS),
       st.one_of(st.integers(-300, 300).map(lambda k: 10.0**k),
                 st.integers(-300, 300).map(lambda k: -(10.0**k)),
                 st.sampled_from([0, 0.5, 1, 2, 59.9, 1e-6])))
def test_what_validate_accepts_runs(cli, path, factor):
    value = get(RESOLVED, path)
    new = value * factor if value else factor
    if isinstance(value, int) and math.isfinite(new) and abs(new) < 2**62:
        new = int(new)
    item = ".".join(map(str, path)) + "=" + yaml_text(new)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        outcome = cli(["run", str(TINY), "--out", str(folder / "out"), "--no-plots", "-q",
                       "--set", "duration=1h", "--set", item], timeout_s=60)
        assert_loaded_or_refused(outcome, folder, set())
        if outcome.status == 0:
            assert (folder / "out" / "summary.json").is_file()


# ------------------------------------------------------------------------- detections CSV

COLUMNS = ["time", "sensor", "x", "y", "var_x", "var_y", "cov_xy"]
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", " ", "1", "0", "-1", "abc", "1e999", "-1e308", "0x10", "1_0", "١",
                     "nan", "\"1\"", "1,", "1\r"]),
)
good_row = st.tuples(st.floats(0, 100), st.integers(0, 5), st.floats(-1e4, 1e4),
                     st.floats(-1e4, 1e4), st.floats(0.1, 100), st.floats(0.1, 100),
                     st.floats(-0.05, 0.05)).map(lambda r: [repr(v) for v in r])


@st.composite
def detection_files(draw: st.DrawFn) -> bytes:
    extra = draw(st.lists(st.sampled_from(["truth", "track", "note", "x ", "time"]),
                          max_size=2))
    header = draw(st.permutations(COLUMNS + extra))
    rows = draw(st.lists(good_row, max_size=12))
    rows.sort(key=lambda r: float(r[0]))
    for _ in range(draw(st.integers(0, 2))):  # hostile cells
        if rows:
            r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, 6))
            rows[r][c] = draw(cells)
    order = [COLUMNS.index(h) if h in COLUMNS else None for h in header]
    lines = [",".join(header)] + [",".join(row[i] if i is not None else "0" for i in order)
                                  for row in rows]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    junk = draw(st.binary(max_size=2))
    if junk and draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + junk + raw[at:]
    return raw


@settings(max_examples=150, **SETTINGS)
@given(detection_files())
def test_detection_logs(cli, raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        det, tracks = folder / "det.csv", folder / "tracks.csv"
        det.write_bytes(raw)
        outcome = cli(["fuse", str(det), "-o", str(tracks)], timeout_s=20)
        event(f"exit {outcome.status}")
        if outcome.status == 0:
            said = [line for line in outcome.lines if not line.startswith("note: ")]
            assert len(said) == 1 and "reports in" in said[0], outcome
            assert tracks.read_text(encoding="utf-8").startswith("time,track,x,y")
        else:
            assert outcome.is_clean_refusal() and str(det) in outcome.lines[0], outcome
            assert {p.name for p in folder.iterdir()} == {"det.csv"}


@settings(max_examples=60, **SETTINGS)
@given(mutations)
def test_accepted_mutations_run(cli, mutation):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = write_mutated(folder, mutation)
        outcome = cli(["run", str(scenario), "--out", str(folder / "out"), "--no-plots", "-q",
                       "--set", "duration=1h"], timeout_s=60)
        assert_loaded_or_refused(outcome, folder, {"scenario.yaml"})
