"""Behaviour pinned with real listed names from the bundled lists."""

from __future__ import annotations

import pytest

from chokepoint.matching.records import PartyQuery


def ids(matches):
    return [m.record.entity_id for m in matches]


def test_quds_aviation_finds_ofac_16418(screen):
    matches = screen("Quds Aviation Industry Co.", "Company")
    sdn = [m for m in matches if m.record.dataset == "us_ofac_sdn"]
    assert sdn, ids(matches)
    assert sdn[0].record.source_id == "16418"
    assert "QODS" in sdn[0].record.caption
    assert {"NPWMD", "IFSR"} <= set(sdn[0].record.programs)
    name = sdn[0].explanation.name
    hows = {w.query: w.how for w in name.words}
    assert hows["quds"] in {"spelling-family", "exact"}


def test_cyrillic_query_finds_russian_listed_person(screen):
    matches = screen("Владимир Путин", "Person")
    assert any(m.record.dataset == "us_ofac_sdn" and m.record.source_id == "35096" for m in matches)


def test_arabic_query_finds_un_original_script_name(screen):
    # UN CDi.001 is not Arabic; the UN lists Saddam Hussein al-Tikriti's
    # family with Arabic original-script names
    matches = screen("صدام حسين التكريتي", "Person")
    assert matches, "the original-script UN name must be found"
    assert any(m.record.dataset in {"un_sc_sanctions", "eu_fsf"} for m in matches)
    best = matches[0]
    assert best.explanation.name.words[0].how == "exact"


def test_common_given_name_does_not_alert_on_every_hosseini(screen, screener):
    matches = screen("Mohammed Hosseini", "Person")
    assert matches, "Mohammad HOSSEINI (UK IRN0051) is listed"
    for m in matches:
        matched = {w.query for w in m.explanation.name.words if w.how != "unmatched"}
        assert matched == {"mohammed", "hosseini"}, (m.record.caption, m.score)
    # another given name with the same family name is seen, but no alert
    record = next(r for r in screener.index.records if r.source_id == "IRN0051")
    other = screener.compare(PartyQuery.build("Reza Hosseini", "Person"), record)
    assert not other.match and other.score < 0.8


def test_exact_imo_number_finds_vessel_whatever_the_name(screen):
    matches = screen("Some Unknown Ship", "Vessel", identifier="IMO 9187655")
    assert matches and matches[0].record.source_id == "15037"  # ARK III
    assert matches[0].explanation.feature("identifier_match") is not None


@pytest.mark.parametrize(
    "name, schema",
    [
        ("Belletech Corp", "Company"),  # generic word alone (watchman #483)
        ("Global Trading Company LLC", "Company"),
        ("A-B-C Company", "Company"),  # nomenklatura #193
        ("George", "Person"),  # a given name alone
        ("George Bush", "Person"),  # watchman #115
        ("Emma Daniels", "Person"),  # watchman #338
    ],
)
def test_traps_stay_clear(screen, name, schema):
    matches = screen(name, schema)
    assert matches == [], [(m.record.caption, m.score) for m in matches]


def test_sibling_company_differing_in_one_word_stays_below(screener):
    from chokepoint.matching.compare import compare_names

    same = compare_names(screener, "Marbury Cold Chain Logistics", "Marbury Cold Chain Logistics", "Company")
    sibling = compare_names(screener, "Marbury Cold Chain Logistics", "Marbury Cold Chain Engineering", "Company")
    assert same.match and not sibling.match
    assert "different words on both sides" in sibling.name.notes


def test_person_never_matches_vessel(screen):
    matches = screen("Ark III", "Person", threshold=0.0)
    assert all(m.record.schema in {"Person", "LegalEntity"} for m in matches)


def test_joined_tokens(screen):
    matches = screen("JSCARGUMENT", "Company")
    assert any(m.record.source_id == "37447" for m in matches)
    joined = screen("JSC ARGUMENT", "Company")
    assert any(m.record.source_id == "37447" for m in joined)


def test_birth_date_conflict_lowers_the_score(screen):
    base = screen("Seyed Hojatollah Ghoreishi", "Person")
    right = screen("Seyed Hojatollah Ghoreishi", "Person", birth_date="1964-09-27")
    wrong = screen("Seyed Hojatollah Ghoreishi", "Person", birth_date="1990", threshold=0.0)
    get = lambda ms: next(m for m in ms if m.record.source_id == "39096")  # noqa: E731
    assert get(right).score >= get(base).score
    assert get(wrong).score < get(base).score
    assert get(wrong).explanation.feature("birth_date_conflict") is not None


def test_explanation_schema(screen):
    m = screen("Quds Aviation Industry Co.", "Company")[0]
    data = m.explanation.to_json()
    assert data["schema_version"] == "1.0"
    assert data["algorithm"] == "chokepoint-v1"
    assert 0.0 <= data["score"] <= 1.0 and data["match"] is True
    assert data["name"]["words"] and {"query", "candidate", "how", "similarity", "weight", "role"} <= set(
        data["name"]["words"][0]
    )
    assert data["features"][0]["name"] == "name_similarity"


def test_filters(screener):
    query = PartyQuery.build("Quds Aviation Industry Co.", "Company")
    only_un = screener.match(query, datasets={"us_ofac_sdn"})
    assert only_un and all(m.record.dataset == "us_ofac_sdn" for m in only_un)
    excluded = screener.match(query, exclude_entity_ids={m.record.entity_id for m in only_un})
    assert not set(ids(excluded)) & set(ids(only_un))
    with pytest.raises(ValueError):
        screener.match(PartyQuery.build("x", "NoSuchSchema"))


def test_exact_name_wins_among_many_near_identical_listed_names(screen, screener):
    """OFAC lists over a hundred fishing vessels "FU YUAN YU <number>" and
    persons with a dozen aliases made of the same few words; every such
    listed name screened as it is written must find its own entity with the
    best score (retrieval must not let near-identical names crowd it out)."""
    records = [r for r in screener.index.records if r.dataset == "us_ofac_sdn"]
    vessels = sorted({r.caption: r.entity_id for r in records
                      if r.schema == "Vessel" and r.caption.startswith("FU YUAN YU ")}.items())
    assert len(vessels) > 50
    for name, entity_id in vessels:
        scores = {m.record.entity_id: m.score for m in screen(name, "Vessel")}
        assert scores.get(entity_id) == 1.0, name
    # (the same person is also on the UN and EU lists: those may share the top)
    baqi = next(r for r in records if r.caption == "BARI, Abdul Baqi")
    assert len(baqi.names) > 8
    for kind, name in baqi.names:
        if kind in ("name", "alias"):
            scores = {m.record.entity_id: m.score for m in screen(name, "Person")}
            assert scores.get(baqi.entity_id) == max(scores.values()) >= 0.99, name
