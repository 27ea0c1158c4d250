"""Keep the C allocator from returning a training step's large blocks to the system.

A training step allocates and frees tensors of hundreds of kilobytes to megabytes, batch
after batch. glibc's malloc serves blocks above its mmap threshold (128 KiB at start) with
a fresh mmap and returns them with munmap, so every batch faults in its activations page by
page again. glibc raises that threshold by itself once the process frees a large mmapped
block (up to 32 MiB) — which generating a dataset in the same process happens to do, and
loading it elsewhere does not: measured on the CRNN example, training ran 15–30 % slower
in a process that had not made its own data. Setting the thresholds where glibc's own
adjustment would take them makes the speed not depend on that history.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
"""glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the most its adjustment ever reaches."""
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
"""What glibc's adjustment sets beside it."""

_done = False


def keep_large_blocks() -> bool:
    """Set glibc's thresholds once per process (elsewhere nothing is done); True when they
    are set."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _done
