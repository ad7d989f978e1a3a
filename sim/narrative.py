"""The narrated timeline of a run: ``timeline.md``, for trainers and trainees.

Written from a run directory's files alone (``events.jsonl``, ``detections.csv``,
``sensors.csv``, ``scenario.yaml``, ``crossings.csv``), for one replication:

1. **The night as the command saw it** — in time order, in plain words, only what
   reached the command: alerts (which sensors reported to the alert's track by then,
   from the node's own fusion in ``detections.csv``; the fused class), the
   operators' decisions, the teams' tasks, what the teams and patrols (the command's
   own eyes) saw and did, told when they saw it, sensors the command saw go offline,
   the operators on duty. Truth fields
   (``truth``, ``group``, a chase's ``meet_s``) are never read for this part; records
   only the true world knows (crossings, reactions, reports lost) are not narrated.
   Injects are marked ⚑: they are the exercise script, known to the trainer; a
   scripted group's size and route are kept for the summary.
2. **After-action summary** — now the truth: every crossing and its outcome, what was
   detected and what was missed, alerts on real groups against false ones, the
   longest waits in the chain (for an operator, for a free team, for the team to
   get there), what each team did and for whom.

Every line is regular (a time stamp ``HH:MM:SS`` under a day heading, then words
with the ids of the records it comes from), so a test can check each against the
event log.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.checks import border_place
from sim.movers import group_name

#: Event kinds narrated in the command's part (everything else is truth or plumbing).
NARRATED = ("alert", "verified", "team_tasked", "dispatch_skipped", "team_on_scene",
            "sighting", "chase", "apprehended", "team_returning", "team_back",
            "sensor_status", "operators_on_duty", "inject_sensor_fail",
            "inject_sensor_repair", "inject_group", "inject_team_unavailable",
            "inject_team_available", "inject_operators", "inject_link_down",
            "inject_link_up", "inject_weather", "inject_section_impact")

RETURN_WORDS = {
    "apprehended": "heads back with the persons apprehended",
    "lost": "lost the track, searched the last known area and heads back",
    "searched": "searched the area without finding anyone and heads back",
    "given_up": "gives up and heads back",
}


@dataclass(frozen=True)
class RunFiles:
    """What the timeline reads of a run directory (one replication)."""

    events: list[dict[str, Any]]
    scenario: dict[str, Any]
    sensor_names: dict[int, str]
    track_reports: dict[int, list[tuple[float, str]]]
    crossings: list[dict[str, str]]

    @property
    def start(self) -> dt.datetime:
        start = self.scenario["start"]
        return start if isinstance(start, dt.datetime) else dt.datetime.fromisoformat(
            str(start))


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _csv_lines(path: Path, required: bool = True) -> Iterator[dict[str, str]]:
    """A CSV's rows, read as they are asked for (none for a missing file not
    ``required``)."""
    if required or path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            yield from csv.DictReader(f)


def read_run(run_dir: str | Path, replication: int = 0) -> RunFiles:
    """The files of ``run_dir`` the timeline needs, for ``replication``."""
    run_dir = Path(run_dir)
    events = []
    with (run_dir / "events.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                ev = json.loads(line)
                if ev.get("replication", 0) == replication:
                    events.append(ev)
    scenario = yaml.safe_load((run_dir / "scenario.yaml").read_text(encoding="utf-8"))
    return run_files(events, scenario, _csv_rows(run_dir / "sensors.csv"),
                     _csv_lines(run_dir / "detections.csv"),
                     _csv_lines(run_dir / "crossings.csv", required=False), replication)


def run_files(events: Iterable[dict[str, Any]], scenario: dict[str, Any],
              sensors: Iterable[dict[str, str]], detections: Iterable[dict[str, str]],
              crossings: Iterable[dict[str, str]], replication: int = 0) -> RunFiles:
    """What the timeline reads, from a run directory's files already parsed (records of
    ``events.jsonl``, ``scenario.yaml``, the rows of ``sensors.csv``, ``detections.csv``
    and ``crossings.csv``), for ``replication``: what `read_run` reads, for a caller
    that has read them (``replay``, which checks every file first)."""
    rep = str(replication)
    events = [ev for ev in events if ev.get("replication", 0) == replication]
    names = {int(r["sensor"]): r["id"] for r in sensors}
    tracks: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for row in detections:                     # the node's fusion: sensor → track
        if row["replication"] == rep and int(row["track"]) >= 0:
            tracks[int(row["track"])].append((float(row["time"]),
                                              names.get(int(row["sensor"]), "?")))
    crossings = [r for r in crossings if r["replication"] == rep]
    return RunFiles(events, scenario, names, dict(tracks), crossings)


# ------------------------------------------------------------------------- words


def clock(start: dt.datetime, t_s: float) -> dt.datetime:
    """Local time of simulation time ``t_s`` (to the second, rounded down)."""
    return start + dt.timedelta(seconds=int(t_s))


def minutes(seconds: float) -> str:
    """A duration in words: ``45 s``, ``7 min``, ``1 h 05 min``."""
    s = max(0.0, float(seconds))
    if s < 60:
        return f"{s:.0f} s"
    m = int(round(s / 60))
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def place(border: list[list[float]], x: float, y: float) -> str:
    """Where a point is, as the command's map shows it."""
    offset = border_place([tuple(p) for p in border], (x, y)).offset_m  # type: ignore[misc]
    side = "behind the line" if offset >= 0 else "before the line"
    return f"{abs(offset) / 1000:.1f} km {side} at ({x:.0f}, {y:.0f})"


