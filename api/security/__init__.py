"""Defences of the public API: query limits, rate limits, request checks, permissions."""
