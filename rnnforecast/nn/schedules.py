"""Learning-rate schedules: a registry of small classes, each updated once per epoch.

``SCHEDULES[name](learning_rate, max_iter, patience)`` builds one; ``update(epoch,
improved)`` returns the next epoch's learning rate.
"""

from __future__ import annotations

import math

__all__ = ["SCHEDULES", "ConstantSchedule", "PlateauSchedule", "CosineSchedule"]


class ConstantSchedule:
    """Keep the initial learning rate."""

    def __init__(self, learning_rate, max_iter, patience):
        self.learning_rate = learning_rate

    def update(self, epoch, improved):
        return self.learning_rate


class PlateauSchedule:
    """Halve the learning rate after ``patience`` epochs without improvement (floor 1e-6 of the start)."""

    def __init__(self, learning_rate, max_iter, patience):
        self.learning_rate = learning_rate
        self.floor = learning_rate * 1e-6
        self.patience = max(1, patience)
        self.stale = 0

    def update(self, epoch, improved):
        self.stale = 0 if improved else self.stale + 1
        if self.stale >= self.patience:
            self.learning_rate = max(self.learning_rate * 0.5, self.floor)
            self.stale = 0
        return self.learning_rate


class CosineSchedule:
    """Cosine annealing from the initial rate to 0 over ``max_iter`` epochs."""

    def __init__(self, learning_rate, max_iter, patience):
        self.start = learning_rate
        self.max_iter = max(1, max_iter)

    def update(self, epoch, improved):
        return 0.5 * self.start * (1.0 + math.cos(math.pi * min(epoch + 1, self.max_iter) / self.max_iter))


SCHEDULES = {"constant": ConstantSchedule, "plateau": PlateauSchedule, "cosine": CosineSchedule}
