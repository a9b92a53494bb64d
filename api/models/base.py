"""Shared model building blocks."""

from tortoise import fields
from tortoise.models import Model


class TimestampedModel(Model):
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True

# NOTE: Tortoise 1.1 copies a model's docstring into the table comment and its
# SQLite schema editor splits statements at ";", so model docstrings must not
# contain a semicolon.
