"""Property tests: any input is safe, scores stay in range, a listed name
scores highest against itself."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from chokepoint.matching.compare import compare_names
from chokepoint.matching.normalize import normalize_name
from chokepoint.matching.records import PartyQuery

SCHEMATA = st.sampled_from(["Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane"])
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)

common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@common
@given(TEXT, SCHEMATA)
def test_normalize_never_crashes(text, schema):
    for form in normalize_name(text, schema):
        assert form.tokens and all(t.text for t in form.tokens)


@common
@given(TEXT, SCHEMATA)
def test_screening_arbitrary_input(screener, text, schema):
    for match in screener.match(PartyQuery.build(text, schema), threshold=0.0, limit=5):
        assert 0.0 <= match.score <= 1.0
        assert 0.0 <= match.explanation.name.score <= 1.0


@common
@given(TEXT, TEXT, SCHEMATA)
def test_pair_scores_in_range(screener, a, b, schema):
    explanation = compare_names(screener, a, b, schema)
    assert 0.0 <= explanation.score <= 1.0
    assert explanation.match == (explanation.score >= explanation.threshold)


@common
@given(st.data())
def test_listed_name_scores_highest_against_itself(screener, data):
    record = data.draw(st.sampled_from(screener.index.records))
    kind, name = data.draw(st.sampled_from(record.names))
    if kind == "weak":
        return
    self_score = compare_names(screener, name, name, record.schema).score
    other = data.draw(st.sampled_from(screener.index.records))
    other_name = other.names[0][1]
    assert compare_names(screener, name, other_name, record.schema).score <= self_score
    forms = normalize_name(name, record.schema)
    single_person_word = record.schema == "Person" and any(f.one_word for f in forms)
    if forms and not single_person_word:
        assert self_score >= 0.95, (name, self_score)
