"""Upload limits per media kind, from settings."""

from __future__ import annotations

from dataclasses import dataclass

from api.config import Settings, get_settings
from api.models.media import MediaKind

# Detected types (by the file's first bytes) that each declared content type accepts.
# M4A audio often carries a generic MP4 brand, and PNG covers animated PNG.
ACCEPTED_DETECTIONS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpeg"}),
    "image/png": frozenset({"image/png", "image/apng"}),
    "image/heic": frozenset({"image/heic"}),
    "image/webp": frozenset({"image/webp"}),
    "video/mp4": frozenset({"video/mp4", "video/x-m4v"}),
    "video/quicktime": frozenset({"video/quicktime"}),
    "audio/aac": frozenset({"audio/aac"}),
    "audio/mp4": frozenset({"audio/mp4", "video/mp4"}),
    "audio/x-m4a": frozenset({"audio/mp4", "video/mp4"}),
    "audio/mpeg": frozenset({"audio/mpeg"}),
    "audio/amr": frozenset({"audio/amr"}),
}

# File name extensions of stored video and audio, so downloads carry a usable type.
EXTENSIONS: dict[str, str] = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/aac": ".aac",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/mpeg": ".mp3",
    "audio/amr": ".amr",
}


@dataclass(frozen=True)
class KindLimit:
    kind: MediaKind
    max_bytes: int
    content_types: tuple[str, ...]


def kind_limits(settings: Settings | None = None) -> dict[MediaKind, KindLimit]:
    settings = settings or get_settings()
    return {
        MediaKind.PHOTO: KindLimit(MediaKind.PHOTO, settings.media_photo_max_bytes, tuple(settings.media_photo_content_types)),
        MediaKind.VIDEO: KindLimit(MediaKind.VIDEO, settings.media_video_max_bytes, tuple(settings.media_video_content_types)),
        MediaKind.AUDIO: KindLimit(MediaKind.AUDIO, settings.media_audio_max_bytes, tuple(settings.media_audio_content_types)),
    }


def limit_for(kind: MediaKind) -> KindLimit:
    return kind_limits()[kind]


def largest_upload_bytes() -> int:
    return max(limit.max_bytes for limit in kind_limits().values())


def max_megabytes(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g}"
