"""Command line: ``rnnforecast forecast``, ``rnnforecast backtest`` and ``rnnforecast demo``.

Exit codes: 0 on success, 1 when the data or options cannot be used (the
message says why), 2 for command-line usage errors (from argparse).
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import warnings
from pathlib import Path

__all__ = ["main", "read_series"]


class DataError(Exception):
    """A problem with the user's file or columns, reported without a traceback."""


def _defaults(function) -> dict:
    """Keyword defaults of ``function`` (or a class's ``__init__``): the one source of the CLI's defaults."""
    return {name: p.default for name, p in inspect.signature(function).parameters.items() if p.default is not p.empty}


def _add_data_options(parser):
    from .forecaster import RNNForecaster
    from .forecasting.panel import MISSING_POLICIES
    from .nn.layout import CELLS

    model = _defaults(RNNForecaster)
    parser.add_argument("csv", help="CSV file with a date/time column and the target column")
    parser.add_argument("--target", required=True, help="column to forecast")
    parser.add_argument("--date-column", help="date/time column (default: the first column)")
    parser.add_argument(
        "--horizon", type=int, default=model["horizon"], help="steps ahead to forecast (default: %(default)s)"
    )
    parser.add_argument(
        "--exog",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="future-known exogenous columns; their future values go in the rows after the last target value "
        "(rows whose target cell is empty)",
    )
    parser.add_argument("--past-exog", nargs="+", default=[], metavar="COLUMN", help="columns known only up to now")
    parser.add_argument(
        "--cell", default=model["cell"], choices=sorted(CELLS), help="recurrent cell (default: %(default)s)"
    )
    parser.add_argument(
        "--hidden-size", type=int, default=model["hidden_size"], help="units per layer (default: %(default)s)"
    )
    parser.add_argument("--n-steps", type=int, help="lookback window (default: by frequency)")
    strategies = sorted(RNNForecaster._parameter_constraints["strategy"][0].options)
    parser.add_argument(
        "--strategy", default=model["strategy"], choices=strategies, help="multi-step strategy (default: %(default)s)"
    )
    parser.add_argument(
        "--max-iter", type=int, default=model["max_iter"], help="maximum training epochs (default: %(default)s)"
    )
    parser.add_argument("--max-train-size", type=int, help="train on at most this many last observations")
    parser.add_argument("--freq", help="frequency of the time index (default: inferred), e.g. D, h, B")
    parser.add_argument(
        "--missing",
        default=model["missing"],
        choices=list(MISSING_POLICIES),
        help="missing-value policy (default: %(default)s)",
    )
    parser.add_argument("--coverage", type=float, default=0.9, help="interval coverage (default: 0.9)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--plot", help="write a PNG plot here")


