"""Ensembles of networks from different seeds: the members' seeds and how their quantiles combine.

``RNNForecaster(n_models=K)`` trains ``K`` networks that differ only in their
seed (initial weights, shuffling, held-out draws) and forecasts with the median
of their quantiles, level by level. A single network's forecast depends on its
seed (the spread over seeds reaches 8 % of the baseline's error on real series,
``benchmarks/RESULTS.md``); the median of several is steadier and usually more
accurate than a typical member.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["member_seeds", "combine_members"]


def member_seeds(random_state, n_models: int) -> list:
    """The ``random_state`` of each of ``n_models`` members.

    One member keeps ``random_state`` itself (so ``n_models=1`` is the single
    model as before). Several members draw distinct integer seeds from it: the
    same ``random_state`` gives the same members; ``None`` gives unseeded ones.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        The forecaster's ``random_state``.
    n_models : int
        Members of the ensemble.

    Returns
    -------
    seeds : list
        ``n_models`` values for the members' ``random_state``.

    Examples
    --------
    >>> member_seeds(7, 1), len(set(member_seeds(7, 3))), member_seeds(7, 3) == member_seeds(7, 3)
    ([7], 3, True)
    """
    if n_models == 1:
        return [random_state]
    if random_state is None:
        return [None] * n_models
    generator = check_random_state(random_state)
    seeds = []
    while len(seeds) < n_models:  # distinct seeds (a repeat would be a duplicate member)
        seed = int(generator.randint(np.iinfo(np.int32).max))
        if seed not in seeds:
            seeds.append(seed)
    return seeds


def combine_members(outputs: list) -> np.ndarray:
    """The members' sorted quantile outputs combined: their median, quantile by quantile.

    Parameters
    ----------
    outputs : list of ndarray (W, Q, ...)
        Each member's quantile outputs, sorted along axis 1.

    Returns
    -------
    combined : ndarray (W, Q, ...)
        Still sorted along axis 1: when every member has ``q_a <= q_b``, so do
        their medians.

    Examples
    --------
    >>> a, b, c = (np.array([[[v], [v + 1.0]]]) for v in (0.0, 5.0, 1.0))
    >>> combine_members([a, b, c])[0, :, 0].tolist()
    [1.0, 2.0]
    """
    return outputs[0] if len(outputs) == 1 else np.median(np.stack(outputs), axis=0)
