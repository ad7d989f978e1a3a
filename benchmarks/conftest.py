"""Collect ``bench_*.py`` when pytest is pointed at this folder (``pytest benchmarks/``).

pytest only collects ``test_*.py`` by default, and the benchmark files are named
``bench_*.py`` so that the default test run (``testpaths = tests``) never picks them
up. Files named on the command line are collected by pytest itself, hence the check.

Under ``--benchmark-disable`` every benchmark runs its body once as a test, and the
figures it derives from ``benchmark.stats`` come from that one run (`_RunOnce`).
"""

import time
from types import SimpleNamespace

import pytest
from pytest_benchmark.fixture import BenchmarkFixture


def pytest_collect_file(file_path, parent):  # noqa: ANN001, ANN201
    if (file_path.suffix == ".py" and file_path.name.startswith("bench_")
            and not parent.session.isinitpath(file_path)):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


class _RunOnce(BenchmarkFixture):
    """pytest-benchmark's fixture under ``--benchmark-disable`` (each body run once, as a
    smoke test): the plugin keeps no stats then, so this times the one call itself and
    the figures each benchmark derives (``extra_info``) are still computed."""

    def _timed(self, call):  # noqa: ANN001, ANN202
        t0 = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - t0   # benchmark.stats, as the figures read it
        self.stats = SimpleNamespace(stats=SimpleNamespace(
            mean=seconds, median=seconds, min=seconds, max=seconds))
        return result

    def __call__(self, function, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN204
        self._mode = "benchmark(...)"    # the plugin warns of a fixture left unused
        return self._timed(lambda: function(*args, **kwargs))

    def pedantic(self, target, args=(), kwargs=None, setup=None, **_ignored):  # noqa: ANN001, ANN003, ANN201
        self._mode = "benchmark.pedantic(...)"
        if setup is not None:
            args, kwargs = setup() or (args, kwargs)
        return self._timed(lambda: target(*args, **(kwargs or {})))


@pytest.fixture(autouse=True)
def _figures_when_disabled(request):  # noqa: ANN001, ANN202
    if "benchmark" in request.fixturenames:
        fixture = request.getfixturevalue("benchmark")
        if fixture.disabled:
            fixture.__class__ = _RunOnce     # a subclass: the plugin's type check holds
