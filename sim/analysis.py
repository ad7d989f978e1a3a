"""Comparing variants: means, paired differences on common random numbers, costs.

Every variant of a comparison runs replication ``r`` with the streams of
(seed, r): the same crossings face each variant (common random numbers, STYLE §4).
So the difference of a KPI between a variant and the baseline (the first variant)
is taken replication by replication, ``d_r = x_r(variant) − x_r(baseline)``, and
its interval is the Student-t interval of the mean of the ``d_r``: the crossings'
own variation, shared by both, cancels, and the interval is narrower than the
difference of two independent intervals. Two identical variants give ``d_r = 0``
exactly, so a zero difference with a zero-width interval.

Intervals (`mean_interval`) are Student-t 95 % intervals over replications
(independent, identically distributed per-replication values; n ≥ 2), intersected
with the KPI's range: a proportion's interval stays within [0, 1] and a difference
of proportions within [−1, 1] (the true value lies in the range, so the
intersection covers whenever the interval does). A KPI undefined in a replication
(None) is left out there; a difference uses the replications where both are
defined. KPIs are whatever the engine's KPI dict holds; nothing here names them,
except the cost and apprehension KPIs of `sim.costs`.

Cost-effectiveness (needs a ``costs`` section): a variant's cost per day is a
constant ``C``; its cost per apprehension is ``C / mean(apprehended per day)``,
with the interval of the mean mapped through that decreasing function; the
incremental cost per extra apprehension against the baseline is ``ΔC / Δ``
(the paired difference in apprehensions per day), with an interval only when the
interval of ``Δ`` excludes zero. A variant is *efficient* when no other costs no
more per day and apprehends with no lower P(apprehend), one of the two strictly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.costs import P_APPREHEND_KPIS, first_kpi

KPIs = dict[str, float | None]
INF = math.inf

_PROPORTION_NAMES = frozenset({"ier", "interdiction_rate"})
_PROPORTION_SUFFIXES = ("_precision", "_utilisation", "_utilization", "_share")


def is_proportion(name: str) -> bool:
    """Whether KPI ``name`` is a proportion in [0, 1] (``p_*``, ``*_share``, ...)."""
    return (name.startswith("p_") or name.endswith(_PROPORTION_SUFFIXES)
            or name in _PROPORTION_NAMES)


@dataclass(frozen=True)
class Estimate:
    """A mean over ``n`` replications and its 95 % interval (None when n < 2)."""

    mean: float | None
    lo: float | None = None
    hi: float | None = None
    n: int = 0


def mean_interval(values: Sequence[float], bounds: tuple[float, float] = (-INF, INF),
                  level: float = 0.95) -> Estimate:
    """Mean of ``values`` and its Student-t interval, intersected with ``bounds``.

    >>> e = mean_interval([1.0, 2.0, 3.0])
    >>> e.mean, round(e.lo, 4), round(e.hi, 4)
    (2.0, -0.4841, 4.4841)
    >>> mean_interval([0.0, 0.0, 0.1], bounds=(0.0, 1.0)).lo
    0.0
    """
    n = len(values)
    if n == 0:
        return Estimate(None)
    mean = math.fsum(values) / n
    if n < 2:
        return Estimate(mean, n=n)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    from scipy.special import stdtrit  # here, not at the top: only intervals need it

    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)
    return Estimate(mean, max(bounds[0], mean - half), min(bounds[1], mean + half), n)


def kpi_names(groups: Sequence[Sequence[KPIs]]) -> list[str]:
    """Every KPI name, in order of first appearance (variant by variant)."""
    seen: dict[str, None] = {}
    for group in groups:
        for kpis in group:
            seen.update(dict.fromkeys(kpis))
    return list(seen)


def estimate(kpis: Sequence[KPIs], name: str) -> Estimate:
    """The mean of KPI ``name`` over replications, and its interval."""
    values = [float(v) for k in kpis if (v := k.get(name)) is not None]
    return mean_interval(values, (0.0, 1.0) if is_proportion(name) else (-INF, INF))


def paired_difference(base: Sequence[KPIs], other: Sequence[KPIs], name: str) -> Estimate:
    """Mean of ``other − base`` replication by replication, and its interval.

    ``base`` and ``other`` are in replication order, replication ``r`` of both run on
    the same streams.
    """
    if len(base) != len(other):
        raise ValueError("paired variants need the same replications")
    diffs = [float(o) - float(b) for kb, ko in zip(base, other, strict=True)
             if (b := kb.get(name)) is not None and (o := ko.get(name)) is not None]
    return mean_interval(diffs, (-1.0, 1.0) if is_proportion(name) else (-INF, INF))


@dataclass(frozen=True)
class CostRow:
    """One variant's cost-effectiveness (currency of its scenario)."""

    variant: str
    cost_per_day: float
    p_apprehend: Estimate
    cost_per_apprehension: Estimate
    incremental_cost_per_apprehension: Estimate | None
    efficient: bool
    versus_baseline: str = ""
    #: the label of the costs (``costs.currency``)
    currency: str = ""


