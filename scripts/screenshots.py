"""Screenshots of the designer, taken offscreen for the README: each example open, or with
`--training`, the Training dock during and after a run of each example
(`<stem>-training.png` halfway through the first epoch, `<stem>-trained.png` with the curves
and `<stem>-results.png` with the confusion matrix and samples once the run has ended).

    .venv/bin/python scripts/screenshots.py [--dark] [--out docs/screenshots] [STEM ...]
    .venv/bin/python scripts/screenshots.py --training [--epochs 2] [STEM ...]
    .venv/bin/python scripts/screenshots.py --colour-by macs [STEM ...]

With `--colour-by`, the canvas is coloured by that figure (time: after profiling the
layers) and shot as `<stem>-<figure>.png`. With `--inspect NODE`, a copy of the project is
trained for --epochs, opened with the Inspect dock showing NODE's output for the first
validation sample, and shot as `<stem>-inspect.png`.

Runs train copies of the projects in a temporary folder, so no run lands in projects/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import designer.files  # noqa: E402
from designer.main_window import MainWindow  # noqa: E402
from designer.theme import apply_theme  # noqa: E402
from engine.project import load_project, save_project  # noqa: E402


def start(dark: bool, out: Path) -> tuple[QApplication, Path]:
    """The application in the chosen theme, and a scratch folder for settings, recovery
    files and runs."""
    app = QApplication.instance() or QApplication([])
    apply_theme(app, dark=dark)
    scratch = Path(tempfile.mkdtemp())
    designer.files.recovery_directory = lambda: scratch / "recovery"
    out.mkdir(parents=True, exist_ok=True)
    return app, scratch


def started(description: str, argv: list[str] | None) -> tuple[QApplication, Path, Path, str]:
    """For the screenshot scripts that take only --dark and --out: the application, its
    scratch folder, the folder to write to and the file names' suffix."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    app, scratch = start(args.dark, args.out)
    return app, scratch, args.out, "-dark" if args.dark else ""


def open_window(scratch: Path, project: Path) -> MainWindow:
    window = MainWindow(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1500, 950)
    window.show()
    window.files.open_path(project, confirmed=True)
    return window


def close_window(window: MainWindow) -> None:
    window.document.undo_stack.setClean()
    window.files.autosave.stop()
    window.close()


def shoot_the_design(app: QApplication, template: Path, scratch: Path, out: Path,
                     suffix: str, colour_by: str | None = None) -> None:
    window = open_window(scratch, template)
    window.document.analyse_now()
    layers = list(window.document.graph.nodes)
    window.scene.select_nodes([layers[1]])
    if colour_by is not None:
        # the canvas gets the room the Problems dock had, at a zoom that reads
        window.resize(1500, 1100)
        window.docks["problems"].hide()
        window.docks["training"].hide()
        # profile a quiet machine, as a user would: after the start-up imports, and those
        # of the data worker's process
        wait_until(app, lambda: window.training.ready)
        settled = time.monotonic() + 8
        wait_until(app, lambda: time.monotonic() > settled)
        window.colour_by_actions[colour_by].trigger()
        wait_until(app, lambda: not window.costs.profiling)
        heaviest = max(layers, key=lambda n: window.scene.heat.values.get(n, 0))
        window.scene.select_nodes([heaviest])
        app.processEvents()
        window.view.set_zoom(0.62)
        window.view.centerOn(window.scene.itemsBoundingRect().center())
        suffix = f"-{colour_by}{suffix}"
    shoot(window, app, out / f"{template.stem}{suffix}.png")
    close_window(window)


def wait_until(app: QApplication, condition, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the run took too long")
        app.processEvents()
        time.sleep(0.02)


def shoot(window: MainWindow, app: QApplication, target: Path) -> None:
    for _ in range(10):
        app.processEvents()
    window.grab().save(str(target))
    print(target)


def shoot_a_run(app: QApplication, template: Path, epochs: int, scratch: Path, out: Path,
                suffix: str) -> None:
    copy = scratch / template.name
    shutil.copy(template, copy)
    project = load_project(copy)
    project.training = {**project.training, "epochs": epochs}
    save_project(project, copy)
    window = open_window(scratch, copy)
    panel = window.training_panel
    wait_until(app, lambda: window.training.ready)  # the start-up imports, a second or two
    window.start_training()
    progress = panel.progress
    wait_until(app, lambda: progress.maximum() > 1
               and progress.value() >= progress.maximum() // (2 * epochs))
    shoot(window, app, out / f"{template.stem}-training{suffix}.png")
    wait_until(app, lambda: not window.training.running)
    panel.tabs.setCurrentWidget(panel.plots)
    shoot(window, app, out / f"{template.stem}-trained{suffix}.png")
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    shoot(window, app, out / f"{template.stem}-results{suffix}.png")
    close_window(window)


def shoot_inside(app: QApplication, template: Path, node: str, epochs: int, scratch: Path,
                 out: Path, suffix: str) -> None:
    from PySide6.QtCore import Qt

    from engine.cli import main as command_line
    from engine.training.runs import runs_folder

    copy = scratch / template.name
    shutil.copy(template, copy)
    run = runs_folder(copy, load_project(copy).name) / "20261206-120000"
    command_line(["train", str(copy), "--epochs", str(epochs), "--out", str(run)])
    window = open_window(scratch, copy)
    dock = window.docks["inspect"]
    dock.show()
    dock.raise_()
    window.resizeDocks([dock], [430], Qt.Orientation.Vertical)
    wait_until(app, lambda: window.inspect_panel.look is not None)
    window.scene.select_nodes([node])
    window.view.centerOn(window.scene.node_item(node))
    shoot(window, app, out / f"{template.stem}-inspect{suffix}.png")
    close_window(window)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--training", action="store_true", help="train each example and "
                        "shoot the Training dock during and after the run")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run (--training)")
    parser.add_argument("--colour-by", choices=["parameters", "macs", "memory", "time"],
                        help="colour the canvas by this figure")
    parser.add_argument("--inspect", metavar="NODE", help="train, then shoot the Inspect "
                        "dock with NODE's output")
    parser.add_argument("projects", nargs="*", help="stems of projects/*.ndproj (default all)")
    args = parser.parse_args(argv)
    app, scratch = start(args.dark, args.out)
    suffix = "-dark" if args.dark else ""
    for template in sorted((ROOT / "projects").glob("*.ndproj")):
        if args.projects and template.stem not in args.projects:
            continue
        if args.inspect:
            shoot_inside(app, template, args.inspect, args.epochs, scratch, args.out, suffix)
        elif args.training:
            shoot_a_run(app, template, args.epochs, scratch, args.out, suffix)
        else:
            shoot_the_design(app, template, scratch, args.out, suffix, args.colour_by)
    app.clipboard().clear()


if __name__ == "__main__":
    main()
