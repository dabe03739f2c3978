"""Command-line interface: ``siting run | compare | validate | regions | network fetch``.

Exit codes
----------
0  success (for ``run --manifest``: the re-run reproduced every output byte for byte);
1  a siting error in the inputs or the model — one line naming the file, key, layer, row
   or field; the traceback only with ``--debug``;
2  a usage error (unknown option, missing argument);
3  ``run --manifest`` finished but some outputs differ from the original run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from siting.errors import ScenarioError, SitingError
from siting.present.i18n import Lang

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult, Scenario

__all__ = ["app", "main"]

#: Exit code of ``siting run --manifest`` when the re-run differs from the original.
EXIT_DIFFERS = 3

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Decide where a cluster of local authorities should build shared facilities "
    "(a waste-sorting station, truck parking lots).\n\n"
    "Exit codes: 0 success; 1 an error in the inputs or the model; 2 a usage error; "
    "3 `run --manifest` reproduced a run with different outputs.",
)
network_app = typer.Typer(
    no_args_is_help=True, help="Road networks: download OSM roads for a region (needs internet)."
)
app.add_typer(network_app, name="network")


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    ctx.obj = {"debug": debug}
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s"
    )


# --------------------------------------------------------------------------- helpers


@dataclasses.dataclass(frozen=True)
class _Loaded:
    scenario: Scenario
    out_dir: str | None
    lang: str
    self_contained: bool


def _load(path: Path | None) -> _Loaded:
    """The scenario in ``path`` (validated before any work), or the embedded default."""
    from siting.decide.scenario import default_scenario

    if path is None:
        return _Loaded(default_scenario(), None, "en", False)
    from siting.decide.config import load_and_build

    spec, scenario = load_and_build(path)
    o = spec.outputs
    return _Loaded(scenario, o.dir, o.lang, o.self_contained)


def _slug(scenario: Scenario) -> str:
    return scenario.region.slug or scenario.name or "region"


def _echo_result(result: RunResult) -> None:
    for fac, res in result.results.items():
        chosen = ", ".join(str(c) for c in res.chosen)
        proven = "" if res.proven_optimal else ", NOT proven optimal"
        typer.echo(
            f"{fac.value}: chosen {chosen} — {res.objective:,.0f} {res.objective_unit} "
            f"[{res.solver}{proven}]"
        )
    for note in result.notes:
        typer.echo(f"note: {note}")


def _run_and_write(
    loaded: _Loaded, out: Path, lang: Lang | None, self_contained: bool | None, quiet: bool
) -> tuple[RunResult, dict[str, Path]]:
    from siting.decide import run as run_scenario
    from siting.outputs import write_outputs

    result = run_scenario(loaded.scenario, progress=not quiet)
    files = write_outputs(
        result,
        out,
        lang=lang or Lang.parse(loaded.lang),
        self_contained=loaded.self_contained if self_contained is None else self_contained,
    )
    return result, files


# --------------------------------------------------------------------------- run

_LANG_HELP = "Language of the map, report and charts (he: right to left). Default: the scenario's."
_SELF_HELP = (
    "Inline every script and stylesheet in map.html so it opens with no network (fetched once "
    "from the npm registry and cached in ~/.cache/siting/assets). Default: the scenario's."
)


@app.command()
def run(  # noqa: PLR0917 (typer maps parameters to options)
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario file (TOML). Omit for the embedded Mishor HaHof default."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: the scenario's [outputs] dir, else maps/<region>).",
        ),
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help=_LANG_HELP)] = None,
    self_contained: Annotated[
        bool | None, typer.Option("--self-contained/--cdn", help=_SELF_HELP)
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="Re-run the run recorded in this manifest.json (same scenario, seed, date, "
            "language) and report whether every output is identical. Exit 3 if not.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run a scenario and write the committee map, ranking, report and manifest.

    Examples:

      siting run                                   # the embedded default, offline

      siting run examples/mishor-hahof-expansion.toml --lang he --self-contained

      siting run --manifest maps/mishor-hahof/manifest.json   # reproduce a past run
    """
    if manifest is not None:
        if scenario is not None:
            raise typer.BadParameter("give a SCENARIO or --manifest, not both")
        _rerun(manifest, out, quiet)
        return
    loaded = _load(scenario)
    target = out or Path(loaded.out_dir or Path("maps") / _slug(loaded.scenario))
    result, files = _run_and_write(loaded, target, lang, self_contained, quiet)
    _echo_result(result)
    typer.echo(f"wrote {target}/: {', '.join(sorted(files))}")


