"""UK sanctions list ODS parser, on the real FCDO export of 2025-08-11."""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import uk_csv, uk_ods
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

ODS_NAME = "FCDO_SL_Mon_Aug 11 2025.ods"
OTHER_FORMATS = [
    "ofac_sdn_2024/sdn.csv",
    "ofac_cons_2026/ofac.xml",
    "bis_dpl/dpl.txt",
    "csl_2025_sample/consolidated.csv",
    "us_restricted_parties_2026/bis_entity_list.json",
    "opensanctions_ftm/zavod_export_sample_wd_persons/statements.pack",
    "un/consolidated.xml",
    "eu_fsf_sample_2026/sample_eu_fsf.xml",
    "eu_un_ofac_aggregate_2026/all.json",
    "uk_sanctions_list_2026",
    "uk_sanctions_list_2026/subjects.csv",
]

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
HEADER = [
    "Unique ID", "OFSI Group ID", "Name", "Regime Name", "Type",
    "Designation source", "Date Designated", "Sanctions Imposed",
]


def cell(value: str, repeat: int = 1) -> str:
    attr = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{attr}><text:p>{value}</text:p></table:table-cell>'


def row(*cells: str) -> str:
    return "<table:table-row>" + "".join(cells) + '<table:table-cell table:number-columns-repeated="16000"/></table:table-row>'


def content(rows: list[str]) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}><office:body>'
        '<office:spreadsheet><table:table table:name="UK_Sanction_List">'
        + "".join(rows)
        + '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )


def write_ods(path: Path, xml: str, mimetype_first: bool = True) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype_first:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
        if not mimetype_first:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())
    return path


SMALL_ROWS = [
    row(*(cell(h) for h in HEADER)),
    row(
        cell("RUS9001"), cell("1"),
        '<table:table-cell office:value-type="string"><text:p>PETROV<text:s text:c="2"/>Ivan</text:p></table:table-cell>',
        cell("Russia"), cell("Individual"), cell("UK"),
        '<table:table-cell office:value-type="date" office:date-value="2022-03-01T00:00:00"><text:p>01/03/2022</text:p></table:table-cell>',
        cell("Asset freeze"),
    ),
    # two adjacent equal cells written once, with number-columns-repeated
    row(cell("INU9002"), cell("2"), cell("SEA STAR"), cell("Iran (Nuclear)"), cell("Ship"),
        cell("UN"), cell("05-05-2023"), cell("Asset freeze")),
    row(cell("IRN9003"), cell("3"), cell("Same"), cell("Iran"), cell("Entity"),
        cell("UK", 1), cell("07-07-2021", 1), cell("Asset freeze")),
]


@pytest.fixture(scope="module")
def ods_file(lists_dir: Path) -> Path:
    return lists_dir / "uk_sanctions_list_2025" / ODS_NAME


@pytest.fixture(scope="module")
def result(ods_file: Path) -> ParseResult:
    return uk_ods.parse(ods_file, "gb_fcdo_sanctions")


@pytest.fixture(scope="module")
def by_id(result: ParseResult) -> dict:
    return {e.context["source_id"]: e for e in result.targets}


def test_counts_and_published(result: ParseResult) -> None:
    assert len(result.targets) == 5302
    assert Counter(e.schema.name for e in result.targets) == {
        "Person": 3754,
        "Organization": 1087,
        "Vessel": 461,
    }
    assert result.published == date(2025, 8, 11)
    assert list(result.files) == [ODS_NAME]
    # two rows have an empty Name cell upstream
    assert result.warning_counts() == {"missing_name": 2}


def test_regimes(result: ParseResult, by_id: dict) -> None:
    programs = Counter(e.first("program") for e in result.targets)
    assert programs["Russia"] == 2710
    assert programs["Iran"] == 237
    assert programs["Iran (Nuclear)"] == 190
    assert by_id["INU0001"].get("programId") == ["INU"]


def test_sanction_fields(result: ParseResult, by_id: dict) -> None:
    target = by_id["AFG0001"]
    assert target.get("name") == ["HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"]
    sanction = next(e for e in result.entities if e.id == f"{target.id}-sanction")
    assert sanction.get("listingDate") == ["2012-06-29"]
    assert sanction.get("programId") == ["AFG"]
    assert sanction.get("program") == ["Afghanistan"]
    assert sanction.get("recordId") == ["12703"]
    assert sanction.get("description") == ["Designation source: UN"]


def test_same_ids_as_csv(lists_dir: Path, by_id: dict) -> None:
    csv_result = uk_csv.parse(lists_dir / "uk_sanctions_list_2026", "gb_fcdo_sanctions")
    csv_by_id = {e.id: e for e in csv_result.targets}
    ods_by_id = {e.id: e for e in by_id.values()}
    shared = set(ods_by_id) & set(csv_by_id)
    assert len(shared) == 5285  # 17 delisted by 2026, 761 added
    assert all(ods_by_id[i].schema == csv_by_id[i].schema for i in shared)
    vtb = entity_id("gb_fcdo_sanctions", "RUS0250")
    assert ods_by_id[vtb].get("name") == csv_by_id[vtb].get("name")
    # people: the ODS writes "Surname Forenames", the CSV "Forenames Surname"
    kiselyov = entity_id("gb_fcdo_sanctions", "RUS0001")
    assert ods_by_id[kiselyov].get("name") == ["Kiselyov Dmitry Konstantinovich"]
    assert csv_by_id[kiselyov].get("name") == ["Dmitry Konstantinovich Kiselyov"]


