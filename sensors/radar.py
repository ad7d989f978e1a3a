"""Ground surveillance radar: a sector scanned every ``revisit_s``.

Model (a documented simplification, on top of `sensors.sector`).

Range from the radar equation. The echo's signal-to-noise ratio of a target of
cross-section σ at range R is ``SNR = SNR₁ₖₘ · σ / 1 m² · (1 km / R)⁴`` [D]
(DOMAIN §2.3: R ∝ σ^¼, a 16× larger σ doubles the range); a group's σ is the sum of
its members' (incoherent), each ``person_rcs_m2`` (0.5–1 m² [DOMAIN §2.1]).

Pd per scan. A Swerling I target (Rayleigh-fluctuating, scan to scan) against a
threshold set for a false-alarm probability Pfa has ``Pd = Pfa^(1 / (1 + SNR))``
(Swerling 1960; Skolnik, *Introduction to Radar Systems*, 3rd ed., §2.8). The
fluctuation is drawn independently per scan; the sight line is not (it is fixed per
replication, `sensors.common.SightLines`, with ``P(open) = exp(-foliage_m / L)``,
L = 30 m: 100 m of forest (foliage 0.8) is open for 7 % of positions, in line with
forest cutting single-pulse Pd below 0.1 [Forest-radar]). Beyond ``max_range_m``: 0.

Doppler. Only the radial component of the target's velocity shows: a walker whose
radial speed is under ``min_speed_mps`` — standing, or walking across the beam — is
rejected with the ground clutter.

Light does not matter; fog does not either; rain adds clutter (below) and its
attenuation is neglected at the X/Ku band ranges used here [G] (DOMAIN §2.2).

Clutter. Besides animals (`sensors.sector`), wind-blown vegetation and rain give
*clutter episodes*: ``clutter_per_day`` a day in calm, clear weather, more with wind
(+50 % per m/s above 3 m/s) and in rain (×3) [PSR-wiki] [G]. Each is a fixed point
uniform over the sector that passes the Doppler filter for an exponential time of mean
`CLUTTER_DWELL_S`, giving a plot on each scan with probability `CLUTTER_PD`: enough for
the tracker to confirm a false track.

Report interval. With ``report_interval_s`` set the radar hands the command its own
track updates, at most one per mover per interval, instead of a plot per scan
(`sensors.sector.SectorSensor.report_interval`); a clutter episode is thinned as one
mover, like an animal.
"""

from __future__ import annotations

import numpy as np

from sensors.base import FloatArray, IntArray, Reports
from sensors.common import (
    ANIMAL,
    NuisanceProfile,
    class_evidence,
    first_per_interval,
    nuisance_times,
    up_mask,
)
from sensors.geometry import look_times
from sensors.sector import Looks, SectorSensor
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import range_bearing
from sim.ground.specs import RadarSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Exponent of range in the radar equation (SNR ∝ R^-4, two-way spreading) [D].
RANGE_EXPONENT = 4.0
#: Mean duration of a clutter episode, s, and its plot probability per scan [G].
CLUTTER_DWELL_S = 60.0
CLUTTER_PD = 0.6


def swerling1_pd(snr: FloatArray, pfa: float) -> FloatArray:
    """Pd of a Swerling I target at signal-to-noise ratio ``snr`` (linear), (n,).

    Examples
    --------
    >>> round(float(swerling1_pd(np.array([130.0]), 1e-6)[0]), 3)
    0.9
    """
    return np.power(pfa, 1.0 / (1.0 + np.asarray(snr, float)))


