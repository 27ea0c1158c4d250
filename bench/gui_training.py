"""Does training from the window keep the window responsive, and does the window slow
training down?

Two runs of projects/crnn_digit_strings.ndproj, N epochs each (default 2):

1. headless, exactly as `netdesigner train FILE --out TMP --epochs N` does (engine.cli.main:
   load_project → plan_run → build_trainer → Trainer.run, a checkpoint every epoch), in a
   process of its own as the command runs (this file again, with a hidden --side headless);
2. from the desktop: a MainWindow offscreen (its settings in a temporary .ini, its recovery
   files in a temporary folder) opens a temporary copy of the project, types N into the
   Epochs box, clicks Start with the Training dock raised (so the curves are painted), and
   while the run goes on a 10 ms QTimer (Qt.PreciseTimer) records how late each of its
   ticks comes: a tick that comes 60 ms after the previous one is a 50 ms stall.

Throughput, the same for both runs: training samples × epochs / the time spent in the
epochs' training loops, i.e. the sum over epochs of EpochEnded.metrics['seconds'] less the
time the trainer spent validating in that epoch (Trainer._evaluate is timed by wrapping it
at class level here; nothing outside bench/ is edited). The ratio R = desktop / headless.

The stall figures cover the run from the moment the Start click returns to the moment the
window gets RunEnded (that moment counts as a last tick, so a stall just before it counts).
What the click itself blocks for (plan_run and build_trainer run in the GUI thread: the
dataset is generated and the network compiled there) is printed on its own line, as is the
time the GUI thread spent draining events into the panel.

Variants, to find out where a stall or a slowdown comes from:

    --threads N         torch.set_num_threads(N) at the start of Trainer.run, in the thread
                        (or process) that trains, for both runs (default: torch's own, the
                        number of cores)
    --gui-threads N     torch.set_num_threads(N) in the GUI thread before anything else. With
                        1, the GUI thread never starts an OpenMP team of its own: on a 2-core
                        machine a second team (the GUI thread's idle pool beside the training
                        thread's) makes libgomp stop spin-waiting (more OpenMP threads than
                        cores), and every one of the many small parallel regions of a batch
                        (LSTM steps, element-wise ops) then waits for a futex wake-up
    --variant process   the desktop run trains in a child process (multiprocessing, spawn)
                        that sends its events over a Queue; the window drains the queue every
                        100 ms, as TrainingController drains its deque. An experiment that
                        lives here only (ProcessTrainingController): the designer is not
                        changed.
    --switch-interval S sys.setswitchinterval(S) for the desktop run (default: Python's, 5 ms)
    --repeat K          K pairs of runs, alternating which side goes first (A B, B A, ...);
                        R is the median of the pairs' ratios, the stalls are pooled

Both sides start warm: one untimed epoch on a few strings first (a process's first batches
are seconds slower while oneDNN and MKL set up their kernels); the desktop side warms up on
a helper thread that then ends, so that the warm-up leaves the GUI thread as it found it.
Each run also prints how many cores other processes kept busy meanwhile (from /proc/stat):
on a shared 2-core machine a run that had to share its cores is not a fair figure, and
says so.

    .venv/bin/python bench/gui_training.py                 # 2 epochs each side, ~1 min
    .venv/bin/python bench/gui_training.py --threads 1
    .venv/bin/python bench/gui_training.py --gui-threads 1 --repeat 2
    .venv/bin/python bench/gui_training.py --variant process
    .venv/bin/python bench/gui_training.py --quick         # smoke run, a few seconds

The last line is `worst stall N ms, p99 M ms, throughput ratio R`; the targets are a worst
stall of at most 50 ms and R ≥ 0.95. A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import io
import itertools
import json
import math
import multiprocessing
import os
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

PROJECT = ROOT / "projects" / "crnn_digit_strings.ndproj"
TICK_MS = 10
TARGET_STALL_MS = 50
TARGET_RATIO = 0.95
QUICK_TRAIN, QUICK_VAL = 192, 64
"""--quick: digit_strings with this few strings (3 batches of 64), one epoch."""
RUN_LIMIT_S = 1800


# ------------------------------------------------------------------------- instrumentation

@contextlib.contextmanager
def quick_dataset(quick: bool) -> Iterator[None]:
    """--quick: the built-in digit_strings with a handful of strings."""
    if not quick:
        yield
        return
    from engine.data import BUILTINS
    from engine.data.builtin import digit_strings

    original = BUILTINS["digit_strings"]
    BUILTINS["digit_strings"] = dataclasses.replace(
        original, make=lambda seed=0: digit_strings(seed, QUICK_TRAIN, QUICK_VAL))
    try:
        yield
    finally:
        BUILTINS["digit_strings"] = original


@contextlib.contextmanager
def instrumented_trainer(threads: int | None) -> Iterator[list[Any]]:
    """Every Trainer made inside records its validation times (`_bench_eval_seconds`) and
    sets its torch thread count where it runs; yields the trainers made."""
    import torch

    from engine.training import Trainer

    made: list[Any] = []
    original_init, original_run = Trainer.__init__, Trainer.run
    original_evaluate = Trainer._evaluate

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._bench_eval_seconds = []
        made.append(self)

    def run(self, *args, **kwargs):
        previous = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        self._bench_threads = torch.get_num_threads()
        try:
            return original_run(self, *args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    def evaluate(self):
        begin = time.perf_counter()
        try:
            return original_evaluate(self)
        finally:
            self._bench_eval_seconds.append(time.perf_counter() - begin)

    Trainer.__init__, Trainer.run, Trainer._evaluate = init, run, evaluate
    try:
        yield made
    finally:
        Trainer.__init__, Trainer.run = original_init, original_run
        Trainer._evaluate = original_evaluate


def throughput(trainer: Any) -> dict[str, Any]:
    """Training samples/s over the epochs' training loops (validation left out)."""
    history = trainer.history
    evaluations = trainer._bench_eval_seconds[:len(history)]
    train_seconds = sum(row["seconds"] for row in history) - sum(evaluations)
    samples = len(trainer.data.x) * len(history)
    return {"samples": samples, "epochs": len(history), "train_seconds": train_seconds,
            "validation_seconds": sum(evaluations),
            "samples_per_second": samples / train_seconds if train_seconds > 0 else 0.0,
            "threads": getattr(trainer, "_bench_threads", None)}