def _rerun(manifest_path: Path, out: Path | None, quiet: bool) -> None:
    from siting.decide.config import build_scenario, parse_scenario
    from siting.decide.scenario import default_scenario
    from siting.outputs import sha256_file

    if not manifest_path.exists():
        raise ScenarioError(f"manifest not found: {manifest_path}")
    try:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        old_outputs: dict[str, str] = old["outputs"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ScenarioError(f"{manifest_path}: not a siting manifest ({err})") from None

    text, file = old.get("scenario_text"), old.get("scenario_file")
    if text:
        base = Path(file).parent if file else Path.cwd()
        spec = parse_scenario(text, source=f"{manifest_path} (scenario_text)", base_dir=base)
        scenario = dataclasses.replace(
            build_scenario(spec, base_dir=base), scenario_text=text, scenario_file=file
        )
    else:
        scenario = default_scenario()
        if old.get("scenario") != scenario.name:
            raise ScenarioError(
                f"{manifest_path}: no scenario_text recorded and scenario "
                f"{old.get('scenario')!r} is not the built-in default"
            )
    changed = [
        i["path"]
        for i in old.get("inputs", [])
        if i.get("sha256") and Path(i["path"]).exists() and sha256_file(i["path"]) != i["sha256"]
    ]
    missing = [i["path"] for i in old.get("inputs", []) if not Path(i["path"]).exists()]
    from siting.outputs import versions

    current = versions()
    changed_versions = {
        k: (then, current.get(k))
        for k, then in old.get("versions", {}).items()
        if current.get(k) != then
    }

    target = out or manifest_path.parent.with_name(manifest_path.parent.name + "-rerun")
    loaded = _Loaded(scenario, None, old.get("lang", "en"), bool(old.get("self_contained")))
    epoch_before = os.environ.get("SOURCE_DATE_EPOCH")
    if old.get("run_date"):
        day = datetime.strptime(old["run_date"], "%Y-%m-%d").replace(tzinfo=UTC)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(day.timestamp()))
    try:
        result, _ = _run_and_write(loaded, target, None, None, quiet)
    finally:
        if epoch_before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch_before
    new = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    _echo_result(result)
    typer.echo(f"re-ran {manifest_path} into {target}/")
    for path in changed:
        typer.echo(f"input changed since the original run: {path}")
    for path in missing:
        typer.echo(f"input missing now: {path}")
    for name, (was, is_) in sorted(changed_versions.items()):
        typer.echo(f"version differs: {name} {was} then, {is_} now")
    differs = []
    for name in sorted(set(old_outputs) | set(new)):
        a, b = old_outputs.get(name), new.get(name)
        state = (
            "identical"
            if a == b
            else ("missing now" if b is None else "new" if a is None else "DIFFERS")
        )
        if state != "identical":
            differs.append(name)
        typer.echo(f"  {name:<24} {state}")
    if differs:
        typer.echo(f"{len(differs)} of {len(new)} outputs differ from the original run")
        raise typer.Exit(EXIT_DIFFERS)
    typer.echo(f"all {len(new)} outputs identical to the original run")


