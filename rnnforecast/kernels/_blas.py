"""BLAS ``?gemm`` callable from compiled kernels, compatible with ``cache=True``.

SciPy exports the Fortran BLAS it links against through
``scipy.linalg.cython_blas.__pyx_capi__``. At import we register the addresses of
``sgemm``/``dgemm`` with llvmlite under fixed symbol names; the kernels then call
those *names*. Cached machine code therefore holds a symbolic reference that is
resolved again in every process (a raw ctypes pointer baked into the code would
silently disable caching).

:func:`gemm` is row-major: it computes ``C = alpha * op(A) @ op(B) + beta * C``
where ``A``, ``B`` and ``C`` are row-major matrices stored in flat arrays from an
element offset with a leading dimension (the row stride), exactly as a C
programmer would describe a sub-matrix.
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm
import numpy as np
import scipy.linalg.cython_blas as _cython_blas
from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import kernel

__all__ = ["gemm", "NO_TRANS", "TRANS"]

NO_TRANS = 0
TRANS = 1

_SYMBOLS = {types.float32: "rnnforecast_sgemm", types.float64: "rnnforecast_dgemm"}


def _capsule_address(capsule) -> int:
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))


def _register_symbols() -> None:
    for blas_name, symbol in (("sgemm", _SYMBOLS[types.float32]), ("dgemm", _SYMBOLS[types.float64])):
        llvm.add_symbol(symbol, _capsule_address(_cython_blas.__pyx_capi__[blas_name]))


_register_symbols()


@intrinsic
def _fortran_gemm(
    typingctx, trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc
):
    """Call Fortran (column-major) ``?gemm`` on flat arrays with element offsets."""
    if not (isinstance(a, types.Array) and isinstance(b, types.Array) and isinstance(c, types.Array)):
        return None
    dtype = c.dtype
    if dtype not in _SYMBOLS or a.dtype != dtype or b.dtype != dtype:
        return None
    signature = types.void(trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc)

    def codegen(context, builder, sig, args):
        (ta, tb, m_, n_, k_, alpha_, a_, a_off, lda_, b_, b_off, ldb_, beta_, c_, c_off, ldc_) = args
        arg_types = sig.args
        int32 = ir.IntType(32)
        char = ir.IntType(8)
        real = context.get_value_type(dtype)
        function_type = ir.FunctionType(
            ir.VoidType(),
            [char.as_pointer()] * 2
            + [int32.as_pointer()] * 3
            + [real.as_pointer(), real.as_pointer(), int32.as_pointer()]
            + [real.as_pointer(), int32.as_pointer()]
            + [real.as_pointer(), real.as_pointer(), int32.as_pointer()],
        )
        function = cgutils.get_or_insert_function(builder.module, function_type, _SYMBOLS[dtype])

        def by_reference(value, value_type, target_type, llvm_type):
            converted = context.cast(builder, value, value_type, target_type)
            return cgutils.alloca_once_value(builder, converted)

        def trans_char(value, value_type):
            flag = context.cast(builder, value, value_type, types.int32)
            is_trans = builder.icmp_signed("!=", flag, ir.Constant(int32, 0))
            letter = builder.select(is_trans, ir.Constant(char, ord("T")), ir.Constant(char, ord("N")))
            return cgutils.alloca_once_value(builder, letter)

        def data_pointer(array_value, array_type, offset, offset_type):
            array = context.make_array(array_type)(context, builder, value=array_value)
            index = context.cast(builder, offset, offset_type, types.intp)
            return builder.gep(array.data, [index])

        call_args = [
            trans_char(ta, arg_types[0]),
            trans_char(tb, arg_types[1]),
            by_reference(m_, arg_types[2], types.int32, int32),
            by_reference(n_, arg_types[3], types.int32, int32),
            by_reference(k_, arg_types[4], types.int32, int32),
            by_reference(alpha_, arg_types[5], dtype, real),
            data_pointer(a_, arg_types[6], a_off, arg_types[7]),
            by_reference(lda_, arg_types[8], types.int32, int32),
            data_pointer(b_, arg_types[9], b_off, arg_types[10]),
            by_reference(ldb_, arg_types[11], types.int32, int32),
            by_reference(beta_, arg_types[12], dtype, real),
            data_pointer(c_, arg_types[13], c_off, arg_types[14]),
            by_reference(ldc_, arg_types[15], types.int32, int32),
        ]
        builder.call(function, call_args)
        return context.get_dummy_value()

    return signature, codegen


@kernel
def gemm(trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc):
    """Row-major ``C[m, n] = alpha * op(A)[m, k] @ op(B)[k, n] + beta * C``.

    Parameters
    ----------
    trans_a, trans_b : int
        :data:`TRANS` to use the transpose of the stored matrix, :data:`NO_TRANS`
        otherwise.
    m, n, k : int
        Sizes of ``op(A)`` (m x k), ``op(B)`` (k x n) and ``C`` (m x n).
    alpha, beta : float
        Scalars of the update; ``beta == 0`` overwrites ``C`` (NaNs in ``C`` are
        ignored, as BLAS specifies).
    a, b, c : ndarray
        C-contiguous arrays of one float dtype holding the matrices.
    a_offset, b_offset, c_offset : int
        Element offset of each matrix's first entry in its (flattened) array.
    lda, ldb, ldc : int
        Row stride of each stored matrix, in elements.
    """
    if m == 0 or n == 0:
        return
    # Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap operands.
    _fortran_gemm(trans_b, trans_a, n, m, k, alpha, b, b_offset, ldb, a, a_offset, lda, beta, c, c_offset, ldc)


def _python_gemm(trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc):
    """NumPy twin of :func:`gemm` for ``NUMBA_DISABLE_JIT=1`` (the intrinsic cannot run in Python)."""
    if m == 0 or n == 0:
        return

    def matrix(array, offset, rows, cols, ld):
        flat = array.reshape(-1)
        return np.lib.stride_tricks.as_strided(
            flat[offset:], shape=(rows, cols), strides=(ld * flat.itemsize, flat.itemsize)
        )

    op_a = matrix(a, a_offset, k, m, lda).T if trans_a else matrix(a, a_offset, m, k, lda)
    op_b = matrix(b, b_offset, n, k, ldb).T if trans_b else matrix(b, b_offset, k, n, ldb)
    target = matrix(c, c_offset, m, n, ldc)
    product = alpha * (op_a @ op_b)
    target[...] = product if beta == 0 else product + beta * target


if config.DISABLE_JIT:
    gemm = _python_gemm  # noqa: F811
