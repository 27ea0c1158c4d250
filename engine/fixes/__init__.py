"""Quick fixes: for a problem the validator finds, the graph edits that repair it.

A fix is offered only when re-analysis shows it works: the problem is gone and no new error
appeared. Each fix is a whole edited graph, so the designer applies it (and undoes it) as
one step, and the CLI or a test can apply it with no window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.analysis import Analysis, Problem, analyse
from engine.editing import connection_problem
from engine.fixes.candidates import Candidate, adapters, for_node
from engine.graph import Edge, Graph


@dataclass(frozen=True)
class Fix:
    title: str
    """What it does, as a menu entry: "Insert Flatten between 'x' and 'fc'"."""
    effect: str
    """What changes for the network, shown before it is applied."""
    graph: Graph
    """The graph with the fix applied."""


def fixes_for(graph: Graph, problem: Problem, training: Mapping[str, Any] | None = None,
              analysis: Analysis | None = None) -> list[Fix]:
    """The fixes that repair `problem`, best first."""
    if problem.node is None or problem.node not in graph.nodes:
        return []
    analysis = analysis or analyse(graph, training)
    candidates = for_node(graph, analysis, problem.node, problem.message)
    return _working(candidates, analysis, training,
                    lambda after: _repaired(problem, analysis, after), problem.node)


def could_fix(graph: Graph, problem: Problem, analysis: Analysis) -> bool:
    """Whether a fix is worth looking for (some repair applies; it may still not work):
    cheap, for when checking each one would take too long."""
    if problem.node is None or problem.node not in graph.nodes:
        return False
    return next(iter(for_node(graph, analysis, problem.node, problem.message)), None) \
        is not None


def fixes_for_node(graph: Graph, node_id: str, training: Mapping[str, Any] | None = None,
                   analysis: Analysis | None = None) -> list[Fix]:
    """The fixes for every problem of one node (Ctrl+. on a selected node)."""
    analysis = analysis or analyse(graph, training)
    found: dict[str, Fix] = {}
    for problem in analysis.problems:
        if problem.node == node_id:
            for fix in fixes_for(graph, problem, training, analysis):
                found.setdefault(fix.title, fix)
    return list(found.values())


def connection_adapters(graph: Graph, analysis: Analysis, source: str, target: str,
                        port: int = 0) -> list[Fix]:
    """For a connection the target cannot take as it is: the layout layers it could go
    through instead ("Connect through Flatten")."""
    if connection_problem(graph, analysis, source, target, port) is None:
        return []
    wired = graph.copy()
    edge = wired.add_edge(Edge(source, target, port))
    before = analyse(wired)
    if any(p.node == target for p in before.errors if "port" in p.message):
        return []
    fixes = _working(adapters(wired, edge), before, None,
                     lambda after: not any(p.node == target for p in after.errors)
                     and after.nodes[target].output is not None, target)
    return [Fix(f.title.replace("Insert ", "Connect through ").split(" between")[0],
                f.effect, f.graph) for f in fixes]


def _working(candidates: Iterable[Candidate], before: Analysis,
             training: Mapping[str, Any] | None, repaired: Any,
             node_id: str | None = None) -> list[Fix]:
    fixes = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.title in seen:
            continue
        seen.add(candidate.title)
        edited = candidate.build()
        after = analyse(edited, training)
        if len(after.errors) <= len(before.errors) and repaired(after):
            fixes.append(Fix(candidate.title, _effect(before, after, node_id), edited))
    return fixes


def _repaired(problem: Problem, before: Analysis, after: Analysis) -> bool:
    # a repaired parameter can reveal the next problem of the same node (a kernel too large
    # shows once the parameters are readable), so the count of errors must not grow, but
    # it need not shrink
    return not any(p.node == problem.node and p.message == problem.message
                   for p in after.problems)


def _effect(before: Analysis, after: Analysis, node_id: str | None = None) -> str:
    """In a few words: the layers added or removed, what the repaired layer then gives,
    and the network's output when that changes."""
    parts = []
    for added in [n for n in after.nodes if n not in before.nodes]:
        report = after.nodes[added]
        parts.append(f"adds '{added}'" + (f" giving {report.output}"
                                          if report.output is not None else ""))
    parts += [f"removes '{n}'" for n in before.nodes if n not in after.nodes]
    watched = [n for n in (node_id, *after.outputs) if n is not None]
    for watched_id in dict.fromkeys(watched):
        old, new = before.nodes.get(watched_id), after.nodes.get(watched_id)
        if new is None or new.output is None or (old is not None and old.output == new.output):
            continue
        if watched_id != node_id:
            parts.append(f"the output '{watched_id}' becomes {new.output}")
            continue
        was = f" instead of {old.output}" if old is not None and old.output else ""
        parts.append(f"'{watched_id}' then gives {new.output}{was}")
    errors = len(before.errors) - len(after.errors)
    if errors > 0:
        parts.append(f"{errors} error{'s' if errors > 1 else ''} fewer")
    return "; ".join(parts) or "changes parameters only"


__all__ = ["Fix", "connection_adapters", "could_fix", "fixes_for", "fixes_for_node"]