class Radar(SectorSensor):
    """A ground radar built from its `RadarSpec` (and the terrain for line of sight)."""

    kind = "radar"
    spec: RadarSpec
    #: Animals at dusk and dawn (×3), half as many by day [G]; wind and rain are
    #: modelled as clutter episodes instead (module docstring).
    NUISANCE = NuisanceProfile(notes="animals: crepuscular [G]")
    LOOKS_INDEPENDENT = True
    CLUTTER = NuisanceProfile(day=1.0, night=1.0, dusk_dawn=1.0, wind_gain_per_mps=0.5,
                              weather_factor=(1.0, 3.0, 1.0, 1.5),
                              notes="wind-blown vegetation, rain clutter [PSR-wiki] [G]")

    @classmethod
    def from_spec(cls, spec: RadarSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Radar:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, terrain, daylight, draws, duration_s)

    def snr(self, range_m: FloatArray, size: int = 1) -> FloatArray:
        """Signal-to-noise ratio (linear) of a group of ``size`` at ``range_m`` (n,)."""
        r = np.maximum(np.asarray(range_m, float), 1.0)
        sigma = self.spec.person_rcs_m2 * max(int(size), 1)
        return 10 ** (self.spec.snr_1km_db / 10) * sigma * (1_000.0 / r) ** RANGE_EXPONENT

    def pd(self, range_m: FloatArray, t_s: FloatArray | None = None,
           size: int = 1) -> FloatArray:
        """Pd per scan in clear line of sight (Swerling I, module docstring)."""
        r = np.asarray(range_m, float)
        p = swerling1_pd(self.snr(r, size), self.spec.pfa)
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def radial_speed(self, trajectory: Trajectory, t_s: FloatArray,
                     d: FloatArray) -> FloatArray:
        """|v · d̂| (n,), m/s: the mover's speed along the line of sight ``d`` (n, 2)."""
        if self._kernels is not None:     # the C port of the lines below, bit for bit
            return self._kernels.radial_speed(
                np.ascontiguousarray(trajectory.t_s), trajectory.xy.reshape(-1),
                np.ascontiguousarray(t_s, dtype=float), np.ascontiguousarray(d).reshape(-1))
        t0, _, _, v = trajectory.legs
        leg = np.clip(np.searchsorted(t0, t_s, side="right") - 1, 0, len(t0) - 1)
        rng = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        return np.abs(np.einsum("ij,ij->i", v[leg], d)) / rng

    def detect(self, looks: Looks, trajectory: Trajectory, draws: Draws,
               size: int) -> tuple[np.ndarray, FloatArray]:
        """Fluctuation drawn per scan, sight line fixed, Doppler on radial speed."""
        speed = self.radial_speed(trajectory, looks.t_s, looks.d)
        spec = self.spec
        if self._kernels is not None:     # the C port of the `else`, bit for bit
            gain = 10 ** (spec.snr_1km_db / 10) * (spec.person_rcs_m2 * max(int(size), 1))
            hit = self._kernels.radar_hits(np.ascontiguousarray(looks.range_m, dtype=float),
                                           speed, np.ascontiguousarray(looks.uniform(0)),
                                           float(spec.min_speed_mps), float(gain),
                                           float(spec.pfa), float(spec.max_range_m),
                                           float(RANGE_EXPONENT))
        else:
            hit = ((looks.uniform(0) < self.pd(looks.range_m, looks.t_s, size))
                   & (speed >= spec.min_speed_mps))
        return hit & self.open_at(trajectory, looks, hit), np.asarray(self.spec.class_accuracy)

    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Range plus Gaussian noise of ``sigma_range_m``."""
        return range_m + self.spec.sigma_range_m * z

    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The unbiased converted measurement of `sim.ground.measurements.range_bearing`."""
        return range_bearing(self.position, range_m, bearing_rad, self.spec.sigma_range_m,
                             np.radians(self.spec.sigma_bearing_deg))

    def clutter(self, end_s: float, rng: np.random.Generator,
                start_s: float = 0.0) -> Reports:
        """Clutter plots of [start_s, end_s) (module docstring), thinned to the report
        interval per episode if the spec sets one (`clutter_plots`)."""
        plots, episode = self.clutter_plots(end_s, rng, start_s)
        if self.report_interval is None:
            return plots
        # each episode is one mover to the radar's tracker: its first plot of each
        # report interval, among the scans the radar is up for (thinned after every
        # draw, so the day's stream is read as without an interval)
        up = np.flatnonzero(up_mask(self.down_s, plots.t_s))
        keep = up[first_per_interval(plots.t_s[up], self.report_interval, episode[up])]
        return Reports(self.id, plots.t_s[keep], plots.xy[keep], plots.cov[keep],
                       plots.truth[keep], plots.class_lik[keep])

    def clutter_plots(self, end_s: float, rng: np.random.Generator,
                      start_s: float = 0.0) -> tuple[Reports, IntArray]:
        """Every clutter plot of [start_s, end_s), one per scan that sees an episode
        (not thinned), and the episode (n,) of each. Draws: counts, times, radius,
        angle, dwell, then per episode its scans' plot and noise draws."""
        spec = self.spec
        t = nuisance_times(end_s, spec.clutter_per_day, rng, start_s, self.conditions,
                           self.CLUTTER)
        n = len(t)
        r = spec.max_range_m * np.sqrt(rng.random(n))
        bearing = np.radians(spec.heading_deg + spec.fov_deg * (rng.random(n) - 0.5))
        dwell = rng.exponential(CLUTTER_DWELL_S, n)
        iv = np.column_stack([t, t + dwell])
        tk, which = look_times(iv, spec.revisit_s, self.phase_s)
        keep = rng.random(len(tk)) < CLUTTER_PD
        tk, which = tk[keep], which[keep]
        z = rng.standard_normal((len(tk), 2))
        xy, cov = self._measure(r[which], bearing[which], z)
        lik = class_evidence(ANIMAL, spec.class_accuracy, rng.random(len(tk)))
        return Reports(self.id, tk, xy, cov, np.full(len(tk), -1, dtype=np.int64),
                       lik), which

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Animals (seen like movers) and clutter episodes; none while down."""
        rep = Reports.concat(self.id, [super().nuisance(end_s, rng, start_s),
                                       self.clutter(end_s, rng, start_s)])
        up = up_mask(self.down_s, rep.t_s)
        return Reports(self.id, rep.t_s[up], rep.xy[up], rep.cov[up], rep.truth[up],
                       rep.class_lik[up])
