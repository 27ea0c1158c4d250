"""The module structure of imported code as blocks: each submodule whose forward() the
trace went through (a class of the user's such as a BasicBlock, or an nn.Sequential of
them) becomes a block named after its class, nested where the code nests it.

torch.fx records, for every op, the stack of modules whose forward() it ran in
(node.meta["nn_module_stack"]); a layer belongs to the modules its ops all ran in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from torch import fx, nn

from engine.blocks import Block, block_problems, entry_points
from engine.graph import Graph, unique_id

if TYPE_CHECKING:
    from engine.importing.values import Layer

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
"""torch's own holders of modules: a block for one is named after its attribute (whose
class export writes, 'downsample' → Downsample)."""


def containers(layer: Layer) -> list[str]:
    """The attribute paths of the modules `layer` ran inside, outermost first (the module
    it calls itself left out)."""
    if layer.type in ("Input", "TimeFirst"):
        return []
    chains = [_chain(node) for node in layer.nodes]
    common = chains[0] if chains else []
    for chain in chains[1:]:
        same = 0
        while same < min(len(common), len(chain)) and common[same] == chain[same]:
            same += 1
        common = common[:same]
    return common


def _chain(node: fx.Node) -> list[str]:
    stack = node.meta.get("nn_module_stack") or {}
    leaf = str(node.target) if node.op == "call_module" else None
    return [path for path, _ in stack.values() if path and path != leaf]


def scope_prefix(layer: Layer) -> str:
    """What an op's node id starts with when it ran inside a submodule ('layer1_0'), so
    that inside the block's class it reads as the code's own name; '' at the top."""
    chain = containers(layer)
    return chain[-1].replace(".", "_") if chain else ""


def module_blocks(layers: Sequence[Layer], graph: Graph) -> dict[str, Block]:
    """A collapsed block for each submodule that holds two or more of the graph's layers
    and meets the network as a block does (one output, no Input inside); a submodule that
    holds the same layers as one inside it gives one block, named after the user's class."""
    classes = {path: kind for layer in layers for node in layer.nodes
               for path, kind in (node.meta.get("nn_module_stack") or {}).values()}
    members: dict[str, list[str]] = {}
    for layer in layers:
        for path in containers(layer):
            members.setdefault(path, []).append(layer.id)
    kept: dict[frozenset[str], str] = {}
    for path in sorted(members, key=lambda p: p.count(".")):
        nodes = members[path]
        if len(nodes) < 2:
            continue
        key = frozenset(nodes)
        if key in kept and not (_is_container(classes[kept[key]])
                                and not _is_container(classes[path])):
            continue
        kept[key] = path
    blocks: dict[str, Block] = {}
    taken = set(graph.nodes)
    order = {node_id: index for index, node_id in enumerate(graph.nodes)}
    for path in sorted(kept.values(), key=lambda p: (p.count("."), p)):
        nodes = sorted(members[path], key=order.__getitem__)
        block_id = unique_id(path.replace(".", "_"), taken)
        taken.add(block_id)
        kind = classes[path]
        attribute = path.rpartition(".")[2]
        if _is_container(kind):  # named after its attribute ('downsample'), not its id
            name = attribute if attribute[:1].isalpha() else ""
        else:
            name = getattr(kind, "__name__", "")
        blocks[block_id] = Block(block_id, nodes, name, 1, True, None,
                                 entry_points(graph, nodes))
    return _sound(graph, blocks)


def _is_container(kind: object) -> bool:
    """torch's own holder, not a user's subclass of it (a `ConvBNReLU(nn.Sequential)`)."""
    return kind in CONTAINERS


def _sound(graph: Graph, blocks: dict[str, Block]) -> dict[str, Block]:
    """The blocks without those that could not stand as blocks (a submodule that gives two
    results, one whose result flows back into it): their layers stay in the blocks around."""
    while blocks:
        trial = graph.copy()
        trial.blocks = dict(blocks)
        broken = {block.id for block, _ in block_problems(trial)}
        if not broken:
            return blocks
        blocks = {k: v for k, v in blocks.items() if k not in broken}
    return blocks
