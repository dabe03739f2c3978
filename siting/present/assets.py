"""Third-party JavaScript and CSS for self-contained maps, from the npm registry.

A self-contained ``map.html`` (``siting run --self-contained``) inlines every
script and stylesheet it needs, so it opens with no network at all (only the
basemap tiles are then missing).  Those files are not in this repository: at
first use they are downloaded as the packages' official tarballs from the npm
registry, verified against the hashes pinned below, and cached.

=====================  =========  ==================================================
npm package            version    files used
=====================  =========  ==================================================
``leaflet``            1.9.3      ``dist/leaflet.js``, ``dist/leaflet.css`` and its
                                  ``dist/images/*.png`` (inlined as data URIs);
                                  BSD-2-Clause, © Vladimir Agafonkin, CloudMade
``leaflet.fullscreen`` 3.0.0      ``Control.FullScreen.js``, ``Control.FullScreen.css``
                                  and ``icon-fullscreen.svg``; MIT, © Bruno B.
=====================  =========  ==================================================

These are the versions Folium 0.20 links from its CDNs, so a map looks the
same whether it is self-contained or not.

Cache
    ``$SITING_ASSETS_DIR`` if set, else ``$XDG_CACHE_HOME/siting/assets``, else
    ``~/.cache/siting/assets``.  It holds the tarballs as the registry serves
    them (``leaflet-1.9.3.tgz`` …); every use re-checks the pinned SHA-256 and
    the registry's SHA-512 integrity, and a file that fails is replaced.
Registry
    ``$SITING_NPM_REGISTRY`` (default ``https://registry.npmjs.org``) for a
    mirror.  Offline machines can be seeded by hand: ``npm pack leaflet@1.9.3
    leaflet.fullscreen@3.0.0`` in the cache folder gives the same files.

If a tarball can neither be found in the cache nor downloaded, or its hash
does not match, :class:`~siting.errors.SitingError` says so (and nothing is
written).

Default
    Maps are self-contained *whenever the assets can be had*
    (``self_contained=None``, :func:`resolve_self_contained`): from the cache, or
    from the registry once.  When they cannot, the map links the CDN instead and
    the page says visibly, if the library then fails to load, how to get a
    self-contained map.  ``True`` insists (and raises), ``False`` always links.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from siting.errors import SitingError

__all__ = [
    "ASSETS",
    "PACKAGES",
    "Asset",
    "NpmPackage",
    "asset_cache_dir",
    "asset_text",
    "assets_unavailable",
    "check_self_contained",
    "fetch_package",
    "inline_assets",
    "inline_tags",
    "resolve_self_contained",
]

log = logging.getLogger(__name__)

DEFAULT_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    """One npm package version, pinned by the hashes of its tarball."""

    name: str
    version: str
    sha256: str  # hex digest of the .tgz
    integrity: str  # the registry's ``dist.integrity`` (SRI, sha512)
    license: str

    @property
    def filename(self) -> str:
        """The tarball's name as ``npm pack`` writes it."""
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    def url(self, registry: str) -> str:
        """The tarball's URL on ``registry``."""
        return f"{registry.rstrip('/')}/{self.name}/-/{self.filename}"


@dataclass(frozen=True)
class Asset:
    """A script or stylesheet inside a package, and the CDN URL Folium links it from."""

    package: NpmPackage
    path: str  # inside the tarball, below ``package/``
    kind: str  # "js" or "css"
    cdn_url: str


LEAFLET = NpmPackage(
    name="leaflet",
    version="1.9.3",
    sha256="10d016716b56048661eaf9cde004dc82e80bd3613b52c4f53cf5aec73088006c",
    integrity="sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
    license="BSD-2-Clause",
)
FULLSCREEN = NpmPackage(
    name="leaflet.fullscreen",
    version="3.0.0",
    sha256="b19f191d11fc2e6afbb75af9e79cb923087a630e4c35a565353d756ed6c1c77a",
    integrity="sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
    license="MIT",
)
PACKAGES = (LEAFLET, FULLSCREEN)

