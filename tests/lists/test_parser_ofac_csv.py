"""OFAC legacy CSV parser, on the real SDN / consolidated files."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from followthemoney import EntityProxy

from chokepoint.lists.parsers import ofac_csv
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

ROW = '{num},"{name}",{type},"{prog}",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,{remarks}\r\n'


def row(num: int, name: str, type_: str = "-0- ", prog: str = "SDGT", remarks: str = "-0- ") -> str:
    return ROW.format(num=num, name=name, type=type_, prog=prog, remarks=remarks)


def by_source_id(result: ParseResult) -> dict[str, EntityProxy]:
    return {str(e.context["source_id"]): e for e in result.targets}


def entity_by_id(result: ParseResult, entity_id: str) -> EntityProxy:
    return next(e for e in result.entities if e.id == entity_id)


def links_from(result: ParseResult, subject: EntityProxy) -> set[str]:
    return {
        link.first("object")
        for link in result.entities
        if link.schema.name == "UnknownLink" and link.first("subject") == subject.id
    }


@pytest.fixture(scope="module")
def sdn2024(lists_dir: Path) -> ParseResult:
    return ofac_csv.parse(lists_dir / "ofac_sdn_2024")


@pytest.fixture(scope="module")
def sdn2021(lists_dir: Path) -> ParseResult:
    return ofac_csv.parse(lists_dir / "ofac_sdn_2021")


@pytest.fixture(scope="module")
def sdn2023(lists_dir: Path) -> ParseResult:
    return ofac_csv.parse(lists_dir / "ofac_sdn_2023")


@pytest.fixture(scope="module")
def cons(lists_dir: Path) -> ParseResult:
    return ofac_csv.parse(lists_dir / "ofac_cons")


# --- counts and shape --------------------------------------------------------


def test_2024_counts(sdn2024: ParseResult) -> None:
    assert sdn2024.dataset == "us_ofac_sdn"
    assert sdn2024.format == "ofac_csv"
    assert sdn2024.published is None
    assert len(sdn2024.targets) == 14965
    schemata = Counter(e.schema.name for e in sdn2024.targets)
    assert schemata == {"Person": 6854, "Organization": 6884, "Vessel": 851, "Airplane": 376}
    sanctions = [e for e in sdn2024.entities if e.schema.name == "Sanction"]
    assert len(sanctions) == 14965
    assert list(sdn2024.files) == ["sdn.csv"]
    # Every target says where it comes from.
    assert all(e.get("topics") == ["sanction"] for e in sdn2024.targets)
    assert sum(1 for e in sdn2024.targets if "RUSSIA-EO14024" in e.get("programId")) > 4000


def test_2021_counts_and_files(sdn2021: ParseResult) -> None:
    assert len(sdn2021.targets) == 8976
    assert set(sdn2021.files) == {"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"}
    assert "orphan_row" not in sdn2021.warning_counts()


def test_2023_header_variant(sdn2023: ParseResult, sdn2021: ParseResult, sdn2024: ParseResult) -> None:
    """The re-exported 2023 files (header rows, rewritten quoting, a
    ``\\x1a,,,`` EOF row) parse to the same shape as OFAC's own files."""
    assert len(sdn2023.targets) == 11443
    assert "orphan_row" not in sdn2023.warning_counts()
    new, old = by_source_id(sdn2023), by_source_id(sdn2021)
    assert new["306"].get("name") == old["306"].get("name") == ["BANCO NACIONAL DE CUBA"]
    assert new["306"].get("weakAlias") == ["BNC"]
    assert "Zweierstrasse 35, Zurich CH-8022, Switzerland" in new["306"].get("address")
    assert {"ch", "es", "jp", "pa"} <= set(new["306"].get("country"))
    later = by_source_id(sdn2024)["4243"]
    assert new["4243"].schema.name == later.schema.name == "Vessel"
    assert new["4243"].get("imoNumber") == later.get("imoNumber") == ["IMO7406784"]
    assert new["4243"].get("flag") == later.get("flag") == ["pa"]
    assert new["4243"].get("tonnage") == later.get("tonnage") == ["2595"]


def test_consolidated_folder(cons: ParseResult) -> None:
    assert cons.dataset == "us_ofac_cons"
    assert len(cons.targets) == 442
    assert set(cons.files) == {"cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"}
    haniya = by_source_id(cons)["9639"]
    assert haniya.schema.name == "Person"
    assert haniya.get("birthDate") == ["1962"]
    assert "HANIYYA, Ismaeel" in haniya.get("alias")


# --- real records ------------------------------------------------------------


