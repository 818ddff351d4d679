"""Story extraction: the raw news page cut down to its story (plain-text
heuristic), the clean report kept whole, and an HTML page through
trafilatura."""

from __future__ import annotations

from chokepoint.media.boilerplate import HEADING, ITEM, NAV, PROSE, SHORT, WIDGET, classify, extract_story
from chokepoint.media.config import MediaSettings
from chokepoint.media.extract import extract, normalise_date
from chokepoint.media.read import read_bytes, read_file

from .conftest import raw_headline_lines, raw_story_paragraphs, syndicated_html


def test_raw_page_body_is_the_story_without_the_headline_lists(raw_seed):
    story = extract_story(raw_seed.read_text("utf-8"))
    assert story.paragraphs == raw_story_paragraphs(raw_seed)
    headlines = raw_headline_lines(raw_seed)
    assert len(headlines) == 26
    for headline in headlines:
        assert headline[:40] not in story.body, headline
    for chrome in ("PredictIQ", "Current:Home", "veryGood", "- In:", "Date:"):
        assert chrome not in story.body
    # what was cut, by class: the breadcrumb, the tag list, the rating
    # widget, the Related/Ranking/Recommendation lists and their headings
    assert story.dropped[NAV] == 1 and story.dropped[WIDGET] == 1
    assert story.dropped[HEADING] == 4 and story.dropped[ITEM] == 22


def test_raw_page_metadata(raw_seed):
    extracted = extract(read_file(raw_seed, MediaSettings()), MediaSettings())
    assert extracted.title == ("Iran helping Russia build plant to manufacture drones for likely use in Ukraine, "
                               "White House says")
    assert extracted.published == "2025-04-11T07:04:19"
    assert extracted.source == "Infinite Edge Capital"
    assert extracted.method == "text" and extracted.format == "text"


def test_clean_report_is_kept_whole(clean_seed):
    lines = [line for line in clean_seed.read_text("utf-8").splitlines() if line.strip()]
    story = extract_story(clean_seed.read_text("utf-8"))
    assert story.title == lines[0]
    assert story.paragraphs == lines[1:-1]  # every paragraph; the image caption line is dropped
    assert "Image:" not in story.body and story.dropped == {WIDGET: 1}


def test_html_page_through_trafilatura(raw_seed):
    html = syndicated_html(raw_seed)
    extracted = extract(read_bytes("wire.html", html.encode(), MediaSettings()), MediaSettings())
    assert extracted.method == "trafilatura" and extracted.format == "html"
    assert extracted.paragraphs == raw_story_paragraphs(raw_seed)
    assert extracted.source == "Caspian Wire" and extracted.author == "Wire Staff"
    assert extracted.published == "2023-06-10"
    assert extracted.title.startswith("Iran helping Russia build plant")
    assert not any(h[:40] in extracted.body for h in raw_headline_lines(raw_seed))


def test_line_classes():
    assert classify("Related").kind == HEADING and classify("- In:").kind == HEADING
    assert classify("You may also like:").kind == HEADING
    assert classify("- Penguins land 3-time Norris Trophy winner").kind == ITEM
    assert classify("veryGood! (62)").kind == WIDGET
    assert classify("Home > World > Middle East").kind == NAV
    assert classify("Juan Soto praise of Mets' future a tough sight for Yankees").kind == SHORT
    assert classify("The drone manufacturing plant could be operational as soon as next year, the White "
                    "House said Friday.").kind == PROSE
    line = classify("Date:2025-04-11 07:04:19")
    assert line.value == ("date", "2025-04-11 07:04:19")


def test_dates_are_normalised():
    assert normalise_date("2025-04-11 07:04:19") == "2025-04-11T07:04:19"
    assert normalise_date("June 9, 2023") == "2023-06-09"
    assert normalise_date("9 June 2023") == "2023-06-09"
    assert normalise_date("2023-06-10T08:00:00+00:00") == "2023-06-10T08:00:00"
    assert normalise_date("last Friday") is None
