"""Shared fixtures.

``shared_data`` is the path to ``../shared/data``.  Tests that need it skip with a
reason when it is absent (a user's fresh clone) and FAIL when the environment
variable ``SITING_REQUIRE_SHARED_DATA=1`` is set (CI), so CI can never go green
by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never download: the map's npm assets come from the cache ($SITING_ASSETS_DIR, else
# ~/.cache/siting/assets, filled by `.ci/run` or one `siting run`), and a registry that
# cannot answer makes "self-contained whenever the assets can be had" fall back at once.
os.environ.setdefault("SITING_NPM_REGISTRY", "http://127.0.0.1:9")

SHARED_DATA = Path(
    os.environ.get(
        "SITING_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


def require_shared(*relative: str) -> Path:
    """Return ``SHARED_DATA / relative`` or skip (fail in CI) when it is missing."""
    path = SHARED_DATA.joinpath(*relative)
    if not path.exists():
        msg = f"needs {path} (the ../shared/data reference data) which is absent"
        if os.environ.get("SITING_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(msg + " but SITING_REQUIRE_SHARED_DATA=1", pytrace=False)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data`` (skip, or fail in CI, when absent)."""
    return require_shared()
