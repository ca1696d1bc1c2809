"""rnnforecast: recurrent neural network forecasters with numba-compiled kernels."""

__version__ = "0.1.0.dev0"

from ._persistence import SKOPS_TRUSTED_TYPES, InconsistentVersionWarning  # noqa: E402
from .forecaster import RNNForecaster  # noqa: E402
from .model_selection import backtest  # noqa: E402
from .regressor import RNNRegressor  # noqa: E402
from .windows import make_windows  # noqa: E402

__all__ = [
    "RNNForecaster", "RNNRegressor", "backtest", "make_windows", "InconsistentVersionWarning", "SKOPS_TRUSTED_TYPES",
    "__version__",
]  # fmt: skip
