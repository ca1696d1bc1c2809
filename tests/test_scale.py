"""Big panels: windows gathered (not stored), a training budget per epoch, bounded memory, batched forecasts."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster
from rnnforecast.forecasting.features import WindowSpec, cut_targets, cut_windows, past_values, series_scale
from rnnforecast.forecasting.gather import PanelStore, training_rows, window_index
from rnnforecast.forecasting.panel import to_panel
from rnnforecast.nn.budget import EpochSampler, balanced_quotas
from rnnforecast.nn.rows import GatheredRows, feature_moments
from rnnforecast.regressor import RNNRegressor

FAST = dict(hidden_size=8, max_iter=3, n_iter_no_change=3, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def hourly_panel(n_series=6, n_points=400, seed=0, lengths=None):
    """Wide hourly frame; ``lengths`` trims the start of some series (leading NaN)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    values = 10 + rng.uniform(1, 3, (n_series, 1)) * np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6, (n_series, 1)))
    values = values + rng.normal(0, 0.2, (n_series, n_points))
    frame = pd.DataFrame(values.T, index=pd.date_range("2024-01-01", periods=n_points, freq="h"))
    frame.columns = [f"s{i}" for i in range(n_series)]
    for i, length in enumerate(lengths or []):
        frame.iloc[: n_points - length, i] = np.nan
    return frame


@pytest.mark.parametrize("normalize", ["window", "series"])
@pytest.mark.parametrize("season", [1, 24])
def test_panel_windows_equal_windows_cut_series_by_series(normalize, season):
    rng = np.random.default_rng(1)
    spec = WindowSpec(48, 6, 6, normalize, season, np.array([0]), np.array([1, 2]), 2)
    values = [rng.normal(5, 2, n).cumsum() for n in (120, 90, 150)]
    exogs = [rng.normal(0, 3, (n, 3)) for n in (120, 90, 150)]
    calendars = [rng.normal(0, 1, (n, 2)) for n in (120, 90, 150)]
    scales = [series_scale(v, e) for v, e in zip(values, exogs, strict=True)]
    store = PanelStore(values, exogs, calendars, scales, spec)
    series = np.array([2, 0, 1, 2, 0])
    origins = np.array([100, 47, 60, 47, 113])
    x, bases, window_scales = store.windows(series, origins)
    targets = store.targets(series, origins)
    for k, (i, origin) in enumerate(zip(series, origins, strict=True)):
        raw = past_values(values[i], [origin], 48)
        expected = cut_windows(raw, exogs[i], calendars[i], np.array([origin]), spec, scales[i])
        np.testing.assert_array_equal(x[k], expected[0][0])  # bit for bit
        np.testing.assert_array_equal(bases[k], expected[1][0])
        assert window_scales[k] == expected[2][0]
        np.testing.assert_array_equal(targets[k], cut_targets(values[i], [origin], 6, expected[1], expected[2])[0])


def test_window_index_is_in_time_order_across_series_of_different_starts():
    frame = hourly_panel(3, 200, lengths=[200, 150, 120])
    panel = to_panel(frame)
    spec = WindowSpec(24, 4, 0, "window", 1, np.array([], int), np.array([], int), 0)
    index = window_index([len(v) for v in panel.values], panel, spec, panel.freq)
    assert len(index) == sum(len(v) - 24 - 4 + 1 for v in panel.values)
    assert np.all(np.diff(index.times) >= 0)
    # A window's time is its origin on the common clock: series 2 starts 80 hours after series 0.
    first_of_2 = np.flatnonzero(index.series == 2)[0]
    assert index.times[first_of_2] == 80 + 23 and index.origins[first_of_2] == 23


@pytest.mark.parametrize("n_features", [1, 2, 7])
def test_feature_moments_equal_the_moments_of_the_whole_array(n_features):
    rng = np.random.default_rng(n_features)
    data = rng.normal(3, 2, (3000, 20, n_features))

    class Source:
        def gather(self, rows):
            return data[rows]

    rows = GatheredRows(Source(), len(data), data.shape[1:])
    weight = rng.uniform(0, 2, len(data))
    weight[::7] = 0
    indices = np.arange(0, 3000, 2)
    mean, std = feature_moments(rows, indices, weight)
    flat = data[indices].reshape(-1, n_features)
    expected = RNNRegressor._weighted_moments(flat, np.repeat(weight[indices], 20))
    reference_mean = np.average(flat, axis=0, weights=np.repeat(weight[indices], 20))
    np.testing.assert_array_equal(mean, expected[0])  # chunked, yet bit for bit the one-block numbers
    np.testing.assert_array_equal(std, expected[1])
    np.testing.assert_array_equal(mean, reference_mean)


def test_balanced_quotas_fill_short_groups_and_split_the_rest():
    np.testing.assert_array_equal(balanced_quotas(np.array([5, 100, 100]), 85), [5, 40, 40])
    np.testing.assert_array_equal(balanced_quotas(np.array([5, 100, 100]), 86), [5, 41, 40])
    np.testing.assert_array_equal(balanced_quotas(np.array([5, 10]), 100), [5, 10])  # the budget exceeds the windows
    assert balanced_quotas(np.array([30, 30, 30, 30]), 10).sum() == 10


