"""Rules as data: the condition language and the engine that evaluates it.

A ruleset is a YAML file (``data/rulesets/*.yaml``)::

    id: iran-uav-2023
    version: "1.0.0"
    title: …
    rules:
      - id: example-caspian-route
        summary: The route calls at a Caspian port named on the UAV supply route.
        level: escalate                    # review | escalate | block
        source: {ref: …, document: …, date: …, section: …}
        red_flag: …                        # optional: an id of red_flags.yaml
        when:                              # the condition
          some: route
          where: {caspian_port: true}

A condition is a mapping, one of:

* ``all: [c, …]``, ``any: [c, …]``, ``not: c``: combinators;
* ``some: COLLECTION, where: c`` (also ``every:``, ``none:``, and
  ``at_least: N`` with ``some``): quantifiers over ``parties``, ``lines``
  or ``route``; inside ``where`` fact names refer to the item;
* ``field: PATH`` with one operator (``eq``, ``ne``, ``in``, ``not_in``,
  ``contains``, ``lt``, ``lte``, ``gt``, ``gte``, ``empty``, ``matches``):
  a test of one fact, PATH like ``payment.third_country``;
* ``{FACT: TEST, …}``: shorthand for tests of several facts (all must
  hold). TEST is a value (equality; for list facts: contains), a list
  (one of; for list facts: shares one), or a mapping of operators.

Conditions are compiled when the ruleset loads: unknown keys, unknown
facts, values outside a fact's choices and bad operators are errors that
name the rule and the place in its condition. Evaluation needs no Python
per rule; it returns, for each fired rule, the parties, lines and stops
(and order facts) that satisfied it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chokepoint.trade.facts import COLLECTIONS, FactSpec, fact_catalogue
from chokepoint.trade.reference import RULESETS, ReferenceData, reference


class Level(IntEnum):
    """Assessment levels, in order."""

    CLEAR = 0
    REVIEW = 1
    ESCALATE = 2
    BLOCK = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Level":
        return cls[text.upper()]


class RuleSetError(ValueError):
    """A ruleset file is not valid; the message names the rule and place."""


# --- evaluation results ---------------------------------------------------------


@dataclass(slots=True)
class Evidence:
    """What satisfied a condition: item positions per collection, and
    order-level facts with their values."""

    items: dict[str, set[int]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: "Evidence") -> None:
        for name, indices in other.items.items():
            self.items.setdefault(name, set()).update(indices)
        self.facts.update(other.facts)


@dataclass(slots=True)
class Outcome:
    ok: bool
    evidence: Evidence = field(default_factory=Evidence)


_FALSE = Outcome(False)


# --- compiled conditions ---------------------------------------------------------


class Condition:
    """A compiled condition node."""

    def evaluate(self, facts: dict, root: bool) -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(slots=True)
class All(Condition):
    children: list[Condition]

    def evaluate(self, facts: dict, root: bool) -> Outcome:
        evidence = Evidence()
        for child in self.children:
            outcome = child.evaluate(facts, root)
            if not outcome.ok:
                return _FALSE
            evidence.merge(outcome.evidence)
        return Outcome(True, evidence)


@dataclass(slots=True)
class AnyOf(Condition):
    children: list[Condition]

    def evaluate(self, facts: dict, root: bool) -> Outcome:
        evidence, ok = Evidence(), False
        for child in self.children:
            outcome = child.evaluate(facts, root)
            if outcome.ok:
                ok = True
                evidence.merge(outcome.evidence)
        return Outcome(ok, evidence) if ok else _FALSE


@dataclass(slots=True)
class Not(Condition):
    child: Condition

    def evaluate(self, facts: dict, root: bool) -> Outcome:
        return _FALSE if self.child.evaluate(facts, root).ok else Outcome(True)


@dataclass(slots=True)
class Quantified(Condition):
    """``some`` / ``every`` / ``none`` over one collection of the order."""

    quantifier: str
    collection: str
    where: Condition
    at_least: int = 1

    def evaluate(self, facts: dict, root: bool) -> Outcome:
        items = facts.get(self.collection) or []
        hits = [item["index"] for item in items if self.where.evaluate(item, False).ok]
        if self.quantifier == "none":
            return Outcome(not hits)
        if self.quantifier == "every":
            ok = bool(items) and len(hits) == len(items)
        else:
            ok = len(hits) >= self.at_least
        return Outcome(True, Evidence({self.collection: set(hits)})) if ok else _FALSE


@dataclass(slots=True)
class FactTest(Condition):
    """One operator applied to one fact."""

    path: tuple[str, ...]
    op: str
    value: Any

    def evaluate(self, facts: dict, root: bool) -> Outcome:
        actual: Any = facts
        for part in self.path:
            actual = actual.get(part) if isinstance(actual, dict) else None
        if not apply_operator(self.op, actual, self.value):
            return _FALSE
        return Outcome(True, Evidence(facts={".".join(self.path): actual})) if root else Outcome(True)


def _as_set(value: Any) -> set:
    return set(value) if isinstance(value, (list, tuple, set, frozenset)) else {value}


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)) or (
        isinstance(a, str) and isinstance(b, str))


def apply_operator(op: str, actual: Any, expected: Any) -> bool:
    """Whether ``actual`` (a fact's value) passes ``op expected``."""
    is_list = isinstance(actual, list)
    if op == "eq":
        return expected in actual if is_list and not isinstance(expected, list) else actual == expected
    if op == "ne":
        return not apply_operator("eq", actual, expected)
    if op == "in":
        return bool(set(actual) & _as_set(expected)) if is_list else actual in _as_set(expected)
    if op == "not_in":
        return not apply_operator("in", actual, expected)
    if op == "contains":
        return is_list and bool(set(actual) & _as_set(expected))
    if op == "empty":
        return (actual in (None, "", []) or actual == []) == bool(expected)
    if op == "matches":
        return isinstance(actual, str) and expected.search(actual) is not None
    if op in ("lt", "lte", "gt", "gte"):
        if actual is None or not _comparable(actual, expected):
            return False
        return {"lt": actual < expected, "lte": actual <= expected, "gt": actual > expected,
                "gte": actual >= expected}[op]
    raise ValueError(f"unknown operator {op!r}")  # compile() never lets this happen


# --- compiling -------------------------------------------------------------------

OPERATORS = ("eq", "ne", "in", "not_in", "contains", "lt", "lte", "gt", "gte", "empty", "matches")
COMBINATORS = ("all", "any", "not")
QUANTIFIERS = ("some", "every", "none")


class _Compiler:
    """Turns a YAML condition into :class:`Condition` nodes, checking it
    against the fact catalogue."""

    def __init__(self, catalogue: dict[str, dict[str, FactSpec]], where: str) -> None:
        self.catalogue = catalogue
        self.where = where

    def fail(self, path: str, message: str) -> RuleSetError:
        return RuleSetError(f"{self.where}: when{path}: {message}")

    def compile(self, node: Any, context: str, path: str = "") -> Condition:
        if not isinstance(node, dict) or not node:
            raise self.fail(path, "a condition must be a non-empty mapping")
        keys = set(node)
        if keys & set(COMBINATORS):
            if len(keys) != 1:
                raise self.fail(path, f"{'/'.join(sorted(keys & set(COMBINATORS)))} must be the only key")
            return self._combinator(node, context, path)
        if keys & set(QUANTIFIERS):
            return self._quantified(node, context, path)
        if "field" in keys:
            return self._field(node, context, path)
        tests = [self._fact(name, test, context, f"{path}.{name}") for name, test in node.items()]
        return tests[0] if len(tests) == 1 else All(tests)

    def _combinator(self, node: dict, context: str, path: str) -> Condition:
        (key, value), = node.items()
        if key == "not":
            return Not(self.compile(value, context, f"{path}.not"))
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"{key} needs a non-empty list of conditions")
        children = [self.compile(c, context, f"{path}.{key}[{i}]") for i, c in enumerate(value)]
        return All(children) if key == "all" else AnyOf(children)

    def _quantified(self, node: dict, context: str, path: str) -> Condition:
        if context != "order":
            raise self.fail(path, "some/every/none can only be used at the order level, not inside where")
        quantifier = next(q for q in QUANTIFIERS if q in node)
        allowed = {quantifier, "where"} | ({"at_least"} if quantifier == "some" else set())
        extra = set(node) - allowed
        if extra:
            raise self.fail(path, f"unexpected key(s) {', '.join(sorted(map(str, extra)))} with {quantifier}")
        collection = node[quantifier]
        if collection not in COLLECTIONS:
            raise self.fail(path, f"{quantifier}: {collection!r} is not one of {', '.join(COLLECTIONS)}")
        at_least = node.get("at_least", 1)
        if not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1:
            raise self.fail(path, "at_least must be a whole number of at least 1")
        where = node.get("where")
        condition = self.compile(where, collection, f"{path}.where") if where is not None else All([])
        return Quantified(quantifier, collection, condition, at_least)

    def _field(self, node: dict, context: str, path: str) -> Condition:
        ops = [k for k in node if k != "field"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            raise self.fail(path, f"field needs exactly one operator ({', '.join(OPERATORS)})")
        return self._test(str(node["field"]), ops[0], node[ops[0]], context, path)

    def _fact(self, name: str, test: Any, context: str, path: str) -> Condition:
        if isinstance(test, dict):
            if not test or any(op not in OPERATORS for op in test):
                raise self.fail(path, f"operators must be among {', '.join(OPERATORS)}")
            tests: list[Condition] = [self._test(name, op, value, context, path) for op, value in test.items()]
            return tests[0] if len(tests) == 1 else All(tests)
        return self._test(name, "in" if isinstance(test, list) else "eq", test, context, path)

    def _test(self, name: str, op: str, value: Any, context: str, path: str) -> FactTest:
        spec = self._spec(name, context, path)
        value = _plain(value)
        if op == "matches":
            try:
                value = re.compile(str(value), re.I)
            except re.error as exc:
                raise self.fail(path, f"bad regular expression: {exc}") from exc
        elif op == "empty" and not isinstance(value, bool):
            raise self.fail(path, "empty takes true or false")
        elif op in ("lt", "lte", "gt", "gte") and not isinstance(value, (int, float, str)):
            raise self.fail(path, f"{op} takes a number or a date")
        if spec.choices and op in ("eq", "ne", "in", "not_in", "contains"):
            bad = [v for v in _as_set(value) if v not in spec.choices and v is not None]
            if bad:
                raise self.fail(path, f"{name}: {', '.join(map(repr, bad))} is not one of "
                                      f"{', '.join(spec.choices)}")
        return FactTest(tuple(name.split(".")), op, value)

    def _spec(self, name: str, context: str, path: str) -> FactSpec:
        parts = name.split(".")
        if context == "order" and parts[0] == "payment" and len(parts) == 2:
            spec = self.catalogue["payment"].get(parts[1])
        elif len(parts) == 1:
            spec = self.catalogue[context].get(parts[0])
        else:
            spec = None
        if spec is None:
            known = ", ".join(self.catalogue[context]) + (
                ", payment.*" if context == "order" else "")
            raise self.fail(path, f"unknown fact {name!r} for {context} (known: {known})")
        return spec


def _plain(value: Any) -> Any:
    """YAML dates become ISO text (facts hold dates as text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- rulesets ---------------------------------------------------------------------


class SourceCitation(BaseModel):
    """Where a rule comes from."""

    model_config = ConfigDict(extra="forbid")
    ref: str
    document: str
    date: str
    section: str

    def to_json(self) -> dict:
        return {"document": self.document, "date": self.date, "section": self.section, "ref": self.ref}


class RuleSpec(BaseModel):
    """A rule as written in the YAML file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    summary: str
    level: Literal["review", "escalate", "block"]
    source: SourceCitation
    red_flag: str | None = None
    note: str | None = None
    when: Any


class RuleSetSpec(BaseModel):
    """A ruleset file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    version: str
    title: str
    description: str | None = None
    rules: list[RuleSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule."""

    id: str
    ruleset: str
    summary: str
    level: Level
    source: SourceCitation
    red_flag: str | None
    note: str | None
    condition: Condition


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A compiled ruleset."""

    id: str
    version: str
    title: str
    description: str | None
    rules: tuple[Rule, ...]
    path: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "version": self.version, "title": self.title, "rules": len(self.rules)}


def compile_ruleset(data: object, ref: ReferenceData | None = None, where: str = "ruleset") -> RuleSet:
    """Validate and compile ruleset data (raises :class:`RuleSetError`)."""
    ref = ref or reference()
    try:
        spec = RuleSetSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_spec_location(data, e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise RuleSetError(f"{where}: {problems}") from exc
    catalogue = fact_catalogue(ref)
    rules, seen = [], set()
    for item in spec.rules:
        at = f"{where}: rule {item.id}"
        if item.id in seen:
            raise RuleSetError(f"{at}: the id is used twice")
        seen.add(item.id)
        if item.source.ref not in ref.documents:
            raise RuleSetError(f"{at}: source.ref {item.source.ref!r} is not a document of the reference data")
        if item.red_flag and item.red_flag not in ref.red_flags:
            raise RuleSetError(f"{at}: red_flag {item.red_flag!r} is not in red_flags.yaml")
        condition = _Compiler(catalogue, at).compile(item.when, "order")
        rules.append(Rule(item.id, spec.id, item.summary, Level.parse(item.level), item.source, item.red_flag,
                          item.note, condition))
    return RuleSet(spec.id, spec.version, spec.title, spec.description, tuple(rules))


def _spec_location(data: object, loc: tuple) -> str:
    """``rules.3.level`` → ``rule iran-uav-x: level`` where the rule has an id."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(data, dict):
        rules = data.get("rules")
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        if isinstance(rule, dict) and rule.get("id"):
            return f"rule {rule['id']}: " + ".".join(map(str, loc[2:]))
    return ".".join(map(str, loc))


def load_ruleset(path: Path, ref: ReferenceData | None = None) -> RuleSet:
    """Read and compile one ruleset file."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleSetError(f"{path}: {exc}") from exc
    ruleset = compile_ruleset(data, ref, path.name)
    return RuleSet(ruleset.id, ruleset.version, ruleset.title, ruleset.description, ruleset.rules, str(path))


@cache
def bundled_rulesets() -> tuple[RuleSet, ...]:
    """The rulesets that ship with chokepoint (``data/rulesets``)."""
    sets = tuple(load_ruleset(p) for p in sorted(RULESETS.glob("*.yaml")))
    ids = [r.id for s in sets for r in s.rules]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RuleSetError(f"rule ids used in more than one ruleset: {', '.join(dup)}")
    return sets


# --- the engine ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose condition held, with what satisfied it."""

    rule: Rule
    evidence: Evidence


def evaluate(rulesets: Iterable[RuleSet], facts: dict) -> list[FiredRule]:
    """Every rule whose condition holds for ``facts``, highest level first
    (then in ruleset order)."""
    fired = []
    for ruleset in rulesets:
        for rule in ruleset.rules:
            outcome = rule.condition.evaluate(facts, True)
            if outcome.ok:
                fired.append(FiredRule(rule, outcome.evidence))
    fired.sort(key=lambda f: -f.rule.level)
    return fired


def order_level(fired: Iterable[FiredRule]) -> Level:
    """The highest level raised (clear when no rule fired)."""
    return max((f.rule.level for f in fired), default=Level.CLEAR)
