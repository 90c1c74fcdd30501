"""What an activation step costs against tanh's, in the generated code, float32 and float64.

A step is the forward statement of one hidden layer's activation, h = φ(z), on an n × h array:
tanh is `np.tanh(Z, out=Z)`; gelu is z Φ(z) through the module's `_erf`; sigmoid and silu go
through `_sigmoid`. Each is timed in the same run, best of 7 rounds, and divided by tanh's.
For reference, SciPy's compiled `scipy.special.erf` (when SciPy is installed; the generated
module does not use it) is timed beside the module's erf.

    python benchmarks/activation_cost.py
"""

from __future__ import annotations

import math
import timeit

import numpy as np

from symderiv import Model, module_source
from symderiv.validation.numeric import load_source

SIZES = ((32, 128), (256, 512), (1024, 4096))


def best(statement, number: int) -> float:
    return min(timeit.repeat(statement, number=number, repeat=7)) / number


def scipy_erf():
    try:
        from scipy.special import erf
    except ImportError:
        return None
    return erf


def main() -> None:
    module = load_source(module_source(Model(activation="gelu", loss="squared")), "gelu")
    sigmoid = load_source(module_source(Model(activation="silu", loss="squared")), "silu")
    reference = scipy_erf()
    header = f"{'dtype':8} {'n × h':>12} {'tanh':>10} {'erf':>10} {'gelu':>10} {'σ':>10}"
    print(f"{header} {'SciPy erf':>10}  ratios to tanh")
    for dtype in (np.float64, np.float32):
        for shape in SIZES:
            Z = np.random.default_rng(0).standard_normal(shape).astype(dtype)
            H = np.empty_like(Z)
            number = max(1, 2_000_000 // Z.size)
            tanh = best(lambda: np.tanh(Z, out=H), number)
            erf = best(lambda: module._erf(Z), number)
            gelu = best(lambda: Z / 2 * (1 + module._erf(Z / math.sqrt(2))), number)
            sig = best(lambda: sigmoid._sigmoid(Z), number)
            scipy = best(lambda: reference(Z, out=H), number) if reference else None
            print(
                f"{np.dtype(dtype).name:8} {f'{shape[0]} × {shape[1]}':>12} "
                f"{tanh * 1e6:8.0f}µs {erf * 1e6:8.0f}µs {gelu * 1e6:8.0f}µs {sig * 1e6:8.0f}µs "
                + (f"{scipy * 1e6:8.0f}µs  " if scipy else f"{'-':>10}  ")
                + f"erf {erf / tanh:5.1f}×  gelu {gelu / tanh:5.1f}×  σ {sig / tanh:5.1f}×"
                + (f"  SciPy erf {scipy / tanh:5.1f}×" if scipy else "")
            )


if __name__ == "__main__":
    main()