def test_epoch_sampler_full_epochs_and_budgets():
    groups = np.repeat([0, 1, 2], [10, 500, 2000])
    full = EpochSampler(len(groups), None, True, groups)
    np.testing.assert_array_equal(np.sort(full(np.random.default_rng(0))), np.arange(len(groups)))
    np.testing.assert_array_equal(full(np.random.default_rng(3)), np.random.default_rng(3).permutation(len(groups)))
    np.testing.assert_array_equal(EpochSampler(50, 50, False)(np.random.default_rng(0)), np.arange(50))
    sampled = EpochSampler(len(groups), 610, True, groups)
    draws = sampled(np.random.default_rng(0))
    assert len(draws) == 610 and draws.min() >= 0 and draws.max() < len(groups)
    np.testing.assert_array_equal(np.bincount(groups[draws]), [10, 300, 300])  # the short series is not drowned
    np.testing.assert_array_equal(draws, sampled(np.random.default_rng(0)))  # deterministic for a seed
    assert not np.array_equal(draws, sampled(np.random.default_rng(1)))


def test_budget_fit_is_deterministic_and_thread_count_independent():
    frame = hourly_panel(8, 500)
    settings = dict(horizon=6, n_steps=48, windows_per_epoch=300, **FAST)
    first = RNNForecaster(**settings).fit(frame)
    again = RNNForecaster(**settings).fit(frame)
    threads = RNNForecaster(**settings, n_jobs=2).fit(frame)
    np.testing.assert_array_equal(first.model_.params_, again.model_.params_)
    np.testing.assert_array_equal(first.model_.params_, threads.model_.params_)
    pd.testing.assert_frame_equal(first.predict(), threads.predict())
    full = RNNForecaster(**{**settings, "windows_per_epoch": None}).fit(frame)
    assert not np.array_equal(first.model_.params_, full.model_.params_)
    assert np.isfinite(first.predict().to_numpy()).all()


def test_auto_budget_keeps_every_window_of_a_single_series():
    frame = hourly_panel(1, 600)
    auto = RNNForecaster(horizon=6, n_steps=48, **FAST).fit(frame["s0"])
    full = RNNForecaster(horizon=6, n_steps=48, windows_per_epoch=None, **FAST).fit(frame["s0"])
    np.testing.assert_array_equal(auto.model_.params_, full.model_.params_)
    assert auto.loss_curve_ == full.loss_curve_


def test_gathered_rows_train_the_regressor_exactly_like_the_stored_windows():
    """Given gathered rows, the regressor scales, initialises and trains exactly as on the materialised arrays."""
    frame = hourly_panel(3, 300)
    model = RNNForecaster(horizon=6, n_steps=48, **FAST)
    prepared = model._prepare_training(frame)
    gathered = prepared.state.regressors[0]
    panel = to_panel(frame)
    index = window_index([len(v) for v in panel.values], panel, model.spec_, model.freq_)
    raw_x, raw_y = training_rows(prepared.state.store, index, len(model.quantiles_))
    stored = RNNRegressor(**gathered.get_params())
    weight = prepared.jobs[0].sample_weight
    array_job = stored._prepare_training(np.asarray(raw_x), np.asarray(raw_y), weight).jobs[0]
    for name in ("x_mean_", "x_scale_", "y_mean_", "y_scale_"):
        np.testing.assert_array_equal(getattr(gathered, name), getattr(stored, name))
    np.testing.assert_array_equal(prepared.jobs[0].params, array_job.params)
    np.testing.assert_array_equal(np.asarray(prepared.jobs[0].x), array_job.x)
    np.testing.assert_array_equal(np.asarray(prepared.jobs[0].y), array_job.y)
    options = dict(options=prepared.jobs[0].options.replace(windows_per_epoch=None, validation_windows=None))
    from rnnforecast.nn.training import fit_network

    lazy = fit_network(prepared.jobs[0].network, prepared.jobs[0].params, prepared.jobs[0].x, prepared.jobs[0].y,
                       rng=prepared.jobs[0].rng, sample_weight=weight, **options)  # fmt: skip
    eager = fit_network(array_job.network, array_job.params, array_job.x, array_job.y, rng=array_job.rng,
                        sample_weight=weight, **options)  # fmt: skip
    assert lazy.loss_curve == eager.loss_curve
    np.testing.assert_array_equal(prepared.jobs[0].params, array_job.params)


def test_panel_forecasts_match_series_forecast_one_at_a_time():
    frame = hourly_panel(5, 400)
    model = RNNForecaster(horizon=6, n_steps=48, **FAST).fit(frame)
    together = model.predict_quantiles()
    for name in frame.columns:
        alone = model.predict_quantiles(y=frame[[name]])
        expected = together[together["unique_id"] == name].reset_index(drop=True)
        # One batch or one series at a time: equal up to float32 rounding (BLAS lanes differ by position).
        pd.testing.assert_frame_equal(alone, expected, rtol=1e-5, atol=1e-6)


