"""Benchmarks behind `make bench`: they print figures (medians), they assert nothing."""
