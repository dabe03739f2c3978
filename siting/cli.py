"""Command-line interface: ``siting run | compare | sweep | validate | regions | network fetch``.

Exit codes
----------
0  success (for ``run --manifest``: the re-run reproduced every output byte for byte);
1  a siting error in the inputs or the model — one line naming the file, key, layer, row
   or field; the traceback only with ``--debug``;
2  a usage error (unknown option, missing argument);
3  ``run --manifest`` finished but some outputs differ from the original run;
130  interrupted (Ctrl-C) — one line, nothing left behind; 143 terminated (SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys


def _interrupted_at_start_up(_signum: int, _frame: object) -> None:
    """Ctrl-C while the CLI is still importing: nothing has been written yet."""
    os.write(2, b"interrupted\n")
    os._exit(130)


if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "siting":  # the console script
    signal.signal(signal.SIGINT, _interrupted_at_start_up)

import dataclasses  # noqa: E402 (the handler above must come first)
import json  # noqa: E402
import logging  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Annotated, Any  # noqa: E402

import typer  # noqa: E402

from siting.errors import InfeasibleError, ScenarioError, SitingError  # noqa: E402
from siting.present.i18n import Lang  # noqa: E402

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult, Scenario

__all__ = ["app", "main"]

#: Exit code of ``siting run --manifest`` when the re-run differs from the original.
EXIT_DIFFERS = 3
#: Exit code after Ctrl-C (128 + SIGINT) and after SIGTERM (128 + SIGTERM).
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

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
    self_contained: bool | None
    source: str | None = None  # the scenario file, named in errors found while running


def _load(path: Path | None) -> _Loaded:
    """The scenario in ``path`` (validated before any work), or the embedded default."""
    from siting.decide.scenario import default_scenario

    if path is None:
        return _Loaded(default_scenario(), None, "en", None)
    from siting.decide.config import load_and_build

    spec, scenario = load_and_build(path)
    o = spec.outputs
    return _Loaded(scenario, o.dir, o.lang, o.self_contained, str(path))


def _slug(scenario: Scenario) -> str:
    """The default output folder's name: one safe path component (never ``..`` or ``/x``)."""
    from siting.outputs import safe_name

    return safe_name(scenario.region.slug or scenario.name or "region", default="region")


def _echo_result(result: RunResult) -> None:
    from siting.facility import spec
    from siting.present.headline import headline_lines

    for fac, res in result.results.items():
        if not res.chosen:
            typer.echo(f"{fac.value}: NO SITE CHOSEN (the notes below say why)")
            continue
        chosen = ", ".join(str(c) for c in res.chosen)
        figures = "; ".join(
            headline_lines(res, "en", threshold_min=spec(fac).threshold_min(result.scenario))[1:]
        )
        typer.echo(f"{fac.value}: chosen {chosen} — {figures} [{res.solver}]")
    for note in result.notes:
        typer.echo(f"note: {note}")


def _run_and_write(  # noqa: PLR0917
    loaded: _Loaded,
    out: Path,
    lang: Lang | None,
    self_contained: bool | None,
    quiet: bool,
    force: bool = False,
) -> tuple[RunResult, dict[str, Path]]:
    from siting.decide import run as run_scenario
    from siting.outputs import check_output_folder, write_outputs

    check_output_folder(out, force=force)  # refuse a user's folder before the run, not after
    try:
        result = run_scenario(loaded.scenario, progress=not quiet)
    except SitingError as err:
        if loaded.source is None:
            raise
        raise type(err)(f"{loaded.source}: {err}") if type(err) in _PLAIN else err from None
    files = write_outputs(
        result,
        out,
        lang=lang or Lang.parse(loaded.lang),
        self_contained=loaded.self_contained if self_contained is None else self_contained,
        force=force,
    )
    return result, files


#: Error types whose message alone makes them (so the scenario file can be prefixed).
_PLAIN = (SitingError, ScenarioError, InfeasibleError)

_FORCE_HELP = (
    "Replace a previous siting output folder even if files were added to it since. "
    "A folder that is not a siting output is never replaced."
)


# --------------------------------------------------------------------------- run

_LANG_HELP = "Language of the map, report and charts (he: right to left). Default: the scenario's."
_SELF_HELP = (
    "--self-contained: inline every script and stylesheet in map.html so it opens with no "
    "network (fetched once from the npm registry and cached in ~/.cache/siting/assets), and "
    "fail if they cannot be had. --cdn: link them from the CDN. Default: the scenario's "
    "[outputs] self_contained, else self-contained whenever the files can be had, otherwise CDN."
)


