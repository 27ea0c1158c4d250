"""How many samples a run measures at once: on a CPU as many as keep the largest layer
output within the caches (never fewer than a training batch, never more than EVAL_BATCH),
on a GPU EVAL_BATCH; and the figures the analysis gives the trainer for it."""

from __future__ import annotations

import torch

from engine.analysis import analyse
from engine.data.feeding import EVAL_BATCH, EVAL_CACHE_BYTES, eval_batch
from engine.graph import Edge, Graph, Node
from engine.training.workload import Workload

SAMPLES = torch.zeros(10, 4)


def test_large_activations_are_measured_a_training_batch_at_a_time_on_a_cpu():
    assert eval_batch(SAMPLES, 64, EVAL_CACHE_BYTES // 8) == 64
    assert eval_batch(SAMPLES, 64, EVAL_CACHE_BYTES // 200) == 200
    assert eval_batch(SAMPLES, 64, 1024) == EVAL_BATCH
    assert eval_batch(SAMPLES, 4096, EVAL_CACHE_BYTES) == EVAL_BATCH


def test_a_gpu_or_an_unknown_network_measures_eval_batch_samples_at_once():
    assert eval_batch(SAMPLES, 64, EVAL_CACHE_BYTES, on_cpu=False) == EVAL_BATCH
    assert eval_batch(SAMPLES, 64) == EVAL_BATCH


def test_the_workload_names_the_largest_output_and_the_work_bf16_speeds_up():
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [1, 16, 16]}))
    graph.add_node(Node("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3,
                                           "padding": 1}))
    graph.add_node(Node("flat", "Flatten", {}))
    graph.add_node(Node("fc", "Linear", {"out_features": 2}))
    for source, target in (("x", "conv"), ("conv", "flat"), ("flat", "fc")):
        graph.add_edge(Edge(source, target))
    analysis = analyse(graph)
    workload = Workload.of(analysis)
    assert workload.largest_output_bytes == 8 * 16 * 16 * 4
    assert workload.bf16_macs == analysis.total_macs
