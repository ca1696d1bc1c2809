"""What a fitted estimator's pickle holds: the package version, and no training buffers.

Estimators inherit :class:`PersistenceMixin` before ``BaseEstimator``. Pickles
(and joblib and skops files) then carry ``rnnforecast.__version__``; loading
one written by another version warns with :class:`InconsistentVersionWarning`,
since weights and preprocessing may mean something else there. Attributes
named in ``_transient_attributes`` (optimizer moments and other training
buffers) are left out, so files stay small.
"""

from __future__ import annotations

import warnings

__all__ = ["InconsistentVersionWarning", "PersistenceMixin", "SKOPS_TRUSTED_TYPES"]

#: The rnnforecast types inside a saved model, for ``skops.io.load(path, trusted=SKOPS_TRUSTED_TYPES)``.
SKOPS_TRUSTED_TYPES = [
    "rnnforecast.regressor.RNNRegressor",
    "rnnforecast.forecaster.RNNForecaster",
    "rnnforecast.forecasting.features.SeriesScale",
    "rnnforecast.forecasting.features.WindowSpec",
]

VERSION_KEY = "_rnnforecast_version"


class InconsistentVersionWarning(UserWarning):
    """A model saved by one rnnforecast version was loaded by another."""


def _current_version() -> str:
    from ._version import __version__

    return __version__


class PersistenceMixin:
    """Version-stamped, buffer-free pickling (see the module docstring)."""

    _transient_attributes: tuple = ()

    def __getstate__(self):
        state = super().__getstate__()
        state = {key: value for key, value in state.items() if key not in self._transient_attributes}
        state[VERSION_KEY] = _current_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop(VERSION_KEY, None)
        current = _current_version()
        if saved != current:
            warnings.warn(
                f"this {type(self).__name__} was saved by rnnforecast {saved or 'unknown'} and is loaded by "
                f"{current}; predictions may differ or fail. Refit it, or load it with rnnforecast=={saved}.",
                InconsistentVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
