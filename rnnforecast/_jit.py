"""The project's one numba decorator, its flags, and scoped thread control.

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

import contextlib
import logging
import os

import numba
from threadpoolctl import threadpool_limits

__all__ = ["kernel", "thread_scope", "resolve_n_threads", "FASTMATH_FLAGS", "OVERLOAD_OPTIONS"]

_log = logging.getLogger("rnnforecast")

FASTMATH_FLAGS = frozenset({"contract", "arcp", "nsz"})

# For ``numba.extending.overload``: generic scalar helpers compiled into kernels.
OVERLOAD_OPTIONS = {
    "jit_options": {"fastmath": set(FASTMATH_FLAGS), "error_model": "numpy"},
    "prefer_literal": False,
    "inline": "always",
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


def kernel(function=None, *, parallel: bool = False, fastmath: bool = True, inline: bool = False):
    """Compile ``function`` with the project's numba flags.

    Parameters
    ----------
    function : callable, optional
        The Python function to compile. When omitted, a decorator is returned.
    parallel : bool, default=False
        Compile with ``parallel=True`` so that ``numba.prange`` loops run on
        numba's thread pool.
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
    >>> from rnnforecast._jit import kernel
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
            parallel=parallel,
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


def resolve_n_threads(n_jobs: int | None) -> int:
    """Translate an sklearn-style ``n_jobs`` into a numba thread count.

    ``None`` means 1, negative values count back from the number of available
    threads (``-1`` = all), as in joblib.
    """
    limit = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return 1
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, a positive or negative int.")
    if n_jobs < 0:
        n_jobs = max(1, limit + 1 + n_jobs)
    return min(n_jobs, limit)


@contextlib.contextmanager
def thread_scope(n_jobs: int | None = None):
    """Run a block with ``n_jobs`` numba threads and single-threaded BLAS.

    The kernels parallelise over fixed-size batch chunks and call BLAS inside each
    chunk, so BLAS must not spawn threads of its own. Both settings are restored
    on exit, also when the block raises.

    Parameters
    ----------
    n_jobs : int or None
        Number of numba threads (``None`` = 1, ``-1`` = all available).

    Examples
    --------
    >>> import numba
    >>> from rnnforecast._jit import thread_scope
    >>> before = numba.get_num_threads()
    >>> with thread_scope(1):
    ...     numba.get_num_threads()
    1
    >>> numba.get_num_threads() == before
    True
    """
    n_threads = resolve_n_threads(n_jobs)
    previous = numba.get_num_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        numba.set_num_threads(n_threads)
        try:
            yield n_threads
        finally:
            numba.set_num_threads(previous)
