"""Command line: ``rnnforecast demo`` (more subcommands arrive with the forecaster)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnforecast", description="Forecast time series with numba-compiled RNNs.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="forecast a bundled real series and write the forecast and a plot")
    demo.add_argument("--output", default="output", help="folder for forecasts and plots (default: output)")
    demo.add_argument("--epochs", type=int, default=40, help="training epochs (default: 40)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rnnforecast`` console script; returns the exit code."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        if args.epochs < 1:
            print("rnnforecast: --epochs must be at least 1", file=sys.stderr)
            return 2
        run_demo(args.output, epochs=args.epochs, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
