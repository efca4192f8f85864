"""Sign-in pages."""

from __future__ import annotations

from django.test import Client

from harness import Run, benchmark


@benchmark("login_page", target="p95 < 50 ms")
def login_page(run: Run):
    """GET /accounts/login/ for an anonymous visitor."""
    client = Client()

    def get() -> None:
        response = client.get("/accounts/login/")
        if response.status_code != 200:
            raise AssertionError(f"GET /accounts/login/ answered {response.status_code}")

    return run.result(run.measure(get, n=300, warmup=20), throughput_unit="req/s")
