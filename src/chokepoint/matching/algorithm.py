"""The matching algorithm's self-description: name, version, features,
weights and threshold. Served by the API at ``/algorithms`` and written
into every explanation, so a score can be traced to the exact algorithm
that produced it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    weight: float
    #: "main" features set the score; "qualifier" features adjust it
    kind: str = "qualifier"


@dataclass(frozen=True)
class Algorithm:
    name: str
    version: str
    description: str
    threshold: float
    features: tuple[Feature, ...]
    config: dict[str, float] = field(default_factory=dict)

    def weight(self, feature: str) -> float:
        for f in self.features:
            if f.name == feature:
                return f.weight
        raise KeyError(feature)

    def with_threshold(self, threshold: float) -> "Algorithm":
        return replace(self, threshold=threshold)

    def with_overrides(self, weights: dict[str, float] | None = None,
                       config: dict[str, float] | None = None) -> "Algorithm":
        """The algorithm with some feature weights or config values changed
        (a caller's per-request tuning); unknown names raise ``KeyError``."""
        weights = weights or {}
        config = config or {}
        known = {f.name for f in self.features}
        for name in weights:
            if name not in known:
                raise KeyError(f"unknown feature {name!r} (features: {', '.join(sorted(known))})")
        for name in config:
            if name not in self.config:
                raise KeyError(f"unknown config key {name!r} (keys: {', '.join(sorted(self.config))})")
        if not weights and not config:
            return self
        features = tuple(replace(f, weight=float(weights[f.name])) if f.name in weights else f
                         for f in self.features)
        return replace(self, features=features, config={**self.config, **{k: float(v) for k, v in config.items()}})

    def describe(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "threshold": self.threshold,
            "features": {
                f.name: {"description": f.description, "weight": f.weight, "kind": f.kind} for f in self.features
            },
            "config": dict(self.config),
        }


#: The version changes whenever the same query against the same list
#: versions can get another score or another set of candidates, so that a
#: stored screening names the exact matcher that produced it (minor: scores
#: or candidates change; major: the explanation schema changes).
#:
#: * 1.1.0 — retrieval counts each query word once in a listed name's share
#:   and a look-alike hit 0.95 (exact names among many near-identical
#:   listed names were crowded out of the candidates).
#: * 1.0.0 — every development release before that (scores changed between
#:   them without a new version).
CHOKEPOINT_V1 = Algorithm(
    name="chokepoint-v1",
    version="1.1.0",
    description=(
        "Rarity-weighted word alignment of names normalised with rigour (transliteration, legal forms, "
        "name symbols) plus spelling families; generic words never match alone; conflicting words, "
        "numbers, birth dates, countries and identifiers adjust the score."
    ),
    threshold=0.80,
    features=(
        Feature("name_similarity", "Best aligned name pair: matched word weight over all word weight "
                "(Dice), words weighted by rarity and role.", 1.0, "main"),
        Feature("identifier_match", "An exact strong identifier (IMO, MMSI, registration, tax, LEI, "
                "SWIFT/BIC, passport, national id) in common: the score is raised to this weight.", 0.97, "main"),
        Feature("identifier_conflict", "Both sides give an identifier of the same kind and none agree.",
                -0.15),
        Feature("birth_date_match", "A birth date agrees to the day.", 0.05),
        Feature("birth_date_conflict", "Birth years differ by more than one for every pair.", -0.20),
        Feature("country_match", "A country, nationality or citizenship in common.", 0.02),
        Feature("country_conflict", "Both sides give countries and none agree.", -0.10),
        Feature("address_match", "Addresses agree (rigour address comparison >= 0.8).", 0.03),
    ),
    config={
        "weak_alias_factor": 0.95,
        "extra_listed_word": 0.6,
        "extra_listed_person": 0.35,
        "transliterated_factor": 0.97,
        "conflict_factor": 0.80,
        "name_conflict_weight": 0.6,
        "number_missing_factor": 0.75,
        "number_conflict_factor": 0.5,
        "generic_only_cap": 0.40,
        "single_word_person_cap": 0.75,
        "rare_word_weight": 0.85,
        "min_word_similarity": 0.70,
    },
)

ALGORITHMS = {CHOKEPOINT_V1.name: CHOKEPOINT_V1}
DEFAULT_ALGORITHM = CHOKEPOINT_V1
