"""A local fake of Fireworks AI's fine-tuning API for tests, plus fixtures."""

from __future__ import annotations

import pytest

from .server import ACCOUNT, DEFAULT_API_KEY, MODELS, FakeFireworks

__all__ = ["ACCOUNT", "DEFAULT_API_KEY", "MODELS", "FakeFireworks", "fake_fireworks", "make_fireworks_provider"]


@pytest.fixture
def fake_fireworks():
    with FakeFireworks() as server:
        yield server


def make_fireworks_provider(server: FakeFireworks, *, timeout: float = 2.0, max_retries: int = 2, **options):
    """A real ``FireworksProvider`` over a real ``fireworks.Fireworks`` client pointed at ``server``."""
    from tui.providers import make_provider

    return make_provider("fireworks", base_url=server.base_url, account_id=server.account, timeout=timeout,
                         max_retries=max_retries, environ={"FIREWORKS_API_KEY": server.api_key}, **options)
