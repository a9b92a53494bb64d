"""The committed contract: the SDL file and the migrations match the code."""

from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from api.db import tortoise_config
from api.schema.root import schema

SCHEMA_FILE = Path(__file__).parent.parent / "api" / "schema.graphql"


def test_schema_file_matches_code():
    committed = SCHEMA_FILE.read_text(encoding="utf-8")

    assert committed == schema.as_str() + "\n", "run: python -m api export-schema"


async def test_models_have_migrations(tmp_path):
    config = tortoise_config(f"sqlite://{tmp_path / 'detect.sqlite3'}")
    async with TortoiseContext() as context:
        await context.init(config=config)
        detector = MigrationAutodetector(context.apps, config["apps"])

        writers = await detector.changes()

    assert [writer.name for writer in writers] == [], "models changed without a migration"
