"""Experiments: replications of a scenario or of variants, on any executor, resumable.

A replication is a pure function of (scenario, seed, replication index)
(`replicate`: the engine's `run_replication` plus the cost KPIs of `sim.costs`), so
it runs the same in process, in a local process pool or on a Dask cluster
(`sim.executors`); in process, one replication after another, it asks for the
engine's lookahead (`sim.lookahead`): only then is a core idle for it. The
scenarios go to each worker once; a worker sends back text, never live objects:

- for ``run``, the replication's own copy of the run directory's files
  (`sim.results.replication_files`): the run directory needs the event log. In
  this process or a local pool's worker (`_spooled_task`), they are written into a
  staging folder of the store as the replication runs — the event log, the fused
  reports and the track rows chunk by chunk (`sim.spool`), so memory does not grow
  with them — and only the folder's path comes back; a Dask worker, perhaps on
  another machine, sends the text;
- for ``compare`` and ``sweep``, only its summary (`sim.results.result_record`:
  the KPIs), a few hundred bytes instead of megabytes of events.

Results are written to the run directory's result store (`sim.store`) by this process
(or adopted from the staging folder) as each replication finishes, so an interrupted
experiment resumes with the missing replications only, and the final files are
assembled in replication order: the bytes are the same whatever executor ran them,
in whatever order they finished, and however often the run was interrupted.

Variants run on the same seeds: replication ``r`` of every variant uses the streams
of (seed, r), so they face the same crossings (common random numbers), and
`sim.analysis` takes their differences replication by replication.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.analysis import Comparison, comparison_csv, cost_effectiveness_csv, format_table
from sim.costs import cost_kpis
from sim.engine import ReplicationResult, run_replication
from sim.executors import Executor, PoolExecutor, SerialExecutor, make_executor
from sim.ground.specs import Scenario
from sim.metrics import replication_kpis
from sim.results import (
    RESULT_JSON,
    replication_files,
    result_record,
    write_run_dir_from_store,
)
from sim.scenario import dump_scenario
from sim.spool import Spool
from sim.store import (
    ResultStore,
    replication_key,
    scenario_digest,
    staging_dir,
    write_text_atomic,
)

#: Called with (replications finished, replications in all), finished ones found in
#: the store included.
Progress = Callable[[int, int], None]
#: ``on_result(replication, result)``: a replication seen as soon as it is simulated;
#: it may return run files it formatted from it (file name → that replication's whole
#: text, `sim.results.PER_REPLICATION`), which are then not formatted again.
ResultHook = Callable[[int, ReplicationResult], Mapping[str, str] | None]
#: ``on_clock(replication, simulated_s)``: how far a replication running in this
#: process has got (`sim.engine.run_replication`'s ``on_clock``).
ClockHook = Callable[[int, float], None]
KPIs = dict[str, float | None]


def replicate(scenario: Scenario, seed: int, replication: int, *,
              lookahead: bool = False, spool: Spool | None = None,
              on_clock: Callable[[float], None] | None = None) -> ReplicationResult:
    """One replication with the cost KPIs (`sim.costs.cost_kpis`) added to its KPIs
    (``lookahead``, ``spool``, ``on_clock``: `sim.engine.run_replication`'s)."""
    res = run_replication(scenario, seed, replication, lookahead=lookahead, spool=spool,
                          on_clock=on_clock)
    extra = cost_kpis(scenario, res.kpis)
    return dataclasses.replace(res, kpis={**res.kpis, **extra}) if extra else res


def scenario_kpis(scenario: Scenario) -> list[str]:
    """The names of the KPIs every replication of ``scenario`` reports (`replicate`'s,
    in their order), known without running it.

    `sim.metrics.replication_kpis` names the same KPIs whatever the log holds (one
    undefined in a replication is None, never left out), so the names it gives an
    empty log are those of every run; `sim.costs.cost_kpis` adds its own when the
    scenario has a ``costs`` section.
    """
    kpis = replication_kpis((), duration_s=scenario.duration_s,
                            horizon_s=scenario.duration_s, operators=1,
                            teams=len(scenario.response.teams))
    return [*kpis, *cost_kpis(scenario, kpis)]


# Tasks: module-level functions of (context, item), so they pickle by reference;
# ``lookahead`` is `replicate`'s, set by `_where_idle`.

def _result_task(context: tuple[Scenario, int], replication: int, *,
                 lookahead: bool = False) -> ReplicationResult:
    scenario, seed = context
    return replicate(scenario, seed, replication, lookahead=lookahead)


def _files_task(context: tuple[Scenario, int], replication: int, *,
                lookahead: bool = False) -> dict[str, str]:
    scenario, seed = context
    return replication_files(replicate(scenario, seed, replication, lookahead=lookahead))


def _spooled_task(context: tuple[Scenario, int, str], replication: int, *,
                  lookahead: bool = False, on_result: ResultHook | None = None,
                  on_clock: ClockHook | None = None) -> str:
    """The replication's store files written into a new staging folder under the
    store's root (``context[2]``; `sim.store.staging_dir`): its large files as the run
    goes (`sim.spool`), the others at its end. Returns the folder, for
    `sim.store.ResultStore.adopt`; on any error it is removed. ``on_result`` (in
    process only: the hook is not sent to workers) sees the result before the files
    are formatted; ``on_clock`` (likewise) how far the replication has got."""
    scenario, seed, root = context
    folder = staging_dir(root)
    try:
        spool = Spool(folder, replication)
        try:
            clock = (None if on_clock is None else
                     functools.partial(on_clock, replication))
            res = replicate(scenario, seed, replication, lookahead=lookahead, spool=spool,
                            on_clock=clock)
            made = on_result(replication, res) if on_result is not None else None
        except BaseException:
            spool.close(complete=False)
            raise
        spool.close()                   # the last chunks: the map is being drawn meanwhile
        for name, text in replication_files(res, made).items():
            with open(folder / name, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        if res.reports is not None:
            res.reports.close()         # its spilled delays are read: free the disk
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return str(folder)


def _summary_task(context: tuple[tuple[Scenario, ...], int], item: tuple[int, int], *,
                  lookahead: bool = False) -> str:
    scenarios, seed = context
    variant, replication = item
    return result_record(replicate(scenarios[variant], seed, replication,
                                   lookahead=lookahead))


def _where_idle(task: Callable[..., Any], executor: Executor) -> Callable[..., Any]:
    """``task`` with the lookahead (`sim.lookahead`) asked for when ``executor`` runs
    the items in this process one after the other: only then is a core idle."""
    if isinstance(executor, SerialExecutor):
        return functools.partial(task, lookahead=True)
    return task


def run_replications(scenario: Scenario, seed: int, replications: int = 1,
                     workers: int = 1, on_done: Callable[[int], None] | None = None,
                     executor: Executor | None = None) -> list[ReplicationResult]:
    """Replications ``0 .. replications-1`` of ``scenario``, in memory, in order.

    Parameters
    ----------
    scenario : the validated scenario
    seed : the experiment's seed; replication ``r`` uses streams spawned from (seed, r)
    replications : how many replications, >= 1
    workers : worker processes when no ``executor`` is given; 1 runs in this process
    on_done : called with the number of replications finished so far
    executor : where to run (`sim.executors`); default from ``workers``
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if workers < 1:
        raise ValueError("workers must be >= 1")
    executor = executor or make_executor(workers if replications > 1 else 1)
    results: dict[int, ReplicationResult] = {}
    for r, res in executor.run(_where_idle(_result_task, executor), (scenario, seed),
                               list(range(replications))):
        results[r] = res
        if on_done is not None:
            on_done(len(results))
    return [results[r] for r in range(replications)]


def code_digest() -> str:
    """SHA-256 (hex) of the simulator's Python source (`sim`, `sensors`, `command`).

    Part of a run directory's identity: results stored by other code are not reused
    (a resumed run must not mix replications of two versions of the model).
    """
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in ("sim", "sensors", "command"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_experiment(scenario: Scenario, seed: int, replications: int, out_dir: str | Path, *,
                   version: str, executor: Executor | None = None,
                   on_done: Progress | None = None, overwrite: bool = False,
                   on_result: ResultHook | None = None,
                   on_clock: ClockHook | None = None) -> Path:
    """Run ``replications`` of ``scenario`` into the run directory ``out_dir``, resumably.

    Replications already in the directory's store are not run again; each one that
    finishes is stored at once. Then the run directory's files are written from the
    store (`sim.results.write_run_dir_from_store`).

    ``on_result(replication, result)``, with the serial executor only, sees each
    replication simulated by this call before its files are formatted (the CLI
    starts drawing the map from it meanwhile). ``on_clock(replication, simulated_s)``
    hears, likewise, how far the replication running in this process has got (a
    progress bar within a long replication); other executors do not call it.

    Raises
    ------
    sim.store.StoreMismatch
        When ``out_dir`` holds results of another scenario or seed (unless
        ``overwrite``).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    executor = executor or SerialExecutor()
    if on_result is not None and not isinstance(executor, SerialExecutor):
        raise ValueError("on_result needs the serial executor")
    text = dump_scenario(scenario)
    identity = {"kind": "run", "seed": int(seed), "code": code_digest(),
                "scenarios": {scenario.name: scenario_digest(text)}}
    fresh = not Path(out_dir).exists()
    store = ResultStore(out_dir, identity, overwrite=overwrite)
    # processes on this machine stream into the store (`_spooled_task`); others
    # (a Dask cluster's) send the text back
    spooled = isinstance(executor, SerialExecutor | PoolExecutor)
    task: Callable[..., Any] = _files_task
    context: tuple[Any, ...] = (scenario, seed)
    if spooled:
        task = functools.partial(_spooled_task, on_result=on_result,
                                 on_clock=on_clock if isinstance(executor, SerialExecutor)
                                 else None)
        context = (scenario, seed, str(store.root))
    task = _where_idle(task, executor)
    keys = [replication_key(r) for r in range(replications)]
    missing = [r for r in range(replications) if not store.has(keys[r])]
    done = replications - len(missing)
    if on_done is not None:
        on_done(done, replications)
    try:
        for r, done_files in executor.run(task, context, missing):
            if spooled:
                store.adopt(keys[r], done_files)
            else:
                store.put(keys[r], done_files)
            done += 1
            if on_done is not None:
                on_done(done, replications)
    except BaseException:
        # interrupted (Ctrl-C, an error): what finished stays for a resume; a folder
        # this call made and that holds nothing finished is removed
        if fresh and not any(store.has(k) for k in keys):
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return write_run_dir_from_store(out_dir, scenario, seed, store, keys, version, text)


def run_variants(variants: Sequence[tuple[str, Scenario]], seed: int, replications: int,
                 out_dir: str | Path, *, kind: str = "compare",
                 executor: Executor | None = None, on_done: Progress | None = None,
                 overwrite: bool = False) -> list[list[KPIs]]:
    """Run every variant on replications ``0 .. replications-1`` of one seed, resumably.

    Parameters
    ----------
    variants : (name, resolved scenario), names unique; the first is the baseline
    seed : shared by all variants (common random numbers)
    replications : per variant
    out_dir : the experiment's directory: its store, and ``scenario-vNN.yaml`` for
        every variant (the resolved scenario as run)
    kind : ``compare`` or ``sweep`` (recorded in the store's identity)

    Returns
    -------
    Per variant, its replications' KPIs in replication order.
    """
    names = [name for name, _ in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must be unique, got {names}")
    texts = [dump_scenario(s) for _, s in variants]
    identity = {"kind": kind, "seed": int(seed), "code": code_digest(),
                "scenarios": {n: scenario_digest(t) for n, t in zip(names, texts, strict=True)}}
    store = ResultStore(out_dir, identity, overwrite=overwrite)
    for i, text in enumerate(texts):
        write_text_atomic(Path(out_dir) / f"scenario-v{i:02d}.yaml", text)
    items = [(v, r) for r in range(replications) for v in range(len(variants))]
    keys = {item: replication_key(item[1], f"v{item[0]:02d}") for item in items}
    missing = [item for item in items if not store.has(keys[item])]
    total, done = len(items), len(items) - len(missing)
    if on_done is not None:
        on_done(done, total)
    context = (tuple(s for _, s in variants), int(seed))
    executor = executor or SerialExecutor()
    for item, text in executor.run(_where_idle(_summary_task, executor), context, missing):
        store.put(keys[item], {RESULT_JSON: text})
        done += 1
        if on_done is not None:
            on_done(done, total)
    return [[json.loads(store.read(keys[v, r], RESULT_JSON))["kpis"]
             for r in range(replications)] for v in range(len(variants))]


# -------------------------------------------------------------- compare and sweep


def split_values(text: str) -> list[str]:
    """Split on commas outside brackets and braces: ``1,[2, 3],x`` → 3 items.

    >>> split_values("command.operators=1,sensors.0.position_m=[5, 6]")
    ['command.operators=1', 'sensors.0.position_m=[5, 6]']
    """
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return items


def parse_variant(text: str) -> tuple[str, list[str]]:
    """``NAME:PATH=VALUE,PATH=VALUE`` → (NAME, [PATH=VALUE, ...])."""
    from sim.scenario import ScenarioError, check_distinct_paths

    name, sep, rest = text.partition(":")
    overrides = split_values(rest) if sep else []
    if not name.strip() or not overrides or any("=" not in o for o in overrides):
        raise ScenarioError(f"--variant {text!r}: expected NAME:PATH=VALUE[,PATH=VALUE...], "
                            "e.g. more-ops:command.operators=4")
    check_distinct_paths(overrides, f"--variant {name.strip()}:")
    return name.strip(), overrides


def parse_sweep(items: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``PATH=v1,v2,...`` items → (PATH, [v1, v2, ...]) axes of the grid."""
    from sim.scenario import ScenarioError, check_distinct_paths

    check_distinct_paths(items)
    axes = []
    for item in items:
        path, sep, values = item.partition("=")
        choices = split_values(values) if sep else []
        if not path.strip() or not choices or any(not v for v in choices):
            raise ScenarioError(f"--set {item!r}: expected PATH=v1,v2,..., "
                                "e.g. command.operators=1,2,4")
        axes.append((path.strip(), choices))
    return axes


def sweep_points(axes: Sequence[tuple[str, Sequence[str]]]) -> list[list[tuple[str, str]]]:
    """The grid: every combination of the axes' values, the last axis fastest."""
    import itertools

    return [list(zip([p for p, _ in axes], combo, strict=True))
            for combo in itertools.product(*[values for _, values in axes])]


def comparison_variants(paths: Sequence[str], variants: Sequence[str],
                        overrides: Sequence[str] = ()) -> list[tuple[str, Scenario]]:
    """The variants of ``compare``: each file (named after its scenario, or its file
    stem when two share a name), then each ``--variant`` applied to the first file.

    Raises
    ------
    sim.scenario.ScenarioError
        A bad file, override or variant (one line naming it).
    """
    from sim.scenario import ScenarioError, check_distinct_paths, load_scenario

    check_distinct_paths(overrides)
    loaded = [load_scenario(p, overrides) for p in paths]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        names = [Path(p).stem for p in paths]
    out = list(zip(names, loaded, strict=True))
    for text in variants:
        name, extra = parse_variant(text)
        out.append((name, load_scenario(paths[0], [*overrides, *extra])))
    seen: set[str] = set()
    for name, _ in out:
        if name in seen:
            raise ScenarioError(f"variant {name!r}: the name is used twice; name variants "
                                "apart (--variant NAME:...)")
        seen.add(name)
    if len(out) < 2:
        raise ScenarioError("compare: give two scenario files or a --variant "
                            "NAME:PATH=VALUE,...")
    return out


def write_comparison(out_dir: str | Path, comp: Comparison) -> None:
    """``comparison.csv``, ``comparison.txt`` and (with costs) ``cost_effectiveness.csv``."""
    out = Path(out_dir)
    write_text_atomic(out / "comparison.csv", comparison_csv(comp))
    write_text_atomic(out / "comparison.txt", format_table(comp) + "\n")
    if comp.costs:
        write_text_atomic(out / "cost_effectiveness.csv", cost_effectiveness_csv(comp))


def sweep_csv(points: Sequence[Sequence[tuple[str, str]]], comp: Comparison) -> str:
    """``sweep.csv``: ``point``, one ``set:PATH`` column per axis, then ``kpi,n,mean,
    ci_lo,ci_hi,diff,diff_lo,diff_hi`` (differences against the first point, paired).

    The comparison's variants are the points, named ``p00``, ``p01``, ... in grid order.
    """
    paths = [p for p, _ in points[0]]
    rows = comparison_csv(comp).splitlines()[1:]
    values = {name: point for name, point in zip(comp.variants, points, strict=True)}
    lines = [",".join(["point", *(f"set:{p}" for p in paths),
                       "kpi,n,mean,ci_lo,ci_hi,diff,diff_lo,diff_hi"])]
    for row in rows:
        kpi, variant, rest = row.split(",", 2)
        cells = [_csv_cell(v) for _, v in values[variant]]
        lines.append(",".join([str(comp.variants.index(variant)), *cells, kpi, rest]))
    return "\n".join(lines) + "\n"


def _csv_cell(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text
