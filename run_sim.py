"""greenborder command line: run | compare | sweep | validate | schema | fuse | demo | replay.

    python run_sim.py                                   # the default scenario into runs/default
    python run_sim.py run SCENARIO [--out DIR] [--seed N] [--replications N] [--set PATH=VALUE]
    python run_sim.py compare A.yaml [B.yaml ...] [--variant NAME:PATH=VALUE,...] [-n N]
    python run_sim.py sweep SCENARIO --set PATH=v1,v2,... [--set PATH2=...] [--kpi NAME]
    python run_sim.py validate FILE...
    python run_sim.py schema [-o FILE]
    python run_sim.py fuse DETECTIONS.csv -o TRACKS.csv [--param NAME=VALUE]
    python run_sim.py demo [--out DIR]                  # a training night, pictures, replay
    python run_sim.py replay RUNDIR                     # rebuild them from a run folder

Thin by design: parse, load, call `sim.experiment`, write outputs. Bad input
(scenario files, CSV logs, command-line values, output paths) ends with exit status 2
and one line on stderr naming the file, the field and what was expected; nothing is
written. `main` is the one place where those errors become messages.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.machinery
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

DEFAULT_SCENARIO = Path(__file__).resolve().parent / "scenarios" / "default.yaml"
TRAINING_SCENARIO = Path(__file__).resolve().parent / "scenarios" / "training_night.yaml"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
#: Most worker processes a run may start (each holds a replication in memory).
MAX_WORKERS = 256


class UsageError(Exception):
    """A bad command-line value; the message is one line."""


class BadInput(Exception):
    """A bad scenario file or data file; the message is one line naming file and field."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors instead of usage dumps."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _int_at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number (ASCII digits) from ``minimum`` to ``maximum``."""

    def convert(text: str) -> int:
        digits = text.strip().removeprefix("-")
        value = int(text) if digits.isascii() and digits.isdigit() and len(digits) < 100 \
            else minimum - 1
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise argparse.ArgumentTypeError(
                f"expected a whole number {bounds}, got {text[:40]!r}")
        return value

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run_sim.py", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write its run directory")
    run.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                     help="scenario YAML file (default: scenarios/default.yaml)")
    run.add_argument("--out", "-o", help="run directory (default: runs/<scenario name>)")
    run.add_argument("--seed", type=_int_at_least(0), default=1, help="seed (default 1)")
    run.add_argument("--replications", "-n", type=_int_at_least(1), default=1,
                     help="independent replications (default 1)")
    run.add_argument("--workers", "-j", type=_int_at_least(1, MAX_WORKERS), default=None,
                     help="worker processes (default: one per core when replications > 1)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="PATH=VALUE", help="override a scenario field, e.g. "
                     "command.operators=3 or sensors.0.pd=0.8 (repeatable)")
    run.add_argument("--no-plots", action="store_true", help="skip map.png")
    run.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    _add_execution_options(run)
    _add_experiment_commands(sub)

    validate = sub.add_parser("validate", help="check scenario files; exit 2 on the first bad one")
    validate.add_argument("files", nargs="+", help="scenario YAML files")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="PATH=VALUE", help="check with these overrides applied")

    demo = sub.add_parser("demo", help="run scenarios/training_night.yaml and write its "
                          "timeline, pictures and interactive replay")
    demo.add_argument("--out", "-o", help="run directory (default: runs/training_night)")
    demo.add_argument("--seed", type=_int_at_least(0), default=1, help="seed (default 1)")
    demo.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    demo.add_argument("--overwrite", action="store_true",
                      help="discard results of another scenario or seed in --out "
                      "instead of refusing")

    replay = sub.add_parser("replay", help="rebuild timeline.md, the pictures and "
                            "replay.html from a run directory")
    replay.add_argument("run_dir", metavar="RUNDIR", help="a run directory (run or demo)")
    replay.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--out", "-o", help="write it to this file instead of stdout")

    fuse = sub.add_parser("fuse", help="replay the fusion core on a detections CSV")
    fuse.add_argument("detections", help="CSV: time,sensor,x,y,var_x,var_y,cov_xy[,...]; "
                      "a replication column of several values: each fused on its own")
    fuse.add_argument("--out", "-o", required=True, help="tracks CSV to write")
    fuse.add_argument("--param", dest="params", action="append", default=[],
                      metavar="NAME=VALUE", help="fusion parameter override (repeatable)")
    fuse.add_argument("--params-from", metavar="SUMMARY.json",
                      help="start from the fusion parameters a run used (its summary.json); "
                      "--param values still win")
    fuse.add_argument("--stats", metavar="FILE",
                      help="also write the replay's figures (rows, batches, seconds) as JSON")
    fuse.add_argument("--extra-columns", action="store_true",
                      help="also write vx, vy, status and class probabilities")
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    # a serial run leaves the second core idle: the map's process starts first and,
    # once asked (after this one's imports), imports matplotlib there and draws while
    # this one simulates (not worth it where matplotlib is loaded already: drawn here)
    aside = (not args.no_plots and "matplotlib" not in sys.modules
             and _workers(args, args.replications) == 1 and not args.dask)
    with (_map_painter() if aside else None) or contextlib.nullcontext() as painter:
        return _run(args, painter)


def _run(args: argparse.Namespace, painter) -> int:  # noqa: ANN001 - MapPainter | None
    from sim.checks import CheckError, check_work, expected_work
    from sim.outputs import check_run_dir

    # Everything about the input is checked before the heavy imports and the work.
    scenario, warnings = _load(args.scenario, args.overrides)
    out = check_run_dir(args.out if args.out is not None else
                        str(Path("runs") / scenario.name))
    try:
        check_work(expected_work(scenario), args.replications)
    except CheckError as error:
        raise BadInput(f"{args.scenario}: {error.path}: {error} "
                       f"({args.replications} replications)") from None
    _warn(warnings)
    if not args.quiet:
        announce_compiles()

    from sim import __version__
    from sim.experiment import run_experiment

    started = time.perf_counter()
    executor = _executor(args, args.replications)
    on_result = None
    if painter is not None:
        from sim.results import map_inputs, map_layers

        layers = map_layers(scenario)
        painter.prepare(layers)                  # drawn while this process simulates

        def on_result(replication: int, res):  # noqa: ANN001, ANN202 - ReplicationResult
            if replication != 0:
                return None
            inputs = map_inputs(scenario, res, layers)  # drawn while the files are written
            painter.start(inputs)
            return inputs                        # the run's files need them too

    with _writing((out, "--out"), run_dir=out), _progress(
            scenario.name, args.quiet, scenario.duration_s) as progress:
        _guarded(run_experiment, scenario, args.seed, args.replications, out,
                 version=__version__, executor=executor, on_done=progress.on_done,
                 overwrite=args.overwrite, on_result=on_result,
                 on_clock=progress.on_clock if progress.bar is not None else None)
        if not args.no_plots and (painter is None or not painter.draw(out)):
            from viz.map import draw_map

            draw_map(out)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        print(format_summary(summary, out, elapsed))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sim.outputs import check_run_dir

    scenario, warnings = _load(str(TRAINING_SCENARIO), [])
    out = check_run_dir(args.out if args.out is not None else
                        str(Path("runs") / scenario.name))
    _warn(warnings)
    if not args.quiet:
        announce_compiles()
    from sim import __version__
    from sim.executors import SerialExecutor
    from sim.experiment import run_experiment

    started = time.perf_counter()
    with _writing((out, "--out"), run_dir=out):
        _guarded(run_experiment, scenario, args.seed, 1, out, version=__version__,
                 executor=SerialExecutor(), overwrite=args.overwrite)
        written = training_outputs(out)
    if not args.quiet:
        print(f"{scenario.name}: seed {args.seed}, {time.perf_counter() - started:.1f} s "
              f"wall  ->  {out}")
        for path in written:
            print(f"  {path.name}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    written = training_outputs(Path(args.run_dir))
    if not args.quiet:
        print(f"{args.run_dir}: {len(written)} files rebuilt in "
              f"{time.perf_counter() - started:.1f} s")
        for path in written:
            print(f"  {path.name}")
    return 0


#: What `training_outputs` needs in a run directory.
TRAINING_INPUTS = ("summary.json", "scenario.yaml", "events.jsonl", "trajectories.csv",
                   "crossings.csv", "detections.csv", "sensors.csv", "alerts.csv",
                   "tracks.csv")


def training_outputs(run_dir: Path) -> list[Path]:
    """timeline.md/.json, map.png, timeline.png, replay.gif (.mp4) and replay.html of
    replication 0 of ``run_dir``, from its files alone.

    Every input is read and checked first (`viz.rundata.check_run_files`: a damaged file
    is named with its line), and only then: what the check parsed is what is drawn.
    The outputs are made in a staging folder inside ``run_dir`` and renamed into place
    at the end (`sim.outputs.staged_files`), so an error or Ctrl-C leaves the folder as
    it was, earlier outputs included."""
    if not run_dir.is_dir():
        raise BadInput(f"{run_dir}: RUNDIR: not a folder; expected a run directory "
                       "(written by run_sim.py run or demo)")
    for name in TRAINING_INPUTS:
        if not (run_dir / name).is_file():
            raise BadInput(f"{run_dir}: RUNDIR: {name} is missing; expected a run "
                           "directory (written by run_sim.py run or demo)")
    from sim.narrative import run_files, timeline_json, timeline_markdown
    from sim.outputs import staged_files
    from viz.rundata import check_run_files, read_run_dir

    inputs = check_run_files(run_dir)         # each file read and parsed once, here
    try:
        files = run_files(inputs.events(), inputs.scenario(), inputs.rows("sensors.csv"),
                          inputs.rows("detections.csv"), inputs.rows("crossings.csv"))
        markdown, timeline = timeline_markdown(files), timeline_json(files)
        data = read_run_dir(run_dir, lines=json.loads(timeline)["lines"], inputs=inputs)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise BadInput(f"{run_dir}: RUNDIR: cannot read its files: "
                       f"{' '.join(str(error).split())[:100]}") from None
    from viz.animation import animate
    from viz.map import draw_map
    from viz.replay import write_replay
    from viz.timeline import draw_timeline

    names = ["timeline.md", "timeline.json", "map.png", "timeline.png"]
    try:
        with staged_files(run_dir) as stage:
            (stage / "timeline.md").write_text(markdown, encoding="utf-8")
            (stage / "timeline.json").write_text(timeline, encoding="utf-8")
            draw_map(run_dir, stage / "map.png", inputs=inputs)
            draw_timeline(data, stage / "timeline.png")
            names += [path.name for path in animate(data, stage)]
            names.append(write_replay(data, stage / "replay.html").name)
    except OSError as error:
        raise BadInput(f"{run_dir}: RUNDIR: cannot write the replay's files: "
                       f"{error.strerror or error} (nothing was written)") from None
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise BadInput(f"{run_dir}: RUNDIR: cannot read its files: "
                       f"{' '.join(str(error).split())[:100]} (nothing was written)") from None
    return [run_dir / name for name in names]


def format_summary(summary: dict, out: Path, elapsed_s: float) -> str:
    """A short table of the KPIs of a summary.json."""
    from sim.analysis import labelled_kpi

    reps = summary["replications"]
    lines = [f"{summary['scenario']}: {reps} replication{'s' if reps > 1 else ''}, "
             f"seed {summary['seed']}, {elapsed_s:.1f} s wall  ->  {out}",
             f"  {'KPI':<28}{'mean':>12}   95 % CI"]
    currency = summary.get("currency")
    for name, value in summary["kpis"].items():
        mean, ci = value["mean"], value["ci95"]
        ci_text = "" if ci is None else f"[{_num(ci[0])}, {_num(ci[1])}]"
        lines.append(f"  {labelled_kpi(name, currency):<28}{_num(mean):>12}   {ci_text}")
    return "\n".join(lines)


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{int(x)}"
    return f"{x:.3f}" if abs(x) < 100 else f"{x:.1f}"


def announce_compiles() -> None:
    """Print one line on stderr when the simulator's kernels are compiled, not loaded.

    numba compiles a kernel only when the install built no C kernels for these sources
    (`command.fusion.prebuilt`: a checkout whose C files were edited since ``pip
    install``, or an install without a C compiler, with the ``jit`` extra) and its
    cache (``__pycache__``) has none for this machine and source: the first run then
    takes 15-40 s longer, and should say so rather than seem to hang. Once per
    process. numba is not imported for this: if it is not yet, the note is set up
    when something imports it (`_NoteOnNumbaImport`).
    """
    global _NOTE_INSTALLED
    if _NOTE_INSTALLED:
        return
    _NOTE_INSTALLED = True
    if "numba" in sys.modules:
        _register_note()
    else:
        sys.meta_path.insert(0, _NoteOnNumbaImport())


def _register_note() -> None:
    from numba.core import event

    class Note(event.Listener):
        said = False

        def on_start(self, ev: event.Event) -> None:
            module = getattr(getattr(ev.data.get("dispatcher"), "py_func", None),
                             "__module__", "")
            if not self.said and module.startswith(_COMPILED_PACKAGES):
                self.said = True
                print("note: compiling the simulator's kernels for this machine (once, "
                      "15-40 s; later runs load them from the cache)", file=sys.stderr,
                      flush=True)

        def on_end(self, ev: event.Event) -> None:
            pass

    event.register("numba:compile", Note())


class _NoteOnNumbaImport:
    """A ``sys.meta_path`` finder that registers the compile note right after numba is
    first imported (then leaves ``sys.meta_path``): a run whose kernels were compiled
    at install never imports it. (Not an ``importlib.abc.MetaPathFinder`` subclass:
    importing ``importlib.abc`` costs every command ~20 ms.)"""

    def find_spec(self, name: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name != "numba":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: object) -> None:
            execute(module)                        # type: ignore[arg-type]
            _register_note()

        loader.exec_module = exec_module           # type: ignore[method-assign]
        return spec


_NOTE_INSTALLED = False
#: Packages whose numba kernels the note is about (fusion, least-cost legs, keyed draws).
_COMPILED_PACKAGES = ("command.", "sim.", "sensors.")


def _load(path: str, overrides: list[str]):  # -> (Scenario, warnings), imported lazily
    """Load and check a scenario; its warnings are returned, to print once all is checked."""
    from sim.scenario import check_distinct_paths, load_scenario

    check_distinct_paths(overrides)
    warnings: list[str] = []
    return load_scenario(path, overrides, on_warning=warnings.append), warnings


def _warn(warnings: Sequence[str]) -> None:
    for text in warnings:
        print(f"warning: {text}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    # every file first: a bad one is then the only line on stderr, warnings or not
    loaded = [(name, *_load(name, args.overrides)) for name in args.files]
    for name, scenario, warnings in loaded:
        _warn(warnings)
        print(f"{name}: ok ({scenario.name}: {len(scenario.sensors)} sensors, "
              f"{len(scenario.patrols)} patrols, {len(scenario.response.teams)} teams)")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.outputs import check_output_file, write_text_atomic

    if args.out is not None:
        check_output_file(args.out, "--out")
    from sim.scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out is not None:
        with _writing((args.out, "--out")):
            write_text_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_fuse(args: argparse.Namespace) -> int:
    from sim.outputs import check_output_file, staged_beside, write_text_atomic

    inputs = [args.detections] + ([args.params_from] if args.params_from else [])
    check_output_file(args.out, "--out", inputs=inputs)
    if args.stats is not None:
        check_output_file(args.stats, "--stats", inputs=inputs, others=[args.out])
    overrides = _params_from(args.params_from) if args.params_from else {}
    for item in args.params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"run_sim.py fuse: --param {item!r}: expected NAME=VALUE")
        overrides[name.strip()] = value.strip()

    from command.fusion import fuse_file

    announce_compiles()

    # both outputs or neither, and a file the user had is replaced only by a whole one
    outputs = [(args.out, "--out"), *([(args.stats, "--stats")] if args.stats else [])]
    with _writing(*outputs), staged_beside([path for path, _ in outputs]) as staged:
        stats = fuse_file(args.detections, staged[0], overrides,
                          extra_columns=args.extra_columns)
        if args.stats:
            write_text_atomic(staged[1], json.dumps(dataclasses.asdict(stats)) + "\n")
    print(f"{args.detections}: {stats.rows:,} reports in {stats.batches:,} batches -> "
          f"{stats.tracks_confirmed:,} confirmed tracks, {stats.output_rows:,} rows in "
          f"{args.out} (tracking {stats.tracking_s:.2f} s, "
          f"{stats.detections_per_s:,.0f} reports/s)", file=sys.stderr)
    return 0


def _params_from(path: str) -> dict[str, str]:
    """The ``fusion_params`` of a run's summary.json, as NAME -> text."""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
        params = summary["fusion_params"]
        if not isinstance(params, dict):
            raise TypeError
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise BadInput(f"{path}: fusion_params: expected a run's summary.json with a "
                       "'fusion_params' mapping") from None
    return {str(k): str(v) for k, v in params.items()}


