"""Integrator clients: scoped credentials for third-party systems, and their access tokens."""