def warm_up(project_path: Path, threads: int | None, on_thread: bool = False) -> float:
    """One untimed epoch of a few strings: the first batches of a process are seconds slower
    (oneDNN and MKL set up their kernels per shape, once per process), which would
    otherwise land in whichever run comes first. `on_thread`: on a helper thread that then
    ends, so that the calling thread starts no OpenMP team of its own (its pool of OpenMP
    threads would outlive the warm-up). Returns the seconds it took."""
    from engine.project import load_project
    from engine.training import build_trainer, plan_run

    def work() -> None:
        with quick_dataset(True), instrumented_trainer(threads):
            build_trainer(plan_run(load_project(project_path), epochs=1)).run()

    begin = time.perf_counter()
    if on_thread:
        helper = threading.Thread(target=work, name="warm-up")
        helper.start()
        helper.join()
    else:
        work()
    return time.perf_counter() - begin


# ------------------------------------------------------------------------------ headless

def headless(project: Path, epochs: int, out_dir: Path, threads: int | None) -> dict[str, Any]:
    """`netdesigner train project --out out_dir --epochs N`, its output kept aside."""
    from engine import cli

    output = io.StringIO()
    with instrumented_trainer(threads) as made, contextlib.redirect_stdout(output):
        code = cli.main(["train", str(project), "--out", str(out_dir), "--epochs", str(epochs)])
    if code != 0 or len(made) != 1:
        raise RuntimeError(f"netdesigner train failed ({code}):\n{output.getvalue()}")
    return throughput(made[0])


