"""HTTP surface: health checks, request ids, error masking and the settings guard."""

import pytest

from api.config import ConfigurationError, Settings


async def test_health_and_readiness(client):
    health = await client.http.get("/healthz")
    ready = await client.http.get("/readyz")

    assert health.json() == {"status": "ok"}
    assert ready.json() == {"status": "ok", "database": "up"}


async def test_request_id_is_honoured_and_returned(client):
    supplied = await client.http.get("/healthz", headers={"x-request-id": "abc-123"})
    generated = await client.http.get("/healthz")

    assert supplied.headers["x-request-id"] == "abc-123"
    assert len(generated.headers["x-request-id"]) == 32


async def test_unauthenticated_message_is_localised(client):
    chinese = await client.execute("{ me { id } }")
    english = await client.execute("{ me { id } }", language="en")

    assert chinese.errors[0] == {**chinese.errors[0], "message": "请先登录。"}
    assert english.errors[0]["message"] == "Please log in first."
    assert english.error_code == "UNAUTHENTICATED"


async def test_jwks_publishes_the_verification_key(client):
    response = await client.http.get("/.well-known/jwks.json")

    key = response.json()["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
    assert "d" not in key


def test_production_refuses_placeholder_secrets():
    settings = Settings(environment="production", jwt_private_key="", data_encryption_key="x" * 44,
                        data_hash_key="y" * 40, database_url="postgres://db/fxx")

    with pytest.raises(ConfigurationError, match="FXX_JWT_PRIVATE_KEY"):
        settings.check_secrets()


def test_production_refuses_sqlite():
    settings = Settings(environment="production", jwt_private_key="pem", data_encryption_key="x" * 44,
                        data_hash_key="y" * 40)

    with pytest.raises(ConfigurationError, match="FXX_DATABASE_URL"):
        settings.check_secrets()


def test_development_accepts_missing_secrets():
    Settings(environment="development").check_secrets()


async def test_unexpected_errors_are_masked_and_logged(db, caplog):
    import httpx
    import strawberry

    from api.app import create_app

    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError("database password is hunter2")

    from api.schema.root import AppSchema

    app = create_app(schema=AppSchema(query=Query), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/graphql", json={"query": "{ broken }"}, headers={"accept-language": "en"})

    error = response.json()["errors"][0]
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert "hunter2" not in error["message"]
    assert request_id in error["message"]
    assert any(record.name == "api.unexpected" for record in caplog.records)


async def test_two_root_fields_share_one_caller(client, catalogue):
    from tests import factories

    courier = await factories.active_courier(client)

    result = await client.execute("{ first: me { id } second: me { id } }", token=courier.access_token)

    assert result.data["first"]["id"] == courier.user_id
    assert result.data["second"]["id"] == courier.user_id


async def test_bad_variable_value_is_bad_user_input(client):
    query = "query($first: Int!) { accounts(first: $first) { id } }"

    result = await client.execute(query, {"first": 10.5})

    assert result.error_code == "BAD_USER_INPUT"
    assert "10.5" in result.errors[0]["message"]
