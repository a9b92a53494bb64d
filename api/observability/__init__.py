"""Metrics for operators: Prometheus counters, histograms and gauges, and the /metrics endpoint."""
