"""Imports run one way (DESIGN.md, "Layout"): a static check of every module.

Layers, bottom up:

- ``sim.ground``: specs, events, trajectories, measurement conversions — imports
  nothing of the project above it.
- ``command.fusion``: numpy, scipy, numba only (see also test_fusion_imports).
- ``sensors``: the ground layer only; never ``command``.
- ``command`` (beside the fusion core): the ground layer and itself; never the engine,
  never ``sensors``.
- ``sim`` modules other than the wiring ones: the ground layer and each other.
- ``sim.world`` (the true world: movers, sensing, encounters) uses the sensors but
  never ``command``; so do ``sim.lookahead`` (the world's sensing done ahead) and
  ``sim.reach`` (which sensors may report a plan);
  ``sim.engine`` wires sensors, world and command; ``sim.experiment`` and
  ``sim.results`` sit above it; ``viz`` reads files and imports nothing of the
  simulation.

Every ``import`` statement counts, at module level or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("sim", "sensors", "command", "viz", "run_sim")

#: Modules above the engine (they may import it); the engine itself may import any
#: layer below.
ABOVE_ENGINE = ("sim.experiment", "sim.results")

#: Documented exceptions: (importer, imported prefix, why).
EXCEPTIONS = [
    ("sim.scenario", "command.fusion.params",
     "the loader rejects unknown fusion parameter names at load time"),
    ("sim.rows", "command.fusion",
     "tracks.csv's rows go through the fusion core's compiled exact formatter (csvfast)"),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n.split(".")[0] in PROJECT}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def allowed(importer: str, imported: str) -> bool:
    """The rule for one edge; the module docstring says it in words."""
    if any(within(importer, a) and within(imported, b) for a, b, _ in EXCEPTIONS):
        return True
    if within(importer, "sim.ground"):
        return within(imported, "sim.ground")
    if within(importer, "command.fusion"):
        return within(imported, "command.fusion")
    if within(importer, "sensors"):
        return within(imported, "sensors") or within(imported, "sim.ground")
    if within(importer, "command"):
        return within(imported, "command") or within(imported, "sim.ground")
    if within(importer, "viz"):
        return within(imported, "viz")
    if importer == "sim.engine":
        return not (any(within(imported, m) for m in ABOVE_ENGINE)
                    or within(imported, "viz") or imported == "run_sim")
    if importer in ("sim.world", "sim.lookahead", "sim.reach"):
        return ((within(imported, "sim") or within(imported, "sensors"))
                and imported != "sim.engine"
                and not any(within(imported, m) for m in ABOVE_ENGINE))
    if any(within(importer, m) for m in ABOVE_ENGINE):
        return not (within(imported, "viz") or imported == "run_sim")
    if within(importer, "sim"):
        return (within(imported, "sim") and imported != "sim.engine"
                and not any(within(imported, m) for m in ABOVE_ENGINE))
    return True  # run_sim.py, the command line, may import anything


def modules() -> list[Path]:
    return sorted(p for pkg in ("sim", "sensors", "command", "viz")
                  for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_imports_run_one_way(path):
    importer = module_name(path)
    bad = sorted(i for i in project_imports(path) if not allowed(importer, i))
    assert not bad, f"{importer} must not import {bad} (tests/unit/test_import_rules.py)"


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("sensors.radar", "command.fusion.measurements", False),
    ("command.response", "sim.engine", False),
    ("command.response", "sim.movers", False),
    ("sim.ground.specs", "command.fusion.params", False),
    ("viz.map", "sim.ground.events", False),
    ("sim.movers", "sensors.base", False),
    ("sim.engine", "command.nodes", True),
    ("sim.world", "sensors.patrol", True),
    ("sim.world", "command.response", False),
    ("sim.lookahead", "sensors.base", True),
    ("sim.lookahead", "command.nodes", False),
    ("sim.reach", "sensors.base", True),
    ("sim.reach", "command.nodes", False),
    ("command.alerts", "sim.ground.events", True),
])
def test_the_rule_itself(importer, imported, ok):
    assert allowed(importer, imported) is ok
