"""The memory checks take the least of the machine's available memory, the process's own
limits and its control group's, so a run under `ulimit -v` or in a container is refused
with a sentence before it reads, never ended by MemoryError."""

from __future__ import annotations

import resource
import zipfile

import numpy as np

from engine import capacity
from tests.engine.cli_helpers import run
from tests.engine.hostile_files import _data_project, _npy, _small_y

MB = 1024 * 1024


def test_a_process_limit_below_the_machines_memory_is_what_is_available(monkeypatch):
    real = resource.getrlimit
    used = capacity._process_status()["VmSize"]

    def limited(which):
        if which == resource.RLIMIT_AS:
            return (used + 300 * MB, resource.RLIM_INFINITY)
        return real(which)

    monkeypatch.setattr(resource, "getrlimit", limited)
    monkeypatch.setattr(capacity, "_machine_room", lambda: 64 * 1024 * MB)
    room = capacity.available_memory()
    assert 250 * MB < room <= 300 * MB


def _cgroup(tmp_path, lines: list[str], files: dict[str, str]):
    tmp_path.mkdir(parents=True, exist_ok=True)
    membership = tmp_path / "membership"
    membership.write_text("\n".join(lines) + "\n")
    for name, text in files.items():
        path = tmp_path / "fs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path / "fs"), str(membership)


def test_the_tightest_cgroup_v2_limit_of_the_group_and_its_parents_counts(tmp_path):
    root, membership = _cgroup(tmp_path, ["0::/user/session"], {
        "user/memory.max": f"{1024 * MB}\n", "user/memory.current": f"{824 * MB}\n",
        "user/session/memory.max": "max\n", "user/session/memory.current": f"{50 * MB}\n"})
    assert capacity._cgroup_room(root, membership) == 200 * MB


def test_a_cgroup_v1_memory_limit_counts_and_no_limit_is_none(tmp_path):
    root, membership = _cgroup(tmp_path, ["4:memory:/job", "1:cpu:/job"], {
        "memory/job/memory.limit_in_bytes": f"{512 * MB}",
        "memory/job/memory.usage_in_bytes": f"{112 * MB}"})
    assert capacity._cgroup_room(root, membership) == 400 * MB
    root, membership = _cgroup(tmp_path / "free", ["4:memory:/"], {
        "memory/memory.limit_in_bytes": "9223372036854771712"})
    assert capacity._cgroup_room(root, membership) is None


def test_arrays_that_fit_one_by_one_but_not_together_are_refused_before_reading(
        tmp_path, capsys, monkeypatch):
    count = 10 * MB
    with zipfile.ZipFile(tmp_path / "twins.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        for key in ("x", "x_val"):
            with archive.open(f"{key}.npy", "w") as member:
                member.write(_npy((count // 4, 4)))
                member.write(bytes(count * 4))
        archive.writestr("y.npy", _small_y())
        archive.writestr("y_val.npy", _small_y())
    project = _data_project(tmp_path, "twins.npz", "twins")
    monkeypatch.setattr(capacity, "available_memory", lambda: 60 * MB)
    code, _, err = run(capsys, "train", str(project))
    assert code == 1
    assert "twins.npz: its arrays together" in err and "needs" in err
    assert "MemoryError" not in err and "internal error" not in err
    assert np.load(tmp_path / "twins.npz")["y"].shape  # the file itself is fine
