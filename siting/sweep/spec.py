"""Sweep files (TOML): a base scenario and the axes that vary it.

A sweep file names a base scenario file and the scenario keys to vary::

    name = "mishor-hahof-futures"
    base = "mishor-hahof.toml"             # relative to the sweep file

    [set]                                  # applied to every scenario
    "sensitivity.enabled" = false

    [axes]                                 # every combination (cartesian product)
    "waste_station.horizon_year" = [2021, 2035]

    [axes."region.members_add"]            # a table: labelled values
    "10" = []
    "12" = [1020, 628]

    [[scenarios]]                          # optional: a listed set (times the axes)
    label = "high cost"
    "waste_station.cost_ils_per_tkm" = 2.4

    [alternatives.waste_station]           # the committee's named plans (base scenario's ids)
    "north" = ["H1k-224-730"]

A key is a dotted path into the scenario file (``section.key``; ``weights.waste_station``
takes a whole weights table).  Every derived scenario is validated by the same reader as a
scenario file (:func:`siting.decide.config.validate_scenario`), and a value that makes it
invalid is reported with the sweep file, the axis key and its line.  Each scenario's seed
is derived from the base seed and its axis values, so results do not depend on the order
or the machine the scenarios run on.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from siting.decide.config import _format, _line_of, read_text, validate_scenario
from siting.decide.scenario import Scenario
from siting.errors import ScenarioError

__all__ = ["Sweep", "SweepFile", "SweepScenario", "load_sweep", "parse_sweep"]


class SweepFile(BaseModel):
    """The validated content of a sweep file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    base: str = Field(description="the base scenario file, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="keys set in every scenario")
    axes: dict[str, list[Any] | dict[str, Any]] = Field(default_factory=dict)
    scenarios: list[dict[str, Any]] = Field(default_factory=list)
    alternatives: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)

    @pydantic.field_validator("axes")
    @classmethod
    def _axes(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, values in v.items():
            if not values:
                raise ValueError(f"{key}: an axis needs at least one value")
        return v

    @pydantic.field_validator("outputs")
    @classmethod
    def _outputs(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - {"dir", "lang"})
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; valid: dir, lang")
        return v


@dataclasses.dataclass(frozen=True)
class SweepScenario:
    """One scenario of a sweep: its id, its axis values (labels) and the Scenario."""

    index: int
    id: str
    label: str
    axis_values: dict[str, str]
    scenario: Scenario
    group: str  # scenarios of one group share a region: their plans are compared


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A parsed sweep: its scenarios (in file order), axes and named alternatives."""

    name: str
    source: str
    axes: tuple[str, ...]
    scenarios: tuple[SweepScenario, ...]
    alternatives: dict[str, dict[str, list[str]]]
    out_dir: str | None = None
    lang: str = "en"
    base_text: str = ""


def _set(raw: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = raw
    for p in parts[:-1]:
        nxt = node.setdefault(p, {})
        if not isinstance(nxt, dict):
            raise ScenarioError(f"{key}: {p} is not a table in the base scenario")
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _axis_values(values: list[Any] | dict[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(values, dict):
        return list(values.items())
    return [(_label(v), v) for v in values]


def scenario_seed(base_seed: int, values: dict[str, str]) -> int:
    """A seed from the base seed and the scenario's axis values (never from its position).

    Examples
    --------
    >>> scenario_seed(1, {"a": "1"}) == scenario_seed(1, {"a": "1"})
    True
    >>> scenario_seed(1, {"a": "1"}) != scenario_seed(1, {"a": "2"})
    True
    """
    text = json.dumps([base_seed, sorted(values.items())], ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def parse_sweep(text: str, *, source: str = "<sweep>") -> SweepFile:
    """Validate sweep TOML text; problems are ``source: key (line N): message``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: not valid TOML: {err}") from None
    try:
        return SweepFile.model_validate(raw)
    except pydantic.ValidationError as err:
        problems = _format(err.errors(), text)
        raise ScenarioError(f"{source}: {'; '.join(problems)}") from None


def _quoted_line(text: str, key: str) -> int | None:
    """Line of a quoted dotted key (``"a.b" = …`` or ``[axes."a.b"]``) in a sweep file."""
    for n, line in enumerate(text.splitlines(), start=1):
        body = line.strip()
        if body.startswith(f'"{key}"') or f'."{key}"]' in body:
            return n
    return None


def _one_line(err: ScenarioError) -> str:
    """The scenario reader's problems on one line (after its ``source:`` prefix)."""
    lines = [ln.strip() for ln in str(err).splitlines()]
    return "; ".join(lines[1:]) if len(lines) > 1 else lines[0]


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep file, validate it and every scenario it derives, and build them.

    Raises
    ------
    ScenarioError
        One line naming the sweep file and the key (with its line) of the first problem.
    """
    from siting.candidates import search_origin
    from siting.decide.config import build_scenario

    path = Path(path)
    text = read_text(path)
    src = str(path)
    spec = parse_sweep(text, source=src)
    base_path = path.parent / spec.base
    if not base_path.is_file():
        line = _line_of(text, ("base",))
        raise ScenarioError(
            f"{src}: base{f' (line {line})' if line else ''}: file not found: {base_path}"
        )
    base_text = read_text(base_path)
    try:
        base_raw = tomllib.loads(base_text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{base_path}: not valid TOML: {err}") from None
    base_dir = base_path.parent

    def where(*key: str) -> str:
        line = _line_of(text, key) or _quoted_line(text, key[-1])
        return f"{'.'.join(key)}{f' (line {line})' if line else ''}"

    def derive(overrides: Sequence[tuple[tuple[str, ...], str, Any]]) -> dict[str, Any]:
        raw = copy.deepcopy(base_raw)
        for loc, key, value in overrides:
            try:
                _set(raw, key, value)
            except ScenarioError as err:
                raise ScenarioError(f"{src}: {where(*loc)}: {err}") from None
        return raw

    fixed: list[tuple[tuple[str, ...], str, Any]] = [
        (("set", k), k, v) for k, v in spec.set.items()
    ]
    # each value alone first, so a bad one is reported by its own axis key and line
    for key, values in spec.axes.items():
        for label, value in _axis_values(values):
            raw = derive([*fixed, (("axes", key), key, value)])
            try:
                validate_scenario(raw, text=base_text, source=str(base_path), base_dir=base_dir)
            except ScenarioError as err:
                inner = re.sub(r" \(line \d+\)", "", _one_line(err))  # lines of the base file
                raise ScenarioError(f"{src}: {where('axes', key)} value {label}: {inner}") from None
    listed = spec.scenarios or [{}]
    axes = list(spec.axes)
    columns = [*axes]
    if spec.scenarios:
        columns.insert(0, "scenario")
    cache: dict[str, Any] = {}
    origins: dict[str, tuple[float, float] | None] = {}
    out: list[SweepScenario] = []
    combos = list(itertools.product(*(_axis_values(spec.axes[a]) for a in axes)))
    for n, (item, combo) in enumerate(itertools.product(enumerate(listed), combos)):
        i, entry = item
        entry = dict(entry)
        label_given = str(entry.pop("label", f"scenario {i + 1}"))
        overrides = [*fixed]
        overrides += [(("scenarios",), k, v) for k, v in entry.items()]
        overrides += [(("axes", a), a, v) for a, (_, v) in zip(axes, combo, strict=True)]
        values = {a: lab for a, (lab, _) in zip(axes, combo, strict=True)}
        if spec.scenarios:
            values = {"scenario": label_given, **values}
        raw = derive(overrides)
        sid = f"s{n + 1:03d}"
        label = ", ".join(f"{k.split('.')[-1]}={v}" for k, v in values.items()) or sid
        try:
            fspec = validate_scenario(raw, text=base_text, source=str(base_path), base_dir=base_dir)
            scen = build_scenario(
                fspec, base_dir=base_dir, text=base_text, source=str(base_path), cache=cache
            )
        except ScenarioError as err:
            raise ScenarioError(f"{src}: scenario {sid} ({label}): {_one_line(err)}") from None
        group = json.dumps(
            fspec.region.model_dump(exclude={"members_add"}), sort_keys=True, default=str
        )
        if group not in origins:
            bare = scen.region
            if fspec.region.members_add:  # the base membership's lattice for every variant
                keep = set(bare.members["id"].astype(int)) - {
                    int(a) for a in fspec.region.members_add
                }
                bare = dataclasses.replace(
                    bare,
                    authorities=bare.authorities.assign(
                        member=bare.authorities["id"].astype(int).isin(keep)
                    ),
                )
            origins[group] = search_origin(bare)
        scen = dataclasses.replace(
            scen,
            name=f"{spec.name}-{sid}",
            seed=scenario_seed(fspec.seed, values),
            grid_origin_itm=origins[group],
        )
        out.append(
            SweepScenario(
                index=n,
                id=sid,
                label=label,
                axis_values=values,
                scenario=scen,
                group=group,
            )
        )
    if len(origins) > 1:  # scenarios on different regions: each region is a group
        names = {it.group: it.scenario.region.name for it in out}
        out = [dataclasses.replace(it, group=names[it.group]) for it in out]
    else:
        out = [dataclasses.replace(it, group=spec.name) for it in out]
    return Sweep(
        name=spec.name,
        source=src,
        axes=tuple(columns),
        scenarios=tuple(out),
        alternatives=spec.alternatives,
        out_dir=spec.outputs.get("dir"),
        lang=spec.outputs.get("lang", "en"),
        base_text=base_text,
    )