def test_qods_aviation_2024(sdn2024: ParseResult) -> None:
    qods = by_source_id(sdn2024)["16418"]
    assert qods.id == entity_id("us_ofac_sdn", "16418")
    assert qods.schema.name == "Organization"
    assert qods.get("name") == ["QODS AVIATION INDUSTRIES"]
    assert qods.get("programId") == ["NPWMD", "IFSR", "IRAN-CON-ARMS-EO", "RUSSIA-EO14024"]
    assert qods.get("registrationNumber") == ["483250"]
    assert qods.get("idNumber") == ["14005441856"]
    assert "Linked To: MINISTRY OF DEFENSE AND ARMED FORCES LOGISTICS" in qods.first("notes")
    sanction = entity_by_id(sdn2024, f"{qods.id}-sanction")
    assert sanction.get("entity") == [qods.id]
    assert sanction.get("authority") == ["US Treasury OFAC"]
    assert sanction.get("authorityId") == ["16418"]
    assert sanction.get("programId") == qods.get("programId")
    assert sanction.get("provisions") == ["Additional Sanctions Information - Subject to Secondary Sanctions"]


def test_qods_aviation_2021_aliases_and_addresses(sdn2021: ParseResult) -> None:
    qods = by_source_id(sdn2021)["16418"]
    assert qods.get("programId") == ["NPWMD", "IFSR"]
    assert "GHODS AVIATION INDUSTRIES" in qods.get("alias")
    assert "QODS RESEARCH CENTER" in qods.get("alias")
    assert len(qods.get("address")) == 3
    assert qods.get("country") == ["ir"]


def test_ghoreishi_person(sdn2024: ParseResult) -> None:
    records = by_source_id(sdn2024)
    person = records["39096"]
    assert person.schema.name == "Person"
    assert person.get("name") == ["GHOREISHI, Seyed Hojatollah"]
    assert person.get("lastName") == ["GHOREISHI"]
    assert person.get("firstName") == ["Seyed Hojatollah"]
    assert person.get("birthDate") == ["1964-09-27"]
    assert person.get("gender") == ["male"]
    assert person.get("nationality") == ["ir"]
    assert set(person.get("passportNumber")) == {"D10003923", "N42881363", "D9021706", "D10007155", "A59655618"}
    assert person.get("idNumber") == ["5929869741"]
    assert links_from(sdn2024, person) == {records["16418"].id, records["10392"].id}
    assert records["10392"].get("name") == ["MINISTRY OF DEFENSE AND ARMED FORCES LOGISTICS"]


def test_vessel_with_imo_mmsi_and_flags(sdn2024: ParseResult) -> None:
    vessel = by_source_id(sdn2024)["15036"]
    assert vessel.schema.name == "Vessel"
    assert vessel.get("name") == ["ARTAVIL"]
    assert vessel.get("imoNumber") == ["IMO9187629"]
    assert vessel.get("mmsi") == ["572469210"]
    assert vessel.get("callSign") == ["T2EU4"]
    assert vessel.get("type") == ["Crude/Oil Products Tanker"]
    assert vessel.get("tonnage") == ["99144"]
    assert vessel.get("grossRegisteredTonnage") == ["56068"]
    assert vessel.get("flag") == ["ir"]
    assert set(vessel.get("pastFlags")) == {"mt", "tv", "tz"}
    assert vessel.get("previousName") == ["ALPHA"]
    vessels_with_imo = [e for e in sdn2024.targets if e.schema.name == "Vessel" and e.get("imoNumber")]
    assert len(vessels_with_imo) > 700


def test_several_dates_of_birth(sdn2024: ParseResult) -> None:
    records = by_source_id(sdn2024)
    assert set(records["39096"].get("birthDate")) == {"1964-09-27"}
    nasrallah = [e for e in sdn2024.targets if e.get("name") == ["NASRALLAH, Hasan"]][0]
    assert set(nasrallah.get("birthDate")) == {"1960-08-31", "1953-08-31", "1955-08-31", "1958-08-31"}
    # "DOB 1951 to 1953" means any of those years.
    assert set(records["20439"].get("birthDate")) == {"1951", "1952", "1953"}
    # A range of full dates keeps both ends.
    assert set(records["15962"].get("birthDate")) == {"1961-01-01", "1962-12-31"}


def test_remark_aliases(sdn2024: ParseResult, sdn2021: ParseResult) -> None:
    records = by_source_id(sdn2024)
    # a.k.a. in remarks is weak; alt.csv akas are strong.
    assert records["306"].get("weakAlias") == ["BNC"]
    assert "NATIONAL BANK OF CUBA" in by_source_id(sdn2021)["306"].get("alias")
    assert records["4243"].get("previousName") == ["ANA I", "SAND SWAN"]
    lgok = records["41920"]
    assert lgok.get("alias") == ["LGOK"]  # n.k.a.
    assert lgok.get("taxNumber") == lgok.get("innCode") == ["3127000014"]
    assert lgok.get("registrationNumber") == lgok.get("ogrnCode") == ["1023102257914"]
    assert lgok.get("incorporationDate") == ["1971"]


