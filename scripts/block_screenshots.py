"""Screenshots of quick fixes and blocks for the README, taken offscreen:

- `quick-fix.png`: the digits CNN with its Flatten deleted, the Fix button of the problem
  pressed and the menu of fixes open (what each will do greyed below it);
- `resnet18-blocks.png`: ResNet-18 built from the shipped residual blocks, each block one
  collapsed node, the first (repeated twice) opened in place and another selected.

    .venv/bin/python scripts/block_screenshots.py [--dark] [--out docs/screenshots]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.blocks import without  # noqa: E402
from engine.graph import Edge  # noqa: E402
from engine.project import Project, load_project, save_project  # noqa: E402
from scripts.screenshots import close_window, open_window, started  # noqa: E402
from tests.engine.resnet_blocks import resnet18  # noqa: E402


def settle(app: QApplication, window) -> None:
    window.document.analyse_now()
    for _ in range(10):
        app.processEvents()


def shoot_quick_fix(app: QApplication, scratch: Path, target: Path) -> None:
    project = load_project(ROOT / "projects" / "digits_cnn.ndproj")
    graph = project.graph
    flatten = next(n for n in graph.nodes.values() if n.type == "Flatten")
    (feeding,) = graph.incoming(flatten.id)
    (fed,) = graph.outgoing(flatten.id)
    project.graph = without(graph, [flatten.id])
    project.graph.edges.append(Edge(feeding.source, fed.target))
    path = scratch / "digits_cnn.ndproj"
    save_project(project, path)
    window = open_window(scratch, path)
    settle(app, window)
    problem = next(p for p in window.problems.problems() if window.problems.fix_button(p))
    window.scene.select_nodes([problem.node])
    window.view.centerOn(window.scene.node_item(problem.node))
    button = window.problems.fix_button(problem)
    button.click()
    settle(app, window)
    menu = window.fixes.menu
    picture = window.grab()
    painter = QPainter(picture)
    # a popup is a window of its own (and the offscreen screen is small): draw it where it
    # opens on a real screen, below the button and inside the window
    corner = button.mapTo(window, button.rect().bottomRight())
    painter.drawPixmap(QPoint(max(0, corner.x() - menu.width()),
                              min(corner.y(), picture.height() - menu.height())), menu.grab())
    painter.end()
    picture.save(str(target))
    print(target)
    menu.close()
    close_window(window)


def shoot_resnet(app: QApplication, scratch: Path, target: Path) -> None:
    path = scratch / "resnet18.ndproj"
    save_project(Project("ResNet-18", resnet18()), path)
    window = open_window(scratch, path)
    settle(app, window)
    window.auto_layout("top-to-bottom")
    settle(app, window)
    window.blocks.set_open("residual_block", True)
    settle(app, window)
    window.scene.select_nodes(["residual_down_block"])
    for dock in ("problems", "training", "inspect"):
        window.docks[dock].hide()
    settle(app, window)
    window.view.set_zoom(0.55)
    frame = window.scene.block_frame("residual_block").sceneBoundingRect()
    window.view.centerOn(frame.center().x(), frame.top() + 420)
    settle(app, window)
    window.grab().save(str(target))
    print(target)
    close_window(window)


def main(argv: list[str] | None = None) -> None:
    app, scratch, out, suffix = started(__doc__, argv)
    shoot_quick_fix(app, scratch, out / f"quick-fix{suffix}.png")
    shoot_resnet(app, scratch, out / f"resnet18-blocks{suffix}.png")


if __name__ == "__main__":
    main()
