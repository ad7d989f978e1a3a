"""command.fusion stays pure: numpy and scipy only (STYLE.md §1)."""

import subprocess
import sys


def test_fusion_imports_nothing_of_the_simulation():
    code = ("import sys, command.fusion, command.fusion.measurements; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sim', 'sensors', 'simpy', 'yaml', 'pydantic', 'shapely', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
