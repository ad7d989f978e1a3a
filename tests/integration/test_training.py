"""The training demonstration: ``run_sim.py demo`` and ``replay``, the timeline checked
line by line against the event log, and the interactive replay in a real browser.

The demo runs once per module (about 12 s); the browser test drives Debian's
Chromium through Playwright (no browser download). Outside CI the browser test is
skipped, with the reason, when Chromium or Playwright is missing; in CI (``CI`` set)
it fails instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.conftest import call_cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCRIPTED_BASE = 1_000_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201
    out = tmp_path_factory.mktemp("demo") / "night"
    started = time.process_time()
    outcome = call_cli(["demo", "--out", str(out), "--quiet"], timeout_s=600)
    cpu_s = time.process_time() - started
    assert outcome.is_success(), outcome.lines
    return out, cpu_s


def read_events(run_dir: Path) -> list[dict]:
    with (run_dir / "events.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ------------------------------------------------------------------- the command


def test_demo_writes_everything_in_under_a_minute(demo) -> None:  # noqa: ANN001
    # CPU time of the demo (it runs in this process): wall time on a machine shared by
    # other jobs says more about them than about the demo
    out, cpu_s = demo
    assert cpu_s < 60.0, f"demo took {cpu_s:.1f} s of CPU"
    for name in ("timeline.md", "timeline.json", "map.png", "timeline.png", "replay.gif",
                 "replay.html", "coverage.json", "events.jsonl", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "replay.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    # the script's injects are all in the log
    kinds = Counter(e["kind"] for e in read_events(out) if e["kind"].startswith("inject"))
    assert set(kinds) == {"inject_operators", "inject_sensor_fail", "inject_sensor_repair",
                          "inject_team_unavailable", "inject_team_available",
                          "inject_group"}


def test_replay_rebuilds_from_the_run_directory(demo, tmp_path) -> None:  # noqa: ANN001
    out, _ = demo
    before = (out / "timeline.md").read_bytes()
    (out / "replay.html").unlink()
    outcome = call_cli(["replay", str(out), "--quiet"], timeout_s=600)
    assert outcome.is_success(), outcome.lines
    assert (out / "replay.html").is_file()
    assert (out / "timeline.md").read_bytes() == before       # deterministic


@pytest.mark.parametrize("case", ["missing", "file", "empty", "half"])
def test_replay_of_a_bad_run_directory_is_one_line(case: str, tmp_path: Path) -> None:
    target = tmp_path / "x"
    if case == "file":
        target.write_text("not a run")
    elif case == "empty":
        target.mkdir()
    elif case == "half":
        target.mkdir()
        (target / "summary.json").write_text("{}")
        (target / "scenario.yaml").write_text("name: x\n")
    outcome = call_cli(["replay", str(target)])
    assert outcome.is_clean_refusal(), outcome.lines
    assert "RUNDIR" in outcome.lines[0] and str(target) in outcome.lines[0]


# ------------------------------------------------- timeline.md against events.jsonl


def minutes(seconds: float) -> str:
    """The timeline's duration words (its documented format)."""
    s = max(0.0, seconds)
    if s < 60:
        return f"{s:.0f} s"
    m = int(round(s / 60))
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def group_id(truth: int) -> str:
    return (f"scripted-{truth - SCRIPTED_BASE + 1:02d}" if truth >= SCRIPTED_BASE
            else f"group-{truth:04d}")


class Log:
    """events.jsonl, indexed for the checks."""

    def __init__(self, events: list[dict]) -> None:
        self.events = events
        self.by_kind: dict[str, list[dict]] = defaultdict(list)
        for e in events:
            self.by_kind[e["kind"]].append(e)
        self.alert = {e["alert"]: e for e in self.by_kind["alert"]}
        self.verified = {e["alert"]: e for e in self.by_kind["verified"]}
        self.used: Counter[int] = Counter()

    def take(self, kind: str, second: int, **fields: object) -> dict:
        """The first unused event of ``kind`` in that second with those fields."""
        for i, e in enumerate(self.events):
            if e["kind"] == kind and int(e["t_s"]) == second and self.used[i] == 0 \
                    and all(e.get(k) == v for k, v in fields.items()):
                self.used[i] += 1
                return e
        raise AssertionError(f"no {kind} event at second {second} with {fields}")


