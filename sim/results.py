"""The run directory: every file a run writes, written all at once or not at all.

Files (DESIGN.md, "Outputs: the run directory"); every CSV has a ``replication``
column, so a ``--replications N`` run writes all replications into the same files,
replication by replication:

``summary.json``
    ``scenario``, ``seed``, ``replications``, ``version``, ``kpis`` (KPI →
    ``{"mean", "ci95"}``, `sim.metrics.summarize`, proportions' intervals within
    [0, 1]), ``fusion_params`` (the overrides the node used; pass them to
    ``run_sim.py fuse --param``).
``crossings.csv``
    One row per crossing: ``replication,id,truth,size,entry_s,entry_x,entry_y,dest_x,
    dest_y,outcome,first_detection_s,first_alert_s,verified_s,dispatched_s,
    intercepted_s,team``; ``id`` is the mover id (``group-0003``), ``truth`` the
    integer id reports carry; empty cells for what did not happen.
``detections.csv``
    ``time,sensor,x,y,var_x,var_y,cov_xy,truth,track,replication``: exactly the
    reports the local node fused, in the order fused (time = measurement time; each
    time is one batch). Numbers are written in Python's shortest round-trip form, so
    replaying one replication's rows through the fusion core reproduces
    ``tracks.csv`` exactly. ``track`` is the track the report went to (-1 none).
``tracks.csv``
    ``time,track,x,y,vx,vy,replication``: after every fused batch, one row per
    confirmed track (the format of ``run_sim.py fuse`` plus columns).
``alerts.csv``
    ``replication,alert,time,track,priority,truth,reports,x,y,verify_start_s,
    verified_s,confirmed,team,dispatched_s``.
``events.jsonl``
    The event log, one JSON object per line: ``t_s``, ``kind``, ``replication``, then
    the record's fields in declared order; floats with 6 decimals.
``trajectories.csv``
    ``replication,mover,kind,t_s,x,y``: groups as walked (cut at interception) and
    patrols' duty walks, for maps.
``sensors.csv``
    ``sensor,id,kind``: the integer sensor id of ``detections.csv`` ↔ the id string.
``picture_local.csv``, ``picture_regional.csv``, ``picture_national.csv``
    Each command layer's picture (`command.layers`): one row per typed message that
    reached it — ``replication,time,layer,message,incident,section,decision,impact,
    persons,first_report_s,latency_s,x,y``; ``latency_s`` = time − the measurement of
    the incident's first fused report; ``impact`` the NCC's incident level.
``sections.csv``
    ``replication,time,layer,section,level,reason``: section impact levels as each
    layer learned them (``scenario`` at t = 0 when not low, ``incidents`` raised by
    the NCC, ``ncc`` passed down).
``links.csv``
    Per link (sources', relays', between layers): ``sent,reports,delivered,lost,
    dropped,held,bytes,utilisation,down_share,max_queue`` and, for a source's link,
    the median and 90th percentile of its reports' delay to the node.
``scenario.yaml``
    The resolved scenario (`sim.scenario.dump_scenario`).
``coverage.json``
    What each sensor and patrol watches, as the simulation models it (its
    ``coverage()``): ``{"sources": [{"id", "kind", "geometry"}]}`` with GeoJSON
    geometries (metres, to 0.1 m), so pictures need not re-derive sensor geometry.
``experiment.json``, ``replications/``
    The result store of a resumable run (`sim.store`, `sim.experiment.run_experiment`):
    per replication its ``result.json`` (`result_record`) and each file above as it
    would be for that replication alone (`replication_files`); the files are assembled
    from them (`write_run_dir_from_store`: one replication's are hard links, several
    are the header and each one's rows), byte for byte what `write_run_dir` writes.

How they are made: `write_run_dir` formats every file from replications held whole
in memory (`ReplicationResult`); `sim.experiment` runs write ``events.jsonl``,
``detections.csv`` and ``tracks.csv`` as the replication goes (`sim.spool`, the rows
by `sim.rows`) and the others from the records it kept and its reports' tally
(`sim.tally`), into the store, then assemble the files from it
(`write_run_dir_from_store`). Both give the same bytes.

Same scenario, seed and replications ⇒ byte-identical files. Atomicity: the files
are written into a fresh temporary directory beside ``out_dir``, which then replaces
``out_dir`` by renames; a reader never sees a half-written run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from sim.analysis import is_proportion
from sim.engine import ReplicationResult
from sim.ground.events import (
    AlertRaised,
    AlertVerified,
    LinkSummary,
    PictureUpdate,
    Record,
    SectionImpact,
    TeamTasked,
    records_jsonl,
)
from sim.ground.specs import Scenario
from sim.metrics import (
    LAYERS,
    RecordIndex,
    _layer_of,
    crossing_verdicts,
    summarize,
)
from sim.movers import group_name
from sim.rows import DETECTIONS_HEADER, TRACKS_HEADER, detection_rows, track_rows
from sim.scenario import dump_scenario
from sim.store import ResultStore, write_text_atomic
from sim.tally import ReportTally, quantile_sorted

#: The last replication's records by class (`_index`).
_last_index: tuple[Sequence[Record], RecordIndex] | None = None


def _index(res: ReplicationResult) -> RecordIndex:
    """``res``'s records by class (`sim.metrics.RecordIndex`), made once for the
    several writers that read the same replication one after the other (a one-entry
    cache: it holds the last replication's log until the next one is written)."""
    global _last_index
    if _last_index is None or _last_index[0] is not res.records:
        _last_index = (res.records, RecordIndex(res.records))
    return _last_index[1]


def _tally(res: ReplicationResult) -> ReportTally:
    """``res``'s report tally: its own (a streamed log), else folded from its records
    (once per replication, `_index`'s cache)."""
    if res.reports is not None:
        return res.reports
    global _last_tally
    if _last_tally is None or _last_tally[0] is not res.records:
        _last_tally = (res.records, ReportTally.of(res.records))
    return _last_tally[1]


#: The last replication's report tally (`_tally`), when folded from its records.
_last_tally: tuple[Sequence[Record], ReportTally] | None = None


def _f3(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def crossings_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,id,truth,size,entry_s,entry_x,entry_y,dest_x,dest_y,outcome,"
             "first_report_s,known_s,first_alert_s,verified_s,tasked_s,on_scene_s,"
             "apprehended_s,persons_apprehended,by,turned_back_s,arrived_s"]
    for res in results:
        for v in crossing_verdicts(res.records, _tally(res)):
            lines.append(",".join([
                str(res.replication), group_name(v.group), str(v.group), str(v.size),
                _f3(v.entry_s), _f3(v.entry_x), _f3(v.entry_y), _f3(v.dest_x), _f3(v.dest_y),
                v.outcome, _f3(v.first_report_s), _f3(v.known_s), _f3(v.first_alert_s),
                _f3(v.verified_s), _f3(v.tasked_s), _f3(v.on_scene_s),
                _f3(v.apprehended_s), str(v.persons_apprehended), v.by or "",
                _f3(v.turned_back_s), _f3(v.arrived_s)]))
    return "\n".join(lines) + "\n"


def detections_csv(results: Sequence[ReplicationResult]) -> str:
    parts = [DETECTIONS_HEADER]
    for res in results:
        d = _held(res, "detections.csv").detections
        parts.append(detection_rows(d["t_s"], d["sensor"], d["z"], d["R"], d["truth"],
                                    d["track"], res.replication))
    return "".join(parts)


def tracks_csv(results: Sequence[ReplicationResult]) -> str:
    parts = [TRACKS_HEADER]
    for res in results:
        tr = _held(res, "tracks.csv").tracks
        parts.append(track_rows(tr["t_s"], tr["track"], tr["x"], res.replication))
    return "".join(parts)


def _held(res: ReplicationResult, name: str) -> ReplicationResult:
    """``res``, checked to hold file ``name``'s data (not streamed to disk)."""
    if name in res.streamed:
        raise ValueError(f"replication {res.replication}: {name} was streamed to disk "
                         "(sim.spool); read it from there")
    return res


def alerts_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,alert,time,track,priority,truth,reports,x,y,p_person,p_animal,"
             "source,verify_start_s,decided_s,decision,camera,persons_seen,team,tasked_s,task"]
    for res in results:
        of = _index(res)
        verified = {r.alert: r for r in of[AlertVerified]}
        sent: dict[int, TeamTasked] = {}
        for r in of[TeamTasked]:
            sent.setdefault(r.alert, r)
        for a in of[AlertRaised]:
            v, d = verified.get(a.alert), sent.get(a.alert)
            lines.append(",".join([
                str(res.replication), str(a.alert), _f3(a.t_s), str(a.track),
                str(a.priority), str(a.truth), str(a.reports), _f3(a.x), _f3(a.y),
                _f3(a.p_person), _f3(a.p_animal), a.source,
                _f3(v.operator_start_s if v else None), _f3(v.t_s if v else None),
                v.decision if v else ("confirmed" if a.source else ""),
                v.camera if v else "", str(v.persons) if v else "",
                d.team if d else "", _f3(d.t_s if d else None), d.task if d else ""]))
    return "\n".join(lines) + "\n"


