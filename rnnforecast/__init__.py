"""rnnforecast: recurrent neural network forecasters with numba-compiled kernels."""

from ._persistence import SKOPS_TRUSTED_TYPES, InconsistentVersionWarning
from ._version import __version__
from .auto import AutoRNNForecaster
from .forecaster import RNNForecaster
from .model_selection import backtest
from .regressor import RNNRegressor
from .windows import make_windows

__all__ = [
    "RNNForecaster",
    "AutoRNNForecaster",
    "RNNRegressor",
    "backtest",
    "make_windows",
    "InconsistentVersionWarning",
    "SKOPS_TRUSTED_TYPES",
    "__version__",
]
