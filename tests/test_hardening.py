"""GraphQL attack classes against the real application: each test fails without its guard."""

from __future__ import annotations

import json

import pytest

from api.config import Environment, get_settings
from api.models.identity import User
from tests import factories

COMPANIES = "{ companies { code } }"


@pytest.fixture
def production(monkeypatch):
    """Run the request as in production; the secrets check is not re-run."""
    monkeypatch.setattr(get_settings(), "environment", Environment.PRODUCTION)


def nested_selection(depth: int) -> str:
    """A selection `a { a { ... } }` of the given depth below `me`."""
    return "{ me " + "{ a " * (depth - 1) + "{ id }" + " }" * (depth - 1) + " }"


async def test_deep_query_rejected(client):
    result = await client.execute(nested_selection(12))

    codes = [error["extensions"]["code"] for error in result.errors]
    assert "QUERY_TOO_COMPLEX" in codes
    assert result.body["data"] is None


async def test_depth_counted_through_fragments(client):
    fragments = "\n".join(f"fragment F{i} on Query {{ me {{ company {{ ...F{i + 1} }} }} }}" for i in range(6))
    query = "query Deep { ...F0 }\n" + fragments + "\nfragment F6 on Query { jurisdictions { code } }"

    result = await client.execute(query)

    assert any(error["extensions"]["code"] == "QUERY_TOO_COMPLEX" for error in result.errors)
    assert any("levels deep" in error["message"] for error in result.errors)


async def test_query_within_limits_runs(client, catalogue):
    result = await client.execute("query { a1: companies { code } a2: jurisdictions { code } }")

    assert len(result.data["a1"]) == 5


async def test_alias_flood_inside_fragments_rejected(client, catalogue):
    # 4 aliases in F, spread 4 times through G: 16 aliases, none written in the operation itself.
    query = """
    query Flood { ...G }
    fragment G on Query { ...F ...F ...F ...F }
    fragment F on Query { a: companies { code } b: companies { code } c: companies { code } d: companies { code } }
    """

    result = await client.execute(query)

    assert [error["extensions"]["code"] for error in result.errors] == ["QUERY_TOO_COMPLEX"]
    assert "16 aliases" in result.errors[0]["message"]
    assert result.body["data"] is None


async def test_fragment_bomb_counted_without_expanding(client):
    # Each fragment spreads the next ten times: 10**12 aliases after expansion.
    lines = [f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * 10)} }}" for i in range(12)]
    lines.append("fragment F12 on Query { x: companies { code } }")
    query = "query Bomb { ...F0 }\n" + "\n".join(lines)

    result = await client.execute(query)

    assert any("1000000000000 aliases" in error["message"] for error in result.errors)


async def test_circular_fragments_rejected_cleanly(client):
    query = """
    query Loop { ...A }
    fragment A on Query { companies { code } ...B }
    fragment B on Query { jurisdictions { code } ...A }
    """

    result = await client.execute(query)

    assert result.status_code == 200
    assert result.errors
    assert all(error["extensions"]["code"] == "BAD_USER_INPUT" for error in result.errors)
    assert any("Cannot spread fragment" in error["message"] for error in result.errors)


async def test_token_flood_rejected(client):
    query = "{ " + " ".join(["__typename"] * 2500) + " }"

    result = await client.execute(query)

    assert result.error_code == "BAD_USER_INPUT"
    assert "more than 2000 tokens" in result.errors[0]["message"]