# --------------------------------------------------------------------------- compare


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="First scenario file (TOML), or 'default'.")],
    b: Annotated[Path, typer.Argument(help="Second scenario file (TOML), or 'default'.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output folder (gets A/, B/, comparison.csv/.html).")
    ] = Path("maps/compare"),
    lang: Annotated[Lang | None, typer.Option("--lang", help=_LANG_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run two scenarios and put their best sites, costs and coverage side by side.

    Writes each scenario's full outputs in its own folder, comparison.csv (one row
    per facility and measure, a column per scenario) and comparison.html (the table
    and both maps side by side).

    Example:

      siting compare examples/mishor-hahof.toml examples/mishor-hahof-expansion.toml
    """
    from siting.decide.compare import compare_runs
    from siting.outputs import atomic_dir
    from siting.present.report import comparison_page

    # validate both before any work starts
    la = _load(None if str(a) == "default" else a)
    lb = _load(None if str(b) == "default" else b)
    names = [la.scenario.name, lb.scenario.name]
    if names[0] == names[1]:
        names = [f"A-{names[0]}", f"B-{names[1]}"]
    with atomic_dir(out) as tmp:
        ra, _ = _run_and_write(la, tmp / names[0], lang, None, quiet)
        rb, _ = _run_and_write(lb, tmp / names[1], lang, None, quiet)
        table = compare_runs(ra, rb)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g", lineterminator="\n")
        page = comparison_page(table, names, lang=lang or Lang.parse(la.lang))
        (tmp / "comparison.html").write_text(page, encoding="utf-8", newline="\n")
    typer.echo(table.to_string(index=False, float_format=_num))
    typer.echo(f"wrote {out}/: comparison.csv, comparison.html, {names[0]}/, {names[1]}/")


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


# --------------------------------------------------------------------------- validate


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files (TOML).")],
) -> None:
    """Check scenario files without running them: keys, types, values, files and layers.

    Every problem is reported as `key (line N): message`, or with the layer, row and
    field of a bad input layer. Exit 1 if any file has a problem.

    Example:

      siting validate examples/*.toml
    """
    from siting.decide.config import scenario_from_file

    failed = 0
    for path in scenarios:
        try:
            s = scenario_from_file(path)
        except SitingError as err:
            failed += 1
            typer.echo(f"{path}: INVALID\n  {err}", err=True)
            continue
        region = s.effective_region()
        typer.echo(
            f"{path}: ok — {s.name}: {len(region.members)} member authorities, "
            f"{len(region.member_localities())} localities, cost model {s.cost_model.name}"
            f"{' (approximate)' if s.cost_model.approximate else ''}, "
            f"facilities {', '.join(f.value for f in s.facilities)}"
        )
    if failed:
        raise SitingError(f"{failed} of {len(scenarios)} scenario file(s) invalid")


# --------------------------------------------------------------------------- regions


@app.command()
def regions(
    cluster: Annotated[
        str | None,
        typer.Argument(help="A cluster (slug or Hebrew name) to list its authorities."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder of the official MOIN/CBS files (default: $SITING_DATA_DIR, then "
            "../shared/data/israel).",
        ),
    ] = None,
) -> None:
    """List Israel's authority clusters (Ministry of Interior layer), or one cluster's authorities.

    Examples:

      siting regions

      siting regions mishor-hahof --data-dir ../shared/data/israel
    """
    from siting.sources import list_clusters, region_from_cluster

    if cluster is None:
        table = list_clusters(data_dir)
        for row in table.itertuples():
            typer.echo(
                f"{row.slug:<28} {row.n_authorities:>3} authorities "
                f"{row.population:>10,.0f} residents  {row.cluster}"
            )
        return
    region = region_from_cluster(cluster, data_dir=data_dir)
    auth = region.authorities.sort_values(["member", "population"], ascending=[False, False])
    typer.echo(f"{region.name}: {int(auth['member'].sum())} members")
    for row in auth.itertuples():
        role = "member" if row.member else "neighbour"
        typer.echo(
            f"{row.id:>6}  {role:<9} {row.population:>9,.0f}  {row.name_en}  ({row.name_he})"
        )


# --------------------------------------------------------------------------- network fetch


@network_app.command("fetch")
def network_fetch(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario file whose haul area to cover (default: the embedded one)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="GraphML file to write (default: networks/<region>.graphml)."),
    ] = None,
    buffer_m: Annotated[
        float,
        typer.Option("--buffer-m", help="Buffer around the haul area's convex hull, metres."),
    ] = 5000.0,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="OSMnx download cache (default: ~/.cache/siting/osm)."),
    ] = None,
) -> None:
    """Download the OSM roads of a scenario's haul area and save them as GraphML; needs internet.

    The area is the convex hull of every place the run routes to: all the region's localities
    (members and neighbours), the authorities, the candidate plots and the status-quo (and
    transfer) destinations, e.g. the Veridis plant near Afula; buffered by --buffer-m.
    Offline it stops within seconds and says how to give a local extract instead.
    Point a scenario at the file with [costs] model = "network", network = "<file>".

    Example:

      siting network fetch examples/mishor-hahof.toml --out networks/mishor-hahof.graphml
    """
    from siting import network

    loaded = _load(scenario)
    s = loaded.scenario
    area = network.haul_area(
        s.effective_region(), waste=s.waste, candidates=s.candidates, buffer_m=0.0
    )
    profile = network.LEG_PROFILES[network.Leg.COLLECTION]  # other legs re-profile the file
    graph = network.graph_from_polygon(
        area, profile=profile, buffer_m=buffer_m, cache_dir=cache_dir
    )
    target = out or Path("networks") / f"{_slug(loaded.scenario)}.graphml"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    import osmnx as ox

    ox.save_graphml(graph, tmp)
    tmp.replace(target)
    typer.echo(
        f"wrote {target}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    )
    typer.echo(f'use it with:  [costs] model = "network"  network = "{target}"')


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``siting`` console script.

    Usage errors exit 2 (typer's standalone handling); siting errors and any
    other failure print one line and exit 1, with the traceback only under ``--debug``.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="siting")
    except SitingError as err:
        if debug:
            raise
        typer.echo(f"error: {err}", err=True)
        sys.exit(1)
    except Exception as err:
        if debug:
            raise
        typer.echo(
            f"error: {type(err).__name__}: {err} (run with --debug for the traceback)", err=True
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
