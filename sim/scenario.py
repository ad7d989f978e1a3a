"""Load scenario files: YAML → validated, typed `Scenario`, with ``--set`` overrides.

One loader fills defaults and validates; components never read YAML or invent
defaults of their own. Every problem becomes a `ScenarioError` whose message is one
line naming the file, the field path and what was expected::

    mixed.yaml: sensors.3.max_range_m: Input should be greater than 0, got -5
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.checks import CheckError, check_scenario
from sim.ground.specs import InjectSpecs, Scenario, SensorSpecs
from sim.safe_yaml import MAX_BYTES, YamlInputError, read_yaml

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "check_distinct_paths",
           "dump_scenario", "json_schema", "load_scenario", "parse_scenario"]


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``str(error)`` is the one-line message."""


def _union_tags(union: Any) -> tuple[str, tuple[str, ...]]:
    """The discriminator of an ``Annotated[A | B, Field(discriminator=...)]`` list item
    and its values, in the union's order."""
    members, info = typing.get_args(union)
    name = info.discriminator
    return name, tuple(m.model_fields[name].default for m in typing.get_args(members))


#: The lists whose items are a discriminated union: list → (field, the values it takes,
#: what a value is called).
_TAGGED = {"sensors": (*_union_tags(SensorSpecs), "sensor kind"),
           "injects": (*_union_tags(InjectSpecs), "inject type")}


def _format_loc(loc: Iterable[Any]) -> str:
    # A discriminated union puts the item's tag into the path (sensors.1.fibre.pd);
    # users think in positions and field names, so drop it. Only there: a tag may also
    # be a field's name (command.operators, comms.message_bytes.radar).
    parts = list(loc)
    kept = [p for i, p in enumerate(parts)
            if not (i >= 2 and parts[i - 2] in _TAGGED and isinstance(parts[i - 1], int)
                    and p in _TAGGED[str(parts[i - 2])][1])]
    return ".".join(map(str, kept)).replace("schema_", "schema")


def _tag_problem(first: Any) -> tuple[str, str] | None:
    """(path, message) for a list item whose tag (``kind``, ``type``) is missing or
    unknown: the tag's field, and the values expected in plain words."""
    loc = first["loc"]
    if (first["type"] not in ("union_tag_invalid", "union_tag_not_found") or len(loc) < 2
            or loc[-2] not in _TAGGED):
        return None
    field, values, noun = _TAGGED[str(loc[-2])]
    expected = f"expected {'an' if noun[0] in 'aeiou' else 'a'} {noun}: " + ", ".join(
        values[:-1]) + f" or {values[-1]}"
    where = f"{_format_loc(loc)}.{field}"
    item = first.get("input")
    if first["type"] == "union_tag_not_found" or not isinstance(item, Mapping):
        return where, f"missing; {expected}"
    return where, f"{expected}, got {_short(item.get(field))}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(source: str, error: ValidationError) -> str:
    """The first problem of a pydantic error as ``source: path: reason, got value``."""
    first = error.errors(include_url=False)[0]
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field (check the spelling; `run_sim.py schema` lists the fields)"
    where = _format_loc(first["loc"])
    tagged = _tag_problem(first)
    if tagged is not None:
        where, message = tagged
    text = f"{source}: {where}: {message}" if where else f"{source}: {message}"
    if (first["type"] not in ("missing", "model_type", "extra_forbidden")
            and "input" in first and ", got " not in message):
        value = first["input"]
        if not isinstance(value, dict | list):
            text += f", got {_short(value)}"
    more = error.error_count() - 1
    if more:
        text += f" (and {more} more problem{'s' if more > 1 else ''})"
    return text


def apply_overrides(data: dict[str, Any], overrides: Iterable[str],
                    source: str = "--set") -> dict[str, Any]:
    """Return a copy of ``data`` with ``path.to.field=value`` overrides applied.

    Values are parsed as YAML (``3``, ``0.5``, ``true``, ``[1, 2]``); list items are
    addressed by position (``sensors.0.pd=0.8``).

    >>> apply_overrides({"command": {"operators": 2}}, ["command.operators=3"])
    {'command': {'operators': 3}}
    """
    result = json.loads(json.dumps(data, default=str))
    for item in overrides:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(f"{source}: {item!r}: expected PATH=VALUE, "
                                "e.g. command.operators=3")
        try:
            value = read_yaml(raw)
        except YamlInputError as error:
            raise ScenarioError(f"{source}: {path.strip()}: cannot read value {_short(raw)}: "
                                f"{error}") from None
        keys = path.strip().split(".")
        node: Any = result
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            where = ".".join(keys[: depth + 1])
            if isinstance(node, list):
                if not _is_index(key) or int(key) >= len(node):
                    raise ScenarioError(f"{source}: {where}: no list item {key!r} "
                                        f"(the list has {len(node)})")
                if last:
                    node[int(key)] = value
                else:
                    node = node[int(key)]
            elif isinstance(node, dict):
                if last:
                    node[key] = value
                else:
                    node = node.setdefault(key, {})
            else:
                raise ScenarioError(f"{source}: {where}: cannot set a field inside a value")
    return result


