"""A local fake of the OpenAI fine-tuning API for tests, plus pytest fixtures.

Test modules use it with ``from fake_openai import fake_openai, openai_client`` (the
fixtures) or ``FakeOpenAI`` directly."""

from __future__ import annotations

import pytest

from .server import DEFAULT_API_KEY, FakeOpenAI, parse_multipart, wait_until

__all__ = ["DEFAULT_API_KEY", "FakeOpenAI", "fake_openai", "make_test_provider", "openai_client", "parse_multipart", "wait_until",
           "write_chat_jsonl"]


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def openai_client(fake_openai):
    import openai

    client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=fake_openai.base_url, max_retries=2, timeout=5.0)
    yield client
    client.close()


def make_test_provider(server: FakeOpenAI, *, timeout: float = 2.0, max_retries: int = 2, **options):
    """A real ``OpenAIProvider`` over a real ``openai.OpenAI`` client pointed at ``server``."""
    import openai

    from tui.providers import OpenAIProvider

    client = openai.OpenAI(api_key=DEFAULT_API_KEY, base_url=server.base_url, max_retries=max_retries,
                           timeout=timeout)
    return OpenAIProvider(client, **options)


def write_chat_jsonl(path, examples: int = 12) -> None:
    """Write ``examples`` small, valid chat examples to ``path``."""
    import json

    with open(path, "w", encoding="utf-8") as out:
        for number in range(examples):
            record = {"messages": [
                {"role": "system", "content": "You answer in one short sentence."},
                {"role": "user", "content": f"What is {number} plus {number}?"},
                {"role": "assistant", "content": f"It is {number + number}."},
            ]}
            out.write(json.dumps(record) + "\n")
