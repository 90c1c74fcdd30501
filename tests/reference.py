"""J written plainly with HIPS autograd's NumPy, from the model description alone.

Nothing here comes from symderiv's derivation or its formula parser: activations are written
out by hand below, and user formulas are evaluated by a small walker of Python's ast over
autograd's functions. This is the independent implementation the generated gradients are
compared with.
"""

import ast

import autograd
import autograd.numpy as anp
import autograd.scipy.special as special
from autograd import grad
from autograd.misc import flatten


def _sigmoid(z):
    return 0.5 * (anp.tanh(0.5 * z) + 1.0)


def _softplus(z):
    return anp.logaddexp(0.0, z)


ACTIVATIONS = {
    "relu": lambda z: anp.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": anp.tanh,
    "identity": lambda z: z,
    "softplus": _softplus,
    "silu": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1.0 + special.erf(z / anp.sqrt(2.0))),
    "gelu_tanh": lambda z: (
        0.5 * z * (1.0 + anp.tanh(anp.sqrt(2.0 / anp.pi) * (z + 0.044715 * z**3)))
    ),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "elu": lambda z: anp.where(z > 0, z, anp.expm1(anp.minimum(z, 0.0))),
}
FUNCTIONS = {
    "exp": anp.exp,
    "log": anp.log,
    "sqrt": anp.sqrt,
    "tanh": anp.tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "erf": special.erf,
    "abs": anp.abs,
    "max": anp.maximum,
    "min": anp.minimum,
}
OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def activation(spec):
    if spec in ACTIVATIONS:
        return ACTIVATIONS[spec]
    if spec.startswith("leaky_relu("):
        slope = float(spec[len("leaky_relu(") : -1])
        return lambda z: anp.where(z > 0, z, slope * z)
    if spec.startswith("elu("):
        alpha = float(spec[len("elu(") : -1])
        return lambda z: anp.where(z > 0, z, alpha * anp.expm1(anp.minimum(z, 0.0)))
    tree = ast.parse(spec, mode="eval").body

    def evaluate(node, z):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return z
        if isinstance(node, ast.UnaryOp):
            return -evaluate(node.operand, z)
        if isinstance(node, ast.BinOp):
            return OPERATORS[type(node.op)](evaluate(node.left, z), evaluate(node.right, z))
        return FUNCTIONS[node.func.id](*(evaluate(a, z) for a in node.args))

    return lambda z: evaluate(tree, z)


def _loss(name, O, Y):
    if name == "squared":
        return 0.5 * anp.sum((O - Y) ** 2, axis=1)
    if name == "sigmoid_cross_entropy":
        return anp.sum(-Y * anp.log(_sigmoid(O)) - (1 - Y) * anp.log(_sigmoid(-O)), axis=1)
    m = anp.max(O, axis=1, keepdims=True)
    log_softmax = O - (m + anp.log(anp.sum(anp.exp(O - m), axis=1, keepdims=True)))
    return -anp.sum(Y * log_softmax, axis=1)


def objective(model, params, X, Y, lam):
    hidden, _ = model.stack
    A = X
    for k in range(1, len(hidden) + 2):
        A = A @ params[f"W{k}"].T + (params[f"b{k}"] if f"b{k}" in params else 0.0)
        if k <= len(hidden):
            A = activation(hidden[k - 1].activation)(A)
    losses = _loss(model.loss, A, Y)
    J = anp.mean(losses) if model.reduction == "mean" else anp.sum(losses)
    if model.weight_decay:
        J = J + lam / 2 * sum(anp.sum(params[f"W{k}"] ** 2) for k in range(1, len(hidden) + 2))
    return J


def value_and_grad(model, params, X, Y, lam):
    return objective(model, params, X, Y, lam), grad(lambda p: objective(model, p, X, Y, lam))(
        params
    )


def hessian_vector_product(model, params, X, Y, lam, V):
    """H V by autograd's own Hessian-vector product (reverse over reverse) on the flattened
    parameters; V has the keys of params."""
    flat, unflatten = flatten(params)
    direction, _ = flatten(V)
    product = autograd.hessian_vector_product(
        lambda theta: objective(model, unflatten(theta), X, Y, lam)
    )
    return unflatten(product(flat, direction))