def picture_csv(layer: str) -> Callable[[Sequence[ReplicationResult]], str]:
    """The writer of ``picture_<layer>.csv``: what reached that layer's picture."""
    def write(results: Sequence[ReplicationResult]) -> str:
        lines = ["replication,time,layer,message,incident,section,decision,impact,persons,"
                 "first_report_s,latency_s,x,y"]
        for res in results:
            for r in _index(res)[PictureUpdate]:
                if _layer_of(r.layer) == layer:
                    lat = r.t_s - r.first_report_s if math.isfinite(r.first_report_s) else None
                    lines.append(",".join([
                        str(res.replication), _f3(r.t_s), r.layer, r.message,
                        str(r.incident), r.section, r.decision, r.impact, str(r.persons),
                        _f3(r.first_report_s if lat is not None else None), _f3(lat),
                        _f3(r.x), _f3(r.y)]))
        return "\n".join(lines) + "\n"
    return write


def sections_csv(results: Sequence[ReplicationResult]) -> str:
    """``sections.csv``: every section impact level a layer learned, and why."""
    lines = ["replication,time,layer,section,level,reason"]
    for res in results:
        lines.extend(f"{res.replication},{_f3(r.t_s)},{r.layer},{r.section},{r.level},"
                     f"{r.reason}" for r in _index(res)[SectionImpact])
    return "\n".join(lines) + "\n"


