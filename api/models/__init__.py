"""Tortoise models; every module listed here is part of the single ``models`` app."""

MODEL_MODULES = [
    "api.models.organisation",
    "api.models.identity",
    "api.models.catalogue",
    "api.models.audit",
    "api.models.reports",
    "api.models.points",
    "api.models.notifications",
    "api.models.media",
    "api.models.passes",
    "api.models.events",
    "api.models.webhooks",
    "api.models.integrators",
]