_JSDELIVR = "https://cdn.jsdelivr.net/npm"
ASSETS: dict[str, Asset] = {
    "leaflet": Asset(
        LEAFLET, "dist/leaflet.js", "js", f"{_JSDELIVR}/leaflet@1.9.3/dist/leaflet.js"
    ),
    "leaflet_css": Asset(
        LEAFLET, "dist/leaflet.css", "css", f"{_JSDELIVR}/leaflet@1.9.3/dist/leaflet.css"
    ),
    "fullscreen": Asset(
        FULLSCREEN,
        "Control.FullScreen.js",
        "js",
        f"{_JSDELIVR}/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",
    ),
    "fullscreen_css": Asset(
        FULLSCREEN,
        "Control.FullScreen.css",
        "css",
        f"{_JSDELIVR}/leaflet.fullscreen@3.0.0/Control.FullScreen.css",
    ),
}

_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def asset_cache_dir() -> Path:
    """Folder of the cached npm tarballs (see the module docstring for the order)."""
    env = os.environ.get("SITING_ASSETS_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "siting" / "assets"


def _registry() -> str:
    return os.environ.get("SITING_NPM_REGISTRY", DEFAULT_REGISTRY)


def _verify(pkg: NpmPackage, data: bytes) -> str | None:
    """Return why ``data`` is not ``pkg``'s tarball, or ``None`` when it is."""
    got = hashlib.sha256(data).hexdigest()
    if got != pkg.sha256:
        return f"SHA-256 {got} != pinned {pkg.sha256}"
    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if sri != pkg.integrity:
        return f"integrity {sri} != pinned {pkg.integrity}"
    return None


_TARBALLS: dict[tuple[str, str], bytes] = {}


def fetch_package(
    pkg: NpmPackage, *, cache_dir: str | Path | None = None, timeout_s: float = 30.0
) -> bytes:
    """Return the verified tarball of ``pkg``, from the cache or the npm registry.

    Parameters
    ----------
    pkg : NpmPackage
        One of :data:`PACKAGES`.
    cache_dir : str or Path, optional
        Defaults to :func:`asset_cache_dir`.
    timeout_s : float
        Network timeout per request.

    Raises
    ------
    SitingError
        When the tarball is neither cached nor downloadable, or fails its hash check.
    """
    folder = Path(cache_dir) if cache_dir is not None else asset_cache_dir()
    key = (str(folder), pkg.filename)
    if key in _TARBALLS:
        return _TARBALLS[key]
    path = folder / pkg.filename
    problem = ""
    if path.exists():
        data = path.read_bytes()
        bad = _verify(pkg, data)
        if bad is None:
            _TARBALLS[key] = data
            return data
        problem = f"cached {path} failed verification ({bad}); "
        log.warning("%s: %s, downloading again", path, bad)
    url = pkg.url(_registry())
    log.info("downloading %s@%s from %s", pkg.name, pkg.version, url)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise SitingError(
            f"{problem}cannot download {pkg.name}@{pkg.version} for a self-contained map from "
            f"{url}: {err}. Connect to the npm registry once (or set SITING_NPM_REGISTRY to a "
            f"mirror), or put the file from `npm pack {pkg.name}@{pkg.version}` into {folder}; "
            "or write the map without --self-contained"
        ) from err
    bad = _verify(pkg, data)
    if bad is not None:
        raise SitingError(
            f"{pkg.name}@{pkg.version} downloaded from {url} failed verification ({bad}); "
            "refusing to inline it"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{pkg.filename}.", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        Path(tmp).replace(path)
    except OSError as err:  # an unwritable cache only costs a download next time
        log.warning("cannot cache %s in %s: %s", pkg.filename, folder, err)
    _TARBALLS[key] = data
    return data


def _member(pkg: NpmPackage, inner: str, *, cache_dir: str | Path | None = None) -> bytes:
    data = fetch_package(pkg, cache_dir=cache_dir)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        try:
            fh = tar.extractfile(f"package/{inner}")
        except KeyError:
            fh = None
        if fh is None:
            raise SitingError(f"{pkg.name}@{pkg.version}: no file {inner!r} in the tarball")
        return fh.read()


def _data_uris(asset: Asset, css: str, *, cache_dir: str | Path | None) -> str:
    """Replace the relative ``url(...)`` references of a stylesheet by data URIs."""
    base = asset.path.rsplit("/", 1)[0] + "/" if "/" in asset.path else ""

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        ext = Path(ref).suffix.lower()
        raw = _member(asset.package, base + ref, cache_dir=cache_dir)
        b64 = base64.b64encode(raw).decode()
        return f'url("data:{_MIME.get(ext, "application/octet-stream")};base64,{b64}")'

    return re.sub(r"url\((['\"]?)([^'\")]+)\1\)", repl, css)


def asset_text(name: str, *, cache_dir: str | Path | None = None) -> str:
    """The verified text of asset ``name`` ready to inline (CSS images as data URIs)."""
    asset = ASSETS[name]
    text = _member(asset.package, asset.path, cache_dir=cache_dir).decode("utf-8")
    text = re.sub(r"^\s*//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", text)
    if asset.kind == "css":
        text = _data_uris(asset, text, cache_dir=cache_dir)
    closing = "</style" if asset.kind == "css" else "</script"
    if closing in text.lower():
        raise SitingError(f"{name}: cannot inline, the file contains {closing!r}")
    return text


_TAGS = re.compile(
    r'<script src="(?P<js>[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>[^"]+)"\s*/?>'
)


def inline_assets(html: str, *, cache_dir: str | Path | None = None) -> str:
    """Replace Folium's ``<script src>``/``<link>`` tags by the inlined, verified files.

    Raises
    ------
    SitingError
        If the page links a script or stylesheet that is not one of :data:`ASSETS`
        (it could not work offline), or an asset cannot be fetched.
    """
    by_url = {a.cdn_url: name for name, a in ASSETS.items()}
    unknown: list[str] = []

    def repl(match: re.Match[str]) -> str:
        url = match.group("js") or match.group("css")
        name = by_url.get(url)
        if name is None:
            unknown.append(url)
            return match.group(0)
        asset = ASSETS[name]
        pkg = asset.package
        head = (
            f"/* {pkg.name}@{pkg.version}/{asset.path} ({pkg.license}), inlined from the npm "
            f"registry tarball sha256:{pkg.sha256} */\n"
        )
        body = asset_text(name, cache_dir=cache_dir)
        tag = "script" if asset.kind == "js" else "style"
        return f"<{tag}>{head}{body}\n</{tag}>"

    out = _TAGS.sub(repl, html)
    if unknown:
        raise SitingError(
            "cannot make the map self-contained: it links resources siting does not "
            f"inline: {', '.join(sorted(set(unknown)))}"
        )
    leftover = re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=", out)
    if leftover:
        raise SitingError(
            f"cannot make the map self-contained: external reference left at {leftover.group(0)!r}"
        )
    return out


def assets_unavailable(
    *, cache_dir: str | Path | None = None, timeout_s: float = 10.0
) -> str | None:
    """Why the pinned assets cannot be had now, or ``None`` when they all can.

    Tries the cache, then the registry (each package once per process when it works).
    """
    try:
        for pkg in PACKAGES:
            fetch_package(pkg, cache_dir=cache_dir, timeout_s=timeout_s)
    except SitingError as err:
        return str(err)
    return None


def resolve_self_contained(
    self_contained: bool | None, *, cache_dir: str | Path | None = None
) -> bool:
    """Whether a page is written self-contained.

    ``None`` (the default everywhere) means "when the assets can be had": the answer is
    ``True`` if :func:`assets_unavailable` finds them, else ``False`` (logged).
    ``True`` requires them and raises :class:`~siting.errors.SitingError` when they
    cannot be had; ``False`` links the CDN.
    """
    if self_contained is None:
        why = assets_unavailable(cache_dir=cache_dir)
        if why is not None:
            log.warning("map links Leaflet from the CDN (not self-contained): %s", why)
        return why is None
    if self_contained:
        for pkg in PACKAGES:
            fetch_package(pkg, cache_dir=cache_dir)
    return bool(self_contained)


def inline_tags(*, cache_dir: str | Path | None = None) -> dict[str, str]:
    """The ``<script>``/``<style>`` element of every asset, by name, ready for a page header."""
    out = {}
    for name, asset in ASSETS.items():
        pkg = asset.package
        head = (
            f"/* {pkg.name}@{pkg.version}/{asset.path} ({pkg.license}), inlined from the npm "
            f"registry tarball sha256:{pkg.sha256} */\n"
        )
        tag = "script" if asset.kind == "js" else "style"
        out[name] = f"<{tag}>{head}{asset_text(name, cache_dir=cache_dir)}\n</{tag}>"
    return out


def check_self_contained(html: str) -> None:
    """Raise :class:`~siting.errors.SitingError` if ``html`` still references a script or style."""
    leftover = re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=", html)
    if leftover:
        raise SitingError(
            f"cannot make the map self-contained: external reference left at {leftover.group(0)!r}"
        )