NARRATED_KINDS = ("alert", "verified", "team_tasked", "dispatch_skipped", "team_on_scene",
                  "sighting", "chase", "apprehended", "team_returning", "team_back",
                  "sensor_status", "operators_on_duty")


def check_narrated_line(text: str, second: int, log: Log) -> str:
    """Check one narrated line against the log; returns the event kind it stands for."""
    if m := re.match(r"ALERT A-(\d+) \(priority (\d)\)", text):
        e = log.take("alert", second, alert=int(m[1]), priority=int(m[2]))
        if e["source"]:
            assert f"{e['source']} reports a group it saw" in text
        else:
            assert f"on track T-{e['track']}:" in text
        return "alert"
    if m := re.match(r"A-(\d+): no team is free; it waits for one\.$", text):
        a = int(m[1])
        v = log.verified.get(a) or log.alert[a]          # a patrol's alert is verified
        assert int(v["t_s"]) == second
        assert v.get("decision", "confirmed") in ("confirmed", "check")
        assert v["kind"] == "verified" or v["source"]
        assert not [e for e in log.by_kind["team_tasked"] + log.by_kind["dispatch_skipped"]
                    if e["alert"] == a and e["t_s"] == v["t_s"]]
        return "waits"
    if m := re.match(r"A-(\d+): (.*)\.$", text):
        a, words = int(m[1]), m[2]
        fields: dict[str, object] = {"alert": a}
        if c := re.match(r"the operator sees (\d+) persons through (\S+) and confirms", words):
            fields.update(decision="confirmed", persons=int(c[1]), camera=c[2])
        elif c := re.match(r"the operator sees nobody through (\S+): closed", words):
            fields.update(decision="rejected", camera=c[1])
        elif c := re.match(r"the operator sees nobody through (\S+), but the class", words):
            fields.update(decision="check", camera=c[1])
        elif words.startswith("no camera covers the spot and the class says animal"):
            fields.update(decision="dismissed", camera="")
        elif words.startswith("no camera covers the spot: a team must go and look"):
            fields.update(decision="check", camera="")
        else:
            raise AssertionError(f"unknown decision line: {text}")
        e = log.take("verified", second, **fields)
        if w := re.search(r"\(waited (.+) for an operator\)", words):
            assert w[1] == minutes(e["operator_start_s"] - log.alert[a]["t_s"])
        else:
            assert e["operator_start_s"] - log.alert[a]["t_s"] < 60
        return "verified"
    if m := re.match(r"(\S+) is sent to (intercept|check) A-(\d+)", text):
        e = log.take("team_tasked", second, team=m[1], task=m[2], alert=int(m[3]))
        leave = re.search(r"it leaves at (\d\d:\d\d:\d\d)", text)
        assert leave is not None
        return "team_tasked"
    if m := re.match(r"A-(\d+) is not acted on: (.+)\.$", text):
        log.take("dispatch_skipped", second, alert=int(m[1]), reason=m[2])
        return "dispatch_skipped"
    if m := re.match(r"(\S+) is on scene for A-(\d+) and starts searching\.$", text):
        log.take("team_on_scene", second, team=m[1], alert=int(m[2]))
        return "team_on_scene"
    if m := re.match(r"(\S+) sees (\d+) persons, ", text):
        log.take("sighting", second, observer=m[1], persons=int(m[2]))
        return "sighting"
    if m := re.match(r"(\S+) gives chase\.$", text):
        log.take("chase", second, observer=m[1])
        return "chase"
    if m := re.match(r"(\S+) apprehends (\d+) persons, ", text):
        log.take("apprehended", second, by=m[1], persons=int(m[2]))
        return "apprehended"
    if m := re.match(r"(\S+) (heads back with|lost the track|searched the area|gives up)"
                     r".*\(A-(\d+)\)\.$", text):
        reason = {"heads back with": "apprehended", "lost the track": "lost",
                  "searched the area": "searched", "gives up": "given_up"}[m[2]]
        log.take("team_returning", second, team=m[1], alert=int(m[3]), reason=reason)
        return "team_returning"
    if m := re.match(r"(\S+) is back at base and free\.$", text):
        log.take("team_back", second, team=m[1])
        return "team_back"
    if m := re.match(r"The command sees (\S+) (offline|online)", text):
        log.take("sensor_status", second, sensor=m[1], status=m[2])
        return "sensor_status"
    if m := re.match(r"(\d+) operators? now at the console\.$", text):
        log.take("operators_on_duty", second, on_duty=int(m[1]))
        return "operators_on_duty"
    if m := re.match(r"⚑ INJECT «(.+?)»", text):
        e = log.take(next(k for k in log.by_kind if k.startswith("inject") and any(
            x["name"] == m[1] and int(x["t_s"]) == second for x in log.by_kind[k])),
            second, name=m[1])
        return e["kind"]
    raise AssertionError(f"a timeline line that matches no event: {text}")


