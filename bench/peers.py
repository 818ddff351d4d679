"""The systems chokepoint is compared with.

* nomenklatura's ``logic-v2``, ``logic-v1`` and ``ofac`` algorithms (the
  scorers behind yente), which compare two FollowTheMoney entities. In
  screening they score the candidates chokepoint's own index retrieves for
  the query, so the comparison is of scoring, on the same candidates.
* A plain rapidfuzz screener: ``fuzz.token_sort_ratio`` of the ASCII-folded,
  lowercased query against every listed name of a compatible schema, by
  brute force.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from followthemoney import model
from nomenklatura.matching import get_algorithm
from rapidfuzz import fuzz, process

from textutil import plain

NOMENKLATURA = ("logic-v2", "logic-v1", "ofac")
#: FtM property for each chokepoint name kind.
NAME_PROPS = {"name": "name", "alias": "alias", "previous": "previousName", "weak": "weakAlias"}


def _compatible(query_schema: str, listed_schema: str) -> bool:
    try:
        return model.get(query_schema).can_match(model.get(listed_schema))
    except (AttributeError, TypeError):
        return False


class NomenklaturaPeer:
    """One nomenklatura algorithm with default configuration."""

    def __init__(self, name: str, records: Sequence) -> None:
        algorithm = get_algorithm(name)
        if algorithm is None:
            raise ValueError(f"nomenklatura has no algorithm {name!r}")
        self.name = name
        self.algorithm = algorithm
        self.config = algorithm.default_config()
        self.records = records
        self._proxies: dict[int, object] = {}

    def record_proxy(self, rid: int):
        proxy = self._proxies.get(rid)
        if proxy is None:
            rec = self.records[rid]
            proxy = model.make_entity(rec.schema)
            proxy.id = rec.entity_id
            for kind, text in rec.names:
                proxy.add(NAME_PROPS.get(kind, "alias"), text)
            self._proxies[rid] = proxy
        return proxy

    @staticmethod
    def query_proxy(qid: str, text: str, schema: str):
        proxy = model.make_entity(schema)
        # a unique id per query: logic-v2 caches name analysis by entity id
        proxy.id = f"bench-q-{qid}"
        proxy.add("name", text)
        return proxy

    def score(self, query_proxy, rid: int) -> float:
        return float(self.algorithm.compare(query_proxy, self.record_proxy(rid), self.config).score)

    def compare_names(self, key: str, name1: str, name2: str, schema: str) -> float:
        left = model.make_entity(schema)
        left.id = f"bench-l-{key}"
        left.add("name", name1)
        right = model.make_entity(schema)
        right.id = f"bench-r-{key}"
        right.add("name", name2)
        return float(self.algorithm.compare(left, right, self.config).score)


class RapidfuzzScreener:
    """Brute-force ``token_sort_ratio`` over all listed names (0..1)."""

    name = "rapidfuzz"

    def __init__(self, records: Sequence) -> None:
        self.records = records
        texts: list[str] = []
        owners: list[int] = []
        for rid, rec in enumerate(records):
            seen = set()
            for _kind, text in rec.names:
                p = plain(text)
                if p and p not in seen:
                    seen.add(p)
                    texts.append(p)
                    owners.append(rid)
        self.texts = texts
        self.owners = np.asarray(owners, dtype=np.int32)
        self.schemata = np.asarray([records[o].schema for o in owners])
        self._columns: dict[str, np.ndarray] = {}

    def columns(self, schema: str) -> np.ndarray:
        """Positions of the names a query of ``schema`` may match."""
        cols = self._columns.get(schema)
        if cols is None:
            ok = {s for s in set(self.schemata.tolist()) if _compatible(schema, s)}
            cols = np.flatnonzero(np.isin(self.schemata, list(ok)))
            self._columns[schema] = cols
        return cols

    def screen(self, texts: list[str], schemata: list[str], chunk: int = 256, workers: int = 2
               ) -> tuple[np.ndarray, np.ndarray]:
        """Best score (0..1) and best record position per query."""
        best = np.zeros(len(texts), dtype=np.float32)
        best_rid = np.full(len(texts), -1, dtype=np.int32)
        by_schema: dict[str, list[int]] = {}
        for i, s in enumerate(schemata):
            by_schema.setdefault(s, []).append(i)
        for schema, idx in by_schema.items():
            cols = self.columns(schema)
            choices = [self.texts[c] for c in cols]
            for start in range(0, len(idx), chunk):
                part = idx[start:start + chunk]
                queries = [plain(texts[i]) for i in part]
                matrix = process.cdist(queries, choices, scorer=fuzz.token_sort_ratio,
                                       dtype=np.uint8, workers=workers)
                arg = matrix.argmax(axis=1)
                for row, i in enumerate(part):
                    best[i] = matrix[row, arg[row]] / 100.0
                    best_rid[i] = self.owners[cols[arg[row]]]
        return best, best_rid

    def entity_score(self, text: str, rid: int) -> float:
        """Best score of the query against one record's names."""
        q = plain(text)
        return max((fuzz.token_sort_ratio(q, plain(t)) for _k, t in self.records[rid].names), default=0.0) / 100.0

    @staticmethod
    def compare_names(name1: str, name2: str) -> float:
        return fuzz.token_sort_ratio(plain(name1), plain(name2)) / 100.0
