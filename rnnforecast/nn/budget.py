"""The windows an epoch trains on: all of them, or a budget drawn evenly over the series.

An epoch of a global model on a big panel would be millions of windows. With a
budget (``windows_per_epoch``), each epoch draws that many training windows:
every series gets the same share (water-filling: a series with fewer windows than
its share gives all of them, the others split the rest), drawn uniformly with
replacement within the series, so a short series is not drowned by long ones
and the cost of an epoch no longer grows with the data. Without a budget (or
with fewer windows than it), an epoch visits every window once, as before.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EpochSampler", "balanced_quotas"]


def balanced_quotas(sizes: np.ndarray, budget: int) -> np.ndarray:
    """Windows to draw from each group: ``min(size, q)`` with the largest ``q`` keeping the total within ``budget``.

    The remainder below ``budget`` goes one window each to the groups with
    room left, the first ones first, so the quotas add up to
    ``min(budget, sizes.sum())``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    budget = int(min(budget, sizes.sum()))
    low, high = 0, int(sizes.max()) if len(sizes) else 0
    while low < high:  # the largest q with sum(min(sizes, q)) <= budget
        middle = (low + high + 1) // 2
        if np.minimum(sizes, middle).sum() <= budget:
            low = middle
        else:
            high = middle - 1
    quotas = np.minimum(sizes, low)
    room = np.flatnonzero(quotas < sizes)[: budget - int(quotas.sum())]
    quotas[room] += 1
    return quotas


class EpochSampler:
    """Draws the training windows of each epoch.

    Parameters
    ----------
    n_train : int
        Training windows (positions ``0 .. n_train - 1``).
    budget : int or None
        Windows per epoch; None (or ``budget >= n_train``) visits all of them.
    shuffle : bool
        Visit the windows of a full epoch in a random order.
    groups : ndarray (n_train,) of int or None
        Series of each window, for balanced draws (None: one group).
    """

    def __init__(self, n_train: int, budget: int | None, shuffle: bool, groups=None):
        self.n_train, self.shuffle = n_train, shuffle
        self.full = budget is None or budget >= n_train
        if self.full:
            return
        groups = np.zeros(n_train, dtype=np.intp) if groups is None else np.asarray(groups)[:n_train]
        # Windows of each group, contiguous: members[starts[g] : starts[g] + sizes[g]].
        self.members = np.argsort(groups, kind="stable")
        _, self.sizes = np.unique(groups, return_counts=True)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        quotas = balanced_quotas(self.sizes, budget)
        self.draw_group = np.repeat(np.arange(len(quotas)), quotas)

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        """Positions of one epoch's training windows, in the order they are visited."""
        if self.full:
            return rng.permutation(self.n_train) if self.shuffle else np.arange(self.n_train)
        group = self.draw_group
        within = (rng.random(len(group)) * self.sizes[group]).astype(np.intp)
        return self.members[self.starts[group] + within][rng.permutation(len(group))]