def test_sniff(ods_file: Path, tmp_path: Path) -> None:
    assert uk_ods.sniff(ods_file)  # mimetype is not the first zip member here
    assert uk_ods.sniff(ods_file.parent)
    gz = tmp_path / f"{ODS_NAME}.gz"
    gz.write_bytes(gzip.compress(ods_file.read_bytes()))
    assert uk_ods.sniff(gz)
    assert len(uk_ods.parse(gz, "gb_fcdo_sanctions").targets) == 5302


@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_sniff_false_on_other_formats(lists_dir: Path, name: str) -> None:
    assert not uk_ods.sniff(lists_dir / name)


def test_small_sheet(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "UK list Jan 5 2026.ods", content(SMALL_ROWS), mimetype_first=False)
    assert uk_ods.sniff(path)
    result = uk_ods.parse(path, "gb_fcdo_sanctions")
    targets = {e.context["source_id"]: e for e in result.targets}
    assert targets["RUS9001"].get("name") == ["PETROV Ivan"]  # text:s spaces collapsed
    assert targets["INU9002"].schema.name == "Vessel"
    assert targets["IRN9003"].schema.name == "Organization"
    assert result.published == date(2026, 1, 5)
    dates = {e.first("authorityId"): e.first("listingDate") for e in result.entities
             if e.schema.name == "Sanction"}
    assert dates == {"RUS9001": "2022-03-01", "INU9002": "2023-05-05", "IRN9003": "2021-07-07"}


def test_report_date_row_above_header(tmp_path: Path) -> None:
    rows = [row(cell("Report Date: 03-Feb-2026")), *SMALL_ROWS]
    result = uk_ods.parse(write_ods(tmp_path / "UK Jan 5 2026.ods", content(rows)), "gb_fcdo_sanctions")
    assert len(result.targets) == 3
    assert result.published == date(2026, 2, 3)  # the sheet's date wins over the name's


def test_repeated_cells_expand(tmp_path: Path) -> None:
    rows = [
        row(*(cell(h) for h in HEADER)),
        row(cell("GHR9004"), cell("4"), cell("Zhi Chen"), cell("Global Human Rights"),
            cell("Individual"), cell("UK"), cell("01-01-2021", 1), cell("Travel Ban")),
        row(cell("GHR9005"), cell("5"), cell("UK", 1), cell("Global Human Rights"),
            cell("Entity"), cell("UK"), cell("", 1), cell("Asset freeze")),
        row(cell("GHR9006"), cell("6"), cell("Dup", 2), cell("Entity"), cell("UK")),
    ]
    result = uk_ods.parse(write_ods(tmp_path / "x.ods", content(rows)), "gb_fcdo_sanctions")
    names = {e.context["source_id"]: e.first("name") for e in result.targets}
    assert names == {"GHR9004": "Zhi Chen", "GHR9005": "UK", "GHR9006": "Dup"}
    regime = next(e for e in result.targets if e.context["source_id"] == "GHR9006").first("program")
    assert regime == "Dup"  # the repeated cell fills Name and Regime Name


def test_truncated_zip(ods_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.ods"
    path.write_bytes(ods_file.read_bytes()[:60_000])
    with pytest.raises(ListFormatError, match="cut.ods"):
        uk_ods.parse(path, "gb_fcdo_sanctions")


def test_truncated_content_xml(tmp_path: Path) -> None:
    xml = content(SMALL_ROWS)
    path = write_ods(tmp_path / "half.ods", xml[: len(xml) // 2])
    with pytest.raises(ListFormatError) as info:
        uk_ods.parse(path, "gb_fcdo_sanctions")
    assert "half.ods" in str(info.value) and info.value.line == 1


def test_empty_and_wrong_files(lists_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "blank.ods"
    empty.write_bytes(b"")
    with pytest.raises(ListFormatError, match="file is empty"):
        uk_ods.parse(empty, "gb_fcdo_sanctions")
    renamed = tmp_path / "sdn.ods"
    shutil.copy(lists_dir / "ofac_sdn_2024" / "sdn.csv", renamed)
    with pytest.raises(ListFormatError, match="sdn.ods"):
        uk_ods.parse(renamed, "gb_fcdo_sanctions")
    other_sheet = write_ods(tmp_path / "other.ods", content([row(cell("Country"), cell("Code"))]))
    with pytest.raises(ListFormatError, match="not a UK sanctions list sheet"):
        uk_ods.parse(other_sheet, "gb_fcdo_sanctions")
    no_content = tmp_path / "nocontent.ods"
    with zipfile.ZipFile(no_content, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(ListFormatError, match="no content.xml"):
        uk_ods.parse(no_content, "gb_fcdo_sanctions")


def test_published_from_name() -> None:
    assert uk_ods.published_from_name(ODS_NAME) == date(2025, 8, 11)
    assert uk_ods.published_from_name("UK-Sanctions-List.ods") is None
