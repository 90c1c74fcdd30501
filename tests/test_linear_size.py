"""Derivation and emission stay linear in depth: every layer adds the same equations and the
same statements, each referring to named intermediates (no expression swell)."""

import sympy as sp

from symderiv import Model, derive, fragment, module_source


def model(K):
    return Model(hidden=K, activation="tanh", loss="softmax_cross_entropy", bias="all")


def test_each_layer_adds_the_same_amount_of_latex_and_code():
    depths = (8, 16, 24, 32)
    # the equations' lines, not where a long one (s = λ/2 (‖W1‖² + …)) is broken for the page
    tex = [
        sum(not line.startswith("&\\quad") for line in fragment(model(K)).splitlines())
        for K in depths
    ]
    code = [module_source(model(K)).count("\n") for K in depths]
    tex_steps = {(b - a) / (k2 - k1) for a, b, k1, k2 in zip(tex, tex[1:], depths, depths[1:])}
    assert len(tex_steps) == 1  # exactly affine in K
    code_steps = [(b - a) / (k2 - k1) for a, b, k1, k2 in zip(code, code[1:], depths, depths[1:])]
    # Up to where the formatter breaks a long line (the PARAMETERS tuple, the cache, …).
    assert max(code_steps) - min(code_steps) <= 3


def test_every_closed_form_stays_small():
    # With K = 32 no adjoint's closed form is bigger than with K = 2: each refers to the
    # previous adjoint by name instead of expanding it.
    def largest(K):
        return max(
            sum(1 for _ in sp.preorder_traversal(a.closed)) for a in derive(model(K)).adjoints
        )

    assert largest(32) == largest(2)
