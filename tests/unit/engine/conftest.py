"""Stubs and fixtures for engine tests: an environment, streams, a fake sensor."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from shapely.geometry import Point

from sensors.base import Reports, Sensor
from sim.ground.events import EventLog
from sim.ground.keyed import Draws
from sim.ground.trajectory import Trajectory
from sim.rng import RandomStreams


@pytest.fixture
def env() -> simpy.Environment:
    return simpy.Environment()


@pytest.fixture
def streams() -> RandomStreams:
    return RandomStreams(7, 0)


@pytest.fixture
def log() -> EventLog:
    return EventLog()


class FakeSensor(Sensor):
    """Sees every mover every ``period_s`` exactly where it is (no noise, Pd 1)."""

    kind = "fake"

    def __init__(self, sensor_id: str = "fake-01", period_s: float = 10.0,
                 sigma_m: float = 5.0, nuisance_times_s: tuple[float, ...] = ()) -> None:
        self.id = sensor_id
        self.period_s = period_s
        self.sigma_m = sigma_m
        self.nuisance_times_s = nuisance_times_s

    def _reports(self, t: np.ndarray, xy: np.ndarray, truth: int, animal: bool) -> Reports:
        n = len(t)
        cov = np.broadcast_to(np.eye(2) * self.sigma_m**2, (n, 2, 2)).copy()
        lik = np.tile([0.1, 0.1, 0.8] if animal else [0.8, 0.1, 0.1], (n, 1))
        return Reports(self.id, t, xy.reshape(-1, 2), cov, np.full(n, truth, np.int64), lik)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        first = np.ceil(trajectory.start_s / self.period_s) * self.period_s
        t = np.arange(first, trajectory.end_s, self.period_s)
        t = t[t > start_s]
        return self._reports(t, trajectory.position_at(t).reshape(-1, 2), truth, animal=False)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        t = np.array([s for s in self.nuisance_times_s if start_s <= s < end_s], dtype=float)
        return self._reports(t, np.tile([5000.0, 5000.0], (len(t), 1)), -1, animal=True)

    def coverage(self):  # noqa: ANN201
        return Point(0, 0).buffer(1)


def fake_factory(spec, terrain, daylight, duration_s=None, shift_draws=None, draws=None):  # noqa: ANN001, ANN201
    """A `build_sensor` stand-in: every spec becomes a `FakeSensor` with its id."""
    return FakeSensor(spec.id, period_s=10.0)


@pytest.fixture
def fake_sensor() -> type[FakeSensor]:
    return FakeSensor


@pytest.fixture(name="fake_factory", scope="session")
def _fake_factory():  # noqa: ANN202
    return fake_factory