def _map_kind(files: dict[str, Path]) -> str:
    """The end-of-run line on the kind of map.html written (read back from the manifest)."""
    man = json.loads(files["manifest.json"].read_text(encoding="utf-8"))
    if man.get("self_contained"):
        return "map.html is self-contained: it opens with no network (only basemap tiles need it)"
    return (
        "map.html links Leaflet from the CDN: it needs internet access to show the map. For a "
        "self-contained map run once with --self-contained on a machine with internet access"
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
    force: Annotated[bool, typer.Option("--force", help=_FORCE_HELP)] = False,
) -> None:
    """Run a scenario and write the committee map, ranking, report and manifest.

    The output folder must be new, empty or a previous siting output; anything else is
    refused and left untouched.

    Examples:

      siting run                                   # the embedded default, offline

      siting run examples/mishor-hahof-expansion.toml --lang he --self-contained

      siting run --manifest maps/mishor-hahof/manifest.json   # reproduce a past run
    """
    if manifest is not None:
        if scenario is not None:
            raise typer.BadParameter("give a SCENARIO or --manifest, not both")
        _rerun(manifest, out, quiet, force)
        return
    loaded = _load(scenario)
    target = out if out is not None else _default_out(loaded)
    result, files = _run_and_write(loaded, target, lang, self_contained, quiet, force)
    _echo_result(result)
    typer.echo(f"wrote {target}/: {', '.join(sorted(files))}")
    typer.echo(_map_kind(files))


def _default_out(loaded: _Loaded) -> Path:
    """``[outputs] dir`` of the scenario file, else ``maps/<region>``."""
    if loaded.out_dir is not None:
        if not loaded.out_dir.strip():
            from siting.outputs import OutputFolderError

            raise OutputFolderError(
                f"{loaded.source}: outputs.dir: output folder: an empty path was given"
            )
        return Path(loaded.out_dir)
    return Path("maps") / _slug(loaded.scenario)


