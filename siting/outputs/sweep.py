"""Write a sweep's files into an owned output folder: ``sweep.csv``, ``robust.csv``,
``sites.csv`` and ``sweep.html``, and for a sweep over several regions ``national.csv`` and
``national.html``, and ``columns.csv`` describing every column of those CSV files in the
sweep's language (atomically, like a run: :func:`atomic_dir`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from siting.outputs import csv_text
from siting.outputs.columns import LEGEND_FILE, legend
from siting.outputs.folders import atomic_dir
from siting.present.i18n import Lang
from siting.present.nationalpage import national_page
from siting.present.sweeppage import sweep_page

__all__ = ["SWEEP_FILES", "write_sweep"]

#: The files a sweep writes (the last two only for a sweep over several regions).
SWEEP_FILES = (
    "sweep.csv",
    "robust.csv",
    "sites.csv",
    "sweep.html",
    "national.csv",
    "national.html",
    "columns.csv",
)


def write_sweep(
    result: Any, out_dir: str | Path, *, lang: Lang | str = "en", force: bool = False
) -> dict[str, Path]:
    """Write ``result`` (a :class:`siting.sweep.SweepResult`) into ``out_dir``.

    ``out_dir`` must be a folder a run may write (new, empty, or a previous siting
    output); numbers are written at full precision (:func:`siting.outputs.csv_text`).
    """
    texts = {
        "sweep.csv": csv_text(result.table),
        "robust.csv": csv_text(result.robust),
        "sites.csv": csv_text(result.shares),
        "sweep.html": sweep_page(result, lang=lang),
    }
    national = getattr(result, "national", None)
    if national is not None and not national.empty:
        texts["national.csv"] = csv_text(national)
        texts["national.html"] = national_page(result, lang=lang)
    headers = {
        name: list(pd.read_csv(io.StringIO(text), nrows=0).columns)
        for name, text in texts.items()
        if name.endswith(".csv")
    }
    texts[LEGEND_FILE] = csv_text(legend(headers, lang, strict=False))
    with atomic_dir(out_dir, force=force) as tmp:
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="\n")
    return {name: Path(out_dir) / name for name in texts}
