"""Copy the newest usable public list files from ../shared into the package.

Run once by a developer when the bundled data changes:

    .venv/bin/python tools/bundle_lists.py

Files are stored gzip-compressed with their original bytes, so a bundled
version hashes the same as a load of the original file (see
src/chokepoint/data/PROVENANCE.md for where each came from).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LISTS = REPO.parent / "shared" / "data" / "lists"
TARGET = REPO / "src" / "chokepoint" / "data" / "lists"

#: dataset -> files (relative to shared/data/lists) in the bundled copy
BUNDLE = {
    "us_ofac_sdn": ["ofac_sdn_2024/sdn.csv", "ofac_sdn_2025/alt.csv", "ofac_sdn_2025/add.csv"],
    "us_ofac_cons": ["ofac_cons_2026/ofac.xml"],
    "un_sc_sanctions": ["un/consolidated.xml"],
    "eu_fsf": ["eu_un_ofac_aggregate_2026/all.json"],
    "gb_fcdo_sanctions": [
        "uk_sanctions_list_2026/subjects.csv",
        "uk_sanctions_list_2026/subject_names.csv",
        "uk_sanctions_list_2026/subject_dobs.csv",
        "uk_sanctions_list_2026/subject_identifiers.csv",
        "uk_sanctions_list_2026/subject_countries.csv",
    ],
    "us_bis_entity": ["us_restricted_parties_2026/bis_entity_list.json"],
    "us_bis_meu": ["us_restricted_parties_2026/bis_meu.json"],
    "us_bis_denied": ["us_restricted_parties_2026/bis_dpl.json"],
    "us_state_isn": ["us_restricted_parties_2026/state_nonproliferation.json"],
    "us_ddtc_debarred": ["us_restricted_parties_2026/state_debarred_statutory.json"],
    "us_ofac_nscmic": ["us_restricted_parties_2026/ofac_nscmic.json"],
    "us_dod_1260h": ["us_restricted_parties_2026/dow_1260h.json"],
    "jp_meti_eul": ["restricted_parties_2026/restricted_parties.json"],
}


def main() -> None:
    for dataset, files in BUNDLE.items():
        folder = TARGET / dataset
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for rel in files:
            src = LISTS / rel
            with src.open("rb") as fin, gzip.GzipFile(folder / (src.name + ".gz"), "wb", mtime=0) as fout:
                shutil.copyfileobj(fin, fout)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{dataset}: {len(files)} file(s), {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
