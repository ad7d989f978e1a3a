"""The run directory: every file a run writes, written all at once or not at all.

Files (DESIGN.md, "Outputs: the run directory"); every CSV has a ``replication``
column, so a ``--replications N`` run writes all replications into the same files,
replication by replication:

``summary.json``
    ``scenario``, ``seed``, ``replications``, ``version``, ``kpis`` (KPI →
    ``{"mean", "ci95"}``, `sim.metrics.summarize`), ``fusion_params`` (the overrides
    the node used; pass them to ``run_sim.py fuse --param``).
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
``scenario.yaml``
    The resolved scenario (`sim.scenario.dump_scenario`).

Same scenario, seed and replications ⇒ byte-identical files. Atomicity: the files
are written into a fresh temporary directory beside ``out_dir``, which then replaces
``out_dir`` by renames; a reader never sees a half-written run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from sim.engine import ReplicationResult
from sim.ground.events import AlertRaised, AlertVerified, TeamTasked, record_json
from sim.ground.specs import Scenario
from sim.metrics import crossing_verdicts, summarize
from sim.movers import group_name
from sim.scenario import dump_scenario


def _f3(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _exact(value: float) -> str:
    # repr is the shortest string that reads back as the same float: replays match.
    return repr(float(value))


def crossings_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,id,truth,size,entry_s,entry_x,entry_y,dest_x,dest_y,outcome,"
             "first_report_s,known_s,first_alert_s,verified_s,tasked_s,on_scene_s,"
             "apprehended_s,persons_apprehended,by,turned_back_s,arrived_s"]
    for res in results:
        for v in crossing_verdicts(res.records):
            lines.append(",".join([
                str(res.replication), group_name(v.group), str(v.group), str(v.size),
                _f3(v.entry_s), _f3(v.entry_x), _f3(v.entry_y), _f3(v.dest_x), _f3(v.dest_y),
                v.outcome, _f3(v.first_report_s), _f3(v.known_s), _f3(v.first_alert_s),
                _f3(v.verified_s), _f3(v.tasked_s), _f3(v.on_scene_s),
                _f3(v.apprehended_s), str(v.persons_apprehended), v.by or "",
                _f3(v.turned_back_s), _f3(v.arrived_s)]))
    return "\n".join(lines) + "\n"


def detections_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["time,sensor,x,y,var_x,var_y,cov_xy,truth,track,replication"]
    for res in results:
        d = res.detections
        rep = str(res.replication)
        for t, s, z, R, truth, track in zip(d["t_s"].tolist(), d["sensor"].tolist(),
                                            d["z"].tolist(), d["R"].tolist(),
                                            d["truth"].tolist(), d["track"].tolist(),
                                            strict=True):
            lines.append(f"{_exact(t)},{s},{_exact(z[0])},{_exact(z[1])},{_exact(R[0][0])},"
                         f"{_exact(R[1][1])},{_exact(R[0][1])},{truth},{track},{rep}")
    return "\n".join(lines) + "\n"


def tracks_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["time,track,x,y,vx,vy,replication"]
    for res in results:
        tr = res.tracks
        rep = str(res.replication)
        for t, i, x in zip(tr["t_s"].tolist(), tr["track"].tolist(), tr["x"].tolist(),
                           strict=True):
            lines.append(f"{t:.6f},{i},{x[0]:.3f},{x[1]:.3f},{x[2]:.4f},{x[3]:.4f},{rep}")
    return "\n".join(lines) + "\n"


def alerts_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,alert,time,track,priority,truth,reports,x,y,p_person,p_animal,"
             "source,verify_start_s,decided_s,decision,camera,persons_seen,team,tasked_s,task"]
    for res in results:
        verified = {r.alert: r for r in res.records if isinstance(r, AlertVerified)}
        sent: dict[int, TeamTasked] = {}
        for r in res.records:
            if isinstance(r, TeamTasked):
                sent.setdefault(r.alert, r)
        for a in (r for r in res.records if isinstance(r, AlertRaised)):
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


def events_jsonl(results: Sequence[ReplicationResult]) -> str:
    return "".join(record_json(r, {"replication": res.replication}) + "\n"
                   for res in results for r in res.records)


def trajectories_csv(results: Sequence[ReplicationResult]) -> str:
    lines = ["replication,mover,kind,t_s,x,y"]
    for res in results:
        for p in res.paths:
            head = f"{res.replication},{p.mover},{p.kind},"
            lines.extend(f"{head}{t:.3f},{x:.3f},{y:.3f}"
                         for t, (x, y) in zip(p.t_s.tolist(), p.xy.tolist(), strict=True))
    return "\n".join(lines) + "\n"


def sensors_csv(results: Sequence[ReplicationResult]) -> str:
    rows = results[0].sensors if results else ()
    return "sensor,id,kind\n" + "".join(f"{i},{s},{k}\n" for i, s, k in rows)


def summary_json(scenario: Scenario, seed: int, results: Sequence[ReplicationResult],
                 version: str) -> str:
    data = {
        "scenario": scenario.name,
        "seed": int(seed),
        "replications": len(results),
        "version": version,
        "kpis": summarize([r.kpis for r in results]),
        "fusion_params": results[0].fusion_overrides if results else {},
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


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
    yield "scenario.yaml", dump_scenario(scenario)


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
