"""Thin GraphQL entry points: parse arguments, call the domain, shape the result."""
