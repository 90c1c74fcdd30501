"""The coefficients of the generated modules' erf, and how they were found.

erf(a) = a P(a²)/Q(a²) for |a| < 0.5, and sign(a) (1 − e^(−b²) R(b)/S(b)) with b = min(|a|, 6)
above: R/S fits erfcx(b) = e^(b²) erfc(b) on [0.5, 6], and erfc(6) < 2⁻⁵⁴, so erf is ±1 in
double precision beyond. Each rational function minimizes the largest relative error over 400
Chebyshev nodes (Loeb's iteratively reweighted linear least squares, in mpmath at 60 digits):
1.1e-17 for P/Q, 4.7e-17 for R/S, below half a unit in the last place of a float64. `fit()`
finds them again; tests/test_precision.py checks that it does, and the helper against mpmath.
"""

from __future__ import annotations

SMALL = 0.5  # below it, a P(a²)/Q(a²)
LARGE = 6.0  # above it, ±1

P = (
    1.1283791670955126,
    0.047914141341843776,
    0.032307659688832174,
    -0.0013373285181476195,
    7.710524332012525e-05,
)
Q = (1.0, 0.3757961355004299, 0.05389729641428551, 0.0030104992050823363)
R = (
    0.9999999998026062,
    1.7864672978462386,
    1.5793624305701435,
    0.8632239967082264,
    0.3114600354304394,
    0.07404380364876215,
    0.010806452048598165,
    0.0007608712708369928,
)
S = (
    1.0,
    2.914846461971882,
    3.868414474488161,
    3.0656685229337457,
    1.5949836933872727,
    0.5616243828101797,
    0.13191359520865317,
    0.019153935123466827,
    0.0013486092565051862,
)


def fit(f, lo, hi, m: int, k: int, nodes: int = 400, rounds: int = 6):
    """P/Q of degrees m and k (Q(0) = 1) that minimizes the relative error of f on [lo, hi],
    and that error: each round solves the linear least-squares problem P − f Q = 0 on the
    nodes, weighted by 1/(|f| Q_previous) (Loeb), in mpmath's working precision."""
    import mpmath as mp

    lo, hi = mp.mpf(lo), mp.mpf(hi)
    xs = [
        lo + (hi - lo) * (1 - mp.cos(mp.pi * (i + mp.mpf(1) / 2) / nodes)) / 2
        for i in range(nodes)
    ]
    fs = [f(x) for x in xs]
    q_previous = [mp.mpf(1)] * nodes
    for _ in range(rounds):
        rows, rhs = [], []
        for x, fx, qx in zip(xs, fs, q_previous):
            w = 1 / (abs(fx) * qx)
            rows.append(
                [w * x**j for j in range(m + 1)] + [-w * fx * x**j for j in range(1, k + 1)]
            )
            rhs.append(w * fx)
        A, b = mp.matrix(rows), mp.matrix(rhs)
        solution = mp.lu_solve(A.T * A, A.T * b)
        p = [solution[j] for j in range(m + 1)]
        q = [mp.mpf(1)] + [solution[m + 1 + j] for j in range(k)]
        q_previous = [mp.polyval(q[::-1], x) for x in xs]
    error = max(
        abs(mp.polyval(p[::-1], x) / mp.polyval(q[::-1], x) / fx - 1) for x, fx in zip(xs, fs)
    )
    return tuple(float(c) for c in p), tuple(float(c) for c in q), float(error)


def refit() -> dict:
    """P, Q, R and S found again, with their errors."""
    import mpmath as mp

    with mp.workdps(60):
        small = lambda u: mp.erf(mp.sqrt(u)) / mp.sqrt(u) if u else 2 / mp.sqrt(mp.pi)  # noqa: E731
        erfcx = lambda b: mp.exp(b * b) * mp.erfc(b)  # noqa: E731
        p, q, small_error = fit(small, mp.mpf("1e-30"), SMALL**2, 4, 3)
        r, s, large_error = fit(erfcx, SMALL, LARGE, 7, 8)
    return dict(P=p, Q=q, R=r, S=s, errors=(small_error, large_error))
