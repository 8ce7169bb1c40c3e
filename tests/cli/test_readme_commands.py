"""Every `storecast` command line in README.md parses: a renamed or misspelt option there fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"


def _command_lines() -> list[str]:
    """The README's shell lines that run storecast (``$S`` is its ``S=.venv/bin/storecast``), comments cut."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [re.sub(r"^\$S\b", "storecast", line) for line in lines if re.match(r"(\$S|storecast)\s", line)]


def test_the_readme_has_command_lines():
    assert len(_command_lines()) >= 15


@pytest.mark.parametrize("line", _command_lines())
def test_every_readme_command_parses(run_main, line):
    """Its words with --help added: an unknown command or option is a usage error (exit 2), not the help."""
    words = shlex.split(line, comments=True)
    code, _, err = run_main(*words[1:], "--help")
    assert code == 0, f"{line}\n{err}"
