"""Per-crossing verdicts and KPIs, computed from the event log by pure functions.

Definitions (DOMAIN.md §5):

- **detected**: at least one report of the group reached the local node (a report
  lost on its link does not count; a detection is what the command can know of).
  ``time to detect`` = measurement time of the first such report − entry time.
- **intercepted**: a reaction team reached the group before its destination;
  ``time to intercept`` = interception − entry ("time to interdict").
- **got away**: detected, not intercepted; **undetected**: no report arrived.
  ``p_detect`` and ``p_intercept`` are over all crossings (the true rates, known in
  simulation); ``interdiction_rate`` = intercepted / detected (the observable IER
  [DHS-Metrics-2018]).
- **false_alarms_per_day**: alerts whose track's truth is a nuisance (-1) per day of
  the run horizon; ``alert_precision`` = real alerts / all alerts [OIG-06-15].
- **operator_utilisation**: time-weighted — busy operator-seconds / (operators ×
  horizon) — not a mean of samples (STYLE §6). ``mean_alert_wait_s``: raise → an
  operator starts on it, a per-event tally.

Summaries over replications (`summarize`): the mean of the per-replication values
and a Student-t 95 % interval over replications (n ≥ 2). With one replication there
is no spread to use: proportions over crossings (``p_detect``, ``p_intercept``,
``interdiction_rate``, ``alert_precision``) get a Wilson score interval on their
counts; every other KPI gets ``None``. KPIs undefined in a replication (a mean over
no events) are ``None`` there and left out of the summary's mean and interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scipy import stats

from sim.ground.events import (
    AlertRaised,
    AlertVerified,
    CrossingEnded,
    CrossingStarted,
    Dispatched,
    Intercepted,
    Record,
    ReportLost,
    ReportOutOfSequence,
    ReportReceived,
)

_DAY_S = 86_400.0

#: Proportion KPIs and the (numerator, denominator) count KPIs they come from.
PROPORTIONS: dict[str, tuple[str, str]] = {
    "p_detect": ("detected", "crossings"),
    "p_intercept": ("intercepted", "crossings"),
    "interdiction_rate": ("intercepted", "detected"),
    "alert_precision": ("true_alerts", "alerts"),
}


@dataclass
class CrossingVerdict:
    """One crossing's outcome and times (s; None when it did not happen).

    ``outcome`` is ``undetected``, ``got_away`` or ``intercepted``.
    """

    group: int
    size: int
    entry_s: float
    entry_x: float
    entry_y: float
    dest_x: float
    dest_y: float
    end_s: float
    first_detection_s: float | None = None
    first_alert_s: float | None = None
    verified_s: float | None = None
    dispatched_s: float | None = None
    intercepted_s: float | None = None
    team: str | None = None
    arrived_s: float | None = None

    @property
    def outcome(self) -> str:
        if self.intercepted_s is not None:
            return "intercepted"
        return "got_away" if self.first_detection_s is not None else "undetected"


def crossing_verdicts(records: Iterable[Record]) -> list[CrossingVerdict]:
    """The verdict of every crossing, in order of entry."""
    rows: dict[int, CrossingVerdict] = {}
    for r in records:
        if isinstance(r, CrossingStarted):
            rows[r.group] = CrossingVerdict(r.group, r.size, r.t_s, r.entry_x, r.entry_y,
                                            r.dest_x, r.dest_y, r.end_s)
            continue
        if isinstance(r, ReportReceived):
            g, t = r.truth, r.meas_s
        elif isinstance(r, AlertRaised | AlertVerified):
            g, t = r.truth, r.t_s
        elif isinstance(r, Dispatched | Intercepted | CrossingEnded):
            g, t = r.group, r.t_s
        else:
            continue
        v = rows.get(g)
        if v is None:
            continue
        if isinstance(r, ReportReceived):
            if v.first_detection_s is None or t < v.first_detection_s:
                v.first_detection_s = t
        elif isinstance(r, AlertRaised):
            v.first_alert_s = t if v.first_alert_s is None else v.first_alert_s
        elif isinstance(r, AlertVerified):
            if r.confirmed and v.verified_s is None:
                v.verified_s = t
        elif isinstance(r, Dispatched):
            if v.dispatched_s is None:
                v.dispatched_s, v.team = t, r.team
        elif isinstance(r, Intercepted):
            v.intercepted_s, v.team = t, r.team
        elif isinstance(r, CrossingEnded):
            v.arrived_s = t
    return [rows[g] for g in sorted(rows)]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def replication_kpis(records: Sequence[Record], duration_s: float, horizon_s: float,
                     operators: int) -> dict[str, float | None]:
    """KPIs of one replication from its event log (definitions in the module docstring).

    Parameters
    ----------
    records : the event log, in time order
    duration_s : scenario duration, s (crossings start within it)
    horizon_s : run end, s (per-day rates and utilisation use it)
    operators : number of operators at the local node
    """
    verdicts = crossing_verdicts(records)
    crossings = len(verdicts)
    detected = [v for v in verdicts if v.first_detection_s is not None]
    intercepted = [v for v in verdicts if v.intercepted_s is not None]
    alerts = [r for r in records if isinstance(r, AlertRaised)]
    raised_s = {a.alert: a.t_s for a in alerts}
    verified = [r for r in records if isinstance(r, AlertVerified)]
    days = horizon_s / _DAY_S
    busy_s = sum(min(v.t_s, horizon_s) - v.operator_start_s for v in verified)
    true_alerts = sum(1 for a in alerts if a.truth >= 0)
    n_received = sum(1 for r in records if isinstance(r, ReportReceived))
    n_lost = sum(1 for r in records if isinstance(r, ReportLost))
    return {
        "crossings": crossings,
        "detected": len(detected),
        "p_detect": _ratio(len(detected), crossings),
        "intercepted": len(intercepted),
        "p_intercept": _ratio(len(intercepted), crossings),
        "got_away": len(detected) - len(intercepted),
        "undetected": crossings - len(detected),
        "interdiction_rate": _ratio(len(intercepted), len(detected)),
        "false_alarms_per_day": (len(alerts) - true_alerts) / days,
        "alerts": len(alerts),
        "true_alerts": true_alerts,
        "alert_precision": _ratio(true_alerts, len(alerts)),
        "mean_time_to_detect_s": _mean([v.first_detection_s - v.entry_s for v in detected
                                        if v.first_detection_s is not None]),
        "mean_time_to_alert_s": _mean([v.first_alert_s - v.first_detection_s for v in detected
                                       if v.first_alert_s is not None
                                       and v.first_detection_s is not None]),
        "mean_time_to_intercept_s": _mean([v.intercepted_s - v.entry_s for v in intercepted
                                           if v.intercepted_s is not None]),
        "mean_alert_wait_s": _mean([v.operator_start_s - raised_s[v.alert] for v in verified
                                    if v.operator_start_s is not None]),
        "operator_utilisation": busy_s / (operators * horizon_s) if horizon_s > 0 else None,
        "reports_received": n_received,
        "reports_lost": n_lost,
        "reports_out_of_sequence": sum(1 for r in records
                                       if isinstance(r, ReportOutOfSequence)),
    }


def wilson_interval(successes: float, n: float, z: float = 1.959963984540054
                    ) -> list[float] | None:
    """Wilson score interval for a proportion; None when ``n`` is 0.

    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return [max(0.0, centre - half), min(1.0, centre + half)]


def t_interval(values: Sequence[float], level: float = 0.95) -> list[float] | None:
    """Student-t interval of the mean of ``values``; None for fewer than two."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return [mean - half, mean + half]


def summarize(per_replication: Sequence[dict[str, float | None]]
              ) -> dict[str, dict[str, float | list[float] | None]]:
    """``{kpi: {"mean": x, "ci95": [lo, hi] or None}}`` over replications.

    Key order follows the first replication's KPIs. See the module docstring for the
    intervals.
    """
    if not per_replication:
        return {}
    out: dict[str, dict[str, float | list[float] | None]] = {}
    for name in per_replication[0]:
        values = [float(v) for k in per_replication if (v := k.get(name)) is not None]
        mean = _mean(values)
        if len(per_replication) == 1:
            ci = None
            if name in PROPORTIONS and values:
                num, den = PROPORTIONS[name]
                ci = wilson_interval(float(per_replication[0][num] or 0),
                                     float(per_replication[0][den] or 0))
        else:
            ci = t_interval(values)
        out[name] = {"mean": mean, "ci95": ci}
    return out
