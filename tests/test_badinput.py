"""Bad input, tried as a hostile or careless user would: scenario files.

Every case runs the CLI in-process (``siting.cli.main``) in a sandbox folder and asserts
the exit code, that the one-line message names the file and the key (with its line) or
the layer, row and field, that no traceback is shown, and that nothing new appears in
the sandbox — neither the output folder nor anything beside it.  The layer, output
folder, manifest and kill cases are in ``test_badinput_layers.py``,
``test_badinput_outputs.py`` and ``test_badinput_kills.py``; they share the helpers here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from siting.cli import main

BASE = """name = "bad"
[region]
embedded = "mishor-hahof"
"""


def snapshot(root: Path) -> dict[str, int]:
    """Every path under ``root`` (hidden ones too) with its size; folders as -1."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = -1
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = os.lstat(p).st_size
    return out


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def siting(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run ``siting ARGS`` in-process; the exit code and what it printed."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    cap = capsys.readouterr()
    return Result(code, cap.out, cap.err)


def make_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder (the current directory) inside ``tmp_path``."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return work


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_sandbox(tmp_path, monkeypatch)


def assert_refused(
    r: Result, *needles: str, code: int = 1, before: dict[str, int], root: Path
) -> None:
    """Exit ``code``, one error naming every needle, no traceback, nothing new under root."""
    assert r.code == code, r.text
    assert "Traceback" not in r.text
    assert r.err.startswith("error:") or code == 2, r.err
    for n in needles:
        assert n in r.err, f"{n!r} not in {r.err!r}"
    assert snapshot(root) == before, "the run left something behind"


# --------------------------------------------------------------------------- cases

#: (id, TOML appended to BASE or, with a leading "!", the whole file, needles in the error)
SCENARIO_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("speed-zero", "[costs]\nspeed_kmh = 0", ("costs.speed_kmh (line 5)", "> 0")),
    ("speed-negative", "[costs]\nspeed_kmh = -10", ("costs.speed_kmh (line 5)",)),
    ("speed-inf", "[costs]\nspeed_kmh = inf", ("costs.speed_kmh (line 5)", "finite")),
    ("speed-nan", "[costs]\nspeed_kmh = nan", ("costs.speed_kmh (line 5)", "finite")),
    ("speed-huge", "[costs]\nspeed_kmh = 1000", ("costs.speed_kmh (line 5)", "<= 130")),
    ("speed-text", '[costs]\nspeed_kmh = "fast"', ("costs.speed_kmh (line 5)",)),
    ("circuity-zero", "[costs]\ncircuity = 0", ("costs.circuity (line 5)", ">= 1")),
    ("circuity-half", "[costs]\ncircuity = 0.5", ("costs.circuity (line 5)",)),
    ("circuity-huge", "[costs]\ncircuity = 100", ("costs.circuity (line 5)", "<= 5")),
    ("circuity-bool", "[costs]\ncircuity = true", ("costs.circuity (line 5)",)),
    ("costs-model", '[costs]\nmodel = "teleport"', ("costs.model (line 5)", "crow-fly")),
    ("network-no-file", '[costs]\nmodel = "network"', ("costs (line 4)", "needs 'network'")),
    (
        "network-missing",
        '[costs]\nmodel = "network"\nnetwork = "nowhere.graphml"',
        ("costs.network (line 6)", "file not found"),
    ),
    ("costs-unknown-key", "[costs]\nspeeed_kmh = 40", ("costs.speeed_kmh (line 5)", "unknown")),
    ("buffer-negative", "[waste_station]\nbuffer_m = -1", ("waste_station.buffer_m (line 5)",)),
    ("buffer-bool", "[waste_station]\nbuffer_m = true", ("waste_station.buffer_m (line 5)",)),
    ("buffer-text", '[waste_station]\nbuffer_m = "far"', ("waste_station.buffer_m (line 5)",)),
    ("buffer-huge", "[waste_station]\nbuffer_m = 1e9", ("waste_station.buffer_m (line 5)",)),
    ("area-negative", "[waste_station]\nmin_area_m2 = -5", ("waste_station.min_area_m2 (line 5)",)),
    (
        "ws-threshold-negative",
        "[waste_station]\ncoverage_threshold_min = -1",
        ("waste_station.coverage_threshold_min (line 5)",),
    ),
    (
        "ws-threshold-zero",
        "[waste_station]\ncoverage_threshold_min = 0",
        ("waste_station.coverage_threshold_min (line 5)", "> 0"),
    ),
    (
        "kg-inf",
        "[waste_station]\nkg_per_capita_day = inf",
        ("waste_station.kg_per_capita_day (line 5)", "finite"),
    ),
    ("kg-zero", "[waste_station]\nkg_per_capita_day = 0", ("kg_per_capita_day (line 5)",)),
    ("kg-nan", "[waste_station]\nkg_per_capita_day = nan", ("kg_per_capita_day (line 5)",)),
    ("kg-huge", "[waste_station]\nkg_per_capita_day = 500", ("kg_per_capita_day (line 5)",)),
    ("tkm-negative", "[waste_station]\ncost_ils_per_tkm = -1", ("cost_ils_per_tkm (line 5)",)),
    ("share-over-one", "[waste_station]\ntransfer_share = 1.5", ("transfer_share (line 5)",)),
    ("growth-500pct", "[waste_station]\ngrowth_per_year = 5", ("growth_per_year (line 5)",)),
    (
        "horizon-before-base",
        "[waste_station]\nhorizon_year = 2000",
        ("waste_station.horizon_year (line 5)", "before base_year"),
    ),
    ("horizon-float", "[waste_station]\nhorizon_year = 2030.5", ("horizon_year (line 5)",)),
    ("payload-zero", "[waste_station]\ncollection_payload_t = 0", ("collection_payload_t",)),
    (
        "status-quo-degrees",
        "[waste_station]\nstatus_quo_x_itm = 35.0",
        ("waste_station.status_quo_x_itm (line 5)", ">= 100000"),
    ),
    (
        "status-quo-by-authority-degrees",
        "[waste_station]\nstatus_quo_by_authority = [[14, 35.0, 32.5]]",
        ("waste_station.status_quo_by_authority (line 5)", "ITM x"),
    ),
    (
        "status-quo-unknown-authority",
        "[waste_station]\nstatus_quo_by_authority = [[999, 200000, 700000]]",
        ("waste_station.status_quo_by_authority (line 5)", "unknown member authority", "999"),
    ),
    ("ws-unknown-key", "[waste_station]\nbufer_m = 10", ("waste_station.bufer_m (line 5)",)),
    (
        "trucks-unknown-authority",
        "[truck_lots]\ntrucks_by_authority = [[999999, 5]]",
        ("truck_lots.trucks_by_authority (line 5)", "unknown member authority", "999999"),
    ),
    (
        "trucks-neighbour-authority",
        "[truck_lots]\ntrucks_by_authority = [[1020, 5]]",
        ("truck_lots.trucks_by_authority (line 5)", "1020"),
    ),
    (
        "trucks-negative",
        "[truck_lots]\ntrucks_by_authority = [[14, -3]]",
        ("truck_lots.trucks_by_authority (line 5)", "negative"),
    ),
    (
        "trucks-inf",
        "[truck_lots]\ntrucks_by_authority = [[14, inf]]",
        ("truck_lots.trucks_by_authority (line 5)",),
    ),
    (
        "trucks-twice",
        "[truck_lots]\ntrucks_by_authority = [[14, 5], [14, 6]]",
        ("truck_lots.trucks_by_authority (line 5)", "twice"),
    ),
    (
        "trucks-text-id",
        '[truck_lots]\ntrucks_by_authority = [["x", 5]]',
        ("truck_lots.trucks_by_authority", "line 5"),
    ),
    ("lots-zero", "[truck_lots]\nn_lots = 0", ("truck_lots.n_lots (line 5)", ">= 1")),
    ("lots-thousand", "[truck_lots]\nn_lots = 1000", ("truck_lots.n_lots (line 5)", "<= 50")),
    ("lots-fraction", "[truck_lots]\nn_lots = 1.5", ("truck_lots.n_lots (line 5)",)),
    ("occupancy-two", "[truck_lots]\noccupancy = 2", ("truck_lots.occupancy (line 5)",)),
    ("lot-buffer-negative", "[truck_lots]\nbuffer_m = -100", ("truck_lots.buffer_m (line 5)",)),
    (
        "lot-threshold-negative",
        "[truck_lots]\ncoverage_threshold_min = -3",
        ("truck_lots.coverage_threshold_min (line 5)",),
    ),
    ("lot-model", '[truck_lots]\nmodel = "magic"', ("truck_lots.model (line 5)", "p-median")),
    (
        "fixed-charge-no-figures",
        '[truck_lots]\nmodel = "fixed-charge"',
        ("truck_lots.model (line 5)", "lot_capacity_spaces"),
    ),
    ("capacity-zero", "[truck_lots]\nlot_capacity_spaces = 0", ("lot_capacity_spaces (line 5)",)),
    ("time-limit-zero", "[truck_lots]\ntime_limit_s = 0", ("truck_lots.time_limit_s (line 5)",)),
    ("space-zero", "[truck_lots]\nm2_per_space = 0", ("truck_lots.m2_per_space (line 5)",)),
    ("days-400", "[truck_lots]\ndriver_days_per_year = 400", ("driver_days_per_year (line 5)",)),
    ("draws-zero", "[sensitivity]\nn_draws = 0", ("sensitivity.n_draws (line 5)", ">= 1")),
    ("draws-negative", "[sensitivity]\nn_draws = -5", ("sensitivity.n_draws (line 5)",)),
    ("draws-float-1e9", "[sensitivity]\nn_draws = 1e9", ("sensitivity.n_draws (line 5)",)),
    (
        "draws-billion",
        "[sensitivity]\nn_draws = 1000000000",
        ("sensitivity.n_draws (line 5)", "limit of 100,000", "SITING_MAX_DRAWS"),
    ),
    ("draws-fraction", "[sensitivity]\nn_draws = 2.5", ("sensitivity.n_draws (line 5)",)),
    ("concentration-zero", "[sensitivity]\nconcentration = 0", ("concentration (line 5)",)),
    (
        "interval-reversed",
        "[sensitivity]\nrank_interval_pct = [95, 5]",
        ("sensitivity.rank_interval_pct (line 5)",),
    ),
    (
        "interval-500",
        "[sensitivity]\nrank_interval_pct = [5, 500]",
        ("sensitivity.rank_interval_pct (line 5)",),
    ),
    ("kg-factors-empty", "[sensitivity]\nkg_factors = []", ("sensitivity.kg_factors (line 5)",)),
    ("speeds-zero", "[sensitivity]\nspeeds_kmh = [0, 50]", ("sensitivity.speeds_kmh (line 5)",)),
    ("thresholds-neg", "[sensitivity]\nthresholds_min = [-1]", ("thresholds_min (line 5)",)),
    ("enabled-text", '[sensitivity]\nenabled = "yes"', ("sensitivity.enabled (line 5)",)),
    ("seed-negative", "!seed = -1\n" + BASE, ("seed (line 1)", "greater than or equal to 0")),
    ("seed-float", "!seed = 1.5\n" + BASE, ("seed (line 1)",)),
    ("seed-text", '!seed = "abc"\n' + BASE, ("seed (line 1)",)),
    ("seed-huge", "!seed = 9223372036854775807\n" + BASE, ()),  # replaced below: valid
    ("cell-nan", "[candidates]\ncell_m = nan", ("candidates.cell_m (line 5)", "finite")),
    ("cell-1e12", "[candidates]\ncell_m = 1e12", ("candidates.cell_m (line 5)", "<= 100000")),
    ("cell-zero", "[candidates]\ncell_m = 0", ("candidates.cell_m (line 5)",)),
    ("cell-negative", "[candidates]\ncell_m = -5", ("candidates.cell_m (line 5)",)),
    ("cell-one-metre", "[candidates]\ncell_m = 1", ("candidates.cell_m (line 5)", ">= 10")),
    (
        "cell-tiny-over-limit",
        "[candidates]\ncell_m = 10",
        ("candidates.cell_m = 10 m", "limit of 250,000", "SITING_MAX_CELLS"),
    ),
    ("density-zero", "[candidates]\nbuilt_up_density_per_km2 = 0", ("built_up_density",)),
    ("radius-negative", "[candidates]\nmin_built_up_radius_m = -1", ("min_built_up_radius_m",)),
    ("source-file-no-file", '[candidates]\nsource = "file"', ("candidates (line 4)",)),
    ("source-unknown", '[candidates]\nsource = "magic"', ("candidates.source (line 5)",)),
    (
        "candidates-missing",
        '[candidates]\nsource = "file"\nfile = "plots.gpkg"',
        ("candidates.file (line 6)", "file not found: plots.gpkg"),
    ),
    (
        "exclusions-missing",
        '[candidates]\nexclusions = ["reserve.geojson"]',
        ("candidates.exclusions (line 5)", "reserve.geojson"),
    ),
    (
        "weights-unknown",
        "[weights.waste_station]\nsmell = 1",
        ("weights.waste_station (line 4)", "smell"),
    ),
    ("weights-negative", "[weights.waste_station]\ncost = -1", ("weights.waste_station",)),
    (
        "weights-only-no-data",
        "[weights.waste_station]\naccess = 1",
        ("bad.toml", "weights.waste_station", "no data", "crow-fly"),
    ),
    ("weights-all-zero", "[weights.truck_lot]\ndriver_distance = 0", ("weights.truck_lot",)),
    (
        "weight-range-reversed",
        "[weight_ranges.waste_station]\ncost = [0.5, 0.1]",
        ("weight_ranges.waste_station",),
    ),
    (
        "weights-ahp-ragged",
        '[weights.waste_station.ahp]\ncriteria = ["cost", "nuisance"]\nmatrix = [[1, 3]]',
        ("weights.waste_station",),
    ),
    ("weights-facility", "[weights.spaceport]\ncost = 1", ("weights.spaceport",)),
    ("region-none", '!name = "bad"\n[region]\n', ("region (line 2)", "exactly one")),
    (
        "region-two",
        '!name = "bad"\n[region]\nembedded = "mishor-hahof"\ncluster = "x"\n',
        ("region (line 2)", "exactly one"),
    ),
    ("region-missing", '!name = "bad"\n', ("region", "Field required")),
    ("region-embedded-unknown", '!name = "bad"\n[region]\nembedded = "atlantis"\n', ("atlantis",)),
    (
        "members-add-unknown",
        '!name = "bad"\n[region]\nembedded = "mishor-hahof"\nmembers_add = [999999]\n',
        ("region.members_add (line 4)", "999999"),
    ),
    (
        "authorities-without-localities",
        '!name = "bad"\n[region]\nauthorities = "a.geojson"\n',
        ("region (line 2)", "'localities'"),
    ),
    ("lang", '[outputs]\nlang = "fr"', ("outputs.lang (line 5)",)),
    ("self-contained-text", '[outputs]\nself_contained = "yes"', ("outputs.self_contained",)),
    ("facilities-unknown", '!facilities = ["spaceport"]\n' + BASE, ("facilities.0 (line 1)",)),
    ("name-missing", '![region]\nembedded = "mishor-hahof"\n', ("name", "Field required")),
    ("name-number", "!name = 5\n" + BASE.split("\n", 1)[1], ("name (line 1)",)),
    ("unknown-top-key", "colour = 1", ("colour (line 4)", "unknown key")),
    ("unknown-section", "[extras]\nx = 1", ("extras (line 4)", "unknown key")),
    ("toml-syntax", "[costs\nspeed_kmh = 40", ("bad.toml", "not valid TOML", "line 4")),
    ("toml-duplicate-key", "[costs]\nspeed_kmh = 40\nspeed_kmh = 41", ("not valid TOML",)),
    ("toml-half-string", 'description = "open', ("not valid TOML",)),
]
# a 63-bit seed is valid: not a refusal case
SCENARIO_CASES = [c for c in SCENARIO_CASES if c[0] != "seed-huge"]