def test_comments_continue_remarks(sdn2021: ParseResult) -> None:
    """sdn_comments.csv continues remarks cut mid-word in sdn.csv."""
    records = by_source_id(sdn2021)
    hacker = records["28263"]
    assert "snowsjohn" in hacker.get("weakAlias")
    assert hacker.first("notes").endswith("a.k.a. 'snowsjohn'; Linked To: LAZARUS GROUP.")
    assert links_from(sdn2021, hacker) == {records["27307"].id}


def test_unresolved_links_are_warned(sdn2024: ParseResult) -> None:
    unresolved = [w for w in sdn2024.warnings if w.code == "link_unresolved"]
    assert 0 < len(unresolved) < 20
    assert all(w.record and w.line for w in unresolved)
    links = [e for e in sdn2024.entities if e.schema.name == "UnknownLink"]
    assert len(links) > 6000
    assert all(link.get("subject") and link.get("object") for link in links)


def test_single_primary_file_uses_siblings(lists_dir: Path) -> None:
    result = ofac_csv.parse(lists_dir / "ofac_cons" / "cons_prim.csv")
    assert result.dataset == "us_ofac_cons"
    assert "cons_alt.csv" in result.files
    assert "HANIYYA, Ismaeel" in by_source_id(result)["9639"].get("alias")


def test_gzipped_copies(lists_dir: Path, tmp_path: Path, cons: ParseResult) -> None:
    for src in (lists_dir / "ofac_cons").iterdir():
        (tmp_path / f"{src.name}.gz").write_bytes(gzip.compress(src.read_bytes()))
    assert ofac_csv.sniff(tmp_path)
    result = ofac_csv.parse(tmp_path)
    assert result.files == cons.files
    assert [e.to_dict() for e in result.entities] == [e.to_dict() for e in cons.entities]


@pytest.mark.slow
def test_2025_alt_add_joined_to_2024_sdn(lists_dir: Path, tmp_path: Path) -> None:
    """The manifest's suggested join: newer entities exist only in alt/add."""
    (tmp_path / "sdn.csv").symlink_to(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    for name in ("alt.csv", "add.csv"):
        (tmp_path / name).symlink_to(lists_dir / "ofac_sdn_2025" / name)
    result = ofac_csv.parse(tmp_path)
    assert len(result.targets) == 14965
    orphans = [w for w in result.warnings if w.code == "orphan_row"]
    assert len(orphans) > 1000
    assert {Path(w.path).name for w in orphans} == {"alt.csv", "add.csv"}
    first = orphans[0]
    assert "not in sdn.csv" in first.message and "orphan 1 of" in first.message
    assert int(first.record or 0) > 0
    assert "GHODS AVIATION INDUSTRIES" in by_source_id(result)["16418"].get("alias")


# --- bad and odd input ---------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_orphan_alias_rows_are_warned(tmp_path: Path) -> None:
    write(tmp_path / "sdn.csv", row(1, "ALPHA CO") + row(2, "BETA CO"))
    write(tmp_path / "alt.csv", '1,10,"aka","ALPHA TRADING",-0- \r\n7,11,"aka","GHOST",-0- \r\n')
    write(tmp_path / "add.csv", '9,12,"Street 1","Tehran","Iran",-0- \r\n')
    result = ofac_csv.parse(tmp_path)
    assert by_source_id(result)["1"].get("alias") == ["ALPHA TRADING"]
    orphans = [w for w in result.warnings if w.code == "orphan_row"]
    assert [(Path(w.path).name, w.line, w.record) for w in orphans] == [("alt.csv", 2, "7"), ("add.csv", 1, "9")]
    assert "orphan 1 of 1 in alt.csv" in orphans[0].message


def test_unresolved_link_keeps_text(tmp_path: Path) -> None:
    write(tmp_path / "sdn.csv", row(1, "ALPHA CO", remarks='"Linked To: NOBODY LTD."'))
    result = ofac_csv.parse(tmp_path)
    assert result.warning_counts() == {"link_unresolved": 1}
    assert by_source_id(result)["1"].get("notes") == ["Linked To: NOBODY LTD."]


def test_truncated_file(lists_dir: Path, tmp_path: Path) -> None:
    lines = (lists_dir / "ofac_cons" / "cons_prim.csv").read_bytes().split(b"\r\n")
    broken = b"\r\n".join(lines[:5]) + b"\r\n" + lines[5][:-6]
    assert broken.count(b'"') % 2 == 1  # cut inside a quoted field
    path = tmp_path / "sdn.csv"
    path.write_bytes(broken)
    with pytest.raises(ListFormatError) as err:
        ofac_csv.parse(tmp_path)
    assert err.value.line == 6
    assert str(path) in str(err.value) and "line 6" in str(err.value)


def test_truncated_before_remarks(tmp_path: Path) -> None:
    path = write(tmp_path / "sdn.csv", row(1, "ALPHA CO") + '2,"BETA CO",-0- ,"SDGT",-0- ')
    with pytest.raises(ListFormatError, match="line 2: expected 12 fields, found 5") as err:
        ofac_csv.parse(path)
    assert str(path) in str(err.value)


def test_wrong_column_count(tmp_path: Path) -> None:
    text = row(1, "ALPHA CO") + row(2, "BETA CO") + '3,"GAMMA CO",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- \r\n'
    path = write(tmp_path / "sdn.csv", text)
    with pytest.raises(ListFormatError, match=r"sdn\.csv, line 3: expected 12 fields, found 8"):
        ofac_csv.parse(path)
    extra = row(1, "ALPHA CO").rstrip("\r\n") + ',"surplus"\r\n'
    write(tmp_path / "sdn.csv", extra)
    with pytest.raises(ListFormatError, match="line 1: expected 12 fields, found 13"):
        ofac_csv.parse(path)


def test_empty_file_and_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "sdn.csv", "\x1a")
    with pytest.raises(ListFormatError, match="empty"):
        ofac_csv.parse(path)
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(ListFormatError, match="no OFAC primary file"):
        ofac_csv.parse(empty)


