"""Tortoise models; every module listed here is part of the single ``models`` app."""

MODEL_MODULES = [
    "api.models.organisation",
    "api.models.identity",
    "api.models.catalogue",
    "api.models.audit",
    "api.models.reports",
]