# ------------------------------------------------------ experiments: compare, sweep


def _add_execution_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run replications on a Dask cluster: tcp://HOST:PORT of a "
                        "scheduler, or 'local' for a local cluster on 127.0.0.1")
    parser.add_argument("--overwrite", action="store_true",
                        help="discard results of another scenario or seed in --out "
                        "instead of refusing")


def _add_experiment_commands(sub: argparse._SubParsersAction) -> None:
    def common(p: argparse.ArgumentParser, kpi_default: str) -> None:
        p.add_argument("--out", "-o", help="experiment directory (default: runs/...)")
        p.add_argument("--seed", type=_int_at_least(0), default=1, help="seed (default 1)")
        p.add_argument("--replications", "-n", type=_int_at_least(1), default=20,
                       help="replications per variant (default 20)")
        p.add_argument("--workers", "-j", type=_int_at_least(1), default=None,
                       help="worker processes (default: one per core)")
        p.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="NAME",
                       help=f"KPIs for the table and plots (repeatable; default: "
                       f"{kpi_default})")
        p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
        p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
        _add_execution_options(p)

    compare = sub.add_parser("compare", help="run variants on common random numbers; "
                             "paired differences, costs, comparison.csv/png")
    compare.add_argument("scenarios", nargs="+", help="scenario YAML files; the first is "
                         "the baseline")
    compare.add_argument("--variant", dest="variants", action="append", default=[],
                         metavar="NAME:PATH=VALUE,...", help="a variant of the first "
                         "scenario (repeatable)")
    compare.add_argument("--set", dest="overrides", action="append", default=[],
                         metavar="PATH=VALUE", help="override applied to every variant")
    common(compare, "all in the table, the main ones in plots")

    sweep = sub.add_parser("sweep", help="run a grid of scenario values; table and a "
                           "plot per KPI")
    sweep.add_argument("scenario", help="scenario YAML file")
    sweep.add_argument("--set", dest="axes", action="append", default=[], required=True,
                       metavar="PATH=v1,v2,...", help="a swept field and its values "
                       "(repeatable: the grid of all combinations)")
    common(sweep, "P(detect), P(apprehend), false alarms a day, operator utilisation "
           "and the cost KPIs; sweep.csv has every KPI")


