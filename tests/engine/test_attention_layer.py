"""MultiheadAttention: one input attends over itself, three are query, key and value; its
shapes and parameter count are torch's, and what it cannot take is a sentence."""

from __future__ import annotations

import random

import pytest
import torch
from torch import nn

from engine.analysis import analyse
from engine.catalogue import CATALOGUE, TensorInfo
from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node

SPEC = CATALOGUE["MultiheadAttention"]


def _network(shapes: list[list[int]], params: dict) -> Graph:
    graph = Graph()
    for index, shape in enumerate(shapes):
        graph.add_node(Node(f"x{index}", "Input", {"shape": shape}))
    graph.add_node(Node("att", "MultiheadAttention", params))
    for index in range(len(shapes)):
        graph.add_edge(Edge(f"x{index}", "att", index if len(shapes) > 1 else 0))
    return graph


def test_shapes_and_parameters_are_torchs_for_self_and_cross_attention():
    rng = random.Random(5)
    for _ in range(40):
        heads = rng.choice([1, 2, 4])
        embed = heads * rng.randint(1, 6)
        steps, sources = rng.randint(1, 9), rng.randint(1, 9)
        bias = rng.random() < 0.7
        if rng.random() < 0.5:
            shapes = [[steps, embed]]
        else:
            kdim, vdim = rng.randint(1, 10), rng.randint(1, 10)
            shapes = [[steps, embed], [sources, kdim], [sources, vdim]]
        graph = _network(shapes, {"num_heads": heads, "bias": bias})
        analysis = analyse(graph)
        assert analysis.ok, [p.message for p in analysis.errors]
        network = compile_graph(graph, analysis).eval()
        reference = network.att
        assert isinstance(reference, nn.MultiheadAttention)
        torch_count = sum(p.numel() for p in reference.parameters())
        assert analysis.nodes["att"].param_count == torch_count
        tensors = [torch.randn(3, *shape) for shape in shapes]
        query, key, value = tensors * 3 if len(tensors) == 1 else tensors
        with torch.no_grad():
            want = reference(query, key, value)[0]
            got = network(*tensors)
        assert analysis.nodes["att"].output.shape == tuple(want.shape[1:])
        torch.testing.assert_close(got, want)


def test_its_macs_count_the_projections_and_both_products_of_attention():
    inputs = [TensorInfo((10, 16))]
    output = SPEC.output(SPEC.resolve({"num_heads": 4}), inputs)
    # q, k, v projections 3·10·16·16, scores and mix 2·10·10·16, out projection 10·16·16
    assert SPEC.forward_macs(SPEC.resolve({"num_heads": 4}), inputs, output) == \
        3 * 10 * 16 * 16 + 2 * 10 * 10 * 16 + 10 * 16 * 16


@pytest.mark.parametrize(("shapes", "params", "words"), [
    ([[5, 6]], {"num_heads": 4}, "the query's 6 features do not split into 4 heads"),
    ([[5, 6], [5, 6]], {}, "takes one input (attention over itself) or three"),
    ([[5, 6], [4, 6], [3, 6]], {}, "must have the same number of steps"),
    ([[2, 5, 6]], {}, "must be a sequence [steps, features]"),
])
def test_inputs_it_cannot_attend_with_are_a_sentence(shapes, params, words):
    messages = " ".join(p.message for p in analyse(_network(shapes, params)).errors)
    assert words in messages


def test_it_is_written_as_a_person_calls_it():
    params = SPEC.resolve({"num_heads": 2})
    assert SPEC.code(params, [TensorInfo((5, 6))], ["h"], "self.att") == \
        "self.att(h, h, h, need_weights=False)[0]"
    inputs = [TensorInfo((5, 6)), TensorInfo((3, 4)), TensorInfo((3, 4))]
    assert SPEC.code(params, inputs, ["q", "m", "m"], "self.att") == \
        "self.att(q, m, m, need_weights=False)[0]"
