"""Rebuild the embedded Mishor HaHof tables in data/mishor-hahof/ from the official files.

Run from the repository root with ../shared/data present:

    python data/build_mishor_hahof.py

It writes only figures (codes, names, populations, rates, locality-centre
coordinates) into small project tables; the official files stay where they are.
Sources are listed in data/mishor-hahof/SOURCES.md.
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
    print(f"{len(auth_rows)} authorities, {len(loc_rows)} localities -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