def _map_painter():  # noqa: ANN202 - viz.painter.MapPainter
    from viz.painter import MapPainter

    return MapPainter()


def _workers(args: argparse.Namespace, replications: int) -> int:
    """Worker processes for ``replications``: ``--workers``, else one per core."""
    from sim.executors import default_workers

    return args.workers or (default_workers() if replications > 1 else 1)


def _executor(args: argparse.Namespace, replications: int):  # -> sim.executors.Executor
    from sim.executors import make_executor

    if args.dask and args.dask != "local" and "://" not in args.dask:
        raise UsageError(f"run_sim.py: --dask {args.dask!r}: expected 'local' or a "
                         "scheduler address like tcp://HOST:8786")
    return make_executor(_workers(args, replications), args.dask)


class _Progress:
    """What a run tells its progress bar (``bar`` None: nothing is shown).

    `on_done` counts finished replications; `on_clock` moves the bar within the
    replication running in this process, by the share of the scenario's duration
    (``duration_s``) simulated, so a long single replication (a year of `scale_year`)
    shows how far it is and how long is left.
    """

    def __init__(self, bar, desc: str, duration_s: float | None) -> None:  # noqa: ANN001
        self.bar, self.desc, self.duration_s = bar, desc, duration_s
        self.done = self.total = 0

    def on_done(self, done: int, total: int) -> None:
        if self.bar is None:
            return
        self.done, self.total = done, total
        self.bar.total = total
        self.bar.n = done
        self.bar.set_description_str(f"{self.desc}, {done}/{total} replications",
                                     refresh=False)
        self.bar.refresh()

    def on_clock(self, replication: int, simulated_s: float) -> None:
        if self.bar is None or not self.duration_s:
            return
        share = min(simulated_s / self.duration_s, 0.99)    # groups may walk on past it
        self.bar.n = self.done + share
        self.bar.set_description_str(
            f"{self.desc}, {self.done}/{self.total} replications, replication "
            f"{replication}: day {simulated_s / 86_400.0:.1f} of "
            f"{self.duration_s / 86_400.0:g}", refresh=False)
        self.bar.refresh()


