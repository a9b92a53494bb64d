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

# A rate limit setting: "COUNT/SECONDS", both positive integers.
RATE_LIMIT_PATTERN = r"^[1-9][0-9]*/[1-9][0-9]*$"

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
    # Public keys (PEM) of retired signing keys, still accepted until their tokens expire.
    # Their kid is derived from the key, so leave jwt_key_id empty when rotating.
    jwt_previous_public_keys: list[str] = Field(default_factory=list)
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
    # External URL of this server, used in upload and signed media URLs. Empty means
    # http://FXX_HOST:FXX_PORT, which suits only a client on the same machine.
    public_base_url: str = ""
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

    # QR pass
    # Ed25519 private key in PEM that signs courier passes. Gate scanners fetch its public key
    # from /.well-known/pass-keys.json. Outside production an empty value means a generated key under var_dir.
    pass_signing_key: str = ""
    # Seconds a pass code stays valid. It is also how long an offline scanner keeps accepting
    # a pass of a courier who was suspended meanwhile.
    pass_lifetime_seconds: int = Field(default=300, ge=30, le=3600)

    # Points
    # Reports one courier may submit per calendar day in the jurisdiction's time zone (Beijing time by default).
    points_daily_report_cap: int = Field(default=20, ge=1, le=1000)
    # Largest single payout or adjustment an admin may record, in points (1 point = 1 yuan).
    points_max_single_amount: int = Field(default=100_000, ge=1)

    # Media
    # Upper bounds and accepted content types per media kind. Clients read them through the mediaLimits query.
    media_photo_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1)
    media_photo_content_types: list[str] = Field(
        default_factory=lambda: ["image/jpeg", "image/png", "image/heic", "image/webp"]
    )
    media_video_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    media_video_content_types: list[str] = Field(default_factory=lambda: ["video/mp4", "video/quicktime"])
    media_audio_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    media_audio_content_types: list[str] = Field(
        default_factory=lambda: ["audio/aac", "audio/mp4", "audio/x-m4a", "audio/mpeg", "audio/amr"]
    )
    # Lifetime of an upload slot's presigned POST, and of a presigned GET URL, in seconds.
    media_upload_url_seconds: int = Field(default=300, ge=30, le=3600)
    media_download_url_seconds: int = Field(default=300, ge=30, le=3600)
    # Longest edge of a photo's display version and of its thumbnail, in pixels.
    media_display_max_pixels: int = Field(default=1920, ge=64)
    media_thumbnail_max_pixels: int = Field(default=320, ge=16)
    # Media never attached to a report is deleted by `python -m api.media cleanup` after this many hours.
    media_unattached_max_age_hours: int = Field(default=24, ge=1)

    # Hardening
    # Largest GraphQL document the API executes: selection depth, aliases (counted through fragments) and lexer tokens.
    graphql_max_depth: int = Field(default=10, ge=2, le=50)
    graphql_max_aliases: int = Field(default=15, ge=0, le=1000)
    graphql_max_tokens: int = Field(default=2000, ge=100, le=100_000)
    # Largest request body in bytes for every path, unless request_body_limits_by_path names a bigger one.
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    # Larger body limits (bytes) by path prefix, for example {"/media/upload": 104857600} for local uploads.
    request_body_limits_by_path: dict[str, int] = Field(default_factory=dict)
    # Rate limits as "COUNT/SECONDS": attempts allowed per identity (account, phone, user or client) and
    # per client address within a fixed window. Many couriers share a carrier NAT address.
    rate_limit_login_identity: str = Field(default="10/300", pattern=RATE_LIMIT_PATTERN)
    rate_limit_login_address: str = Field(default="100/300", pattern=RATE_LIMIT_PATTERN)
    rate_limit_registration_identity: str = Field(default="5/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_registration_address: str = Field(default="30/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_report_identity: str = Field(default="30/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_report_address: str = Field(default="600/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_upload_identity: str = Field(default="120/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_upload_address: str = Field(default="2400/3600", pattern=RATE_LIMIT_PATTERN)
    rate_limit_client_token_identity: str = Field(default="30/300", pattern=RATE_LIMIT_PATTERN)
    rate_limit_client_token_address: str = Field(default="100/300", pattern=RATE_LIMIT_PATTERN)
    # Lifetime of an integrator's client-credentials access token, in minutes.
    integrator_token_minutes: int = Field(default=10, ge=1, le=60)
    # Seconds browsers may cache a CORS preflight answer.
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86400)

    # Reports
    # An open report of the same category within the category's radius submitted this many hours
    # before a new one is linked to it as a possible duplicate.
    report_duplicate_window_hours: int = Field(default=24, ge=1, le=24 * 30)
    # A point outside every community but this close to one, in metres, is placed in the nearest community.
    report_border_snap_metres: float = Field(default=25.0, ge=0, le=1000)

    # Real time
    # Seconds between two reads of the event outbox when no local write announced an event. A write in
    # the same process wakes the publisher at once; this bounds the delay for writes by other processes.
    events_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Prefix of the Redis pub/sub channel that carries events between processes (used when redis_url is set).
    events_channel_prefix: str = Field(default="fxx", min_length=1, max_length=64)
    # Subscriptions one websocket connection may run at once, and events buffered per subscription
    # before a slow client is told to resume from its last cursor.
    subscriptions_per_connection: int = Field(default=10, ge=1, le=100)
    subscription_buffer_events: int = Field(default=1000, ge=10, le=100_000)
    # Seconds a new websocket may wait before connection_init, and between two re-checks of the
    # account behind an open connection (suspension and logout-everywhere close it).
    subscription_init_timeout_seconds: int = Field(default=10, ge=1, le=300)
    subscription_recheck_seconds: int = Field(default=60, ge=1, le=3600)
    # Webhook hosts (names or IP addresses) allowed even though they resolve to private, loopback or
    # link-local addresses. Outside production, plain http is also accepted for these hosts.
    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    # Attempts before a delivery is dead-lettered, the first retry delay (doubled per attempt, with
    # up to 10% jitter) and its ceiling, in seconds.
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_base_seconds: float = Field(default=30.0, gt=0, le=3600)
    webhook_backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0, le=7 * 86400)
    # Seconds one webhook POST may take, and between two scans for due deliveries.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_poll_seconds: float = Field(default=2.0, gt=0, le=300)

    @model_validator(mode="after")
    def _fill_embedded_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite://{self.var_dir / 'fengxingxia.sqlite3'}"
        if self.media_dir is None:
            self.media_dir = self.var_dir / "media"
        if not self.public_base_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            self.public_base_url = f"http://{host}:{self.port}"
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
            "FXX_PASS_SIGNING_KEY": self.pass_signing_key,
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
