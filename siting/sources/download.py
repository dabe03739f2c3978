"""Download the official Israeli files that :func:`~siting.sources.region_from_cluster` reads.

For users with internet.  Nothing in `siting` calls this on its own and the
tests never do: every reader works offline on files already on disk.

The files and where they come from
----------------------------------
``all_municipalities.geojson``
    Ministry of Interior statutory jurisdiction areas, layer ``muni_vaadim``
    ("גבולות שיפוט – יישובים / ועדים מקומיים"), official source
    https://gvulot-shiput-statutory-moinil.opendata.arcgis.com/ (dataset
    069298e81f8e4e6fb96aa59913c113cd), reprojected to WGS84 and merged by
    GitHub tzagim/geojson-israel (the reference copy in ``../shared`` is the
    October 2025 edition, commit ec606db, dissolved by ``CR_PNIM``).
``localities_cbs_2021.csv``
    CBS localities file 2021 ("קובץ יישובים", ``bycode2021``) as a tidy CSV,
    GitHub arikw/israeli-localities ``dist/localities.csv`` (reference copy:
    commit 55a9dae).  Official source: the Central Bureau of Statistics,
    https://www.cbs.gov.il (publication "יישובים בישראל", localities file).
``cbs_localities_2021.xlsx``
    The official CBS ``bycode2021.xlsx``, via GitHub matanhakim/il.cbs.muni
    ``inst/extdata/bycode2021.xlsx``.
``cbs_local_authorities_2021.xlsx``
    The official CBS "Local Authorities in Israel 2021" workbook ("הרשויות
    המקומיות בישראל 2021", ``p_libud_2021.xlsx``, updated 12/2023), via GitHub
    matanhakim/il.cbs.muni ``inst/extdata/p_libud_2021.xlsx`` (reference copy:
    commit baf93a24).  Official source: https://www.cbs.gov.il.

The GitHub mirrors are used because they have stable direct URLs; pass
``ref=`` to pin the commit the reference data were taken from.  Licence:
Israeli government open data and CBS data, with attribution.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from siting.errors import SitingError

__all__ = ["OFFICIAL_FILES", "OfficialFile", "default_cache_dir", "download_official_data"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfficialFile:
    """One downloadable file: where it comes from and what it is."""

    name: str
    repo: str
    path: str
    ref: str
    description: str
    official_source: str

    def url(self, ref: str | None = None) -> str:
        """The raw GitHub URL at ``ref`` (default: this file's pinned ref)."""
        return f"https://raw.githubusercontent.com/{self.repo}/{ref or self.ref}/{self.path}"


#: Local file name → its source.  ``ref`` "HEAD" is the repository's default branch.
OFFICIAL_FILES: dict[str, OfficialFile] = {
    f.name: f
    for f in (
        OfficialFile(
            name="all_municipalities.geojson",
            repo="tzagim/geojson-israel",
            path="all_municipalities.geojson",
            ref="HEAD",
            description="Ministry of Interior jurisdiction areas (muni_vaadim), WGS84",
            official_source="https://gvulot-shiput-statutory-moinil.opendata.arcgis.com/",
        ),
        OfficialFile(
            name="localities_cbs_2021.csv",
            repo="arikw/israeli-localities",
            path="dist/localities.csv",
            ref="HEAD",
            description="CBS localities 2021 (bycode2021) as CSV",
            official_source="https://www.cbs.gov.il (localities file, bycode2021.xlsx)",
        ),
        OfficialFile(
            name="cbs_localities_2021.xlsx",
            repo="matanhakim/il.cbs.muni",
            path="inst/extdata/bycode2021.xlsx",
            ref="HEAD",
            description="CBS localities 2021, official workbook",
            official_source="https://www.cbs.gov.il (localities file, bycode2021.xlsx)",
        ),
        OfficialFile(
            name="cbs_local_authorities_2021.xlsx",
            repo="matanhakim/il.cbs.muni",
            path="inst/extdata/p_libud_2021.xlsx",
            ref="HEAD",
            description="CBS Local Authorities in Israel 2021 (p_libud_2021.xlsx)",
            official_source="https://www.cbs.gov.il (Local Authorities in Israel 2021)",
        ),
    )
}


def default_cache_dir() -> Path:
    """Where downloads go by default: ``$SITING_DATA_DIR``, else ``~/.cache/siting/israel``.

    ``$XDG_CACHE_HOME`` replaces ``~/.cache`` when set.

    Examples
    --------
    >>> isinstance(default_cache_dir(), Path)
    True
    """
    env = os.environ.get("SITING_DATA_DIR")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "siting" / "israel"


def _check_content(name: str, path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise SitingError(f"downloaded {name} is empty")
    if name.endswith(".xlsx") and not zipfile.is_zipfile(path):
        raise SitingError(f"downloaded {name} is not an xlsx workbook (got {size} bytes)")
    if name.endswith((".csv", ".geojson")):
        with path.open("rb") as fh:
            head = fh.read(4096)
        if head.lstrip().lower().startswith((b"<!doctype", b"<html")):
            raise SitingError(f"downloaded {name} is an HTML page, not data")


def download_official_data(
    dest: str | Path | None = None,
    *,
    files: Iterable[str] | None = None,
    ref: str | None = None,
    overwrite: bool = False,
    timeout_s: float = 120.0,
) -> dict[str, Path]:
    """Download the official Ministry of Interior and CBS files into ``dest``.

    Each file is written to a temporary file in ``dest`` and moved into place
    only when complete and plausible (non-empty; a zip for ``.xlsx``; not an
    HTML error page), so an interrupted download never leaves a partial file.

    Parameters
    ----------
    dest : str or Path, optional
        Target directory; default :func:`default_cache_dir`.  Pass it as
        ``data_dir`` to :func:`~siting.sources.region_from_cluster` (or set
        ``SITING_DATA_DIR``).
    files : iterable of str, optional
        Names from :data:`OFFICIAL_FILES`; default all of them.
    ref : str, optional
        Git ref (branch, tag or full commit) to download at, for every file;
        default each file's ``ref`` (the repository's default branch).
    overwrite : bool, default False
        Download again even when the file exists.
    timeout_s : float, default 120
        Socket timeout per request, in seconds.

    Returns
    -------
    dict of str to Path
        Local path of every requested file.

    Raises
    ------
    SitingError
        Unknown file name, network failure or implausible content (the
        message names the URL).

    Examples
    --------
    >>> paths = download_official_data()  # doctest: +SKIP
    >>> region = region_from_cluster("mishor-hahof", data_dir=paths[
    ...     "cbs_local_authorities_2021.xlsx"].parent)  # doctest: +SKIP
    """
    target = Path(dest).expanduser() if dest is not None else default_cache_dir()
    names = list(files) if files is not None else list(OFFICIAL_FILES)
    unknown = [n for n in names if n not in OFFICIAL_FILES]
    if unknown:
        raise SitingError(f"unknown file(s) {unknown}; valid: {', '.join(OFFICIAL_FILES)}")
    target.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name in names:
        spec = OFFICIAL_FILES[name]
        final = target / name
        out[name] = final
        if final.exists() and not overwrite:
            logger.info("%s exists; skipping (overwrite=True to refresh)", final)
            continue
        url = spec.url(ref)
        logger.info("downloading %s → %s", url, final)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=target)
        tmp = Path(tmp_name)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "siting (python)"})
            with os.fdopen(fd, "wb") as fh, urllib.request.urlopen(request, timeout=timeout_s) as r:
                while chunk := r.read(1 << 20):
                    fh.write(chunk)
            _check_content(name, tmp)
            os.replace(tmp, final)
        except SitingError as err:
            tmp.unlink(missing_ok=True)
            raise SitingError(f"{err} (from {url})") from err
        except OSError as err:  # URLError, HTTPError, timeouts are OSErrors
            tmp.unlink(missing_ok=True)
            raise SitingError(f"cannot download {url}: {err}") from err
    return out