def detected_groups(log: Log) -> set[int]:
    known = {e["truth"] for e in log.by_kind["alert"] if e["truth"] >= 0}
    known |= {e["group"] for e in log.by_kind["sighting"] if e["observer"].startswith("patrol")}
    return known


def outcome_of(group: int, log: Log) -> str:
    if any(e["group"] == group for e in log.by_kind["apprehended"]):
        return "apprehended"
    if any(e["group"] == group for e in log.by_kind["turned_back"]):
        return "turned back"
    return "got away" if group in detected_groups(log) else "undetected"


def all_waits(log: Log) -> list[tuple[float, str, str]]:
    """Every wait, as the summary defines them, computed here from the log."""
    waits = []
    known: dict[int, float] = {}
    for e in log.by_kind["alert"]:
        if e["truth"] >= 0:
            known.setdefault(e["truth"], e["t_s"])
    for e in log.by_kind["sighting"]:
        if e["observer"].startswith("patrol"):
            known[e["group"]] = min(known.get(e["group"], e["t_s"]), e["t_s"])
    for c in log.by_kind["crossing"]:
        if c["group"] in known:
            waits.append((known[c["group"]] - c["t_s"], group_id(c["group"]),
                          "across the line before the command knew"))
    for v in log.by_kind["verified"]:
        waits.append((v["operator_start_s"] - log.alert[v["alert"]]["t_s"], f"A-{v['alert']}",
                      "waiting for an operator"))
    on_scene = {}
    for e in log.by_kind["team_on_scene"]:
        on_scene.setdefault((e["alert"], e["team"]), e["t_s"])
    for t in log.by_kind["team_tasked"]:
        a = t["alert"]
        if a in log.verified:
            waits.append((t["t_s"] - log.verified[a]["t_s"], f"A-{a}", "waiting for a free team"))
        waits.append((t["leave_s"] - t["t_s"], f"A-{a}", f"{t['team']} getting ready to leave"))
        if (a, t["team"]) in on_scene:
            waits.append((on_scene[(a, t["team"])] - t["leave_s"], f"A-{a}",
                          f"{t['team']} on the way to the scene"))
    return [w for w in waits if w[0] > 0]