def links_csv(results: Sequence[ReplicationResult]) -> str:
    """``links.csv``: per link what it carried; delays (measurement → arrival at the
    node) of the reports of a source's link, over all its hops."""
    lines = ["replication,link,kind,sent,reports,delivered,lost,dropped,held,bytes,"
             "utilisation,down_share,max_queue,delay_median_s,delay_p90_s"]
    for res in results:
        of = _index(res)
        delays = _tally(res).delays_by_link()
        h = res.horizon_s
        for r in of[LinkSummary]:
            d = delays.get(r.link)
            s = np.sort(d) if d is not None and len(d) else None
            lines.append(",".join([
                str(res.replication), r.link, r.link_kind, str(r.sent), str(r.reports),
                str(r.delivered), str(r.lost), str(r.dropped), str(r.held),
                f"{r.bytes:.0f}", f"{r.busy_s / h:.6f}", f"{r.down_s / h:.6f}",
                str(r.max_queue), _f3(quantile_sorted(s, 0.5) if s is not None else None),
                _f3(quantile_sorted(s, 0.9) if s is not None else None)]))
    return "\n".join(lines) + "\n"


def events_jsonl(results: Sequence[ReplicationResult]) -> str:
    return "".join(records_jsonl(_held(res, "events.jsonl").records,
                                 {"replication": res.replication})
                   for res in results)


def trajectories_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,mover,kind,t_s,x,y"]
    for res in results:
        for p in res.paths:
            head = f"{res.replication},{p.mover},{p.kind},"
            lines.extend(f"{head}{t:.3f},{x:.3f},{y:.3f}"
                         for t, (x, y) in zip(p.t_s.tolist(), p.xy.tolist(), strict=True))
    return "\n".join(lines) + "\n"