def headless_process(args: argparse.Namespace, epochs: int, out_dir: Path) -> dict[str, Any]:
    """headless() in a process of its own, as `netdesigner train` runs (and warmed up there
    first, in its main thread, as the trainer runs there)."""
    import subprocess

    command = [sys.executable, str(Path(__file__).resolve()), "--side", "headless",
               "--epochs", str(epochs), "--out", str(out_dir), "--project", str(args.project)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    if args.quick:
        command.append("--quick")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the headless run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def headless_side(args: argparse.Namespace) -> None:
    with quick_dataset(args.quick):
        warm_up(args.project, args.threads)
        figures = headless(args.project, args.epochs or 1, args.out, args.threads)
    print(json.dumps(figures))


# ------------------------------------------------------------------------------ the window

class TickRecorder:
    """A 10 ms timer on the GUI thread; `times` are when its ticks came."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.timer = QTimer(interval=TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def lateness_ms(self, after: float, until: float) -> list[float]:
        """How late each tick came, for the intervals that began at or after `after` and
        ended by `until`; `until` counts as a tick, so that a stall just before the end (the
        GUI thread joining the trainer, say) is not left out."""
        times = [t for t in self.times if after <= t < until] + [until]
        return [(b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(times)]

    def spanning_ms(self, moment: float) -> float:
        """The lateness of the tick interval that spans `moment` (0 if none does)."""
        times = self.times
        for a, b in itertools.pairwise(times):
            if a <= moment <= b:
                return (b - a) * 1000 - TICK_MS
        return 0.0


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@contextlib.contextmanager
def timed_method(cls: type, name: str) -> Iterator[list[float]]:
    """Durations of every call of cls.name (patched before the objects are made, so that
    the signal connections made in their __init__ reach the timed method)."""
    original = getattr(cls, name)
    durations: list[float] = []

    def timed(self, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - begin)

    setattr(cls, name, timed)
    try:
        yield durations
    finally:
        setattr(cls, name, original)


def desktop(project: Path, epochs: int, workdir: Path, threads: int | None, variant: str,
            quick: bool) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    import designer.files
    import designer.main_window
    from designer.training_controller import TrainingController

    app = QApplication.instance() or QApplication([])
    controller_class: type = TrainingController
    if variant == "process":
        controller_class = importlib.import_module("gui_training").ProcessTrainingController
        controller_class.threads, controller_class.quick = threads, quick
    original_recovery = designer.files.recovery_directory
    designer.files.recovery_directory = lambda: workdir / "recovery"
    designer.main_window.TrainingController = controller_class
    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    copy = workdir / "project" / project.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project, copy)
    window = None
    try:
        with instrumented_trainer(threads) as made, \
                timed_method(controller_class, "_drain") as drains:
            window = designer.main_window.MainWindow(settings)
            window.resize(1400, 900)
            window.show()
            QTest.qWaitForWindowExposed(window)
            if not window.files.open_path(copy, confirmed=True):
                raise RuntimeError(f"the window could not open {copy}")
            window.docks["training"].raise_()
            panel = window.training_panel
            spin = panel.epochs
            spin.setFocus()
            spin.lineEdit().selectAll()
            QTest.keyClicks(spin, str(epochs))
            QTest.keyClick(spin, Qt.Key.Key_Return)
            if window.document.project.training["epochs"] != epochs:
                raise RuntimeError("typing into the Epochs box did not set the epochs")
            app.processEvents()

            ended: list[Any] = []
            loop = QEventLoop()
            window.training.ended.connect(lambda event: (ended.append(
                (time.perf_counter(), event)), loop.quit()))
            window.training.refused.connect(lambda problems: (ended.append(
                (time.perf_counter(), problems)), loop.quit()))
            ticks = TickRecorder()
            ticks.timer.start()
            QTimer.singleShot(200, loop.quit)  # the timer settles before Start
            loop.exec()
            click_began = time.perf_counter()
            QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
            click_returned = time.perf_counter()
            if not window.training.running and not ended:
                raise RuntimeError("Start did not start a run: " + panel.result.text())
            QTimer.singleShot(RUN_LIMIT_S * 1000, loop.quit)
            if not ended:
                loop.exec()
            ticks.timer.stop()
            if not ended:
                raise RuntimeError(f"the run did not end within {RUN_LIMIT_S} s")
            end_time, event = ended[0]
            if isinstance(event, list) or event.reason != "completed":
                raise RuntimeError(f"the run did not complete: {event}")
            if variant == "process":
                figures = {**window.training.bench_figures,
                           "child_warm_up_s": window.training.bench_warm_up}
            else:
                figures = throughput(made[0])
            lateness = ticks.lateness_ms(click_returned, end_time)
            return {**figures, "stalls_ms": lateness,
                    "start_click_ms": (click_returned - click_began) * 1000,
                    "start_stall_ms": ticks.spanning_ms(click_returned),
                    "run_seconds": end_time - click_returned,
                    "drain_ms": [d * 1000 for d in drains],
                    "batch_points": panel.plots.point_counts()[0]}
    finally:
        designer.main_window.TrainingController = TrainingController
        designer.files.recovery_directory = original_recovery
        if window is not None:
            window.document.undo_stack.setClean()
            window.files.autosave.stop()
            if not window.training.running:
                window.training.wait(30)  # the process variant reaps its child
            window.close()
            window.deleteLater()
            from PySide6.QtCore import QEvent

            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# ---------------------------------------------------------------- experiment: a child process

def _child_main(project_text: str, project_path: str, run_dir: str, from_weights: str | None,
                events: Any, commands: Any, threads: int | None, quick: bool) -> None:
    """Trains in a child process; every event goes to `events`, then ("figures", dict)."""
    from engine.project import parse_project
    from engine.training import RunEnded, TrainingError, build_trainer, plan_run
    from engine.training.checkpoint import load_weights

    events.put(("warm_up", warm_up(Path(project_path), threads)))
    with quick_dataset(quick), instrumented_trainer(threads) as made:
        try:
            project = parse_project(project_text, project_path)
            project.path = Path(project_path)
            plan = plan_run(project)
            trainer = build_trainer(plan, out_dir=Path(run_dir))
            if from_weights is not None:
                load_weights(trainer.model, Path(from_weights))
        except TrainingError as error:
            events.put(("refused", str(error).splitlines()))
            return

        def obey() -> None:
            while True:
                command = commands.get()
                if command is None:
                    return
                getattr(trainer, command)()

        threading.Thread(target=obey, daemon=True).start()
        trainer.add_listener(events.put)
        try:
            result = trainer.run()
        except Exception as error:  # as TrainingController._train does
            result = RunEnded("failed", f"{type(error).__name__}: {error}",
                              len(trainer.history))
            events.put(result)
        events.put(("figures", throughput(made[0])))
        data = trainer.data
        details = {"classes": data.classes, "sample_shape": tuple(data.sample_shape),
                   "dtype": data.dtype}
        try:  # what the panel's Results tab shows, worked out here rather than in the window
            x, predictions, truths = trainer.samples()
            events.put(("samples", details, (x.numpy(), predictions, truths)))
        except Exception:
            events.put(("samples", details, None))
        events.put(("done", result.reason))


class _RunInfo:
    """What TrainingPanel reads from controller.trainer (.config, .data's classes, sample
    shape and dtype, .samples()), for a trainer that lives in another process."""

    def __init__(self, config: Any):
        self.config = config
        self.data = argparse.Namespace(classes=None, sample_shape=(), dtype="float32")
        self._samples: tuple[Any, list[str], list[str]] | None = None

    def receive(self, details: dict[str, Any], samples: Any) -> None:
        import torch

        self.data = argparse.Namespace(**details)
        if samples is not None:
            x, predictions, truths = samples
            self._samples = (torch.from_numpy(x), predictions, truths)

    def samples(self, count: int = 24) -> tuple[Any, list[str], list[str]]:
        if self._samples is None:
            import torch

            return torch.zeros((0, *self.data.sample_shape)), [], []
        x, predictions, truths = self._samples
        return x[:count], predictions[:count], truths[:count]


def _make_process_controller() -> type:
    from PySide6.QtCore import QObject, QTimer, Signal

    from designer.training_controller import DRAIN_MS, runs_folder
    from engine.atomic import write_atomically
    from engine.project import dumps_project
    from engine.training import BatchEnded, EpochEnded, RunEnded, RunStarted, read_training

    class ProcessTrainingController(QObject):
        """TrainingController's interface, training in a child process (spawned: forking a
        process that runs Qt's threads is not safe)."""

        started = Signal(object)
        batches = Signal(list)
        epoch_ended = Signal(object)
        ended = Signal(object)
        refused = Signal(list)
        threads: int | None = None
        quick = False

        def __init__(self, document, parent=None):
            super().__init__(parent)
            self.document = document
            self.trainer: _RunInfo | None = None
            self.run_dir: Path | None = None
            self.bench_figures: dict[str, Any] = {}
            self.bench_warm_up = 0.0
            self._process = None
            self._events = self._commands = None
            self._paused = False
            self._exiting: list[Any] = []
            self._timer = QTimer(self, interval=DRAIN_MS)
            self._timer.timeout.connect(self._drain)

        @property
        def running(self) -> bool:
            return self._process is not None

        @property
        def paused(self) -> bool:
            return self._paused

        def start(self, from_weights: Path | None = None) -> bool:
            if self.running:
                return False
            project = self.document.project
            try:
                config = read_training(project.training)
            except Exception as error:
                self.refused.emit(str(error).splitlines())
                return False
            run_dir = runs_folder(self.document) / time.strftime("%Y%m%d-%H%M%S")
            run_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(run_dir / "settings.json", json.dumps(
                {"training": project.training, "from_weights": str(from_weights)
                 if from_weights else None}, indent=1))
            context = multiprocessing.get_context("spawn")
            self._events, self._commands = context.Queue(), context.Queue()
            path = project.path or (run_dir / "project.ndproj")
            self._process = context.Process(
                target=_child_main, name="training", daemon=True,
                args=(dumps_project(project), str(path), str(run_dir),
                      str(from_weights) if from_weights else None, self._events,
                      self._commands, self.threads, self.quick))
            self._process.start()
            self.trainer, self.run_dir, self._paused = _RunInfo(config), run_dir, False
            self.document.set_read_only(True)
            self._timer.start()
            return True

        def _command(self, name: str) -> None:
            if self._commands is not None:
                self._commands.put(name)

        def pause(self) -> None:
            self._paused = True
            self._command("pause")

        def resume(self) -> None:
            self._paused = False
            self._command("resume")

        def stop(self) -> None:
            self._paused = False
            self._command("stop")

        def _drain(self) -> None:
            batch_events: list[BatchEnded] = []
            while True:
                try:
                    event = self._events.get_nowait()
                except queue.Empty:
                    break
                if isinstance(event, BatchEnded):
                    batch_events.append(event)
                    continue
                if batch_events:
                    self.batches.emit(batch_events)
                    batch_events = []
                if isinstance(event, RunStarted):
                    self.started.emit(event)
                elif isinstance(event, EpochEnded):
                    self.epoch_ended.emit(event)
                elif isinstance(event, RunEnded):
                    self._result = event
                elif isinstance(event, tuple) and event[0] == "warm_up":
                    self.bench_warm_up = event[1]
                elif isinstance(event, tuple) and event[0] == "samples":
                    self.trainer.receive(event[1], event[2])
                elif isinstance(event, tuple) and event[0] == "figures":
                    self.bench_figures = event[1]
                elif isinstance(event, tuple) and event[0] == "refused":
                    self._finish(None)
                    self.refused.emit(event[1])
                    return
                elif isinstance(event, tuple) and event[0] == "done":
                    self._finish(self._result)
                    return
            if batch_events:
                self.batches.emit(batch_events)
            if self._process is not None and not self._process.is_alive() \
                    and self._events.empty():
                self._finish(RunEnded("failed", "the training process ended without a "
                                      f"result (exit {self._process.exitcode})", 0))

        def _finish(self, event: RunEnded | None) -> None:
            self._timer.stop()
            if self._commands is not None:
                self._commands.put(None)
            if self._process is not None:
                # the child has sent everything; its interpreter takes a second to shut
                # torch down, which the GUI thread must not wait for: reaped later
                self._exiting.append(self._process)
                QTimer.singleShot(5000, self._reap)
            self._process = None
            self.document.set_read_only(False)
            if event is not None:
                self.ended.emit(event)

        def _reap(self) -> None:
            self._exiting = [p for p in self._exiting if p.is_alive()]

        def wait(self, timeout: float = 60.0) -> None:
            if self._process is not None:
                self._process.join(timeout)
            self._drain()
            for process in self._exiting:
                process.join(timeout)
            self._exiting = []

    return ProcessTrainingController


def __getattr__(name: str) -> Any:
    if name == "ProcessTrainingController":
        value = _make_process_controller()
        globals()[name] = value
        return value
    raise AttributeError(name)


# ------------------------------------------------------------------------------ main

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default 2; "
                        "1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few strings, "
                        "one epoch")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in the "
                        "training thread or process (default: torch's)")
    parser.add_argument("--variant", choices=("thread", "process"), default="thread",
                        help="train on a thread (the designer's way) or in a child process")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for the desktop run (seconds)")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs, alternating "
                        "which side goes first; the ratio is the median of the pairs' ratios")
    parser.add_argument("--gui-threads", type=int, default=None, help="torch.set_num_threads "
                        "in the GUI thread before anything else (the training thread still "
                        "sets its own: --threads, or torch's default)")
    parser.add_argument("--project", type=Path, default=PROJECT)
    parser.add_argument("--side", choices=("headless",), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


@contextlib.contextmanager
def machine_usage() -> Iterator[dict[str, float]]:
    """How many cores other processes kept busy meanwhile (from /proc/stat, less this
    process's and its children's CPU time): the machine is shared, and a run that had to
    share its cores says so."""
    import resource

    def ours() -> float:
        return sum(u.ru_utime + u.ru_stime for u in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN)))

    def busy() -> float:
        try:
            fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError):
            return math.nan
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    figures: dict[str, float] = {}
    begin, cpu, machine = time.perf_counter(), ours(), busy()
    try:
        yield figures
    finally:
        wall = time.perf_counter() - begin
        figures["our_cores"] = (ours() - cpu) / wall
        figures["other_cores"] = max(0.0, (busy() - machine) / wall - figures["our_cores"])


