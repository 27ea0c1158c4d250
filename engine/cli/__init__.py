"""The command line: the same project files, without a window. One module per command,
each registering its parser (`add_command`); heavy imports wait until a command runs.

Exit codes: 0 success, 1 a problem in the user's file or data (explained, one line each),
2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.analysis import CompileError
from engine.cli import (
    export,
    import_model,
    inspect,
    profile,
    summary,
    sweep,
    train,
    validate,
)
from engine.cli.user_error import UserError
from engine.storage import StorageError, storage_error
from engine.storage.errors import STORAGE_ERRNOS

COMMANDS = (validate, summary, train, sweep, import_model, export, profile, inspect)
"""In the order `netdesigner --help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netdesigner",
        description="Design, check and train neural networks stored as .ndproj files. "
                    "`netdesigner [FILE]` with no command opens the designer (on FILE).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        return 1
    except CompileError as error:
        for problem in error.problems:
            print(f"netdesigner: {problem}", file=sys.stderr)
        return 1
    except StorageError as error:
        print(f"netdesigner: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the file system's refusal, wherever it was met
        if error.errno not in STORAGE_ERRNOS:
            return _internal_error(error)
        where = error.filename or "a file"
        print(f"netdesigner: {storage_error(error, Path(where))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netdesigner: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        return _internal_error(error)


def _internal_error(error: Exception) -> int:
    """Users get a sentence; developers set NETDESIGNER_DEBUG for the traceback."""
    if os.environ.get("NETDESIGNER_DEBUG"):
        raise error
    print(f"netdesigner: internal error, please report it: {type(error).__name__}: "
          f"{error} (set NETDESIGNER_DEBUG=1 for details)", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