def sensors_csv(results: Sequence[ReplicationResult]) -> str:
    return sensors_text(results[0].sensors if results else ())


def sensors_text(rows: Iterable[Sequence[object]]) -> str:
    """``sensors.csv`` from (integer id, id, kind) rows."""
    return "sensor,id,kind\n" + "".join(f"{i},{s},{k}\n" for i, s, k in rows)


def summary_json(scenario: Scenario, seed: int, results: Sequence[ReplicationResult],
                 version: str) -> str:
    return summary_text(scenario.name, seed, [r.kpis for r in results],
                        results[0].fusion_overrides if results else {}, version,
                        cost_currency(scenario))


def cost_currency(scenario: Scenario) -> str | None:
    """The label of the scenario's cost figures (``costs.currency``); None without costs."""
    return scenario.costs.currency if scenario.costs is not None else None


def summary_text(scenario_name: str, seed: int, kpis: Sequence[dict[str, float | None]],
                 fusion_params: dict[str, str], version: str,
                 currency: str | None = None) -> str:
    """``summary.json`` from the replications' KPI dicts, in replication order; with
    ``currency`` (a scenario with costs), the label of its cost KPIs."""
    data: dict[str, object] = {
        "scenario": scenario_name,
        "seed": int(seed),
        "replications": len(kpis),
        "version": version,
        "kpis": _proportions_within_0_1(summarize(kpis)),
        "fusion_params": fusion_params,
    }
    if currency is not None:
        data["currency"] = currency
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _proportions_within_0_1(summary: dict[str, dict]) -> dict[str, dict]:
    """Intersect proportions' intervals with [0, 1] (`sim.analysis.is_proportion`).

    A t interval over replications can reach past a bound (a proportion near 0 or 1);
    the true value lies within [0, 1], so the intersection covers whenever the
    interval does.
    """
    for name, value in summary.items():
        ci = value.get("ci95")
        if ci is not None and is_proportion(name):
            value["ci95"] = [max(0.0, ci[0]), min(1.0, ci[1])]
    return summary


def run_files(scenario: Scenario, seed: int, results: Sequence[ReplicationResult],
              version: str) -> Iterable[tuple[str, str]]:
    """(file name, text) of every file of the run directory."""
    yield "summary.json", summary_json(scenario, seed, results, version)
    yield "crossings.csv", crossings_csv(results)
    yield "detections.csv", detections_csv(results)
    yield "tracks.csv", tracks_csv(results)
    yield "alerts.csv", alerts_csv(results)
    yield "events.jsonl", events_jsonl(results)
    yield "trajectories.csv", trajectories_csv(results)
    yield "sensors.csv", sensors_csv(results)
    for name in LAYER_FILES:
        yield name, PER_REPLICATION[name](results)
    yield "scenario.yaml", dump_scenario(scenario)
    yield "coverage.json", coverage_json(scenario)


def coverage_json(scenario: Scenario) -> str:
    """``coverage.json``: every sensor's and patrol's coverage geometry (module docstring)."""
    from sensors.registry import build_sensor
    from sim.ground.daylight import Daylight
    from sim.ground.keyed import Draws
    from sim.ground.terrain import Terrain

    terrain = Terrain(scenario.segment)
    daylight = Daylight(scenario.start, scenario.segment.sunrise, scenario.segment.sunset)
    sources = []
    for spec in [*scenario.sensors, *scenario.patrols]:
        sensor = build_sensor(spec, terrain, daylight, duration_s=scenario.duration_s,
                              shift_draws=Draws(0))
        geometry = _rounded_geometry(sensor.coverage())
        sources.append({"id": sensor.id, "kind": sensor.kind, "geometry": geometry})
    return json.dumps({"sources": sources}, separators=(",", ":")) + "\n"


