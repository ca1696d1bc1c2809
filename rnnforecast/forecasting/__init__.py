"""What :class:`rnnforecast.RNNForecaster` does with series: panels, windows, seasons, uncertainty, output.

Pandas-facing helpers of the forecaster. They call the network tier
(:mod:`rnnforecast.nn`) and never import numba or the kernels.
"""
