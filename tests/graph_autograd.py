"""A graph's objective evaluated by autograd, from the equations' text, one example at a time.

This shares nothing with the generated module: the equations are read here by Python's `ast`
(not symderiv's parser), every function is written here with autograd.numpy, quantities are
column vectors as in the math (not rows of a batch), and the objective over a minibatch is the
mean of each example's objective, J = (1/n) Σᵢ (Lᵢ + s) = (1/n) Σᵢ Lᵢ + s, so no split into
per-example and shared terms is needed. Gradients and Hessian-vector products come from
autograd's reverse mode.
"""

from __future__ import annotations

import ast

import autograd.numpy as anp
from autograd import grad
from autograd.misc import flatten
from autograd.scipy.special import erf


def _sigmoid(t):
    return 1 / (1 + anp.exp(-t))


def _softplus(t):
    return anp.logaddexp(0, t)


def _logsumexp(v):
    top = anp.max(v)
    return top + anp.log(anp.sum(anp.exp(v - top)))


def _log_softmax(v):
    return v - _logsumexp(v)


ENTRYWISE = {
    "relu": lambda t: anp.maximum(t, 0),
    "sigmoid": _sigmoid,
    "tanh": anp.tanh,
    "softplus": _softplus,
    "silu": lambda t: t * _sigmoid(t),
    "gelu": lambda t: t * (1 + erf(t / anp.sqrt(2))) / 2,
    "gelu_tanh": lambda t: t * (1 + anp.tanh(anp.sqrt(2 / anp.pi) * (t + 0.044715 * t**3))) / 2,
    "identity": lambda t: t,
    "leaky_relu": lambda t: anp.where(t > 0, t, 0.01 * t),
    "elu": lambda t: anp.where(t > 0, t, anp.exp(anp.minimum(t, 0)) - 1),
    "exp": anp.exp,
    "log": anp.log,
    "sqrt": anp.sqrt,
    "abs": anp.abs,
}
OTHERS = {
    "sum": anp.sum,
    "norm": lambda a: anp.sqrt(anp.sum(a**2)),
    "dot": lambda u, v: anp.sum(u * v),
    "trace": anp.trace,
    "softmax": lambda v: anp.exp(_log_softmax(v)),
    "log_softmax": _log_softmax,
    "logsumexp": _logsumexp,
    "squared": lambda o, y: anp.sum((o - y) ** 2) / 2,
    "softmax_cross_entropy": lambda o, y: -anp.sum(y * _log_softmax(o)),
    "sigmoid_cross_entropy": lambda o, y: anp.sum(_softplus(o) - y * o),
    "inv": anp.linalg.inv,
    "det": anp.linalg.det,
    "logdet": lambda a: anp.log(anp.linalg.det(a)),
}


def _evaluate(node, env, functions):
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env, functions)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Attribute):  # .T
        return _evaluate(node.value, env, functions).T
    if isinstance(node, ast.BinOp):
        a = _evaluate(node.left, env, functions)
        b = _evaluate(node.right, env, functions)
        op = type(node.op)
        if op is ast.MatMult:
            out = anp.dot(a, b)
            return out[0, 0] if anp.shape(out) == (1, 1) else out
        return {
            ast.Add: lambda: a + b,
            ast.Sub: lambda: a - b,
            ast.Mult: lambda: a * b,
            ast.Div: lambda: a / b,
            ast.Pow: lambda: a**b,
        }[op]()
    if isinstance(node, ast.Call):
        args = [_evaluate(a, env, functions) for a in node.args]
        name = node.func.id
        if name in functions:
            return functions[name](*args)
        return (ENTRYWISE.get(name) or OTHERS[name])(*args)
    raise ValueError(f"cannot evaluate {ast.dump(node)}")


def _reads(tree) -> set:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _terms(tree, sign=1):
    """(sign, term) for each additive term of an expression's syntax tree."""
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Add, ast.Sub)):
        right = sign if isinstance(tree.op, ast.Add) else -sign
        return _terms(tree.left, sign) + _terms(tree.right, right)
    return [(sign, tree)]


def _column(value, declared: str):
    """A value in code shapes as the math's: a vector as a column (d, 1) or a row (1, d)."""
    words = declared.split()
    if words in ([], ["1"]):
        return value
    if len(words) == 1:
        return anp.reshape(value, (-1, 1))
    if "1" in words:
        return anp.reshape(value, (1, -1) if words[0] == "1" else (-1, 1))
    return value


