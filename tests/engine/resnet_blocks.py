"""ResNet-18 at 3×224×224, built as a user would: a stem of layers, then the shipped
residual blocks dropped in, their channels edited, and repeat counts set."""

from __future__ import annotations

from engine.block_library import SHIPPED_BLOCKS, load_block, placed
from engine.blocks import Block, input_edges
from engine.graph import Edge, Graph, Node

TORCHVISION_RESNET18_PARAMS = 11_689_512


def _chain(graph: Graph, layers: list[tuple[str, str, dict]], after: str | None) -> str:
    for node_id, layer_type, params in layers:
        graph.add_node(Node(node_id, layer_type, params))
        if after is not None:
            graph.add_edge(Edge(after, node_id))
        after = node_id
    return after


def _drop(graph: Graph, file: str, after: str, channels: int, repeat: int = 1) -> Block:
    nodes, edges, block = placed(graph, load_block(SHIPPED_BLOCKS / file))
    for node in nodes:
        graph.add_node(node)
        if node.type == "Conv2d":
            node.params["out_channels"] = channels
    graph.edges += edges + input_edges(block, after)
    block.repeat = repeat
    graph.blocks[block.id] = block
    return block


def resnet18(blocks_folder_file: str = "residual_block.ndblock") -> Graph:
    graph = Graph()
    last = _chain(graph, [
        ("image", "Input", {"shape": [3, 224, 224]}),
        ("conv1", "Conv2d", {"out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3,
                             "bias": False}),
        ("bn1", "BatchNorm2d", {}), ("relu", "ReLU", {}),
        ("maxpool", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ], None)
    block = _drop(graph, blocks_folder_file, last, 64, repeat=2)
    last = block.nodes[-1]
    for channels in (128, 256, 512):
        down = _drop(graph, "residual_down_block.ndblock", last, channels)
        plain = _drop(graph, blocks_folder_file, down.nodes[-1], channels)
        last = plain.nodes[-1]
    _chain(graph, [("avgpool", "AdaptiveAvgPool2d", {"output_size": 1}),
                   ("flatten", "Flatten", {}), ("fc", "Linear", {"out_features": 1000})], last)
    return graph
