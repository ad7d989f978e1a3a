"""Tracker parameters: one frozen dataclass, every field with its unit and default.

The defaults are tuned for people and small groups on foot (0.8-2 m/s, the anchor
cases in ``shared/anchor``) seen by sensors that revisit about once a second with
metre-to-tens-of-metres position noise. Every rule of the tracker that uses a
parameter is described in :mod:`command.fusion.core` and :mod:`command.fusion.manage`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from command.fusion.errors import FusionInputError


@dataclass(frozen=True)
class FusionParams:
    """Parameters of the fusion core (all SI units; names carry the unit).

    Attributes
    ----------
    q_m2ps3 : float, default 0.03
        Continuous white-noise acceleration intensity of the constant-velocity model,
        per axis, m² s⁻³: ``Q(dt) = q [[dt³/3, dt²/2], [dt²/2, dt]]`` per axis. Walkers
        are driven by q = 0.05 in the anchor cases, but their velocity also relaxes
        towards a preferred one (time constant τ = 20 s), so over the ~10 s a filter
        remembers it drifts like a random walk of q·τ/2·(1 - e^(-2·10/τ)) / 10 ≈ 0.03.
        That value tracks turns as well and gives ~1.5 m lower GOSPA than 0.05.
    gate : float, default 4.0
        Gate on the Mahalanobis distance (not squared) of the innovation: a report is a
        candidate for a track when ``d² = νᵀ S⁻¹ ν <= gate²`` (16 for 4; for 2 degrees of
        freedom a true report falls outside with probability exp(-gate²/2) = 3.4e-4).
    v0_mps : float, default 1.5
        Standard deviation of each velocity component of a new track (its velocity
        mean is 0), m/s.
    pd : float, default 0.9
        Probability that a sensor report a target it covers, in each batch; used by the
        track score (a miss costs ``ln(1 - pd)``).
    clutter_density_per_m2 : float, default 1e-6
        Spatial density of false reports in one batch, m⁻² (1e-6 = 100 false alarms per
        batch over 100 km², the densest anchor case). Sets how much a report near a
        tentative track counts as evidence of a target; a lower value confirms tracks
        sooner but lets clutter make false tracks where it is that dense.
    birth_density_per_m2 : float, default 1e-7
        Spatial density of reports from not-yet-tracked targets, m⁻²; with the clutter
        density it sets the initial track score ``ln(birth / clutter)``.
    confirm_score : float, default 7.5
        A tentative track is confirmed when its log-likelihood-ratio score reaches this
        value (dimensionless; see :mod:`command.fusion.manage`): with the default
        densities and 15 m reports, after its 3rd or 4th report. On clutter alone the
        score is a likelihood-ratio martingale, so a track started by a false report
        ever reaches it with probability at most ``exp(-(confirm_score - ln(birth /
        clutter)))`` = e^-9.8 ≈ 6e-5 (Wald's bound).
    delete_after_s : float, default 4.5
        A confirmed track is deleted when it has had no report for longer than this, s.
    tentative_delete_after_s : float, default 1.5
        A tentative track is deleted when it has had no report for longer than this, s.
    max_position_std_m : float, default 500.0
        Any track whose position standard deviation (sqrt of the larger eigenvalue of
        its position covariance) exceeds this is deleted, m.
    revive_window_s : float, default 1.0
        A track past its silence limit is deleted at the first batch that does not
        update it, but only within this window after the limit, s: a track silent for
        longer than its limit plus this window is deleted before association, so
        after a long gap without batches (a quiet night in the simulator) a stale
        track, its predicted covariance grown huge, cannot take a report from anywhere.
        One second is one anchor scan: on regular 1 s scans nothing changes.
    """

    q_m2ps3: float = 0.03
    gate: float = 4.0
    v0_mps: float = 1.5
    pd: float = 0.9
    clutter_density_per_m2: float = 1e-6
    birth_density_per_m2: float = 1e-7
    confirm_score: float = 7.5
    delete_after_s: float = 4.5
    tentative_delete_after_s: float = 1.5
    max_position_std_m: float = 500.0
    revive_window_s: float = 1.0
    _vector: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for f in fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise FusionInputError(f"param '{f.name}': expected a finite number, "
                                       f"got {value!r}")
            if f.name in _NON_NEGATIVE:
                if value < 0:
                    raise FusionInputError(f"param '{f.name}': expected a non-negative "
                                           f"number, got {value!r}")
            elif f.name == "pd":
                if not 0 < value < 1:
                    raise FusionInputError(f"param 'pd': expected a number in (0, 1), "
                                           f"got {value!r}")
            elif f.name not in _ANY_SIGN and value <= 0:
                raise FusionInputError(f"param '{f.name}': expected a positive number, "
                                       f"got {value!r}")
        # the compiled kernel takes its parameters as one vector; built once here
        vector = np.array([float(getattr(self, name)) for name in PARAM_ORDER])
        vector.flags.writeable = False
        object.__setattr__(self, "_vector", vector)

    def as_vector(self) -> np.ndarray:
        """(9,) the parameters the compiled kernel uses, in the order of ``PARAM_ORDER``."""
        return self._vector

    def with_overrides(self, overrides: Mapping[str, str]) -> FusionParams:
        """Return a copy with fields replaced by ``name=value`` strings.

        Parameters
        ----------
        overrides : mapping of field name to its value as text, e.g. ``{"gate": "3.5"}``

        Raises
        ------
        FusionInputError
            For an unknown name or a value that is not a valid number for that field.
        """
        known = {f.name for f in fields(self) if f.init}
        values: dict[str, float] = {}
        for name, text in overrides.items():
            if name not in known:
                raise FusionInputError(f"param '{name}': unknown parameter "
                                       f"(known: {', '.join(sorted(known))})")
            try:
                values[name] = float(text)
            except (TypeError, ValueError):
                kind = ("a number in (0, 1)" if name == "pd" else
                        "a non-negative number" if name in _NON_NEGATIVE else
                        "a number" if name in _ANY_SIGN else "a positive number")
                raise FusionInputError(f"param '{name}': expected {kind}, "
                                       f"got {text!r}") from None
        current = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        return FusionParams(**{**current, **values})


#: Parameters of :meth:`FusionParams.as_vector`, in order (:func:`kernels.fuse` reads
#: them by position).
PARAM_ORDER = ("q_m2ps3", "gate", "v0_mps", "pd", "birth_density_per_m2", "confirm_score",
               "delete_after_s", "tentative_delete_after_s", "max_position_std_m")
_NON_NEGATIVE = frozenset({"q_m2ps3", "revive_window_s"})
_ANY_SIGN = frozenset({"confirm_score"})
