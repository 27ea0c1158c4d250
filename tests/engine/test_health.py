"""Training health: every few batches, each layer's output statistics, its gradient norm
and its dead ReLU units, kept in the run's metrics, and layers whose gradients vanish or
explode, whose outputs stop being numbers or whose units die reported for long enough
to matter."""

from __future__ import annotations

import json
import math

import pytest
import torch

from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node
from engine.inspection.health import Health, HealthSampler, health_problems
from engine.project import Project
from engine.training.events import HealthSampled
from engine.training.run import build_trainer, plan_run


def deep_sigmoid_project(layers: int = 20) -> Project:
    """The textbook vanishing gradient: many Sigmoid-topped Linears on the digits."""
    graph = Graph()
    graph.add_node(Node("image", "Input", {"shape": [1, 8, 8]}))
    graph.add_node(Node("flat", "Flatten", {}))
    graph.add_edge(Edge("image", "flat"))
    previous = "flat"
    for index in range(1, layers + 1):
        graph.add_node(Node(f"lin{index}", "Linear", {"out_features": 32}))
        graph.add_node(Node(f"sig{index}", "Sigmoid", {}))
        graph.add_edge(Edge(previous, f"lin{index}"))
        graph.add_edge(Edge(f"lin{index}", f"sig{index}"))
        previous = f"sig{index}"
    graph.add_node(Node("logits", "Linear", {"out_features": 10}))
    graph.add_edge(Edge(previous, "logits"))
    return Project("deep", graph, {"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss",
                                   "epochs": 1, "batch_size": 32})


def test_a_deep_sigmoid_stack_is_reported_as_vanishing_in_its_first_layers(tmp_path):
    trainer = build_trainer(plan_run(deep_sigmoid_project()), out_dir=tmp_path / "run",
                            health_every=5)
    events = []
    trainer.add_listener(lambda event: events.append(event)
                         if isinstance(event, HealthSampled) else None)
    trainer.run()
    assert [e.step for e in events] == [0, 5, 10, 15, 20, 25, 30, 35, 40]
    assert events[-1].figures["lin1"]["gradient_norm"] < 1e-7
    assert events[-1].figures["logits"]["gradient_norm"] > 1e-3
    problems = {p.node: p.message for p in events[-1].problems}
    assert "lin1" in problems and "logits" not in problems
    assert "vanishing" in problems["lin1"] and "for 45 batches" in problems["lin1"]
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())["health"]
    health = Health.from_json(saved)
    assert health.every == 5 and health.steps == [e.step for e in events]
    assert health_problems(health) == events[-1].problems


def test_outputs_are_summarised_and_dead_relus_counted():
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("fc", "Linear", {"out_features": 6}))
    graph.add_node(Node("relu", "ReLU", {}))
    graph.add_edge(Edge("x", "fc"))
    graph.add_edge(Edge("fc", "relu"))
    network = compile_graph(graph)
    with torch.no_grad():
        network.fc.bias[:3] = -100.0  # three of six units never fire
    sampler = HealthSampler(network, every=2)
    for step in range(4):
        sampled = sampler.begin(step)
        assert sampled == (step % 2 == 0)
        output = network(torch.randn(16, 4))
        output.sum().backward()
        sampler.after_backward()
        network.zero_grad()
    figures = sampler.health.nodes
    assert sampler.health.steps == [0, 2]
    assert figures["relu"]["dead"] == [0.5, 0.5]
    assert figures["fc"]["dead"] == [None, None]
    assert figures["fc"]["gradient_norm"][0] > 0 and figures["relu"]["gradient_norm"] == \
        [None, None]
    assert all(math.isfinite(v) for v in figures["fc"]["mean"] + figures["fc"]["std"])
    assert sampler.last["relu"]["dead"] == 0.5


def record(values: dict[str, list[float | None]], every: int = 20) -> Health:
    steps = list(range(0, every * len(next(iter(values.values()))), every))
    return Health(every, steps, {"layer": {"mean": [0.0] * len(steps),
                                           "std": [1.0] * len(steps),
                                           "gradient_norm": [1.0] * len(steps),
                                           "dead": [None] * len(steps), **values}})


def test_a_problem_must_last_200_batches_unless_it_was_there_from_the_start():
    healthy_then_small = [1.0] * 5 + [1e-9] * 5  # 100 batches of vanishing gradients
    assert health_problems(record({"gradient_norm": healthy_then_small})) == []
    longer = [1.0] * 5 + [1e-9] * 10
    [problem] = health_problems(record({"gradient_norm": longer}))
    assert "for 200 batches: vanishing" in problem.message
    [problem] = health_problems(record({"gradient_norm": [5e3] * 3}))
    assert "exploding" in problem.message and "gradient_clip" in problem.message
    [problem] = health_problems(record({"dead": [0.95] * 12}))
    assert "95 % of its outputs are zero" in problem.message and "LeakyReLU" in problem.message
    [problem] = health_problems(record({"mean": [0.0, math.nan]}))
    assert "not numbers" in problem.message


def test_a_broken_health_record_is_refused():
    with pytest.raises(ValueError, match="not a health record"):
        Health.from_json({"every": 5, "steps": "x", "nodes": []})
