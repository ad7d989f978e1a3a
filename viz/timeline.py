"""The timeline chart of a run: the chain over time, and the operators' queue.

``timeline.png``, from ``events.jsonl`` alone (one replication): the top panel has
one row per step of the chain — reports reaching the node (per 10-minute bin),
alerts (by priority), the operators' decisions, teams tasked, outcomes (apprehended,
turned back, got away, undetected) — and a vertical line per inject; the bottom
panel is the number of alerts waiting for an operator (raised, not yet taken up)
and the operators on duty, as step functions of time.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from viz.map import OUTCOME_COLOURS  # noqa: E402
from viz.rundata import RunData  # noqa: E402

ROWS = ("reports", "alerts", "decisions", "dispatches", "outcomes")
PRIORITY_COLOURS = {1: "#cf222e", 2: "#bf8700", 3: "#57606a"}
DECISION_COLOURS = {"confirmed": "#1a7f37", "check": "#0969da", "rejected": "#57606a",
                    "dismissed": "#8c959f"}


def queue_length(events: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Alerts waiting for an operator: (times, counts) of a step function.

    +1 when an alert needing an operator is raised (not a patrol's verified one), −1
    when an operator takes it up (``operator_start_s`` of its verification).
    """
    steps = [(ev["t_s"], 1) for ev in events if ev["kind"] == "alert" and not ev["source"]]
    steps += [(ev["operator_start_s"], -1) for ev in events if ev["kind"] == "verified"]
    steps.sort(key=lambda s: (s[0], s[1]))
    if not steps:
        return np.zeros(1), np.zeros(1)
    t = np.asarray([s[0] for s in steps])
    n = np.cumsum([s[1] for s in steps])
    return np.concatenate([[0.0], t]), np.concatenate([[0], n])


def outcome_times(data: RunData) -> list[tuple[float, str]]:
    """(time, outcome) of every crossing: when it was decided."""
    out = []
    for c in data.crossings.values():
        key = {"apprehended": "apprehended_s", "turned_back": "turned_back_s"}.get(
            c["outcome"], "arrived_s")
        if c.get(key):
            out.append((float(c[key]), c["outcome"]))
    return out


def draw_timeline(data: RunData, out: str | Path | None = None) -> Path:
    """Draw ``timeline.png`` (see the module docstring); returns its path."""
    events = data.events
    horizon = max(data.horizon_s, 1.0)
    to_date = np.vectorize(lambda t: mdates.date2num(data.local(float(t))))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 6.5), dpi=100, sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1.3]})
    row = {name: len(ROWS) - 1 - i for i, name in enumerate(ROWS)}

    reports = np.asarray([ev["t_s"] for ev in events if ev["kind"] == "report"])
    if len(reports):
        bins = np.arange(0.0, horizon + 600.0, 600.0)
        counts, _ = np.histogram(reports, bins)
        size = 8 + 120 * counts / max(counts.max(), 1)
        keep = counts > 0
        top.scatter(to_date(bins[:-1][keep] + 300.0), np.full(keep.sum(), row["reports"]),
                    s=size[keep], color="#0969da", alpha=0.5, label="reports (per 10 min)")
    for p, colour in PRIORITY_COLOURS.items():
        t = [ev["t_s"] for ev in events if ev["kind"] == "alert" and ev["priority"] == p]
        if t:
            top.scatter(to_date(t), np.full(len(t), row["alerts"]), marker="D", s=30,
                        color=colour, label=f"alert, priority {p}")
    for d, colour in DECISION_COLOURS.items():
        t = [ev["t_s"] for ev in events if ev["kind"] == "verified" and ev["decision"] == d]
        if t:
            top.scatter(to_date(t), np.full(len(t), row["decisions"]), marker="o", s=28,
                        color=colour, label=f"decision: {d}")
    t = [ev["t_s"] for ev in events if ev["kind"] == "team_tasked"]
    if t:
        top.scatter(to_date(t), np.full(len(t), row["dispatches"]), marker=">", s=40,
                    color="#bc4c00", label="team tasked")
    for outcome, colour in OUTCOME_COLOURS.items():
        t = [ts for ts, o in outcome_times(data) if o == outcome]
        if t:
            top.scatter(to_date(t), np.full(len(t), row["outcomes"]), marker="X", s=60,
                        color=colour, label=outcome.replace("_", " "))
    for ev in events:
        if ev["kind"].startswith("inject"):
            for ax in (top, bottom):
                ax.axvline(to_date(ev["t_s"]), color="#8250df", lw=0.8, ls=":")
            top.annotate(ev["name"], (to_date(ev["t_s"]), len(ROWS) - 0.4), rotation=90,
                         fontsize=7, color="#8250df", va="top", ha="right")
    top.set_yticks(range(len(ROWS)), [r for r in reversed(ROWS)])
    top.set_ylim(-0.7, len(ROWS) - 0.3)
    top.set_title(f"{data.scenario['name']}: the chain over time (dotted: injects)")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)

    q_t, q_n = queue_length(events)
    q_t = np.append(q_t, horizon)
    q_n = np.append(q_n, q_n[-1])
    bottom.step(to_date(q_t), q_n, where="post", color="#cf222e", label="alerts waiting for an "
                "operator")
    duty_t = [0.0] + [ev["t_s"] for ev in events if ev["kind"] == "operators_on_duty"]
    duty_n = [data.scenario.get("command", {}).get("operators", 1)] + [
        ev["on_duty"] for ev in events if ev["kind"] == "operators_on_duty"]
    bottom.step(to_date(duty_t + [horizon]), duty_n + [duty_n[-1]], where="post",
                color="#1a7f37", ls="--", label="operators on duty")
    bottom.set_ylabel("count")
    bottom.set_ylim(bottom=0)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M\n%d %b"))
    bottom.set_xlabel("local time")
    fig.tight_layout()
    target = Path(out) if out is not None else data.folder / "timeline.png"
    fig.savefig(target, bbox_inches="tight")
    plt.close(fig)
    return target
