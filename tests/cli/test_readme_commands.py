"""Every `storecast` command in README.md and docs/ names commands and options the CLI has.

A reader copies the README's code blocks and the docs' inline commands (`storecast plan rank --out F`); a
command or option renamed in the CLI but not in the text would stop them with "No such option". Each
command is walked through Typer's command tree (every word a command, an option of that command or an
option's value), and each line of a code block is also run with ``--help`` added: Click reads every option
before it answers ``--help``, so an unknown one is a usage error (exit 2). docs/benchmarks.md is left out:
it records past runs as they were typed.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from storecast.cli import app

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "benchmarks.md")]


def _words(text: str) -> list[str]:
    """The words of one command as typed, from its ``storecast`` on, with the docs' placeholders made plain.

    ``<stamp>`` and ``<cut + 43 days>`` become one word, ``[--days N]`` the option itself, ``A \\| B`` (a
    table's "or") both, and ``...`` ("and more") and ``COMMAND`` (any command) are dropped.
    """
    text = re.sub(r"<[^>]*>", "X", text)
    text = text.replace(" \\| ", " ").replace("\\|", "|").replace("[", "").replace("]", "")
    words = shlex.split(text, comments=True)
    return [w for w in words[words.index("storecast"):] if w not in ("...", "COMMAND")]


def _documented() -> list[tuple[str, str, bool]]:
    """(doc, command, from a code block) for each storecast command in a code block (``$S`` is README's
    ``S=.venv/bin/storecast``) or in inline code."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M):
            for line in block.splitlines():
                line = re.sub(r"^\$S\b", "storecast", line.strip())
                if re.match(r"storecast\s", line):
                    found.append((doc.name, line, True))
        prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
        for code in re.findall(r"`([^`]+)`", prose):
            code = " ".join(code.split())  # inline code broken over two lines of its paragraph
            if re.search(r"(^|\s)storecast -", code) or re.search(r"(^|\s)storecast [a-z]", code):
                found.append((doc.name, code, False))
    return found


def _problem(words: list[str]) -> str | None:
    """What in ``words`` (``storecast`` first) the command tree lacks, or None: each word is a command of the
    group before it, an option of the command it follows, or the value of the option before it."""
    command = typer.main.get_command(app)  # Typer's own Click: a group is what has `commands`
    path, i = ["storecast"], 1
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            name, has_value, _ = word.partition("=")
            option = next((p for p in command.params if name in (*p.opts, *p.secondary_opts)), None)
            if option is None and name != "--help":
                return f"`{' '.join(path)}` has no option {name}"
            takes_value = option is not None and not getattr(option, "is_flag", False)
            i += 2 if takes_value and not has_value else 1  # a value-less mention (`--out` alone) ends the words
            continue
        group = getattr(command, "commands", None)
        if group and word in group:
            command = group[word]
            path.append(word)
            i += 1
            continue
        return f"`{' '.join(path)}` has no command {word}" if group else (
            f"`{' '.join(path)}` takes no argument {word!r}")
    return None


DOCUMENTED = _documented()


def _id(doc: str, line: str) -> str:
    return f"{doc}:{' '.join(line.split(' #')[0].split())}"


def test_the_docs_have_command_lines():
    """Guards the search: README's blocks, its inline commands and each doc's must all be found."""
    assert len(DOCUMENTED) >= 60
    assert {doc for doc, _, _ in DOCUMENTED} >= {"README.md", "architecture.md", "modeling.md", "modeling-lstm.md",
                                                 "planner.md", "scaling.md"}
    assert sum(block for _, _, block in DOCUMENTED) >= 30


@pytest.mark.parametrize(("doc", "line"), [(d, line) for d, line, _ in DOCUMENTED],
                         ids=[_id(d, line) for d, line, _ in DOCUMENTED])
def test_every_documented_command_and_option_exists(doc, line):
    assert _problem(_words(line)) is None, f"{doc}: {line}"


@pytest.mark.parametrize(("doc", "line"), [(d, line) for d, line, block in DOCUMENTED if block],
                         ids=[_id(d, line) for d, line, block in DOCUMENTED if block])
def test_every_command_line_of_a_code_block_parses(run_main, doc, line):
    """Its words with --help added: an unknown command or option is a usage error (exit 2), not the help."""
    code, _, err = run_main(*_words(line)[1:], "--help")
    assert code == 0, f"{doc}: {line}\n{err}"


@pytest.mark.parametrize(("line", "said"), [
    ("storecast train --data DIR --seed 1", "`storecast train` has no option --seed"),
    ("storecast models lst", "`storecast models` has no command lst"),
    ("storecast plan rank --model M --out F --top 5", None),
    ("storecast predict --model M --data DIR later.csv", "`storecast predict` takes no argument 'later.csv'"),
    ("storecast demo --no-serve --fast", "`storecast demo` has no option --fast"),
])
def test_the_check_finds_what_the_cli_lacks(run_main, line: str, said: str | None):
    """The check itself: a renamed option or command is found, by the tree walk and by the parser alike (a stray
    word only by the walk: Click answers --help before it complains of an extra argument)."""
    assert _problem(_words(line)) == said
    if said is None or " has no " in said:
        assert run_main(*_words(line)[1:], "--help")[0] == (0 if said is None else 2)