def check_summary_line(line: str, log: Log, start: dt.datetime, section: str,
                       team: list[str]) -> None:
    clock = lambda t: f"{start + dt.timedelta(seconds=int(t)):%H:%M:%S}"  # noqa: E731
    injected = {e["group"]: e for e in log.by_kind["inject_group"]}
    if m := re.match(r"(\d+) groups crossed; the command knew of (\d+) of them\.$", line):
        assert int(m[1]) == len(log.by_kind["crossing"])
        assert int(m[2]) == len(detected_groups(log) & {c["group"] for c in
                                                        log.by_kind["crossing"]})
    elif m := re.match(r"- (group-\d{4}|scripted-\d\d)( «(.+?)»)?( \(decoy\))?: (\d+) persons "
                       r"crossed at (\S+) at \((-?\d+), (-?\d+)\); outcome ([a-z ]+)(.*)\.$",
                       line):
        c = next(c for c in log.by_kind["crossing"] if group_id(c["group"]) == m[1])
        g = c["group"]
        assert (int(m[5]), m[6], int(m[7]), int(m[8])) == (
            c["size"], clock(c["t_s"]), round(c["entry_x"]), round(c["entry_y"]))
        assert m[9] == outcome_of(g, log)
        if g in injected:
            assert m[3] == injected[g]["name"] and bool(m[4]) == injected[g]["decoy"]
        rest = m[10]
        if g in detected_groups(log):
            alerts = [f"A-{e['alert']}" for e in log.by_kind["alert"] if e["truth"] == g]
            if alerts:
                assert f"(alerts {', '.join(alerts)})" in rest
        else:
            assert "never detected" in rest
        if a := re.search(r"; (\d+) apprehended by (\S+)$", rest):
            caught = [e for e in log.by_kind["apprehended"] if e["group"] == g]
            assert int(a[1]) == sum(e["persons"] for e in caught) and a[2] == caught[0]["by"]
    elif m := re.match(r"(\d+) alerts: (\d+) on real groups, (\d+) false", line):
        alerts = log.by_kind["alert"]
        real = sum(1 for a in alerts if a["truth"] >= 0)
        assert (int(m[1]), int(m[2]), int(m[3])) == (len(alerts), real, len(alerts) - real)
    elif m := re.match(r"- A-(\d+) at (\S+): (group ([\w-]+)|nobody)", line):
        a = log.alert[int(m[1])]
        assert m[2] == clock(a["t_s"])
        assert (m[4] == group_id(a["truth"])) if a["truth"] >= 0 else m[3] == "nobody"
    elif section == "Where time was lost" and (m := re.match(
            r"- (\S+)(?: «.+?»)?(?: \(decoy\))?: (.+?) (across the line.*|waiting.*|"
            r"team-\S+ (?:getting|on the way).*)\.$", line)):
        matching = [w for w in all_waits(log) if w[1] == m[1] and w[2] == m[3]
                    and minutes(w[0]) == m[2]]
        assert matching, line
        team.append(m[2])
    elif m := re.match(r"- (team-\S+): (\d+) missions, out (.+) in all, (.+) of it on false "
                       r"alarms\.$", line):
        tasks = [t for t in log.by_kind["team_tasked"] if t["team"] == m[1]]
        assert int(m[2]) == len(tasks)
        backs = [b["t_s"] for b in log.by_kind["team_back"] if b["team"] == m[1]]
        busy = sum(b - t["t_s"] for t, b in zip(tasks, backs, strict=False))
        assert m[3] == minutes(busy) or len(backs) < len(tasks)
    elif m := re.match(r"  - (\S+) (intercept|check) A-(\d+) — (group ([\w-]+)|nobody).*; "
                       r"(apprehended|lost|searched|given_up|no result yet); "
                       r"(back (\S+)|still out at the end)\.$", line):
        t = next(t for t in log.by_kind["team_tasked"] if t["alert"] == int(m[3])
                 and clock(t["t_s"]) == m[1])
        assert t["task"] == m[2]
        assert (m[5] == group_id(t["truth"])) if t["truth"] >= 0 else m[4] == "nobody"
        ret = [r for r in log.by_kind["team_returning"] if r["team"] == t["team"]
               and r["alert"] == t["alert"]]
        assert m[6] == (ret[0]["reason"] if ret else "no result yet")
    elif re.match(r"- team-\S+: no mission\.$", line) or line == "No waits in the chain.":
        pass
    else:
        raise AssertionError(f"an after-action line that matches nothing: {line!r}")


def test_every_line_of_the_timeline_agrees_with_the_event_log(demo) -> None:  # noqa: ANN001
    out, _ = demo
    kinds = check_timeline(out)
    assert kinds["inject_group"] == 2 and kinds["alert"] >= 5