def check_distinct_paths(items: Iterable[str], source: str = "--set") -> None:
    """Refuse a field given twice among ``PATH=VALUE`` items of one list (``--set``
    on the command line, one ``--variant``, a sweep's axes): which value was meant is
    not clear, so it is an error rather than the last one silently winning. (A
    variant's items may repeat a ``--set`` path: `apply_overrides` applies them after,
    and they win, as documented for ``compare``.)

    Raises
    ------
    ScenarioError
        ``--set duration: given twice ('duration=1d', 'duration=2d'); give it once``
    """
    first: dict[str, str] = {}
    for item in items:
        path = item.partition("=")[0].strip()
        if path in first:
            raise ScenarioError(f"{source} {path}: given twice ({first[path]!r}, {item!r}); "
                                "give it once")
        first[path] = item


def _is_index(key: str) -> bool:
    """A list position in an override path: ASCII digits only (``int('²')`` fails)."""
    return key.isascii() and key.isdigit()


def parse_scenario(data: Any, source: str = "<scenario>",
                   overrides: Iterable[str] = (),
                   on_warning: Callable[[str], None] | None = None,
                   base_dir: Path | None = None) -> Scenario:
    """Validate already-parsed YAML data into a `Scenario`.

    Parameters
    ----------
    data : the parsed file
    source : the file name for messages
    overrides : ``PATH=VALUE`` items (`apply_overrides`)
    on_warning : called with each one-line warning (``source: path: text``) about what
        is odd but possible, once the scenario has passed every check
    base_dir : the folder ``segment.geojson`` is relative to (default: the current one)

    Raises
    ------
    ScenarioError
        One line: ``source: path: what was expected``.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: expected a mapping of fields at the top level, "
                            f"got {type(data).__name__}")
    data = apply_overrides(dict(data), overrides)
    segment = data.get("segment")
    if isinstance(segment, Mapping) and segment.get("geojson"):
        from sim.geojson import GeoJSONError, merge_geojson  # pyproj only when needed

        try:
            data = merge_geojson(data, base_dir if base_dir is not None else Path.cwd(),
                                 source)
        except GeoJSONError as error:
            raise ScenarioError(str(error)) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(source, error)) from None
    _check_fusion_params(scenario, source)
    try:
        warnings = check_scenario(scenario)
    except CheckError as error:
        raise ScenarioError(f"{source}: {error.path}: {error}") from None
    if on_warning is not None:
        for text in warnings:
            on_warning(f"{source}: {text}")
    return scenario


def _check_fusion_params(scenario: Scenario, source: str) -> None:
    """``command.fusion`` names must be `FusionParams` fields with valid values.

    Checked here, not in the spec: the ground layer (`sim.ground.specs`) imports
    nothing above it, and the fusion core's parameters live in `command.fusion`.
    Imported only when the scenario sets any (importing the core costs ~0.1 s).
    """
    values = scenario.command.fusion
    if not values:
        return
    from command.fusion.params import FusionParams  # pure numpy leaf of the core

    try:
        FusionParams().with_overrides({k: repr(v) for k, v in values.items()})
    except ValueError as error:
        raise ScenarioError(f"{source}: command.fusion: {error}") from None


def load_scenario(path: str | Path, overrides: Iterable[str] = (),
                  on_warning: Callable[[str], None] | None = None) -> Scenario:
    """Read, parse and validate a scenario file (`parse_scenario` for the parameters).

    Raises
    ------
    ScenarioError
        With a one-line message naming the file, the field path and what was expected.
    """
    path = Path(path)
    name = str(path)
    if "\0" in name:
        raise ScenarioError(f"{name!r}: a file name cannot contain a NUL byte")
    text = read_text(path)
    try:
        data = read_yaml(text)
    except YamlInputError as error:
        raise ScenarioError(f"{name}: {error}") from None
    return parse_scenario(data, name, overrides, on_warning, base_dir=path.parent)


def read_text(path: Path) -> str:
    """The UTF-8 text of a scenario file; `ScenarioError` for anything else."""
    name = str(path)
    try:
        if path.is_dir():
            raise ScenarioError(f"{name}: is a folder, expected a scenario file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"{name}: no such file") from None
    except OSError as error:
        raise ScenarioError(f"{name}: cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB; a "
                            "scenario file is a few kB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ScenarioError(f"{name}: line {line}: byte 0x{raw[error.start]:02x} is not "
                            "UTF-8 text; save the file as UTF-8") from None


#: PyYAML's safe dumper, on libyaml where installed (`dump_scenario`).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario (defaults filled in) as YAML, loadable again.

    Written by libyaml's emitter where PyYAML has it (three times faster than the pure
    Python one, about 25 ms of every run); the two emit the same characters for every
    shipped scenario (`tests/unit/sim/test_scenario_dump.py`).
    """
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=100)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors."""
    return Scenario.model_json_schema(by_alias=True)
