"""The explanation schema: the evidence behind every score.

Versioned and stable (``EXPLANATION_SCHEMA``): fields are only ever added
in a minor version; renaming or removing one is a major version. The JSON
shape is documented in docs/explanation-schema.md and served by the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

EXPLANATION_SCHEMA = "1.0"


@dataclass(slots=True)
class WordEvidence:
    """How one query word lined up with one listed word."""

    query: str | None
    candidate: str | None
    #: exact | spelling-family | name-symbol | phonetic | skeleton | fuzzy | joined | unmatched
    how: str
    similarity: float
    #: the word's rarity-and-role weight in the name score
    weight: float
    role: str


@dataclass(slots=True)
class NameEvidence:
    """The best-matching pair of names, word by word."""

    query: str
    candidate: str
    #: name | alias | previous | weak
    candidate_kind: str
    score: float
    transliterated: bool
    words: list[WordEvidence] = field(default_factory=list)
    #: penalties and caps applied, in plain words
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FeatureEvidence:
    """One feature's contribution to the final score."""

    name: str
    #: signed contribution to the final score (the name feature: its score)
    contribution: float
    #: the feature's configured weight
    weight: float
    detail: str
    query: list[str] = field(default_factory=list)
    candidate: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Explanation:
    algorithm: str
    algorithm_version: str
    score: float
    threshold: float
    match: bool
    name: NameEvidence | None
    features: list[FeatureEvidence]
    schema_version: str = EXPLANATION_SCHEMA

    def to_json(self) -> dict:
        data = asdict(self)
        return {
            "schema_version": data.pop("schema_version"),
            **data,
        }

    def feature(self, name: str) -> FeatureEvidence | None:
        return next((f for f in self.features if f.name == name), None)