def test_duplicate_entity_number(tmp_path: Path) -> None:
    path = write(tmp_path / "sdn.csv", row(1, "ALPHA CO") + row(2, "BETA CO") + row(1, "ALPHA AGAIN"))
    with pytest.raises(ListFormatError, match=r"line 3: entity number 1 appears twice \(lines 1 and 3\)"):
        ofac_csv.parse(path)


def test_non_numeric_entity_number(tmp_path: Path) -> None:
    path = write(tmp_path / "sdn.csv", row(1, "ALPHA CO") + row(2, "BETA CO").replace("2,", "X2,", 1))
    with pytest.raises(ListFormatError, match="line 2: entity number 'X2' is not a number"):
        ofac_csv.parse(path)


def test_not_an_ofac_file(lists_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    with pytest.raises(ListFormatError, match="not an OFAC CSV") as err:
        ofac_csv.parse(tmp_path)
    assert err.value.line == 1 and str(path) in str(err.value)
    shutil.copy(lists_dir / "csl_2019" / "csl.csv", path)
    with pytest.raises(ListFormatError, match="not an OFAC CSV"):
        ofac_csv.parse(path)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = row(1, "CAFÉ NOIRÉ S.A.", remarks='"a.k.a. \'CAFÉ\'."') + row(2, "BÖRSE, Jürgen", "individual")
    path = tmp_path / "sdn.csv"
    path.write_bytes(prefix + text.encode(encoding))
    assert ofac_csv.sniff(path)
    result = ofac_csv.parse(path)
    records = by_source_id(result)
    assert records["1"].get("name") == ["CAFÉ NOIRÉ S.A."]
    assert records["1"].get("weakAlias") == ["CAFÉ"]
    assert records["2"].get("firstName") == ["Jürgen"]
    codes = result.warning_counts()
    assert codes == ({"encoding": 1} if encoding == "cp1252" else {})


# --- sniffing ------------------------------------------------------------------


def test_sniff_true(lists_dir: Path) -> None:
    for name in ("ofac_sdn_2021", "ofac_sdn_2023", "ofac_sdn_2024", "ofac_cons"):
        assert ofac_csv.sniff(lists_dir / name), name
    assert ofac_csv.sniff(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    assert ofac_csv.sniff(lists_dir / "ofac_sdn_2023" / "sdn.csv")


def test_sniff_false(lists_dir: Path, tmp_path: Path) -> None:
    for name in (
        "un/consolidated.xml",
        "ofac_cons_2026/ofac.xml",
        "eu_un_ofac_aggregate_2026/all.json",
        "csl_2019/csl.csv",
        "csl_2025_sample/consolidated.csv",
        "bis_dpl/dpl.txt",
        "uk_sanctions_list_2026",
        "uk_sanctions_list_2026/subjects.csv",
        "uk_sanctions_list_2025/FCDO_SL_Mon_Aug 11 2025.ods",
        "ofac_sdn_2025",  # alt/add only, no primary file
        "ofac_sdn_2021/alt.csv",
        "ofac_sdn_2021/add.csv",
        "does-not-exist",
    ):
        assert not ofac_csv.sniff(lists_dir / name), name
    assert not ofac_csv.sniff(write(tmp_path / "empty.csv", ""))