def test_the_timeline_of_a_busier_run_agrees_too(tmp_path: Path) -> None:
    """tiny.yaml: a patrol on the route, a team often busy — other lines of the chain."""
    from sim.engine import run_replication
    from sim.narrative import write_timeline
    from sim.results import write_run_dir
    from sim.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "tiny.yaml")
    out = write_run_dir(tmp_path / "tiny", scenario, 2,
                        [run_replication(scenario, 2)], "test")
    write_timeline(out)
    kinds = check_timeline(out)
    assert kinds["alert"] >= 10 and kinds["apprehended"] >= 1 and kinds["waits"] >= 1


def check_timeline(out: Path) -> Counter[str]:
    """Check timeline.md of ``out`` line by line; returns the kinds of lines seen."""
    events = [e for e in read_events(out) if e["replication"] == 0]
    log = Log(events)
    text = (out / "timeline.md").read_text(encoding="utf-8")
    narrated, summary = text.split("\n## After-action summary (the truth)\n")
    start = dt.datetime.fromisoformat(re.search(r"start: '?([\d\-T:]+)", (
        out / "scenario.yaml").read_text(encoding="utf-8"))[1])

    day, previous = None, -1.0
    kinds: Counter[str] = Counter()
    for line in narrated.splitlines():
        if m := re.match(r"### \w+ (\d\d \w+ \d{4})$", line):
            day = dt.datetime.strptime(m[1], "%d %B %Y").date()
        elif m := re.match(r"- \*\*(\d\d:\d\d:\d\d)\*\* (.*)$", line):
            assert day is not None
            at = dt.datetime.combine(day, dt.time.fromisoformat(m[1]))
            second = int((at - start).total_seconds())
            assert second >= previous, "the narrated part is in time order"
            previous = second
            kinds[check_narrated_line(m[2], second, log)] += 1
            # the command's part names no true group
            assert not re.search(r"group-\d|scripted-\d|decoy\b", m[2]), m[2]
        else:
            assert (line == "" or line.startswith(("# ", "## ", "Start ", "What reached",
                                                   "At the start:"))), line
    # nothing narratable was left out: one line per command-side event and inject
    for kind in NARRATED_KINDS:
        assert kinds[kind] == len(log.by_kind[kind]), kind
    for kind in [k for k in log.by_kind if k.startswith("inject")]:
        assert kinds[kind] == len(log.by_kind[kind]), kind

    section, waits = "", []
    for line in summary.splitlines():
        if line.startswith("### "):
            section = line[4:]
        elif line.strip():
            check_summary_line(line, log, start, section, waits)
    # the longest waits come first, and the first is the longest of all
    assert waits and waits[0] == minutes(max(w[0] for w in all_waits(log)))
    return kinds


# --------------------------------------------------------------- the browser test


def _browser_or_skip() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"in CI the browser test must run: {reason}")
        pytest.skip(reason)


