"""Blocks in the designer: the canvas shows collapsed blocks as one node, and what the user
does to such a node (connect, move, delete, open, group, repeat, save) becomes one undoable
edit of the document's flat graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from designer.commands import AddItems, ReplaceGraph
from engine.analysis import Analysis
from engine.block_library import (
    BLOCK_EXTENSION,
    SHIPPED_BLOCKS,
    library,
    load_block,
    placed,
    save_block,
    template_of,
)
from engine.block_view import (
    BlockView,
    closed_in_place,
    collapsed_view,
    opened_in_place,
    shown_blocks,
    view_analysis,
)
from engine.blocks import (
    changed_block,
    children,
    grouped,
    input_edges,
    interface,
    membership,
    ungrouped,
    without,
)
from engine.editing import connection_problem, renumbered_inputs
from engine.graph import Edge, Graph
from engine.project import ProjectError
from engine.storage import StorageError, storage_error
from widgets.block_panel import BlockPanel
from widgets.canvas.mime import block_path, block_payload

if TYPE_CHECKING:
    from designer.main_window import MainWindow

LIBRARY_SETTING = "blocks/library"
DEFAULT_LIBRARY = Path.home() / "Netdesigner" / "blocks"


class BlockController(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.view = BlockView(window.document.graph)
        self.panel = BlockPanel()
        self.panel.name_edited.connect(lambda name: self._change(name=name))
        self.panel.repeat_edited.connect(lambda repeat: self._change(repeat=repeat))
        self.panel.open_toggled.connect(self._toggle_selected)
        self.panel.ungroup_requested.connect(self.ungroup)
        self.panel.save_requested.connect(self.save_to_library)
        self._selected: str | None = None

    @property
    def graph(self) -> Graph:
        return self.window.document.graph

    @property
    def library_folder(self) -> Path:
        return Path(str(self.window.settings.value(LIBRARY_SETTING, str(DEFAULT_LIBRARY))))

    # -- document → canvas ---------------------------------------------------------------
    def refresh(self, replace: bool = False) -> None:
        """Show the document's graph with its collapsed blocks as single nodes."""
        self.view = collapsed_view(self.graph)
        scene = self.window.scene
        if replace:
            scene.set_graph(self.view.graph)
        else:
            scene.show_graph(self.view.graph)
        shown_id = self.view.shown_id
        frames = {}
        for block_id in shown_blocks(self.graph, collapsed=False):
            b = self.graph.blocks[block_id]
            frames[b.id] = (f"{b.class_name}{f' ×{b.repeat}' if b.repeat != 1 else ''} · {b.id}",
                            list(dict.fromkeys(shown_id(n) for n in b.nodes)))
        scene.set_block_frames(frames)

    def shown_analysis(self, analysis: Analysis) -> Analysis:
        return view_analysis(analysis, self.graph, self.view)

    def refresh_palette(self) -> None:
        blocks = library(SHIPPED_BLOCKS, self.library_folder)
        self.window.palette_panel.set_blocks([
            (block_payload(str(t.path)), t.name, t.description) for t in blocks])

    # -- canvas → document: the ids the canvas shows are blocks or layers ----------------
    def member_edges(self, source: str, target: str, port: int) -> list[Edge]:
        """The edges of the flat graph that a connection on the canvas stands for."""
        graph = self.graph
        if source in graph.blocks:
            outputs = interface(graph, graph.blocks[source]).outputs
            source = outputs[0] if outputs else graph.blocks[source].nodes[-1]
        if target in graph.blocks:
            block = graph.blocks[target]
            if port < len(block.inputs):
                return input_edges(block, source, port)
            entries = interface(graph, block).entries
            return [Edge(source, e.target, e.target_port) for e in entries][:1] or [
                Edge(source, block.nodes[0], 0)]
        return [Edge(source, target, port)]

    def connection_problem(self, source: str, target: str, port: int) -> str | None:
        document = self.window.document
        for edge in self.member_edges(source, target, port):
            problem = connection_problem(document.graph, document.analysis, edge.source,
                                         edge.target, edge.target_port)
            if problem:
                return problem
        return None

    def connect(self, source: str, target: str, port: int) -> str | None:
        problem = self.connection_problem(source, target, port)
        if problem is None:
            edges = self.member_edges(source, target, port)
            self.window.document.push(AddItems(self.window.document, [], edges,
                                               f"Connect {source} to {target}"))
        return problem

    def delete(self, node_ids: list[str], edges: list[Edge]) -> None:
        owner = membership(self.graph)
        if not any(n in self.graph.blocks or n in owner for n in node_ids) and not any(
                e.source in self.graph.blocks or e.target in self.graph.blocks for e in edges):
            self.window.editor.delete(node_ids, edges)
            return
        edited = without(self.graph, node_ids)
        doomed = {e for view_edge in edges for e in self.member_edges(*_edge_tuple(view_edge))}
        edited.edges = [e for e in edited.edges if e not in doomed]
        for index, edge in renumbered_inputs(edited, {e.target for e in doomed}).items():
            edited.edges[index] = edge
        self.window.document.push(ReplaceGraph(self.window.document, edited, "Delete"))

    def double_clicked(self, node_id: str) -> bool:
        """Opens a collapsed block; False when `node_id` is a layer."""
        if node_id not in self.graph.blocks:
            return False
        self.set_open(node_id, True)
        return True

    def set_open(self, block_id: str, opened: bool) -> None:
        if block_id in self.graph.blocks and self.graph.blocks[block_id].collapsed == opened:
            flow = self.window.scene.look.flow
            edited = (opened_in_place if opened else closed_in_place)(self.graph, block_id,
                                                                      flow)
            self._push(edited, f"{'Open' if opened else 'Close'} block {block_id}")
            if not opened:
                self.window.scene.select_nodes([block_id])

    # -- the user's block commands -------------------------------------------------------
    def group(self) -> None:
        ids = self.window.scene.selected_node_ids()
        result = grouped(self.graph, ids)
        if isinstance(result, str):
            self._say(f"Cannot group: {result}")
            return
        edited, block_id = result
        # collapsed where its layers began, what came after them moves up to it, as
        # closing an open block does
        edited.blocks[block_id].collapsed = False
        edited = closed_in_place(edited, block_id, self.window.scene.look.flow)
        self._push(edited, f"Group {len(ids)} items into {block_id}")
        self.window.scene.select_nodes([block_id])

    def ungroup(self) -> None:
        block_id = self._selected_block()
        if block_id is None:
            self._say("Select a block to ungroup")
            return
        members = list(self.graph.blocks[block_id].nodes)
        # its layers come back where they stood, and what follows makes room, as opening
        # the block does
        opened = opened_in_place(self.graph, block_id, self.window.scene.look.flow) \
            if self.graph.blocks[block_id].collapsed else self.graph
        self._push(ungrouped(opened, block_id), f"Ungroup {block_id}")
        self.window.scene.select_nodes(members)

    def drop(self, payload: str, position: tuple[float, float]) -> bool:
        """Add the block a palette payload names; False when it names a layer type."""
        path = block_path(payload)
        if path is None:
            return False
        try:
            template = load_block(path)
        except ProjectError as error:
            self._say(f"Cannot add the block: {error}")
            return True
        nodes, edges, block = placed(self.graph, template, position)
        edited = self.graph.copy()
        for node in nodes:
            edited.add_node(node)
        edited.edges += edges
        edited.blocks[block.id] = block
        self._push(edited, f"Add block {template.name}")
        self.window.scene.select_nodes([block.id])
        return True

    def save_to_library(self) -> None:
        block_id = self._selected_block()
        if block_id is None:
            return
        block = self.graph.blocks[block_id]
        folder = self.library_folder
        folder.mkdir(parents=True, exist_ok=True)
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save Block to Library", str(folder / f"{block.id}{BLOCK_EXTENSION}"),
            f"Netdesigner blocks (*{BLOCK_EXTENSION})")
        if not path:
            return
        self.save_block_to(block_id, Path(path))

    def save_block_to(self, block_id: str, path: Path) -> None:
        if path.suffix != BLOCK_EXTENSION:
            path = path.with_suffix(BLOCK_EXTENSION)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_block(template_of(self.graph, self.graph.blocks[block_id]), path)
        except StorageError as error:
            self._say(f"Cannot save the block: {error}")
            return
        except OSError as error:
            self._say(f"Cannot save the block: {storage_error(error, path)}")
            return
        self.window.settings.setValue(LIBRARY_SETTING, str(path.parent))
        self.refresh_palette()
        inside = children(self.graph, block_id)
        flattened = (f" (the block{'s' if len(inside) > 1 else ''} inside it, "
                     f"{', '.join(inside)}, saved as its layers)" if inside else "")
        self._say(f"Saved {path.name}: it is under Blocks in the Layers panel{flattened}")

    # -- selection -----------------------------------------------------------------------
    def show_selection(self, ids: list[str], analysis: Analysis) -> bool:
        """Show the block panel for one selected block; False when the selection is not
        one block."""
        if len(ids) != 1 or ids[0] not in self.graph.blocks:
            self._selected = None
            return False
        self._selected = block_id = ids[0]
        block = self.graph.blocks[block_id]
        report = self.shown_analysis(analysis).nodes.get(block_id)
        totals = []
        if report is not None and report.param_count is not None:
            totals.append(f"{report.param_count:,} parameters")
        if report is not None and report.output is not None:
            totals.append(f"output {report.output}")
        totals.append(f"{len(block.nodes)} layers" + (
            f", applied {block.repeat} times" if block.repeat > 1 else ""))
        self.panel.show_block(block_id, block.name or block.class_name, block.repeat,
                              block.collapsed, " · ".join(totals))
        return True

    def _selected_block(self) -> str | None:
        ids = self.window.scene.selected_node_ids()
        owner = membership(self.graph)
        for node_id in ids:
            if node_id in self.graph.blocks:
                return node_id
            if node_id in owner:
                return owner[node_id]
        return None

    def _toggle_selected(self) -> None:
        if self._selected in self.graph.blocks:
            self.set_open(self._selected, self.graph.blocks[self._selected].collapsed)

    def _change(self, **changes: object) -> None:
        block_id = self._selected
        if block_id not in self.graph.blocks:
            return
        block = self.graph.blocks[block_id]
        if all(getattr(block, k) == v for k, v in changes.items()):
            return
        what = ", ".join(f"{k} {v}" for k, v in changes.items())
        self._push(changed_block(self.graph, block_id, **changes),
                   f"Set {what} of {block_id}")

    def _push(self, edited: Graph, text: str) -> None:
        self.window.document.push(ReplaceGraph(self.window.document, edited, text))

    def _say(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)


def _edge_tuple(edge: Edge) -> tuple[str, str, int]:
    return edge.source, edge.target, edge.target_port
