"""Load sources into the store: detect and check the format, parse
completely, then store and activate in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from chokepoint.lists.catalog import bundled_datasets, bundled_source, dataset_info
from chokepoint.lists.parsers import default_dataset, detect_format, parser_modules
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, ParseWarning
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


class FormatMismatch(ListFormatError):
    """The file is not a list format chokepoint knows, not a format its
    dataset is published in, or holds no listed entity: the wrong file,
    not a damaged one."""


def check_format(path: Path, dataset: str | None = None) -> tuple[ModuleType, str]:
    """The parser for ``path`` and the dataset it is loaded as (default: the
    format's usual dataset), after checking the format against the dataset."""
    try:
        fmt = detect_format(path)
    except ListFormatError as exc:
        raise FormatMismatch(path, exc.reason) from exc
    module = parser_modules()[fmt]
    name = dataset or default_dataset(module, path)
    info = dataset_info(name)
    if info is not None and not info.accepts(fmt):
        raise FormatMismatch(path, f"this is a {fmt} file, but dataset {name} is published as {info.format}")
    return module, name


def parse_checked(path: Path, module: ModuleType, dataset: str) -> ParseResult:
    """Parse ``path`` completely with ``module``; a file without any listed
    entity is refused."""
    result = module.parse(path, dataset)
    if not result.targets:
        raise FormatMismatch(path, "no listed entities found in the file")
    return result


def load_path(
    store: ListStore, path: Path, dataset: str | None = None, activate: bool | None = None
) -> LoadReport:
    """Parse ``path`` as ``dataset`` (default: the format's usual dataset)
    and store it. Errors are reported, never half-applied."""
    report = LoadReport(source=str(path), dataset=dataset)
    try:
        module, name = check_format(path, dataset)
        report.dataset = name
        result = parse_checked(path, module, name)
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
