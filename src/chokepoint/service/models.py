"""Request and response models of the HTTP API (pydantic).

The ``/match`` models follow the field names of yente's ``/match`` so
that yente clients work unchanged; chokepoint adds ``source_id``,
``list_version`` and the full explanation on request. Responses are built
as plain dicts on the hot path and documented by these models.
"""

from __future__ import annotations

from typing import Any, Literal

from followthemoney import model
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Longest property value accepted (characters).
MAX_VALUE_LENGTH = 1000
#: Most values per property.
MAX_VALUES = 50

Scalar = str | int | float

#: Schemata a query may have (FollowTheMoney's matchable ones).
MATCHABLE_SCHEMATA = sorted(s.name for s in model.schemata.values() if s.matchable)


class EntityExample(BaseModel):
    """One party to match, in FollowTheMoney form."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str | None = Field(None, max_length=200, description="The caller's id, echoed back.")
    schema_: str = Field(..., alias="schema", max_length=60, examples=["Person"],
                         json_schema_extra={"enum": MATCHABLE_SCHEMATA},
                         description="A matchable FollowTheMoney schema: Person, Company, Organization, "
                                     "LegalEntity, Vessel, Airplane …")
    properties: dict[str, list[Scalar] | Scalar] = Field(
        default_factory=dict, examples=[{"name": ["Vladimir Putin"], "birthDate": ["1952"]}],
        description="FollowTheMoney properties of the schema; values are strings or lists of strings.")

    @field_validator("schema_")
    @classmethod
    def _known_schema(cls, value: str) -> str:
        schema = model.get(value)
        if schema is None:
            raise ValueError(f"unknown schema {value!r}")
        if not schema.matchable:
            raise ValueError(f"schema {value!r} cannot be matched (use Person, Company, Organization, "
                             "LegalEntity, Vessel or Airplane)")
        return schema.name

    @model_validator(mode="after")
    def _known_properties(self) -> "EntityExample":
        schema = model.get(self.schema_)
        cleaned: dict[str, list[str]] = {}
        for name, values in self.properties.items():
            if schema.get(name) is None:
                raise ValueError(f"properties.{name}: not a property of {schema.name}")
            items = values if isinstance(values, list) else [values]
            if len(items) > MAX_VALUES:
                raise ValueError(f"properties.{name}: more than {MAX_VALUES} values")
            texts = []
            for item in items:
                text = str(item)
                if len(text) > MAX_VALUE_LENGTH:
                    raise ValueError(f"properties.{name}: a value is longer than {MAX_VALUE_LENGTH} characters")
                if text.strip():
                    texts.append(text.strip())
            cleaned[name] = texts
        self.properties = cleaned
        return self


class EntityMatchQuery(BaseModel):
    """Body of ``POST /match/{dataset}``."""

    model_config = ConfigDict(extra="ignore")

    queries: dict[str, EntityExample] = Field(..., min_length=1,
                                              description="Parties to match, by a key the caller chooses "
                                                          "(at most `max_queries`, 100 by default).")
    weights: dict[str, float] = Field(default_factory=dict,
                                      description="Feature weights to override (see /algorithms).")
    config: dict[str, float] = Field(default_factory=dict,
                                     description="Algorithm config values to override (see /algorithms).")


class FeatureResult(BaseModel):
    score: float
    weight: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None


class ScoredEntity(BaseModel):
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str]
    referents: list[str]
    target: bool
    first_seen: str | None
    last_seen: str | None
    last_change: str | None
    score: float
    match: bool
    explanations: dict[str, FeatureResult]
    source_id: str | None = Field(None, description="The record's id in the list itself (e.g. OFAC uid).")
    list_version: str = Field(..., description="The list version this entity was read from.")
    explanation: dict | None = Field(None, description="chokepoint's full explanation (with explain=true).")


class TotalSpec(BaseModel):
    value: int
    relation: Literal["eq", "gte"] = "eq"


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntity]
    total: TotalSpec
    query: dict


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    limit: int
    call_id: str = Field(..., description="Id of the audit record of this call (`chokepoint audit show`).")


class ErrorResponse(BaseModel):
    detail: Any


class AlgorithmDocs(BaseModel):
    name: str
    description: str
    config: dict[str, float]
    features: dict[str, dict]


class AlgorithmDescription(BaseModel):
    name: str
    version: str
    description: str
    threshold: float
    features: list[str]
    docs: AlgorithmDocs
    explanation_schema: str


class AlgorithmsResponse(BaseModel):
    algorithms: list[AlgorithmDescription]
    default: str
    best: str


class ScreenRow(BaseModel):
    """One row of ``POST /screen`` (the columns of ``chokepoint screen``)."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str
    schema_: str | None = Field(None, alias="schema")
    country: str | list[str] | None = None
    birth_date: str | list[str] | None = None
    identifier: str | list[str] | None = None
    address: str | None = None
