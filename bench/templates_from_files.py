"""The gesture and video labeller templates trained on their built-in clips and on the same
clips written out as files (gestures as .mp4 class folders, video labels as long videos
with a file of per-frame labels beside each): the validation accuracy of each, which
should agree within 2 points.

    .venv/bin/python bench/templates_from_files.py [--epochs N] [--keep DIR]

Each training runs in a fresh process (`netdesigner train`), one after the other.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from clip_loading_parts.clip_files import (  # noqa: E402
    write_class_folders,
    write_labelled_videos,
)

from engine.data import BUILTINS  # noqa: E402

TEMPLATES = (("gesture_crnn", "gestures", write_class_folders),
             ("video_labeller", "video_labels", write_labelled_videos))


def train(project: Path, epochs: int | None) -> tuple[float, float]:
    """Validation accuracy of a fresh `netdesigner train`, and its seconds."""
    command = [sys.executable, "-m", "engine", "train", str(project)]
    if epochs:
        command += ["--epochs", str(epochs)]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=project.parent, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    runs = sorted(project.with_name(f"{project.stem}.runs").iterdir())
    metrics = json.loads((runs[-1] / "metrics.json").read_text())
    return metrics["result"]["metrics"]["val_accuracy"], seconds


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help="instead of each template's own")
    parser.add_argument("--keep", type=Path, help="write the files and runs here and keep "
                        "them (default: a temporary folder)")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="templates-from-files-"))
    results = []
    try:
        for stem, builtin, write in TEMPLATES:
            data_folder = folder / builtin
            if not data_folder.exists():
                write(data_folder, BUILTINS[builtin].make(0))
            project = json.loads((ROOT / "projects" / f"{stem}.ndproj").read_text())
            in_memory = folder / f"{stem}.ndproj"
            in_memory.write_text(json.dumps(project))
            project["training"]["dataset"] = {"path": builtin}
            from_files = folder / f"{stem}_files.ndproj"
            from_files.write_text(json.dumps(project))
            memory_accuracy, memory_seconds = train(in_memory, args.epochs)
            files_accuracy, files_seconds = train(from_files, args.epochs)
            difference = 100 * (files_accuracy - memory_accuracy)
            print(f"{stem:15s} in memory {memory_accuracy:.4f} ({memory_seconds:.0f} s)   "
                  f"from files {files_accuracy:.4f} ({files_seconds:.0f} s)   "
                  f"difference {difference:+.2f} points", flush=True)
            results.append((stem, memory_accuracy, files_accuracy))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
