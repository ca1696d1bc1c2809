"""Kernel threads: how many, and how a kernel call is split across them. No numba here.

The compiled kernels are serial over a range of batch chunks and release the GIL,
so a small Python thread pool runs contiguous chunk ranges in parallel
(:func:`run_chunks`). :func:`thread_scope` sets how many threads an estimator's
``fit``/``predict`` may use and keeps BLAS single-threaded inside, restoring
every setting on exit. No kernel uses numba's ``prange``, so numba's own thread
count is left alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController

__all__ = ["thread_scope", "run_chunks", "resolve_n_threads", "current_threads", "MIN_PARALLEL_WORK"]


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
_BLAS_LIMITED = contextvars.ContextVar("rnnforecast_blas_limited", default=False)
_POOL = None
_POOL_LOCK = threading.Lock()


def current_threads() -> int:
    """Kernel threads allowed in the current :func:`thread_scope` (1 outside any)."""
    return _THREADS.get()


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


_CONTROLLER = None


def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded BLAS libraries, scanned once (a scan costs ~5 ms; a limit set from it
    costs ~25 us). SciPy's BLAS, the one the kernels call, is loaded first, so it is always in the scan."""
    global _CONTROLLER
    with _POOL_LOCK:
        if _CONTROLLER is None:
            import scipy.linalg.cython_blas  # noqa: F401  (loads the kernels' BLAS before the scan)

            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER


@contextlib.contextmanager
def thread_scope(n_jobs: int | None = None):
    """Run a block with ``n_jobs`` kernel threads and single-threaded BLAS.

    The kernels parallelise over fixed-size batch chunks and call BLAS inside each
    chunk, so BLAS must not spawn threads of its own. Every setting is restored on
    exit, also when the block raises.

    Parameters
    ----------
    n_jobs : int or None
        Number of kernel threads (``None`` = 1, ``-1`` = all available).

    Examples
    --------
    >>> from rnnforecast.nn.threads import current_threads, thread_scope
    >>> with thread_scope(2) as n_threads:
    ...     current_threads() == n_threads
    True
    >>> current_threads()
    1
    """
    n_threads = resolve_n_threads(n_jobs)
    # Inside another scope BLAS is limited already.
    limits = contextlib.nullcontext() if _BLAS_LIMITED.get() else _blas_controller().limit(limits=1, user_api="blas")
    with limits:
        token, limited = _THREADS.set(n_threads), _BLAS_LIMITED.set(True)
        try:
            yield n_threads
        finally:
            _BLAS_LIMITED.reset(limited)
            _THREADS.reset(token)
