"""The ``Examples`` in the package's docstrings run, so an example a reader copies still gives what it shows.

Why a test: pytest collects no doctests by default (``--doctest-modules`` is not in the config), so an
example could go on printing an answer the code stopped giving. Every module whose source holds ``>>>``
is found here, none listed by hand, and a new example is run without a line added.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
_WITH_EXAMPLES = sorted(
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC / "storecast").rglob("*.py") if ">>>" in path.read_text(encoding="utf-8"))


def test_some_modules_have_examples():
    """Guards the search below: an empty list would make every run of the next test vacuous."""
    assert "storecast.windows" in _WITH_EXAMPLES


@pytest.mark.parametrize("name", _WITH_EXAMPLES)
def test_docstring_examples_give_what_they_show(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=False)
    assert result.attempted > 0, f"{name}: '>>>' in the source but no example was collected"
    see = f"pytest --doctest-modules src/{name.replace('.', '/')}.py"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} example(s) failed ({see} shows them)"
