"""The names of files being written: beside their place, hidden, and carrying the machine
and process writing them, so that what a killed process left is recognised later."""

from __future__ import annotations

import os
import re
import socket

TEMPORARY_SUFFIX = ".tmp"
STAGE_SUFFIX = ".stage"
LEFT_BEHIND = re.compile(r"^\..+\.([A-Za-z0-9]+)-(\d+)\.[^.]*(\.tmp|\.stage)$")
"""`.NAME.HOST-PID.RANDOM.tmp` or `.stage`: (HOST, PID)."""


def writer() -> str:
    """Who writes: this machine and process, as temporary names carry it."""
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:32] or "host"
    return f"{host}-{os.getpid()}"


def temporary_prefix(name: str) -> str:
    return f".{name}.{writer()}."
