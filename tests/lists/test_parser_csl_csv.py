"""trade.gov Consolidated Screening List CSV, 2019 and current column sets."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from followthemoney import EntityProxy

from chokepoint.lists.parsers import csl_csv
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

EL = "Entity List (EL) - Bureau of Industry and Security"


def named(result: ParseResult, name: str) -> list[EntityProxy]:
    return [e for e in result.targets if e.get("name") == [name]]


def sanction_of(result: ParseResult, target: EntityProxy) -> EntityProxy:
    return next(e for e in result.entities if e.id == f"{target.id}-sanction")


@pytest.fixture(scope="module")
def csl2019(lists_dir: Path) -> ParseResult:
    return csl_csv.parse(lists_dir / "csl_2019" / "csl.csv")


@pytest.fixture(scope="module")
def csl2025(lists_dir: Path) -> ParseResult:
    return csl_csv.parse(lists_dir / "csl_2025_sample" / "consolidated.csv")


# --- current (2025) columns ------------------------------------------------------


def test_2025_counts(csl2025: ParseResult) -> None:
    assert csl2025.dataset == "us_trade_csl"
    assert csl2025.format == "csl_csv"
    assert len(csl2025.targets) == 13
    codes = Counter(e.get("programId")[0] for e in csl2025.targets)
    assert codes == {"SSI": 3, "PLC": 2, "EL": 1, "MEU": 1, "UVL": 1, "DPL": 1, "ISN": 1, "DTC": 1, "SDN": 1, "FSE": 1}
    assert csl2025.warnings == []
    assert csl2025.published is None


def test_2025_entity_list_row(csl2025: ParseResult) -> None:
    (cetc,) = [e for e in csl2025.targets if "EL" in e.get("programId")]
    assert cetc.get("name") == ["China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"]
    assert cetc.schema.name == "LegalEntity"
    assert cetc.get("topics") == ["export.control"]
    assert "Hebei Semiconductor Research Institute" in cetc.get("alias")
    assert len(cetc.get("alias")) == 6
    # "...Hebei, China; and 21 Changsheng Street, ..." is two addresses.
    assert "21 Changsheng Street, Shijiazhuang, Hebei, China" in cetc.get("address")
    assert cetc.get("country") == ["cn"]
    sanction = sanction_of(csl2025, cetc)
    assert sanction.get("authority") == [EL]
    assert sanction.get("programId") == ["EL"]
    assert sanction.get("entity") == [cetc.id]
    assert sanction.get("sourceUrl") == [
        "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/entity-list"
    ]
    assert any("744" in p for p in sanction.get("provisions"))
    assert len(cetc.context["source_id"]) > 20  # the CSL _id: no entity_number


def test_2025_ofac_rows(csl2025: ParseResult) -> None:
    (rim,) = named(csl2025, "RIM, Ryong Nam")
    assert rim.id == entity_id("us_trade_csl", "52291")
    assert rim.schema.name == "Person"
    assert rim.get("lastName") == ["RIM"] and rim.get("firstName") == ["Ryong Nam"]
    assert rim.get("programId") == ["SDN", "NPWMD"]
    assert rim.get("passportNumber") == ["836238033"]
    assert rim.get("nationality") == ["kp"]
    assert rim.get("gender") == ["male"]
    assert rim.get("birthDate") == ["1978-12-05"]
    assert set(rim.get("country")) == {"cn", "kp"}
    provisions = sanction_of(csl2025, rim).get("provisions")
    assert "Secondary sanctions risk: North Korea Sanctions Regulations, sections 510.201 and 510.210" in provisions
    (tnk,) = named(csl2025, "TNK Trading International S.A.")
    assert tnk.get("programId") == ["SSI", "VENEZUELA-EO13850", "UKRAINE-EO13662"]
    assert tnk.get("vatCode") == ["CHE-267.936.404"]
    assert tnk.get("registrationNumber") == ["CH-660.0.559.011-2"]
    (sme,) = named(csl2025, "SME BANK")
    assert sme.get("swiftBic") == ["RUDVRUMM"]
    assert sme.get("registrationNumber") == ["1027739108649"]


def test_2025_other_sources(csl2025: ParseResult) -> None:
    (sino,) = [e for e in csl2025.targets if "ISN" in e.get("programId")]
    assert sino.get("name") == ["Sinobright Import and Export Company"]  # successor clause moved to notes
    assert sino.get("programId") == ["ISN", "INKSNA"]
    assert sino.get("topics") == ["sanction"]
    assert sanction_of(csl2025, sino).get("listingDate") == ["2023-07-19"]
    (dtc,) = [e for e in csl2025.targets if "DTC" in e.get("programId")]
    assert dtc.get("topics") == ["debarment"]
    (dpl,) = [e for e in csl2025.targets if "DPL" in e.get("programId")]
    assert dpl.get("name") == ["I. ASH"]
    assert sanction_of(csl2025, dpl).get("endDate") == ["2056-06-29"]
    (plc,) = named(csl2025, "Mohammed ABU JHEISHEH")
    assert plc.get("alias") == ["Mohammad Mutlaq ABU JHESHEH", "Mohammed ABU JEHEISHA"]
    assert plc.get("birthDate") == ["1955"]
    assert plc.get("birthPlace") == ["Izna, Hebron"]
    assert plc.get("notes") == ["HAMAS - Hebron"]


# --- 2019 columns --------------------------------------------------------------


def test_2019_counts(csl2019: ParseResult) -> None:
    assert len(csl2019.targets) == 115
    codes = Counter(e.get("programId")[0] for e in csl2019.targets)
    assert codes["EL"] == 22 and codes["SDN"] == 28 and codes["SSI"] == 26
    topics = Counter(e.first("topics") for e in csl2019.targets)
    assert topics == {"sanction": 71, "export.control": 34, "debarment": 10}
    el = [e for e in csl2019.targets if "EL" in e.get("programId")]
    assert {sanction_of(csl2019, e).first("authority") for e in el} == {EL}
    # The sample lacks the entities its OFAC rows are "Linked To".
    assert set(csl2019.warning_counts()) == {"link_unresolved"}


def test_2019_ids_country_number_type(csl2019: ParseResult) -> None:
    (holding,) = named(csl2019, "200G PSA HOLDINGS LLC")
    assert holding.id == entity_id("us_trade_csl", "20264")
    assert holding.get("taxNumber") == ["80-0890696"]  # "US, 80-0890696, Tax ID No."
    assert holding.get("programId") == ["SDN", "SDNTK"]
    (vessel,) = named(csl2019, "ADRIAN DARYA 1")
    assert vessel.schema.name == "Vessel"
    assert vessel.get("imoNumber") == ["IMO9116412"]
    assert vessel.get("pastFlags") == ["pa"]
    assert vessel.get("flag") == ["ir"]
    assert vessel.get("alias") == ["GRACE 1"]
    (akbari,) = named(csl2019, "AKBARI, Mohammadreza Ali")
    assert akbari.get("passportNumber") == ["21795618"]
    (mazidih,) = named(csl2019, "AL MAZIDIH, Ghazy Fezza Hishan")
    assert mazidih.get("birthDate") == ["1974", "1975"]


def test_2019_rows_without_ids_get_content_ids(csl2019: ParseResult) -> None:
    migeotte = named(csl2019, "Gunther Migeotte")
    assert len(migeotte) == 5  # one Entity List row per address
    assert len({e.id for e in migeotte}) == 5
    assert all(len(str(e.context["source_id"])) == 16 for e in migeotte)
    assert (named(csl2019, "ADRIAN MANUEL HERNANDEZ")[0].get("address")) == ["3037 S. 69TH DRIVE, PHONEIX, AZ, 85043"]


def test_parse_csl_id() -> None:
    assert csl_csv.parse_csl_id("Passport, 836238033, KP", True) == ("Passport", "836238033", "KP")
    assert csl_csv.parse_csl_id("Gender, Male", True) == ("Gender", "Male", None)
    assert csl_csv.parse_csl_id(
        "Secondary sanctions risk:, Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201 and/or 589.209",
        True,
    ) == ("Secondary sanctions risk:", "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201 and/or 589.209", None)
    assert csl_csv.parse_csl_id("US, 80-0890696, Tax ID No.", False) == ("Tax ID No.", "80-0890696", "US")
    assert csl_csv.parse_csl_id("IMO 8898831, Vessel Registration Identification", False) == (
        "Vessel Registration Identification",
        "IMO 8898831",
        None,
    )


# --- bad and odd input -----------------------------------------------------------


def rewrite(src: Path, dst: Path, rows: int | None = None, duplicate: bool = False) -> list[str]:
    with src.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    body = table[1 : (rows + 1) if rows else None]
    if duplicate:
        body = body + body[:1]
    out = io.StringIO()
    csv.writer(out).writerows([table[0], *body])
    dst.write_text(out.getvalue(), encoding="utf-8")
    return table[0]


def test_duplicate_rows_are_merged(lists_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    rewrite(lists_dir / "csl_2025_sample" / "consolidated.csv", path, duplicate=True)
    result = csl_csv.parse(path)
    assert len(result.targets) == 13
    assert [(w.code, w.line) for w in result.warnings] == [("duplicate_row", 15)]


def test_bad_inputs(lists_dir: Path, tmp_path: Path) -> None:
    source = lists_dir / "csl_2019" / "csl.csv"
    path = tmp_path / "csl.csv"
    data = source.read_text()
    cut = data.index('"Room 1905')
    path.write_text(data[: cut + 20])  # inside a quoted address
    with pytest.raises(ListFormatError, match=r"csl\.csv, line 7: malformed CSV") as err:
        csl_csv.parse(path)
    assert err.value.line == 7
    header = rewrite(source, path, rows=3)
    path.write_text(path.read_text() + "Entity List (EL) - Bureau of Industry and Security,,,,Short Row Ltd\n")
    with pytest.raises(ListFormatError, match=f"line 5: expected {len(header)} fields, found 5"):
        csl_csv.parse(path)
    path.write_text("")
    with pytest.raises(ListFormatError, match="empty"):
        csl_csv.parse(path)
    shutil.copy(lists_dir / "bis_dpl" / "dpl.txt", path)
    with pytest.raises(ListFormatError, match="not a Consolidated Screening List CSV"):
        csl_csv.parse(path)
    path.write_text(",".join(header) + "\n")
    with pytest.raises(ListFormatError, match="no data rows"):
        csl_csv.parse(path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-16"])
def test_encodings(lists_dir: Path, tmp_path: Path, encoding: str) -> None:
    text = (lists_dir / "csl_2025_sample" / "consolidated.csv").read_text(encoding="utf-8")
    text = text.replace("Atlas Sanatgaran", "Atlas Sanatgarán")
    path = tmp_path / "consolidated.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    assert csl_csv.sniff(path)
    result = csl_csv.parse(path)
    assert len(result.targets) == 13
    assert named(result, "Atlas Sanatgarán")


def test_folder_with_one_file(lists_dir: Path, csl2025: ParseResult) -> None:
    assert csl_csv.sniff(lists_dir / "csl_2025_sample")
    assert csl_csv.parse(lists_dir / "csl_2025_sample").files == csl2025.files
    with pytest.raises(ListFormatError, match="no single Consolidated Screening List CSV"):
        csl_csv.parse(lists_dir / "bis_dpl")


def test_sniff(lists_dir: Path) -> None:
    assert csl_csv.sniff(lists_dir / "csl_2019" / "csl.csv")
    assert csl_csv.sniff(lists_dir / "csl_2025_sample" / "consolidated.csv")
    for name in (
        "un/consolidated.xml",
        "us_restricted_parties_2026/bis_entity_list.json",
        "ofac_sdn_2024/sdn.csv",
        "bis_dpl/dpl.txt",
        "uk_sanctions_list_2026/subjects.csv",
        "opensanctions_ftm/ua_war_sanctions/targets.simple.csv",
        "bis_dpl",
        "ofac_cons",
    ):
        assert not csl_csv.sniff(lists_dir / name), name
