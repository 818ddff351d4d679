"""Fixtures of the adverse-media tests: the two seed reports (read from
../shared/seeds at test time), an HTML page built around the raw seed's
story, and an ingestor over a fresh store with the real screener."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

SEEDS = SHARED / "seeds"
RAW_SEED = "000_81497ef657014fb8.txt"
CLEAN_SEED = "004_46208ea4231ee4ac.txt"


def seed_path(name: str) -> Path:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"{path} is not beside the repository")
    return path


@pytest.fixture(scope="session")
def raw_seed() -> Path:
    """The raw news page: the story among navigation and headline lists."""
    return seed_path(RAW_SEED)


@pytest.fixture(scope="session")
def clean_seed() -> Path:
    """A clean report of the same event from another outlet."""
    return seed_path(CLEAN_SEED)


def raw_story_paragraphs(raw_seed: Path) -> list[str]:
    """The story's paragraphs in the raw page, by their place in it: from
    the first paragraph to the one before the page's tag list."""
    lines = raw_seed.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Iran has been sending material"))
    end = lines.index("- In:")
    return lines[start:end]


def raw_headline_lines(raw_seed: Path) -> list[str]:
    """The unrelated headlines under Related, Ranking and Recommendation."""
    lines = raw_seed.read_text("utf-8").splitlines()
    start = lines.index("Related")
    return [line.lstrip("- ").strip() for line in lines[start:]
            if line.strip() and line not in ("Related", "Ranking", "Recommendation")]


def syndicated_html(raw_seed: Path, site: str = "Caspian Wire") -> str:
    """The raw seed's story republished on another site: its own
    navigation, the same paragraphs in an article element, and a sidebar of
    the page's unrelated headlines as links."""
    lines = raw_seed.read_text("utf-8").splitlines()
    title = lines[1]
    headlines = raw_headline_lines(raw_seed)
    nav = "".join(f'<li><a href="/section/{i}">{h}</a></li>' for i, h in enumerate(headlines[:6]))
    aside = "".join(f'<li><a href="/story/{i}">{h}</a></li>' for i, h in enumerate(headlines[6:]))
    body = "".join(f"<p>{p}</p>" for p in raw_story_paragraphs(raw_seed))
    return (f"<!DOCTYPE html><html><head><title>{title} | {site}</title>"
            f'<meta property="og:site_name" content="{site}">'
            '<meta name="author" content="Wire Staff">'
            '<meta property="article:published_time" content="2023-06-10T08:00:00Z"></head>'
            f"<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>{body}</article>"
            f"<aside><h2>Most read</h2><ul>{aside}</ul></aside></main>"
            "<footer><p>© Caspian Wire</p></footer></body></html>")


@pytest.fixture
def media_lists(tmp_path):
    """A fresh, empty store (SQLite) for articles."""
    from chokepoint.lists.store import ListStore
    from chokepoint.settings import Settings

    settings = Settings(home=tmp_path / "home", update_backoff=0.01)
    return settings, ListStore.open(settings)


@pytest.fixture
def ingestor(media_lists, screener, bundled_store):
    """Ingests into the fresh store with the real screener over the
    bundled lists."""
    from chokepoint.media.config import MediaSettings
    from chokepoint.media.ingest import Ingestor
    from chokepoint.media.store import MediaStore

    _, lists = media_lists
    versions = [{"id": v.id, "sha256": v.sha256} for v in bundled_store.active_versions()]
    return Ingestor(MediaStore(lists.engine), MediaSettings(), screener, versions, actor="test")


# the live service over the bundled lists, as the service tests use it
from tests.service.conftest import (  # noqa: E402,F401
    analyst, api_keys, base_url, live, service_state, viewer,
)