def _rounded_geometry(geom: object) -> object:
    """`_rounded` of ``geom``'s GeoJSON mapping, for ``json.dumps`` (the same text):
    a 2-D polygon or line string's coordinates are rounded ring by ring from
    ``shapely.get_coordinates`` (pairs as tuples, which JSON writes as lists; ~3 times
    faster on ``scale_year``'s 500 coverages, 32 000 points); any other geometry
    through `_rounded` of its mapping."""
    from shapely.geometry import mapping

    kind = getattr(geom, "geom_type", None)
    if kind not in ("Polygon", "LineString") or geom.has_z or geom.is_empty:  # type: ignore[attr-defined]
        return _rounded(mapping(geom))
    if kind == "LineString":
        return {"type": kind, "coordinates": _rounded_line(geom)}
    rings = (geom.exterior, *geom.interiors)  # type: ignore[attr-defined]
    return {"type": kind, "coordinates": [_rounded_line(ring) for ring in rings]}


def _rounded_line(line: object) -> list[tuple[float, float]]:
    """A ring's or line string's points, each coordinate to 0.1 m (``round``)."""
    from shapely import get_coordinates

    flat = list(map(round, get_coordinates(line).ravel().tolist(), repeat(1)))
    return list(zip(flat[0::2], flat[1::2], strict=True))


