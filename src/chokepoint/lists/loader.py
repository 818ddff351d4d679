"""Load sources into the store: detect and check the format, parse
completely, then store and activate in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chokepoint.lists.catalog import bundled_datasets, bundled_source, dataset_info
from chokepoint.lists.parsers import default_dataset, detect_format, parser_modules
from chokepoint.lists.parsers.base import ListFormatError, ParseWarning
from chokepoint.lists.store import ListStore, LoadOutcome


@dataclass
class LoadReport:
    """One source's load: the outcome, or the error that stopped it."""

    source: str
    dataset: str | None
    outcome: LoadOutcome | None = None
    error: str | None = None
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def load_path(
    store: ListStore, path: Path, dataset: str | None = None, activate: bool | None = None
) -> LoadReport:
    """Parse ``path`` as ``dataset`` (default: the format's usual dataset)
    and store it. Errors are reported, never half-applied."""
    report = LoadReport(source=str(path), dataset=dataset)
    try:
        fmt = detect_format(path)
        module = parser_modules()[fmt]
        name = dataset or default_dataset(module, path)
        report.dataset = name
        info = dataset_info(name)
        if info is not None and not info.accepts(fmt):
            raise ListFormatError(
                path, f"this is a {fmt} file, but dataset {name} is published as {info.format}"
            )
        result = module.parse(path, name)
        if not result.targets:
            raise ListFormatError(path, "no listed entities found in the file")
        report.warnings = result.warnings
        report.outcome = store.load(result, source=str(path), activate=activate)
    except ListFormatError as exc:
        report.error = str(exc)
    return report


def load_bundled(store: ListStore, datasets: list[str] | None = None) -> list[LoadReport]:
    """Load the copies of the lists that ship inside the package."""
    reports = []
    for info in bundled_datasets():
        if datasets and info.name not in datasets:
            continue
        reports.append(load_path(store, bundled_source(info), info.name))
    return reports
