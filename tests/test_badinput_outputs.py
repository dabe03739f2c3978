"""Output folders are owned; manifests are checked; names from files stay inside.

A run writes only into a new or empty folder or a previous siting output; anything else
is refused before any work, and nothing in the sandbox changes.  Plus: hostile names
from scenario files, ``run --manifest`` with broken manifests, stale temporary folders,
concurrent writers of one folder, a facility with no plan, spreadsheet-safe CSV cells.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import siting.outputs as so
from tests.test_badinput import BASE, assert_refused, make_sandbox, siting, snapshot

SMALL = BASE + "[candidates]\ncell_m = 2500\n[sensitivity]\nn_draws = 20\n"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_sandbox(tmp_path, monkeypatch)


def _user_folder(root: Path) -> Path:
    d = root / "Documents"
    (d / "taxes").mkdir(parents=True)
    (d / "thesis.docx").write_bytes(b"years of work")
    (d / "taxes" / "2025.pdf").write_bytes(b"%PDF")
    return d


# --------------------------------------------------------------------------- refused folders


def _setup_user_folder(s: Path) -> tuple[str, tuple[str, ...]]:
    _user_folder(s)
    return "Documents", ("Documents", "not empty", "not a siting output", "thesis.docx")


def _setup_hidden_only(s: Path) -> tuple[str, tuple[str, ...]]:
    (s / "cfg").mkdir()
    (s / "cfg" / ".bashrc").write_text("x")
    return "cfg", ("cfg", "not a siting output")


def _setup_file(s: Path) -> tuple[str, tuple[str, ...]]:
    (s / "report.pdf").write_bytes(b"%PDF")
    return "report.pdf", ("report.pdf", "is a file")


def _setup_parent_file(s: Path) -> tuple[str, tuple[str, ...]]:
    (s / "notes.txt").write_text("x")
    return "notes.txt/run", ("notes.txt", "is a file")


def _setup_dot(s: Path) -> tuple[str, tuple[str, ...]]:
    (s / "keep.txt").write_text("x")
    return ".", ("current folder",)


def _setup_empty(s: Path) -> tuple[str, tuple[str, ...]]:
    return "", ("current folder",)  # typer reads '' as '.'


def _setup_dotdot(s: Path) -> tuple[str, tuple[str, ...]]:
    return "..", ("current folder",)


def _setup_symlink_user(s: Path) -> tuple[str, tuple[str, ...]]:
    d = _user_folder(s)
    (s / "link").symlink_to(d)
    return "link", ("link", "symbolic link")


def _setup_symlink_empty(s: Path) -> tuple[str, tuple[str, ...]]:
    (s / "empty").mkdir()
    (s / "link").symlink_to(s / "empty")
    return "link", ("link", "symbolic link")


def _setup_home(s: Path) -> tuple[str, tuple[str, ...]]:
    return "~", ("root or home folder",)


def _setup_root(s: Path) -> tuple[str, tuple[str, ...]]:
    return "/", ("output folder /:",)  # the root, and a parent of the current folder


def _setup_marked_extra(s: Path) -> tuple[str, tuple[str, ...]]:
    d = s / "old-run"
    d.mkdir()
    (d / so.MARKER).write_text(json.dumps({"files": [so.MARKER, "map.html"]}))
    (d / "map.html").write_text("<html>")
    (d / "my-notes.txt").write_text("do not lose me")
    return "old-run", ("old-run", "did not write", "my-notes.txt", "--force")


def _setup_marked_broken(s: Path) -> tuple[str, tuple[str, ...]]:
    d = s / "old-run"
    d.mkdir()
    (d / so.MARKER).write_text("{not json")
    (d / "mine.txt").write_text("x")
    return "old-run", ("old-run", "did not write")


def _setup_parent_of_cwd(s: Path) -> tuple[str, tuple[str, ...]]:
    return str(s.parent), ("current folder",)


FOLDER_CASES = {
    "user-folder": _setup_user_folder,
    "hidden-files-only": _setup_hidden_only,
    "existing-file": _setup_file,
    "parent-is-a-file": _setup_parent_file,
    "dot": _setup_dot,
    "empty-string": _setup_empty,
    "dotdot": _setup_dotdot,
    "symlink-to-user-folder": _setup_symlink_user,
    "symlink-to-empty-folder": _setup_symlink_empty,
    "home": _setup_home,
    "root": _setup_root,
    "siting-output-with-user-files": _setup_marked_extra,
    "broken-marker": _setup_marked_broken,
    "absolute-parent-of-cwd": _setup_parent_of_cwd,
}


@pytest.mark.parametrize("case", list(FOLDER_CASES))
@pytest.mark.parametrize("command", ["run", "compare", "run-scenario-dir"])
def test_a_folder_that_is_not_ours_is_refused(capsys, sandbox, monkeypatch, case, command):
    (sandbox.parent / "home").mkdir()
    monkeypatch.setenv("HOME", str(sandbox.parent / "home"))
    out, needles = FOLDER_CASES[case](sandbox)
    if command == "run":
        args = ["run", "--out", out, "-q"]
    elif command == "compare":
        args = ["compare", "default", "default", "--out", out, "-q"]
    else:  # the folder named by the scenario file's [outputs] dir
        (sandbox / "s.toml").write_text(BASE + f"[outputs]\ndir = {json.dumps(out)}\n")
        args = ["run", "s.toml", "-q"]
        if case == "empty-string":
            needles = ("empty path",)
    before = snapshot(sandbox.parent)
    r = siting(capsys, *args)
    assert_refused(r, "output folder", *needles, before=before, root=sandbox.parent)


def test_force_never_replaces_a_users_folder(capsys, sandbox):
    _user_folder(sandbox)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--out", "Documents", "--force", "-q")
    assert_refused(r, "not a siting output", before=before, root=sandbox.parent)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "../../victim",
        "/etc",
        "/",
        "..",
        ".",
        "",
        "a/../../b",
        "C:\\Windows\\System32",
        "~root",
        "-rf",
        "name\x00with-nul",
        "line\nbreak",
        ".hidden",
        "x" * 500,
        "אשכול/../..",
    ],
)
def test_a_name_from_a_file_is_one_safe_component(name):
    safe = so.safe_name(name)
    assert safe
    for bad in ("/", "\\", "\x00", "\n"):
        assert bad not in safe
    assert safe not in (".", "..")
    assert not safe.startswith(".")
    assert len(safe) <= 100
    assert Path(safe).name == safe


@pytest.mark.slow
def test_compare_keeps_hostile_names_inside_its_folder(capsys, sandbox):
    victim = sandbox.parent / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep")
    (sandbox / "a.toml").write_text(SMALL.replace('name = "bad"', 'name = "../../victim"'))
    (sandbox / "b.toml").write_text(SMALL.replace('name = "bad"', f'name = "{victim}"'))
    r = siting(capsys, "compare", "a.toml", "b.toml", "--out", "cmp", "-q")
    assert r.code == 0, r.text
    assert (victim / "precious.txt").read_text() == "keep"
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt"]
    inside = sorted(p.name for p in (sandbox / "cmp").iterdir() if p.is_dir())
    assert inside == sorted([so.safe_name("../../victim"), so.safe_name(str(victim))])
    assert sorted(p.name for p in sandbox.iterdir()) == ["a.toml", "b.toml", "cmp"]


# --------------------------------------------------------------------------- manifests


def _manifest(sandbox: Path, content: bytes | str) -> str:
    d = sandbox / "old"
    d.mkdir(exist_ok=True)
    path = d / "manifest.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


GOOD_OUTPUTS = {"map.html": "0" * 64}

MANIFEST_CASES = [
    ("outputs-a-string", {"outputs": "map.html"}, ("'outputs'", "str")),
    ("outputs-a-list", {"outputs": ["map.html"]}, ("'outputs'", "list")),
    ("outputs-missing", {"scenario": "x"}, ("'outputs'", "NoneType")),
    ("outputs-numbers", {"outputs": {"map.html": 5}}, ("'outputs'",)),
    ("not-an-object", [1, 2, 3], ("a JSON object",)),
    ("run-date-bad", {"outputs": GOOD_OUTPUTS, "run_date": "last tuesday"}, ("'run_date'",)),
    ("run-date-number", {"outputs": GOOD_OUTPUTS, "run_date": 20250101}, ("'run_date'",)),
    ("inputs-a-string", {"outputs": GOOD_OUTPUTS, "inputs": "a.csv"}, ("'inputs'",)),
    ("inputs-no-path", {"outputs": GOOD_OUTPUTS, "inputs": [{"sha256": "x"}]}, ("'inputs[0]'",)),
    ("scenario-text-number", {"outputs": GOOD_OUTPUTS, "scenario_text": 5}, ("'scenario_text'",)),
    ("versions-a-list", {"outputs": GOOD_OUTPUTS, "versions": []}, ("'versions'",)),
    (
        "unknown-scenario",
        {"outputs": GOOD_OUTPUTS, "scenario": "someone else's"},
        ("no scenario_text", "someone else's"),
    ),
    (
        "scenario-text-bad",
        {"outputs": GOOD_OUTPUTS, "scenario_text": "name = 1\n"},
        ("scenario_text", "problem"),
    ),
]


@pytest.mark.parametrize(
    ("content", "needles"), [pytest.param(c, n, id=i) for i, c, n in MANIFEST_CASES]
)
def test_broken_manifest_is_refused(capsys, sandbox, content, needles):
    path = _manifest(sandbox, json.dumps(content))
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--manifest", path, "-q")
    assert_refused(r, "manifest.json", *needles, before=before, root=sandbox.parent)


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        pytest.param(b"{not json", ("not JSON",), id="not-json"),
        pytest.param('{"outputs": "caf\xe9"}'.encode("latin-1"), ("not UTF-8",), id="latin-1"),
        pytest.param(b"", ("not JSON",), id="empty"),
    ],
)
def test_unreadable_manifest(capsys, sandbox, content, needles):
    path = _manifest(sandbox, content)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--manifest", path, "-q")
    assert_refused(r, "manifest.json", *needles, before=before, root=sandbox.parent)


def test_manifest_missing_or_a_folder(capsys, sandbox):
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--manifest", "nope/manifest.json", "-q")
    assert_refused(r, "manifest not found", before=before, root=sandbox.parent)
    (sandbox / "m.json").mkdir()
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--manifest", "m.json", "-q")
    assert_refused(r, "manifest not found", before=before, root=sandbox.parent)


def test_manifest_rerun_into_a_users_folder_is_refused(capsys, sandbox):
    path = _manifest(
        sandbox, json.dumps({"outputs": GOOD_OUTPUTS, "scenario": "mishor-hahof-default"})
    )
    _user_folder(sandbox)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--manifest", path, "--out", "Documents", "-q")
    assert_refused(r, "not a siting output", before=before, root=sandbox.parent)


def test_manifest_and_scenario_together_is_a_usage_error(capsys, sandbox):
    path = _manifest(sandbox, json.dumps({"outputs": GOOD_OUTPUTS}))
    (sandbox / "s.toml").write_text(BASE)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "s.toml", "--manifest", path, "-q")
    assert_refused(r, "not both", code=2, before=before, root=sandbox.parent)


# --------------------------------------------------------------------------- temp folders


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_folders_are_removed_and_others_kept(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".out.tmp-{dead}-abc123"
    stale.mkdir()
    (stale / so.MARKER).write_text("{}")
    (stale / "map.html").write_text("partial")
    retired = tmp_path / f".out.old-{dead}-beef"
    retired.mkdir()
    (retired / so.MARKER).write_text("{}")
    alive = tmp_path / f".out.tmp-{os.getpid()}-zzz"
    alive.mkdir()
    (alive / so.MARKER).write_text("{}")
    foreign = tmp_path / f".out.tmp-{dead}-user"  # the user's own folder, no marker
    foreign.mkdir()
    (foreign / "diary.txt").write_text("x")
    other = tmp_path / f".other.tmp-{dead}-abc"
    other.mkdir()
    removed = so.remove_stale(tmp_path, "out")
    assert sorted(removed) == sorted([stale, retired])
    for kept in (alive, foreign, other):
        assert kept.exists()


def test_an_empty_folder_and_a_previous_output_are_written(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with so.atomic_dir(empty) as tmp:
        (tmp / "a.txt").write_text("1")
    assert sorted(p.name for p in empty.iterdir()) == sorted([so.MARKER, "a.txt"])
    with so.atomic_dir(empty) as tmp:  # now a siting output: replaced
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in empty.iterdir()) == sorted([so.MARKER, "b.txt"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_force_replaces_a_previous_output_with_added_files(tmp_path):
    out = tmp_path / "out"
    with so.atomic_dir(out) as tmp:
        (tmp / "map.html").write_text("1")
    (out / "notes.txt").write_text("added by hand")
    with pytest.raises(so.OutputFolderError, match=r"notes\.txt"), so.atomic_dir(out):
        pass
    assert (out / "notes.txt").exists()
    with so.atomic_dir(out, force=True) as tmp:
        (tmp / "map.html").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == sorted([so.MARKER, "map.html"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_write_removes_the_folders_it_made(tmp_path):
    target = tmp_path / "a" / "b" / "out"

    def write() -> None:
        with so.atomic_dir(target) as tmp:
            (tmp / "x").write_text("partial")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write()
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_just_after_the_temporary_folder_is_made_leaves_nothing(tmp_path, monkeypatch):
    """A Ctrl-C landing right after the mkdir of the temporary folder (before the call that
    made it returns) still removes it: the interrupted-run test caught one left behind."""
    real_mkdir = os.mkdir

    def mkdir_then_interrupt(path, mode=0o777, *args, **kwargs):
        real_mkdir(path, mode, *args, **kwargs)
        if Path(path).name.startswith(".out.tmp-"):
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "mkdir", mkdir_then_interrupt)
    target = tmp_path / "runs" / "out"
    with pytest.raises(KeyboardInterrupt), so.atomic_dir(target):
        pytest.fail("the block must not run")
    assert list(tmp_path.iterdir()) == []  # neither the temporary folder nor runs/


def _writer(args: tuple[str, int, int]) -> str:
    target, me, n = args
    errors = 0
    for k in range(n):
        try:
            with so.atomic_dir(target) as tmp:
                for name in ("a.txt", "b.txt", "c.txt"):
                    (tmp / name).write_text(f"{me}-{k}")
        except Exception as err:  # counted, reported below
            errors += 1
            last = repr(err)
    return "" if not errors else f"{errors} errors, last {last}"


def test_concurrent_writers_of_one_folder(tmp_path):
    target = tmp_path / "out"
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ctx.Pool(6) as pool:
        failures = pool.map(_writer, [(str(target), i, 40) for i in range(6)])
    assert failures == [""] * 6
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted([so.MARKER, "a.txt", "b.txt", "c.txt"])
    texts = {(target / n).read_text() for n in ("a.txt", "b.txt", "c.txt")}
    assert len(texts) == 1  # one complete writer's set, never a mix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no leftovers


# --------------------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "\t=1", "-cmd|' /C calc'!A0"],
)
def test_formula_text_cells_are_neutralised(text):
    frame = pd.DataFrame({"site_id": [text, "H1k-219-709"], "score": [-1.5, 2.0], "n": [-3, 4]})
    out = pd.read_csv(pd.io.common.StringIO(so.csv_text(frame)), keep_default_na=False)
    assert out["site_id"].iloc[0] == "'" + text.strip("\t\r") or out["site_id"].iloc[0].startswith(
        "'"
    )
    assert out["site_id"].iloc[1] == "H1k-219-709"
    assert out["score"].tolist() == [-1.5, 2.0]  # numbers stay numbers
    assert out["n"].tolist() == [-3, 4]
