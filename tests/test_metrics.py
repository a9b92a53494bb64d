"""/metrics: GraphQL operations, errors by code, HTTP routes, subscriptions, events, webhooks and the DB pool."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
import strawberry
from prometheus_client.parser import text_string_to_metric_families

from api.errors import NotFound, ValidationFailed
from api.observability import metrics
from api.observability.extension import MetricsExtension, OperationNames

DOCUMENTED_FAMILIES = {
    "fxx_graphql_requests",
    "fxx_graphql_request_duration_seconds",
    "fxx_graphql_errors",
    "fxx_http_requests",
    "fxx_http_request_duration_seconds",
    "fxx_graphql_subscriptions_open",
    "fxx_event_delivery_lag_seconds",
    "fxx_webhook_deliveries",
    "fxx_webhook_delivery_failures",
    "fxx_db_pool_connections",
}


class Scrape:
    """One parsed /metrics response."""

    def __init__(self, text: str) -> None:
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, name: str, **labels: str) -> float:
        """The sample's value, or 0 when the series does not exist yet."""
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return sample.value
        return 0.0

    def series(self, name: str) -> list[dict[str, str]]:
        return [sample.labels for family in self.families.values() for sample in family.samples if sample.name == name]


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200
    return Scrape(response.text)


async def test_metrics_endpoint_serves_prometheus_text(client):
    response = await client.http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert DOCUMENTED_FAMILIES <= set(Scrape(response.text).families)


async def test_metrics_endpoint_negotiates_openmetrics(client):
    response = await client.http.get("/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"})

    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


async def test_named_query_counted_and_timed(client):
    labels = {"operation_name": "CompanyList", "operation_type": "query"}
    before = await scrape(client.http)

    result = await client.execute("query CompanyList { companies { code } }")

    after = await scrape(client.http)
    assert result.errors == []
    assert after.value("fxx_graphql_requests_total", **labels) - before.value("fxx_graphql_requests_total", **labels) == 1
    duration_count = "fxx_graphql_request_duration_seconds_count"
    assert after.value(duration_count, **labels) - before.value(duration_count, **labels) == 1
    assert after.value("fxx_graphql_request_duration_seconds_sum", **labels) > 0


async def test_anonymous_mutation_counted(client):
    labels = {"operation_name": "anonymous", "operation_type": "mutation"}
    before = await scrape(client.http)

    await client.execute('mutation { tokenCreate(account: "nobody", password: "wrong-password") { me { id } } }')

    after = await scrape(client.http)
    assert after.value("fxx_graphql_requests_total", **labels) - before.value("fxx_graphql_requests_total", **labels) == 1


@pytest.mark.parametrize(
    ("document", "operation_name"),
    [
        ("query WhoAmI { me { id } }", "WhoAmI"),
        ("query Broken { me { id }", "anonymous"),
        ("query NoSuchField { noSuchField }", "NoSuchField"),
    ],
    ids=["unauthenticated", "syntax-error", "unknown-field"],
)
async def test_errors_counted_by_response_code(client, document, operation_name):
    before = await scrape(client.http)

    result = await client.execute(document)

    after = await scrape(client.http)
    code = result.error_code
    assert code is not None
    labels = {"code": code, "operation_name": operation_name}
    assert after.value("fxx_graphql_errors_total", **labels) - before.value("fxx_graphql_errors_total", **labels) == 1