def sensors_of(files: RunFiles, track: int, t_s: float) -> list[str]:
    """Sensors that reported to ``track`` up to ``t_s`` (the node's own record)."""
    seen: list[str] = []
    for meas_s, name in files.track_reports.get(track, []):
        if meas_s <= t_s + 1e-6 and name not in seen:
            seen.append(name)
    return seen


def class_words(p_person: float, p_animal: float) -> str:
    if p_person >= 0.8:
        return f"looks like persons (p {p_person:.2f})"
    if p_animal >= 0.6:
        return f"looks like an animal (p {p_animal:.2f})"
    return f"unclear what it is (person p {p_person:.2f}, animal p {p_animal:.2f})"


# --------------------------------------------------------------- the command's part


@dataclass(frozen=True)
class Line:
    """One narrated line: time, s; the record's kind; the words; where, if the record
    says (m); the unit it concerns ('' none)."""

    t_s: float
    kind: str
    text: str
    x: float | None = None
    y: float | None = None
    unit: str = ""


def narrate(files: RunFiles) -> list[Line]:
    """Every narrated line, in log order (see the module docstring)."""
    border = files.scenario["segment"]["border"]
    start = files.start
    raised: dict[int, dict[str, Any]] = {}
    decided_at: dict[int, float] = {}
    acted = {(ev["t_s"], ev["alert"]) for ev in files.events
             if ev["kind"] in ("team_tasked", "dispatch_skipped")}
    out: list[Line] = []
    ev: dict[str, Any] = {}

    def say(t: float, text: str) -> None:
        x, y = ev.get("x", ev.get("target_x")), ev.get("y", ev.get("target_y"))
        unit = ev.get("team") or ev.get("observer") or ev.get("by") or ev.get("sensor") or ""
        out.append(Line(t, ev["kind"], text, x, y, str(unit)))

    for ev in files.events:
        kind, t = ev["kind"], float(ev["t_s"])
        if kind not in NARRATED:
            continue
        if kind == "alert":
            raised[ev["alert"]] = ev
            if ev["source"]:
                say(t, f"ALERT A-{ev['alert']} (priority {ev['priority']}): "
                       f"{ev['source']} reports a group it saw, "
                       f"{place(border, ev['x'], ev['y'])}.")
            else:
                names = ", ".join(sensors_of(files, ev["track"], t)) or "sensors"
                say(t, f"ALERT A-{ev['alert']} (priority {ev['priority']}) on track "
                       f"T-{ev['track']}: {names} reported; "
                       f"{class_words(ev['p_person'], ev['p_animal'])}; "
                       f"{place(border, ev['x'], ev['y'])}.")
        elif kind == "verified":
            a = ev["alert"]
            decided_at[a] = t
            wait = ev["operator_start_s"] - raised[a]["t_s"] if a in raised else 0.0
            waited = f" (waited {minutes(wait)} for an operator)" if wait >= 60 else ""
            cam = ev["camera"]
            words = {
                "confirmed": f"the operator sees {ev['persons']} persons through {cam} "
                             "and confirms",
                "rejected": f"the operator sees nobody through {cam}: closed as a false "
                            "alarm",
                "dismissed": "no camera covers the spot and the class says animal: "
                             "dismissed",
                "check": (f"the operator sees nobody through {cam}, but the class says "
                          "person: a team is to check" if cam else
                          "no camera covers the spot: a team must go and look"),
            }[ev["decision"]]
            say(t, f"A-{a}: {words}{waited}.")
        elif kind == "team_tasked":
            task = "intercept" if ev["task"] == "intercept" else "check"
            late = (f", {minutes(t - decided_at[ev['alert']])} after the decision"
                    if t - decided_at.get(ev["alert"], t) >= 60 else "")
            say(t, f"{ev['team']} is sent to {task} A-{ev['alert']}{late}; it leaves at "
                   f"{clock(start, ev['leave_s']):%H:%M:%S}, heading for "
                   f"({ev['target_x']:.0f}, {ev['target_y']:.0f}).")
        elif kind == "dispatch_skipped":
            say(t, f"A-{ev['alert']} is not acted on: {ev['reason']}.")
        elif kind == "team_on_scene":
            say(t, f"{ev['team']} is on scene for A-{ev['alert']} and starts searching.")
        elif kind == "sighting":
            say(t, f"{ev['observer']} sees {ev['persons']} persons, "
                   f"{place(border, ev['x'], ev['y'])}.")
        elif kind == "chase":
            say(t, f"{ev['observer']} gives chase.")
        elif kind == "apprehended":
            say(t, f"{ev['by']} apprehends {ev['persons']} persons, "
                   f"{place(border, ev['x'], ev['y'])}.")
        elif kind == "team_returning":
            say(t, f"{ev['team']} {RETURN_WORDS.get(ev['reason'], 'heads back')} "
                   f"(A-{ev['alert']}).")
        elif kind == "team_back":
            say(t, f"{ev['team']} is back at base and free.")
        elif kind == "sensor_status":
            say(t, f"The command sees {ev['sensor']} "
                   f"{'offline: no heartbeat' if ev['status'] == 'offline' else 'online again'}.")
        elif kind == "operators_on_duty":
            say(t, f"{ev['on_duty']} operator{'s' if ev['on_duty'] != 1 else ''} now at the "
                   "console.")
        else:
            say(t, "⚑ INJECT " + inject_words(ev))
        decided = ((kind == "verified" and ev["decision"] in ("confirmed", "check"))
                   or (kind == "alert" and ev["source"]))   # a patrol's: verified already
        if decided and (ev["t_s"], ev["alert"]) not in acted:
            say(t, f"A-{ev['alert']}: no team is free; it waits for one.")
    return out


