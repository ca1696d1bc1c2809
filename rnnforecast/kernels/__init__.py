"""Compiled numba kernels: arrays and scalars in, caller-provided buffers out.

Nothing in this package knows about estimators or pandas. Importing it compiles
nothing: each kernel compiles (or loads from numba's cache) on its first call.
"""
