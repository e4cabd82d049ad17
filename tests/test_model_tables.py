"""The linter's built-in model facts agree with the price tables."""

import pricing
from linter import context_for_model, encoding_name_for_model


def test_training_context_and_encoding_agree_with_price_tables():
    book = pricing.load_price_book()
    checked = 0
    for row in book.models():
        if row.provider != "openai":
            continue
        if row.encoding:
            assert encoding_name_for_model(row.id) == row.encoding, row.id
        linter_context = context_for_model(row.id)
        if linter_context is not None and row.training_context_tokens:
            assert linter_context == row.training_context_tokens, row.id
            checked += 1
    assert checked >= 5
