"""The scenario schema, version 1: frozen, validated specs for every component.

A scenario file is data; these classes say what data is allowed. Each field has its
default, its bounds and its unit next to it (units end the field names: ``_m``,
``_s``, ``_mps``, ``_deg``, ``_per_day``). Defaults cite ``DOMAIN.md`` where a
public source exists; ``[G]`` marks an engineering guess to be overridden.

Frame: metres in a local Cartesian frame. The border is a polyline; the protected
side (the surveillance zone, the destinations) lies to the LEFT of the direction in
which the border's points are listed — for a border listed west to east, north.
Times inside the simulation are float seconds from the scenario ``start``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    field_validator,
    model_serializer,
    model_validator,
)


def _integral_float_as_int(value: object) -> object:
    """``2.0`` where a whole number is expected is 2 (JSON Schema's integer); anything
    else goes to the strict check unchanged."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


# Numbers and switches as the file wrote them. pydantic's lax mode would read ``true``
# as the probability 1.0, ``"50"`` as 50 m and ``1`` as true; strict mode refuses
# them, one rule for every field of the schema. A number field still takes an integer
# (``pd: 1``), a whole-number field ``2.0``. The JSON Schema is unchanged.
Float = Annotated[float, Strict()]
PositiveFloat = Annotated[float, Strict(), Field(gt=0)]
NonNegativeFloat = Annotated[float, Strict(), Field(ge=0)]
Int = Annotated[int, Strict(), BeforeValidator(_integral_float_as_int)]
PositiveInt = Annotated[int, Strict(), Field(gt=0), BeforeValidator(_integral_float_as_int)]
Bool = Annotated[bool, Strict()]

Point = tuple[Float, Float]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|min|s)?\s*$")
_UNIT_S = {"d": 86_400.0, "h": 3_600.0, "min": 60.0, "s": 1.0, None: 1.0}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_duration_s(value: object) -> float:
    """Seconds from ``7d``, ``36h``, ``90min``, ``45s`` or a plain number of seconds.

    Examples
    --------
    >>> parse_duration_s("36h"), parse_duration_s("90min"), parse_duration_s(30)
    (129600.0, 5400.0, 30.0)
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration like '7d', '36h', '90min' or seconds")
    if isinstance(value, int | float):
        seconds = float(value) if abs(value) < 1e300 else math.inf  # no OverflowError
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration like '7d', '36h', '90min' or seconds, "
                             f"got {value!r}")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not math.isfinite(seconds):
        raise ValueError("expected a finite duration like '7d', '36h', '90min' or seconds")
    if seconds <= 0:
        raise ValueError(f"duration must be > 0, got {value!r}")
    return seconds


def clock_text(value: object) -> object:
    """Undo YAML 1.1's reading of an unquoted ``21:30`` as the number 1290 (base 60)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def parse_clock_h(value: object) -> float:
    """Hours after midnight from ``HH:MM``. ``parse_clock_h("20:30")`` is 20.5."""
    match = _CLOCK.match(str(value).strip())
    if not match:
        raise ValueError(f"expected a local time HH:MM, got {value!r}")
    return int(match.group(1)) + int(match.group(2)) / 60.0


