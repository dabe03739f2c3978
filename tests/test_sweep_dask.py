"""Sweeps on real Dask workers: a LocalCluster of 2 processes, and `siting sweep` with
`--workers 2` against `--scheduler synchronous`, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.outputs import csv_text
from siting.sweep import load_sweep, run_sweep
from siting.sweep.engine import _Dask

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "mishor-hahof.toml"

SWEEP = f"""
name = "dask-small"
base = "{BASE}"

[set]
"sensitivity.enabled" = false

[axes."region.members_add"]
"10" = []
"12" = [1020, 628]

[axes]
"waste_station.horizon_year" = [2021, 2035]
"""


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "sweep.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synchronous(sweep_file):
    return run_sweep(sweep_file, scheduler="synchronous")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_local_cluster_of_two_processes_gives_the_same_tables(sweep_file, synchronous):
    with (
        distributed.LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = run_sweep(load_sweep(sweep_file), ex=_Dask(client))
        # the tasks ran on the workers, not in this process
        assert set(client.run(lambda: 1)) == set(cluster.scheduler_info["workers"])
    assert res.workers == 2
    assert csv_text(res.table) == csv_text(synchronous.table)
    assert csv_text(res.robust) == csv_text(synchronous.robust)
    assert csv_text(res.shares) == csv_text(synchronous.shares)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cli_two_workers_and_synchronous_write_identical_files(sweep_file, tmp_path):
    from siting.cli import main as cli

    def main(args: list[str]) -> None:
        with pytest.raises(SystemExit) as done:
            cli(args)
        assert done.value.code in (0, None)

    a, b = tmp_path / "sync", tmp_path / "two"
    main(["sweep", str(sweep_file), "--scheduler", "synchronous", "--out", str(a), "-q"])
    main(["sweep", str(sweep_file), "--workers", "2", "--out", str(b), "-q"])
    for name in ("sweep.csv", "robust.csv", "sites.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    page = (a / "sweep.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page
    assert "Robust recommendation" in page
    assert (a / ".siting-output.json").exists()
    main(
        [
            "sweep",
            str(sweep_file),
            "--scheduler",
            "synchronous",
            "--out",
            str(a),
            "-q",
            "--lang",
            "he",
        ]
    )
    he = (a / "sweep.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in he
    assert "ההמלצה החסינה" in he
    assert (a / "sweep.csv").read_bytes() == (b / "sweep.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_futures_example_two_workers_and_synchronous_write_identical_files(tmp_path):
    """The issue's Done-when line on the example itself: all 24 futures, byte for byte."""
    from siting.cli import main as cli

    example = ROOT / "examples" / "sweeps" / "mishor-hahof-futures.toml"
    outs = {}
    for name, args in (
        ("sync", ["--scheduler", "synchronous"]),
        ("two", ["--workers", "2"]),
    ):
        outs[name] = tmp_path / name
        with pytest.raises(SystemExit) as done:
            cli(["sweep", str(example), *args, "--out", str(outs[name]), "-q"])
        assert done.value.code in (0, None)
    table = (outs["sync"] / "sweep.csv").read_text(encoding="utf-8")
    assert table.count("\n") == 1 + 24 * 2  # header, 24 scenarios x 2 facilities
    for name in ("sweep.csv", "robust.csv", "sites.csv"):
        assert (outs["sync"] / name).read_bytes() == (outs["two"] / name).read_bytes(), name
