"""The catalogue of known datasets (``data/datasets.yaml``) and the copies
bundled inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
BUNDLED_DIR = DATA_DIR / "lists"


@dataclass(frozen=True)
class DatasetInfo:
    """What chokepoint knows about one list."""

    name: str
    title: str
    publisher: str
    url: str
    format: str
    licence: str
    bundled: str | None = None
    also_formats: tuple[str, ...] = ()

    def accepts(self, fmt: str) -> bool:
        """Whether files of format ``fmt`` can be loaded as this dataset."""
        return fmt in (self.format, *self.also_formats, "ftm_json")

    @property
    def bundled_path(self) -> Path | None:
        return BUNDLED_DIR / self.bundled if self.bundled else None


@lru_cache(maxsize=1)
def catalog() -> dict[str, DatasetInfo]:
    """All known datasets by name."""
    raw = yaml.safe_load((DATA_DIR / "datasets.yaml").read_text("utf-8"))
    out = {}
    for name, spec in raw["datasets"].items():
        spec["also_formats"] = tuple(spec.get("also_formats", ()))
        out[name] = DatasetInfo(name=name, **spec)
    return out


@dataclass(frozen=True)
class Collection:
    """A named group of datasets (``sanctions``, ``export_controls``)."""

    name: str
    title: str
    datasets: tuple[str, ...]


@lru_cache(maxsize=1)
def collections() -> dict[str, Collection]:
    """Named groups of datasets, by name."""
    raw = yaml.safe_load((DATA_DIR / "datasets.yaml").read_text("utf-8"))
    return {name: Collection(name, spec["title"], tuple(spec["datasets"]))
            for name, spec in (raw.get("collections") or {}).items()}


def dataset_info(name: str) -> DatasetInfo | None:
    return catalog().get(name)


def bundled_datasets() -> list[DatasetInfo]:
    return [d for d in catalog().values() if d.bundled]


def bundled_source(info: DatasetInfo) -> Path:
    """The file or folder to hand to the parser for a bundled dataset."""
    folder = info.bundled_path
    if folder is None or not folder.is_dir():
        raise FileNotFoundError(f"no bundled copy of {info.name}")
    files = sorted(folder.iterdir())
    return files[0] if len(files) == 1 else folder