def inject_words(ev: dict[str, Any]) -> str:
    """An inject's line, without what the command could not know."""
    name, kind = ev["name"], ev["kind"]
    if kind == "inject_sensor_fail":
        return f"«{name}»: {ev['sensor']} stops working."
    if kind == "inject_sensor_repair":
        return f"«{name}»: {ev['sensor']} is repaired."
    if kind == "inject_group":
        return (f"«{name}»: a scripted crossing begins (who and where: see the "
                "after-action summary).")
    if kind == "inject_team_unavailable":
        return f"«{name}»: {ev['team']} is called away and cannot be tasked."
    if kind == "inject_team_available":
        return f"«{name}»: {ev['team']} can be tasked again."
    if kind == "inject_operators":
        n = ev["on_duty"]
        return f"«{name}»: shift change, {n} operator{'s' if n != 1 else ''} on duty from now."
    if kind == "inject_link_down":
        return f"«{name}»: the link of {ev['link']} goes down."
    if kind == "inject_link_up":
        return f"«{name}»: the link of {ev['link']} is up again."
    if kind == "inject_weather":
        vis = ev["visibility_m"]
        seen = f", visibility {vis:g} m" if vis is not None else ""
        return f"«{name}»: the weather turns to {ev['state']}{seen}."
    if kind == "inject_section_impact":
        return f"«{name}»: the NCC sets {ev['section']}'s impact level to {ev['level']}."
    return f"«{name}»."


# ----------------------------------------------------------------- the truth part


@dataclass(frozen=True)
class Wait:
    """A wait in the chain: ``seconds`` of ``what`` for ``subject`` (an alert ``A-3`` or
    a crossing)."""

    seconds: float
    subject: str
    what: str


