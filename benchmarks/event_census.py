"""What a replication's SimPy events are, and how many share their instant.

The census behind the event table of ``benchmarks/README.md`` ("`scale_year`: still not
met"): it wraps `simpy.Environment.step` for one replication, names each event by its
first callback (a process by its generator, other callbacks by their qualified name),
and prints how many events of each name were stepped. It also counts the report
arrivals (``World._arrive``) that fall on the same simulated instant as another event:
those are the ties whose order SimPy settles by event id, and which any model that
delivers a window's reports as one event would have to reproduce to keep
``events.jsonl`` byte-identical. Last, it lists the instants that hold events of more
than one name, by their set of names: which kinds of event ever tie with which.

    python benchmarks/event_census.py                                   # a scale_year day
    python benchmarks/event_census.py scenarios/default.yaml --set duration=1d
    python benchmarks/event_census.py --whole-command run scenarios/scale_year.yaml \
        --no-plots -q --out /tmp/year --overwrite --seed 1           # a whole year

``--whole-command`` runs a ``run_sim.py`` command as it is (files and all) and counts
as it goes, keeping only the current instant's names: the events, the instants, the
instants holding more than one name, and those holding a report-path event (a feed's
wake or an arrival) beside an event of another name, with the first few of those.

Counting only, nothing timed: the wrapper slows the run about twofold.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import heapq
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import simpy

ROOT = Path(__file__).resolve().parents[1]
ARRIVAL = "World._arrive.<locals>.arrive"


def event_name(event: simpy.events.Event) -> str:
    """An event's name: its first callback's generator or qualified name (a plain call
    of `sim.engine.Clock`, the called function's)."""
    if not isinstance(event, simpy.events.Event):
        return getattr(event, "__qualname__", type(event).__name__)
    callbacks = event.callbacks or []
    if not callbacks:
        return type(event).__name__
    callback = callbacks[0]
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, simpy.events.Process):
        return "process " + owner._generator.__name__
    return getattr(callback, "__qualname__", type(callback).__name__)


def census(scenario_path: str, overrides: list[str], seed: int) -> list[tuple[float, str]]:
    """(time s, name) of every event one replication steps, in the order stepped."""
    sys.path.insert(0, str(ROOT))
    from sim.engine import run_replication
    from sim.scenario import load_scenario

    stepped: list[tuple[float, str]] = []
    scenario = load_scenario(scenario_path, overrides)
    with stepping(lambda when, name: stepped.append((when, name))):
        run_replication(scenario, seed)
    return stepped


@contextlib.contextmanager
def stepping(seen: Callable[[float, str], None]) -> Iterator[None]:
    """Within the block, ``seen(time s, name)`` is called for every event SimPy steps,
    before it is stepped (`sim.engine.Clock`'s plain calls one by one, as events)."""
    sys.path.insert(0, str(ROOT))
    from sim.engine import Clock

    step, clock_step = simpy.Environment.step, Clock.step

    def counting_step(env: simpy.Environment) -> None:
        when, _, _, event = env._queue[0]
        seen(when, event_name(event))
        if not isinstance(env, Clock):
            step(env)
        elif isinstance(event, simpy.events.Event):
            clock_step(env)              # steps this event alone: it is at the head
        else:
            heapq.heappop(env._queue)
            env._now = when
            event()

    simpy.Environment.step = counting_step  # type: ignore[method-assign]
    Clock.step = counting_step  # type: ignore[method-assign]
    try:
        yield
    finally:
        simpy.Environment.step = step  # type: ignore[method-assign]
        Clock.step = clock_step  # type: ignore[method-assign]


#: The events of the report path: a feed's next report due, a report's arrival.
REPORT_PATH = frozenset({"_Feed._fire", ARRIVAL})


def command_ties(argv: list[str]) -> tuple[collections.Counter, list[tuple[float, list[str]]]]:
    """Run ``run_sim.py argv`` in this process and count its events' ties as they are
    stepped (see the module docstring); returns the counts and up to 20 instants where
    a report-path event shares its instant with another name."""
    sys.path.insert(0, str(ROOT))
    import run_sim

    counts: collections.Counter = collections.Counter()
    examples: list[tuple[float, list[str]]] = []
    now: list = [None, set()]                      # the instant stepped, its names

    def close() -> None:
        names = now[1]
        if len(names) > 1:
            counts["instants with more than one name"] += 1
            if names & REPORT_PATH and names - REPORT_PATH:
                counts["instants with a report-path event and another name"] += 1
                if len(examples) < 20:
                    examples.append((now[0], sorted(names)))
            if REPORT_PATH <= names:
                counts["instants with a feed's wake and an arrival"] += 1

    def seen(when: float, name: str) -> None:
        if when != now[0]:
            close()
            now[0], now[1] = when, set()
            counts["instants"] += 1
        now[1].add(name)
        counts["events"] += 1

    sys.argv = ["run_sim.py", *argv]
    with stepping(seen):
        try:
            run_sim.cli()
        except SystemExit as stop:
            if stop.code:
                raise
    close()
    return counts, examples


def main() -> None:
    if sys.argv[1:2] == ["--whole-command"]:
        counts, examples = command_ties(sys.argv[2:])
        for name in ("events", "instants", "instants with more than one name",
                     "instants with a report-path event and another name",
                     "instants with a feed's wake and an arrival"):
            print(f"{name}: {counts[name]:,}")
        for when, names in examples:
            print(f"  {when:.6f}: {', '.join(names)}")
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/scale_year.yaml"))
    parser.add_argument("--set", action="append", default=None, metavar="FIELD=VALUE",
                        help="an override, as `run --set` takes it (default duration=1d)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    stepped = census(args.scenario, args.set if args.set is not None else ["duration=1d"],
                     args.seed)

    names = collections.Counter(name for _, name in stepped)
    print(f"{len(stepped):,} events")
    print("| event | count | share |\n|---|---|---|")
    for name, count in names.most_common():
        print(f"| {name} | {count:,} | {count / len(stepped):.1%} |")

    at_instant: dict[float, list[str]] = collections.defaultdict(list)
    for when, name in stepped:
        at_instant[when].append(name)
    arrivals = names[ARRIVAL]
    shared = sum(names_then.count(ARRIVAL) for names_then in at_instant.values()
                 if len(names_then) > 1)
    beside = collections.Counter(
        other for names_then in at_instant.values() if ARRIVAL in names_then
        for other in set(names_then) if other != ARRIVAL)
    print(f"\n{len(at_instant):,} distinct instants; of {arrivals:,} report arrivals, "
          f"{shared:,} share their instant with another event")
    for name, count in beside.most_common(5):
        print(f"  instants with an arrival and a {name}: {count:,}")
    mixed = collections.Counter(tuple(sorted(set(names_then)))
                                for names_then in at_instant.values()
                                if len(set(names_then)) > 1)
    print(f"\n{sum(mixed.values()):,} instants hold events of more than one name; "
          "the most common sets:")
    for kinds, count in mixed.most_common(8):
        print(f"  {count:,}: {', '.join(kinds)}")


if __name__ == "__main__":
    main()
