"""Per-crossing verdicts and KPIs, computed from the event log by pure functions.

Outcomes, as border services count them (DOMAIN.md §5, [DHS-Metrics-2018]); every
crossing gets exactly one:

- **apprehended**: a patrol or team apprehended persons of the group (if the group
  was larger than the capacity at hand, the rest walked on: ``persons_apprehended``
  says how many);
- **turned_back**: the group walked back across the border;
- **got_away**: it reached its destination and the command had detected it;
- **undetected**: it reached its destination and the command never knew.

**Detected** means the command knew: an alert was raised on a track whose reports
were mostly this group's, or a patrol saw it — not merely that a report reached the
node. (A group still walking when the run's tail cap ends counts by the same rule:
got away if detected, else undetected.)

KPIs (per replication; names as in ``summary.json``):

- ``p_detect``, ``p_apprehend`` over all crossings (the true rates, known in
  simulation); ``ier`` = (apprehended + turned back) / (apprehended + turned back
  + got away), the observable interdiction effectiveness rate [DHS-APR-FY15];
  ``p_apprehend_persons`` = persons apprehended / persons who crossed.
- ``false_alarms_per_day``: alerts with no group behind them (track truth −1) per
  day of the horizon; ``nuisance_alarms_per_day``: nuisance reports (animals, wind)
  that reached the node per day [PSR-wiki]; ``alert_precision`` = alerts on real
  groups / all alerts [OIG-06-15].
- ``operator_utilisation``: busy operator-seconds / operator-seconds on duty
  (operators × horizon, or less or more after shift changes: `OperatorsOnDuty`), time
  weighted (STYLE §6); ``queue_wait_*``: alert raised → an operator starts on it.
- ``team_utilisation``: team-seconds from tasking to back at base / (teams ×
  horizon); ``team_nuisance_share``: the share of that time spent on alerts with no
  group behind them.
- Times, each as ``_mean_s``, ``_median_s`` and ``_p90_s`` over the crossings where
  both ends happened: ``time_to_detect`` entry → the first report of the group
  reaching the node (its measurement time) or a patrol sighting; ``time_to_alert``
  that → the command knew (first alert on its track, or the sighting);
  ``time_to_verify`` first alert → an operator confirmed it (or a patrol sighting:
  0); ``time_to_dispatch`` knew → a team tasked after it; ``time_to_arrive`` tasked
  → the team on scene (reached its planned point, or saw the group first);
  ``time_to_apprehend`` entry → apprehension ("time to interdict").

Links and layers (`comms_kpis`):

- ``link_messages``, ``link_dropped``, ``link_lost``: messages offered to all links
  (sources', relays', between layers), dropped at a full queue, lost on the way;
  ``link_utilisation_max``: the busiest link's transmitting time / horizon;
  ``link_down_share_max``: the most a link was down / horizon (per link in
  ``links.csv``); ``report_delay_*``: measurement → arrival at the local node of
  every report received (all its hops and queues).
- ``reports_overtaken``: reports that reached the node after one measured later;
  ``reports_fused_late`` those of them fused all the same (the reorder buffer);
  ``reports_out_of_sequence`` (above) all discarded as too late.
- ``picture_latency_{local,regional,national}_*``: for each incident, the
  measurement of the first report fused into its track → the incident in that
  layer's picture (local: decided; regional, national: the message arrived).
- ``alerts_escalated`` (a section's lower alert threshold sent a team),
  ``reserve_tasked`` (the regional centre sent a reserve team), ``sections_raised``
  (the NCC raised a section's impact level).

Summaries over replications (`summarize`): the mean of the per-replication values
and a Student-t 95 % interval over replications (n ≥ 2), clipped to [0, 1] for
proportions. With one replication proportions get a Wilson score interval on their
counts and other KPIs ``None``. KPIs undefined in a replication (a mean over no
events) are ``None`` there and left out of the summary's mean and interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sim.ground.events import (
    AlertEscalated,
    AlertRaised,
    AlertVerified,
    Apprehended,
    CrossingEnded,
    CrossingStarted,
    LinkSummary,
    NodeSummary,
    OperatorsOnDuty,
    PictureUpdate,
    Record,
    ReserveTasked,
    SectionImpact,
    Sighting,
    TeamBack,
    TeamOnScene,
    TeamTasked,
    TurnedBack,
)
from sim.tally import ReportTally

_DAY_S = 86_400.0
R = TypeVar("R", bound=Record)

#: Proportion KPIs and the (numerator, denominator) count KPIs they come from.
PROPORTIONS: dict[str, tuple[str, str]] = {
    "p_detect": ("detected", "crossings"),
    "p_apprehend": ("apprehended", "crossings"),
    "p_apprehend_persons": ("persons_apprehended", "persons"),
    "ier": ("interdicted", "known_entries"),
    "alert_precision": ("true_alerts", "alerts"),
}
#: KPIs bounded to [0, 1] (their intervals are clipped there).
BOUNDED = frozenset(PROPORTIONS) | {"operator_utilisation", "team_utilisation",
                                    "team_nuisance_share"}

#: The chain's phases for time KPIs (see the module docstring).
PHASES = ("detect", "alert", "verify", "dispatch", "arrive", "apprehend")


@dataclass
class CrossingVerdict:
    """One crossing's outcome and times (s; None when it did not happen)."""

    group: int
    size: int
    entry_s: float
    entry_x: float
    entry_y: float
    dest_x: float
    dest_y: float
    end_s: float
    first_report_s: float | None = None
    known_s: float | None = None
    first_alert_s: float | None = None
    verified_s: float | None = None
    tasked_s: float | None = None
    on_scene_s: float | None = None
    apprehended_s: float | None = None
    persons_apprehended: int = 0
    by: str | None = None
    turned_back_s: float | None = None
    arrived_s: float | None = None

    @property
    def detected(self) -> bool:
        return self.known_s is not None

    @property
    def outcome(self) -> str:
        if self.apprehended_s is not None:
            return "apprehended"
        if self.turned_back_s is not None:
            return "turned_back"
        return "got_away" if self.detected else "undetected"


