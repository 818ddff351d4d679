"""The README's set-up commands and the command reference stay true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from chokepoint.cli import app
from chokepoint.clidocs import is_group, render

REPO = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    assert (REPO / "docs" / "cli.md").read_text("utf-8") == render(), (
        "docs/cli.md is stale: run `python -m chokepoint.clidocs > docs/cli.md`"
    )


def test_readme_opens_with_the_two_commands():
    head = (REPO / "README.md").read_text("utf-8").splitlines()[:8]
    text = "\n".join(head)
    assert "make run" in text and "make test" in text
    makefile = (REPO / "Makefile").read_text("utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text("utf-8")


def _readme_invocations() -> list[list[str]]:
    text = (REPO / "README.md").read_text("utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("chokepoint "):
                out.append(shlex.split(re.sub(r"\[[^\]]*\]", "", line))[1:])
    return out


def test_readme_commands_exist_with_their_options():
    root = typer.main.get_command(app)
    invocations = _readme_invocations()
    assert len(invocations) >= 8
    for args in invocations:
        command = root
        while is_group(command) and args and not args[0].startswith("-"):
            sub = command.get_command(command.context_class(command), args[0])
            assert sub is not None, f"README mentions unknown command {args[0]!r}"
            command, args = sub, args[1:]
        known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for arg in args:
            if arg.startswith("--"):
                assert arg.split("=")[0] in known, f"README: {command.name} has no option {arg}"
