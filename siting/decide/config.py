"""Scenario files (TOML): validated before any work starts.

A scenario file names the region, the cost model, the candidate source, the
facility parameters, weights and outputs.  :func:`load_scenario` validates the
whole file with pydantic and reports every problem as ``key (line N): message``
— an unknown key, a wrong type, a missing file or an impossible value — then
builds a :class:`siting.decide.scenario.Scenario`.

Sections ``[waste_station]``, ``[truck_lots]``, ``[costs]`` and ``[candidates]``
accept exactly the fields of the parameter classes in :mod:`siting.params`
(their defaults and sources are listed there), so a new parameter is usable
from a file as soon as it exists.

Examples
--------
>>> text = '''
... name = "demo"
... [region]
... embedded = "mishor-hahof"
... [waste_station]
... buffer_m = "far"
... '''
>>> try:
...     parse_scenario(text, source="demo.toml")
... except ScenarioError as err:
...     print(str(err).splitlines()[1][:55])
  waste_station.buffer_m (line 6): Input should be a va
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import typing
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from siting.errors import LayerError, ScenarioError, SitingError
from siting.params import (
    CandidateParams,
    CrowFlyParams,
    ParamError,
    SensitivityParams,
    TruckParams,
    WasteParams,
)

__all__ = [
    "CostModelKind",
    "ScenarioFile",
    "build_scenario",
    "load_and_build",
    "load_scenario",
    "parse_scenario",
    "scenario_from_file",
    "validate_scenario",
]


class CostModelKind(StrEnum):
    """Travel-cost models a scenario can choose."""

    CROW_FLY = "crow-fly"
    NETWORK = "network"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionSpec(_Strict):
    """Where the authorities and localities come from (exactly one source)."""

    embedded: str | None = Field(None, description="an embedded region, e.g. 'mishor-hahof'")
    cluster: str | None = Field(None, description="an Eshkol_MPn cluster name or alias")
    data_dir: str | None = Field(None, description="folder of the official files (cluster)")
    authorities: str | None = Field(None, description="authorities layer file")
    localities: str | None = Field(None, description="localities layer file")
    neighbours: list[int | str] = Field(default_factory=list)
    members_add: list[int] = Field(default_factory=list, description="neighbours joining")

    @pydantic.model_validator(mode="after")
    def _one_source(self) -> RegionSpec:
        given = [k for k in ("embedded", "cluster", "authorities") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'embedded', 'cluster' or 'authorities' (+ 'localities'); "
                f"got {given or 'none'}"
            )
        if self.authorities and not self.localities:
            raise ValueError("'authorities' needs 'localities' too")
        return self


class CostsSpec(_Strict):
    """Travel-cost model."""

    model: CostModelKind = CostModelKind.CROW_FLY
    network: str | None = Field(None, description=".osm/.osm.pbf/.graphml file (model=network)")
    vehicle: str | None = Field(
        None,
        description="profile of the collection leg (model=network): "
        "'compactor' (default), 'truck' or 'articulated'",
    )
    circuity: pydantic.StrictFloat | None = None
    speed_kmh: pydantic.StrictFloat | None = None

    @pydantic.model_validator(mode="after")
    def _network_needs_file(self) -> CostsSpec:
        if self.model is CostModelKind.NETWORK and not self.network:
            raise ValueError("model = 'network' needs 'network' = a road-network file")
        if self.vehicle is not None:
            from siting.network import PROFILES

            if self.model is not CostModelKind.NETWORK:
                raise ValueError(
                    f"vehicle = {self.vehicle!r} only applies to model = 'network' (the "
                    "crow-fly model has one average speed); remove it or use a road network"
                )
            if self.vehicle not in PROFILES:
                valid = ", ".join(repr(k) for k in PROFILES)
                raise ValueError(f"vehicle must be one of {valid} (got {self.vehicle!r})")
        return self


class CandidatesSpec(_Strict):
    """Candidate source: the hexagonal search (default) or a user's plots."""

    source: Literal["grid", "file"] = "grid"
    file: str | None = None
    layer: str | None = None
    exclusions: list[str] = Field(default_factory=list)
    cell_m: pydantic.StrictFloat | None = None
    built_up_density_per_km2: pydantic.StrictFloat | None = None
    min_built_up_radius_m: pydantic.StrictFloat | None = None
    # neighbours (names or ids) whose land may host a facility, e.g. ["Megiddo"]
    allow_land_of: list[int | str] = Field(default_factory=list)
    # OSM extract whose land use excludes land (siting.landuse); true = the [costs] network
    landuse: str | bool | None = None

    @pydantic.model_validator(mode="after")
    def _file_needs_path(self) -> CandidatesSpec:
        if self.source == "file" and not self.file:
            raise ValueError("source = 'file' needs 'file' = a GeoPackage/GeoJSON of plots")
        return self


