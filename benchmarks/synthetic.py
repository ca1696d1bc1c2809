"""Synthetic hourly panels for the scale benchmark (plain NumPy/pandas, importable by every peer's environment).

Each series is a positive level times a daily profile (two harmonics with their
own phases), a weekend dip and AR(1) noise, like the load of a grid's
substations or the occupancy of a city's road sensors: a global model has a
shared shape to learn, each series its own level, amplitude and noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

__all__ = ["synthetic_panel"]


def synthetic_panel(n_series: int, n_points: int, seed: int = 0) -> pd.DataFrame:
    """A wide hourly frame of ``n_series`` columns and ``n_points`` rows (float64), the same for a seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    hour, weekday = t % 24, (t // 24) % 7
    level = rng.lognormal(3.0, 0.5, (n_series, 1))
    phase1, phase2 = rng.uniform(0, 2 * np.pi, (2, n_series, 1))
    amplitude = rng.uniform(0.1, 0.4, (n_series, 1))
    daily = np.sin(2 * np.pi * hour / 24 + phase1) + 0.5 * np.sin(4 * np.pi * hour / 24 + phase2)
    weekend = rng.uniform(0.0, 0.2, (n_series, 1)) * (weekday >= 5)
    noise = np.empty((n_series, n_points))
    for i, phi in enumerate(rng.uniform(0.5, 0.95, n_series)):
        noise[i] = lfilter([1.0], [1.0, -phi], rng.normal(0.0, 0.03, n_points))
    values = level * (1.0 + amplitude * daily - weekend + noise)
    index = pd.date_range("2020-01-01", periods=n_points, freq="h")
    return pd.DataFrame(values.T, index=index, columns=[f"s{i:05d}" for i in range(n_series)])