def _wait_until(page, expression: str, timeout_s: float) -> None:  # noqa: ANN001
    """Poll ``expression`` from Python until it is true.

    Not ``page.wait_for_function``: that polls inside the page by compiling the
    expression there, which the replay's Content-Security-Policy (no 'unsafe-eval')
    forbids — it failed whenever the first check came too early, on a loaded machine.
    ``page.evaluate`` runs through the debugging protocol, outside the page's policy.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true after {timeout_s} s: {expression}"
        page.wait_for_timeout(50)


def test_the_replay_plays_in_a_browser_offline_and_without_errors(demo, tmp_path) -> None:  # noqa: ANN001
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    out, _ = demo
    page_url = (out / "replay.html").resolve().as_uri()
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 800})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_default_timeout(10_000)
            page.goto(page_url)

            def current() -> str:
                return page.evaluate(
                    "document.querySelector('#log li.current')?.textContent || ''")
            clock0 = page.text_content("#clock")
            assert clock0 and clock0.endswith("20:00:00")
            assert not page.is_visible("#layer-truth")          # hidden at first
            page.click("#play")
            _wait_until(page, f"document.querySelector('#clock').textContent !== "
                              f"{json.dumps(clock0)}", timeout_s=10.0)
            page.click("#play")                                 # pause
            paused = page.text_content("#clock")
            page.wait_for_timeout(300)
            assert page.text_content("#clock") == paused
            before = current()
            page.click("#next-event")
            after = page.text_content("#clock") or ""
            assert after != paused
            assert current() != before and current().startswith(after[-8:])
            page.click("#next-inject")
            assert "INJECT" in current()
            assert page.is_visible("#layer-coverage")
            page.click("#toggle-coverage")
            assert page.is_hidden("#layer-coverage")
            page.click("#toggle-truth")
            assert page.is_visible("#layer-truth")
            page.click("#slider", position={"x": 400, "y": 5})   # somewhere in the night
            page.locator("#layer-units circle").first.dispatch_event("click")
            assert page.text_content("#details").strip()
            page.screenshot(path=str(tmp_path / "replay.png"))
        finally:
            browser.close()
    assert (tmp_path / "replay.png").stat().st_size > 10_000
    assert requests == [page_url], f"the page asked for {requests}"
    assert errors == []


# ------------------------------------------------------- replay of a damaged run folder


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):  # noqa: ANN001, ANN201
    out = tmp_path_factory.mktemp("tiny") / "run"
    tiny = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
    outcome = call_cli(["run", str(tiny), "--out", str(out), "-q", "--no-plots",
                        "--set", "duration=4h"])
    assert outcome.is_success(), outcome.lines
    return out


def damaged_copy(run: Path, tmp_path: Path, name: str, damage) -> Path:  # noqa: ANN001
    import shutil

    target = tmp_path / "run"
    shutil.copytree(run, target)
    path = target / name
    path.write_bytes(damage(path.read_bytes()))
    # outputs of an earlier replay: a failed one must leave them as they were
    for earlier in ("timeline.md", "timeline.json", "replay.html"):
        (target / earlier).write_text(f"earlier {earlier}\n", encoding="utf-8")
    return target


def cut_mid_row(data: bytes) -> bytes:
    """The file as a crash leaves it: line 6 cut after its third field."""
    lines = data.split(b"\n")
    return b"\n".join([*lines[:5], b",".join(lines[5].split(b",")[:3])])


def line_changed(number: int, column: int, value: bytes):  # noqa: ANN201 - a function
    def damage(data: bytes) -> bytes:
        lines = data.split(b"\n")
        fields = lines[number - 1].split(b",")
        fields[column] = value
        lines[number - 1] = b",".join(fields)
        return b"\n".join(lines)

    return damage


def broken_line_5(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[4] = lines[4][:7] + b" oops"
    return b"\n".join(lines)


@pytest.mark.parametrize(("name", "damage", "message"), [
    ("trajectories.csv", cut_mid_row, "trajectories.csv: line 6: 3 fields, expected 6"),
    ("events.jsonl", broken_line_5, "events.jsonl: line 5: not a JSON object"),
    ("tracks.csv", line_changed(3, 1, b"x"),
     "tracks.csv: line 3: column 'track': expected a whole number, got 'x'"),
    ("alerts.csv", line_changed(2, 2, b"soon"),
     "alerts.csv: line 2: column 'time': expected a number, got 'soon'"),
    ("scenario.yaml", lambda b: b + b"  - [1, 2\n", "scenario.yaml: line "),
    ("summary.json", lambda b: b[:20], "summary.json: line "),
    ("coverage.json", lambda b: b"\xff" + b, "coverage.json: line 1: not UTF-8 text"),
    ("summary.json", lambda b: b"[1, 2]", "summary.json: expected a JSON object"),
    ("detections.csv", lambda b: b.replace(b"\n", b"\n\xff", 1), "detections.csv: line 2: not "
     "UTF-8 text"),
])
def test_replay_of_a_damaged_file_names_it_and_writes_nothing(tiny_run, snapshot, tmp_path,
                                                              name, damage, message):
    run = damaged_copy(tiny_run, tmp_path, name, damage)
    before = snapshot(tmp_path)
    outcome = call_cli(["replay", str(run)])
    assert outcome.is_clean_refusal(), outcome.lines
    assert outcome.lines[0].startswith(f"error: {run / message.split(':')[0]}:"), outcome.lines
    assert message in outcome.lines[0], outcome.lines
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"),
                                     KeyboardInterrupt()])
def test_replay_that_fails_midway_leaves_the_folder_as_it_was(tiny_run, snapshot, tmp_path,
                                                              monkeypatch, failure):
    """The map and timeline.png are made when the animation fails: neither they nor the
    timeline reach the folder, and the earlier replay's files stay."""
    import viz.animation

    run = damaged_copy(tiny_run, tmp_path, "summary.json", lambda b: b)
    before = snapshot(tmp_path)

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(viz.animation, "animate", fail)
    outcome = call_cli(["replay", str(run)])
    if isinstance(failure, OSError):
        assert outcome.is_clean_refusal(), outcome.lines
        assert "No space left on device" in outcome.lines[0]
    else:
        assert outcome.status == 130 and outcome.lines == ["interrupted"]
    assert snapshot(tmp_path) == before