@contextlib.contextmanager
def _progress(desc: str, quiet: bool, duration_s: float | None = None):  # noqa: ANN202
    """A progress bar on stderr when it is a terminal (quiet otherwise): yields its
    `_Progress`. Without one, tqdm is not imported at all (35 ms, and a monitor
    thread)."""
    if quiet or not sys.stderr.isatty():
        yield _Progress(None, desc, duration_s)
        return
    from tqdm import tqdm

    with tqdm(desc=desc, total=1, leave=False, file=sys.stderr,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]") as bar:
        yield _Progress(bar, desc, duration_s)


def _guarded(function, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Call an experiment; a run directory of another experiment, or a Dask scheduler
    out of reach, becomes BadInput (one line, exit 2)."""
    from sim.executors import ExecutorError
    from sim.store import StoreMismatch

    try:
        return function(*args, **kwargs)
    except (StoreMismatch, ExecutorError) as error:
        raise BadInput(str(error)) from None


@contextlib.contextmanager
def _writing(*outputs: tuple[str | Path, str], run_dir: Path | None = None) -> Iterator[None]:
    """While a command writes ``outputs`` ((path, option) pairs, checked already): an
    OSError writing one of them (`sim.outputs.output_of`: a folder that refuses what
    its permissions allow, a full disk) becomes BadInput ``PATH: OPTION: cannot write:
    why`` (one line, exit 2). The run folder ``run_dir``, if this command makes it, is
    then removed with any parent folder made for it, unless replications finished in
    it: those stay for the same command to resume from, as after Ctrl-C. A folder
    that was there before is never removed. Any other OSError is no input error and
    propagates as it is."""
    import os
    import shutil

    from sim.outputs import output_of
    from sim.store import holds_replications

    made = None
    if run_dir is not None and not (run_dir.exists() or run_dir.is_symlink()):
        made = Path(os.path.abspath(run_dir))
        while not made.parent.exists():
            made = made.parent
    try:
        yield
    except OSError as error:
        which = output_of(error, [path for path, _ in outputs])
        if which is None:
            raise
        kept = ""
        if made is not None and run_dir is not None and holds_replications(run_dir):
            kept = " (the replications that finished stay in it; the same command resumes)"
        elif made is not None:
            shutil.rmtree(made, ignore_errors=True)
        path, option = outputs[which]
        raise BadInput(f"{path}: {option}: cannot write: "
                       f"{error.strerror or type(error).__name__}{kept}") from None


def _check_kpis(asked: Sequence[str], variants: Sequence[tuple[str, Any]]) -> None:
    """Refuse a ``--kpi`` no variant reports, before any replication runs: the names
    are known from the scenarios alone (`sim.experiment.scenario_kpis`)."""
    if not asked:
        return
    import difflib

    from sim.costs import COST_KPIS
    from sim.experiment import scenario_kpis

    known = list(dict.fromkeys(n for _, scenario in variants for n in scenario_kpis(scenario)))
    for name in asked:
        if name in known:
            continue
        if name in COST_KPIS:
            raise BadInput(f"--kpi {name!r}: a cost KPI, and no scenario here has a "
                           "'costs' section; expected another KPI or a scenario with costs")
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close else
                f"expected one of the {len(known)} KPIs of summary.json")
        raise BadInput(f"--kpi {name[:80]!r}: no such KPI; {hint} (README.md, 'KPIs in "
                       "summary.json')")


def _experiment_out(args: argparse.Namespace, kind: str, names: list[str]) -> Path:
    if args.out:
        return Path(args.out)
    stem = "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", n) for n in names)[:80]
    return Path("runs") / f"{kind}-{stem}"


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.outputs import check_run_dir
    from sim.scenario import ScenarioError

    if args.out:   # before the scenarios are loaded: a bad --out costs nothing
        check_run_dir(args.out)
    try:
        from sim.experiment import comparison_variants

        variants = comparison_variants(args.scenarios, args.variants, args.overrides)
    except ScenarioError as error:
        raise BadInput(str(error)) from None
    _check_kpis(args.kpis, variants)
    from sim.analysis import compare, format_table
    from sim.experiment import run_variants, write_comparison

    out = check_run_dir(str(_experiment_out(args, "compare", [n for n, _ in variants])))
    if not args.quiet:
        announce_compiles()
    with _writing((out, "--out"), run_dir=out):
        with _progress("compare", args.quiet) as progress:
            results = _guarded(run_variants, variants, args.seed, args.replications, out,
                               executor=_executor(args, args.replications),
                               on_done=progress.on_done, overwrite=args.overwrite)
        comp = compare([n for n, _ in variants], results, _currencies(variants))
        write_comparison(out, comp)
        if not args.no_plots:
            from viz.compare import plot_comparison

            plot_comparison(out, args.kpis or None)
    if not args.quiet:
        print(f"{len(variants)} variants x {args.replications} replications, seed "
              f"{args.seed} (common random numbers)  ->  {out}")
        print(format_table(comp, args.kpis or None))
    return 0


def _currencies(variants: Sequence[tuple[str, Any]]) -> list[str | None]:
    """Each variant's ``costs.currency`` (None without costs)."""
    from sim.results import cost_currency

    return [cost_currency(scenario) for _, scenario in variants]


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.outputs import check_run_dir
    from sim.scenario import ScenarioError

    if args.out:   # before the grid's scenarios are loaded
        check_run_dir(args.out)
    try:
        from sim.experiment import parse_sweep, sweep_points

        points = sweep_points(parse_sweep(args.axes))
        scenarios = [(f"p{i:02d}", _load(args.scenario, [f"{p}={v}" for p, v in point])[0])
                     for i, point in enumerate(points)]
    except ScenarioError as error:
        raise BadInput(str(error)) from None
    _check_kpis(args.kpis, scenarios)
    from sim.analysis import compare, format_sweep
    from sim.experiment import run_variants, sweep_csv
    from sim.store import write_text_atomic

    out = check_run_dir(str(_experiment_out(args, "sweep",
                                            [scenarios[0][1].name, *(p for p, _ in points[0])])))
    if not args.quiet:
        announce_compiles()
    with _writing((out, "--out"), run_dir=out):
        with _progress("sweep", args.quiet) as progress:
            results = _guarded(run_variants, scenarios, args.seed, args.replications, out,
                               kind="sweep", executor=_executor(args, args.replications),
                               on_done=progress.on_done, overwrite=args.overwrite)
        comp = compare([n for n, _ in scenarios], results, _currencies(scenarios))
        write_text_atomic(out / "sweep.csv", sweep_csv(points, comp))
        kpis = args.kpis or [k for k in DEFAULT_PLOT_KPIS if k in comp.kpis]
        table = format_sweep(points, comp, kpis)
        write_text_atomic(out / "sweep.txt", table + "\n")
        if not args.no_plots:
            from viz.compare import plot_sweep

            plot_sweep(out, kpis)
    if not args.quiet:
        print(f"{len(points)} points x {args.replications} replications, seed {args.seed}"
              f"  ->  {out}")
        print(table)
    return 0


#: KPIs of sweep tables and plots when --kpi is not given (those present are used).
DEFAULT_PLOT_KPIS = ["p_detect", "p_apprehend", "p_intercept", "false_alarms_per_day",
                     "operator_utilisation", "cost_per_day", "cost_per_apprehension"]


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "sweep": cmd_sweep,
            "validate": cmd_validate, "schema": cmd_schema, "fuse": cmd_fuse,
            "demo": cmd_demo, "replay": cmd_replay}

