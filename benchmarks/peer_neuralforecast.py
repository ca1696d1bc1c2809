"""neuralforecast's LSTM on a synthetic panel, in its own environment: the peer of ``bench_scale.py``.

Run with the Python of an environment that has neuralforecast (and torch CPU),
never the package's own: ``peer_neuralforecast.py NxT MAX_STEPS`` prints one JSON
line with the fit and predict seconds, the peak resident memory and the score
(MAE of the last 24 hours over that of same-hour-yesterday), measured like
``bench_scale.py`` measures rnnforecast. The model: one LSTM layer of 32 units
read by a one-layer MLP decoder of 32 units (the closest of neuralforecast's
``LSTM`` to a GRU 32 with a linear head), lookback 168, horizon 24, 64 windows
per step (``windows_batch_size``), ``MAX_STEPS`` steps, no validation, seed 0,
one torch thread per core given (``--threads``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_panel  # noqa: E402

HORIZON = 24


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size")
    parser.add_argument("max_steps", type=int)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    n_series, n_points = (int(part) for part in args.size.lower().split("x"))
    warnings.simplefilter("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    os.environ.setdefault("PL_DISABLE_FORK", "1")
    import numpy as np
    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    torch.set_num_threads(args.threads)
    wide = synthetic_panel(n_series, n_points)
    train = wide.iloc[:-HORIZON]
    long = train.stack().rename("y").reset_index()
    long.columns = ["ds", "unique_id", "y"]
    model = LSTM(
        h=HORIZON,
        input_size=168,
        encoder_n_layers=1,
        encoder_hidden_size=32,
        decoder_hidden_size=32,
        decoder_layers=1,
        max_steps=args.max_steps,
        batch_size=min(32, n_series),
        windows_batch_size=64,
        scaler_type="standard",
        random_seed=0,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        accelerator="cpu",
        devices=1,
    )
    forecaster = NeuralForecast(models=[model], freq="h")
    start = time.perf_counter()
    forecaster.fit(long[["unique_id", "ds", "y"]])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    forecast = forecaster.predict()
    predict_s = time.perf_counter() - start
    predicted = forecast.pivot(index="ds", columns="unique_id", values="LSTM")[wide.columns].to_numpy()
    actual, naive = wide.iloc[-HORIZON:].to_numpy(), train.iloc[-24:].to_numpy()
    score = float(np.abs(actual - predicted).sum() / np.abs(actual - naive).sum())
    print(
        json.dumps(
            {
                "series": n_series,
                "points": n_points,
                "fit_s": fit_s,
                "predict_s": predict_s,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "score": score,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