async def test_batched_operations_rejected(client):
    body = [{"query": COMPANIES}, {"query": COMPANIES}]

    response = await client.http.post("/graphql", json=body)

    assert response.status_code == 400


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_allowed_outside_production(client):
    result = await client.execute(INTROSPECTION)

    assert result.data["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_rejected_in_production(client, catalogue, production):
    courier = await factories.active_courier(client)

    anonymous = await client.execute(INTROSPECTION)
    as_courier = await client.execute(INTROSPECTION, token=courier.access_token)
    by_type = await client.execute('{ __type(name: "Query") { name } }')

    assert anonymous.error_code == "BAD_USER_INPUT"
    assert "introspection" in anonymous.errors[0]["message"]
    assert as_courier.error_code == "BAD_USER_INPUT"
    assert by_type.error_code == "BAD_USER_INPUT"
    assert anonymous.body["data"] is None


async def test_introspection_allowed_for_admin_in_production(client, catalogue, production):
    admin = await factories.admin(client)

    result = await client.execute(INTROSPECTION, token=admin.access_token)

    assert result.data["__schema"]["queryType"]["name"] == "Query"


async def test_typename_allowed_in_production(client, production):
    result = await client.execute("{ __typename }")

    assert result.data == {"__typename": "Query"}


async def test_field_suggestions_hidden_in_production(client, catalogue, production):
    admin = await factories.admin(client)

    anonymous = await client.execute("{ companie { code } }")
    as_admin = await client.execute("{ companie { code } }", token=admin.access_token)

    assert anonymous.errors[0]["message"] == "Cannot query field 'companie' on type 'Query'."
    assert "Did you mean" in as_admin.errors[0]["message"]


async def test_field_suggestions_shown_in_development(client):
    result = await client.execute("{ companie { code } }")

    assert "Did you mean" in result.errors[0]["message"]


REGISTER_QUERY = factories.REGISTER


async def test_get_mutation_rejected(client, catalogue):
    params = {"query": REGISTER_QUERY, "variables": json.dumps({"input": factories.courier_input()})}

    response = await client.http.get("/graphql", params=params)

    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "GET_OPERATION_REJECTED"
    assert await User.all().count() == 0


async def test_get_query_rejected(client):
    response = await client.http.get("/graphql", params={"query": COMPANIES})

    assert response.status_code == 405


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain", ""],
)
async def test_non_json_post_rejected(client, catalogue, content_type):
    body = json.dumps({"query": REGISTER_QUERY, "variables": {"input": factories.courier_input()}})

    response = await client.http.post("/graphql", content=body, headers={"content-type": content_type})

    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "CONTENT_TYPE_UNSUPPORTED"
    assert await User.all().count() == 0


async def test_form_encoded_post_rejected(client, catalogue):
    form = {"query": REGISTER_QUERY, "variables": json.dumps({"input": factories.courier_input()})}

    response = await client.http.post("/graphql", data=form)

    assert response.status_code == 415
    assert await User.all().count() == 0


async def test_json_post_with_charset_accepted(client, catalogue):
    body = json.dumps({"query": COMPANIES})

    response = await client.http.post(
        "/graphql", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )

    assert response.status_code == 200
    assert len(response.json()["data"]["companies"]) == 5


async def test_oversized_body_rejected(client, catalogue):
    padding = "x" * (get_settings().max_request_bytes + 1)
    body = json.dumps({"query": REGISTER_QUERY, "variables": {"input": factories.courier_input(), "pad": padding}})

    response = await client.http.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await User.all().count() == 0


async def test_oversized_chunked_body_rejected(client, catalogue):
    padding = "x" * (get_settings().max_request_bytes + 1)
    body = json.dumps({"query": REGISTER_QUERY, "variables": {"input": factories.courier_input(), "pad": padding}})

    async def chunks():
        for start in range(0, len(body), 16384):
            yield body[start : start + 16384].encode()

    response = await client.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert await User.all().count() == 0


async def test_security_headers_present(client):
    response = await client.http.post("/graphql", json={"query": "{ __typename }"})

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "strict-transport-security" not in response.headers


async def test_security_headers_on_rejections(client):
    response = await client.http.post("/graphql", data={"query": "{ __typename }"})

    assert response.status_code == 415
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_cors_allows_listed_origin_only(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "allowed_origins", ["https://portal.example.cn"])
    from api.app import create_app
    import httpx

    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    preflight_headers = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        allowed = await http.options("/graphql", headers={"origin": "https://portal.example.cn", **preflight_headers})
        denied = await http.options("/graphql", headers={"origin": "https://evil.example.com", **preflight_headers})
        simple = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://evil.example.com"}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.cn"
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_unexpected_error_masked(client, monkeypatch):
    from api.resolvers import identity

    def broken(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(identity.CompanyModel, "filter", broken)

    result = await client.execute(COMPANIES, language="en")

    assert result.error_code == "INTERNAL"
    assert "hunter2" not in json.dumps(result.body)
    assert result.errors[0]["extensions"]["requestId"] == result.headers["x-request-id"]
