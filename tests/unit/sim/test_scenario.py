"""The scenario loader: defaults, durations, overrides and one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.ground.specs import parse_duration_s
from sim.scenario import (
    ScenarioError,
    apply_overrides,
    dump_scenario,
    json_schema,
    load_scenario,
    parse_scenario,
)

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "scenarios" / "tiny.yaml"


def tiny_data() -> dict:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_scenario_validates_and_opens_with_a_comment(path: Path) -> None:
    load_scenario(path)
    assert path.read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize(("text", "seconds"), [
    ("7d", 604_800.0), ("36h", 129_600.0), ("90min", 5_400.0), ("45s", 45.0),
    (3600, 3600.0), (0.5, 0.5), ("1.5h", 5_400.0)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("bad", ["7 days", "-3h", "0", "h", True])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration_s(bad)


def test_defaults_are_filled_and_round_trip() -> None:
    scenario = load_scenario(TINY)
    assert scenario.command.operators == 1
    assert scenario.sensors[1].revisit_s == 2.0  # radar default
    again = parse_scenario(yaml.safe_load(dump_scenario(scenario)))
    assert again == scenario


def test_override_changes_one_field() -> None:
    scenario = load_scenario(TINY, ["command.operators=3", "sensors.0.pd=0.5"])
    assert scenario.command.operators == 3
    assert scenario.sensors[0].pd == 0.5


def test_unquoted_clock_times_are_understood() -> None:
    # YAML 1.1 reads an unquoted 21:30 as the base-60 number 1290.
    data = tiny_data()
    data["segment"]["sunset"] = 1290
    assert parse_scenario(data).segment.sunset == "21:30"


@pytest.mark.parametrize(("override", "expected"), [
    ("command.operatorz=3", "tiny.yaml: command.operatorz: unknown field"),
    ("command.operators=many", "tiny.yaml: command.operators: Input should be a valid integer"),
    ("sensors.1.max_range_m=-5",
     "tiny.yaml: sensors.1.max_range_m: Input should be greater than 0, got -5"),
    ("segment.border=[]", "tiny.yaml: segment.border: List should have at least 2 items"),
    ("segment.border=[[0, 0], [0, 0]]", "tiny.yaml: segment.border: border must have at least"),
    ("sensors.0.kind=sonar", "tiny.yaml: sensors.0.kind: expected a sensor kind: fence, "
     "fibre, camera, radar, seismic, microwave, pir, acoustic or dragroad, got 'sonar'"),
    ("duration=soon", "tiny.yaml: duration: expected a duration like"),
    ("schema=2", "tiny.yaml: schema: Input should be 1"),
    ("crossings.group_size.max=0", "tiny.yaml: crossings.group_size.max: Input should be greater"),
    ("patrols.0.shifts.0.start=25:00", "tiny.yaml: patrols.0.shifts.0.start: expected a local"),
    ("command.fusion.gaet=3", "tiny.yaml: command.fusion: param 'gaet': unknown parameter"),
    ("command.fusion.gate=-1", "tiny.yaml: command.fusion: param 'gate': expected a positive"),
])
def test_bad_values_give_one_line_naming_file_and_field(override: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(TINY, [override])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(TINY)), message
    assert expected.split(": ", 1)[1] in message, message


def test_duplicate_ids_are_rejected() -> None:
    data = tiny_data()
    data["sensors"][1]["id"] = data["sensors"][0]["id"]
    with pytest.raises(ScenarioError, match="x.yaml: sensors.1.id: id 'fence-01' is used twice"):
        parse_scenario(data, "x.yaml")


def test_link_to_unknown_source_is_rejected() -> None:
    data = tiny_data()
    data["comms"] = {"links": [{"source": "radar-99"}]}
    with pytest.raises(ScenarioError,
                       match="x.yaml: comms.links.0.source: 'radar-99' is no sensor"):
        parse_scenario(data, "x.yaml")


def test_missing_file_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.yaml: line \d+"):
        load_scenario(broken)
    top = tmp_path / "list.yaml"
    top.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        load_scenario(top)


def test_override_syntax_errors() -> None:
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        apply_overrides({}, ["command.operators"])
    with pytest.raises(ScenarioError, match="no list item '7'"):
        apply_overrides({"sensors": [{}]}, ["sensors.7.pd=1"])


def test_json_schema_lists_sensor_kinds() -> None:
    schema = json_schema()
    assert {"RadarSpec", "FenceSpec", "CameraSpec", "SeismicSpec"} <= set(schema["$defs"])
    assert schema["additionalProperties"] is False


def test_keys_merged_in_may_be_given_again_but_written_ones_not() -> None:
    from sim.safe_yaml import YamlInputError, read_yaml

    text = ("base: &a {x: 1, y: 1}\n"
            "defs:\n  b: &b {<<: *a, x: 2}\n"      # b is flattened by c's merge first
            "c: {<<: *b, y: 3}\n")
    assert read_yaml(text) == yaml.safe_load(text)        # what PyYAML merges, as before
    with pytest.raises(YamlInputError, match=r"^line 3: duplicate key 'x' \(first at "
                       r"line 2\)$"):
        read_yaml("c:\n  x: 2\n  x: 3\n")
    with pytest.raises(YamlInputError, match="duplicate key 'yes'"):
        read_yaml("true: 1\nyes: 2\n")       # one key as YAML 1.1 reads them


def _numbers(data: object, path: tuple = ()):  # noqa: ANN202 - a generator of pairs
    """Every number of parsed YAML with its path; booleans are no numbers."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _numbers(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _numbers(value, (*path, i))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield path, data