@pytest.mark.parametrize(
    ("body", "needles"),
    [pytest.param(b, n, id=i) for i, b, n in SCENARIO_CASES],
)
def test_bad_scenario_file_is_refused(capsys, sandbox, body, needles):
    text = body[1:] if body.startswith("!") else BASE + body + "\n"
    (sandbox / "bad.toml").write_text(text, encoding="utf-8")
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, "bad.toml", *needles, before=before, root=sandbox.parent)
    assert len(r.err.strip().splitlines()) <= 1 + text.count("\n")  # one line per problem


@pytest.mark.parametrize(
    ("name", "data", "needles"),
    [
        pytest.param(
            "latin1.toml",
            'name = "caf\xe9"\n'.encode("latin-1"),
            ("latin1.toml (line 1)", "not UTF-8", "0xe9"),
            id="latin-1",
        ),
        pytest.param(
            "utf16.toml",
            BASE.encode("utf-16"),
            ("utf16.toml (line 1)", "not UTF-8"),
            id="utf-16",
        ),
        pytest.param("empty.toml", b"", ("empty.toml", "name", "Field required"), id="empty"),
        pytest.param("binary.toml", bytes(range(256)), ("binary.toml", "not UTF-8"), id="binary"),
        pytest.param(
            "nul.toml", b'name = "a\x00b"\n', ("nul.toml", "not valid TOML"), id="nul-byte"
        ),
    ],
)
def test_unreadable_scenario_text(capsys, sandbox, name, data, needles):
    (sandbox / name).write_bytes(data)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", name, "--out", "out", "-q")
    assert_refused(r, *needles, before=before, root=sandbox.parent)