def test_fleet_leaves_sampled_jobs_to_the_cpu_loop():
    from rnnforecast.nn.fleet import _samples_windows

    frame = hourly_panel(4, 400)
    job = RNNForecaster(horizon=6, n_steps=48, windows_per_epoch=100, **FAST)._prepare_training(frame).jobs[0]
    assert _samples_windows(job)
    job = RNNForecaster(horizon=6, n_steps=48, windows_per_epoch=None, **FAST)._prepare_training(frame).jobs[0]
    assert not _samples_windows(job)


MEMORY_SCRIPT = textwrap.dedent(
    """
    import tracemalloc, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    from rnnforecast import RNNForecaster

    def status(field):  # kB in /proc/self/status: VmRSS now, VmHWM the peak since the last reset
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1]) / 1024

    rng = np.random.default_rng(0)
    t = np.arange(2500)
    values = 20 + np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6, (200, 1))) + rng.normal(0, 0.1, (200, 2500))
    frame = pd.DataFrame(values.T, index=pd.date_range("2024-01-01", periods=2500, freq="h"))
    frame.columns = [f"s{i}" for i in range(200)]
    RNNForecaster(horizon=24, max_iter=1).fit(frame.iloc[:400, :1])  # kernels compiled or loaded
    try:  # reset the peak, so compiling the kernels above does not count
        open("/proc/self/clear_refs", "w").write("5")
        before = status("VmRSS")
    except OSError:
        before = None
    tracemalloc.start()
    model = RNNForecaster(horizon=24, max_iter=1, windows_per_epoch=512, random_state=0).fit(frame)
    model.predict()
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    rss_growth = -1.0 if before is None else status("VmHWM") - before
    spec = model.spec_
    windows = 200 * (2500 - spec.n_steps - spec.n_ahead + 1)
    print(windows * spec.length * spec.n_channels * 8 / 1e9, heap_peak, rss_growth)
    """
)


def test_fit_on_a_panel_whose_windows_need_gigabytes_stays_small():
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, check=True)
    stored_gb, heap_peak_mb, rss_growth_mb = (float(v) for v in done.stdout.split())
    assert stored_gb > 2.0  # what the windows would take as one float64 array
    assert heap_peak_mb < 250, heap_peak_mb  # every NumPy array and Python object allocated during fit + predict
    assert rss_growth_mb < 300, rss_growth_mb  # the process's peak resident memory above its start (-1: unknown)


def _long(frame):
    long = frame.stack().rename("y").reset_index()
    long.columns = ["ds", "unique_id", "y"]
    return long[["unique_id", "ds", "y"]]


def test_forecast_many_batches_equal_one_forecast_of_the_panel(tmp_path):
    pytest.importorskip("pyarrow")
    from rnnforecast.panels import forecast_many, panel_series, read_panel

    frame = hourly_panel(7, 300)
    model = RNNForecaster(horizon=6, n_steps=48, **FAST).fit(frame.iloc[:, :4])  # three series are new
    long = _long(frame)
    whole = model.predict(y=long)
    path = tmp_path / "panel.parquet"
    long.to_parquet(path, row_group_size=300)
    assert panel_series(path) == list(frame.columns)
    expected = pd.concat([long[long.unique_id == "s5"], long[long.unique_id == "s1"]], ignore_index=True)
    pd.testing.assert_frame_equal(read_panel(path, ["s5", "s1"]), expected, check_dtype=False)
    for source in (path, long):
        batched = forecast_many(model, source, batch_size=3, n_jobs=2)
        pd.testing.assert_frame_equal(batched, whole, rtol=1e-5, atol=1e-6)
    wide = forecast_many(model, frame, batch_size=2)
    pd.testing.assert_frame_equal(wide, model.predict(y=frame), rtol=1e-5, atol=1e-6)
    intervals = forecast_many(model, path, kind="interval", batch_size=4, coverage=0.8)
    pd.testing.assert_frame_equal(intervals, model.predict_interval(y=long, coverage=0.8), rtol=1e-5, atol=1e-6)


def test_forecast_many_and_read_panel_errors(tmp_path):
    pytest.importorskip("pyarrow")
    from rnnforecast.panels import forecast_many, read_panel

    frame = hourly_panel(2, 200)
    model = RNNForecaster(horizon=6, n_steps=48, **FAST).fit(frame)
    with pytest.raises(ValueError, match="kind must be one of"):
        forecast_many(model, frame, kind="median")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        forecast_many(model, frame, batch_size=0)
    with pytest.raises(ValueError, match="no Parquet file or folder"):
        forecast_many(model, str(tmp_path / "missing.parquet"))
    path = tmp_path / "p.parquet"
    _long(frame).to_parquet(path)
    with pytest.raises(ValueError, match=r"series \['zz'\] are not in"):
        read_panel(path, ["zz"])
    frame.reset_index().to_parquet(tmp_path / "wide.parquet")
    with pytest.raises(ValueError, match="a long panel needs the columns unique_id, ds and y"):
        read_panel(tmp_path / "wide.parquet")
    local = RNNForecaster(horizon=6, n_steps=48, scope="local", **FAST).fit(frame)
    with pytest.raises(ValueError, match="needs a global model"):
        forecast_many(local, frame)
