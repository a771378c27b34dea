"""Benchmarks of the registry's hot paths against bare-SQL baselines (`make bench`, `python -m bench`)."""
