"""The optimiser a project names, built with torch's fused step where torch has one: the
same arithmetic as the step a hand-written loop gets, in fewer passes; a project that picks
the implementation itself keeps its pick."""

import copy

import pytest
import torch
from torch import nn

from engine.export.train_script import _settings
from engine.training.config import Choice, TrainingConfig, TrainingError
from engine.training.optimisers import build_optimizer


def small_network() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 4))


def train(model: nn.Module, optimizer: torch.optim.Optimizer, steps: int = 60) -> None:
    data = torch.Generator().manual_seed(5)
    for _ in range(steps):
        x = torch.randn(16, 12, generator=data)
        y = torch.randint(0, 4, (16,), generator=data)
        optimizer.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


@pytest.mark.parametrize("choice", [
    Choice("Adam", {"lr": 0.01}),
    Choice("AdamW", {"lr": 0.01, "weight_decay": 0.05}),
    Choice("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    Choice("Adagrad", {"lr": 0.05}),
    Choice("Adam", {"lr": 0.01, "amsgrad": True}),
])
def test_optimisers_with_a_fused_step_take_it_and_learn_what_torchs_default_learns(choice):
    ours, theirs = small_network(), small_network()
    optimizer = build_optimizer(choice, ours.parameters())
    assert optimizer.param_groups[0]["fused"] is True
    train(ours, optimizer)
    train(theirs, getattr(torch.optim, choice.type)(theirs.parameters(), **choice.args))
    for mine, reference in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(mine, reference, rtol=1e-4, atol=1e-5)
    changed = small_network()
    assert any(not torch.equal(a, b) for a, b in zip(ours.parameters(),
                                                    changed.parameters(), strict=True))


@pytest.mark.parametrize("args", [{"foreach": False}, {"fused": False},
                                  {"differentiable": False}])
def test_a_project_that_picks_the_implementation_keeps_it(args):
    optimizer = build_optimizer(Choice("Adam", {"lr": 0.01, **args}),
                                small_network().parameters())
    assert not optimizer.param_groups[0]["fused"]


def test_an_optimiser_without_a_fused_step_is_built_as_named():
    optimizer = build_optimizer(Choice("RMSprop", {"lr": 0.01}), small_network().parameters())
    assert isinstance(optimizer, torch.optim.RMSprop)
    assert not optimizer.param_groups[0].get("fused")


def test_a_refused_argument_is_still_named_with_its_value():
    with pytest.raises(TrainingError, match=r"optimizer Adam: lr -1 is not accepted"):
        build_optimizer(Choice("Adam", {"lr": -1}), small_network().parameters())


def test_a_checkpoint_of_a_plain_optimiser_resumes_into_the_built_one():
    model = small_network()
    plain = torch.optim.Adam(model.parameters(), lr=0.01)
    train(model, plain, steps=5)
    resumed = build_optimizer(Choice("Adam", {"lr": 0.01}), model.parameters())
    resumed.load_state_dict(copy.deepcopy(plain.state_dict()))
    train(model, resumed, steps=5)
    assert all(state["step"].item() == 10 for state in resumed.state.values())


def make_optimizer_of(choice: Choice):
    lines = _settings(TrainingConfig(dataset={"name": "digits"},
                                     loss=Choice("CrossEntropyLoss"), optimizer=choice))
    start = next(i for i, line in enumerate(lines) if line.startswith("def make_optimizer"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "")
    scope: dict = {"torch": torch}
    exec("\n".join(lines[start:end]), scope)
    return scope["make_optimizer"]


def test_train_py_takes_the_same_step_as_the_trainer():
    fused = make_optimizer_of(Choice("AdamW", {"lr": 0.01}))(small_network().parameters())
    assert isinstance(fused, torch.optim.AdamW) and fused.param_groups[0]["fused"] is True
    named = make_optimizer_of(Choice("Adam", {"lr": 0.01, "foreach": True}))(
        small_network().parameters())
    assert named.param_groups[0]["foreach"] is True and not named.param_groups[0]["fused"]
    plain = make_optimizer_of(Choice("RMSprop", {"lr": 0.01}))(small_network().parameters())
    assert isinstance(plain, torch.optim.RMSprop)