def _first(current: float | None, t: float) -> float:
    return t if current is None or t < current else current


#: The records a crossing's verdict reads (the rest, fusion ticks first, are skipped;
#: reports come from the `ReportTally`).
_VERDICT_RECORDS = (CrossingStarted, Sighting, AlertRaised, AlertVerified,
                    TeamTasked, TeamOnScene, Apprehended, TurnedBack, CrossingEnded)


def crossing_verdicts(records: Iterable[Record],
                      reports: ReportTally | None = None) -> list[CrossingVerdict]:
    """The verdict of every crossing, in order of entry.

    ``reports``: the tally of the log's reports (`sim.tally`) when ``records`` lacks
    them (a streamed log); by default folded from ``records``.
    """
    if reports is None:
        records = records if isinstance(records, Sequence) else list(records)
        reports = ReportTally.of(records)
    rows: dict[int, CrossingVerdict] = {}
    alert_group: dict[int, int] = {}
    tasked_group: dict[tuple[str, int], int] = {}
    for r in records:
        if not isinstance(r, _VERDICT_RECORDS):
            continue
        if isinstance(r, CrossingStarted):
            rows[r.group] = CrossingVerdict(r.group, r.size, r.t_s, r.entry_x, r.entry_y,
                                            r.dest_x, r.dest_y, r.end_s)
        elif isinstance(r, Sighting) and r.group in rows and r.observer.startswith("patrol"):
            v = rows[r.group]
            v.first_report_s = _first(v.first_report_s, r.t_s)
            v.known_s = _first(v.known_s, r.t_s)
            v.verified_s = _first(v.verified_s, r.t_s)
        elif isinstance(r, AlertRaised) and r.truth in rows:
            alert_group[r.alert] = r.truth
            v = rows[r.truth]
            v.first_alert_s = _first(v.first_alert_s, r.t_s)
            v.known_s = _first(v.known_s, r.t_s)
            if r.source:
                v.verified_s = _first(v.verified_s, r.t_s)
        elif isinstance(r, AlertVerified) and r.decision == "confirmed" and r.truth in rows:
            v = rows[r.truth]
            v.verified_s = _first(v.verified_s, r.t_s)
        elif isinstance(r, TeamTasked) and r.truth in rows:
            tasked_group[(r.team, r.alert)] = r.truth
            v = rows[r.truth]
            v.tasked_s = _first(v.tasked_s, r.t_s)
        elif isinstance(r, TeamOnScene) and (r.team, r.alert) in tasked_group:
            v = rows[tasked_group[(r.team, r.alert)]]
            v.on_scene_s = _first(v.on_scene_s, r.t_s)
        elif isinstance(r, Sighting) and r.group in rows:       # a team saw it
            v = rows[r.group]
            if v.tasked_s is not None:
                v.on_scene_s = _first(v.on_scene_s, r.t_s)
        elif isinstance(r, Apprehended) and r.group in rows:
            v = rows[r.group]
            v.apprehended_s = _first(v.apprehended_s, r.t_s)
            v.persons_apprehended += r.persons
            v.by = v.by or r.by
        elif isinstance(r, TurnedBack) and r.group in rows:
            rows[r.group].turned_back_s = r.t_s
        elif isinstance(r, CrossingEnded) and r.group in rows:
            rows[r.group].arrived_s = r.t_s
    for group, meas_s in reports.first_meas_s.items():   # min: the order does not matter
        if group in rows:
            rows[group].first_report_s = _first(rows[group].first_report_s, meas_s)
    return [rows[g] for g in sorted(rows)]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of a non-empty list."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _times(name: str, values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {f"{name}_mean_s": None, f"{name}_median_s": None, f"{name}_p90_s": None}
    return {f"{name}_mean_s": sum(values) / len(values),
            f"{name}_median_s": _quantile(values, 0.5),
            f"{name}_p90_s": _quantile(values, 0.9)}


