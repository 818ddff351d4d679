"""Goods lines: HS prefix matching at the right level, keyword and
part-number evidence (weaker, labelled), and the UAV commodity set."""

from __future__ import annotations

import dataclasses
import re

import pytest

from chokepoint.trade.goods import GoodsMatcher, format_hs, tier_rank
from chokepoint.trade.order import Line
from chokepoint.trade.reference import HsEntry, reference


@pytest.fixture(scope="module")
def goods() -> GoodsMatcher:
    return GoodsMatcher(reference())


def line(**fields) -> Line:
    return Line(**{"description": "goods", **fields})


def test_ten_digit_code_under_a_listed_subheading(goods):
    result = goods.assess_line(line(hs_code="8542.31.0001"), 0)
    hits = {(h.list_id, h.listed_code, h.match) for h in result.list_hits}
    assert hits == {("chpl", "854231", "prefix"), ("us-ear-746-supp7", "854231", "prefix")}
    chpl = next(h for h in result.list_hits if h.list_id == "chpl")
    assert chpl.tier == "1" and "highest concern" in chpl.tier_meaning
    assert "8542.31.00.01 falls under CHPL subheading 8542.31" in chpl.explain()
    assert "tier 1" in chpl.explain()
    assert result.chpl_tier == "1" and result.uav_commodity and result.uav_basis == "hs_code"


def test_exact_and_partial_codes(goods):
    assert {h.match for h in goods.assess_line(line(hs_code="853224"), 0).list_hits} == {"exact"}
    assert goods.list_hits("854230") == []  # a sibling subheading is not listed
    assert goods.assess_line(line(hs_code="850131"), 0).list_hits == []


def test_a_listed_heading_covers_its_subheadings():
    ref = reference()
    heading = HsEntry("test-list", "8541", "heading", "Semiconductor devices", None, "test")
    longer = HsEntry("test-list", "85423100", "tariff line", "Processors", None, "test")
    matcher = GoodsMatcher(dataclasses.replace(ref, hs_entries=(heading, longer)))
    hits = matcher.list_hits("854129")
    assert [(h.listed_code, h.level, h.match) for h in hits] == [("8541", "heading", "prefix")]
    partial = matcher.list_hits("854231")
    assert [(h.listed_code, h.match) for h in partial] == [("85423100", "partial")]
    assert "may fall under" in partial[0].explain()


def test_keywords_only_for_lines_without_an_hs_code(goods):
    with_code = goods.assess_line(line(description="GNSS module", hs_code="8473.30"), 0)
    assert with_code.keyword_hits == [] and not with_code.uav_commodity
    without = goods.assess_line(line(description="GNSS receiver module"), 0)
    assert [h.keyword for h in without.keyword_hits] == ["gnss"]
    assert without.uav_commodity and without.uav_basis == "keyword"
    assert without.keyword_chpl_tier == "2" and without.chpl_tier is None
    assert "weaker evidence" in without.keyword_hits[0].explain()
    assert without.keyword_hits[0].to_json()["basis"] == "keyword"


@pytest.mark.parametrize("description,keyword", [
    ("ARM microcontroller", "microcontroller"), ("FPGA board", "fpga"), ("IMU, 6-axis", "imu"),
    ("MEMS gyroscope", "gyroscope"), ("servo motor 12 kg-cm", "servo"), ("LoRa transceiver", "transceiver"),
    ("two-stroke piston engine", "piston-engine"), ("Rotax 912 ULS", "aircraft-piston-engine"),
    ("field-programmable gate array", "fpga"), ("Tantalum capacitors", "tantalum-capacitor"),
])
def test_description_keywords(goods, description, keyword):
    assert keyword in {h.keyword for h in goods.keyword_hits(line(description=description))}


@pytest.mark.parametrize("text", ["Servotronic steering rack", "microcontrollerish", "gyrocopter seat",
                                  "fpgaish", "Transceiverless hub"])
def test_keywords_need_whole_words(goods, text):
    hits = {h.keyword for h in goods.keyword_hits(line(description=text))}
    assert not hits & {"servo", "microcontroller", "gyroscope", "fpga", "transceiver"}


@pytest.mark.parametrize("part,keyword,tier", [
    ("STM32F405RGT6", "st-stm32", "1"), ("XC7A35T-1CPG236C", "amd-xilinx-fpga", "1"),
    ("NEO-M8N-0-10", "ublox-gnss", "2"), ("AD9361BBCZ", "adi-rf-transceiver", "1"),
    ("T491D107K016AT", "tantalum-capacitor", "2"), ("ADIS16470AMLZ", "adi-imu", None),
])
def test_part_numbers(goods, part, keyword, tier):
    hits = goods.keyword_hits(line(description="electronic part", part_number=part))
    hit = next(h for h in hits if h.keyword == keyword)
    assert hit.kind == "part_number" and hit.field == "part_number" and hit.chpl_tier == tier


def test_part_numbers_in_the_description(goods):
    hits = goods.keyword_hits(line(description="STM32H743VIT6 tray of 540"))
    assert [(h.keyword, h.field) for h in hits] == [("st-stm32", "description")]


def test_ear99_never_clears_a_uav_commodity(goods):
    result = goods.assess_line(line(description="MCU", hs_code="854231", eccn="EAR99"), 0)
    assert result.uav_commodity and result.declared_uncontrolled
    not_listed = goods.assess_line(line(description="microcontroller", eccn="not listed"), 0)
    assert not_listed.uav_commodity and not_listed.declared_uncontrolled


def test_uav_commodity_set(goods):
    assert goods.assess_line(line(hs_code="840710"), 0).uav_commodity  # Supp. 7 piston engine
    assert goods.assess_line(line(hs_code="848210"), 0).uav_commodity  # CHPL 3.B bearings
    cnc = goods.assess_line(line(hs_code="845961"), 0)  # CHPL 4.B machine tools: listed, not UAV
    assert cnc.list_hits and not cnc.uav_commodity and cnc.chpl_tier == "4.B"


def test_categories(goods):
    assert goods.assess_line(line(hs_code="854231"), 0).categories == ["electronics"]
    assert goods.assess_line(line(hs_code="850131"), 0).categories == ["electric_motors"]
    assert goods.assess_line(line(hs_code="901420"), 0).categories == ["navigation"]


def test_formatting_helpers():
    assert format_hs("854231") == "8542.31"
    assert format_hs("8542310001") == "8542.31.00.01"
    assert tier_rank("3.A") == 3 and tier_rank(None) is None


def test_keyword_data_is_consistent():
    ref = reference()
    data = ref.goods_keywords
    listed = {e.code for e in ref.hs_entries}
    for item in data["keywords"] + data["part_numbers"]:
        assert item["source"] in data["sources"], item["id"]
        assert item["category"] in data["categories"], item["id"]
        assert all(str(code) in listed for code in item.get("hs", [])), item["id"]
    for item in data["part_numbers"]:
        re.compile(item["pattern"])
    assert set(data["hs_categories"].values()) <= set(data["categories"])
    assert set(ref.uav_commodity["keyword_categories"]) <= set(data["categories"])