class OutputsSpec(_Strict):
    """Where and how to write outputs."""

    dir: str | None = None
    lang: Literal["en", "he"] = "en"
    # None: inline the map's scripts whenever they can be had (cache or registry), else CDN
    self_contained: pydantic.StrictBool | None = None


def _strict(hint: Any) -> Any:
    """Numbers stay numbers: ``true`` or ``"5"`` is not a float, ``1.5`` not an int."""
    strict = {float: pydantic.StrictFloat, int: pydantic.StrictInt, bool: pydantic.StrictBool}
    if hint in strict:
        return strict[hint]
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:  # X | None
        inner = next(a for a in args if a is not type(None))
        return strict.get(inner, inner) | None
    return hint


@cache
def _params_model(cls: type) -> type[BaseModel]:
    """A strict pydantic model mirroring a parameter dataclass (every field optional)."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {
        f.name: (_strict(hints[f.name]) | None, None) for f in dataclasses.fields(cls) if f.init
    }
    return pydantic.create_model(
        f"{cls.__name__}Spec", __config__=ConfigDict(extra="forbid"), **fields
    )


class ScenarioFile(_Strict):
    """The validated content of a scenario file."""

    name: str
    description: str = ""
    seed: pydantic.StrictInt = Field(20261123, ge=0, le=2**63 - 1, description="Monte Carlo seed")
    region: RegionSpec
    costs: CostsSpec = Field(default_factory=CostsSpec)
    candidates: CandidatesSpec = Field(default_factory=CandidatesSpec)
    waste_station: dict[str, Any] = Field(default_factory=dict)
    truck_lots: dict[str, Any] = Field(default_factory=dict)
    weights: dict[Literal["waste_station", "truck_lot"], dict[str, Any]] = Field(
        default_factory=dict,
        description="per facility: {criterion = weight} or {ahp = {criteria, matrix}}",
    )
    weight_ranges: dict[Literal["waste_station", "truck_lot"], dict[str, tuple[float, float]]] = (
        Field(default_factory=dict, description="per facility: {criterion = [low, high]}")
    )
    sensitivity: dict[str, Any] = Field(default_factory=dict)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    facilities: list[Literal["waste_station", "truck_lot"]] = ["waste_station", "truck_lot"]

    @pydantic.field_validator("waste_station")
    @classmethod
    def _waste(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_params(WasteParams, v)

    @pydantic.field_validator("truck_lots")
    @classmethod
    def _trucks(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_params(TruckParams, v)

    @pydantic.field_validator("sensitivity")
    @classmethod
    def _sensitivity(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_params(SensitivityParams, v)

    @pydantic.field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for fac, spec in v.items():
            _weight_set(fac, spec)  # raises ValueError naming the criteria
        return v

    @pydantic.field_validator("weight_ranges")
    @classmethod
    def _ranges(
        cls, v: dict[str, dict[str, tuple[float, float]]]
    ) -> dict[str, dict[str, tuple[float, float]]]:
        from siting.criteria import CRITERIA
        from siting.layers import Facility

        for fac, ranges in v.items():
            valid = [c.name for c in CRITERIA[Facility(fac)]]
            unknown = sorted(set(ranges) - set(valid))
            if unknown:
                raise ValueError(f"{fac}: unknown criteria {unknown}; valid: {', '.join(valid)}")
            bad = {k: r for k, r in ranges.items() if not 0 <= r[0] <= r[1]}
            if bad:
                raise ValueError(f"{fac}: each range must be [low, high] with 0 <= low <= high")
        return v


def _weight_set(facility: str, spec: dict[str, Any]) -> Any:
    """The :class:`~siting.weights.WeightSet` of a ``[weights.<facility>]`` table."""
    from siting.criteria import CRITERIA
    from siting.layers import Facility
    from siting.weights import WeightSet

    valid = [c.name for c in CRITERIA[Facility(facility)]]
    try:
        return WeightSet.from_spec(spec, valid=valid)
    except ScenarioError as err:
        raise ValueError(f"{facility}: {str(err).removeprefix('weights: ')}") from None


def _check_params(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """Types only; ranges are checked per key by :func:`_param_problems` (to name the key)."""
    model = _params_model(cls)
    parsed = model.model_validate(values)
    return {k: v for k, v in parsed.model_dump().items() if k in values}


#: Sections whose keys are fields of a parameter class: (section, class, keys or None = all).
_PARAM_SECTIONS: tuple[tuple[str, type, tuple[str, ...] | None], ...] = (
    ("waste_station", WasteParams, None),
    ("truck_lots", TruckParams, None),
    ("sensitivity", SensitivityParams, None),
    ("costs", CrowFlyParams, ("circuity", "speed_kmh")),
    (
        "candidates",
        CandidateParams,
        ("cell_m", "built_up_density_per_km2", "min_built_up_radius_m"),
    ),
)


def _param_problems(spec: ScenarioFile, text: str) -> list[str]:
    """Every parameter outside its documented range, as ``section.key (line N): message``."""
    out = []
    for section, cls, keys in _PARAM_SECTIONS:
        part = getattr(spec, section)
        values = (
            dict(part)
            if isinstance(part, dict)
            else {k: getattr(part, k) for k in keys or () if getattr(part, k) is not None}
        )
        try:
            cls(**values)
        except ParamError as err:
            for name, msg in err.problems:
                line = _line_of(text, (section, name)) or _line_of(text, (section,))
                out.append(f"{section}.{name}{f' (line {line})' if line else ''}: {msg}")
        except (TypeError, ValueError) as err:  # pragma: no cover - types are checked above
            out.append(f"{section}: {err}")
    return out


_HEADER = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a key path in TOML text (tables and dotted headers)."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    table: list[str] = []
    best = None
    for n, line in enumerate(text.splitlines(), start=1):
        h = _HEADER.match(line)
        if h:
            table = [p.strip().strip("\"'") for p in h.group(1).split(".")]
            if table == keys:
                best = best or n
            continue
        k = _KEY.match(line)
        if k:
            path = [*table, k.group(1).strip("\"'")]
            if path == keys:
                return n
            if best is None and path == keys[: len(path)]:
                best = n
    return best


def _format(errors: Any, text: str) -> list[str]:
    lines = []
    for e in errors:
        loc = tuple(p for p in e["loc"] if not str(p).startswith("function-after"))
        msg = e["msg"].removeprefix("Value error, ")
        if loc in (("weights",), ("weight_ranges",)):  # name the facility's table
            fac, sep, rest = msg.partition(": ")
            if sep and fac in ("waste_station", "truck_lot"):
                loc, msg = (*loc, fac), rest
        key = ".".join(str(p) for p in loc) or "(file)"
        line = _line_of(text, loc)
        where = f" (line {line})" if line else ""
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{key}{where}: {msg}")
    return lines


def parse_scenario(
    text: str, *, source: str = "<scenario>", base_dir: Path | None = None
) -> ScenarioFile:
    """Validate scenario TOML text (structure, types, values, that named files exist).

    Raises
    ------
    ScenarioError
        Listing every problem as ``key (line N): message``.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: not valid TOML: {err}") from None
    return validate_scenario(raw, text=text, source=source, base_dir=base_dir)


