"""The README stays honest: its config example loads, and it covers every kind and command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from inbox.cli.commands import build_parser
from inbox.config import parse
from inbox.sources import registry

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_config_example_loads_and_builds_every_kind() -> None:
    block = re.search(r"```toml\n(\[team\].*?)```", README, re.S).group(1)
    config = parse(tomllib.loads(block))
    assert {s.kind for s in config.sources} == set(registry.KINDS)
    for source in config.sources:
        env = {value: "x" * 12 for key, value in source.options.items() if key.endswith("_env")}
        registry.build(source, config, env=env)


def test_the_sources_table_has_a_row_per_kind() -> None:
    rows = set(re.findall(r"^\| `([a-z]+)` \|", README, re.M))
    assert set(registry.KINDS) <= rows


def test_every_command_is_in_the_readme() -> None:
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name in commands:
        assert re.search(rf"inbox (?:--\S+ \S+ )*{name}\b", README), f"`inbox {name}` is not in the README"


def test_the_python_it_needs_is_the_one_the_package_says() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    version = pyproject["project"]["requires-python"].removeprefix(">=")
    assert f"Python {version} or newer" in README


def test_your_own_inbox_starts_with_inbox_init() -> None:
    section = README.split("## Your own inbox", 1)[1].split("\n## ", 1)[0]
    assert section.lstrip().startswith("1. `inbox init` writes a commented starter config")
    assert "inbox config" in section


def test_every_option_of_every_command_is_in_the_readme() -> None:
    """`inbox X --help` and the README name the same options: none is only in the code."""
    import argparse

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, parser in commands.choices.items():
        parsers = [parser] + [sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
                              for sub in action.choices.values()]
        for each in parsers:
            for action in each._actions:
                missing += [f"inbox {name} {option}" for option in action.option_strings
                            if option.startswith("--") and option != "--help" and option not in README]
    assert missing == []
