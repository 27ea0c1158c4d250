"""The `netdesigner` command: headless subcommands go to the engine's CLI (no Qt imported);
anything else opens the designer."""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMANDS = ("validate", "summary", "profile", "inspect", "train", "sweep", "export",
            "import")
HEADLESS = {*COMMANDS, "-h", "--help"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS:
        from engine.cli import main as cli

        return cli(args)
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(f"usage: netdesigner [FILE] | netdesigner {{{','.join(COMMANDS)}}} ...",
              file=sys.stderr)
        return 2
    try:
        from designer.app import run
    except ImportError as error:
        print(f"netdesigner: the designer needs PySide6 ({error}); the command line works "
              f"without it: netdesigner {'|'.join(COMMANDS)} ...", file=sys.stderr)
        return 1
    return run(args[0] if args else None)


if __name__ == "__main__":
    sys.exit(main())