def validate_scenario(
    raw: dict[str, Any], *, text: str = "", source: str = "<scenario>", base_dir: Path | None = None
) -> ScenarioFile:
    """Validate a scenario's parsed TOML (``raw``); ``text`` gives the problems' line numbers.

    A sweep (:mod:`siting.sweep`) validates every scenario it derives from a base file this
    way, so a scenario checks the same whether it comes from a file or a sweep.

    Raises
    ------
    ScenarioError
        Listing every problem as ``key (line N): message``.
    """
    try:
        spec = ScenarioFile.model_validate(raw)
    except pydantic.ValidationError as err:
        problems = _format(err.errors(), text)
        raise ScenarioError(
            f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems)
        ) from None
    problems = _param_problems(spec, text)
    if problems:
        raise ScenarioError(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))
    base = base_dir or Path.cwd()
    missing = [
        f"{key} (line {_line_of(text, tuple(key.split('.')))}): file not found: {path}"
        for key, path in _files(spec)
        if not (base / path).exists()
    ]
    if missing:
        raise ScenarioError(f"{source}: {len(missing)} problem(s)\n  " + "\n  ".join(missing))
    return spec


def _check_authority_ids(spec: ScenarioFile, region: Any, *, text: str, source: str) -> None:
    """Every per-authority table names authorities the region has (members where required)."""
    ids = {int(a) for a in region.authorities["id"]}
    members = {
        int(a)
        for a, m in zip(region.authorities["id"], region.authorities["member"], strict=True)
        if m
    }
    members |= {int(a) for a in spec.region.members_add}
    problems = []
    tables = (
        (
            "truck_lots",
            "trucks_by_authority",
            spec.truck_lots.get("trucks_by_authority", ()),
            members,
        ),
        (
            "waste_station",
            "status_quo_by_authority",
            spec.waste_station.get("status_quo_by_authority", ()),
            members,
        ),
    )
    for section, key, rows, valid in tables:
        unknown = sorted({str(row[0]) for row in rows if _as_id(row[0]) not in valid})
        if unknown:
            line = _line_of(text, (section, key))
            problems.append(
                f"{section}.{key}{f' (line {line})' if line else ''}: unknown member authority "
                f"id(s) {', '.join(unknown)}; the region's members are "
                f"{', '.join(str(a) for a in sorted(members))}"
            )
    unknown = sorted(str(a) for a in spec.region.members_add if int(a) not in ids)
    if unknown:
        line = _line_of(text, ("region", "members_add"))
        problems.append(
            f"region.members_add{f' (line {line})' if line else ''}: unknown authority id(s) "
            f"{', '.join(unknown)}"
        )
    if problems:
        raise ScenarioError(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))


