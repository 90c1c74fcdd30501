"""Computational graphs written as the section writes them: named equations over declared
inputs, parameters, constants and hyperparameters."""
