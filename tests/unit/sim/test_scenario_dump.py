"""``scenario.yaml`` is written by libyaml's emitter where PyYAML has it; it must be the
same text as PyYAML's pure Python emitter writes, so a run's files do not depend on
which one the machine has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.scenario import dump_scenario, load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[3] / "scenarios").glob("*.yaml"))


def _pure_python(text_data: object) -> str:
    return yaml.dump(text_data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=100)


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_libyaml_writes_the_pure_python_text(path: Path) -> None:
    scenario = load_scenario(str(path), [])
    expected = _pure_python(scenario.model_dump(mode="json", by_alias=True))
    assert dump_scenario(scenario) == expected


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
def test_the_two_emitters_agree_on_awkward_text() -> None:
    data = {"name": "zażółć gęślą jaźń", "description": "a long description " * 12,
            "x": [1.5, 2e-7, 1e300], "s": "yes", "t": "21:30", "b": "multi\nline",
            "emoji": "\U0001F642 tab\there", "empty": "", "none": None}
    c = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True,
                  default_flow_style=None, width=100)
    assert c == _pure_python(data)
