"""Training: settings, datasets meeting networks, the trainer and its events."""

from engine.training.config import TrainingConfig, TrainingError, read_training
from engine.training.events import BatchEnded, EpochEnded, Event, RunEnded, RunStarted
from engine.training.run import RunPlan, available_devices, build_trainer, plan_run
from engine.training.trainer import Trainer

__all__ = ["BatchEnded", "EpochEnded", "Event", "RunEnded", "RunPlan", "RunStarted",
           "Trainer", "TrainingConfig", "TrainingError", "available_devices",
           "build_trainer", "plan_run", "read_training"]