def one_headless(args, epochs: int, workdir: Path, index: int) -> dict[str, Any]:
    with machine_usage() as usage:
        alone = headless_process(args, epochs, workdir / f"headless-{index}.run")
    alone.update(usage)
    print(f"headless: {alone['samples']:,} samples in {alone['train_seconds']:.2f} s of "
          f"training (+{alone['validation_seconds']:.2f} s validation), "
          f"{alone['samples_per_second']:,.1f} samples/s, {alone['threads']} torch threads; "
          f"cores busy: ours {usage['our_cores']:.2f}, others {usage['other_cores']:.2f}",
          flush=True)
    return alone


def one_desktop(args, epochs: int, workdir: Path) -> dict[str, Any]:
    previous_interval = sys.getswitchinterval()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    try:
        with machine_usage() as usage:
            gui = desktop(args.project, epochs, workdir, args.threads, args.variant,
                          args.quick)
    finally:
        sys.setswitchinterval(previous_interval)
    gui.update(usage)
    stalls, drains = gui["stalls_ms"], gui["drain_ms"]
    over = sum(1 for s in stalls if s > TARGET_STALL_MS)
    print(f"desktop: {gui['samples']:,} samples in {gui['train_seconds']:.2f} s of training "
          f"(+{gui['validation_seconds']:.2f} s validation), "
          f"{gui['samples_per_second']:,.1f} samples/s, {gui['threads']} torch threads; "
          f"cores busy: ours {usage['our_cores']:.2f}, others {usage['other_cores']:.2f}")
    print(f"  ticks: {len(stalls)}, {over} late by more than {TARGET_STALL_MS} ms, worst "
          f"{max(stalls, default=0):.1f} ms, p99 {percentile(stalls, 0.99):.1f} ms, median "
          f"{percentile(stalls, 0.5):.1f} ms; {gui['batch_points']} batch points drawn")
    print(f"  the Start click took {gui['start_click_ms']:.0f} ms in the GUI thread, a "
          f"{gui['start_stall_ms']:.0f} ms stall (not in the figures above); "
          f"{len(drains)} drains into the panel, longest {max(drains, default=0):.1f} ms, "
          f"{sum(drains):.0f} ms in all", flush=True)
    if "child_warm_up_s" in gui:
        print(f"  the child process warmed up for {gui['child_warm_up_s']:.1f} s before "
              f"training; {gui['run_seconds']:.1f} s from the click to RunEnded", flush=True)
    return gui


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.side == "headless":
        headless_side(args)
        return {}
    import torch

    epochs = args.epochs or (1 if args.quick else 2)
    if args.threads is None:  # the training thread sets it; the GUI thread may have another
        args.threads = torch.get_num_threads()
    from designer.training_controller import keep_torch_off_the_gui_thread

    if args.gui_threads is not None:
        torch.set_num_threads(args.gui_threads)
    else:  # what designer/app.py does at start-up
        keep_torch_off_the_gui_thread()
    alone_runs: list[dict[str, Any]] = []
    gui_runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gui-training-") as folder, \
            quick_dataset(args.quick):
        workdir = Path(folder)
        print(f"{args.project.name}: {epochs} epoch(s) each side, {args.repeat} pair(s), "
              f"variant {args.variant}, torch threads {args.threads} for training, "
              f"{args.gui_threads or 1} in the GUI thread", flush=True)
        if args.variant == "thread":  # the process variant's child warms itself up
            warm = warm_up(args.project, args.threads, on_thread=True)
            print(f"warm-up (untimed, a few strings, one epoch): {warm:.1f} s", flush=True)
        for index in range(args.repeat):  # A B, B A, ...: drift hits both sides alike
            if index % 2 == 0:
                alone_runs.append(one_headless(args, epochs, workdir, index))
                gui_runs.append(one_desktop(args, epochs, workdir))
            else:
                gui_runs.append(one_desktop(args, epochs, workdir))
                alone_runs.append(one_headless(args, epochs, workdir, index))
    stalls = [s for gui in gui_runs for s in gui["stalls_ms"]]
    worst = max(0.0, max(stalls, default=0.0))  # a tick may come a little early
    p99 = max(0.0, percentile(stalls, 0.99))
    ratios = [g["samples_per_second"] / a["samples_per_second"]
              for a, g in zip(alone_runs, gui_runs, strict=True)]
    ratio = statistics.median(ratios)
    alone_rate = statistics.median(a["samples_per_second"] for a in alone_runs)
    gui_rate = statistics.median(g["samples_per_second"] for g in gui_runs)
    if len(ratios) > 1:
        print("paired ratios: " + ", ".join(f"{r:.3f}" for r in ratios) + " (median below)")
    start_stall = max(g["start_stall_ms"] for g in gui_runs)
    print(f"targets: worst stall ≤ {TARGET_STALL_MS} ms "
          f"{'met' if worst <= TARGET_STALL_MS else 'MISSED'}, throughput ratio ≥ "
          f"{TARGET_RATIO} {'met' if ratio >= TARGET_RATIO else 'MISSED'}; the Start click "
          f"itself stalled the window for up to {start_stall:.0f} ms (outside the run)")
    print(f"throughput: headless {alone_rate:,.1f} samples/s, desktop {gui_rate:,.1f} "
          f"samples/s")
    print(f"worst stall {worst:.0f} ms, p99 {p99:.0f} ms, throughput ratio {ratio:.3f}",
          flush=True)
    return {"worst_stall_ms": worst, "p99_ms": p99, "ratio": ratio, "ratios": ratios,
            "headless": alone_runs[0],
            "desktop": {k: v for k, v in gui_runs[0].items()
                        if k not in ("stalls_ms", "drain_ms")},
            "headless_runs": alone_runs, "desktop_runs": gui_runs}


if __name__ == "__main__":
    main()
