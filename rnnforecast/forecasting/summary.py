"""What a fitted forecaster is: ``summary()`` and the text of its fitted ``repr``."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .predictability import predictable

__all__ = ["SummaryMixin", "ForecasterSummary"]


def _shrinkage(model) -> str:
    weight = getattr(model, "correction_weight_", None)
    if weight is None:
        return "off (the network's forecast as it is)" if model.shrinkage is None else "none (no held-out windows)"
    gains = getattr(model, "predictability_", None)
    if gains is not None and not predictable(gains):
        return (
            f"seasonal-naive forecast: over the history a linear correction gains {np.mean(gains):+.1%} on average "
            "(not clearly above 0)"
        )
    linear = getattr(model, "linear_weight_", None)
    linear = np.zeros_like(weight) if linear is None else linear
    if not weight.any() and not linear.any():
        return "seasonal-naive forecast: the held-out windows show no clear gain from a correction"
    parts = []
    cycles = list(dict.fromkeys(name.split("_")[0] for name in getattr(model, "linear_calendar_", [])))
    regressors = f" (window and {', '.join(cycles)})" if cycles else ""
    for share, what in ((weight, "the network's correction"), (linear, f"the linear correction{regressors}")):
        if share.any():
            parts.append(f"{share.mean():.0%} of {what} on average (per step {share.min():.2f}-{share.max():.2f})")
    return "keeps " + " and ".join(parts)


def _spread(model) -> str:
    """The intervals row's calibration part: how the held-out windows rescaled the outermost quantiles."""
    spread = getattr(model, "quantile_spread_", None)
    if spread is None:
        return ""
    outer = spread[0]
    return (
        f"; spread x{outer.mean():.2f}, per step {outer.min():.2f}-{outer.max():.2f}, "
        f"to cover {len(model.conformal_scores_)} held-out windows"
    )


def _frequency(freq) -> str:
    return "integer steps" if freq is None else getattr(freq, "freqstr", str(freq))


class ForecasterSummary(dict):
    """A fitted forecaster's summary: a dict of field -> text that prints as an aligned table."""

    def __str__(self) -> str:
        width = max(map(len, self))
        return "\n".join(f"{key:<{width}}  {value}" for key, value in self.items())

    __repr__ = __str__


class SummaryMixin:
    """``summary()``: training span, data, network, training run, uncertainty and shrinkage of a fitted forecaster."""

    def summary(self) -> ForecasterSummary:
        """The fitted forecaster in one table: what it was trained on, how, and what it kept.

        Returns
        -------
        summary : ForecasterSummary
            A dict of field -> text (``series``, ``frequency``, ``training
            span``, ``lookback``, ``season``, ``network``, ``strategy``,
            ``epochs``, ``best loss``, ``intervals``, ``shrinkage``,
            ``non-negative``) that prints as a table.
        """
        check_is_fitted(self)
        if self.scope_ == "local":
            models = list(self.local_models_.values())
            spans = [m.training_span_ for m in models]
            rows = {
                "series": f"{len(models)} (one model each, scope='local')",
                "frequency": _frequency(self.freq_),
                "training span": f"{min(s[0] for s in spans)} to {max(s[1] for s in spans)}",
                "network": f"{self.cell.upper()} {self.num_layers}x{self.hidden_size}",
                "epochs": _epoch_range([m.n_iter_ for m in models], self.max_iter),
            }
            return ForecasterSummary(rows)
        best, net = self.model_.best_loss_, self.model_  # the fitted network (AutoRNNForecaster: the chosen one)
        rows = {
            "series": str(len(self.series_ids_)),
            "frequency": _frequency(self.freq_),
            "training span": f"{self.training_span_[0]} to {self.training_span_[1]}",
            "lookback": f"{self.n_steps_} steps",
            "season": f"{self.season_length_} step{'s' * (self.season_length_ > 1)} (of the seasonal-naive base)",
            "network": f"{net.cell.upper()} {net.num_layers}x{net.hidden_size}, {net.params_.size:,} parameters"
            + _ensemble(self),
            "strategy": f"{self.strategy}, horizon {self.horizon}",
            "epochs": _epoch_range([member.n_iter_ for member in _members(self)], self.max_iter),
            "best loss": f"{best:.4g} ({'validation' if self.early_stopping else 'training'}, pinball, normalised)",
            "intervals": f"{self.resolve_interval_method()}" + (
                f" (quantile heads {self.quantiles_[0]:g}-{self.quantiles_[-1]:g}{_spread(self)})"
                if self.strategy == "direct" else ""
            ),
            "shrinkage": _shrinkage(self),
            "non-negative": "yes (forecasts and bounds floored at 0)" if self.nonnegative_ else "no",
        }  # fmt: skip
        return ForecasterSummary(rows)


def _members(model):
    return getattr(model, "models_", None) or [model.model_]


def _ensemble(model):
    """The network row's ensemble part: empty for one network."""
    members = _members(model)
    return "" if len(members) == 1 else f"; ensemble of {len(members)} seeds (median of their quantiles)"


def _epoch_range(epochs, max_iter):
    """``"12 of 100"``, or ``"9-14 of 100"`` over several networks."""
    low, high = min(epochs), max(epochs)
    return f"{low} of {max_iter}" if low == high else f"{low}-{high} of {max_iter}"