def _polyline_length_m(points: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


class Spec(BaseModel):
    """Base of every spec: immutable, unknown keys and non-finite numbers rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


Duration = Annotated[Float, Field(gt=0, description="seconds; files may say 7d, 36h, 90min")]
Probability = Annotated[Float, Field(ge=0, le=1)]


# --------------------------------------------------------------------------- segment

ZoneKind = Literal["forest", "field", "marsh", "water", "road", "settlement"]

#: Walking speed factor and foliage density per terrain kind when the file gives none [G].
ZONE_DEFAULTS: dict[str, tuple[float, float]] = {
    "forest": (0.6, 0.8),
    "field": (1.0, 0.0),
    "marsh": (0.35, 0.1),
    "water": (0.1, 0.0),
    "road": (1.2, 0.0),
    "settlement": (0.9, 0.3),
}

#: Height of the vegetation (or roofs) that blocks sight lines, m, by kind when the file
#: gives none: mature temperate forest stands are 15–30 m tall; reed marsh 2 m;
#: villages one or two storeys [G].
CANOPY_DEFAULTS: dict[str, float] = {
    "forest": 20.0, "field": 0.0, "marsh": 2.0, "water": 0.0, "road": 0.0,
    "settlement": 8.0,
}


class ZoneSpec(Spec):
    """A terrain zone: a polygon of one kind with a walking speed factor and foliage."""

    kind: ZoneKind
    polygon: list[Point] = Field(min_length=3, description="vertices, metres")
    speed_factor: PositiveFloat | None = Field(
        None, description="multiplies a group's walking speed; default by kind [G]")
    foliage: Probability | None = Field(
        None, description="0 open … 1 dense canopy; blocks line of sight; default by kind [G]")
    canopy_height_m: NonNegativeFloat | None = Field(
        None, le=200, description="height of the vegetation or roofs above the ground, m: "
        "a sight line passing higher crosses no foliage; default by kind [G]")
    passable: Bool | None = Field(
        None, description="whether least-cost routes may cross the zone on foot; default: "
        "every kind but water (a ford is a zone of another kind drawn over the water)")

    @property
    def effective_speed_factor(self) -> float:
        return self.speed_factor if self.speed_factor is not None else ZONE_DEFAULTS[self.kind][0]

    @property
    def effective_foliage(self) -> float:
        return self.foliage if self.foliage is not None else ZONE_DEFAULTS[self.kind][1]

    @property
    def effective_canopy_m(self) -> float:
        return (self.canopy_height_m if self.canopy_height_m is not None
                else CANOPY_DEFAULTS[self.kind])

    @property
    def effective_passable(self) -> bool:
        return self.passable if self.passable is not None else self.kind != "water"


class ElevationSpec(Spec):
    """Ground height on a regular grid, bilinear between nodes [G].

    ``heights_m[i][j]`` is the height at (x0 + j·cell_m, y0 + i·cell_m): rows go north
    (increasing y), columns east. Outside the grid the nearest edge value holds.
    """

    origin_m: Point = Field(description="(x, y) of node [0][0], metres")
    cell_m: PositiveFloat = Field(description="spacing of the grid nodes, m")
    heights_m: list[list[Float]] = Field(
        min_length=2, description="rows of heights above a datum, m (at least 2 × 2)")

    @field_validator("heights_m")
    @classmethod
    def _rectangular(cls, rows: list[list[float]]) -> list[list[float]]:
        if len(rows[0]) < 2 or any(len(r) != len(rows[0]) for r in rows):
            raise ValueError("heights_m must be a rectangle of at least 2 × 2 numbers")
        if any(abs(h) > 10_000 for r in rows for h in r):
            raise ValueError("heights must lie within ±10,000 m")
        return rows


class SegmentSpec(Spec):
    """The border segment: border line, depth of the surveillance zone, terrain."""

    border: list[Point] = Field(min_length=2, description="polyline, metres")
    depth_m: PositiveFloat = Field(
        5_000.0, description="depth of the surveillance zone behind the border, m; a group "
        "that walks farther has left it (it ends there: got away or undetected)")
    zones: list[ZoneSpec] = Field(default_factory=list,
                                  description="later zones win where zones overlap")
    sunrise: str | None = Field(
        None, description="fixed local time of sunrise, HH:MM, every day (without "
        "latitude_deg; default 05:00)")
    sunset: str | None = Field(None, description="fixed local time of sunset, HH:MM "
                               "(without latitude_deg; default 21:00)")
    latitude_deg: Float | None = Field(
        None, ge=-90, le=90, description="latitude of the segment, degrees north: day, civil "
        "twilight and night follow the sun's elevation for the date (sim.ground.sun)")
    longitude_deg: Float | None = Field(
        None, ge=-180, le=180, description="longitude, degrees east (with utc_offset_h); "
        "default: the start time is local mean solar time")
    utc_offset_h: Float | None = Field(
        None, ge=-14, le=14, description="local clock of `start` minus UT, hours "
        "(e.g. 2 for summer time in Poland); needs longitude_deg")
    geojson: str | None = Field(
        None, description="a GeoJSON file (QGIS export) giving the border, zones, roads, "
        "destinations and sensor positions, relative to the scenario file (sim.geojson); "
        "the loader merges it, so resolved scenarios hold its geometry instead")
    geojson_crs: str | None = Field(
        None, description="the GeoJSON file's coordinate reference system when the file "
        "names none, e.g. EPSG:2180; default: longitude/latitude (RFC 7946)")
    elevation: ElevationSpec | None = Field(
        None, description="ground heights; none: flat ground (terrain then masks no "
        "sight line)")
    grid_m: PositiveFloat = Field(
        50.0, ge=5, le=1_000, description="cell of the terrain raster used for sight lines "
        "over relief and canopy and for least-cost routes, m")

    @field_validator("border")
    @classmethod
    def _border_has_length(cls, border: list[Point]) -> list[Point]:
        if all(p == border[0] for p in border):
            raise ValueError("border must have at least two distinct points")
        return border

    @field_validator("sunrise", "sunset", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if value is None:
            return None
        value = clock_text(value)
        parse_clock_h(value)
        return value

    @model_validator(mode="after")
    def _one_light_model(self) -> SegmentSpec:
        if self.latitude_deg is not None and (self.sunrise is not None
                                              or self.sunset is not None):
            raise ValueError("sunrise/sunset: give either latitude_deg (light from the sun) "
                             "or fixed sunrise and sunset times, not both")
        if (self.longitude_deg is None) != (self.utc_offset_h is None):
            raise ValueError("longitude_deg and utc_offset_h go together: give both (or "
                             "neither: the start is then local mean solar time)")
        if self.longitude_deg is not None and self.latitude_deg is None:
            raise ValueError("longitude_deg: needs latitude_deg")
        return self


# --------------------------------------------------------------------------- weather

WeatherKind = Literal["clear", "rain", "fog", "snow"]


class WeatherStateSpec(Spec):
    """What one weather state means for sensors: visibility and wind."""

    visibility_m: PositiveFloat = Field(description="meteorological visibility, m "
                                        "(WMO: fog below 1 km)")
    wind_mps: NonNegativeFloat = Field(description="mean wind speed at 10 m, m/s")


#: Visibility and wind per state when the file gives none [G] (WMO-No. 8: fog is a
#: visibility under 1 km; moderate rain 2–10 km; moderate snow 0.5–1 km).
WEATHER_STATE_DEFAULTS: dict[WeatherKind, WeatherStateSpec] = {
    "clear": WeatherStateSpec(visibility_m=20_000.0, wind_mps=3.0),
    "rain": WeatherStateSpec(visibility_m=5_000.0, wind_mps=7.0),
    "fog": WeatherStateSpec(visibility_m=300.0, wind_mps=1.0),
    "snow": WeatherStateSpec(visibility_m=1_000.0, wind_mps=5.0),
}


#: Per-hour chance of leaving each state [G]: spells of about 1.5 days clear, 5 h rain,
#: 4 h fog, 10 h snow (no snow from clear: set it for winter).
_DEFAULT_TRANSITIONS: dict[WeatherKind, dict[WeatherKind, float]] = {
    "clear": {"rain": 0.02, "fog": 0.008}, "rain": {"clear": 0.2},
    "fog": {"clear": 0.25}, "snow": {"clear": 0.1}}


class WeatherEventSpec(Spec):
    """One entry of a weather timeline: the weather from ``at`` on."""

    at: Float = Field(ge=0, description="time after the start (7d, 36h, 90min or s)")
    weather: WeatherKind

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: object) -> float:
        if not isinstance(value, bool) and (value == 0 or value == "0"):
            return 0.0
        return parse_duration_s(value)


class WeatherSpec(Spec):
    """Weather over the run: a timeline, or a Markov chain (`sim.ground.weather`).

    ``transitions[a][b]`` is the probability per step of going from state a to b;
    what is left of each row is the probability of staying. Without a timeline the
    chain runs, starting from its stationary distribution.
    """

    step_s: PositiveFloat = Field(3_600.0, ge=60, description="length of a chain step, s")
    transitions: dict[WeatherKind, dict[WeatherKind, Probability]] = Field(
        default_factory=lambda: dict(_DEFAULT_TRANSITIONS),
        description="per-step probabilities of changing state (rows sum to at most 1) [G]")
    timeline: list[WeatherEventSpec] = Field(
        default_factory=list, description="fixed weather from given times on; replaces "
        "the chain when given")
    states: dict[WeatherKind, WeatherStateSpec] = Field(
        default_factory=lambda: dict(WEATHER_STATE_DEFAULTS),
        description="visibility and wind of each state (missing states: defaults)")

    @field_validator("states")
    @classmethod
    def _all_states(cls, states: dict[WeatherKind, WeatherStateSpec]
                    ) -> dict[WeatherKind, WeatherStateSpec]:
        return {k: states.get(k, v) for k, v in WEATHER_STATE_DEFAULTS.items()}

    @field_validator("transitions")
    @classmethod
    def _rows(cls, rows: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for a, row in rows.items():
            total = sum(p for b, p in row.items() if b != a)
            if total > 1 + 1e-9:
                raise ValueError(f"transitions.{a}: probabilities of leaving sum to "
                                 f"{total:g}, expected at most 1")
        return rows

    @field_validator("timeline")
    @classmethod
    def _sorted(cls, events: list[WeatherEventSpec]) -> list[WeatherEventSpec]:
        if any(b.at < a.at for a, b in zip(events, events[1:], strict=False)):
            raise ValueError("timeline entries must be in time order")
        return events

    def state(self, kind: str) -> WeatherStateSpec:
        """Visibility and wind of the state ``kind``."""
        return dict(self.states)[kind]  # type: ignore[index]

    def transition_matrix(self) -> list[list[float]]:
        """The (4, 4) row-stochastic matrix in the order clear, rain, fog, snow."""
        kinds: list[WeatherKind] = ["clear", "rain", "fog", "snow"]
        out = []
        for a in kinds:
            leave = self.transitions.get(a, {})
            row = [0.0 if b == a else float(leave.get(b, 0.0)) for b in kinds]
            row[kinds.index(a)] = 1.0 - sum(row)
            out.append(row)
        return out


# ------------------------------------------------------------------------- crossings

#: Relative crossing intensity per local hour 0..23: most crossings at night [G].
NIGHT_PROFILE = [3, 3, 3, 3, 2, 1, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2,
                 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.5, 2.5, 3, 3, 3]


class RangeSpec(Spec):
    """A uniform integer range, inclusive."""

    min: PositiveInt = 1
    max: PositiveInt = 1

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be >= min ({self.min})")
        return self


class SpeedSpec(Spec):
    """A group's walking speed on open ground: normal, truncated below at ``min_mps``."""

    mean_mps: PositiveFloat = 1.2
    sd_mps: NonNegativeFloat = 0.2
    min_mps: PositiveFloat = 0.4


class EntrySpec(Spec):
    """Where groups cross: arc length along the border polyline, metres from its start."""

    from_m: NonNegativeFloat = 0.0
    to_m: PositiveFloat | None = Field(None, description="default: the whole border")


class ReactionSpec(Spec):
    """What a group does when it sees a patrol or a reaction team [G].

    A group sees an observer within ``sight_range_day_m`` by day — shortened in
    foliage by the factor (1 − foliage) of the zone the group is in — and within
    ``sight_range_night_m`` at night (torches, vehicle lights, engine noise carry far).
    It then hides, turns back across the border, runs, or walks on, with the given
    probabilities (the rest walk on). No published rates exist: guesses to be
    calibrated with border guards' reports.
    """

    sight_range_day_m: NonNegativeFloat = Field(
        300.0, description="range at which a group sees a patrol or team by day, open "
        "ground, m [G]")
    sight_range_night_m: NonNegativeFloat = Field(
        200.0, description="range at which a group sees lights or hears a patrol or team "
        "at night, m [G]")
    p_hide: Probability = Field(0.3, description="probability the group hides [G]")
    p_turn_back: Probability = Field(0.15, description="probability it turns back [G]")
    p_run: Probability = Field(0.15, description="probability it runs on [G]")
    hide_s: PositiveFloat = Field(900.0, description="how long a group hides, s [G]")
    hidden_range_factor: Probability = Field(
        0.5, description="a hiding group is seen by patrols and teams only within this "
        "fraction of their detection range [G]")
    run_speed_factor: Float = Field(2.0, ge=1, description="running speed / walking "
                                    "speed [G]")
    run_s: PositiveFloat = Field(300.0, description="how long a group runs, s [G]")

    @model_validator(mode="after")
    def _probabilities_sum(self) -> ReactionSpec:
        total = self.p_hide + self.p_turn_back + self.p_run
        if total > 1 + 1e-9:
            raise ValueError(f"p_hide + p_turn_back + p_run must be <= 1, got {total:g}")
        return self


class GroupTypeSpec(Spec):
    """A kind of crossing group (`sim.movers`, "Group types") [G].

    migrants: larger, slower groups, families with children, who lie up by day;
    smugglers: small, fast, met at the destination by a vehicle that waits
    ``pickup_wait_s`` (late, they lie up there until the next night's pick-up);
    decoys: sent shortly before a smuggler group, far from it, to be seen and draw
    the reaction team; they walk towards the nearest known sensor for ``decoy_s``
    and go back.
    """

    kind: Literal["migrants", "smugglers", "decoys"]
    share: PositiveFloat = Field(1.0, description="relative share of arrivals")
    group_size: RangeSpec | None = Field(None, description="default: crossings.group_size")
    speed_factor: PositiveFloat = Field(
        1.0, le=3, description="multiplies the walking speed drawn from crossings.speed")
    lie_up: Bool = Field(False, description="walk only at night: hide where daylight "
                         "(or civil twilight) finds the group until the next night")
    pickup_wait_s: PositiveFloat | None = Field(
        None, description="smugglers: how long the vehicle waits at the destination "
        "after the planned arrival, s")
    decoy_lead_s: NonNegativeFloat = Field(
        1_800.0, description="decoys: how long before the next smuggler group they cross, s")
    decoy_s: PositiveFloat = Field(3_600.0, description="decoys: how long they walk "
                                   "towards the sensors before turning back, s")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> GroupTypeSpec:
        if self.pickup_wait_s is not None and self.kind != "smugglers":
            raise ValueError("pickup_wait_s: only smugglers are picked up by a vehicle")
        return self


class CrossingsSpec(Spec):
    """Groups arriving as a non-homogeneous Poisson process and walking inland."""

    groups_per_day: PositiveFloat = 5.0
    hourly_profile: list[NonNegativeFloat] = Field(
        default_factory=lambda: list(NIGHT_PROFILE), min_length=24, max_length=24,
        description="relative intensity per local hour 0..23; normalised")
    group_size: RangeSpec = RangeSpec(min=1, max=6)
    speed: SpeedSpec = SpeedSpec()
    entry: EntrySpec = EntrySpec()
    destinations: list[Point] = Field(
        min_length=1, description="pick-up points behind the border (the vanishing line)")
    waypoints: Int = Field(2, ge=0, le=10,
                           description="random intermediate waypoints on each route")
    route_spread_m: NonNegativeFloat = Field(
        800.0, description="lateral spread of waypoints around the straight route")
    informed_fraction: Probability = Field(
        0.0, description="share of groups that know where the fixed sensors stand and "
                         "pick the least exposed of several routes")
    reaction: ReactionSpec = ReactionSpec()
    routing: Literal["waypoints", "least_cost"] = Field(
        "waypoints", description="waypoints: straight legs through random waypoints; "
        "least_cost: the quickest route over the terrain (roads, fords), and informed "
        "groups plan entry, route and hour against the known coverage (sim.ground.planning)")
    entry_candidates: Int = Field(
        8, ge=1, le=64, description="least_cost: entry points an informed group weighs")
    avoidance_weight: NonNegativeFloat = Field(
        20.0, le=1e4, description="least_cost: an informed group's cost multiplier per "
        "unit of known detection hazard (walking time traded for exposure) [G]")
    types: list[GroupTypeSpec] = Field(
        default_factory=list, description="kinds of groups (migrants, smugglers, "
        "decoys) by share; none: every group alike")

    @field_validator("hourly_profile")
    @classmethod
    def _profile_positive(cls, profile: list[float]) -> list[float]:
        if sum(profile) <= 0:
            raise ValueError("hourly_profile must have a positive sum")
        return profile


# --------------------------------------------------------------------------- sensors


class SensorSpec(Spec):
    """Fields every sensor has."""

    id: str = Field(min_length=1, description="stable id with a kind prefix, e.g. radar-03")
    nuisance_per_day: NonNegativeFloat = Field(
        2.0, description="Poisson rate of nuisance alarms (animals, wind) on a calm, clear "
        "night; time of day and weather scale it (each sensor class's profile) "
        "[PSR-wiki] [AZRep-2013] [G]")
    mtbf_h: PositiveFloat | None = Field(
        None, description="mean time between failures, h (exponential); none: never "
        "fails. Down time is reported to the command by health reports (DOMAIN §2.4)")
    mttr_h: PositiveFloat = Field(
        8.0, description="mean time to repair, h (exponential) [G]")
    health_report_s: PositiveFloat = Field(
        300.0, description="a failure is noticed and reported (missed heartbeat) this "
        "long after it happens, s [G]")


PHASE_FIELD = Field(
    None, description="offset of the look clock (looks at phase + k·revisit_s); "
    "default: a fixed fraction of revisit_s derived from the id")

REPORT_INTERVAL_FIELD = Field(
    None, description="the sensor's own tracker forwards at most one report per mover "
    "(a crossing group, an animal, a clutter episode) per interval [k·T, (k+1)·T) of the "
    "clock, s: the first detection of the interval, with that look's position and "
    "covariance (track updates at a set rate, not a plot per look: target data "
    "0.1–1 Hz [PSR-wiki] [ASTERIX-015]); at least revisit_s. None: every detecting "
    "look is reported (`sensors.sector`)")


def _without_unset_interval(data: Any) -> Any:
    """A dumped radar or camera without ``report_interval_s`` when it is unset: the
    resolved scenario of every file that does not set it stays as it was written
    before the field existed (`sim.scenario.dump_scenario`); loading fills None."""
    if isinstance(data, dict) and data.get("report_interval_s", 0) is None:
        del data["report_interval_s"]
    return data


class FenceSpec(SensorSpec):
    """A fence-mounted line sensor: alarms when a group climbs or cuts the fence.

    Localisation is a point on the line: long along it (zone length), tight across.
    """

    kind: Literal["fence"] = "fence"
    line: list[Point] = Field(min_length=2, description="polyline, metres")
    pd: Probability = Field(0.9, description="probability a crossing of the line alarms [G]")
    sigma_along_m: PositiveFloat = Field(25.0, description="localisation along the line "
                                         "(zoned systems ≤100 m zones) [FiberSenSys]")
    sigma_across_m: PositiveFloat = Field(3.0, description="localisation across the line")
    delay_s: NonNegativeFloat = Field(4.0, description="time to climb/cut [Fence-4s]")
    class_accuracy: Float = Field(
        0.5, ge=1 / 3, le=1, description="probability the alarm's declared class "
        "(person/vehicle/animal) is right; 1/3 says nothing [G]")


class FibreSpec(SensorSpec):
    """Buried fibre read by distributed acoustic sensing (DAS): footsteps near the line."""

    kind: Literal["fibre"] = "fibre"
    line: list[Point] = Field(min_length=2, description="polyline of the cable, metres")
    radius_m: PositiveFloat = Field(
        10.0, description="footsteps are sensed within this distance of the cable "
        "[OptaSense]")
    pd: Probability = Field(0.9, description="probability a pass within the radius "
                            "alarms [G]")
    sigma_along_m: PositiveFloat = Field(5.0, description="localisation along the cable, "
                                         "metres [OptaSense]")
    frozen_factor: PositiveFloat = Field(
        0.6, le=1, description="radius multiplier when snow covers the ground (frost "
        "stiffens the soil, snow damps steps) [Peck-1993] [G]")
    class_accuracy: Float = Field(0.6, ge=1 / 3, le=1, description="[G]")


class CameraSpec(SensorSpec):
    """A day/thermal PTZ camera on a pole or tower with video analytics.

    Pixels on target from the optics (Johnson geometry, DOMAIN §2.3); P∞ per task
    from the TTPF; detection over a dwell by time-limited search (`sensors.camera`).
    """

    kind: Literal["camera"] = "camera"
    position_m: Point
    heading_deg: Float = Field(90.0, description="centre of view, degrees CCW from +x")
    fov_deg: Float = Field(60.0, gt=0, le=360)
    max_range_m: PositiveFloat = 3_000.0
    focal_length_mm: PositiveFloat = Field(
        100.0, description="focal length of the search (wide) view, mm [DOMAIN §2.3]")
    zoom_focal_length_mm: PositiveFloat = Field(
        400.0, description="focal length when zoomed onto an alert for verification, "
        "mm [G]")
    pixel_pitch_um: PositiveFloat = Field(12.0, description="detector pixel pitch, µm "
                                          "[DOMAIN §2.3]")
    target_m: PositiveFloat = Field(
        0.75, description="critical dimension of a person, m (1.8 × 0.5 m) [DOMAIN §2.3]")
    revisit_s: PositiveFloat = Field(5.0, description="seconds between analytics looks")
    thermal: Bool = Field(True, description="thermal cameras see at night")
    night_range_factor: PositiveFloat = Field(
        0.3, le=1, description="pixels-on-target multiplier at night for a non-thermal "
        "camera (illuminator) [G]")
    twilight_range_factor: PositiveFloat = Field(
        0.7, le=1, description="the same at civil twilight [G]")
    sigma_bearing_deg: PositiveFloat = 0.5
    sigma_range_frac: PositiveFloat = Field(0.1, description="range estimate error / range")
    foliage_length_m: PositiveFloat = Field(
        10.0, description="line of sight through foliage: P(open) = exp(-foliage_m / L); "
        "imagers do not see through canopy [G]")
    mast_m: PositiveFloat | None = Field(
        None, description="height of the sensor above the ground, m: set, sight lines "
        "are traced from it over relief (earth curvature) and count only the foliage "
        "below the canopy top (`Terrain.sight`); none, the whole line is under the "
        "canopy (`Terrain.foliage_m`)")
    class_accuracy: Float = Field(
        0.9, ge=1 / 3, le=1, description="video analytics: probability the declared "
        "class is right at close range; falls to 1/3 with the recognition P∞ "
        "[FI-2025] [AST-FCW] [G]")
    phase_s: NonNegativeFloat | None = PHASE_FIELD
    report_interval_s: PositiveFloat | None = REPORT_INTERVAL_FIELD
    slew_s: NonNegativeFloat = Field(
        10.0, description="time to slew and zoom onto an alert's position for "
        "verification (slew-to-cue), PTZ 2–10 s [DOMAIN §2.1] [G]")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset_interval(handler(self))


class RadarSpec(SensorSpec):
    """Ground surveillance radar; parameter sources in DOMAIN.md §2.1."""

    kind: Literal["radar"] = "radar"
    position_m: Point
    heading_deg: Float = Field(90.0, description="centre of the sector, degrees CCW from +x")
    fov_deg: Float = Field(360.0, gt=0, le=360)
    max_range_m: PositiveFloat = 8_000.0
    revisit_s: PositiveFloat = 2.0
    snr_1km_db: Float = Field(
        30.0, description="signal-to-noise ratio of a 1 m² target at 1 km, dB (the "
        "radar equation's constant; SNR ∝ σ / R⁴) [G]")
    pfa: Float = Field(1e-6, gt=0, lt=1, description="false-alarm probability per "
                       "resolution cell (sets the threshold) [G]")
    person_rcs_m2: PositiveFloat = Field(
        0.5, description="radar cross-section of one walking person, m² (0.5–1) "
        "[DOMAIN §2.1]")
    sigma_range_m: PositiveFloat = 15.0
    sigma_bearing_deg: PositiveFloat = Field(1.0, description="azimuth ~1° [G]")
    foliage_length_m: PositiveFloat = Field(
        30.0, description="line of sight through foliage: P(open) = exp(-foliage_m / L); "
        "100 m of forest (foliage 0.8) gives 0.07 [Forest-radar] [G]")
    mast_m: PositiveFloat | None = Field(
        None, description="height of the sensor above the ground, m: set, sight lines "
        "are traced from it over relief (earth curvature) and count only the foliage "
        "below the canopy top (`Terrain.sight`); none, the whole line is under the "
        "canopy (`Terrain.foliage_m`)")
    class_accuracy: Float = Field(
        0.7, ge=1 / 3, le=1, description="Doppler classification: probability the "
        "declared class is right [G]")
    min_speed_mps: NonNegativeFloat = Field(
        0.2, description="slowest radial speed the Doppler filter passes; a group "
        "standing still or walking across the beam is not seen [G]")
    clutter_per_day: NonNegativeFloat = Field(
        2.0, description="clutter episodes (wind-blown vegetation, rain) a day in calm, "
        "clear weather; each gives plots on consecutive scans that can make a false "
        "track [PSR-wiki] [G]")
    phase_s: NonNegativeFloat | None = PHASE_FIELD
    report_interval_s: PositiveFloat | None = REPORT_INTERVAL_FIELD

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset_interval(handler(self))


SoilKind = Literal["soil", "grass", "sand", "mud", "asphalt", "frozen"]


class SeismicSpec(SensorSpec):
    """An unattended seismic ground sensor: triggers on footsteps within its radius."""

    kind: Literal["seismic"] = "seismic"
    position_m: Point
    radius_m: PositiveFloat = Field(30.0, description="radius for one walker on plain "
                                    "soil, 10–50 m [Evans-2005] [Creare-2009] [G]")
    soil: SoilKind = Field("soil", description="ground the sensor is buried in: scales "
                           "the radius [Shantaf-2025] [IJDSN-2013] [G]")
    revisit_s: PositiveFloat = Field(10.0, description="seconds between trigger chances")
    pd: Probability = Field(0.7, description="per chance while in range [G]")
    hold_s: PositiveFloat = Field(
        60.0, description="an alarm stays on while triggers come less than this apart; "
        "only its onset is reported [G]")
    class_accuracy: Float = Field(
        0.6, ge=1 / 3, le=1, description="footstep classification: probability the "
        "declared class is right [Succi-2001] [G]")
    phase_s: NonNegativeFloat | None = PHASE_FIELD


class MicrowaveSpec(SensorSpec):
    """A microwave barrier: a transmitter–receiver link; crossing the beam alarms."""

    kind: Literal["microwave"] = "microwave"
    tx_m: Point
    rx_m: Point
    pd: Probability = Field(0.99, description="crossing the clear zone [MW-Heda] [G]")
    dead_zone_m: NonNegativeFloat = Field(
        5.0, description="blind length at each head (overlap the links) [MW-Heda]")
    class_accuracy: Float = Field(0.4, ge=1 / 3, le=1, description="[G]")

    @model_validator(mode="after")
    def _apart(self) -> MicrowaveSpec:
        if self.tx_m == self.rx_m:
            raise ValueError("rx_m: the receiver must not stand on the transmitter")
        return self


class PirSpec(SensorSpec):
    """A passive infrared detector: motion within a short sector."""

    kind: Literal["pir"] = "pir"
    position_m: Point
    heading_deg: Float = Field(90.0, description="centre of view, degrees CCW from +x")
    fov_deg: Float = Field(90.0, gt=0, le=360)
    range_m: PositiveFloat = Field(15.0, description="15 m wide, 24 m narrow [GIT-PIR]")
    pd: Probability = Field(0.95, description="per entry into the zone [G]")
    class_accuracy: Float = Field(0.4, ge=1 / 3, le=1, description="[G]")


class AcousticSpec(SensorSpec):
    """A microphone array: hears vehicles far, people only close."""

    kind: Literal["acoustic"] = "acoustic"
    position_m: Point
    vehicle_range_m: PositiveFloat = Field(500.0, description="200 m – 1 km [G]")
    person_range_m: NonNegativeFloat = Field(
        15.0, description="voices, breaking branches; footsteps are generally not "
        "heard [Succi-2001] [G]")
    pd: Probability = Field(0.967, description="per passage in range [Zu-2017]")
    revisit_s: PositiveFloat = Field(10.0, description="analysis window, s")
    wind_halving_mps: PositiveFloat = Field(
        5.0, description="wind speed that halves the range (wind noise) [Zu-2017] [G]")
    sigma_bearing_deg: PositiveFloat = Field(3.0, description="beamforming bearing [G]")
    class_accuracy: Float = Field(0.8, ge=1 / 3, le=1, description="[Zu-2017] [G]")
    phase_s: NonNegativeFloat | None = PHASE_FIELD


class DragRoadSpec(SensorSpec):
    """A drag road checked for sign (sign cutting): crossings found hours later."""

    kind: Literal["dragroad"] = "dragroad"
    line: list[Point] = Field(min_length=2, description="polyline of the drag road, m")
    pass_every_s: PositiveFloat = Field(
        43_200.0, description="time between inspections of the whole road (a pass at "
        "dusk and dawn) [Tracking-Deming], s")
    sign_life_s: PositiveFloat = Field(
        43_200.0, description="how long tracks stay readable, s [AP-2006] [G]")
    pd: Probability = Field(0.9, description="a tracker recognises fresh sign [G]")
    sigma_along_m: PositiveFloat = Field(30.0, description="where along the road, m")
    phase_s: NonNegativeFloat | None = PHASE_FIELD
    class_accuracy: Float = Field(0.9, ge=1 / 3, le=1, description="trackers tell "
                                  "footprints from animal sign [Tracking-Deming] [G]")


SensorSpecs = Annotated[FenceSpec | FibreSpec | CameraSpec | RadarSpec | SeismicSpec
                        | MicrowaveSpec | PirSpec | AcousticSpec | DragRoadSpec,
                        Field(discriminator="kind")]


# ----------------------------------------------------------------------------- comms


LinkKind = Literal["fibre", "microwave", "lte", "tetra", "lpwan", "satellite"]

#: Defaults per link type [G] (DOMAIN.md §2.4): one-way latency, mean jitter (s),
#: bandwidth (bit/s), loss. Fibre/microwave backhaul 5–50 ms; LTE/TETRA data 0.1–1 s
#: (TETRA packet data about 7.2 kbit/s a slot); LPWAN sensor radio seconds at a few
#: kbit/s (LoRa SF7/125 kHz ≈ 5.5 kbit/s); GEO satellite ≈ 0.27 s one way.
LINK_TYPES: dict[str, dict[str, float]] = {
    "fibre": {"latency_s": 0.005, "jitter_s": 0.002, "bandwidth_bps": 1e9, "loss": 1e-5},
    "microwave": {"latency_s": 0.01, "jitter_s": 0.005, "bandwidth_bps": 1e8, "loss": 1e-4},
    "lte": {"latency_s": 0.1, "jitter_s": 0.1, "bandwidth_bps": 5e6, "loss": 0.005},
    "tetra": {"latency_s": 0.5, "jitter_s": 0.5, "bandwidth_bps": 7.2e3, "loss": 0.01},
    "lpwan": {"latency_s": 3.0, "jitter_s": 2.0, "bandwidth_bps": 5.5e3, "loss": 0.05},
    "satellite": {"latency_s": 0.27, "jitter_s": 0.05, "bandwidth_bps": 2e6, "loss": 0.005},
}


class LinkSpec(Spec):
    """A link (a source's to the local node, a relay, or one between command layers).

    With ``kind`` the fields it leaves out take that type's values (`LINK_TYPES`).
    Without ``bandwidth_bps`` and outages the link never queues (`sim.comms`).
    """

    kind: LinkKind | None = Field(None, description="link type: its defaults fill the "
                                  "fields not given")
    latency_s: NonNegativeFloat = Field(0.5, description="fixed one-way delay, s [G]")
    jitter_s: NonNegativeFloat = Field(0.2, description="exponential extra delay, mean, s")
    loss: Probability = Field(0.01, description="probability a message is lost [G]")
    bandwidth_bps: PositiveFloat | None = Field(
        None, description="bit/s; messages queue behind each other (none: no limit)")
    queue_max: PositiveInt = Field(
        1000, description="messages the queue holds; a message sent to a full queue "
        "is dropped (tail drop) and counted [G]")
    mtbf_s: PositiveFloat | None = Field(
        None, description="mean up time between outages (exponential), s; none: no "
        "random outages")
    mttr_s: PositiveFloat = Field(1_800.0, description="mean outage length "
                                  "(exponential), s [G]")
    down: list[tuple[NonNegativeFloat, NonNegativeFloat]] = Field(
        default_factory=list, description="scheduled outages [[start_s, end_s], ...]")
    via: list[str] = Field(default_factory=list,
                           description="relay ids the messages pass through, in order")

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("kind") in LINK_TYPES:
            data = {**LINK_TYPES[data["kind"]], **data}
        return data

    @field_validator("down")
    @classmethod
    def _windows(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for a, b in value:
            if not b > a:
                raise ValueError(f"expected [start_s, end_s] with end_s > start_s, "
                                 f"got [{a}, {b}]")
        return value


class LinkOverrideSpec(LinkSpec):
    """A link for one named source."""

    source: str = Field(min_length=1, description="sensor or patrol id")


class RelaySpec(LinkSpec):
    """A relay (a mast, a gateway): one link shared by every route through it."""

    id: str = Field(min_length=1)


class MessageBytesSpec(Spec):
    """Size of one report by source kind, and of a message between layers, bytes [G]."""

    fence: PositiveFloat = Field(50.0, description="an alarm: zone, time, status")
    seismic: PositiveFloat = Field(50.0, description="an alarm with a footstep class")
    radar: PositiveFloat = Field(200.0, description="a plot: position, speed, class")
    camera: PositiveFloat = Field(30_000.0, description="a detection with a snapshot")
    patrol: PositiveFloat = Field(500.0, description="a sighting by radio")
    neighbour: PositiveFloat = Field(2_000.0, description="a neighbour's warning")
    layer: PositiveFloat = Field(2_000.0, description="an incident report between layers")

    def of(self, kind: str) -> float:
        """Bytes of one report of a source ``kind`` (another kind: a radar plot's)."""
        value = getattr(self, kind, None) if kind in type(self).model_fields else None
        return float(value if value is not None else self.radar)


class CommsSpec(Spec):
    default: LinkSpec = LinkSpec()
    links: list[LinkOverrideSpec] = Field(default_factory=list)
    relays: list[RelaySpec] = Field(default_factory=list)
    regional: LinkSpec = Field(
        LinkSpec(latency_s=0.5, jitter_s=0.2, loss=0.0),
        description="each local unit to the regional centre")
    national: LinkSpec = Field(
        LinkSpec(latency_s=0.5, jitter_s=0.2, loss=0.0),
        description="the regional centre to the national coordination centre")
    message_bytes: MessageBytesSpec = MessageBytesSpec()


# --------------------------------------------------------------------------- command


class CommandSpec(Spec):
    """The local command node: fusion, alerts and the operators' verification queue."""

    fusion_interval_s: PositiveFloat = 5.0
    operators: PositiveInt = 2
    verification_time_s: PositiveFloat = Field(
        90.0, description="mean time an operator looks through a camera, after the slew, "
        "before deciding (exponential) [G]")
    assess_time_s: PositiveFloat = Field(
        30.0, description="mean time to assess an alert no camera can see (read it, "
        "decide whether to send a team), s [G]")
    verify_radius_m: PositiveFloat = Field(
        250.0, description="half-width of the zoomed view around the alert's estimated "
        "position, m [G]")
    check_unseen_above: Probability = Field(
        0.9, description="a team is sent to check an alert the camera saw nothing at "
        "when the fused P(person or vehicle) is at least this [G]")
    dismiss_animal_above: Probability = Field(
        0.8, description="an alert no camera can see is dismissed without a team when "
        "the fused P(animal) is at least this [G]")
    predict_max_s: PositiveFloat = Field(
        1_800.0, description="how far past a track's last update teams extrapolate its "
        "motion when planning an intercept, s [G]")
    alert_min_reports: PositiveInt = Field(
        1, description="reports a confirmed track needs before it raises an alert")
    reorder_lag_s: NonNegativeFloat = Field(
        0.0, description="reorder buffer: the node holds each report until this long "
        "after its measurement, so reports up to this late are fused in order "
        "(command.nodes), s")
    fusion: dict[str, Float] = Field(
        default_factory=dict,
        description="fusion core parameters (command.fusion.FusionParams) over the border "
                    "defaults of command.nodes, e.g. {gate: 3.5, delete_after_s: 600}; "
                    "names and values are checked by the loader (sim.scenario)")


#: Source id of the neighbouring border guard's early warnings (its link: comms.links).
NEIGHBOUR = "neighbour"

ImpactLevel = Literal["low", "medium", "high", "critical"]
IMPACT_LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")


class SectionSpec(Spec):
    """A border section (EUROSUR Art. 30) with its local unit: a stretch of the border
    by arc length, and its impact level (Art. 34) at the start."""

    id: str = Field(min_length=1)
    from_m: NonNegativeFloat = Field(description="start, arc length along the border, m")
    to_m: PositiveFloat = Field(
        description="end, arc length along the border, m (the section holds [from_m, "
        "to_m); a point projecting into a gap between sections, or beyond the first or "
        "the last, belongs to the section whose stretch is nearest)")
    impact: ImpactLevel = "low"


class ReactionRuleSpec(Spec):
    """What a section's impact level changes (EUROSUR Art. 35: reinforced border
    control at high) [G]."""

    check_unseen_above: Probability | None = Field(
        None, description="a lower alert threshold: the local unit sends a team to check "
        "an alert the camera saw nothing at from this P(person or vehicle) (none: "
        "command.check_unseen_above)")
    reserve: Bool = Field(False, description="reinforced response: the regional centre "
                          "sends a free reserve team after each incident too")


def _default_rules() -> dict[ImpactLevel, ReactionRuleSpec]:
    return {"low": ReactionRuleSpec(), "medium": ReactionRuleSpec(),
            "high": ReactionRuleSpec(check_unseen_above=0.5, reserve=True),
            "critical": ReactionRuleSpec(check_unseen_above=0.3, reserve=True)}


class NeighbourSpec(Spec):
    """Early warning from the neighbouring country's border guard: it sees a share of
    the groups on its side and warns; the warning reaches the local unit over the
    link of source ``neighbour`` (``comms.links``; its latency is the exchange's
    delay) as a report of where and when the group crossed."""

    pd: Probability = Field(0.5, description="share of groups the neighbour sees [G]")
    position_sd_m: PositiveFloat = Field(
        300.0, description="spread of the warned crossing point along each axis, m [G]")


class LayersSpec(Spec):
    """Sections and their local units, the regional centre, the national coordination
    centre (`command.layers`)."""

    sections: list[SectionSpec] = Field(
        default_factory=list, description="none: one section, the whole border")
    rules: dict[ImpactLevel, ReactionRuleSpec] = Field(
        default_factory=_default_rules, description="reaction rules per impact level")
    raise_after: PositiveInt | None = Field(
        None, description="the NCC raises a section's level by one (up to high) when "
        "this many incidents of medium impact or more reached it from the section within "
        "raise_window_s [G]; none: levels stay as set here")
    raise_window_s: PositiveFloat = Field(86_400.0, description="s")
    high_persons: PositiveInt = Field(
        5, description="an incident with this many persons seen or apprehended has high "
        "impact [G]")
    reserve_teams: list[str] = Field(
        default_factory=list, description="team ids the regional centre holds in reserve "
        "(the local units do not dispatch them)")
    neighbour: NeighbourSpec | None = Field(None, description="early warning; none: off")
    uav_tasking: Literal["local", "region"] = Field(
        "local", description="who tasks the alert-mode UAVs: the local operator at once "
        "(local), or the regional centre (region): the operator's request goes up the "
        "section's regional link, the centre chooses the UAV and its order comes back down")


class TeamSpec(Spec):
    """A reaction team waiting at its base: a vehicle on roads, then on foot [G]."""

    id: str = Field(min_length=1)
    base_m: Point
    readiness_s: NonNegativeFloat = Field(300.0, description="mean time from dispatch "
                                          "to leaving, s")
    readiness_sd_s: NonNegativeFloat = Field(
        0.0, description="spread of the readiness time (normal, truncated at 0), s")
    drive_speed_mps: PositiveFloat = Field(12.0, description="vehicle speed on roads [G]")
    foot_speed_mps: PositiveFloat = Field(
        1.5, description="walking speed off road on open ground (times the zone's speed "
        "factor) [G]")
    chase_speed_mps: PositiveFloat = Field(
        3.0, description="running speed when chasing a group in sight [G]")
    capture_radius_m: PositiveFloat = Field(
        10.0, description="distance at which a chase ends in an apprehension, m")
    pursuit_max_s: PositiveFloat = Field(
        600.0, description="a chase longer than this is given up, s [G]")
    detection_range_m: PositiveFloat = Field(
        150.0, description="range at which the team sees a group by day, m [Koester-2014]")
    night_range_factor: Float = Field(
        0.7, gt=0, le=1, description="night range / day range (night vision) [G]")
    capacity: PositiveInt = Field(
        8, description="persons the team can apprehend and transport at once")
    search_s: PositiveFloat = Field(
        1_800.0, description="time spent searching around the predicted position, s [G]")
    replan_s: PositiveFloat = Field(
        60.0, description="interval at which the team re-plans on the latest track, s")
    escort_s: NonNegativeFloat = Field(
        3_600.0, description="time to hand over apprehended persons before the team is "
        "free again, s [G]")


class ResponseSpec(Spec):
    teams: list[TeamSpec] = Field(default_factory=list)


class ShiftSpec(Spec):
    """A daily patrol shift in local time; ``end`` before ``start`` crosses midnight."""

    start: str = "20:00"
    end: str = "04:00"

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        value = clock_text(value)
        parse_clock_h(value)
        return value


class PatrolSpec(Spec):
    """A foot or vehicle patrol or a dog team on duty during its shifts: pacing a route
    back and forth, searching an area at random, or watching from a post."""

    id: str = Field(min_length=1)
    mode: Literal["route", "area", "post"] = Field(
        "route", description="route: back and forth along ``route``; area: random search "
        "of the polygon ``area``; post: an observation post at the route's first point")
    route: list[Point] = Field(min_length=2, description="polyline, metres")
    area: list[Point] | None = Field(None, min_length=3,
                                     description="search polygon (mode area), metres")
    visibility: Literal["high", "medium", "low"] = Field(
        "medium", description="how visible a hiding group is: sweep width W = 1.8, 1.6 or "
        "1.1 × detection range [Koester-2014]")
    vegetation_cut: Probability = Field(
        0.5, description="a target in foliage f is seen within (1 − cut·f) of the range: "
        "sweep width shrinks with vegetation [PA-ESW] [G]")
    canine: Bool = Field(False, description="a dog team: air-scent sweep width 95 m "
                         "[Dog-ESW], and it picks up trails up to trail_age_s old")
    trail_age_s: PositiveFloat = Field(
        10_800.0, description="oldest trail a dog team picks up, s (hours old) [G]")
    trail_pd: Probability = Field(
        0.7, description="probability a dog team crossing a fresh trail picks it up [G]")
    speed_mps: PositiveFloat = Field(1.1, description="foot 3–5 km/h [G]")
    shifts: list[ShiftSpec] = Field(default_factory=lambda: [ShiftSpec()])
    detection_range_m: PositiveFloat = Field(
        150.0, description="average maximum detection range Rd by day, m; the "
        "cookie-cutter radius is W/2 (see visibility) [Koester-2014]")
    night_range_factor: PositiveFloat = Field(0.5, le=1, description="[Koester-NZ] [G]")
    sigma_m: PositiveFloat = Field(10.0, description="reported position error (GPS)")
    pd: Probability = Field(
        1.0, description="definite range: probability a contact is detected, at its "
        "first instant in range (used when glimpse_rate_per_s is not set)")
    glimpse_rate_per_s: PositiveFloat | None = Field(
        None, description="continuous hazard while in range: P = 1 - exp(-rate · "
        "exposure) [SARBayes]; default: definite range with pd")
    nuisance_per_day: NonNegativeFloat = Field(
        0.0, description="false sightings per day on duty; patrols have very few [G]")
    class_accuracy: Float = Field(
        0.98, ge=1 / 3, le=1, description="probability a patrol names what it saw [G]")
    chase_speed_mps: PositiveFloat = Field(
        2.5, description="running speed of the patrol chasing a group in sight [G]")
    pursuit_max_s: PositiveFloat = Field(300.0, description="a chase longer than this "
                                         "is given up, s [G]")
    capture_radius_m: PositiveFloat = Field(10.0, description="distance at which a "
                                            "chase ends in an apprehension, m")
    capacity: PositiveInt = Field(4, description="persons the patrol can apprehend")
    min_impact: ImpactLevel = Field(
        "low", description="more patrols at higher impact (EUROSUR Art. 35): the patrol "
        "goes on a shift only when its section's level, as its local unit knows it when "
        "the shift starts, is at least this (the section of its route's first point) [G]")
    escort_s: NonNegativeFloat = Field(
        1_800.0, description="time off the route holding apprehended persons until a "
        "vehicle takes them, s [G]")

    @model_validator(mode="after")
    def _area_given(self) -> PatrolSpec:
        if self.mode == "area" and self.area is None:
            raise ValueError("area: mode 'area' needs a search polygon")
        return self


# ------------------------------------------------------------------------------ UAVs


class UAVSpec(Spec):
    """A small UAV with an EO/IR gimbal camera (`sensors.uav`); DOMAIN.md §2, UAV row.

    ``mode: orbit`` flies sorties round ``orbit_centre_m`` and detects like a camera
    looking down; ``mode: alert`` waits at its base until an operator launches it to
    an alert no camera can see, and verifies it from overhead.
    """

    id: str = Field(min_length=1, description="e.g. uav-01")
    base_m: Point = Field(description="launch and landing site, m")
    mode: Literal["orbit", "alert"] = "alert"
    orbit_centre_m: Point | None = Field(None, description="orbit mode: centre of the orbit")
    orbit_radius_m: PositiveFloat = Field(500.0, description="orbit mode: radius, m [G]")
    altitude_m: PositiveFloat = Field(
        120.0, le=5_000, description="height above ground, m (EU open category: 120 m)")
    speed_mps: PositiveFloat = Field(15.0, description="transit and orbit speed [G]")
    endurance_s: PositiveFloat = Field(
        2_400.0, description="flight time per battery or tank; small multirotor 20–45 "
        "min [G]")
    turnaround_s: NonNegativeFloat = Field(
        1_200.0, description="on the ground between sorties (battery swap, checks), s [G]")
    loiter_s: PositiveFloat = Field(
        600.0, description="alert mode: time over the alert (the operator's look) before "
        "it flies home, s [G]")
    revisit_s: PositiveFloat = Field(2.0, description="seconds between looks (orbit mode)")
    r50_m: PositiveFloat = Field(
        400.0, description="slant range of 50 % detection per look: a person of 0.75 m "
        "spans 2 pixels of 0.9 mrad (640 px, 12 µm, 13 mm lens) at about 400 m [D]")
    recognition_r50_m: PositiveFloat = Field(
        250.0, description="slant range at which an operator recognises persons with "
        "probability 0.5 through the zoomed gimbal camera [G]")
    max_range_m: PositiveFloat = Field(1_500.0, description="largest slant range of a look")
    foliage_length_m: PositiveFloat = Field(
        10.0, description="P_LOS = exp(−canopy metres / L) on the line from overhead "
        "[AOS-2022] [G]")
    max_wind_mps: PositiveFloat = Field(
        12.0, description="grounded at higher wind [G] [OIG-15-17]")
    min_visibility_m: NonNegativeFloat = Field(
        1_000.0, description="grounded at lower visibility (fog) [G]")
    flies_in_rain: Bool = Field(False, description="rain and snow ground it unless true")
    sigma_m: PositiveFloat = Field(
        10.0, description="reported position error: GNSS and gimbal pointing 5–20 m [G]")
    class_accuracy: Float = Field(0.9, ge=1 / 3, le=1, description="probability the "
                                  "declared class is right [G]")

    @model_validator(mode="after")
    def _orbit_has_centre(self) -> UAVSpec:
        if self.mode == "orbit" and self.orbit_centre_m is None:
            raise ValueError("orbit_centre_m: an orbit needs its centre")
        return self


# ----------------------------------------------------------------------------- costs


class SensorCostSpec(Spec):
    """What one unit of a sensor kind costs; line sensors (fence) per km of line."""

    capital_eur: NonNegativeFloat = Field(
        0.0, description="purchase and installation per unit (fence: per km)")
    lifetime_years: PositiveFloat = Field(
        10.0, description="straight-line depreciation period of the capital cost [G]")
    operating_eur_per_year: NonNegativeFloat = Field(
        0.0, description="maintenance, power and data per unit (fence: per km) and year")


class CostsSpec(Spec):
    """The cost of the surveillance system, for cost per day and per apprehension.

    Daily cost = Σ sensors (capital / lifetime + operating) / 365.25 + staff hours ×
    ``staff_hour_eur`` (each patrol's shift hours × ``patrol_officers``, operators ×
    ``operator_hours_per_day``, teams × ``team_officers`` × ``team_hours_per_day``)
    + ``flight_hours_per_day`` × ``flight_hour_eur`` + ``other_eur_per_year`` / 365.25
    (`sim.costs`). A sensor kind missing from ``sensors`` costs nothing. Figures are
    the user's; DOMAIN.md §2.2 and §5 give published orders of magnitude.
    """

    currency: str = Field("EUR", min_length=1, description="the label of the cost "
                          "figures in summary.json, the printed tables and "
                          "cost_effectiveness.csv; no conversion (the *_eur fields are "
                          "in this currency)")
    sensors: dict[str, SensorCostSpec] = Field(
        default_factory=dict, description="cost per unit by sensor kind (fence, camera, "
        "radar, seismic)")
    staff_hour_eur: NonNegativeFloat = Field(40.0, description="cost of one staff hour [G]")
    patrol_officers: PositiveInt = Field(2, description="officers in one patrol [G]")
    operator_hours_per_day: NonNegativeFloat = Field(
        24.0, le=24, description="hours a day each operator seat is staffed")
    team_officers: PositiveInt = Field(4, description="officers in one reaction team [G]")
    team_hours_per_day: NonNegativeFloat = Field(
        24.0, le=24, description="hours a day each reaction team is on duty")
    flight_hour_eur: NonNegativeFloat = Field(
        0.0, description="cost of one flight hour (Predator B US$12,255 [OIG-15-17])")
    flight_hours_per_day: NonNegativeFloat = Field(0.0, le=24,
                                                   description="aircraft hours flown a day")
    other_eur_per_year: NonNegativeFloat = Field(
        0.0, description="fixed yearly cost not above (command post, vehicles)")


# --------------------------------------------------------------------------- injects


class InjectSpec(Spec):
    """Fields of every inject: a timed event of the exercise script (MSEL).

    The time is either ``at`` (after the scenario's ``start``: ``5400``, ``90min``,
    ``6h``) or ``clock`` (local time ``HH:MM``, its first occurrence at or after the
    start, plus ``day`` days). ``name`` labels it in the event log and the timeline.
    """

    name: str = Field("", description="label in the event log and the timeline; "
                      "default inject-<position>")
    at: Duration | None = Field(None, description="time after the start; 90min, 6h or "
                                "seconds (or give clock)")
    clock: str | None = Field(None, description="local time HH:MM, first occurrence at "
                              "or after the start (or give at)")
    day: Int = Field(0, ge=0, le=3650, description="with clock: that many days later")

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: object) -> object:
        return None if value is None else parse_duration_s(value)

    @field_validator("clock", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if value is None:
            return None
        value = clock_text(value)
        parse_clock_h(value)
        return value

    @model_validator(mode="after")
    def _one_time(self) -> InjectSpec:
        if (self.at is None) == (self.clock is None):
            raise ValueError("give the inject's time as either at (after the start) or "
                             "clock (local HH:MM), not both or neither")
        if self.at is not None and self.day:
            raise ValueError("day goes with clock, not with at")
        return self

    def at_s(self, start: dt.datetime) -> float:
        """Seconds after the scenario start at which the inject fires."""
        if self.at is not None:
            return float(self.at)
        assert self.clock is not None
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        since_midnight_s = (start - midnight).total_seconds()
        clock_s = parse_clock_h(self.clock) * 3_600.0
        first = (clock_s - since_midnight_s) % 86_400.0
        return first + self.day * 86_400.0


class SensorFailInject(InjectSpec):
    """A sensor stops working: from then on it makes no report (nuisance alarms
    included) until a ``sensor_repair``; the command notices after ``notice_s``
    (its heartbeat stops) and stops using it (a camera is no longer slewed)."""

    type: Literal["sensor_fail"] = "sensor_fail"
    sensor: str = Field(min_length=1, description="id of a sensor of the scenario")
    notice_s: NonNegativeFloat = Field(
        60.0, description="until the command notices: the sensor's heartbeat interval, s "
        "[G]")


class SensorRepairInject(InjectSpec):
    """A failed sensor works again; the command notices after ``notice_s``."""

    type: Literal["sensor_repair"] = "sensor_repair"
    sensor: str = Field(min_length=1, description="id of a sensor failed by an earlier "
                        "sensor_fail")
    notice_s: NonNegativeFloat = Field(60.0, description="until the command notices, s "
                                       "[G]")


class GroupInject(InjectSpec):
    """A scripted group crosses at ``entry_m`` along the border and walks ``route``
    (its last point is its destination; past the segment's depth it is gone).

    It is a crossing like any other (sensed, reacts, scored); the random groups keep
    their ids and draws (common random numbers)."""

    type: Literal["group"] = "group"
    size: PositiveInt = Field(description="persons in the group")
    entry_m: NonNegativeFloat = Field(description="where it crosses: arc length along "
                                      "the border, m")
    route: list[Point] = Field(min_length=1, description="points it walks to after "
                               "crossing, in order, m")
    speed_mps: PositiveFloat | None = Field(
        None, description="walking speed on open ground; default crossings.speed.mean_mps")


class DecoyInject(GroupInject):
    """A decoy group: it walks ``route`` into the sensor field to draw the reaction
    team, then walks straight back across the border (a *turned back* outcome),
    while the real crossing happens elsewhere [G]."""

    type: Literal["decoy"] = "decoy"  # type: ignore[assignment]


class TeamUnavailableInject(InjectSpec):
    """A reaction team is called away: it is sent on no new task until
    ``team_available`` (a mission under way is finished)."""

    type: Literal["team_unavailable"] = "team_unavailable"
    team: str = Field(min_length=1, description="id of a reaction team")


class TeamAvailableInject(InjectSpec):
    """A reaction team that was unavailable can be tasked again."""

    type: Literal["team_available"] = "team_available"
    team: str = Field(min_length=1, description="id of a reaction team")


class OperatorsInject(InjectSpec):
    """An operator shift change: ``on_duty`` operators at the console from now on (an
    operator who leaves first finishes the alert in hand; 0 leaves the console
    unmanned and alerts wait)."""

    type: Literal["operators"] = "operators"
    on_duty: Int = Field(ge=0, le=1000, description="operators on duty from now on")


class LinkDownInject(InjectSpec):
    """A source's link goes down: from then on until ``link_up`` (or the end) it
    carries nothing (messages sent wait in its queue, store and forward)."""

    type: Literal["link_down"] = "link_down"
    link: str = Field(min_length=1, description="source id (sensor, patrol, UAV) whose "
                      "link goes down")


class LinkUpInject(InjectSpec):
    """A link that went down (``link_down``) comes back."""

    type: Literal["link_up"] = "link_up"
    link: str = Field(min_length=1, description="source id of a link down then")


class WeatherInject(InjectSpec):
    """The weather turns to ``state`` from now on, until the next weather inject
    (overrides the scenario's weather; sensors read it through `Daylight`)."""

    type: Literal["weather"] = "weather"
    state: WeatherKind = Field(description="clear, rain, fog or snow")
    visibility_m: PositiveFloat | None = Field(
        None, description="visibility, m; default that state's (weather.states)")


class SectionImpactInject(InjectSpec):
    """The NCC sets a section's impact level (as if raised by incidents, reason
    ``inject``) and sends it down to the region and the section's local unit."""

    type: Literal["section_impact"] = "section_impact"
    section: str = Field(min_length=1, description="id of a section (layers.sections)")
    level: ImpactLevel = Field(description="low, medium, high or critical")


InjectSpecs = Annotated[SensorFailInject | SensorRepairInject | GroupInject | DecoyInject
                        | TeamUnavailableInject | TeamAvailableInject | OperatorsInject
                        | LinkDownInject | LinkUpInject | WeatherInject
                        | SectionImpactInject,
                        Field(discriminator="type")]


# -------------------------------------------------------------------------- scenario


class Scenario(Spec):
    """A whole scenario file, schema version 1."""

    schema_: Literal[1] = Field(alias="schema", description="schema version; must be 1")
    name: str = Field(min_length=1)
    description: str = ""
    duration: Duration = Field(description="7d, 36h, 90min or seconds")
    start: dt.datetime = Field(description="local date and time at t = 0")
    segment: SegmentSpec
    crossings: CrossingsSpec
    sensors: list[SensorSpecs] = Field(default_factory=list)
    comms: CommsSpec = CommsSpec()
    command: CommandSpec = CommandSpec()
    response: ResponseSpec = ResponseSpec()
    patrols: list[PatrolSpec] = Field(default_factory=list)
    layers: LayersSpec = LayersSpec()
    uavs: list[UAVSpec] = Field(default_factory=list, description="UAVs (sensors.uav)")
    costs: CostsSpec | None = Field(None, description="system costs; none: no cost KPIs")
    weather: WeatherSpec | None = Field(
        None, description="weather over the run (timeline or Markov chain); none: clear")
    injects: list[InjectSpecs] = Field(
        default_factory=list, description="the exercise script: timed events (a sensor "
        "fails, a scripted or decoy group crosses, a team is called away, the operators' "
        "shift changes, a link goes down or up, the weather turns, a section's impact "
        "level is set), in any order")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              defer_build=True)

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return parse_duration_s(value)

    @field_validator("schema_", mode="before")
    @classmethod
    def _schema_number(cls, value: object) -> object:
        if isinstance(value, bool):     # true == 1 for Literal[1]
            raise ValueError(f"expected the schema version 1, got {value!r}")
        return value

    @field_validator("start", mode="before")
    @classmethod
    def _start_is_a_time(cls, value: object) -> object:
        if isinstance(value, int | float):   # lax mode reads 1700000000 as Unix time
            raise ValueError("expected a local date and time such as 2026-06-01T18:00:00, "
                             f"got {value!r}")
        return value

    @model_validator(mode="after")
    def _ids_unique_and_known(self) -> Scenario:
        # Messages carry the field path themselves: a model-level error has none.
        places = ([(f"sensors.{i}.id", s.id) for i, s in enumerate(self.sensors)]
                  + [(f"patrols.{i}.id", p.id) for i, p in enumerate(self.patrols)]
                  + [(f"response.teams.{i}.id", t.id) for i, t in enumerate(self.response.teams)]
                  + [(f"uavs.{i}.id", u.id) for i, u in enumerate(self.uavs)])
        seen: set[str] = set()
        for where, ident in places:
            if ident in seen:
                raise ValueError(f"{where}: id {ident!r} is used twice")
            seen.add(ident)
        sources = ({s.id for s in self.sensors} | {p.id for p in self.patrols}
                   | {u.id for u in self.uavs})
        if self.layers.neighbour is not None and NEIGHBOUR in sources:
            raise ValueError(f"layers.neighbour: the id {NEIGHBOUR!r} is the "
                             "neighbour's; rename that sensor, patrol or UAV")
        sources.add(NEIGHBOUR)           # its link may be given with the warning off
        for i, link in enumerate(self.comms.links):
            if link.source not in sources:
                raise ValueError(f"comms.links.{i}.source: {link.source!r} is no sensor or "
                                 "patrol id")
        relays = [r.id for r in self.comms.relays]
        if len(set(relays)) < len(relays):
            raise ValueError("comms.relays: relay ids must be unique")
        routes: list[tuple[str, LinkSpec]] = [("comms.default", self.comms.default)]
        routes += [(f"comms.links.{i}", lk) for i, lk in enumerate(self.comms.links)]
        for where, route in routes:
            for hop in route.via:
                if hop not in relays:
                    raise ValueError(f"{where}.via: {hop!r} is no relay id")
        for i, r in enumerate(self.comms.relays):
            if r.via:
                raise ValueError(f"comms.relays.{i}.via: a relay has no via")
        teams = {t.id for t in self.response.teams}
        for i, team in enumerate(self.layers.reserve_teams):
            if team not in teams:
                raise ValueError(f"layers.reserve_teams.{i}: {team!r} is no team id")
        for i, sec in enumerate(self.layers.sections):
            if not sec.to_m > sec.from_m:
                raise ValueError(f"layers.sections.{i}.to_m: expected more than from_m "
                                 f"({sec.from_m}), got {sec.to_m}")
            before = self.layers.sections[i - 1] if i else None
            if before is not None and sec.from_m < before.to_m:
                raise ValueError(f"layers.sections.{i}.from_m: expected at least the end "
                                 f"of section {before.id!r} ({before.to_m}): sections are "
                                 f"listed along the border and do not overlap, got "
                                 f"{sec.from_m}")
        if len({sec.id for sec in self.layers.sections}) < len(self.layers.sections):
            raise ValueError("layers.sections: section ids must be unique")
        self._check_injects()
        return self

    def _check_injects(self) -> None:
        """References exist, times fall within the duration, and a repair or a team's
        return follows a failure or a call-away (in time order)."""
        sensors = {s.id for s in self.sensors}
        teams = {t.id for t in self.response.teams}
        border = _polyline_length_m(self.segment.border)
        down: set[str] = set()
        away: set[str] = set()
        cut: set[str] = set()
        sources = (sensors | {p.id for p in self.patrols} | {u.id for u in self.uavs}
                   | ({NEIGHBOUR} if self.layers.neighbour is not None else set()))
        sections = {sec.id for sec in self.layers.sections} or {"section-1"}
        names: set[str] = set()
        timed = sorted(((inj.at_s(self.start), i, inj) for i, inj in enumerate(self.injects)),
                       key=lambda item: (item[0], item[1]))
        for t, i, inj in timed:
            where = f"injects.{i}"
            name = self.inject_name(i)
            if name in names:
                raise ValueError(f"{where}.name: {name!r} is used twice")
            names.add(name)
            if t >= self.duration_s:
                # the field that sets the time: at, or clock (day, when the clock
                # alone would fire within the duration)
                when = ("at" if inj.at is not None else "day"
                        if inj.day and t - inj.day * 86_400.0 < self.duration_s
                        else "clock")
                raise ValueError(f"{where}.{when}: fires {t:g} s after the start, not "
                                 f"within the duration ({self.duration_s:g} s)")
            if isinstance(inj, SensorFailInject | SensorRepairInject):
                if inj.sensor not in sensors:
                    raise ValueError(f"{where}.sensor: {inj.sensor!r} is no sensor id")
                failing = isinstance(inj, SensorFailInject)
                if failing == (inj.sensor in down):
                    raise ValueError(f"{where}.sensor: {inj.sensor!r} is "
                                     f"{'already failed' if failing else 'not failed'} "
                                     f"then ({t:g} s)")
                (down.add if failing else down.discard)(inj.sensor)
            elif isinstance(inj, TeamUnavailableInject | TeamAvailableInject):
                if inj.team not in teams:
                    raise ValueError(f"{where}.team: {inj.team!r} is no reaction team id")
                leaving = isinstance(inj, TeamUnavailableInject)
                if leaving == (inj.team in away):
                    raise ValueError(f"{where}.team: team {inj.team!r} is "
                                     f"{'already unavailable' if leaving else 'not unavailable'}"
                                     f" then ({t:g} s)")
                (away.add if leaving else away.discard)(inj.team)
            elif isinstance(inj, LinkDownInject | LinkUpInject):
                if inj.link not in sources:
                    raise ValueError(f"{where}.link: {inj.link!r} is no source id (sensor, "
                                     "patrol, UAV)")
                going = isinstance(inj, LinkDownInject)
                if going == (inj.link in cut):
                    raise ValueError(f"{where}.link: link {inj.link!r} is "
                                     f"{'already down' if going else 'not down'} then "
                                     f"({t:g} s)")
                (cut.add if going else cut.discard)(inj.link)
            elif isinstance(inj, SectionImpactInject) and inj.section not in sections:
                raise ValueError(f"{where}.section: {inj.section!r} is no section id")
            elif isinstance(inj, GroupInject) and inj.entry_m > border:
                raise ValueError(f"{where}.entry_m: {inj.entry_m:g} m is past the end of the "
                                 f"border ({border:g} m long)")

    def inject_name(self, index: int) -> str:
        """The label of inject ``index``: its ``name``, or ``inject-<index + 1>``."""
        return self.injects[index].name or f"inject-{index + 1}"

    @property
    def duration_s(self) -> float:
        return float(self.duration)

    def link_for(self, source: str) -> LinkSpec:
        """The link spec of a sensor or patrol: its own override, else the default."""
        for link in self.comms.links:
            if link.source == source:
                return link
        return self.comms.default
