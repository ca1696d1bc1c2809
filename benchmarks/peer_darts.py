"""The RNN peer on given origins: darts' ``RNNModel`` (a recursive LSTM), in the peer's own environment.

Run by ``bench_wide.py --rnn-peer PYTHON`` with the Python of a separate
virtual environment that has darts on torch 2.13 CPU (never a dependency of
rnnforecast; ``benchmarks/peers.sh --darts`` makes one). The same protocol as
``peer_statsforecast.py``: input an ``.npz`` with ``values``, ``cutoffs``,
``horizon``, ``season_length`` and ``history``; output an ``.npz`` with, per
model, ``<name>_mean``, ``<name>_lo``, ``<name>_hi`` (90 % interval) of shape
``(n_origins, horizon)`` and ``<name>_seconds``, plus ``names``. The third
argument is the seed; the model is named ``darts-LSTM[seed]``.

The configuration is the one the accuracy issue measured: an LSTM of 32 units
reading 48 steps, trained for 50 epochs on the min-max scaled history (training
length 2 x 48 + 1), forecasting recursively, with a Gaussian likelihood whose
200 samples give the median (the point forecast) and the 5 % and 95 % quantiles.

    /path/to/darts/bin/python benchmarks/peer_darts.py in.npz out.npz SEED
"""

from __future__ import annotations

import logging
import sys
import time
import warnings

import numpy as np

HIDDEN, LOOKBACK, EPOCHS, SAMPLES = 32, 48, 50, 200


def forecast_origins(values, cutoffs, horizon, history, seed):
    """Median, 90 % bounds (n_origins, horizon) and seconds over all origins of one seed."""
    import torch
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel
    from darts.utils.likelihood_models import GaussianLikelihood

    torch.set_num_threads(1)
    means, lows, highs = [], [], []
    started = time.perf_counter()
    for cutoff in cutoffs:
        train = TimeSeries.from_values(values[max(0, cutoff + 1 - history) : cutoff + 1].astype(np.float32))
        scaler = Scaler()
        scaled = scaler.fit_transform(train)
        model = RNNModel(
            model="LSTM", hidden_dim=HIDDEN, input_chunk_length=LOOKBACK, training_length=2 * LOOKBACK + 1,
            n_epochs=EPOCHS, likelihood=GaussianLikelihood(), random_state=seed,
            pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False, "enable_model_summary": False,
                               "logger": False, "enable_checkpointing": False},
        )  # fmt: skip
        model.fit(scaled, verbose=False)
        samples = scaler.inverse_transform(model.predict(n=horizon, num_samples=SAMPLES, verbose=False))
        draws = samples.all_values()[:, 0, :]  # (horizon, samples)
        means.append(np.median(draws, axis=1))
        lows.append(np.quantile(draws, 0.05, axis=1))
        highs.append(np.quantile(draws, 0.95, axis=1))
    return np.array(means), np.array(lows), np.array(highs), time.perf_counter() - started


def main(argv):
    source, target, seed = argv[0], argv[1], int(argv[2])
    for logger in ("pytorch_lightning", "lightning.pytorch", "pytorch_lightning.utilities.rank_zero",
                   "lightning.pytorch.utilities.rank_zero", "lightning_fabric"):  # fmt: skip
        logging.getLogger(logger).setLevel(logging.ERROR)
    data = np.load(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean, low, high, seconds = forecast_origins(
            data["values"], data["cutoffs"], int(data["horizon"]), int(data["history"]), seed
        )
    name = f"darts-LSTM[{seed}]"
    print(f"  {name}: {seconds:.1f} s", flush=True)
    np.savez(target, names=np.array([name]), **{f"{name}_mean": mean, f"{name}_lo": low, f"{name}_hi": high,
                                                f"{name}_seconds": seconds})  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
