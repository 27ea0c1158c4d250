"""torch's threads on a CPU: the cores this process may use (affinity, a cgroup quota) less
what other work keeps busy, looked at again every few seconds of training; or the
project's own number."""

from __future__ import annotations

import json

import pytest
import torch

from engine.cli import main
from engine.project import save_project
from engine.training.config import TrainingError, read_training
from engine.training.threads import (
    AUTO,
    cgroup_quota,
    choose_threads,
    parse_setting,
    usable_cores,
)
from tests.engine.training_helpers import classifier_project


class _Busy:
    """A machine where other work keeps `cores` cores busy."""

    def __init__(self, cores: float | None):
        self.cores = cores

    def others_busy(self) -> float | None:
        return self.cores


@pytest.mark.parametrize(("text", "cores"), [("150000 100000", 1.5), ("max 100000", None),
                                             ("200000 100000\n", 2.0), ("oops", None),
                                             ("0 100000", None)])
def test_a_cgroup_quota_is_read_as_cores(tmp_path, text, cores):
    (tmp_path / "cpu.max").write_text(text)
    assert cgroup_quota(tmp_path) == cores


def test_no_cgroup_file_is_no_limit(tmp_path):
    assert cgroup_quota(tmp_path) is None


def test_auto_leaves_the_cores_other_work_keeps_busy():
    usable = usable_cores()
    assert choose_threads(AUTO, _Busy(0.0)) == usable
    assert choose_threads(AUTO, _Busy(None)) == usable
    assert choose_threads(AUTO, _Busy(usable + 3.0)) == 1, "never fewer than one"
    if usable >= 2:
        assert choose_threads(AUTO, _Busy(1.0)) == usable - 1
        assert choose_threads(AUTO, _Busy(0.5)) == usable, "half a core elsewhere is not one"
    assert choose_threads(AUTO, _Busy(0.0), share=usable) == 1, "shared among processes"


def test_a_number_is_taken_as_it_is():
    assert choose_threads(3, _Busy(100.0)) == 3


@pytest.mark.parametrize("value", [0, -1, 2.5, "many", True, 10_000])
def test_an_impossible_threads_setting_is_a_sentence(value):
    with pytest.raises(ValueError, match='"threads" must be "auto" or a whole number'):
        parse_setting(value)
    with pytest.raises(TrainingError, match="threads"):
        read_training({"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss",
                       "threads": value})


def test_a_run_uses_the_projects_threads_and_says_so(tmp_path, capsys):
    project = classifier_project(tmp_path, threads=1, epochs=2)
    save_project(project, tmp_path / "net.ndproj")
    before = torch.get_num_threads()
    try:
        assert main(["train", str(tmp_path / "net.ndproj"), "--out", str(tmp_path / "run")]) \
            == 0
    finally:
        torch.set_num_threads(before)
    printed = capsys.readouterr().out
    assert "s, 1 thread)" in printed
    history = json.loads((tmp_path / "run" / "metrics.json").read_text())["history"]
    assert [row["threads"] for row in history] == [1, 1]