def _span(a: float | None, b: float | None) -> float | None:
    return b - a if a is not None and b is not None and b >= a else None


def on_duty_seconds(records: Sequence[Record], operators: int, horizon_s: float) -> float:
    """Operator-seconds on duty over [0, horizon_s]: ``operators`` from the start, then
    each `OperatorsOnDuty` (a shift change taking effect) from its time on."""
    total, since, n = 0.0, 0.0, operators
    for r in records:
        if isinstance(r, OperatorsOnDuty) and r.t_s <= horizon_s:
            total += n * (r.t_s - since)
            since, n = r.t_s, r.on_duty
    return total + n * max(horizon_s - since, 0.0)


def phase_times(v: CrossingVerdict) -> dict[str, float | None]:
    """Duration of each phase of the chain for one crossing (module docstring)."""
    return {
        "detect": _span(v.entry_s, v.first_report_s),
        "alert": _span(v.first_report_s, v.known_s),
        "verify": _span(v.first_alert_s if v.first_alert_s is not None else v.known_s,
                        v.verified_s),
        "dispatch": _span(v.verified_s if v.verified_s is not None else v.known_s,
                          v.tasked_s),
        "arrive": _span(v.tasked_s, v.on_scene_s),
        "apprehend": _span(v.entry_s, v.apprehended_s),
    }