def _replaced(data: object, path: tuple, value: object) -> object:
    import copy

    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


#: Fields that take text by design: durations (``7d``, ``90min``).
TEXT_DURATIONS = ("duration", "at")


def test_every_number_of_every_shipped_scenario_refuses_true_and_text() -> None:
    """pydantic's lax mode read ``true`` as 1.0 and ``"50"`` as 50: each number field of
    the resolved scenarios (every field path once, list positions aside) must refuse
    both and still take an integer."""
    from pydantic import ValidationError

    from sim.ground.specs import Scenario

    seen: set[tuple] = set()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        if path.stem == "scale_year":              # 500 sensors, nothing new
            continue
        resolved = yaml.safe_load(dump_scenario(load_scenario(path)))
        for where, value in _numbers(resolved):
            pattern = tuple("#" if isinstance(k, int) else k for k in where)
            if pattern in seen:
                continue
            seen.add(pattern)
            bad: list[object] = [True, False]
            if where[-1] not in TEXT_DURATIONS:
                bad.append(str(value))
            for item in bad:
                with pytest.raises(ValidationError):
                    Scenario.model_validate(_replaced(resolved, where, item))
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                Scenario.model_validate(_replaced(resolved, where, int(value)))
    assert len(seen) > 200                           # most of the schema's numbers


def test_every_number_and_switch_of_the_schema_is_strict() -> None:
    """The same rule for the fields no shipped scenario sets: in the validators pydantic
    built, every float, int and bool is strict (a number field takes an integer, a
    whole-number field 2.0, nothing else)."""
    from sim.ground.specs import Scenario

    Scenario.model_rebuild(force=True)
    lax: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("float", "int", "bool") and not node.get("strict"):
                lax.append(f"{where}: {node['type']}")
            for key, value in node.items():
                walk(value, f"{where}.{key}" if key in ("fields", "cls_name") or
                     isinstance(value, dict | list) else where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(Scenario.__pydantic_core_schema__, "Scenario")
    assert lax == []


@pytest.mark.parametrize(("override", "expected"), [
    ("sensors.0.pd=true", "sensors.0.pd: Input should be a valid number, got True"),
    ('sensors.3.radius_m="50"', "sensors.3.radius_m: Input should be a valid number, got '50'"),
    ("command.operators=true", "command.operators: Input should be a valid integer, got True"),
    ("sensors.2.thermal=1", "sensors.2.thermal: Input should be a valid boolean, got 1"),
    ("schema=true", "schema: expected the schema version 1, got True"),
    ("start=1700000000", "start: expected a local date and time"),
])
def test_a_value_of_the_wrong_type_is_refused(override: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(f"tiny.yaml: {expected}")):
        load_scenario(TINY, [override])


@pytest.mark.parametrize("override", ["sensors.0.pd=1", "command.operators=2.0",
                                      'start="2026-06-01T18:00:00"', "sensors.3.radius_m=50"])
def test_integers_for_numbers_and_whole_floats_for_integers_still_load(override: str) -> None:
    load_scenario(TINY, [override])


def test_exponents_without_a_dot_are_numbers_as_in_yaml_1_2() -> None:
    """PyYAML's YAML 1.1 read ``1e9`` as text, which lax mode turned into a number; with
    strict numbers it must be read as one (README: ``--set crossings.groups_per_day=1e9``)."""
    from sim.safe_yaml import read_yaml

    assert read_yaml("[1e9, -1E-6, 1.5e3, .5e1, 12, '1e9', e5]") == [
        1e9, -1e-6, 1500.0, 5.0, 12, "1e9", "e5"]
    assert load_scenario(TINY, ["sensors.1.pfa=1e-6"]).sensors[1].pfa == 1e-6
