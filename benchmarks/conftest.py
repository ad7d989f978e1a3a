"""Collect ``bench_*.py`` when pytest is pointed at this folder (``pytest benchmarks/``).

pytest only collects ``test_*.py`` by default, and the benchmark files are named
``bench_*.py`` so that the default test run (``testpaths = tests``) never picks them
up. Files named on the command line are collected by pytest itself, hence the check.
"""

import pytest


def pytest_collect_file(file_path, parent):  # noqa: ANN001, ANN201
    if (file_path.suffix == ".py" and file_path.name.startswith("bench_")
            and not parent.session.isinitpath(file_path)):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
