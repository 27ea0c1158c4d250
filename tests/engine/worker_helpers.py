"""Initializers for data workers under test ("module:function", run in the worker)."""

from __future__ import annotations

import dataclasses
import os
import signal
import time


def add_failing_builtins() -> None:
    """Built-ins that end the worker process, or take a long time, when loaded."""
    from engine.data import BUILTINS

    digits = BUILTINS["digits"]

    def killed(seed: int = 0):
        os.kill(os.getpid(), signal.SIGKILL)

    def slow(seed: int = 0):
        time.sleep(60)

    BUILTINS["killed"] = dataclasses.replace(digits, name="killed", make=killed)
    BUILTINS["slow"] = dataclasses.replace(digits, name="slow", make=slow)
