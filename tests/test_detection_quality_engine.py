"""Detection quality through the whole engine, on generated files with planted problems."""

import pytest

from tests.quality.engine import score


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    return score(tmp_path_factory.mktemp("quality"))


@pytest.mark.parametrize("code", ["FT301", "FT302", "FT601", "FT602", "FT603", "FT604", "FT605", "FT606", "FT607"])
def test_precision_and_recall_per_rule(scores, code):
    tp, fp, fn = scores[code]
    assert tp + fn >= 250, (code, tp, fp, fn)
    assert tp / (tp + fp) >= 0.98, (code, tp, fp, fn)
    assert tp / (tp + fn) >= 0.98, (code, tp, fp, fn)
