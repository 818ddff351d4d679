"""Fixtures for the trade assessment tests: the real screener over the
bundled lists (session-scoped, from tests/conftest.py), and a small clear
order that each test changes to make one rule fire or not."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from chokepoint.trade.assess import Assessment, assess_order
from chokepoint.trade.order import parse_order

#: A plain, clear order: motors from Germany to a Japanese manufacturer.
BASE_ORDER = {
    "id": "T-1",
    "date": "2024-01-15",
    "parties": [
        {"role": "seller", "name": "Hanseatic Components GmbH", "country": "DE", "address": "Am Sandtorkai 50, 20457 Hamburg"},
        {"role": "buyer", "name": "Kansai Precision Motors Co., Ltd.", "country": "JP",
         "address": "2-4-8 Nishinakajima, Yodogawa-ku, Osaka 532-0011", "business": "manufacturer of electric motors",
         "email": "purchasing@kansai-precision.co.jp"},
        {"role": "end_user", "name": "Kansai Precision Motors Co., Ltd.", "country": "JP",
         "address": "2-4-8 Nishinakajima, Yodogawa-ku, Osaka 532-0011", "business": "manufacturer of electric motors"},
    ],
    "lines": [{"description": "Brushless DC motor 400 W", "hs_code": "8501.31.00", "quantity": 10, "unit_value": 500}],
    "route": [{"country": "DE", "port": "Hamburg", "unlocode": "DEHAM"},
              {"country": "JP", "port": "Osaka", "unlocode": "JPOSA"}],
    "payment": {"payer": "Kansai Precision Motors Co., Ltd.", "payer_country": "JP", "method": "wire"},
    "end_use": "production of pump motors at the Osaka plant",
    "end_use_statement": "provided",
}

MICROCONTROLLER = {"description": "32-bit microcontroller", "hs_code": "8542.31.0000", "part_number": "STM32F405RGT6"}


def order_data(**changes) -> dict:
    """A deep copy of the base order with top-level fields replaced."""
    data = copy.deepcopy(BASE_ORDER)
    data.update(copy.deepcopy(changes))
    return data


def with_party(data: dict, index: int, **fields) -> dict:
    """The order with fields of one party replaced (None removes a field)."""
    party = data["parties"][index]
    for key, value in fields.items():
        if value is None:
            party.pop(key, None)
        else:
            party[key] = value
    return data


@pytest.fixture(scope="session")
def assess(screener) -> Callable[[dict], Assessment]:
    """Validate order data and assess it with the real screener."""

    def run(data: dict) -> Assessment:
        return assess_order(parse_order(data), screener)

    return run
