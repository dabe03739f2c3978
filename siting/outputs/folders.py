"""Output folders are owned: checked before any work, written atomically, marked as ours.

A run writes only into a folder that does not exist, an empty folder, or a previous
``siting`` output (it holds :data:`MARKER`); :func:`atomic_dir` writes into a PID-stamped
temporary sibling and renames it into place, safe under concurrent writers; stale
temporary folders of dead processes are removed (:func:`remove_stale`); names taken from
scenario files become one safe path component (:func:`safe_name`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from siting.errors import SitingError

__all__ = [
    "MARKER",
    "OutputFolderError",
    "atomic_dir",
    "check_output_folder",
    "remove_stale",
    "safe_name",
]

#: The marker file written into every output folder: a folder holding it is a previous
#: ``siting`` output that a new run may replace.  It lists the files the run wrote, so a
#: folder where someone has since added their own files is refused (unless ``force``).
MARKER = ".siting-output.json"

_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[A-Za-z0-9_]+$")
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(name: str, *, default: str = "run") -> str:
    """One safe path component from a name taken from a scenario file.

    Separators, ``..``, drive letters and control characters cannot survive, so
    ``"../../victim"`` becomes ``"victim"`` and ``"/etc"`` becomes ``"etc"``; an empty
    result is ``default``.

    Examples
    --------
    >>> safe_name("../../victim"), safe_name("/abs/path"), safe_name("Mishor HaHof 2030")
    ('victim', 'abs-path', 'Mishor-HaHof-2030')
    >>> safe_name("..")
    'run'
    """
    parts = [p for p in re.split(r"[\\/]+", str(name)) if p not in ("", ".", "..")]
    text = _UNSAFE.sub("-", "-".join(parts)).strip(".-")[:100].strip(".-")
    return text or default


class OutputFolderError(SitingError):
    """The output folder is not one a run may write into (it is not empty, new or ours)."""


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _ours(folder: Path) -> bool:
    """A temporary or retired folder this package made (holds the marker, or nothing)."""
    try:
        entries = [e.name for e in os.scandir(folder)]
    except OSError:
        return False
    return not entries or MARKER in entries


def remove_stale(parent: Path, name: str) -> list[Path]:
    """Remove temporary/retired folders of ``name`` in ``parent`` whose owner process is dead."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for e in entries:
        m = _TMP.match(e.name)
        if not m or m["name"] != name or not e.is_dir(follow_symlinks=False):
            continue
        if _pid_alive(int(m["pid"])) or not _ours(Path(e.path)):
            continue
        shutil.rmtree(e.path, ignore_errors=True)
        removed.append(Path(e.path))
    return removed


def check_output_folder(target: str | Path, *, force: bool = False) -> Path:
    """The output folder as an absolute path, if a run may write it; else an error saying why.

    A run may write a folder that does not exist, an empty folder, or a previous
    ``siting`` output (it holds :data:`MARKER`) with no files but the ones that run
    wrote; ``force`` also replaces a previous output with files added since.  Anything
    else (a user's folder, a file, a symbolic link, the current folder or one of its
    parents, the home or root folder) is refused.

    Raises
    ------
    OutputFolderError
    """
    raw = str(target)
    if not raw.strip():
        raise OutputFolderError("output folder: an empty path was given; name a folder")
    path = Path(os.path.abspath(os.path.expanduser(raw)))
    cwd = Path.cwd().resolve()
    home = Path.home().resolve()
    real = path.resolve()
    if real == cwd or real in cwd.parents:
        raise OutputFolderError(
            f"output folder {raw}: is the current folder (or contains it); name a new "
            "sub-folder, e.g. --out maps/my-run"
        )
    if real == Path(real.anchor) or real == home:
        raise OutputFolderError(f"output folder {raw}: refusing the root or home folder")
    try:
        mode: int | None = os.lstat(path).st_mode  # one look: another run may be swapping it
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        raise OutputFolderError(f"output folder {raw}: is a symbolic link; give a real folder")
    if mode is None:
        ancestor = next(a for a in path.parents if a.exists() or a == Path(a.anchor))
        if not ancestor.is_dir():
            raise OutputFolderError(
                f"output folder {raw}: {ancestor} is a file, so no folder can be made inside it"
            )
        return path
    if not stat.S_ISDIR(mode):
        raise OutputFolderError(
            f"output folder {raw}: exists and is a file, not a folder; nothing was changed"
        )
    # another run may be swapping the folder right now: look again until two looks agree
    for _ in range(50):
        try:
            entries = sorted(e.name for e in os.scandir(path))
            listed = _marker_files(path / MARKER) if MARKER in entries else None
            if sorted(e.name for e in os.scandir(path)) != entries:
                continue
        except FileNotFoundError:
            if not path.exists():
                return path
            continue
        except OSError as err:
            raise OutputFolderError(
                f"output folder {raw}: cannot be read ({err.strerror})"
            ) from None
        break
    if not entries:
        return path
    if MARKER not in entries:
        shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise OutputFolderError(
            f"output folder {raw}: is not empty and is not a siting output (it holds {shown}); "
            "a run writes only into a new or empty folder or a previous siting output — "
            "name another folder"
        )
    extra = sorted(set(entries) - listed - {MARKER}) if listed is not None else entries
    if extra and not force:
        shown = ", ".join(extra[:3]) + (", …" if len(extra) > 3 else "")
        raise OutputFolderError(
            f"output folder {raw}: is a previous siting output but also holds files that run "
            f"did not write ({shown}); move them away, or give --force to replace the folder "
            "with everything in it"
        )
    return path