# ------------------------------------------- each input read once; staging leftovers


def test_what_the_check_read_is_what_reading_the_files_gives(tiny_run, tmp_path) -> None:  # noqa: ANN001
    """`replay` draws from what `check_run_files` parsed, not from the files read again:
    the timeline's files, the pictures' data and the map are the same either way."""
    from sim.narrative import read_run, run_files
    from viz.map import draw_map
    from viz.rundata import check_run_files, read_run_dir

    inputs = check_run_files(tiny_run)
    assert run_files(inputs.events(), inputs.scenario(), inputs.rows("sensors.csv"),
                     inputs.rows("detections.csv"), inputs.rows("crossings.csv")) == (
        read_run(tiny_run))
    checked, read = read_run_dir(tiny_run, inputs=inputs), read_run_dir(tiny_run)
    for name in ("scenario", "coverage", "crossings", "alerts", "events", "lines"):
        assert getattr(checked, name) == getattr(read, name), name
    assert [(p.mover, p.kind, p.t_s.tolist(), p.xy.tolist()) for p in checked.paths] == [
        (p.mover, p.kind, p.t_s.tolist(), p.xy.tolist()) for p in read.paths]
    assert {k: v.tolist() for k, v in checked.tracks.items()} == {
        k: v.tolist() for k, v in read.tracks.items()}
    assert (draw_map(tiny_run, tmp_path / "a.png", inputs=inputs).read_bytes()
            == draw_map(tiny_run, tmp_path / "b.png").read_bytes())


def test_a_replay_killed_outright_leaves_a_staging_folder_the_next_one_removes(
        tiny_run, tmp_path) -> None:  # noqa: ANN001
    """SIGKILL runs no clean-up: the killed replay's ``.staging-*`` folder stays, and the
    next replay of the folder removes it (its lock is free) and writes the same files as
    a replay of an untouched copy."""
    import shutil
    import signal
    import subprocess
    import sys

    outputs = ("timeline.md", "timeline.json", "map.png", "timeline.png", "replay.gif",
               "replay.html")
    reference = tmp_path / "reference"
    shutil.copytree(tiny_run, reference)
    assert call_cli(["replay", str(reference), "-q"], timeout_s=600).is_success()
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    script = Path(__file__).resolve().parents[2] / "run_sim.py"
    child = subprocess.Popen([sys.executable, str(script), "replay", str(run), "-q"])
    try:
        deadline = time.monotonic() + 120
        while not list(run.glob(".staging-*/timeline.md")):   # mid-way: pictures next
            assert child.poll() is None and time.monotonic() < deadline, "not caught mid-way"
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    left = list(run.glob(".staging-*"))
    assert len(left) == 1 and not any((run / name).exists() for name in outputs)
    assert call_cli(["replay", str(run), "-q"], timeout_s=600).is_success()
    assert not list(run.glob(".staging-*"))
    for name in outputs:
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name