def chain_waits(events: Iterable[dict[str, Any]],
                crossings: Iterable[dict[str, str]] = (),
                labels: dict[int, str] | None = None) -> list[Wait]:
    """Every wait in the chain: of each crossing until the command knew of it, of
    each alert for an operator, for a free team, for the team to leave and to reach
    the scene (its first arrival); longest first (ties: by subject)."""
    waits: list[Wait] = []
    for c in crossings:
        if c["known_s"]:
            label = (labels or {}).get(int(c["truth"]), c["id"])
            waits.append(Wait(float(c["known_s"]) - float(c["entry_s"]), label,
                              "across the line before the command knew"))
    raised: dict[int, float] = {}
    decided: dict[int, float] = {}
    tasked: dict[tuple[int, str], dict[str, Any]] = {}
    for ev in events:
        kind = ev["kind"]
        if kind == "alert":
            raised[ev["alert"]] = ev["t_s"]
        elif kind == "verified":
            a = ev["alert"]
            decided[a] = ev["t_s"]
            if a in raised:
                waits.append(Wait(ev["operator_start_s"] - raised[a], f"A-{a}",
                                  "waiting for an operator"))
        elif kind == "team_tasked":
            a = ev["alert"]
            tasked[(a, ev["team"])] = ev
            if a in decided:
                waits.append(Wait(ev["t_s"] - decided[a], f"A-{a}", "waiting for a free team"))
            waits.append(Wait(ev["leave_s"] - ev["t_s"], f"A-{a}",
                              f"{ev['team']} getting ready to leave"))
        elif kind == "team_on_scene" and (ev["alert"], ev["team"]) in tasked:
            task = tasked.pop((ev["alert"], ev["team"]))
            waits.append(Wait(ev["t_s"] - task["leave_s"], f"A-{ev['alert']}",
                              f"{ev['team']} on the way to the scene"))
    return sorted((w for w in waits if w.seconds > 0), key=lambda w: (-w.seconds, w.subject))


def after_action(files: RunFiles, longest: int = 8) -> list[str]:
    """The after-action summary's lines (markdown)."""
    start = files.start
    events = files.events
    lines: list[str] = []
    injected = {ev["group"]: ev for ev in events if ev["kind"] == "inject_group"}
    alerts = [ev for ev in events if ev["kind"] == "alert"]
    by_group: dict[int, list[int]] = defaultdict(list)
    for a in alerts:
        if a["truth"] >= 0:
            by_group[a["truth"]].append(a["alert"])

    n = len(files.crossings)
    detected = [c for c in files.crossings if c["known_s"]]
    lines.append("### Crossings")
    lines.append("")
    lines.append(f"{n} groups crossed; the command knew of {len(detected)} of them.")
    lines.append("")
    for c in files.crossings:
        truth = int(c["truth"])
        label = c["id"]
        if truth in injected:
            inj = injected[truth]
            label += f" «{inj['name']}»{' (decoy)' if inj['decoy'] else ''}"
        entered = clock(start, float(c["entry_s"]))
        text = (f"- {label}: {c['size']} persons crossed at {entered:%H:%M:%S} at "
                f"({float(c['entry_x']):.0f}, {float(c['entry_y']):.0f}); outcome "
                f"{c['outcome'].replace('_', ' ')}")
        if c["known_s"]:
            text += (f"; the command knew {minutes(float(c['known_s']) - float(c['entry_s']))}"
                     " after it crossed")
            if by_group.get(truth):
                text += " (alerts " + ", ".join(f"A-{a}" for a in by_group[truth]) + ")"
        else:
            text += "; never detected"
        if c["outcome"] == "apprehended":
            text += f"; {c['persons_apprehended']} apprehended by {c['by']}"
        lines.append(text + ".")
    lines.append("")
    lines.append("### Alerts")
    lines.append("")
    real = sum(1 for a in alerts if a["truth"] >= 0)
    lines.append(f"{len(alerts)} alerts: {real} on real groups, {len(alerts) - real} false "
                 "(animals, wind, clutter).")
    lines.append("")
    for a in alerts:
        who = (f"group {_group_label(a['truth'], injected)}" if a["truth"] >= 0
               else "nobody (a false alarm)")
        lines.append(f"- A-{a['alert']} at {clock(start, a['t_s']):%H:%M:%S}: {who}.")
    lines.append("")
    lines.append("### Where time was lost")
    lines.append("")
    labels = {int(c["truth"]): _group_label(int(c["truth"]), injected)
              for c in files.crossings}
    waits = chain_waits(events, files.crossings, labels)[:longest]
    if not waits:
        lines.append("No waits in the chain.")
    for w in waits:
        lines.append(f"- {w.subject}: {minutes(w.seconds)} {w.what}.")
    lines.append("")
    lines.append("### What each team did")
    lines.append("")
    lines.extend(team_lines(files, injected))
    return lines


def _group_label(truth: int, injected: dict[int, dict[str, Any]]) -> str:
    name = group_name(truth)
    if truth in injected:
        inj = injected[truth]
        name += f" «{inj['name']}»{' (decoy)' if inj['decoy'] else ''}"
    return name


