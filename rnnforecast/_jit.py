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
import contextvars
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
from threadpoolctl import threadpool_limits

__all__ = ["kernel", "thread_scope", "run_chunks", "resolve_n_threads", "FASTMATH_FLAGS", "OVERLOAD_OPTIONS"]

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
    """Translate an sklearn-style ``n_jobs`` into a kernel thread count.

    ``None`` means 1, negative values count back from the number of available
    threads (``-1`` = all), as in joblib.
    """
    limit = max(1, os.cpu_count() or 1)
    if n_jobs is None:
        return 1
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, a positive or negative int.")
    if n_jobs < 0:
        n_jobs = max(1, limit + 1 + n_jobs)
    return min(n_jobs, limit)


_THREADS = contextvars.ContextVar("rnnforecast_threads", default=1)
_POOL = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="rnnforecast")
        return _POOL


def _forget_pool_after_fork() -> None:
    # A forked child (multiprocessing, joblib) inherits the pool object but not its
    # threads; submitting to it would wait forever. Start a fresh pool on demand.
    global _POOL, _POOL_LOCK
    _POOL = None
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


# Waking an idle worker thread costs 0.15-0.6 ms on the virtual machines measured
# (benchmarks/RESULTS.md), so a call is split across threads only when each thread
# gets at least this many floating-point operations (~0.5 ms of work).
MIN_PARALLEL_WORK = 40e6


def run_chunks(function, args: tuple, n_chunks: int, work: float = float("inf")) -> None:
    """Call ``function(*args, first, stop)`` on contiguous chunk ranges, one per thread.

    The compiled kernels are serial over a range of batch chunks and release the
    GIL (``nogil=True``), so Python threads run them truly in parallel. The number
    of threads is the one set by the enclosing :func:`thread_scope` (1 outside
    any), reduced so that each thread gets at least :data:`MIN_PARALLEL_WORK` of
    the call's estimated ``work`` (flops). Each chunk is computed the same way
    whichever thread runs it, so results do not depend on the thread count.

    (numba's ``parallel=True`` has less per-call overhead, but compiling its
    parallel regions cost 5-13 s per kernel here, which tripled the first
    ``fit``'s compile time.)
    """
    n_threads = min(_THREADS.get(), n_chunks)
    if MIN_PARALLEL_WORK > 0:
        n_threads = min(n_threads, max(1, int(work // MIN_PARALLEL_WORK)))
    if n_threads <= 1:
        function(*args, 0, n_chunks)
        return
    bounds = [n_chunks * k // n_threads for k in range(n_threads + 1)]
    pool = _pool()
    futures = [pool.submit(function, *args, bounds[k], bounds[k + 1]) for k in range(1, n_threads)]
    try:
        function(*args, bounds[0], bounds[1])
    finally:
        for future in futures:
            future.result()


@contextlib.contextmanager
def thread_scope(n_jobs: int | None = None):
    """Run a block with ``n_jobs`` kernel threads and single-threaded BLAS.

    The kernels parallelise over fixed-size batch chunks and call BLAS inside each
    chunk, so BLAS must not spawn threads of its own. numba's own thread count is
    set too. Every setting is restored on exit, also when the block raises.

    Parameters
    ----------
    n_jobs : int or None
        Number of kernel threads (``None`` = 1, ``-1`` = all available).

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
        token = _THREADS.set(n_threads)
        numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
        try:
            yield n_threads
        finally:
            numba.set_num_threads(previous)
            _THREADS.reset(token)
