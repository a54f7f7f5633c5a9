"""The authoring guides (English original and Vietnamese) only tell centres to run commands
that exist: every `flask elearn …` in their code answers `--help`, with the options the guide
uses; and the two guides keep the same sections."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from elearn.testing import PROJECT_ROOT

GUIDES = [PROJECT_ROOT / "docs" / "course-authoring-guide.md",
          PROJECT_ROOT / "docs" / "huong-dan-soan-khoa-hoc.md"]


_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]*flask elearn[^`\n]*)`")


def guide_commands(path: Path) -> list[list[str]]:
    """The words after `flask elearn` of every command in the guide's code."""
    text = path.read_text(encoding="utf-8")
    lines = [line for block in _FENCE.findall(text) for line in block.splitlines()]
    lines += _INLINE.findall(text)
    commands = []
    for line in lines:
        if "flask elearn" not in line:
            continue
        words = shlex.split(line[line.index("flask elearn"):])
        commands.append(words[2:])
    return commands


def resolve(group: click.Group, words: list[str]) -> tuple[list[str], click.Command | None]:
    """(sub-command path, the command) as click would; None when a name is not a command."""
    command: click.Command = group
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group):
            break
        path.append(word)
        if word not in command.commands:
            return path, None
        command = command.commands[word]
    return path, command


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_command_in_the_guide_exists_with_its_options(app, guide):
    group = app.cli.commands["elearn"]
    commands = guide_commands(guide)
    assert len(commands) >= 10, "the guide walks through the commands"
    runner = app.test_cli_runner()
    seen = set()
    for words in commands:
        path, command = resolve(group, words)
        name = " ".join(path)
        seen.add(name)
        assert command is not None and not isinstance(command, click.Group), \
            f"{guide.name}: `flask elearn {' '.join(words)}`: no such command"
        helped = runner.invoke(args=["elearn", *path, "--help"])
        assert helped.exit_code == 0, helped.output
        options = {opt for param in command.params for opt in param.opts}
        for word in words[len(path):]:
            if word.startswith("--"):
                assert word.split("=")[0] in options, \
                    f"{guide.name}: `flask elearn {name}` has no option {word}"
    assert {"courses new", "lessons import", "bank template", "bank import",
            "courses check", "courses package", "courses reload"} <= seen


def test_an_unknown_command_would_be_caught(app):
    group = app.cli.commands["elearn"]
    assert resolve(group, ["courses", "publish", "x"]) == (["courses", "publish"], None)
    assert resolve(group, ["lessons", "import", "a.docx"])[1] is not None


def sections(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("## ")]


def test_both_guides_have_the_same_sections():
    english, vietnamese = (sections(path) for path in GUIDES)
    assert len(english) == len(vietnamese) >= 10
    # Numbered alike, so a reader can pass from one to the other.
    assert [line.split(".")[0] for line in english] == \
        [line.split(".")[0] for line in vietnamese]