def _marker_files(path: Path) -> set[str] | None:
    """The files a marker lists; ``None`` if it is unreadable (FileNotFoundError propagates)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {str(f) for f in files} if isinstance(files, list) else None


def _marker_text(names: list[str]) -> str:
    body = {
        "what": "a siting output folder; a new siting run may replace it (see README, Outputs)",
        "files": sorted({*names, MARKER}),
    }
    return json.dumps(body, indent=2) + "\n"


def _make_parents(parent: Path) -> list[Path]:
    """Create ``parent`` and its missing ancestors; return the ones created (deepest last)."""
    made: list[Path] = []
    for p in reversed([parent, *parent.parents]):
        if not p.exists():
            try:
                p.mkdir()
            except FileExistsError:
                continue
            made.append(p)
    return made


def _remove_made(made: list[Path]) -> None:
    for p in reversed(made):
        with contextlib.suppress(OSError):
            p.rmdir()


def _retire(target: Path) -> Path | None:
    """Move the current ``target`` aside (for deletion); ``None`` if it vanished meanwhile."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        target.rename(old)
    except FileNotFoundError:
        return None
    return old


@contextlib.contextmanager
def atomic_dir(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only if the block succeeds.

    ``target`` must be a folder a run may write (:func:`check_output_folder`). The
    temporary folder ``.<name>.tmp-<pid>-<random>`` sits beside it and is removed on any
    error (Ctrl-C included); ones left by a killed run are removed by the next run. The
    swap is a rename: concurrent writers of one folder each leave a complete output and
    the last one to finish wins. Every file the block writes is listed in the marker.
    """
    path = check_output_folder(target, force=force)
    made = _make_parents(path.parent)
    remove_stale(path.parent, path.name)
    # The name is chosen before the folder is made, so a Ctrl-C landing just after the
    # mkdir (inside tempfile.mkdtemp, before it returns, there is no name to clean up)
    # still removes it.  A folder of that name carries this process's PID: it is this
    # run's, or a stale one of a dead process that had the same PID.
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        while True:
            try:
                tmp.mkdir(mode=0o700)
                break
            except FileExistsError:
                tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        (tmp / MARKER).write_text(_marker_text([]), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; outputs are meant to be shared
        yield tmp
        names = sorted(e.name for e in os.scandir(tmp))
        (tmp / MARKER).write_text(_marker_text(names), encoding="utf-8")
        check_output_folder(path, force=force)  # still ours just before the swap
        retired: list[Path] = []
        for _ in range(1000):
            try:
                tmp.rename(path)
                break
            except OSError as err:
                if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                if not path.exists():  # another writer's folder was just moved aside
                    continue
                if not _ours(path):
                    check_output_folder(path, force=force)
                old = _retire(path)
                if old is not None:
                    retired.append(old)
        else:
            raise OutputFolderError(f"output folder {target}: could not be replaced")
        for old in retired:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_made(made)
        raise
