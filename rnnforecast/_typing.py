"""Type aliases of the public signatures (the package ships ``py.typed``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "SeriesInput", "ExogInput", "RandomState"]

#: What the forecasters take as series: a Series, a wide frame (one column per series) or a long frame
#: (``unique_id, ds, y``).
SeriesInput = pd.Series | pd.DataFrame
#: Exogenous columns on the series' time stamps (or a long frame), or None.
ExogInput = pd.DataFrame | None
#: scikit-learn's ``random_state``.
RandomState = int | np.random.RandomState | None
