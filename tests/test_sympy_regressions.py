"""What SymPy 1.14 gets wrong, and why symderiv does not differentiate with MatrixExpr.diff.

Each test pins a failure. When a SymPy upgrade makes one of them fail, the upgrade changed
behaviour symderiv works around: decide then whether to rely on SymPy instead.
"""

import pytest
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

d, h, q = sp.symbols("d h q", integer=True, positive=True)
W1 = sp.MatrixSymbol("W1", h, d)
W2 = sp.MatrixSymbol("W2", q, h)
x = sp.MatrixSymbol("x", d, 1)


def test_sum_of_traces_differentiates_to_zero():
    # s = ‖W1‖² + ‖W2‖² has ∂s/∂W1 = 2 W1, but MatrixExpr.diff returns 0.
    s = sp.Trace(W1.T * W1) + sp.Trace(W2.T * W2)
    assert str(s.diff(W1)) == "0"
    assert str(sp.Trace(W1.T * W1).diff(W1)) == "2*W1"  # a single trace is right


def test_elementwise_function_breaks_diff():
    o = W2 * (W1 * x).applyfunc(sp.tanh)
    with pytest.raises(ValueError, match="diagonalizing indices"):
        o.diff(W1)


def test_elementwise_function_breaks_cse():
    z = (W1 * x).applyfunc(sp.tanh)
    with pytest.raises(TypeError):
        sp.cse([z, z.T * z])


def test_numpy_printer_emits_invalid_code_for_applyfunc():
    code = NumPyPrinter().doprint((W1 * x).applyfunc(sp.tanh))
    with pytest.raises(SyntaxError):
        compile(code, "<printed>", "eval")