def _rounded(value: object) -> object:
    """Coordinates of a GeoJSON mapping to 0.1 m, as lists (same bytes everywhere)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return round(value, 1)
    return value


def write_run_dir(out_dir: str | Path, scenario: Scenario, seed: int,
                  results: Sequence[ReplicationResult], version: str) -> Path:
    """Write the run directory ``out_dir`` (replacing it if it exists), atomically.

    Parameters
    ----------
    out_dir : the run directory
    scenario : the resolved scenario that was run
    seed : the experiment's seed
    results : the replications, in replication order
    version : the package version

    Returns
    -------
    The path of the run directory.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        tmp.chmod(0o755)   # mkdtemp makes it private; a run directory is for sharing
        for name, text in run_files(scenario, seed, results, version):
            with open(tmp / name, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


# ------------------------------------------------------------- from the result store

#: Files made of one slice per replication, concatenated in replication order.
PER_REPLICATION: dict[str, Callable[[Sequence[ReplicationResult]], str]] = {
    "crossings.csv": crossings_csv,
    "detections.csv": detections_csv,
    "tracks.csv": tracks_csv,
    "alerts.csv": alerts_csv,
    "events.jsonl": events_jsonl,
    "trajectories.csv": trajectories_csv,
    **{f"picture_{layer}.csv": picture_csv(layer) for layer in LAYERS},
    "sections.csv": sections_csv,
    "links.csv": links_csv,
}

#: The command layers' and links' files (`command.layers`, `sim.comms`).
LAYER_FILES = (*(f"picture_{layer}.csv" for layer in LAYERS), "sections.csv", "links.csv")

#: The replication's own record in the store: KPIs and what summary.json and
#: sensors.csv need.
RESULT_JSON = "result.json"


def result_record(res: ReplicationResult) -> str:
    """A replication's summary as JSON text: replication, KPIs, sensors, fusion params.

    Floats are written in their shortest round-trip form, so the KPIs read back are
    the floats computed.
    """
    data = {"replication": int(res.replication), "kpis": plain_kpis(res.kpis),
            "sensors": [list(row) for row in res.sensors],
            "fusion_overrides": res.fusion_overrides}
    return json.dumps(data, allow_nan=False) + "\n"


def plain_kpis(kpis: dict[str, float | None]) -> dict[str, float | None]:
    """KPIs as JSON-ready Python numbers (ints stay ints, numpy scalars converted)."""
    out: dict[str, float | None] = {}
    for name, value in kpis.items():
        if value is None or isinstance(value, int | float):
            out[name] = value
        elif float(value).is_integer() and "int" in type(value).__name__:
            out[name] = int(value)
        else:
            out[name] = float(value)
    return out


def map_layers(scenario: Scenario) -> dict[str, str]:
    """The files of a run directory the map's scenario layers are drawn from
    (`viz.map.MapCanvas`): known before the run."""
    return {"scenario.yaml": dump_scenario(scenario), "coverage.json": coverage_json(scenario)}


def map_inputs(scenario: Scenario, res: ReplicationResult,
               layers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files `viz.map.draw_map` reads, for a run directory of ``res`` alone:
    the same bytes as a run directory of this one replication holds (``layers``:
    `map_layers` of ``scenario``, if made already)."""
    return {**(layers if layers is not None else map_layers(scenario)),
            "trajectories.csv": trajectories_csv([res]), "crossings.csv": crossings_csv([res]),
            "alerts.csv": alerts_csv([res])}


def replication_files(res: ReplicationResult,
                      made: Mapping[str, str] | None = None) -> dict[str, str]:
    """Everything the run directory needs of one replication, as store files.

    ``result.json`` (`result_record`) and every file of `PER_REPLICATION` as
    `run_files` writes it for this replication alone: the run's file is the header
    followed by each replication's rows after its header, in replication order, byte
    for byte what `run_files` writes for them all.
    ``made``: files of `PER_REPLICATION` already formatted from ``res`` alone (name →
    whole text, e.g. `map_inputs`), used as they are. Files ``res`` streamed to its
    spool's folder (`ReplicationResult.streamed`, `sim.spool`) are left out: they are
    in the store already.
    """
    made = made or {}
    files = {RESULT_JSON: result_record(res)}
    for name, writer in PER_REPLICATION.items():
        if name in res.streamed:
            continue
        text = made[name] if name in made else writer([res])
        if not text.startswith(writer([])):
            raise AssertionError(f"{name}: a replication's text does not start with the "
                                 "header; the files cannot be concatenated")
        files[name] = text
    return files


def write_run_dir_from_store(out_dir: str | Path, scenario: Scenario, seed: int,
                             store: ResultStore, keys: Sequence[str], version: str,
                             scenario_text: str | None = None) -> Path:
    """Write the run directory's files from replications in ``store``.

    Parameters
    ----------
    out_dir : the run directory (the store's own)
    scenario : the resolved scenario that was run
    seed : the experiment's seed
    store : holds every key of ``keys``, written by `replication_files`
    keys : the replications' store keys, in replication order
    version : the package version
    scenario_text : ``dump_scenario(scenario)`` where the caller has it already
        (130-190 ms of libyaml on ``scale_year``); made here otherwise

    Each file is written under a temporary name and renamed into place, one after the
    other, ``summary.json`` last; the bytes equal `write_run_dir`'s for the same
    replications. Files are copied slice by slice in blocks of 1 MiB, so a long run is never
    held in memory whole; with one replication they are hard links to the store's
    (`_write_stream`).
    """
    out = Path(out_dir)
    records = [json.loads(store.read(key, RESULT_JSON)) for key in keys]
    for name, writer in PER_REPLICATION.items():
        _write_stream(out / name, writer([]), [store.path(key, name) for key in keys])
    write_text_atomic(out / "sensors.csv", sensors_text(records[0]["sensors"] if records else ()))
    write_text_atomic(out / "scenario.yaml", scenario_text if scenario_text is not None
                      else dump_scenario(scenario))
    write_text_atomic(out / "coverage.json", coverage_json(scenario))
    fusion = records[0]["fusion_overrides"] if records else {}
    write_text_atomic(out / "summary.json",
                      summary_text(scenario.name, seed, [r["kpis"] for r in records],
                                   fusion, version, cost_currency(scenario)))
    return out


def _write_stream(path: Path, head: str, files: Sequence[Path]) -> None:
    """``head`` then the rows of each of the store's ``files`` after its own copy of
    ``head``, copied in blocks, into ``path`` (through a temporary file and a rename).

    With one file ``path`` is a hard link to it, not a copy (a `scale_year` year's
    store holds 13 GB): the store's files are complete and never written again (a
    later assembly replaces ``path`` by a rename, leaving the store's file as it
    was). Where a link cannot be made (another file system, one without links) the
    file is copied.
    """
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    if len(files) == 1:
        try:
            os.link(files[0], tmp)
        except OSError:
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
            return
    skip = head.encode("utf-8")
    try:
        tmp.unlink(missing_ok=True)    # never write through a link left by a killed run
        with open(tmp, "wb") as f:
            f.write(skip)
            for part in files:
                with open(part, "rb") as src:
                    if src.read(len(skip)) != skip:
                        raise ValueError(f"{part}: does not start with the header of "
                                         f"{path.name}")
                    shutil.copyfileobj(src, f, 1 << 20)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