#: The exceptions that mean bad input, by module: (module, class). Looked up in
#: ``sys.modules`` only, so catching them imports nothing a command did not need.
INPUT_ERRORS = (("sim.scenario", "ScenarioError"), ("sim.outputs", "OutputPathError"),
                ("command.fusion.errors", "FusionInputError"), ("viz.rundata", "RunDirError"))


def _is_input_error(error: BaseException) -> bool:
    kinds = tuple(getattr(sys.modules[module], name) for module, name in INPUT_ERRORS
                  if module in sys.modules)
    return isinstance(error, (BadInput, *kinds))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the one place where bad input becomes a message.

    Returns the exit status: 0 done, 2 bad input (one line on stderr: ``FILE: FIELD:
    what was expected``; nothing written), 130 interrupted (nothing half-written).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # `run_sim.py --seed 3` runs the default scenario
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("run_sim.py: choose a command: run, compare, sweep, validate, "
                             "schema, fuse, demo, replay "
                             "(see --help)")
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(_one_line(str(error)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        if _was_interrupted(error):
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        if not _is_input_error(error):
            raise
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _was_interrupted(error: BaseException) -> bool:
    """Ctrl-C that arrived inside a compiled kernel surfaces as the ``SystemError``
    numba raises on its way out ("returned a result with an exception set"), with
    the ``KeyboardInterrupt`` as its cause."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _one_line(text: str) -> str:
    """Messages are one line whatever a value held (a newline in a file name)."""
    return " ".join(text.splitlines())  # every line break Python knows, not just \n


def _one_blas_thread() -> None:
    """Ask numpy's BLAS for one thread, unless the user chose a number.

    OpenBLAS (numpy's wheels) starts a thread per core when numpy is imported, and each
    busy-waits about 2^28 cycles (~0.1 s here) before it sleeps: measured, every
    command spent ~0.1 s of a second core's CPU for nothing (``fuse`` on 285,065 rows:
    0.317 → 0.232 s of CPU, wall unchanged; farm-bench, benchmarks/README.md). Nothing
    here multiplies matrices larger than 4 × 4, replications run in processes (which
    inherit the setting, so two workers on two cores do not also race BLAS threads), and
    one thread never reorders a sum. Set before numpy is first imported.
    """
    import os

    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _leave_without_teardown() -> Callable[[int], None]:
    """Arrange for the process to end without the interpreter's teardown; returns
    ``done(status)``, to be called with the command's exit status.

    Freeing every module and object at exit costs a command 0.04 s after ``validate``
    and 0.15 s after a run (the interpreter's own clean-up, nothing of ours). The
    handler registered here is the first exit handler, so it runs after all the others
    (coverage, multiprocessing, Dask: they run in reverse order of registration, and
    after the interpreter has joined every non-daemon thread); it then flushes the
    standard streams and ends the process with the status. Every output file has been
    written, closed and renamed into place before `main` returns. Without a status (an
    unexpected exception escaped `main`), or where an exit handler was registered before
    this one (``coverage run``: it would run first and lose its data), the interpreter
    ends as usual. The technique: Instagram's "Dismissing Python Garbage Collection at
    Instagram" (2017).
    """
    import atexit
    import os

    status: list[int] = []
    if getattr(atexit, "_ncallbacks", lambda: 1)():     # CPython's count of handlers
        return lambda _status: None

    def leave() -> None:
        if not status:
            return
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):   # a closed pipe
                stream.flush()
        os._exit(status[0])

    atexit.register(leave)
    return status.append


def cli() -> NoReturn:
    """The process's entry point, for ``python run_sim.py`` and the ``greenborder``
    script alike: one BLAS thread, `main`, and an exit without the interpreter's
    teardown."""
    _one_blas_thread()
    exit_with = _leave_without_teardown()
    exit_status = main()
    exit_with(exit_status)
    sys.exit(exit_status)


if __name__ == "__main__":
    cli()
