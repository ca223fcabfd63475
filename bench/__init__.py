"""Benchmarks, run apart from the tests (``./dev bench``). Each module prints its figures."""
