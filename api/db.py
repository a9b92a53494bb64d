"""Database configuration, connection lifecycle and migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api

from api.config import Settings, get_settings
from api.models import MODEL_MODULES

logger = logging.getLogger(__name__)


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = database_url or get_settings().database_url
    if url.startswith("sqlite://"):
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI (``tortoise makemigrations``), configured in pyproject.toml.
TORTOISE_ORM = tortoise_config(Settings().database_url)


async def init_db(database_url: str | None = None) -> None:
    # The global fallback lets request tasks use the context that the lifespan task opened.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str | None = None) -> None:
    """Apply every committed migration that the database has not seen yet."""
    await migrate_api(config=tortoise_config(database_url))
    logger.info("migrations applied")