class AutogradGraph:
    """J(params, *data) of the graph `table` (its TOML mapping), with autograd's gradient and
    Hessian-vector product; data in the module's order (inputs, constants, hyperparameters)."""

    def __init__(self, table: dict):
        self.table = table
        self.inputs = dict(table.get("inputs", {}))
        self.parameters = dict(table["parameters"])
        self.constants = dict(table.get("constants", {}))
        hyper = list(table.get("hyperparameters", []))
        self.hyperparameters = hyper + ["lam"] * ("lam" not in hyper)
        self.equations = []
        for text in table["equations"]:
            target, body = text.split("=", 1)
            self.equations.append((target.strip(), ast.parse(body.strip(), mode="eval").body))
        self.objective = table.get("objective", self.equations[-1][0])
        self.functions = {
            name: self._formula(text) for name, text in table.get("functions", {}).items()
        }

    def _formula(self, text):
        tree = ast.parse(text, mode="eval").body
        return lambda t: _evaluate(tree, {"t": t}, {})

    def J(self, params, *data):
        names = [*self.inputs, *self.constants, *self.hyperparameters]
        given = dict(zip(names, data))
        shared = self._shared(params, data)
        if not self.inputs:
            return self._one(shared)
        n = len(given[next(iter(self.inputs))])
        total = 0.0
        for i in range(n):
            total = total + self._one(self._example(shared, given, i))
        if self.table.get("reduction", "mean") == "mean":
            return total / n
        # J = Σᵢ Lᵢ + s = Σᵢ (Lᵢ + s) − (n − 1) s, with s the objective's terms that read no
        # input, found here by walking the equations' own syntax trees
        return total - (n - 1) * self._shared_terms(shared)

    def _example(self, shared, given, i) -> dict:
        env = dict(shared)
        env.update({k: _column(given[k][i], s) for k, s in self.inputs.items()})
        return env

    def _one(self, env):
        for target, tree in self.equations:
            env[target] = _evaluate(tree, env, self.functions)
        return env[self.objective]

    def _shared_terms(self, shared):
        """The sum of the objective's additive terms that depend on no input."""
        each = set(self.inputs)
        for target, tree in self.equations:
            if _reads(tree) & each:
                each.add(target)
        env = dict(shared)
        for target, tree in self.equations:
            if target == self.objective:
                return sum(
                    sign * _evaluate(term, env, self.functions)
                    for sign, term in _terms(tree)
                    if not _reads(term) & each
                )
            if not _reads(tree) & each:
                env[target] = _evaluate(tree, env, self.functions)
        raise ValueError("no objective")

    def value(self, expr: str, params, *data):
        """The per-example quantity `expr` (a name or an expression of the equations' names)
        for every example, one row each (as predict)."""
        tree = ast.parse(expr, mode="eval").body
        return self._rows(params, data, lambda env: _evaluate(tree, env, self.functions))

    def each(self, params, *data):
        """The objective's per-example part, one value per example: its value less the terms
        that read no input."""
        rows = self._rows(params, data, lambda env: env[self.objective])
        return rows[:, 0] - self._shared_terms(self._shared(params, data))

    def _shared(self, params, data) -> dict:
        names = [*self.inputs, *self.constants, *self.hyperparameters]
        given = dict(zip(names, data))
        shared = {
            k: _column(v, self.constants[k]) for k, v in given.items() if k in self.constants
        }
        shared.update({k: given[k] for k in self.hyperparameters})
        shared.update({k: _column(v, self.parameters[k]) for k, v in params.items()})
        return shared

    def _rows(self, params, data, read):
        names = [*self.inputs, *self.constants, *self.hyperparameters]
        given = dict(zip(names, data))
        shared = self._shared(params, data)
        rows = []
        for i in range(len(given[next(iter(self.inputs))])):
            env = self._example(shared, given, i)
            self._one(env)
            rows.append(anp.ravel(read(env)))
        return anp.array(rows)

    def hessian(self, params, *data):
        """The Hessian of J over the parameters flattened in their order (row-major each)."""
        from autograd import jacobian

        names = list(self.parameters)
        shapes = [anp.shape(params[k]) for k in names]
        sizes = [int(anp.prod(anp.array(s, dtype=int))) if s else 1 for s in shapes]

        def J(flat):
            parts, at = {}, 0
            for k, shape, size in zip(names, shapes, sizes):
                parts[k] = anp.reshape(flat[at : at + size], shape)
                at += size
            return self.J(parts, *data)

        flat = anp.concatenate([anp.ravel(anp.asarray(params[k], dtype=float)) for k in names])
        return jacobian(grad(J))(flat)

    def gradient(self, params, *data) -> dict:
        return grad(lambda p: self.J(p, *data))(params)

    def hvp(self, params, *data, V) -> dict:
        flat, unflatten = flatten(params)
        v, _ = flatten(V)
        g = grad(lambda p: self.J(unflatten(p), *data))
        return unflatten(grad(lambda p: anp.dot(g(p), v))(flat))
