"""The project's one numba decorator and its flags.

Every compiled kernel in :mod:`rnnforecast.kernels` is declared with :func:`kernel`
instead of a literal ``@numba.njit(...)``, so that the compilation flags live in one
place:

* ``cache=True`` so that a new process loads machine code instead of recompiling.
  Where numba finds no writable cache folder (a read-only install without
  ``NUMBA_CACHE_DIR``), the kernel is compiled without caching and one message is
  logged: importing the package never fails because of the cache.
* ``error_model="numpy"``: division does not raise, so loops with a division
  vectorise.
* ``fastmath`` limited to ``contract`` (fused multiply-add), ``arcp`` and ``nsz``.
  Never ``nnan``/``ninf`` (they make NaN checks unreliable) and never ``reassoc``
  (it would let reductions change order and break bit-for-bit reproducibility).

Environment variables
---------------------
``RNNFORECAST_CACHE=0``
    Compile without on-disk caching.
``NUMBA_CACHE_DIR``
    Honoured by numba: where cached machine code is written.
``NUMBA_DISABLE_JIT=1``
    Honoured by numba: kernels run as plain Python (slow, for debugging).
"""

from __future__ import annotations

import logging
import os

import numba

__all__ = ["kernel", "FASTMATH_FLAGS", "OVERLOAD_OPTIONS"]

_log = logging.getLogger("rnnforecast")

FASTMATH_FLAGS = frozenset({"contract", "arcp", "nsz"})

# For ``numba.extending.overload``: generic scalar helpers compiled into kernels. No
# numba-IR inlining: LLVM inlines these small functions anyway, and compiles much faster.
OVERLOAD_OPTIONS = {
    "jit_options": {"fastmath": set(FASTMATH_FLAGS), "error_model": "numpy"},
    "prefer_literal": False,
}

_CACHE_ENABLED = os.environ.get("RNNFORECAST_CACHE", "1").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}
_cache_warning_logged = False


def _log_no_cache_once(name: str, error: Exception) -> None:
    global _cache_warning_logged
    if not _cache_warning_logged:
        _log.info(
            "rnnforecast: numba cannot cache compiled kernels (%s: %s); compiling "
            "without a cache. Set NUMBA_CACHE_DIR to a writable folder to cache.",
            name,
            error,
        )
        _cache_warning_logged = True


def kernel(function=None, *, fastmath: bool = True, inline: bool = False):
    """Compile ``function`` with the project's numba flags.

    Parameters
    ----------
    function : callable, optional
        The Python function to compile. When omitted, a decorator is returned.
    fastmath : bool, default=True
        Use the project's restricted fast-math flag set (:data:`FASTMATH_FLAGS`);
        ``False`` compiles with strict IEEE semantics.
    inline : bool, default=False
        Inline the function into its callers at numba-IR level. Used for loop
        bodies called with constant flags (``exact``, ``peephole``): once inlined,
        the flag is a constant, its branch disappears and the loop vectorises.

    Returns
    -------
    dispatcher : numba dispatcher or callable
        The compiled function (or a decorator when ``function`` is None).

    Examples
    --------
    >>> from rnnforecast.kernels._jit import kernel
    >>> @kernel
    ... def add_one(x):
    ...     return x + 1
    >>> add_one(41)
    42
    """

    def decorate(func):
        options = dict(
            nogil=True,
            error_model="numpy",
            fastmath=set(FASTMATH_FLAGS) if fastmath else False,
        )
        if inline:
            options["inline"] = "always"
        if _CACHE_ENABLED:
            try:
                return numba.njit(cache=True, **options)(func)
            except RuntimeError as error:  # no writable cache locator
                _log_no_cache_once(func.__qualname__, error)
        return numba.njit(cache=False, **options)(func)

    if function is None:
        return decorate
    return decorate(function)
