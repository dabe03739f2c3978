"""Command-line interface: ``siting run``.

Exit codes: 0 success; 1 a siting error in the inputs or the model (one clear
line, the traceback only with ``--debug``); 2 a usage error (bad option).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from siting._i18n import Lang
from siting.errors import SitingError

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Decide where a cluster of local authorities should build shared facilities.",
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    ctx.obj = {"debug": debug}
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s"
    )


@app.command()
def run(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: maps/<region>/)."),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help="Language of the map, report and charts (he: right to left; default: the "
            "scenario's, en).",
        ),
    ] = None,
    self_contained: Annotated[
        bool,
        typer.Option(
            "--self-contained",
            help="Inline every script and stylesheet in map.html so it opens with no network "
            "(fetched once from the npm registry and cached in ~/.cache/siting/assets).",
        ),
    ] = False,
) -> None:
    """Run the default Mishor HaHof scenario offline and write the committee map.

    Example: siting run --out maps/mishor-hahof --lang he --self-contained
    """
    from siting.outputs import write_outputs
    from siting.scenario import default_scenario
    from siting.scenario import run as run_scenario

    scenario = default_scenario()
    target = out or Path("maps") / (scenario.region.slug or "region")
    result = run_scenario(scenario)
    files = write_outputs(result, target, lang=lang, self_contained=self_contained)
    for fac, res in result.results.items():
        chosen = ", ".join(res.chosen)
        typer.echo(f"{fac.value}: chosen {chosen} — {res.objective:,.0f} {res.objective_unit}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"wrote {', '.join(str(p) for p in files.values())}")


def main() -> None:
    """Entry point of the ``siting`` console script.

    Usage errors exit 2 (typer's standalone handling); siting errors and any
    other failure print one line and exit 1, with the traceback only under ``--debug``.
    """
    debug = "--debug" in sys.argv
    try:
        app()
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
