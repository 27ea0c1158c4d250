"""`netdesigner`: every command of the engine's command line runs without Qt; anything else
opens the designer."""

from __future__ import annotations

import argparse

from designer.launcher import COMMANDS
from engine.cli import build_parser


def test_every_command_line_command_is_run_headless_by_the_launcher():
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) == set(COMMANDS)
    assert "opens the designer" in parser.format_help()
