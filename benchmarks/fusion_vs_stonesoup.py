"""The fusion core against the anchor (Stone Soup 1.9.1) on the anchor ladder, one session.

usage: python benchmarks/fusion_vs_stonesoup.py [--anchor-python .venv-anchor/bin/python]
           [--seed 2024] [--rungs T10,T100,...] [--stonesoup-rungs T10,T100_kd]
           [--out anchor-bench/compare]

For every rung: generate the case with ``shared/anchor/make_case.py`` (seed given),
run ``run_sim.py fuse`` on it as a separate process (its wall time, and the tracking
seconds it reports, which exclude interpreter start, imports, kernel loading, parsing
and writing), score the tracks with ``shared/anchor/score.py`` over all scans and
with ``--skip 10``. Stone Soup's tracks are taken from the anchor's own ladder
results (``--ss-results``, from ``bench_stonesoup.py``) or, for the rungs in
``--stonesoup-rungs``, run here, now, with the anchor's interpreter (its
``track_s`` is the same in-process measure). Also: the throughput by difference of
process wall times between a 10 s file and the long file (``T100`` vs ``T100_10s``).
Prints one markdown table and writes ``results.json`` into ``--out``. Nothing here
is imported by the project: Stone Soup runs only as the anchor's own script.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ROOT.parent / "shared" / "anchor"

LADDER = {  # name: make_case.py arguments, Stone Soup arguments
    "T10": (["--targets", "10", "--duration", "600"], []),
    "T30": (["--targets", "30", "--duration", "600"], []),
    "T100": (["--targets", "100", "--duration", "300"], []),
    "T100_10s": (["--targets", "100", "--duration", "10"], []),
    "T300": (["--targets", "300", "--duration", "120"], []),
    "T1000": (["--targets", "1000", "--duration", "30"], ["--associator", "kdtree"]),
    "T3000": (["--targets", "3000", "--duration", "60"], None),
    "T10000": (["--targets", "10000", "--duration", "30"], None),
    "T100_C10": (["--targets", "100", "--duration", "300", "--clutter", "10"], []),
    "T100_C100": (["--targets", "100", "--duration", "300", "--clutter", "100"],
                  ["--associator", "kdtree"]),
    "T100_S3": (["--targets", "100", "--duration", "300", "--clutter", "10",
                 "--sensors", "3"], []),
    "T100_kd": (["--targets", "100", "--duration", "300"], ["--associator", "kdtree"]),
}


def case(out: Path, name: str, seed: int) -> Path:
    d = out / "cases" / f"{name.removesuffix('_kd')}_s{seed}"
    if not (d / "case.json").exists():
        subprocess.run([sys.executable, str(ANCHOR / "make_case.py"), "--seed", str(seed),
                        "--out", str(d), *LADDER[name][0]], check=True, capture_output=True)
    return d


def score(d: Path, tracks: Path) -> tuple[float, float]:
    sys.path.insert(0, str(ANCHOR))
    import score as anchor_score  # the anchor's independent scorer
    truth = str(d / "truth.csv")
    return (anchor_score.score(truth, str(tracks))["gospa"],
            anchor_score.score(truth, str(tracks), skip=10)["gospa"])


def run_greenborder(d: Path, out: Path) -> dict:
    tracks = out / f"gb_{d.name}.csv"
    stats_file = out / f"gb_{d.name}.json"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "fuse",
                    str(d / "detections.csv"), "-o", str(tracks), "--stats", str(stats_file)],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    return dict(tracks=tracks, wall_s=wall, rows=int(stats["rows"]),
                track_s=float(stats["tracking_s"]), jit_s=float(stats.get("jit_s", "nan")))


def run_stonesoup(d: Path, out: Path, py: str, extra: list[str]) -> dict:
    tracks = out / f"ss_{d.name}{'_kd' if extra else ''}.csv"
    timing = out / f"ss_{d.name}{'_kd' if extra else ''}.json"
    subprocess.run([py, str(ANCHOR / "stonesoup_fuse.py"), str(d / "detections.csv"), "-o",
                    str(tracks), "--timing", str(timing), *extra], check=True,
                   capture_output=True)
    tm = json.loads(timing.read_text())
    return dict(tracks=tracks, track_s=tm["track_s"], rows=tm["rows_tracked"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--anchor-python", default=str(ROOT / ".venv-anchor" / "bin" / "python"))
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--rungs", default="T10,T30,T100,T300,T1000,T3000,T10000,T100_C10,"
                                       "T100_C100,T100_S3")
    ap.add_argument("--stonesoup-rungs", default="T10,T100_kd",
                    help="rungs on which Stone Soup is timed now (the rest: --ss-results)")
    ap.add_argument("--ss-results", default=str(ROOT / "anchor-bench" / "results.json"),
                    help="bench_stonesoup.py results for Stone Soup's GOSPA (seed 2024)")
    ap.add_argument("--out", default=str(ROOT / "anchor-bench" / "compare"))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    ss_prev = {}
    if Path(a.ss_results).exists() and a.seed == 2024:
        ss_prev = {r["name"]: r for r in json.loads(Path(a.ss_results).read_text())["results"]}
    rows = []
    for name in a.rungs.split(","):
        d = case(out, name, a.seed)
        gb = run_greenborder(d, out)
        g_all, g_10 = score(d, gb["tracks"])
        r = dict(name=name, rows=gb["rows"], gb_wall_s=gb["wall_s"], gb_track_s=gb["track_s"],
                 gb_jit_s=gb["jit_s"], gb_det_s=gb["rows"] / gb["track_s"], gb_gospa=g_all,
                 gb_gospa10=g_10)
        prev = ss_prev.get(name + ("_kd" if name in ("T1000", "T100_C100") else ""))
        if prev and not prev.get("truncated"):
            r.update(ss_gospa=prev["gospa"], ss_gospa10=prev["gospa_after10"],
                     ss_det_s_earlier=prev["det_s_tracking"])
        rows.append(r)
        print(json.dumps(r), flush=True)
    timed = []
    for name in a.stonesoup_rungs.split(","):
        d = case(out, name, a.seed)
        ss = run_stonesoup(d, out, a.anchor_python, LADDER[name][1])
        gb = run_greenborder(d, out)
        s_all, s_10 = score(d, ss["tracks"])
        t = dict(name=name, ss_det_s=ss["rows"] / ss["track_s"], gb_det_s=gb["rows"] /
                 gb["track_s"], ss_gospa=s_all, ss_gospa10=s_10)
        t["ratio"] = t["gb_det_s"] / t["ss_det_s"]
        timed.append(t)
        print(json.dumps(t), flush=True)
    short, long_ = case(out, "T100_10s", a.seed), case(out, "T100", a.seed)
    w_short = min(run_greenborder(short, out)["wall_s"] for _ in range(3))
    g_long = [run_greenborder(long_, out) for _ in range(3)]
    w_long = min(g["wall_s"] for g in g_long)
    n_short = sum(1 for _ in open(short / "detections.csv")) - 1
    diff = dict(short_wall_s=w_short, long_wall_s=w_long, rows_short=n_short,
                rows_long=g_long[0]["rows"],
                det_s_by_difference=(g_long[0]["rows"] - n_short) / (w_long - w_short))
    print(json.dumps(diff))
    (out / "results.json").write_text(json.dumps(dict(seed=a.seed, rungs=rows, timed=timed,
                                                      difference=diff), indent=1, default=str))
    print("\n| rung | rows | greenborder GOSPA all / after 10 s | Stone Soup GOSPA all / after "
          "10 s | greenborder det/s (tracking) | process wall s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ss = (f"{r['ss_gospa']:.1f} / {r['ss_gospa10']:.1f}" if "ss_gospa" in r else "—")
        print(f"| {r['name']} | {r['rows']:,} | {r['gb_gospa']:.1f} / {r['gb_gospa10']:.1f} |"
              f" {ss} | {r['gb_det_s']:,.0f} | {r['gb_wall_s']:.2f} |")
    print("\n| rung (timed now) | Stone Soup det/s | greenborder det/s | ratio |")
    print("|---|---|---|---|")
    for t in timed:
        print(f"| {t['name']} | {t['ss_det_s']:,.0f} | {t['gb_det_s']:,.0f} | "
              f"{t['ratio']:,.0f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
