"""Every command's `--help` ends with examples to copy, and every example parses: no gone or misspelt option."""

from __future__ import annotations

import re
import shlex

import pytest
import typer

from storecast.cli import app


def _tree():
    """(path as typed, click command) for the app and every command and group under it."""
    todo = [((), typer.main.get_command(app))]
    while todo:
        path, command = todo.pop()
        yield path, command
        todo.extend(((*path, name), child) for name, child in getattr(command, "commands", {}).items())


def _commands():
    """(name as typed, click command) for every command a user can run, subcommands included."""
    for path, command in _tree():
        if path and (not getattr(command, "commands", {}) or path == ("plan",)):  # `plan` runs a scenario itself
            yield " ".join(path), command


COMMANDS = dict(_commands())
# the command groups (`storecast models`, `storecast lstm`): their --help lists subcommands, and shows examples too
GROUPS = {name: command for name, command in (
    (" ".join(path), command) for path, command in _tree()) if getattr(command, "commands", None) and name}


def test_every_command_is_covered():
    assert {"train", "predict", "serve", "plan", "plan rank", "models list", "lstm train", "synth"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_examples(run_main, name):
    code, out, _ = run_main(*name.split(), "--help")
    assert code == 0
    assert "Examples:" in out and f"storecast {name}" in out


@pytest.mark.parametrize(("name", "line"), [
    (name, line) for name, command in sorted(COMMANDS.items())
    for line in (command.epilog or "").splitlines()[1:] if not line.startswith("#")])
def test_every_example_parses(run_main, name, line):
    """The example's words with --help added: an unknown option or command would be a usage error (exit 2)."""
    words = shlex.split(line.replace("\\[", "["), comments=True)
    assert words[0] == "storecast" and " ".join(words[1:]).startswith(name), line
    code, out, err = run_main(*words[1:], "--help")
    assert code == 0, err


def test_every_command_group_is_covered():
    assert {"models", "lstm", "plan"} <= set(GROUPS)


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_a_groups_help_shows_examples_of_its_commands(run_main, name):
    """`storecast models --help` and `storecast lstm --help` listed their commands with no example to copy."""
    code, out, _ = run_main(*name.split(), "--help")
    lines = [line for line in (GROUPS[name].epilog or "").splitlines()[1:] if not line.startswith("#")]
    assert code == 0 and "Examples:" in out and lines
    group = GROUPS[name]
    for line in lines:  # each runs one of the group's commands (or the group itself, as `plan` runs), as it parses
        words = shlex.split(line.replace("\\[", "["), comments=True)
        assert words[:2] == ["storecast", name], line
        assert words[2] in group.commands or group.invoke_without_command, line
        assert run_main(*words[1:], "--help")[0] == 0, line


def test_the_top_level_help_says_where_to_start(run_main):
    """Was the bare command list: nothing said which to run first, or that each --help has examples."""
    code, out, _ = run_main("--help")
    said = " ".join(out.split())
    assert code == 0 and "Start with `storecast demo`" in said and "validate, eda, train, predict, serve" in said


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_option_help_loses_a_bracket_to_rich_markup(run_main, name):
    """`plan rank --help` said "Length of the period in days (7..92)." where its source says "... [default: 42]":
    rich read the brackets as a markup tag and dropped them with the default. Every word of each help is shown."""
    code, out, _ = run_main(*name.split(), "--help")
    assert code == 0
    shown = " ".join(out.replace("│", " ").split())
    lost = [(p.opts[0], part) for p in COMMANDS[name].params
            for part in re.findall(r"\[[^\]]*\]", getattr(p, "help", None) or "") if part not in shown]
    assert lost == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_that_says_its_default(name):
    """`lstm train --epochs` said "Maximum epochs" and nothing of the 30 it takes when left out; `evaluate --out`
    nothing of what happens without it. Each option is required, shows ``[default: X]``, or says its default."""
    silent = []
    for p in COMMANDS[name].params:
        text = getattr(p, "help", None) or ""
        shown = p.default is not None and p.show_default is not False  # Typer prints "[default: X]"
        if not text or not (p.required or shown or getattr(p, "is_flag", False) or re.search(r"default|required",
                                                                                             text, flags=re.I)):
            silent.append(p.opts[0])
    assert silent == []


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_the_epochs_help_names_the_configs_default(run_main, command):
    from storecast.models.lstm.forecaster import LSTMConfig

    code, out, _ = run_main("lstm", command, "--help")
    said = " ".join(out.replace("│", " ").split())
    assert code == 0 and f"(default {LSTMConfig().epochs}, LSTMConfig.epochs)" in said


def test_an_example_longer_than_the_console_prints_whole_on_one_line(run_main, monkeypatch):
    """`storecast predict --help` under 80 columns (a pipe, a narrow terminal) broke its 86-character example
    before `out/preds.csv`: a copied line ran without its output file. Each example is one line, as written."""
    monkeypatch.setenv("COLUMNS", "80")
    lines = COMMANDS["predict"].epilog.splitlines()
    assert max(len(line) for line in lines) > 80
    code, out, _ = run_main("predict", "--help")
    shown = [line.strip() for line in out.splitlines()]
    assert code == 0 and [line for line in lines if line not in shown] == []


@pytest.mark.parametrize("name", ["", *sorted(GROUPS), *sorted(COMMANDS)])
def test_a_switch_is_shown_as_a_flag_not_as_taking_a_value(run_main, name):
    """Every switch read `--help <bool>` (and `--serve --no-serve <bool>`), as if it took a value: Typer's rich
    help shows a type for each option. A switch now shows none; an option with a value keeps its type."""
    code, out, _ = run_main(*name.split(), "--help")
    helps = re.findall(r"^│\s+--help\s+(.*)│$", out, flags=re.M)  # the option's row, after its name
    assert code == 0 and "<bool>" not in out and len(helps) == 1 and helps[0].startswith("Show this message")
    command = COMMANDS.get(name) or GROUPS.get(name)
    if command is not None and any(not getattr(p, "is_flag", True) for p in command.params):  # options with values
        assert re.search(r"<(path|str|int|float)", out)


def _said_default(text: str) -> str | None:
    """The value a help text names as its default in words ("default 30", "else 8000)", "the default yardstick,
    6 windows"), or None where it names a behaviour ("default: the table only") or nothing."""
    found = (re.search(r"\belse ([\w.]*\w)(?=[,)]|\.(?:\s|$))", text) or re.search(r"\bdefault:? (\d+)", text)
             or re.search(r"\bdefault yardstick, (\d+) windows", text))
    return found.group(1) if found else None


def _used_defaults() -> dict[tuple[str, str], object]:
    """(command, option) -> what the command uses when the option is left out, read from the code that uses it."""
    from storecast.config import Settings
    from storecast.evaluation import backtest
    from storecast.evaluation import lstm as lstm_backtest
    from storecast.models.lstm.forecaster import LSTMConfig
    from storecast.models.trees import LGBM_SEEDS
    from storecast.windows import WINDOW_DAYS

    settings = {name: field.default for name, field in Settings.model_fields.items()}
    plan_days = next(p.default for p in COMMANDS["plan"].params if p.name == "days")
    return {**{(name, "--models-dir"): settings["models_dir"] for name in ("train", "lstm train", "models list",
                                                                            "serve")},
            ("serve", "--host"): settings["host"], ("serve", "--port"): settings["port"],
            ("train", "--seeds"): LGBM_SEEDS, ("evaluate", "--seeds"): LGBM_SEEDS,
            ("evaluate", "--windows"): backtest.DEFAULT_WINDOWS,
            ("lstm evaluate", "--windows"): lstm_backtest.DEFAULT_WINDOWS,
            ("lstm evaluate", "--until"): WINDOW_DAYS,  # days before the last date
            **{(name, opt): getattr(LSTMConfig(), opt[2:]) for name in ("lstm train", "lstm evaluate")
               for opt in ("--epochs", "--networks")},
            ("plan rank", "--days"): plan_days}  # rank's own default is None: `plan`'s --days, else plan's default


def test_a_default_said_in_words_is_the_value_the_command_uses():
    """The help of an option whose default is None (Typer shows none) says the default in words: `--seeds`
    "(default 3)", `serve --port` "else 8000". Only `--epochs` was compared with the value the code uses; each
    such value is now, and a new one fails here until it is listed. A default Typer shows (`[default: cpu]`)
    must agree with any the words say ("cpu (default)"), and every $STORECAST_ variable named is a setting."""
    from storecast.config import Settings

    used = _used_defaults()
    said, unlisted, twice, unknown = {}, [], [], []
    for name, command in [*COMMANDS.items(), *GROUPS.items()]:
        for p in command.params:
            text = getattr(p, "help", None) or ""
            unknown += [v for v in re.findall(r"\$STORECAST_(\w+)", text) if v.lower() not in Settings.model_fields]
            value = _said_default(text)
            if p.default is None and value is not None:
                said[(name, p.opts[0])] = value
                unlisted += [] if (name, p.opts[0]) in used else [(name, p.opts[0])]
            words = re.search(r"(\w+) \((?:\w+ )?default\)|(\d+) by default", text)
            if p.default is not None and words and (words.group(1) or words.group(2)) != str(p.default):
                twice.append((name, p.opts[0], words.group(0), p.default))
    assert unlisted == [] and twice == [] and unknown == []
    assert {key: said.get(key) for key in used} == {key: str(value) for key, value in used.items()}
