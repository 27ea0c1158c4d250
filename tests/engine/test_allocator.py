"""Training sets glibc's allocator thresholds once, so that its speed does not depend on
what the process did before (see engine.training.allocator): a block of a few megabytes,
which glibc would otherwise map and unmap on each allocation, then comes from the heap."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import ctypes, ctypes.util, sys
from engine.training.allocator import keep_large_blocks

libc = ctypes.CDLL(ctypes.util.find_library("c"))
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]

def mapped_while_held(size):
    block = libc.malloc(size)
    mapped = libc.mallinfo2().hblks
    libc.free(block)
    return mapped

before = mapped_while_held(4 << 20)
print(before, keep_large_blocks(), mapped_while_held(4 << 20), keep_large_blocks())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_blocks_of_a_few_megabytes_come_from_the_heap_once_set():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120)
    if "mallinfo2" in done.stderr:
        pytest.skip("a glibc older than 2.33 (no mallinfo2)")
    assert done.returncode == 0, done.stderr
    before, set_once, after, set_again = done.stdout.split()
    assert int(before) >= 1 and set_once == "True"
    assert int(after) < int(before) and set_again == "True"
