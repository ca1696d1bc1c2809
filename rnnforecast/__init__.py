"""rnnforecast: recurrent neural network forecasters with numba-compiled kernels."""

__version__ = "0.1.0.dev0"

from .regressor import RNNRegressor  # noqa: E402

__all__ = ["RNNRegressor", "__version__"]
