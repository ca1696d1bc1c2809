"""Statistical peers on given origins: statsforecast's AutoETS and AutoARIMA, in the peers' own environment.

Run by ``bench_wide.py`` with the Python of a separate virtual environment that
has statsforecast (never a dependency of rnnforecast; ``benchmarks/peers.sh``
makes one). Input: an ``.npz`` with ``values`` (float64, the series with gaps
interpolated), ``cutoffs`` (position of the last observation of each origin),
``horizon``, ``season_length`` and ``history`` (observations each fit sees, at
most). Output: an ``.npz`` with, per model, ``<name>_mean``, ``<name>_lo`` and
``<name>_hi`` (90 % interval), each of shape ``(n_origins, horizon)``, and
``<name>_seconds`` (fit + forecast time over all origins), plus ``names``.

    /path/to/peers/bin/python benchmarks/peer_statsforecast.py in.npz out.npz [AutoETS,AutoARIMA]

The optional third argument names the models to fit (default: both).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

#: ETS seasons above this are not fitted (statsforecast's ETS is meant for short seasons); non-seasonal instead.
MAX_ETS_SEASON = 24
#: AutoARIMA seasons above this take minutes per fit here (a 168-hour one far more); see :func:`peer_season`.
MAX_ARIMA_SEASON = 24


def peer_season(season_length, limit):
    """The season a peer fits: the series' own, else its daily sub-season (a week of steps / 7), else none."""
    if season_length <= limit:
        return season_length
    if season_length % 7 == 0 and season_length // 7 <= limit:
        return season_length // 7
    return 1


def _models(season_length):
    from statsforecast.models import AutoARIMA, AutoETS

    ets_season = peer_season(season_length, MAX_ETS_SEASON)
    arima_season = peer_season(season_length, MAX_ARIMA_SEASON)
    return {
        f"AutoETS[{ets_season}]": lambda: AutoETS(season_length=ets_season),
        f"AutoARIMA[{arima_season}]": lambda: AutoARIMA(season_length=arima_season),
    }


def forecast_origins(values, cutoffs, horizon, season_length, history, models=("AutoETS", "AutoARIMA")):
    """Per model: mean, 90 % bounds (n_origins, horizon) and seconds over all origins."""
    out = {}
    for name, make in _models(season_length).items():
        if name.split("[")[0] not in models:
            continue
        means, lows, highs = [], [], []
        started = time.perf_counter()
        for cutoff in cutoffs:
            train = values[max(0, cutoff + 1 - history) : cutoff + 1]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prediction = make().forecast(y=train, h=horizon, level=[90])
            means.append(prediction["mean"])
            lows.append(prediction["lo-90"])
            highs.append(prediction["hi-90"])
        out[name] = (np.array(means), np.array(lows), np.array(highs), time.perf_counter() - started)
        print(f"  {name}: {out[name][3]:.1f} s", flush=True)
    return out


def main(argv):
    source, target = argv[:2]
    models = argv[2].split(",") if len(argv) > 2 else ("AutoETS", "AutoARIMA")
    data = np.load(source)
    results = forecast_origins(
        data["values"], data["cutoffs"], int(data["horizon"]), int(data["season_length"]), int(data["history"]),
        models,
    )  # fmt: skip
    arrays = {"names": np.array(list(results))}
    for name, (mean, low, high, seconds) in results.items():
        arrays.update({f"{name}_mean": mean, f"{name}_lo": low, f"{name}_hi": high, f"{name}_seconds": seconds})
    np.savez(target, **arrays)


if __name__ == "__main__":
    main(sys.argv[1:])
