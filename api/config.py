"""Typed settings, read from FXX_* environment variables (and an optional .env file)."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from enum import Enum
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

PLACEHOLDER_VALUES = {"", "change-me", "changeme", "secret", "placeholder", "xxx"}


class Environment(str, Enum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MediaBackend(str, Enum):
    LOCAL = "local"
    S3 = "s3"


class ConfigurationError(RuntimeError):
    """Raised at start-up when a setting is missing or unsafe for the environment."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FXX_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # Ed25519 private key in PEM; the public key is derived from it.
    jwt_private_key: str = ""
    jwt_key_id: str = ""
    jwt_issuer: str = "fengxingxia"
    jwt_audience: str = "fengxingxia-api"
    access_token_minutes: int = Field(default=15, ge=1, le=120)
    refresh_token_days: int = Field(default=30, ge=1, le=365)

    # Fernet key (urlsafe base64, 32 bytes) that encrypts resident ID numbers.
    data_encryption_key: str = ""
    # Key of the HMAC-SHA256 that makes ID numbers searchable for uniqueness.
    data_hash_key: str = ""

    media_backend: MediaBackend = MediaBackend.LOCAL
    media_dir: Path | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = "fengxingxia-media"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_addressing_style: str = "path"

    redis_url: str = ""
    allowed_origins: list[str] = Field(default_factory=list)

    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_address_max_failures: int = Field(default=30, ge=1)

    # --- domain settings below: one labelled block per domain ---

    @model_validator(mode="after")
    def _fill_embedded_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite://{self.var_dir / 'fengxingxia.sqlite3'}"
        if self.media_dir is None:
            self.media_dir = self.var_dir / "media"
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    def check_secrets(self) -> None:
        """Refuse to run in production with a missing or placeholder secret."""
        if not self.is_production:
            return
        required = {
            "FXX_JWT_PRIVATE_KEY": self.jwt_private_key,
            "FXX_DATA_ENCRYPTION_KEY": self.data_encryption_key,
            "FXX_DATA_HASH_KEY": self.data_hash_key,
            "FXX_DATABASE_URL": self.database_url if not self.database_url.startswith("sqlite") else "",
        }
        if self.media_backend is MediaBackend.S3:
            required["FXX_S3_SECRET_ACCESS_KEY"] = self.s3_secret_access_key
        for name, value in required.items():
            if value.strip().lower() in PLACEHOLDER_VALUES:
                raise ConfigurationError(
                    f"{name} is missing or a placeholder; set it before starting in production"
                )
        if len(self.data_hash_key) < 32:
            raise ConfigurationError("FXX_DATA_HASH_KEY must be at least 32 characters in production")

    def ensure_development_secrets(self) -> None:
        """Create and reuse throwaway secrets under var_dir outside production."""
        if self.is_production:
            return
        if self.jwt_private_key and self.data_encryption_key and self.data_hash_key:
            return
        path = self.var_dir / "dev-secrets.json"
        if path.exists():
            stored = json.loads(path.read_text())
        else:
            key = Ed25519PrivateKey.generate()
            stored = {
                "jwt_private_key": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
                "data_encryption_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "data_hash_key": secrets.token_urlsafe(32),
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stored))
            path.chmod(0o600)
            logger.info("generated development secrets", extra={"path": str(path)})
        self.jwt_private_key = self.jwt_private_key or stored["jwt_private_key"]
        self.data_encryption_key = self.data_encryption_key or stored["data_encryption_key"]
        self.data_hash_key = self.data_hash_key or stored["data_hash_key"]


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    settings.check_secrets()
    settings.ensure_development_secrets()
    return settings