async def test_error_codes_match_formatted_errors():
    """Each kind of resolver failure is counted under the code the client receives."""
    from api.app import create_app

    @strawberry.type
    class Query:
        @strawberry.field
        def crashes(self) -> str:
            raise RuntimeError("database password is hunter2")

        @strawberry.field
        def missing(self) -> str:
            raise NotFound()

        @strawberry.field
        def invalid(self) -> str:
            raise ValidationFailed.single("field", "BAD_USER_INPUT")

    schema = strawberry.Schema(query=Query, extensions=[MetricsExtension])
    app = create_app(schema=schema, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        for field, expected in (("crashes", "INTERNAL"), ("missing", "NOT_FOUND"), ("invalid", "BAD_USER_INPUT")):
            operation = f"Probe{field.title()}"
            before = await scrape(http)

            response = await http.post("/graphql", json={"query": f"query {operation} {{ {field} }}"})

            after = await scrape(http)
            returned = response.json()["errors"][0]["extensions"]["code"]
            labels = {"code": returned, "operation_name": operation}
            assert returned == expected
            assert after.value("fxx_graphql_errors_total", **labels) - before.value("fxx_graphql_errors_total", **labels) == 1


def test_operation_names_capped():
    names = OperationNames(limit=2)

    assert names.label("First") == "First"
    assert names.label("Second") == "Second"
    assert names.label("Third") == "other"
    assert names.label("First") == "First"
    assert names.label(None) == "anonymous"
    assert names.label("not a name") == "other"
    assert names.label("x" * 65) == "other"


async def test_http_requests_counted_by_route_template(client):
    health = {"route": "/healthz", "method": "GET", "status": "200"}
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    before = await scrape(client.http)

    await client.http.get("/healthz")
    await client.http.get("/no/such/path/12345")

    after = await scrape(client.http)
    assert after.value("fxx_http_requests_total", **health) - before.value("fxx_http_requests_total", **health) == 1
    assert after.value("fxx_http_requests_total", **unmatched) - before.value("fxx_http_requests_total", **unmatched) == 1
    assert not any("12345" in labels.get("route", "") for labels in after.series("fxx_http_requests_total"))


async def test_subscription_gauge_exposed(client):
    before = await scrape(client.http)

    metrics.SUBSCRIPTIONS_OPEN.inc()
    during = await scrape(client.http)
    metrics.SUBSCRIPTIONS_OPEN.dec()
    after = await scrape(client.http)

    gauge = "fxx_graphql_subscriptions_open"
    assert during.value(gauge) - before.value(gauge) == 1
    assert after.value(gauge) == before.value(gauge)


async def test_event_lag_observed_in_buckets(client):
    labels = {"event_type": "test.lag"}
    before = await scrape(client.http)

    metrics.observe_event_lag("test.lag", datetime.now(timezone.utc) - timedelta(seconds=2))

    after = await scrape(client.http)
    bucket = "fxx_event_delivery_lag_seconds_bucket"
    assert after.value("fxx_event_delivery_lag_seconds_count", **labels) - before.value(
        "fxx_event_delivery_lag_seconds_count", **labels) == 1
    assert after.value(bucket, **labels, le="1.0") == before.value(bucket, **labels, le="1.0")
    assert after.value(bucket, **labels, le="2.5") - before.value(bucket, **labels, le="2.5") == 1


def test_event_lag_rejects_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        metrics.observe_event_lag("test.lag", datetime.now())


async def test_webhook_deliveries_and_failures_counted(client):
    event = {"event_type": "test.webhook"}
    failure = {"event_type": "test.webhook", "reason": "timeout"}
    before = await scrape(client.http)

    metrics.record_webhook_delivery("test.webhook")
    metrics.record_webhook_delivery("test.webhook", failure_reason="timeout")

    after = await scrape(client.http)
    deliveries = "fxx_webhook_deliveries_total"
    failures = "fxx_webhook_delivery_failures_total"
    assert after.value(deliveries, **event) - before.value(deliveries, **event) == 2
    assert after.value(failures, **failure) - before.value(failures, **failure) == 1


async def test_db_pool_reported_where_backend_has_one(client, db):
    await client.execute("query CompanyList { companies { code } }")

    scraped = await scrape(client.http)

    pool = {state: scraped.value("fxx_db_pool_connections", connection="default", state=state)
            for state in metrics.POOL_STATES}
    if db == "postgres":
        assert pool["max"] == 5  # Tortoise's default maxsize for asyncpg
        assert 1 <= pool["open"] <= pool["max"]
        assert pool["idle"] + pool["in_use"] == pool["open"]
    else:
        # SQLite has one connection and no pool, so no pool series exist.
        assert scraped.series("fxx_db_pool_connections") == []
