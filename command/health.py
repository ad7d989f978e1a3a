"""What the command knows of its own means: sensors out of service, operators on duty.

Sensor health (`SensorHealth`)
    A sensor's heartbeat tells the command whether it works. When the heartbeat stops
    (or resumes), the command learns it — `sim.injects` says so after the inject's
    ``notice_s`` — and logs `SensorStatus`; the operators then no longer slew a camera
    known to be offline (`command.alerts.OperatorQueue`'s ``offline``). Nothing here
    knows when the sensor really failed.

Console staffing (`Console`)
    The console has ``seats`` operator seats (the most operators the scenario ever has
    on duty); empty seats are held by requests of priority 0, ahead of every alert
    (priorities 1–3). A shift change to fewer operators takes a seat as soon as an
    operator finishes the alert in hand (no verification is cut short); one to more
    operators frees seats at once. `OperatorsOnDuty` is logged when a change takes
    effect.
"""

from __future__ import annotations

import simpy

from sim.ground.events import EventLog, OperatorsOnDuty, SensorStatus

#: Priority of the requests that hold empty seats: before any alert (1, 2, 3).
_SEAT_HOLD_PRIORITY = 0


class SensorHealth:
    """The sensors the command knows to be out of service (``offline``, ids)."""

    def __init__(self, env: simpy.Environment, log: EventLog) -> None:
        self.env, self.log = env, log
        self.offline: set[str] = set()

    def heartbeat_lost(self, sensor: str) -> None:
        self.offline.add(sensor)
        self.log.record(SensorStatus(self.env.now, sensor, "offline"))

    def heartbeat_back(self, sensor: str) -> None:
        self.offline.discard(sensor)
        self.log.record(SensorStatus(self.env.now, sensor, "online"))


class Console:
    """Operators on duty at the console's ``seats`` (rules in the module docstring).

    Parameters
    ----------
    env : simulation environment
    seats : the operators' resource (`command.alerts.OperatorQueue.operators`)
    on_duty : operators on duty at the start (at most ``seats.capacity``)
    log : event log
    """

    def __init__(self, env: simpy.Environment, seats: simpy.PriorityResource, on_duty: int,
                 log: EventLog) -> None:
        self.env, self.seats, self.log = env, seats, log
        self.capacity = int(seats.capacity)
        self._holds: list[simpy.resources.resource.PriorityRequest] = []
        for _ in range(self.capacity - on_duty):
            self._holds.append(seats.request(priority=_SEAT_HOLD_PRIORITY))
        self.on_duty = on_duty   # the requests are granted at once: nobody queues yet

    def set_on_duty(self, on_duty: int) -> None:
        """From now on ``on_duty`` operators (0 … seats)."""
        target = self.capacity - max(0, min(int(on_duty), self.capacity))
        while len(self._holds) > target:
            hold = self._holds.pop()
            if hold.triggered:
                self.seats.release(hold)
                self._changed(+1)
            else:                                # still waiting for a seat: withdraw it
                hold.cancel()
        while len(self._holds) < target:
            hold = self.seats.request(priority=_SEAT_HOLD_PRIORITY)
            self._holds.append(hold)
            hold.callbacks.append(lambda _event: self._changed(-1))

    def _changed(self, delta: int) -> None:
        self.on_duty += delta
        self.log.record(OperatorsOnDuty(self.env.now, self.on_duty))
