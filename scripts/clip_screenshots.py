"""Screenshots of clips and sequences read from files, at 1280×820:

- `clips-data.png`: the Data tab for a folder of camera-like colour clips in class folders
  (320×240, 60 frames) fitted to the gesture CRNN's Input set to [16, 3, 64, 64];
- `clips-labels.png`: the Data tab for the built-in video labels written out as videos
  with a file of per-frame labels beside each;
- `clips-input-fix.png`: the same class folders with the template's Input as it is
  ([12, 1, 16, 16] fits; [1, 16, 16] does not): the problem on the Input, and its fix;
- `sequences-data.png`: the Data tab for motion recordings of 40 to 200 steps (three
  accelerometer axes, .csv with a header) read by a GRU whose Input is variable_length.

    .venv/bin/python scripts/clip_screenshots.py [--dark] [--out docs/screenshots]

Must run as a script (`if __name__ == "__main__"`): the preview's decoding is done in the
window's process, but a run's workers are started with 'spawn'.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "bench"):
    sys.path.insert(0, str(folder))

from clip_loading_parts.clip_files import camera_clips, write_labelled_videos  # noqa: E402
from PySide6.QtCore import QPoint, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.main_window import MainWindow  # noqa: E402
from engine.data.generated_clips import video_labels  # noqa: E402
from scripts.screenshots import close_window, shoot, started, wait_until  # noqa: E402


def project_on(scratch: Path, stem: str, dataset: str, shape: list[int]) -> Path:
    template = json.loads((ROOT / "projects" / f"{stem}.ndproj").read_text())
    template["graph"]["nodes"][0]["params"]["shape"] = shape
    template["training"]["dataset"] = {"path": dataset}
    path = scratch / f"{stem}-{dataset}-{len(shape)}.ndproj"
    path.write_text(json.dumps(template))
    return path


def window_on(app: QApplication, scratch: Path, project: Path) -> MainWindow:
    window = MainWindow(QSettings(str(scratch / f"{project.stem}.ini"),
                                  QSettings.Format.IniFormat))
    window.resize(1280, 820)
    window.show()
    window.files.open_path(project, confirmed=True)
    window.document.analyse_now()
    previewer = window.training_panel.previewer
    wait_until(app, lambda: previewer.preview is not None, timeout=120)
    settled = time.monotonic() + 1
    wait_until(app, lambda: time.monotonic() > settled)
    return window


def data_tab(app: QApplication, scratch: Path, project: Path, target: Path) -> None:
    window = window_on(app, scratch, project)
    window.docks["training"].show()
    window.docks["training"].raise_()
    window._make_room_for_training()
    panel = window.training_panel
    panel.tabs.setCurrentWidget(panel.data_view)
    shoot(window, app, target)
    close_window(window)


def input_fix(app: QApplication, scratch: Path, project: Path, target: Path) -> None:
    window = window_on(app, scratch, project)
    window.docks["problems"].show()
    window.docks["problems"].raise_()
    problem = next(p for p in window.problems.problems() if p.node)
    window.scene.select_nodes([problem.node])
    button = window.problems.fix_button(problem)
    where = button.mapToGlobal(QPoint(0, button.height())) if button else QPoint(400, 500)
    window.fixes.offer_for_problem(problem, where)
    for _ in range(20):
        app.processEvents()
    menu = window.fixes.menu
    picture = window.grab()
    if menu is not None:
        from PySide6.QtGui import QPainter

        painter = QPainter(picture)
        corner = window.mapFromGlobal(menu.pos())
        painter.drawPixmap(QPoint(max(0, min(corner.x(), picture.width() - menu.width())),
                                  min(corner.y() + 8, picture.height() - menu.height())),
                           menu.grab())
        painter.end()
        menu.close()
    picture.save(str(target))
    print(target)
    close_window(window)


def motion_recordings(folder: Path, per_class: int = 12) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    for label, pace in (("walk", 1.8), ("run", 3.2), ("jump", 0.9)):
        for number in range(per_class):
            steps = int(rng.integers(40, 201))
            t = np.arange(steps) / 50
            axes = [np.sin(2 * np.pi * pace * t + rng.uniform(0, 6)) * rng.uniform(0.5, 2)
                    + rng.normal(0, 0.15, steps) for _ in range(3)]
            rows = ["ax,ay,az"] + [",".join(f"{v:.4f}" for v in row) for row in np.stack(axes, 1)]
            path = folder / label / f"{label}{number:02d}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(rows) + "\n")


def sequence_project(scratch: Path) -> Path:
    from engine.graph import Edge, Graph, Node
    from engine.project import Project, save_project

    graph = Graph()
    layers = [("motion", "Input", {"shape": [200, 3], "variable_length": True}),
              ("gru", "GRU", {"hidden_size": 32, "bidirectional": True}),
              ("last", "LastStep", {}), ("activity", "Linear", {"out_features": 3})]
    for index, (node_id, kind, params) in enumerate(layers):
        graph.add_node(Node(node_id, kind, params, (0.0, 134.0 * index)))
        if index:
            graph.add_edge(Edge(layers[index - 1][0], node_id))
    path = scratch / "activity.ndproj"
    save_project(Project("Activity", graph, {"dataset": {"path": "motion"},
                                             "loss": "CrossEntropyLoss"}), path)
    return path


def main(argv: list[str] | None = None) -> None:
    app, scratch, out, suffix = started(__doc__.split("\n\n")[0], argv)
    camera_clips(scratch / "camera", 24)
    write_labelled_videos(scratch / "labelled", video_labels(0, 100, 20), clips_per_video=20)
    data_tab(app, scratch, project_on(scratch, "gesture_crnn", "camera", [16, 3, 64, 64]),
             out / f"clips-data{suffix}.png")
    data_tab(app, scratch, project_on(scratch, "video_labeller", "labelled", [10, 1, 16, 16]),
             out / f"clips-labels{suffix}.png")
    input_fix(app, scratch, project_on(scratch, "gesture_crnn", "camera", [1, 16, 16]),
              out / f"clips-input-fix{suffix}.png")
    motion_recordings(scratch / "motion")
    data_tab(app, scratch, sequence_project(scratch), out / f"sequences-data{suffix}.png")


if __name__ == "__main__":
    main()
