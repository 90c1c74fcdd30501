"""How a graph's derivation reads: as the section writes it, with no noise that SymPy's forms
leave (1 ⊙ x, −y + h, a plain 1 for a vector of ones, 1ᵀ of a matrix, prod(∂J/∂J, ·))."""

from __future__ import annotations

from test_graph_parse import CATALOGUE

import symderiv
from symderiv.graphs.module import graph_module_source

RESIDUAL = CATALOGUE["residual"]


def _rows(tex: str) -> list:
    return [line for line in tex.splitlines() if "&=" in line or line.startswith("&")]


def test_a_broadcast_vector_of_ones_is_a_bold_one_and_its_coefficient_grouped():
    graph = symderiv.graph(
        inputs={"x": "d"}, parameters={"W": "d d"}, hyperparameters=["k"],
        equations=["h1 = W @ x", "c = h1 - k*sum(h1)", "J = norm(c)**2"],
    )  # fmt: skip
    rows = _rows(symderiv.fragment(graph))
    assert (
        r"\mathbf{c} &= \mathbf{h}_{1} - \left(k \mathbf{1}^\top \mathbf{h}_{1}\right) \mathbf{1} \\"
        in rows
    )


def test_the_sum_of_a_matrix_product_entrywise_is_the_frobenius_inner_product():
    tex = symderiv.fragment(symderiv.graph(RESIDUAL), hvp=True)
    (row,) = [r for r in _rows(tex) if r.startswith(r"\mathcal{R}\{s\}")]
    assert r"\lambda \langle \mathbf{W}_{1}, \mathbf{V}_{\mathbf{W}_{1}} \rangle_\textrm{F}" in row
    assert r"\mathbf{1}^\top \left(\mathbf{W}" not in row  # 1ᵀ of a matrix is a row, not J's


def test_a_sum_of_two_vectors_entrywise_is_their_inner_product():
    tex = symderiv.fragment(symderiv.graph(RESIDUAL), hvp=True)
    assert any(r"\mathbf{o}\right)^\top \mathcal{R}\{\mathbf{o}\}" in r for r in _rows(tex))
    graph = symderiv.graph(inputs={"x": "d"}, parameters={"W": "d d"},
                           equations=["c = W @ x", "J = norm(c)**2"])  # fmt: skip
    (row,) = [
        r for r in _rows(symderiv.fragment(graph, hvp=True)) if r.startswith(r"\mathcal{R}\{J\}")
    ]
    assert row == r"\mathcal{R}\{J\} &= 2 \mathbf{c}^\top \mathcal{R}\{\mathbf{c}\} \in \mathbb{R}"


def test_ones_from_a_sum_s_gradient_leave_no_trace():
    logistic = symderiv.graph(
        constants={"X": "n d", "y": "n"}, parameters={"w": "d"},
        equations=["f = sum(softplus(X @ w)) - y.T @ X @ w"],
    )  # fmt: skip
    assert (
        r"\frac{\partial f}{\partial \mathbf{w}} &= \mathbf{X}^\top \sigma\left(\mathbf{X} \mathbf{w}\right) - \mathbf{X}^\top \mathbf{y}"
        in symderiv.fragment(logistic)
    )  # noqa: E501
    lasso = symderiv.graph(
        constants={"X": "n d", "y": "n"}, parameters={"w": "d"}, hyperparameters=["mu"],
        equations=["f = norm(X @ w - y)**2 / 2 + mu * sum(abs(w))"],
    )  # fmt: skip
    assert r"\mu \operatorname{sign}{\left(\mathbf{w} \right)}" in symderiv.fragment(lasso)
    code = graph_module_source(lasso)
    assert "mu * np.sign(w)" in code and "np.ones" not in code


def test_a_sum_does_not_open_with_a_minus_where_a_term_has_none():
    ridge = symderiv.graph(
        constants={"X": "n d", "y": "n"}, parameters={"w": "d"},
        equations=["f = norm(X @ w - y)**2 / 2 + lam / 2 * norm(w)**2"],
    )  # fmt: skip
    tex = symderiv.fragment(ridge)
    assert r"\|\mathbf{X} \mathbf{w} - \mathbf{y}\|^2" in tex and r"\|-\mathbf{y}" not in tex
    assert "∂f/∂w = Xᵀ (X w - y) + λ w" in str(symderiv.derive(ridge))


def test_a_power_of_a_squared_norm_is_one_power():
    graph = symderiv.graph(
        inputs={"x": "d", "y": "d"}, parameters={"W": "d d"},
        equations=["z = x / (1 + squared(x, y)**2)", "o = W @ z", "J = squared(o, y) + norm(W)**4"],
    )  # fmt: skip
    tex = symderiv.fragment(graph)
    assert r"\|\mathbf{x} - \mathbf{y}\|^{4}" in tex and r"\|\mathbf{W}\|_\textrm{F}^{4}" in tex
    assert "^2^" not in tex  # a double superscript does not compile
    code = graph_module_source(graph)
    assert "z = x/(1 + ‖x - y‖⁴/4)" in code and "‖W‖⁴" in code


def test_the_objective_s_own_partials_are_stated_as_numbers_and_prose_not_repeated():
    tex = symderiv.document(symderiv.graph(RESIDUAL))
    assert r"\frac{\partial J}{\partial L} &= 1 \in \mathbb{R}" in tex
    assert r"\frac{\partial J}{\partial J}" not in tex  # no prod(∂J/∂J, ∂J/∂L)
    assert tex.count("Going backward towards the input") == 1
    french = symderiv.document(symderiv.graph(RESIDUAL), lang="fr")
    assert french.count("En remontant vers l'entrée") == 1
