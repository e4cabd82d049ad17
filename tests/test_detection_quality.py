"""Detection quality on the seeded generator: precision and recall >= 0.98 for every kind."""

from __future__ import annotations

import pytest

from tests.quality.generate import PII_KINDS, dup_corpus, pii_corpus, score_neardup, score_pii


def _ratios(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


@pytest.fixture(scope="module")
def pii_scores() -> dict[str, tuple[int, int, int]]:
    return score_pii(pii_corpus())


@pytest.mark.parametrize("kind", PII_KINDS)
def test_pii_precision_and_recall(pii_scores, kind: str) -> None:
    tp, fp, fn = pii_scores[kind]
    precision, recall = _ratios(tp, fp, fn)
    assert tp + fn >= 300
    assert precision >= 0.98, (kind, tp, fp, fn)
    assert recall >= 0.98, (kind, tp, fp, fn)


def test_near_duplicate_precision_and_recall() -> None:
    tp, fp, fn = score_neardup(dup_corpus())["near-duplicate"]
    precision, recall = _ratios(tp, fp, fn)
    assert tp + fn >= 900
    assert precision >= 0.98 and recall >= 0.98, (tp, fp, fn)
