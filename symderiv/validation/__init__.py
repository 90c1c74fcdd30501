"""Proofs that what symderiv emits is right: symbolic (explicit matrices), numeric (finite
differences). The test suite and `symderiv check` call the same functions."""