def replication_kpis(records: Sequence[Record], duration_s: float, horizon_s: float,
                     operators: int, teams: int = 0,
                     reports: ReportTally | None = None) -> dict[str, float | None]:
    """KPIs of one replication from its event log (definitions in the module docstring).

    Parameters
    ----------
    records : the event log, in time order
    duration_s : scenario duration, s (crossings start within it)
    horizon_s : run end, s (per-day rates and utilisations use it)
    operators : operators at the local node
    teams : reaction teams
    reports : the tally of the log's reports (`sim.tally`) when ``records`` lacks
        them (a streamed log); by default folded from ``records``
    """
    reports = reports if reports is not None else ReportTally.of(records)
    verdicts = crossing_verdicts(records, reports)
    n = len(verdicts)
    outcome = [v.outcome for v in verdicts]
    detected = sum(v.detected for v in verdicts)
    apprehended = outcome.count("apprehended")
    turned_back = outcome.count("turned_back")
    got_away = outcome.count("got_away")
    persons = sum(v.size for v in verdicts)
    persons_apprehended = sum(v.persons_apprehended for v in verdicts)
    of = RecordIndex(records)
    alerts = of[AlertRaised]
    raised_s = {a.alert: a.t_s for a in alerts}
    verified = of[AlertVerified]
    days = horizon_s / _DAY_S
    true_alerts = sum(1 for a in alerts if a.truth >= 0)
    nuisance_reports = reports.nuisance
    op_busy = sum(min(v.t_s, horizon_s) - v.operator_start_s for v in verified)

    team_busy = team_nuisance = 0.0
    out_since: dict[str, tuple[float, int]] = {}
    for r in records:
        if not isinstance(r, (TeamTasked, TeamBack)):
            continue
        if isinstance(r, TeamTasked):
            out_since[r.team] = (r.t_s, r.truth)
        elif isinstance(r, TeamBack) and r.team in out_since:
            t0, truth = out_since.pop(r.team)
            team_busy += r.t_s - t0
            team_nuisance += (r.t_s - t0) if truth < 0 else 0.0
    for t0, truth in out_since.values():          # still out at the horizon
        team_busy += horizon_s - t0
        team_nuisance += (horizon_s - t0) if truth < 0 else 0.0

    kpis: dict[str, float | None] = {
        "crossings": n,
        "detected": detected,
        "p_detect": _ratio(detected, n),
        "apprehended": apprehended,
        "p_apprehend": _ratio(apprehended, n),
        "turned_back": turned_back,
        "got_away": got_away,
        "undetected": outcome.count("undetected"),
        "interdicted": apprehended + turned_back,
        "known_entries": apprehended + turned_back + got_away,
        "ier": _ratio(apprehended + turned_back, apprehended + turned_back + got_away),
        "persons": persons,
        "persons_apprehended": persons_apprehended,
        "p_apprehend_persons": _ratio(persons_apprehended, persons),
        "alerts": len(alerts),
        "true_alerts": true_alerts,
        "alert_precision": _ratio(true_alerts, len(alerts)),
        "false_alarms_per_day": (len(alerts) - true_alerts) / days if days > 0 else None,
        "nuisance_alarms_per_day": nuisance_reports / days if days > 0 else None,
        "operator_utilisation": _ratio(op_busy, on_duty_seconds(of[OperatorsOnDuty],
                                                                 operators, horizon_s)),
        "team_utilisation": (team_busy / (teams * horizon_s)
                             if teams and horizon_s > 0 else None),
        "team_nuisance_share": _ratio(team_nuisance, team_busy),
    }
    kpis.update(_times("queue_wait", [v.operator_start_s - raised_s[v.alert]
                                      for v in verified if v.alert in raised_s]))
    phases = [phase_times(v) for v in verdicts]
    for phase in PHASES:
        spans = [d for p in phases if (d := p[phase]) is not None]
        kpis.update(_times(f"time_to_{phase}", spans))
    kpis["reports_received"] = reports.received
    kpis["reports_lost"] = reports.lost
    kpis["reports_out_of_sequence"] = reports.out_of_sequence
    kpis.update(comms_kpis(of, horizon_s, reports))
    return kpis


