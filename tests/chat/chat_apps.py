"""The app under test (`api.main.create_app()` with the current settings) and a client signed in the way
the page signs in. tests/browser imports `make_app` from here."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from fastapi.testclient import TestClient


def make_app() -> FastAPI:
    from api.main import create_app
    from assistant.settings import get_settings

    return create_app(get_settings())


def browser_client(client: TestClient) -> TestClient:
    """Authenticate like the page does: sign in at `/login` with an API key (session cookie), then
    same-origin requests."""
    from assistant.service.keys import create_key

    secret = create_key(f"web-{secrets.token_hex(4)}")[1]
    assert client.post("/login", data={"key": secret}, follow_redirects=False).status_code == 303
    client.headers.update({"Origin": str(client.base_url), "X-Requested-With": "huati-web"})
    return client
