"""Parser registry: one module per published list format.

Each parser module defines:

* ``FORMAT``: the format's name (``ofac_csv``, ``un_xml`` …);
* ``DEFAULT_DATASET``: the dataset its files usually are;
* ``sniff(path) -> bool``: a cheap look at the file(s) to say "this is mine";
* ``parse(path, dataset) -> ParseResult``: the full parse.

``path`` is a file, or a folder for multi-file sources (OFAC CSV trio, the
UK CSV set). Source files may be gzip-compressed (``.gz``), as bundled.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from chokepoint.lists.parsers.base import ListFormatError, ParseResult

#: Modules in sniffing order: the more specific formats first.
_MODULES = [
    "ofac_csv",
    "ofac_xml",
    "un_xml",
    "eu_xml",
    "eu_aggregate",
    "uk_csv",
    "uk_ods",
    "bis_dpl_txt",
    "csl_csv",
    "nsfreg_json",
    "restricted_parties_json",
    "ftm_json",
    "os_simple_csv",
]


def parser_modules() -> dict[str, ModuleType]:
    """All available parser modules by format name."""
    modules: dict[str, ModuleType] = {}
    for name in _MODULES:
        try:
            module = importlib.import_module(f"chokepoint.lists.parsers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"chokepoint.lists.parsers.{name}":
                continue
            raise
        modules[module.FORMAT] = module
    return modules


def detect_format(path: Path) -> str:
    """The format of a source file or folder, or a ListFormatError."""
    if not path.exists():
        raise ListFormatError(path, "no such file or folder")
    for fmt, module in parser_modules().items():
        try:
            if module.sniff(path):
                return fmt
        except ListFormatError:
            raise
        except Exception:  # a sniffer must never stop detection
            continue
    raise ListFormatError(path, "not a list format chokepoint knows (see `chokepoint lists formats`)")


def default_dataset(module: ModuleType, path: Path) -> str:
    """The dataset a file usually is: some formats can tell from the file
    (an OFAC consolidated CSV folder is ``us_ofac_cons``)."""
    chooser = getattr(module, "default_dataset", None)
    return chooser(path) if chooser else module.DEFAULT_DATASET


def parse_source(path: Path, dataset: str | None = None, fmt: str | None = None) -> ParseResult:
    """Detect (or check) the format of ``path`` and parse it completely."""
    modules = parser_modules()
    detected = detect_format(path)
    if fmt is not None and fmt != detected:
        raise ListFormatError(path, f"expected a {fmt} file for this dataset, but the file is {detected}")
    module = modules[detected]
    return module.parse(path, dataset or default_dataset(module, path))


__all__ = ["ListFormatError", "ParseResult", "default_dataset", "detect_format", "parse_source", "parser_modules"]