class RecordIndex:
    """The records of a log by class, each list in log order, made in one pass:
    ``index[C]`` is ``[r for r in records if isinstance(r, C)]`` (KPIs look up a
    dozen classes in 10⁵ records)."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records = records if isinstance(records, Sequence) else list(records)
        self._exact: dict[type, list[Record]] = {}
        for r in self.records:
            got = self._exact.get(type(r))
            if got is None:
                self._exact[type(r)] = [r]
            else:
                got.append(r)

    def __getitem__(self, cls: type[R]) -> list[R]:
        kinds = [t for t in self._exact if issubclass(t, cls)]
        if len(kinds) <= 1:
            return list(self._exact[kinds[0]]) if kinds else []  # type: ignore[arg-type]
        return [r for r in self.records if isinstance(r, cls)]  # several classes: log order


def comms_kpis(records: Sequence[Record] | RecordIndex, horizon_s: float,
               reports: ReportTally | None = None) -> dict[str, float | None]:
    """Links and layers (module docstring, "Links and layers"); ``reports`` as for
    `replication_kpis`."""
    of = records if isinstance(records, RecordIndex) else RecordIndex(records)
    if reports is None:
        reports = ReportTally.of(of.records)
    links, nodes = of[LinkSummary], of[NodeSummary]
    kpis: dict[str, float | None] = {
        "link_messages": sum(r.sent for r in links),
        "link_dropped": sum(r.dropped for r in links),
        "link_lost": sum(r.lost for r in links),
        "link_utilisation_max": (max(r.busy_s for r in links) / horizon_s
                                 if links and horizon_s > 0 else None),
        "link_down_share_max": (max(r.down_s for r in links) / horizon_s
                                if links and horizon_s > 0 else None),
        "reports_overtaken": sum(r.overtaken for r in nodes),
        "reports_fused_late": sum(r.overtaken - r.overtaken_discarded for r in nodes),
        "alerts_escalated": len(of[AlertEscalated]),
        "reserve_tasked": len(of[ReserveTasked]),
        "sections_raised": sum(1 for r in of[SectionImpact]
                               if r.layer == "ncc" and r.reason == "incidents"),
    }
    kpis.update(reports.delay_times("report_delay"))
    pictures = of[PictureUpdate]
    for layer in LAYERS:
        first: dict[int, float] = {}
        for r in pictures:
            if (r.message == "incident"
                    and _layer_of(r.layer) == layer and r.incident not in first
                    and math.isfinite(r.first_report_s)):
                first[r.incident] = r.t_s - r.first_report_s
        kpis.update(_times(f"picture_latency_{layer}", list(first.values())))
    return kpis


#: The command layers in `PictureUpdate.layer` terms (local units carry their section id).
LAYERS = ("local", "regional", "national")


def _layer_of(layer_id: str) -> str:
    return {"region-1": "regional", "ncc": "national"}.get(layer_id, "local")


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


#: 97.5 % quantiles of Student's t for 1..30 degrees of freedom, to six decimals
#: (R's ``qt(0.975, df)``; Abramowitz & Stegun Table 26.10 to its four); beyond 30
#: the Cornish–Fisher expansion below is within 1e-4 of the exact value.
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624,
         2.306004, 2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450,
         2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658,
         2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom.

    >>> round(t_quantile_975(10), 4), round(t_quantile_975(200), 3)
    (2.2281, 1.972)
    """
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    return z + g1 / df + g2 / df**2


def t_interval(values: Sequence[float]) -> list[float] | None:
    """Student-t 95 % interval of the mean of ``values``; None for fewer than two."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
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
        mean = sum(values) / len(values) if values else None
        ci: list[float] | None
        if len(per_replication) == 1:
            ci = None
            if name in PROPORTIONS and values:
                num, den = PROPORTIONS[name]
                ci = wilson_interval(float(per_replication[0][num] or 0),
                                     float(per_replication[0][den] or 0))
        else:
            ci = t_interval(values)
            if ci is not None and name in BOUNDED:
                ci = [max(0.0, ci[0]), min(1.0, ci[1])]
        out[name] = {"mean": mean, "ci95": ci}
    return out
