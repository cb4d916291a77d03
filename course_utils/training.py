"""Training flows by maximum likelihood: a fast compiled trainer and the tutorial's Keras route."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingHistory:
    """Per-epoch train and validation NLL (nats) and what happened during training."""

    method: str
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    wall_time_s: float = 0.0
    stop_reason: str = "completed"
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)
