"""A local fake of Together AI's fine-tuning API for tests, plus fixtures."""

from __future__ import annotations

import pytest

from fake_http import wait_until
from .server import DEFAULT_API_KEY, MODELS, FakeTogether

__all__ = ["DEFAULT_API_KEY", "MODELS", "FakeTogether", "fake_together", "make_together_provider", "wait_until"]


@pytest.fixture
def fake_together():
    with FakeTogether() as server:
        yield server


def make_together_provider(server: FakeTogether, *, timeout: float = 2.0, max_retries: int = 2, **options):
    """A real ``TogetherProvider`` over a real ``together.Together`` client pointed at ``server``."""
    from tui.providers import make_provider

    return make_provider("together", base_url=server.base_url, timeout=timeout, max_retries=max_retries,
                         environ={"TOGETHER_API_KEY": server.api_key}, **options)
