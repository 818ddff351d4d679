"""The FollowTheMoney JSON lines parser: plain, nested and delta forms."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import ftm_json
from chokepoint.lists.parsers.base import ListFormatError, ParseResult


@pytest.fixture(scope="module")
def os_dir(lists_dir: Path) -> Path:
    return lists_dir / "opensanctions_ftm"


@pytest.fixture(scope="module")
def zala(os_dir: Path) -> ParseResult:
    return ftm_json.parse(os_dir / "yente_zala" / "entities.ftm.json", "opensanctions")


def _by_id(result: ParseResult) -> dict:
    return {e.id: e for e in result.entities}


def _line(entity: dict, op: str | None = None) -> str:
    return json.dumps({"op": op, "entity": entity} if op else entity, ensure_ascii=False)


def _entity(entity_id: str, name: str, schema: str = "Company", **extra: object) -> dict:
    return {"id": entity_id, "schema": schema, "properties": {"name": [name]}, **extra}


# --- the Zala cluster --------------------------------------------------------------------


def test_zala_counts(zala: ParseResult) -> None:
    schemata = Counter(e.schema.name for e in zala.entities)
    assert schemata == {
        "Sanction": 41, "Ownership": 14, "Company": 11, "Address": 11,
        "Person": 6, "Family": 4, "Directorship": 3, "Passport": 1,
    }
    assert len(zala.targets) == 17
    assert zala.published == date(2026, 4, 29)
    assert zala.format == "ftm_json"
    assert list(zala.files) == ["entities.ftm.json"]


def test_zala_ids_datasets_and_context(zala: ParseResult) -> None:
    entities = _by_id(zala)
    zakharov = entities["NK-aU5ybkbRFJucf8YMwsJvDw"]
    assert zakharov.schema.name == "Person"
    assert "Aleksandr Vyacheslavovich Zakharov" in zakharov.get("name")
    context = zakharov.context
    assert "us_ofac_sdn" in context["datasets"] and "eu_fsf" in context["datasets"]
    assert context["source_id"] == "NK-aU5ybkbRFJucf8YMwsJvDw"
    assert context["target"] is True
    assert {"first_seen", "last_seen", "last_change", "referents", "caption"} <= set(context)
    zala_aero = entities["NK-cPks3aTbes8k4aCerfBAzN"]
    assert zala_aero.caption == 'Joint-Stock Company "Zala Aero"'


def test_zala_sanctions_and_relations(zala: ParseResult) -> None:
    entities = _by_id(zala)
    sanctioned = Counter(s.get("entity")[0] for s in zala.entities if s.schema.name == "Sanction")
    cst = "NK-abdzbEBkqyT29GyREbiURZ"  # LLC CST, the Zala Aero group company
    assert entities[cst].caption == 'Limited Liability Company "CST"'
    assert sanctioned == {cst: 28, "NK-aU5ybkbRFJucf8YMwsJvDw": 13}
    authorities = {a for s in zala.entities if s.schema.name == "Sanction" for a in s.get("authority")}
    assert "ГУР МО України" in authorities
    # every Ownership / Family / Directorship links two loaded entities
    for edge in (e for e in zala.entities if e.schema.edge):
        assert edge.get(edge.schema.edge_source)[0] in entities
        assert edge.get(edge.schema.edge_target)[0] in entities
    uav = [s for s in zala.entities if s.schema.name == "Sanction" and "UA-WS-UAVS" in s.get("programId")]
    assert uav and uav[0].context["datasets"] == ["ua_war_sanctions"]


def test_zala_invalid_value_is_warned(zala: ParseResult) -> None:
    # one Company.phone holds three numbers in one string
    assert zala.warning_counts() == {"invalid_value": 1}
    assert "Company.phone" in zala.warnings[0].message


def test_values_survive_validation(os_dir: Path, zala: ParseResult) -> None:
    entities = _by_id(zala)
    lines = (os_dir / "yente_zala" / "entities.ftm.json").read_text(encoding="utf-8").splitlines()
    for raw in map(json.loads, lines):
        for prop, values in raw["properties"].items():
            if prop == "phone":
                continue
            assert set(entities[raw["id"]].get(prop)) == set(values), (raw["id"], prop)


def test_multilingual_names(os_dir: Path) -> None:
    result = ftm_json.parse(os_dir / "yente_t1" / "entities.ftm.json", "opensanctions")
    assert len(result.entities) == 7
    inter = _by_id(result)["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert len(inter.get("name")) == 12  # one per language
    assert "Общество с ограниченной ответственностью “Интер Тобако”" in inter.get("name")
    assert all(e.context["datasets"] == ["eu_fsf"] for e in result.entities)


# --- nested form -----------------------------------------------------------------------


def test_nested_entities_are_flattened(os_dir: Path) -> None:
    result = ftm_json.parse(os_dir / "zavod_export_sample_wd_persons" / "targets.nested.json", "wd_persons")
    entities = _by_id(result)
    assert Counter(e.schema.name for e in result.entities) == {"Person": 9, "Family": 4, "Occupancy": 5}
    hariri = entities["Q296771"]
    assert hariri.get("familyPerson", quiet=True) == []
    families = [e for e in result.entities if e.schema.name == "Family" and e.get("person") == ["Q296771"]]
    assert len(families) == 4
    relatives = {r for f in families for r in f.get("relative")}
    assert "Q20424718" in relatives and "Q20424718" in entities  # Nidal Boustany, nested in a Family
    assert entities["Q20424718"].context["datasets"] == ["wd_persons"]
    assert entities["Q20424718"].context["target"] is False


def test_folder_with_nested_file(os_dir: Path) -> None:
    result = ftm_json.parse(os_dir / "zavod_export_sample_wd_persons", "wd_persons")
    assert list(result.files) == ["targets.nested.json"]
    assert len(result.entities) == 18


# --- deltas ------------------------------------------------------------------------------


def test_delta_folder(os_dir: Path) -> None:
    result = ftm_json.parse(os_dir / "yente_t2_deltas", "opensanctions")
    entities = _by_id(result)
    assert set(entities) == {"NK-2T3S8Hu29ktYnKSTgQp2wL", "NK-2sJaJRaPJcWUfMbHjTtWcL", "Q4365364"}
    assert "NK-500Poltergeist" not in entities  # ADDed, then DELeted
    modified = entities["NK-2T3S8Hu29ktYnKSTgQp2wL"]  # ADDed as AL-QAIDA IN IRAQ, then MODified
    assert modified.get("name") == ["Foobar Foobargroup", "IRGC", "Iranian Revolutionary Guard Corps"]
    assert modified.get("alias") == []  # MOD replaces the whole entity
    assert len(result.files) == 6  # the index and five version files (one empty)
    assert result.published == date(2024, 5, 28)
    assert result.warnings == []


def test_delta_ops_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "entities.delta.json"
    path.write_text("\n".join([
        _line(_entity("a", "Alpha"), "ADD"),
        _line(_entity("b", "Beta"), "ADD"),
        _line(_entity("a", "Alpha Two", last_change="2024-06-01T00:00:00"), "MOD"),
        _line({"id": "b"}, "DEL"),
        _line({"id": "zz"}, "DEL"),
    ]) + "\n", encoding="utf-8")
    assert ftm_json.sniff(path)
    result = ftm_json.parse(path)
    (alpha,) = result.entities
    assert alpha.get("name") == ["Alpha Two"]
    assert alpha.context["datasets"] == ["opensanctions"]
    assert result.published == date(2024, 6, 1)
    assert result.warning_counts() == {"delete_unknown": 1}


def test_plain_fragments_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text(_line(_entity("a", "Alpha")) + "\n" + _line(_entity("a", "Alfa")) + "\n")
    (entity,) = ftm_json.parse(path).entities
    assert entity.get("name") == ["Alpha", "Alfa"]


# --- bad input ----------------------------------------------------------------------------


def test_truncated_json_names_file_and_line(tmp_path: Path, os_dir: Path) -> None:
    lines = (os_dir / "yente_zala" / "entities.ftm.json").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(lines[:2] + [lines[2][:200]]), encoding="utf-8")
    with pytest.raises(ListFormatError) as err:
        ftm_json.parse(path)
    assert err.value.line == 3
    assert f"{path}, line 3" in str(err.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_bytes(b"")
    assert not ftm_json.sniff(path)
    with pytest.raises(ListFormatError, match="empty"):
        ftm_json.parse(path)


def test_utf16_file_loads(tmp_path: Path, os_dir: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    text = (os_dir / "yente_t1" / "entities.ftm.json").read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16"))
    assert ftm_json.sniff(path)
    assert len(ftm_json.parse(path).entities) == 7


def test_wrong_file_type(tmp_path: Path, lists_dir: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    assert not ftm_json.sniff(path)
    with pytest.raises(ListFormatError) as err:
        ftm_json.parse(path)
    assert str(path) in str(err.value)
    assert err.value.line == 1


def test_non_object_line(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text(_line(_entity("a", "Alpha")) + "\n[1, 2]\n")
    with pytest.raises(ListFormatError, match="line 2.*expected a JSON object"):
        ftm_json.parse(path)


def test_unknown_schema_and_bad_properties(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join([
        _line(_entity("a", "Alpha")),
        _line(_entity("u", "Unicorn", schema="Unicorn")),
        _line({"id": "p", "schema": "Person", "properties": {
            "name": ["Pat"], "birthDate": ["not a date"], "shoeSize": ["44"]}}),
    ]) + "\n")
    result = ftm_json.parse(path)
    assert sorted(e.id for e in result.entities) == ["a", "p"]
    assert result.warning_counts() == {"unknown_schema": 1, "invalid_value": 1, "unknown_property": 1}
    assert _by_id(result)["p"].get("birthDate") == []


def test_no_entities(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text('{"foo": 1}\n')
    with pytest.raises(ListFormatError, match="no FollowTheMoney entities"):
        ftm_json.parse(path)


# --- sniffing -----------------------------------------------------------------------------


def test_sniff(os_dir: Path, lists_dir: Path) -> None:
    assert ftm_json.sniff(os_dir / "yente_zala" / "entities.ftm.json")
    assert ftm_json.sniff(os_dir / "zavod_export_sample_wd_persons" / "targets.nested.json")
    assert ftm_json.sniff(os_dir / "yente_t2_deltas")
    assert ftm_json.sniff(os_dir / "yente_t2_deltas" / "delta.json")
    assert ftm_json.sniff(os_dir / "yente_t2_deltas" / "20240528014702-pfh" / "entities.delta.json")
    assert not ftm_json.sniff(os_dir)
    assert not ftm_json.sniff(os_dir / "ua_war_sanctions" / "targets.simple.csv")
    assert not ftm_json.sniff(os_dir / "zavod_export_sample_wd_persons" / "senzing.json")
    assert not ftm_json.sniff(os_dir / "zavod_export_sample_wd_persons" / "index.json")
    assert not ftm_json.sniff(lists_dir / "un" / "consolidated.xml")
    assert not ftm_json.sniff(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    assert not ftm_json.sniff(lists_dir / "eu_un_ofac_aggregate_2026" / "all.json")
    assert not ftm_json.sniff(lists_dir / "us_restricted_parties_2026" / "bis_entity_list.json")
    assert not ftm_json.sniff(lists_dir / "restricted_parties_2026" / "restricted_parties.json")
