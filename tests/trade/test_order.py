"""Order validation: every problem at once, each with its JSON path; line
import from CSV and XLSX; the JSON Schema file stays current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chokepoint.trade.order import (
    Order, OrderError, clean_country, clean_hs_code, json_path, load_order, parse_order, read_lines_file, schema_text,
)
from chokepoint.trade.reference import DATA

from .conftest import order_data

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "orders"


def problems(data: object) -> dict[str, str]:
    with pytest.raises(OrderError) as info:
        parse_order(data)
    return {p.path: p.message for p in info.value.problems}


def test_base_order_is_valid():
    order = parse_order(order_data())
    assert isinstance(order, Order)
    assert order.parties[1].country == "JP"
    assert order.lines[0].hs_code == "85013100"


def test_every_problem_is_listed_with_its_path():
    data = order_data(colour="red")
    data["parties"][1].pop("role")
    data["parties"][2]["country"] = "Narnia"
    data["parties"][0]["nickname"] = "H"
    data["lines"].append({"description": "chips", "hs_code": "85A2.31"})
    data["lines"].append({"description": "chips", "hs_code": "8542"})
    data["route"][1]["unlocode"] = "IRAMD"
    found = problems(data)
    assert set(found) == {"colour", "parties[1].role", "parties[2].country", "parties[0].nickname",
                          "lines[1].hs_code", "lines[2].hs_code", "route[1]"}
    assert "unknown field 'colour'" in found["colour"]
    assert "known fields" in found["parties[0].nickname"] and "business" in found["parties[0].nickname"]
    assert found["parties[1].role"] == "required field is missing"
    assert "unknown country 'Narnia'" in found["parties[2].country"]
    assert "6 to 10 digits" in found["lines[1].hs_code"] and "4 digits" in found["lines[2].hs_code"]
    assert "not in country JP" in found["route[1]"]


def test_enumerations_name_their_values():
    data = order_data(end_use_statement="maybe")
    data["parties"][1]["role"] = "customer"
    data["payment"]["method"] = "barter"
    found = problems(data)
    assert "'buyer'" in found["parties[1].role"] and "'end_user'" in found["parties[1].role"]
    assert "'refused'" in found["end_use_statement"]
    assert "'letter_of_credit'" in found["payment.method"]


def test_order_needs_a_receiving_party_lines_and_unique_party_ids():
    data = order_data(lines=[])
    data["parties"] = [{"role": "seller", "name": "A", "id": "p1"}, {"role": "payer", "name": "B", "id": "p1"}]
    found = problems(data)
    assert "buyer, a consignee or an end user" in found["parties"] or "used more than once" in found["parties"]
    assert "lines" in found
    with pytest.raises(OrderError) as info:
        parse_order(data)
    messages = [p.message for p in info.value.problems if p.path == "parties"]
    assert any("buyer" in m for m in messages) and any("more than once" in m for m in messages)


@pytest.mark.parametrize("bad", [None, [], "order", 3])
def test_not_an_object(bad):
    assert problems(bad) == {"": "an order must be a JSON object"}


def test_values_are_normalised():
    data = order_data()
    data["parties"][1]["country"] = "Türkiye"
    data["lines"][0].update(hs_code="8542 31 00 01", eccn="ear99", currency="usd")
    data["route"] = [{"unlocode": "ir amd"}]
    data["$schema"] = "order.schema.json"
    order = parse_order(data)
    assert order.parties[1].country == "TR"
    assert (order.lines[0].hs_code, order.lines[0].eccn, order.lines[0].currency) == ("8542310001", "EAR99", "USD")
    assert (order.route[0].country, order.route[0].unlocode) == ("IR", "IRAMD")


@pytest.mark.parametrize("value,expected", [("Iran", "IR"), ("uae", "AE"), ("Hong Kong", "HK"), ("Crimea", "UA-CRI"),
                                            ("de", "DE")])
def test_countries_through_followthemoney(value, expected):
    assert clean_country(value) == expected


@pytest.mark.parametrize("value", ["Narnia", "EU", "zz", "Soviet Union", "", "  "])
def test_unknown_countries(value):
    with pytest.raises(ValueError):
        clean_country(value)


@pytest.mark.parametrize("value,expected", [("8542.31", "854231"), ("8542.31.0001", "8542310001"),
                                            (854231, "854231"), ("85423100", "85423100")])
def test_hs_codes(value, expected):
    assert clean_hs_code(value) == expected


@pytest.mark.parametrize("value", ["8542", "85423100001", "8542.3X", ".854231", "", "abc", True])
def test_bad_hs_codes(value):
    with pytest.raises(ValueError):
        clean_hs_code(value)


def test_json_path():
    assert json_path(("lines", 2, "hs_code")) == "lines[2].hs_code"
    assert json_path(("payment", "method")) == "payment.method"
    assert json_path(()) == ""


def test_load_order_reports_bad_json(tmp_path):
    path = tmp_path / "o.json"
    path.write_text('{"id": "x",\n "parties": [}', "utf-8")
    with pytest.raises(OrderError) as info:
        load_order(path)
    assert "invalid JSON at line 2" in str(info.value)
    with pytest.raises(OrderError, match="no such file"):
        load_order(tmp_path / "missing.json")


def test_lines_from_csv_and_xlsx_are_the_same():
    csv_rows = read_lines_file(EXAMPLES / "serbia-distributor-lines.csv")
    xlsx_rows = read_lines_file(EXAMPLES / "serbia-distributor-lines.xlsx")
    assert len(csv_rows) == len(xlsx_rows) == 4
    a = load_order(EXAMPLES / "serbia-distributor-lines.json", EXAMPLES / "serbia-distributor-lines.csv")
    b = load_order(EXAMPLES / "serbia-distributor-lines.json", EXAMPLES / "serbia-distributor-lines.xlsx")
    assert a.lines == b.lines
    assert a.lines[0].hs_code == "8542310000" and a.lines[0].quantity == 5000


def test_lines_file_problems_name_the_row(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("Description,HS,Qty\nMCU,8542.31,100\nFPGA,85A2,-3\n", "utf-8")
    order = tmp_path / "order.json"
    data = order_data()
    data.pop("lines")
    order.write_text(json.dumps(data), "utf-8")
    with pytest.raises(OrderError) as info:
        load_order(order, path)
    found = {p.path: p.message for p in info.value.problems}
    assert set(found) == {"lines[1].hs_code", "lines[1].quantity"}
    assert all("lines.csv row 3" in m for m in found.values())


def test_lines_file_with_unknown_columns(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("goods,colour,weight\nMCU,red,1\n", "utf-8")
    with pytest.raises(OrderError) as info:
        read_lines_file(path)
    messages = [p.message for p in info.value.problems]
    assert any("'colour'" in m for m in messages) and any("'weight'" in m for m in messages)
    with pytest.raises(OrderError, match="unknown file type"):
        read_lines_file(tmp_path / "x.txt")


def test_xlsx_numeric_hs_code_keeps_its_leading_zero(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["description", "hs_code"])
    workbook.active.append(["horses", 10121])
    path = tmp_path / "lines.xlsx"
    workbook.save(path)
    assert read_lines_file(path) == [(2, {"description": "horses", "hs_code": "010121"})]


def test_missing_lines_hint_at_the_lines_option():
    data = order_data()
    data.pop("lines")
    assert "--lines" in problems(data)["lines"]


def test_examples_are_valid_orders():
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name == "serbia-distributor-lines.json":
            continue
        load_order(path)


def test_schema_file_is_current():
    assert (DATA / "order.schema.json").read_text("utf-8") == schema_text(), (
        "order.schema.json is stale: run `python -m chokepoint.trade.order > src/chokepoint/trade/data/order.schema.json`")


def test_schema_documents_the_order_fields():
    schema = json.loads(schema_text())
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "parties", "lines"}
    party = schema["$defs"]["Party"]
    assert party["properties"]["role"]["enum"][:3] == ["buyer", "consignee", "end_user"]
    assert schema["$defs"]["Line"]["properties"]["hs_code"]["anyOf"][0]["pattern"]