def test_scenario_file_missing_or_a_folder(capsys, sandbox):
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "nowhere.toml", "--out", "out", "-q")
    assert_refused(r, "scenario file not found: nowhere.toml", before=before, root=sandbox.parent)
    (sandbox / "folder.toml").mkdir()
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "folder.toml", "--out", "out", "-q")
    assert_refused(r, "folder.toml", "is not a file", before=before, root=sandbox.parent)


@pytest.mark.parametrize(
    ("body", "needles"),
    [pytest.param(b, n, id=i) for i, b, n in SCENARIO_CASES[:12]],
)
def test_validate_names_the_same_problems(capsys, sandbox, body, needles):
    text = body[1:] if body.startswith("!") else BASE + body + "\n"
    (sandbox / "bad.toml").write_text(text, encoding="utf-8")
    r = siting(capsys, "validate", "bad.toml")
    assert r.code == 1
    assert "Traceback" not in r.text
    for n in needles:
        assert n in r.err


def test_a_valid_63_bit_seed_is_accepted(capsys, sandbox):
    (sandbox / "ok.toml").write_text("seed = 9223372036854775807\n" + BASE, encoding="utf-8")
    r = siting(capsys, "validate", "ok.toml")
    assert r.code == 0, r.text


@pytest.mark.parametrize("value", ["abc", "-5", "1e9", "99999999999999"])
def test_bad_source_date_epoch(capsys, sandbox, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "--out", "out", "-q")
    assert_refused(r, "SOURCE_DATE_EPOCH", before=before, root=sandbox.parent)


