"""Rebuild the embedded Mishor HaHof tables in data/mishor-hahof/ from the official files.

Run from the repository root with ../shared/data present:

    python data/build_mishor_hahof.py

It writes figures (codes, names, populations, rates, locality-centre coordinates)
into small project tables, and ``jurisdictions.geojson``: a simplified derivative
of the Ministry of Interior jurisdiction layer (the 15 authorities whole, every other
jurisdiction and no-jurisdiction area within 2 km of their convex hull clipped to
it), simplified as one coverage so shared borders stay shared.  The official files
stay where they are.  Sources are listed in data/mishor-hahof/SOURCES.md.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "israel"
OUT = Path(__file__).resolve().parent / "mishor-hahof"

# The cluster's own 2024 newsletter (quoted in shared/data/README.md): residents per member.
NEWSLETTER_2024 = {
    7800: 48221,  # Pardes Hanna-Karkur
    654: 20948,  # Kafr Qara
    14: 23119,  # Menashe
    2710: 59992,  # Umm al-Fahm
    45: 2290,  # Alona
    9800: 16395,  # Binyamina-Giv'at Ada
    541: 15888,  # Jisr az-Zarqa
    9300: 26318,  # Zikhron Ya'akov
    537: 14026,  # Fureidis
    15: 37649,  # Hof HaCarmel
}
NAMES_EN = {
    7800: "Pardes Hanna-Karkur",
    654: "Kafr Qara",
    14: "Menashe",
    2710: "Umm al-Fahm",
    45: "Alona",
    9800: "Binyamina-Giv'at Ada",
    541: "Jisr az-Zarqa",
    9300: "Zikhron Ya'akov",
    537: "Fureidis",
    15: "Hof HaCarmel",
    1020: "Or Akiva",
    628: "Jatt",
    6500: "Hadera",
    1327: "Ma'ale Iron",
    6000: "Baqa al-Gharbiyye",
}
#: Project English names of the jurisdictions around the cluster (the MOIN layer spells
#: "Megido", "Tirat Karmel"...); no-jurisdiction areas keep the MOIN English name.
CONTEXT_NAMES_EN = {
    9: "Emek Yizre'el",
    13: "Megiddo",
    16: "Emek Hefer",
    41: "Elyakhin",
    240: "Yokne'am Illit",
    494: "Daliyat al-Karmel",
    534: "Isfiya",
    637: "Ar'ara",
    1247: "Harish",
    1290: "Zemer",
    1326: "Basma",
    2100: "Tirat Carmel",
    2500: "Nesher",
    4000: "Haifa",
}
#: Simplification tolerance of the embedded boundaries (metres, EPSG:2039): GEOS coverage
#: simplification (Visvalingam-Whyatt), "roughly the square root of the area of the
#: triangles removed".
TOLERANCE_M = 15.0
KIND = {"עירייה": "city", "מועצה מקומית": "local_council", "מועצה אזורית": "regional_council"}


def main() -> int:
    stats = list(
        csv.DictReader(
            (SHARED / "mishor_hahof_authority_stats_cbs_2021.csv").open(encoding="utf-8")
        )
    )
    OUT.mkdir(parents=True, exist_ok=True)
    auth_rows = []
    for r in stats:
        code = int(r["cbs_code"])
        member = code in NEWSLETTER_2024
        auth_rows.append(
            {
                "id": code,
                "name_he": r["name_he"],
                "name_en": NAMES_EN[code],
                "kind": KIND[r["municipal_status"]],
                "member": str(member).lower(),
                "population": NEWSLETTER_2024.get(code, int(float(r["population_end_2021"]))),
                "population_source": "newsletter-2024" if member else "cbs-2021",
                "population_cbs_2021": int(float(r["population_end_2021"])),
                "msw_kg_per_capita_day": round(float(r["msw_kg_per_capita_per_day"]), 4),
                "motor_vehicles_cbs_2021": int(float(r["motor_vehicles_total"])),
                "non_private_motor_vehicles_cbs_2021": int(float(r["non_private_motor_vehicles"])),
            }
        )
    auth_rows.sort(key=lambda r: (r["member"] != "true", r["name_en"]))
    codes = {r["id"] for r in auth_rows}
    # localities: the same join siting.sources uses (status code → authority; localities with
    # no municipal status, e.g. Neve Avot, assigned by location inside the MOIN polygons)
    from siting.sources import region_from_cluster

    region = region_from_cluster(
        "mishor-hahof", data_dir=SHARED, neighbours=sorted(codes - set(NEWSLETTER_2024))
    )
    loc_rows = [
        {
            "id": int(r.id),
            "name": r.name,
            "name_en": r.name_en,
            "authority_id": int(r.authority_id),
            "lon": round(r.geometry.x, 5),
            "lat": round(r.geometry.y, 5),
            "population": int(r.population),
        }
        for r in region.localities.itertuples()
        if r.population_reported and int(r.authority_id) in codes
    ]
    loc_rows.sort(key=lambda r: (r["authority_id"], r["id"]))
    for name, rows in (("authorities.csv", auth_rows), ("localities.csv", loc_rows)):
        with (OUT / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    n_land, size = write_jurisdictions(region, auth_rows)
    print(f"{len(auth_rows)} authorities, {len(loc_rows)} localities -> {OUT}")
    print(f"{n_land} jurisdictions ({size / 1024:.0f} KB, tolerance {TOLERANCE_M:g} m) -> {OUT}")
    return 0


def write_jurisdictions(region, auth_rows: list[dict]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Simplify the region's jurisdiction context as one coverage and write it as GeoJSON."""
    import geopandas as gpd
    import shapely

    land = region.extra["jurisdictions"].to_crs("EPSG:2039")
    extent = region.extra["jurisdictions_extent"]
    geoms = shapely.coverage_simplify(land.geometry.to_numpy(), TOLERANCE_M)
    land = land.set_geometry(list(geoms))
    names = {r["id"]: (r["name_he"], r["name_en"]) for r in auth_rows}
    ids = land["id"].astype(int)
    land["name_en"] = [
        names[i][1] if i in names else CONTEXT_NAMES_EN.get(i, en)
        for i, en in zip(ids, land["name_en"], strict=True)
    ]
    land["name_he"] = [
        names[i][0] if i in names else he for i, he in zip(ids, land["name_he"], strict=True)
    ]
    land["role"] = [
        ("member" if i in NEWSLETTER_2024 else "neighbour")
        if i in names
        else ("no_jurisdiction" if i < 0 else "other")
        for i in ids
    ]
    ext = gpd.GeoDataFrame(
        {
            "id": [0],
            "moin_code": [0],
            "name_he": ["גבול השכבה"],
            "name_en": ["extent of this layer"],
            "moin_name_en": [""],
            "kind": ["extent"],
            "role": ["extent"],
        },
        geometry=[shapely.simplify(extent, TOLERANCE_M)],
        crs="EPSG:2039",
    )
    import pandas as pd

    out = gpd.GeoDataFrame(pd.concat([land, ext], ignore_index=True), crs="EPSG:2039")
    out = out.to_crs("EPSG:4326")
    path = OUT / "jurisdictions.geojson"
    path.unlink(missing_ok=True)
    out.to_file(path, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 6})
    return len(land), path.stat().st_size


if __name__ == "__main__":
    sys.exit(main())
