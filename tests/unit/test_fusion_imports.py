"""command.fusion stays pure: numpy and scipy only (STYLE.md §1)."""

import subprocess
import sys

SIMULATION = "{'sim', 'sensors', 'simpy', 'yaml', 'pydantic', 'shapely', 'matplotlib'}"


def loaded_after(code: str) -> str:
    probe = (f"import sys; {code}; print(sorted({{m.split('.')[0] for m in sys.modules}} "
             f"& {SIMULATION}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_fusion_imports_nothing_of_the_simulation():
    assert loaded_after("import command.fusion") == "[]"


def test_fusing_a_batch_loads_nothing_of_the_simulation():
    # numba, imported on the first batch, reads its optional config with PyYAML when
    # that is installed: allowed, it is numba's and not the simulation's
    code = ("import numpy as np; from command.fusion import *; "
            "fuse_batch(TrackTable.empty(), 0.0, np.zeros((1, 2)), np.eye(2)[None], "
            "np.zeros(1, int), None, FusionParams())")
    assert loaded_after(code) in ("[]", "['yaml']")
