"""Benchmarks: a data generator, a load driver and a bare Starlette ceiling. Not part of the product."""