@dataclass
class Comparison:
    """Estimates per (variant, KPI) and paired differences against ``variants[0]``."""

    variants: list[str]
    kpis: list[str]
    replications: int
    estimates: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    differences: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    costs: list[CostRow] = field(default_factory=list)
    #: each variant's ``costs.currency`` (None: no costs, or not known)
    currencies: dict[str, str | None] = field(default_factory=dict)

    def currency(self) -> str | None:
        """The label of every variant's costs, if they share one."""
        labels = set(self.currencies.values())
        return labels.pop() if len(labels) == 1 else None


def efficient_set(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For (cost, effect) points, which are not dominated (cheaper-or-equal and
    better-or-equal, one strictly, by another point).

    >>> efficient_set([(1, 0.5), (2, 0.4), (3, 0.9)])
    [True, False, True]
    """
    return [not any(c2 <= c and e2 >= e and (c2 < c or e2 > e) for c2, e2 in points)
            for c, e in points]


def _ratio_interval(numerator: float, rate: Estimate) -> Estimate:
    """``numerator / rate`` for a positive constant numerator and an estimated rate."""
    if rate.mean is None or rate.mean <= 0:
        return Estimate(None, n=rate.n)
    lo = numerator / rate.hi if rate.hi is not None and rate.hi > 0 else None
    hi = numerator / rate.lo if rate.lo is not None and rate.lo > 0 else None
    if rate.lo is not None and hi is None:
        hi = INF
    return Estimate(numerator / rate.mean, lo, hi, rate.n)


def compare(variants: Sequence[str], results: Sequence[Sequence[KPIs]],
            currencies: Sequence[str | None] | None = None) -> Comparison:
    """Compare variants; ``results[i]`` holds variant ``i``'s KPIs in replication order,
    ``currencies[i]`` the label of its costs (``costs.currency``).

    The first variant is the baseline of the differences.
    """
    if not variants or len(variants) != len(results):
        raise ValueError("one list of replications per variant")
    names = kpi_names(results)
    out = Comparison(list(variants), names, len(results[0]))
    out.currencies = dict(zip(variants, currencies or [None] * len(variants), strict=True))
    base = results[0]
    for i, (variant, kpis) in enumerate(zip(variants, results, strict=True)):
        for name in names:
            out.estimates[variant, name] = estimate(kpis, name)
            if i > 0:
                out.differences[variant, name] = paired_difference(base, kpis, name)
    out.costs = _cost_rows(out, results)
    for row in out.costs:   # the ratio estimator, not the mean of per-replication ratios
        out.estimates[row.variant, "cost_per_apprehension"] = row.cost_per_apprehension
        out.differences.pop((row.variant, "cost_per_apprehension"), None)
    return out


def _cost_rows(comp: Comparison, results: Sequence[Sequence[KPIs]]) -> list[CostRow]:
    p_name = first_kpi({n: None for n in comp.kpis}, P_APPREHEND_KPIS)
    if "cost_per_day" not in comp.kpis or p_name is None:
        return []
    rows: list[tuple[str, float, Estimate, Estimate, Estimate | None]] = []
    base_cost = None
    for i, variant in enumerate(comp.variants):
        daily = next((k["cost_per_day"] for k in results[i]
                      if k.get("cost_per_day") is not None), None)
        if daily is None:
            return []
        per_day = comp.estimates[variant, "apprehended_per_day"]
        incremental = None
        if i == 0:
            base_cost = daily
        elif base_cost is not None:
            incremental = _incremental(daily - base_cost,
                                       comp.differences[variant, "apprehended_per_day"])
        rows.append((variant, float(daily), comp.estimates[variant, p_name],
                     _ratio_interval(float(daily), per_day), incremental))
    points = [(r[1], r[2].mean if r[2].mean is not None else -INF) for r in rows]
    base_point = points[0]
    return [CostRow(*r, efficient=e, versus_baseline=_versus(p, base_point) if i else "",
                    currency=comp.currencies.get(r[0]) or "")
            for i, (r, e, p) in enumerate(zip(rows, efficient_set(points), points,
                                              strict=True))]


def _versus(point: tuple[float, float], base: tuple[float, float]) -> str:
    """``dominates`` (no dearer, no less effective), ``dominated``, or ``trade-off``.

    An incremental cost per extra apprehension means something only for a trade-off:
    a variant that costs less and apprehends more has a negative ratio that ranks
    nothing.
    """
    (cost, effect), (cost0, effect0) = point, base
    if cost <= cost0 and effect >= effect0 and (cost, effect) != (cost0, effect0):
        return "dominates"
    if cost >= cost0 and effect <= effect0 and (cost, effect) != (cost0, effect0):
        return "dominated"
    return "trade-off"


def _incremental(delta_cost: float, delta_rate: Estimate) -> Estimate:
    """ΔC / Δ with an interval only when Δ's interval excludes zero."""
    if delta_rate.mean is None or delta_rate.mean == 0:
        return Estimate(None, n=delta_rate.n)
    point = delta_cost / delta_rate.mean
    lo, hi = delta_rate.lo, delta_rate.hi
    if lo is None or hi is None or lo <= 0 <= hi:
        return Estimate(point, n=delta_rate.n)
    a, b = sorted((delta_cost / lo, delta_cost / hi))
    return Estimate(point, a, b, delta_rate.n)


# ----------------------------------------------------------------------- writers


def _cell(x: float | None) -> str:
    if x is None:
        return ""
    return "inf" if x == INF else repr(float(x))


def comparison_csv(comp: Comparison) -> str:
    """``kpi,variant,n,mean,ci_lo,ci_hi,diff,diff_lo,diff_hi``: one row per (KPI,
    variant); the differences are against the first variant (empty on its rows)."""
    lines = ["kpi,variant,n,mean,ci_lo,ci_hi,diff,diff_lo,diff_hi"]
    for name in comp.kpis:
        for variant in comp.variants:
            e = comp.estimates[variant, name]
            d = comp.differences.get((variant, name))
            lines.append(",".join([name, variant, str(e.n), _cell(e.mean), _cell(e.lo),
                                   _cell(e.hi), _cell(d.mean if d else None),
                                   _cell(d.lo if d else None), _cell(d.hi if d else None)]))
    return "\n".join(lines) + "\n"


def cost_effectiveness_csv(comp: Comparison) -> str:
    """``variant,cost_per_day,p_apprehend,p_lo,p_hi,cost_per_apprehension,cpa_lo,cpa_hi,
    incremental_cost_per_apprehension,icpa_lo,icpa_hi,efficient,versus_baseline,
    currency``."""
    lines = ["variant,cost_per_day,p_apprehend,p_lo,p_hi,cost_per_apprehension,cpa_lo,"
             "cpa_hi,incremental_cost_per_apprehension,icpa_lo,icpa_hi,efficient,"
             "versus_baseline,currency"]
    for r in comp.costs:
        p, c, i = r.p_apprehend, r.cost_per_apprehension, r.incremental_cost_per_apprehension
        lines.append(",".join([r.variant, _cell(r.cost_per_day), _cell(p.mean), _cell(p.lo),
                               _cell(p.hi), _cell(c.mean), _cell(c.lo), _cell(c.hi),
                               _cell(i.mean if i else None), _cell(i.lo if i else None),
                               _cell(i.hi if i else None), str(r.efficient).lower(),
                               r.versus_baseline, r.currency]))
    return "\n".join(lines) + "\n"


def num(x: float | None) -> str:
    """A number for a table: integers bare, small values with 3 decimals."""
    if x is None:
        return "-"
    if x == INF:
        return "inf"
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{int(x)}"
    return f"{x:.3f}" if abs(x) < 100 else f"{x:.0f}"


def _with_ci(e: Estimate | None, signed: bool = False) -> str:
    if e is None or e.mean is None:
        return "-"
    head = (f"{e.mean:+.3f}" if signed and abs(e.mean) < 100 and not float(e.mean).is_integer()
            else ("+" if signed and e.mean > 0 else "") + num(e.mean))
    if e.lo is None or e.hi is None:
        return head
    return f"{head} [{num(e.lo)}, {num(e.hi)}]"


def format_table(comp: Comparison, kpis: Sequence[str] | None = None) -> str:
    """The terminal table: each variant's mean [95 % CI], and for the others the
    paired difference from the baseline Δ [95 % CI]."""
    names = [n for n in (kpis or comp.kpis) if n in comp.kpis]
    base = comp.variants[0]
    header = ["KPI", f"{base} (baseline)"]
    for v in comp.variants[1:]:
        header += [v, f"Δ {v} − {base}"]
    rows = [header]
    currency = comp.currency()
    for name in names:
        row = [labelled_kpi(name, currency), _with_ci(comp.estimates[base, name])]
        for v in comp.variants[1:]:
            row += [_with_ci(comp.estimates[v, name]),
                    _with_ci(comp.differences.get((v, name)), signed=True)]
        rows.append(row)
    text = _align(rows)
    if comp.costs:
        text += "\n\n" + _cost_table(comp)
    return text


def labelled_kpi(kpi: str, currency: str | None) -> str:
    """A KPI's name for a table: a cost KPI with its currency."""
    return f"{kpi} ({currency})" if currency and kpi.startswith("cost_") else kpi


def _cost_table(comp: Comparison) -> str:
    unit = f" ({comp.currency()})" if comp.currency() else ""
    rows = [["variant", f"cost/day{unit}", "P(apprehend)", f"cost/apprehension{unit}",
             "vs baseline", f"extra cost per extra apprehension{unit}", "efficient"]]
    for r in comp.costs:
        inc = (_with_ci(r.incremental_cost_per_apprehension)
               if r.versus_baseline == "trade-off" else "-")
        rows.append([r.variant, num(r.cost_per_day), _with_ci(r.p_apprehend),
                     _with_ci(r.cost_per_apprehension), r.versus_baseline or "baseline",
                     inc, "yes" if r.efficient else "no"])
    return _align(rows)


def _align(rows: Sequence[Sequence[str]], first_left: bool = True) -> str:
    """Rows as text columns two spaces apart, numbers right-aligned, a rule under the
    header; the first column left-aligned when ``first_left``."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 and first_left else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def format_sweep(points: Sequence[Sequence[tuple[str, str]]], comp: Comparison,
                 kpis: Sequence[str]) -> str:
    """The sweep's terminal table: one row per grid point, its values then each KPI's
    mean [95 % CI]."""
    names = [n for n in kpis if n in comp.kpis]
    header = [p for p, _ in points[0]] + [labelled_kpi(n, comp.currency()) for n in names]
    rows = [header]
    for variant, point in zip(comp.variants, points, strict=True):
        rows.append([v for _, v in point]
                    + [_with_ci(comp.estimates[variant, n]) for n in names])
    return _align(rows, first_left=False)