def _as_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _files(spec: ScenarioFile) -> list[tuple[str, str]]:
    out = []
    for key in ("authorities", "localities", "data_dir"):
        if getattr(spec.region, key):
            out.append((f"region.{key}", getattr(spec.region, key)))
    if spec.costs.network:
        out.append(("costs.network", spec.costs.network))
    if spec.candidates.file:
        out.append(("candidates.file", spec.candidates.file))
    out.extend(("candidates.exclusions", p) for p in spec.candidates.exclusions)
    return out


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario file; paths inside resolve against its folder."""
    path = Path(path)
    return parse_scenario(read_text(path), source=str(path), base_dir=path.parent)


def read_text(path: Path) -> str:
    """A scenario file's text: UTF-8 (a BOM is allowed), or an error naming the file."""
    if not path.exists():
        raise ScenarioError(f"scenario file not found: {path}")
    if not path.is_file():
        raise ScenarioError(f"scenario file {path}: is not a file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"scenario file {path}: cannot be read ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ScenarioError(
            f"{path} (line {line}): not UTF-8 text (byte 0x{data[err.start]:02x} at offset "
            f"{err.start}); save the file as UTF-8"
        ) from None


def scenario_from_file(path: str | Path) -> Any:
    """Validate a scenario file, then build its :class:`~siting.decide.scenario.Scenario`.

    The scenario keeps the file's text and path for the run's manifest.
    """
    return load_and_build(path)[1]


def load_and_build(path: str | Path) -> tuple[ScenarioFile, Any]:
    """The validated file and its Scenario (for callers that also need ``[outputs]``)."""
    path = Path(path)
    text = read_text(path)
    spec = parse_scenario(text, source=str(path), base_dir=path.parent)
    scenario = build_scenario(spec, base_dir=path.parent, text=text, source=str(path))
    return spec, dataclasses.replace(
        scenario, scenario_text=text, scenario_file=str(path.resolve())
    )


def build_scenario(
    spec: ScenarioFile,
    *,
    base_dir: Path | None = None,
    text: str = "",
    source: str = "<scenario>",
    cache: dict[str, Any] | None = None,
) -> Any:
    """Turn a validated :class:`ScenarioFile` into a runnable Scenario (loads the layers).

    ``text`` and ``source`` (the file's text and name) let a problem found only once
    the region is loaded — an authority id it does not have — name its key and line.
    ``cache`` (a dict the caller keeps) reuses the region and the cost model of an earlier
    call with the same ``[region]`` (apart from ``members_add``) and ``[costs]``: a sweep
    builds many scenarios on one region and loads its layers once.
    """
    base = base_dir or Path.cwd()
    key = json.dumps(
        [str(base), spec.region.model_dump(exclude={"members_add"}), spec.costs.model_dump()],
        sort_keys=True,
        default=str,
    )
    if cache is not None and key in cache:
        region, cost_model, inputs = cache[key]
    else:
        region, inputs = _load_region(spec, base, text=text, source=source)
        cost_model, more = _cost_model(spec, base)
        inputs = [*inputs, *more]
        if cache is not None:
            cache[key] = (region, cost_model, inputs)
    _check_authority_ids(spec, region, text=text, source=source)
    if spec.region.members_add:
        region = region.with_members(spec.region.members_add)
    return _assemble(spec, region, cost_model, list(inputs), base=base)


def _load_region(
    spec: ScenarioFile, base: Path, *, text: str, source: str
) -> tuple[Any, list[str]]:
    """The ``[region]`` (before ``members_add``) and the files it was read from."""
    from siting.decide.checks import check_extent
    from siting.layers import Region, read_layer

    r = spec.region
    inputs: list[str] = []
    if r.embedded:
        from siting.sources.embedded import EMBEDDED_INPUTS, default_region, embedded_data_dir

        try:
            region = default_region(r.embedded)
        except (SitingError, ValueError, KeyError) as err:
            line = _line_of(text, ("region", "embedded"))
            raise ScenarioError(
                f"{source}: region.embedded{f' (line {line})' if line else ''}: {err}"
            ) from None
        folder = embedded_data_dir() / r.embedded
        inputs += [str(folder / n) for n in EMBEDDED_INPUTS if (folder / n).exists()]
    elif r.cluster:
        from siting.sources import region_from_cluster

        try:
            region = region_from_cluster(
                r.cluster,
                data_dir=(base / r.data_dir) if r.data_dir else None,
                neighbours=r.neighbours,
            )
        except LayerError:
            raise
        except SitingError as err:
            line = _line_of(text, ("region", "cluster"))
            raise ScenarioError(
                f"{source}: region.cluster{f' (line {line})' if line else ''}: {err}"
            ) from None
    else:
        auth = read_layer(base / str(r.authorities), "authorities")
        loc = read_layer(base / str(r.localities), "localities")
        check_extent(auth, f"authorities' in '{r.authorities}")
        check_extent(loc, f"localities' in '{r.localities}")
        region = Region(
            name=spec.name,
            authorities=auth,
            localities=loc,
            sources=(f"authorities: {r.authorities}", f"localities: {r.localities}"),
        ).validated()
        inputs += [str(base / str(r.authorities)), str(base / str(r.localities))]
    return region, inputs


def _cost_model(spec: ScenarioFile, base: Path) -> tuple[Any, list[str]]:
    """The ``[costs]`` model and the files it was read from."""
    inputs: list[str] = []
    c = spec.costs
    if c.model is CostModelKind.NETWORK:
        from siting import network

        # the collection leg's graph now; the transfer and truck-lot legs' on first use
        profiles = {network.Leg.COLLECTION: c.vehicle} if c.vehicle else None
        cost_model: Any = network.NetworkCostModel.from_file(
            base / str(c.network), profiles=profiles
        )
        inputs.append(str(base / str(c.network)))
    else:
        from siting.costs import CrowFlyModel

        cf = {k: v for k, v in (("circuity", c.circuity), ("speed_kmh", c.speed_kmh)) if v}
        cost_model = CrowFlyModel(CrowFlyParams(**cf))
    return cost_model, inputs


def _assemble(
    spec: ScenarioFile, region: Any, cost_model: Any, inputs: list[str], *, base: Path
) -> Any:
    """The Scenario of ``spec`` on a loaded region and cost model (candidates, exclusions)."""
    from siting.decide.checks import check_extent
    from siting.decide.scenario import Scenario
    from siting.layers import candidates_from_file, exclusions_from_file

    c = spec.costs
    cs = spec.candidates
    search = CandidateParams(
        **{
            k: getattr(cs, k)
            for k in ("cell_m", "built_up_density_per_km2", "min_built_up_radius_m")
            if getattr(cs, k) is not None
        }
    )
    candidates = None
    if cs.source == "file":
        candidates = candidates_from_file(base / str(cs.file), layer=cs.layer)
        check_extent(candidates, f"candidates' in '{cs.file}")
        inputs.append(str(base / str(cs.file)))
    if cs.allow_land_of:
        from siting.candidates import allow_land

        region = allow_land(region, cs.allow_land_of)
    exclusions = None
    frames = [exclusions_from_file(base / p) for p in cs.exclusions]
    for p, f in zip(cs.exclusions, frames, strict=True):
        check_extent(f, f"exclusions' in '{p}")
    inputs += [str(base / p) for p in cs.exclusions]
    if cs.landuse is True and (c.model is not CostModelKind.NETWORK or not c.network):
        raise ScenarioError(
            "candidates.landuse = true needs [costs] model = 'network' with an OSM extract"
        )
    landuse = c.network if cs.landuse is True else (cs.landuse or None)
    if landuse:
        from siting.candidates import region_land
        from siting.landuse import read_landuse

        land, _, _ = region_land(region)
        area = None if land is None else land[land["id"].isin(region.members["id"])].union_all()
        frames.append(read_landuse(base / str(landuse), area=area))
        inputs.append(str(base / str(landuse)))
    if frames:
        import pandas as pd

        exclusions = pd.concat([f.to_crs(frames[0].crs) for f in frames], ignore_index=True)

    from siting.layers import Facility

    return Scenario(
        name=spec.name,
        region=region,
        cost_model=cost_model,
        waste=WasteParams(**spec.waste_station),
        truck=TruckParams(**spec.truck_lots),
        search=search,
        candidates=candidates,
        exclusions=exclusions,
        sensitivity=SensitivityParams(**spec.sensitivity),
        weights={Facility(f): _weight_set(f, w) for f, w in spec.weights.items()},
        weight_ranges={Facility(f): dict(r) for f, r in spec.weight_ranges.items()},
        facilities=tuple(Facility(f) for f in spec.facilities),
        lang=spec.outputs.lang,
        seed=spec.seed,
        inputs=tuple(inputs),
    )
