"""Plots of comparisons and sweeps, drawn from their CSV files alone.

- ``comparison.png`` (from ``comparison.csv``): one panel per KPI, each variant's
  mean with its 95 % interval as an error bar; with costs, the cost per day sits in
  the panel beside P(apprehend), so effect and cost are read together.
- ``cost_effectiveness.png`` (from ``cost_effectiveness.csv``): cost per day against
  P(apprehend) with its interval; efficient variants (none cheaper and at least as
  effective) filled and joined by the frontier, dominated ones hollow.
- ``sweep_<kpi>.png`` (from ``sweep.csv``): the KPI against the first swept field,
  one line per combination of the others, with interval bands.

Nothing here imports the simulation: a comparison can be drawn again, or elsewhere,
from its files.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt  # noqa: E402

#: Panels of comparison.png when the caller names none (those present, in this order).
MAIN_KPIS = ["p_detect", "p_apprehend", "p_intercept", "cost_per_day", "got_away",
             "false_alarms_per_day", "operator_utilisation", "time_to_detect_median_s",
             "mean_time_to_detect_s", "cost_per_apprehension"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _f(text: str | None) -> float:
    return float(text) if text not in (None, "") else math.nan


def _yerr(mean: float, lo: float, hi: float) -> tuple[float, float]:
    if math.isnan(lo) or math.isnan(hi) or math.isnan(mean):
        return 0.0, 0.0
    return max(mean - lo, 0.0), (max(hi - mean, 0.0) if math.isfinite(hi) else 0.0)


def plot_comparison(run_dir: str | Path, kpis: list[str] | None = None) -> list[Path]:
    """Draw ``comparison.png`` (and ``cost_effectiveness.png`` with costs) in ``run_dir``.

    Returns the paths written.
    """
    run_dir = Path(run_dir)
    rows = _rows(run_dir / "comparison.csv")
    by_kpi: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_kpi[row["kpi"]].append(row)
    names = [k for k in (kpis or MAIN_KPIS) if k in by_kpi] or list(by_kpi)[:6]
    variants = [r["variant"] for r in by_kpi[names[0]]]
    cols = min(3, len(names))
    nrows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.2 * nrows), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes.flat, names, strict=False):
        for i, row in enumerate(by_kpi[name]):
            mean = _f(row["mean"])
            lo, hi = _yerr(mean, _f(row["ci_lo"]), _f(row["ci_hi"]))
            ax.bar(i, 0 if math.isnan(mean) else mean, color=colours[i % len(colours)],
                   alpha=0.8)
            ax.errorbar(i, mean, yerr=[[lo], [hi]], color="black", capsize=4)
        ax.set_title(name, fontsize=10)
        ax.set_xticks(range(len(variants)), variants, rotation=20, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    reps = by_kpi[names[0]][0]["n"]
    fig.suptitle(f"Variants on common random numbers: mean and 95 % interval "
                 f"({reps} replications)", fontsize=11)
    fig.tight_layout()
    written = [run_dir / "comparison.png"]
    fig.savefig(written[0], dpi=110)
    plt.close(fig)
    if (run_dir / "cost_effectiveness.csv").exists():
        written.append(plot_cost_effectiveness(run_dir))
    return written


def plot_cost_effectiveness(run_dir: str | Path) -> Path:
    """``cost_effectiveness.png``: cost per day against P(apprehend), efficient marked."""
    run_dir = Path(run_dir)
    rows = _rows(run_dir / "cost_effectiveness.csv")
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    frontier = []
    for row in rows:
        cost, p = _f(row["cost_per_day"]), _f(row["p_apprehend"])
        lo, hi = _yerr(p, _f(row["p_lo"]), _f(row["p_hi"]))
        good = row["efficient"] == "true"
        ax.errorbar(cost, p, yerr=[[lo], [hi]], fmt="o", capsize=4, markersize=8,
                    color="#1a7f37" if good else "#6e7781",
                    markerfacecolor="#1a7f37" if good else "white")
        ax.annotate(row["variant"], (cost, p), textcoords="offset points", xytext=(6, 6),
                    fontsize=9)
        if good:
            frontier.append((cost, p))
    if len(frontier) > 1:
        xs, ys = zip(*sorted(frontier), strict=True)
        ax.plot(xs, ys, "--", color="#1a7f37", alpha=0.6, label="efficient frontier")
        ax.legend(loc="lower right", fontsize=9)
    ax.set_xlabel("cost per day")
    ax.set_ylabel("P(apprehend), 95 % interval")
    ax.set_title("Cost against effect (filled: efficient)", fontsize=11)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = run_dir / "cost_effectiveness.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def plot_sweep(run_dir: str | Path, kpis: list[str]) -> list[Path]:
    """``sweep_<kpi>.png`` for each KPI of ``kpis`` present in ``sweep.csv``."""
    run_dir = Path(run_dir)
    rows = _rows(run_dir / "sweep.csv")
    if not rows:
        return []
    axes_cols = [c for c in rows[0] if c.startswith("set:")]
    first, others = axes_cols[0], axes_cols[1:]
    x_values = list(dict.fromkeys(r[first] for r in rows))
    numeric = all(_number(v) is not None for v in x_values)
    position = {v: (float(v) if numeric else float(i)) for i, v in enumerate(x_values)}
    written = []
    for kpi in kpis:
        lines: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
        for r in rows:
            if r["kpi"] == kpi:
                lines[tuple(r[c] for c in others)].append(r)
        if not lines:
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        for key, pts in lines.items():
            xs = [position[p[first]] for p in pts]
            ys = [_f(p["mean"]) for p in pts]
            lo = [_f(p["ci_lo"]) for p in pts]
            hi = [_f(p["ci_hi"]) for p in pts]
            label = ", ".join(f"{c[4:]}={v}" for c, v in zip(others, key, strict=True))
            ax.plot(xs, ys, "o-", label=label or None)
            if not any(math.isnan(v) for v in lo + hi):
                ax.fill_between(xs, lo, hi, alpha=0.2)
        if not numeric:
            ax.set_xticks(range(len(x_values)), x_values)
        ax.set_xlabel(first[4:])
        ax.set_ylabel(f"{kpi} (mean, 95 % interval)")
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize=8)
        fig.tight_layout()
        path = run_dir / f"sweep_{kpi}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
