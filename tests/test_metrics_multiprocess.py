"""/metrics with several uvicorn workers: PROMETHEUS_MULTIPROC_DIR adds up every worker's values."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx

from tests.test_metrics import Scrape
from tests.test_scale_out import ServerProcess

REQUESTS = 40


def worker_pids(directory: Path) -> set[str]:
    """Process ids that wrote metric files, from names such as counter_1234.db and gauge_livesum_1234.db."""
    return {match.group(1) for path in directory.iterdir() if (match := re.search(r"_(\d+)\.db$", path.name))}


def test_two_workers_share_one_metrics_view(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FXX_")}
    environment.update(
        {
            "FXX_ENVIRONMENT": "test",
            "FXX_VAR_DIR": str(tmp_path / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
    )
    # The embedded SQLite default: `serve` applies migrations and loads the demo catalogue first.
    server = ServerProcess("workers", environment, tmp_path / "server.log", extra_arguments=["--workers", "2"])
    server.start()
    try:
        server.wait_until_ready("/healthz")

        # A new connection per request, so the kernel spreads them over both workers.
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10) as http:
            statuses = [http.get(server.base_url + "/healthz").status_code for _ in range(REQUESTS)]
            scrape = Scrape(http.get(server.base_url + "/metrics").text)
        pids_while_running = worker_pids(metrics_dir)
    finally:
        exit_code = server.stop()

    health = {"route": "/healthz", "method": "GET", "status": "200"}
    assert statuses == [200] * REQUESTS
    # wait_until_ready's successful probe is one more /healthz request.
    assert scrape.value("fxx_http_requests_total", **health) == REQUESTS + 1
    assert "fxx_graphql_subscriptions_open" in scrape.families
    assert len(pids_while_running) >= 2, server.output()
    assert exit_code == 0, server.output()
    # On a clean stop each worker removes its live gauges, so a stopped worker's subscriptions stop counting.
    assert not list(metrics_dir.glob("gauge_livesum_*.db")), sorted(p.name for p in metrics_dir.iterdir())
