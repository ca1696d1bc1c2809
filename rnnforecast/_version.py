"""The package version, in one place (modules below the package root read it from here)."""

__version__ = "0.1.0.dev0"
