"""Inter-coder agreement on known examples."""

import pytest

from dialogue.reports.agreement import agreement_by_code, cohens_kappa, percent_agreement


def _textbook():
    # Wikipedia's worked example ("Cohen's kappa", simple example): 50 proposals,
    # both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
    a = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    return a, b


def test_textbook_kappa():
    a, b = _textbook()
    assert percent_agreement(a, b) == pytest.approx(0.7)
    assert cohens_kappa(a, b) == pytest.approx(0.4)


def test_kappa_for_three_categories():
    # Perfect agreement is 1; coders who always swap two labels score -1.
    assert cohens_kappa(list("abcabc"), list("abcabc")) == pytest.approx(1.0)
    assert cohens_kappa(list("aabb"), list("bbaa")) == pytest.approx(-1.0)


def test_degenerate_and_empty_cases():
    assert cohens_kappa([], []) is None
    assert cohens_kappa([True, True], [True, True]) == 1.0
    with pytest.raises(ValueError):
        percent_agreement([True], [])


def test_agreement_by_code_uses_units_both_coded():
    a, b = _textbook()
    units = [("post", i) for i in range(50)]
    codings = {
        1: {u: ({7} if x else {99}) for u, x in zip(units, a, strict=True)},
        2: {u: ({7} if y else {99}) for u, y in zip(units, b, strict=True)},
        # A third researcher who coded nothing in common adds no pair.
        3: {("post", 500): {7}},
    }
    (result,) = agreement_by_code(codings, [7])
    assert result.pairs == 1 and result.units == 50 and result.agreed == 35
    assert result.percent == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)