def _read_manifest(path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """A manifest's content and its ``outputs`` (name → SHA-256), or an error naming the key."""
    if not path.is_file():
        raise ScenarioError(f"manifest not found: {path}")
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a siting manifest (not UTF-8 text)") from None
    except json.JSONDecodeError as err:
        raise ScenarioError(f"{path}: not a siting manifest (not JSON: {err})") from None
    if not isinstance(old, dict):
        raise ScenarioError(f"{path}: not a siting manifest (a JSON object is expected)")
    outputs = old.get("outputs")
    if not isinstance(outputs, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in outputs.items()
    ):
        raise ScenarioError(
            f"{path}: key 'outputs' must be an object of file name → SHA-256 "
            f"(got {type(outputs).__name__})"
        )
    for key, kind in (
        ("scenario_text", str),
        ("scenario_file", str),
        ("run_date", str),
        ("lang", str),
        ("inputs", list),
        ("versions", dict),
    ):
        if old.get(key) is not None and not isinstance(old[key], kind):
            raise ScenarioError(
                f"{path}: key '{key}' must be a {kind.__name__} (got {type(old[key]).__name__})"
            )
    if isinstance(old.get("run_date"), str):
        try:
            datetime.strptime(old["run_date"], "%Y-%m-%d")
        except ValueError:
            raise ScenarioError(
                f"{path}: key 'run_date' must be a date YYYY-MM-DD (got {old['run_date']!r})"
            ) from None
    inputs = old.get("inputs") or []
    assert isinstance(inputs, list)
    for n, i in enumerate(inputs):
        if not isinstance(i, dict) or not isinstance(i.get("path"), str):
            raise ScenarioError(f"{path}: key 'inputs[{n}]' must be an object with a 'path'")
    return old, outputs


def _rerun(manifest_path: Path, out: Path | None, quiet: bool, force: bool = False) -> None:
    from siting.decide.config import build_scenario, parse_scenario
    from siting.decide.scenario import default_scenario
    from siting.outputs import sha256_file

    old_any, old_outputs = _read_manifest(manifest_path)
    old: dict[str, Any] = dict(old_any)
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
        try:
            day = datetime.strptime(old["run_date"], "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise ScenarioError(
                f"{manifest_path}: key 'run_date' must be a date YYYY-MM-DD "
                f"(got {old['run_date']!r})"
            ) from None
        os.environ["SOURCE_DATE_EPOCH"] = str(int(day.timestamp()))
    try:
        result, _ = _run_and_write(loaded, target, None, None, quiet, force)
    finally:
        if epoch_before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch_before
    new = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    # the manifest itself is reproducible too (timings live in timings.json)
    old_outputs = {**old_outputs, "manifest.json": sha256_file(manifest_path)}
    new = {**new, "manifest.json": sha256_file(target / "manifest.json")}
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
def compare(  # noqa: PLR0917 (typer maps parameters to options)
    a: Annotated[Path, typer.Argument(help="First scenario file (TOML), or 'default'.")],
    b: Annotated[Path, typer.Argument(help="Second scenario file (TOML), or 'default'.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Output folder: comparison.csv, comparison.html, sites.csv and one folder per "
            "scenario, named after its `name` (A-<name>/ and B-<name>/ when both share a name).",
        ),
    ] = Path("maps/compare"),
    match_m: Annotated[
        float | None,
        typer.Option(
            "--match-m",
            min=0,
            help="Pair sites with different ids (user plots, another cell size) when their "
            "places are at most this far apart, metres (default: the larger cell's "
            "circumradius, cell_m / √3: 577 m for 1 km cells).",
        ),
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help=_LANG_HELP)] = None,
    self_contained: Annotated[
        bool | None, typer.Option("--self-contained/--cdn", help=_SELF_HELP)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    force: Annotated[bool, typer.Option("--force", help=_FORCE_HELP)] = False,
) -> None:
    """Run two scenarios and put their sites, costs and coverage side by side.

    Sites are paired by place: a grid cell's id is its place, so the same id is the
    same place in both runs; other sites are paired with the nearest site within
    --match-m. Writes each scenario's full outputs in a folder named after the
    scenario, comparison.csv (one row per facility and measure, a column per
    scenario), sites.csv (each chosen site and its counterpart in the other run) and
    comparison.html (both tables and both maps side by side).

    Example:

      siting compare examples/mishor-hahof.toml examples/mishor-hahof-expansion.toml
    """
    from siting.decide.compare import compare_runs, match_sites, scenario_names
    from siting.outputs import atomic_dir, check_output_folder, csv_text, safe_name
    from siting.present.compare import comparison_page, comparison_table, sites_table
    from siting.present.translate import translator

    # validate both, and the output folder, before any work starts
    check_output_folder(out, force=force)
    la = _load(None if str(a) == "default" else a)
    lb = _load(None if str(b) == "default" else b)
    names = [safe_name(la.scenario.name, default="A"), safe_name(lb.scenario.name, default="B")]
    if names[0] == names[1]:
        names = [f"A-{names[0]}", f"B-{names[1]}"]
    page_lang = lang or Lang.parse(la.lang)
    with atomic_dir(out, force=force) as tmp:
        ra, fa = _run_and_write(la, tmp / names[0], lang, self_contained, quiet)
        rb, fb = _run_and_write(lb, tmp / names[1], lang, self_contained, quiet)
        kinds = [f"{n}/{_map_kind(f)}" for n, f in zip(names, (fa, fb), strict=True)]
        table = comparison_table(compare_runs(ra, rb), page_lang)
        matched = match_sites(ra, rb, tolerance_m=match_m)
        tol = float(matched.attrs["tolerance_m"])
        reasons = [translator(r, page_lang) for r in (ra, rb)]
        sites = sites_table(matched, scenario_names(ra, rb), page_lang, reasons=reasons)
        (tmp / "comparison.csv").write_text(csv_text(table), encoding="utf-8", newline="\n")
        (tmp / "sites.csv").write_text(csv_text(sites), encoding="utf-8", newline="\n")
        page = comparison_page(table, sites, names, lang=page_lang, tolerance_m=tol)
        (tmp / "comparison.html").write_text(page, encoding="utf-8", newline="\n")
    typer.echo(table.drop(columns="key").to_string(index=False, float_format=_num))
    typer.echo("")
    typer.echo(f"chosen sites paired by place (different ids within {tol:g} m):")
    typer.echo(sites.to_string(index=False, float_format=_num))
    typer.echo(
        f"wrote {out}/: comparison.csv, comparison.html, sites.csv, {names[0]}/, {names[1]}/"
    )
    for line in kinds:
        typer.echo(line)


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


# --------------------------------------------------------------------------- sweep


@app.command()
def sweep(  # noqa: PLR0917 (typer maps parameters to options)
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (TOML): a base scenario + axes.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: [outputs] dir, or maps/<name>)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local Dask worker processes (default: the cores)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="'synchronous' (in this process, for debugging) or a Dask scheduler's address "
            "(tcp://host:8786); default: a local cluster.",
        ),
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help=_LANG_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    force: Annotated[bool, typer.Option("--force", help=_FORCE_HELP)] = False,
) -> None:
    """Run every scenario of a sweep on Dask and choose the plan that stays good across them.

    Writes sweep.csv (one row per scenario and facility), robust.csv (each plan's regret
    in every scenario; robust = the minimax-regret plan), sites.csv (how often each site
    is chosen) and sweep.html. A failed scenario is a row with its error.

    Examples:

      siting sweep examples/sweeps/mishor-hahof-futures.toml --workers 2

      siting sweep examples/sweeps/mishor-hahof-futures.toml --scheduler synchronous
    """
    from siting.outputs import check_output_folder, safe_name
    from siting.outputs.sweep import write_sweep
    from siting.sweep import load_sweep, run_sweep
    from siting.sweep.engine import executor_soon

    starting = executor_soon(scheduler, workers=workers)  # workers start while we validate
    try:
        sw = load_sweep(sweep_file)  # every scenario validated before any work
        target = out or Path(sw.out_dir or Path("maps") / safe_name(sw.name, default="sweep"))
        check_output_folder(target, force=force)
        ex = starting.result()
    except BaseException:

        def stop(f: Any) -> None:
            if f.exception() is None:
                f.result().close()

        starting.add_done_callback(stop)  # a cluster still starting is closed once up
        raise
    try:
        result = run_sweep(sw, progress=not quiet, ex=ex)
    finally:
        ex.close()
    written = write_sweep(result, target, lang=lang or Lang.parse(sw.lang), force=force)
    for rec in result.recommendation().itertuples(index=False):
        typer.echo(
            f"{rec.group} {rec.facility}: robust plan {rec.plan_sites} — worst-case regret "
            f"{_num(rec.max_regret)} {rec.regret_unit} (optimal in {rec.n_optimal} of "
            f"{rec.n_scenarios} scenarios)"
        )
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(
        f"{len(sw.scenarios)} scenarios in {result.seconds:.1f} s on {result.workers} "
        f"worker(s); wrote {target}/: {', '.join(written)}"
    )


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
    landuse: Annotated[
        Path | None,
        typer.Option(
            "--landuse",
            help="Also download the OSM land use of the member authorities (the areas the "
            "siting.landuse rules read) and write it to this GeoPackage.",
        ),
    ] = None,
) -> None:
    """Download the OSM roads of a scenario's haul area and save them as GraphML; needs internet.

    The area is the convex hull of every place the run routes to: all the region's localities
    (members and neighbours), the authorities, the candidate plots and the status-quo (and
    transfer) destinations, e.g. the Veridis plant near Afula; buffered by --buffer-m.
    Offline it stops within seconds and says how to give a local extract instead.
    Point a scenario at the file with [costs] model = "network", network = "<file>".
    With --landuse, the members' land (buffered by the largest land-use rule buffer) is
    downloaded too; point the scenario at it with [candidates] landuse = "<file>".

    Example:

      siting network fetch examples/mishor-hahof.toml --out networks/mishor-hahof.graphml \\
          --landuse networks/mishor-hahof-landuse.gpkg
    """
    from siting import network

    if landuse is not None and landuse.suffix.lower() != ".gpkg":
        raise ScenarioError(f"--landuse {landuse}: give a GeoPackage file name (.gpkg)")
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
    if landuse is not None:
        _fetch_landuse(s, landuse, cache_dir)


