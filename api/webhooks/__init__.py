"""Webhooks: signed HTTPS pushes of report events to department and integrator systems."""
