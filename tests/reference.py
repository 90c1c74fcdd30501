"""J written plainly with HIPS autograd's NumPy, from the model description alone.

Nothing here comes from symderiv's derivation: this is the independent implementation the
generated gradients are compared with.
"""

import autograd.numpy as anp
from autograd import grad

ACTIVATIONS = {
    "relu": lambda z: anp.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "identity": lambda z: z,
}


def _loss(name, O, Y):
    if name == "squared":
        return 0.5 * anp.sum((O - Y) ** 2, axis=1)
    m = anp.max(O, axis=1, keepdims=True)
    log_softmax = O - (m + anp.log(anp.sum(anp.exp(O - m), axis=1, keepdims=True)))
    return -anp.sum(Y * log_softmax, axis=1)


def objective(model, params, X, Y, lam):
    Z = X @ params["W1"].T + (params["b1"] if "b1" in params else 0.0)
    H = ACTIVATIONS[model.activation](Z)
    O = H @ params["W2"].T + (params["b2"] if "b2" in params else 0.0)
    J = anp.mean(_loss(model.loss, O, Y))
    if model.weight_decay:
        J = J + lam / 2 * (anp.sum(params["W1"] ** 2) + anp.sum(params["W2"] ** 2))
    return J


def value_and_grad(model, params, X, Y, lam):
    return objective(model, params, X, Y, lam), grad(lambda p: objective(model, p, X, Y, lam))(
        params
    )