def team_lines(files: RunFiles, injected: dict[int, dict[str, Any]]) -> list[str]:
    """One line per mission of each team: task, alert, for whom, how long, how it ended."""
    start = files.start
    teams = [t["id"] for t in files.scenario.get("response", {}).get("teams", [])]
    missions: dict[str, list[dict[str, Any]]] = {t: [] for t in teams}
    current: dict[str, dict[str, Any]] = {}
    for ev in files.events:
        kind = ev["kind"]
        if kind == "team_tasked":
            current[ev["team"]] = {"task": ev, "reason": None, "back": None}
            missions.setdefault(ev["team"], []).append(current[ev["team"]])
        elif kind == "team_returning" and ev["team"] in current:
            current[ev["team"]]["reason"] = ev["reason"]
        elif kind == "team_back" and ev["team"] in current:
            current.pop(ev["team"])["back"] = ev["t_s"]
    horizon = files.events[-1]["t_s"] if files.events else 0.0
    lines = []
    for team, done in missions.items():
        if not done:
            lines.append(f"- {team}: no mission.")
            continue
        busy = sum((m["back"] if m["back"] is not None else horizon) - m["task"]["t_s"]
                   for m in done)
        false = sum((m["back"] if m["back"] is not None else horizon) - m["task"]["t_s"]
                    for m in done if m["task"]["truth"] < 0)
        lines.append(f"- {team}: {len(done)} missions, out {minutes(busy)} in all, "
                     f"{minutes(false)} of it on false alarms.")
        for m in done:
            task = m["task"]
            who = (f"group {_group_label(task['truth'], injected)}" if task["truth"] >= 0
                   else "nobody (a false alarm)")
            end = (f"back {clock(start, m['back']):%H:%M:%S}" if m["back"] is not None
                   else "still out at the end")
            lines.append(f"  - {clock(start, task['t_s']):%H:%M:%S} {task['task']} "
                         f"A-{task['alert']} — {who}; "
                         f"{m['reason'] or 'no result yet'}; {end}.")
    return lines


# ------------------------------------------------------------------------ the file


def timeline_markdown(files: RunFiles) -> str:
    """The whole ``timeline.md``."""
    sc = files.scenario
    start = files.start
    cmd = sc.get("command", {})
    teams = [t["id"] for t in sc.get("response", {}).get("teams", [])]
    patrols = [p["id"] for p in sc.get("patrols", [])]
    lines = [f"# {sc['name']} — timeline", "",
             f"Start {start:%A %d %B %Y, %H:%M} local time. {sc.get('description', '')}",
             "",
             "## The night as the command saw it", "",
             "What reached the command, in time order. Lines marked ⚑ are injects of the "
             "exercise script. The truth — who really crossed, and where — follows in the "
             "after-action summary.", "",
             f"At the start: {cmd.get('operators', '?')} operators at the console; reaction "
             f"teams {', '.join(teams) or 'none'} at their bases; patrols "
             f"{', '.join(patrols) or 'none'}.", ""]
    day = None
    for line in narrate(files):
        at = clock(start, line.t_s)
        text = line.text
        if at.date() != day:
            lines += [""] if day is not None else []
            day = at.date()
            lines += [f"### {at:%A %d %B %Y}", ""]
        lines.append(f"- **{at:%H:%M:%S}** {text}")
    lines += ["", "## After-action summary (the truth)", ""]
    lines += after_action(files)
    return "\n".join(lines) + "\n"


def timeline_json(files: RunFiles) -> str:
    """``timeline.json``: the narrated lines as data, for the replay (`viz.replay`)."""
    start = files.start
    rows = [{"t_s": round(line.t_s, 3), "clock": f"{clock(start, line.t_s):%H:%M:%S}",
             "kind": line.kind, "inject": line.kind.startswith("inject"),
             "text": line.text, "unit": line.unit,
             "x": None if line.x is None else round(float(line.x), 1),
             "y": None if line.y is None else round(float(line.y), 1)}
            for line in narrate(files)]
    return json.dumps({"start": start.isoformat(), "lines": rows}, ensure_ascii=False,
                      separators=(",", ":")) + "\n"


def write_timeline(run_dir: str | Path, replication: int = 0) -> Path:
    """Write ``timeline.md`` and ``timeline.json`` into ``run_dir`` from its files;
    returns the path of ``timeline.md``."""
    from sim.outputs import write_text_atomic

    files = read_run(run_dir, replication)
    target = Path(run_dir) / "timeline.md"
    write_text_atomic(target, timeline_markdown(files))
    write_text_atomic(Path(run_dir) / "timeline.json", timeline_json(files))
    return target