def _build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = argparse.ArgumentParser(prog="rnnforecast", description="Forecast time series with numba-compiled RNNs.")
    parser.add_argument("--version", action="version", version=f"rnnforecast {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    forecast = commands.add_parser("forecast", help="fit on a CSV column and forecast its next values")
    _add_data_options(forecast)
    forecast.add_argument(
        "--output", default="-", help="CSV to write: date, forecast, lower, upper (default or '-': standard output)"
    )
    backtest = commands.add_parser("backtest", help="rolling-origin evaluation against a seasonal-naive forecast")
    _add_data_options(backtest)
    from .model_selection import backtest as run_backtest

    evaluation = _defaults(run_backtest)
    backtest.add_argument(
        "--n-windows", type=int, default=evaluation["n_windows"], help="origins (default: %(default)s)"
    )
    backtest.add_argument("--step", type=int, help="steps between windows (default: horizon)")
    backtest.add_argument(
        "--refit",
        default=str(evaluation["refit"]).lower(),
        help="true, false, or k (refit every k windows; default: %(default)s)",
    )
    backtest.add_argument("--season-length", type=int, help="season of the naive baseline and MASE")
    backtest.add_argument("--output", help="CSV of every window's forecasts")
    backtest.add_argument("--metrics", help="CSV of the metrics per window")
    demo = commands.add_parser("demo", help="forecast the bundled stock, weather and traffic series")
    demo.add_argument("--output", default="output", help="folder for forecasts and plots (default: output)")
    demo.add_argument("--quick", action="store_true", help="fewer epochs and windows (for smoke tests)")
    demo.add_argument("--seed", type=int, default=0)
    return parser


def read_series(path, target, date_column=None, columns=()):
    """Read ``target`` (and ``columns``) from a CSV into a time-indexed frame.

    Returns
    -------
    frame : pandas.DataFrame indexed by the parsed dates (sorted as in the file)

    Raises
    ------
    DataError
        Missing file or column, unparseable dates.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as error:
        raise DataError(f"cannot read {path} as CSV: {error}") from None
    date_column = date_column or frame.columns[0]
    wanted = [date_column, target, *columns]
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise DataError(f"{path} has no column(s) {absent}; its columns are {list(frame.columns)}")
    if pd.api.types.is_numeric_dtype(frame[date_column]):
        raise DataError(
            f"cannot parse column {date_column!r} of {path} as dates: it holds numbers; name the date "
            "column with --date-column"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format": the error below says it all
            dates = pd.to_datetime(frame[date_column])
    except (ValueError, TypeError) as error:
        raise DataError(f"cannot parse column {date_column!r} of {path} as dates: {error}") from None
    return frame[[target, *columns]].set_index(pd.DatetimeIndex(dates, name=date_column))


def _forecaster(args):
    from .forecaster import RNNForecaster

    return RNNForecaster(
        horizon=args.horizon,
        n_steps=args.n_steps,
        cell=args.cell,
        hidden_size=args.hidden_size,
        strategy=args.strategy,
        past_exog=args.past_exog or None,
        missing=args.missing,
        freq=args.freq,
        max_train_size=args.max_train_size,
        max_iter=args.max_iter,
        random_state=args.seed,
    )


def _split_future(frame, target, exog_columns):
    """Observed rows, and the trailing rows without a target (future exogenous values)."""
    observed = frame[target].notna().to_numpy()
    last = len(observed) - observed[::-1].argmax() if observed.any() else 0
    history, future = frame.iloc[:last], frame.iloc[last:]
    X = frame[exog_columns] if exog_columns else None
    return history[target], X, future


def _check_output_paths(args):
    """Fail before training when an output file could not be written (its folder is missing)."""
    for option in ("output", "metrics", "plot"):
        value = getattr(args, option, None)
        if value and value != "-" and not Path(value).resolve().parent.is_dir():
            raise DataError(f"--{option} {value}: the folder {Path(value).parent} does not exist; create it first")


def _run_forecast(args):
    frame = read_series(args.csv, args.target, args.date_column, [*args.exog, *args.past_exog])
    y, X, _ = _split_future(frame, args.target, [*args.exog, *args.past_exog])
    model = _forecaster(args).fit(y, X)
    interval = model.predict_interval(X=X, coverage=args.coverage)
    to_stdout = args.output == "-"
    interval.to_csv(sys.stdout if to_stdout else args.output, index_label=frame.index.name)
    report = sys.stderr if to_stdout else sys.stdout  # keep standard output for the CSV alone
    print(
        f"{args.target}: {model.cell.upper()} trained for {model.n_iter_} epochs on {len(y)} observations;", file=report
    )
    where = "standard output" if to_stdout else args.output
    print(f"wrote {len(interval)} forecasts with {args.coverage:.0%} intervals to {where}", file=report)
    if args.plot:
        from .plotting import plot_forecast

        ax = plot_forecast(y, interval["forecast"], interval, coverage=args.coverage)
        ax.figure.savefig(args.plot, dpi=110)
        print(f"wrote {args.plot}", file=report)


def _parse_refit(text):
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    if lowered.isdigit():
        return int(lowered)
    raise DataError(f"--refit must be true, false or a positive integer, got {text!r}")


def _run_backtest(args):
    from .model_selection import backtest

    frame = read_series(args.csv, args.target, args.date_column, [*args.exog, *args.past_exog])
    y, X, _ = _split_future(frame, args.target, [*args.exog, *args.past_exog])
    result = backtest(
        _forecaster(args),
        y,
        X,
        n_windows=args.n_windows,
        step=args.step,
        refit=_parse_refit(args.refit),
        coverage_level=args.coverage,
        season_length=args.season_length,
    )
    print(f"{args.target}: {args.n_windows} windows of {args.horizon} steps (season {result.season_length})")
    print(result.summary().round(3).to_string())
    if args.output:
        result.forecasts.to_csv(args.output, index=False)
        print(f"wrote {args.output}")
    if args.metrics:
        result.metrics.to_csv(args.metrics, index=False)
        print(f"wrote {args.metrics}")
    if args.plot:
        from .plotting import plot_backtest

        plot_backtest(result, history=y).figure.savefig(args.plot, dpi=110)
        print(f"wrote {args.plot}")


def _check_numbers(args):
    for name in ("horizon", "max_iter", "hidden_size", "n_steps", "n_windows", "max_train_size"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise DataError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    coverage = getattr(args, "coverage", 0.5)
    if not 0 < coverage < 1:
        raise DataError(f"--coverage must lie strictly between 0 and 1, got {coverage}")


def _in_cli_terms(message: str, parser: argparse.ArgumentParser) -> str:
    """An estimator's error in the command line's words: ``missing='interpolate'`` becomes ``--missing interpolate``.

    Only parameters the command line has an option for are rewritten, with
    every quoted value of a list (``freq='D', 'h', 'B'`` becomes ``--freq D, h, B``).
    """
    flags = {}
    parsers = [parser, *(parser._subparsers._group_actions[0].choices.values() if parser._subparsers else ())]
    for each in parsers:
        for action in each._actions:
            long_options = [option for option in action.option_strings if option.startswith("--")]
            if long_options:
                flags.setdefault(action.dest, long_options[0])

    def rewrite(match):
        name, values = match.group(1), match.group(2)
        if name not in flags:
            return match.group(0)
        return flags[name] + " " + values.replace("'", "")

    return re.sub(r"\b([a-z_]+)=((?:'[^']*'(?:, '[^']*')*)|[\w.+-]+)", rewrite, message)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rnnforecast`` console script; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        _check_numbers(args)
        if args.command != "demo":  # the demo creates its output folder
            _check_output_paths(args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            if args.command == "forecast":
                _run_forecast(args)
            elif args.command == "backtest":
                _run_backtest(args)
            else:
                from .demo import run_demo

                run_demo(args.output, quick=args.quick, seed=args.seed)
    except (DataError, ValueError, TypeError) as error:
        print(f"rnnforecast {args.command}: error: {_in_cli_terms(str(error), parser)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
