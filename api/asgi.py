"""ASGI entry point for uvicorn: ``uvicorn api.asgi:app``."""

from api.app import create_app
from api.config import get_settings
from api.logging_setup import configure_logging

configure_logging(json_lines=get_settings().is_production)
app = create_app()