def _fetch_landuse(s: Scenario, target: Path, cache_dir: Path | None) -> None:
    """Download the members' OSM land-use areas and write them as a GeoPackage."""
    from siting.landuse import fetch_landuse

    kinds = fetch_landuse(s.effective_region(), target, cache_dir=cache_dir)
    counts = ", ".join(f"{k} {n:,}" for k, n in kinds["n_areas"].items())
    typer.echo(f"wrote {target}: {kinds.attrs['n_osm']:,} OSM areas ({counts})")
    typer.echo(f'use it with:  [candidates] landuse = "{target}"')


# --------------------------------------------------------------------------- entry point


class _Interrupted(BaseException):
    """Ctrl-C or SIGTERM, raised so temporary folders are removed on the way out.

    Not a ``KeyboardInterrupt``: Click would turn that into "Aborted!" and exit 1.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, _frame: object) -> None:
    raise _Interrupted(signum)


def _check_environment() -> None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not (epoch.strip().isdigit() and int(epoch) < 253402300800):
        raise ScenarioError(
            f"environment variable SOURCE_DATE_EPOCH must be whole seconds since 1970 "
            f"(got {epoch!r})"
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``siting`` console script.

    Usage errors exit 2 (typer's standalone handling); siting errors and any
    other failure print one line and exit 1, with the traceback only under ``--debug``;
    Ctrl-C exits 130 and SIGTERM 143 with one line, after removing temporary folders.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        if hasattr(signal, "SIGHUP"):  # the terminal closed: clean up like SIGTERM
            signal.signal(signal.SIGHUP, _interrupt)
    except ValueError:  # not the main thread (e.g. called from a test runner's worker)
        pass
    try:
        _check_environment()
        app(args=args, prog_name="siting")
    except (KeyboardInterrupt, _Interrupted) as err:
        if isinstance(err, _Interrupted) and err.signum != signal.SIGINT:
            _quiet_exit("terminated", 128 + err.signum)
        _quiet_exit("interrupted", EXIT_INTERRUPTED)
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


def _quiet_exit(word: str, code: int) -> None:
    """One line and the exit code; a second Ctrl-C while exiting changes nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        typer.echo(word, err=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.exit(code)


if __name__ == "__main__":
    main()