# --------------------------------------------------------------------------- cost matrices


def _matrix(km: list[list[float]], minutes: list[list[float]] | None = None):
    import numpy as np

    from siting.costs import CostMatrix

    k = np.array(km, dtype=float)
    return CostMatrix(
        minutes=np.array(minutes if minutes is not None else km, dtype=float) * 1.2,
        km=k,
        origin_ids=np.arange(k.shape[0]),
        destination_ids=np.arange(k.shape[1]),
        model="test",
        description="a test matrix",
        approximate=False,
    )


@pytest.mark.parametrize(
    ("km", "minutes", "needle"),
    [
        pytest.param([[1.0, float("nan")], [2.0, 3.0]], None, "NaN", id="nan"),
        pytest.param([[1.0, -2.0], [2.0, 3.0]], None, "negative", id="negative"),
        pytest.param(
            [[float("inf")] * 2] * 2, None, "no candidate is reachable", id="none-reachable"
        ),
        pytest.param(
            [[1.0, 2.0], [3.0, 4.0]], [[5.0, 5.0], [5.0, 5.0]], "same time", id="all-equal"
        ),
    ],
)
def test_implausible_cost_matrix_is_refused(km, minutes, needle):
    from siting.decide.checks import check_costs
    from siting.errors import SitingError

    with pytest.raises(SitingError, match=needle):
        check_costs(_matrix(km, minutes))


def test_a_plausible_cost_matrix_passes():
    from siting.decide.checks import check_costs

    check_costs(_matrix([[1.0, 2.0], [3.0, float("inf")]]))  # one unreachable pair is a note
