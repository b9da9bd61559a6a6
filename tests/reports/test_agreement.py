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


def _two_coders():
    # Worked by hand. Units u1..u5, codes X=1 and Y=2.
    # Coder 10: u1 {X}, u2 {X}, u3 {Y}, u4 {Y}, u5 {X, Y}
    # Coder 20: u1 {X}, u2 {Y}, u3 {Y}, u4 {Y}, u5 {X}
    # X: agree on u1, u3, u4, u5 -> p_o 4/5; coder 10 says X 3/5, coder 20 2/5 ->
    #    p_e = 3/5*2/5 + 2/5*3/5 = 12/25.  Y: agree on u1, u3, u4 -> p_o 3/5; both say Y
    #    3/5 -> p_e = 9/25 + 4/25 = 13/25.  Pooled: mean p_o 0.7, mean p_e 0.5 ->
    #    (0.7 - 0.5) / 0.5 = 0.4, where the mean of the two kappas is 0.391.
    u = [("post", i) for i in range(1, 6)]
    return {10: {u[0]: {1}, u[1]: {1}, u[2]: {2}, u[3]: {2}, u[4]: {1, 2}},
            20: {u[0]: {1}, u[1]: {2}, u[2]: {2}, u[3]: {2}, u[4]: {1}}}


def test_pooled_kappa_worked_by_hand():
    from dialogue.reports.agreement import pooled_kappa

    codings = _two_coders()
    assert pooled_kappa(codings, [1, 2]) == pytest.approx(0.4)
    per_code = [r.kappa for r in agreement_by_code(codings, [1, 2])]
    assert per_code == [pytest.approx(0.32 / 0.52), pytest.approx(0.08 / 0.48)]
    # A code nobody applied leaves the pooled figure alone; none applied: undefined.
    assert pooled_kappa(codings, [1, 2, 3]) == pytest.approx(0.4)
    assert pooled_kappa(codings, [3]) is None


def test_disagreements_list_the_units_to_reconcile():
    from dialogue.reports.agreement import disagreements

    found = disagreements(_two_coders())
    assert [(d.unit, d.only_first, d.only_second) for d in found] == [
        (("post", 2), (1,), (2,)), (("post", 5), (2,), ())]
    assert all((d.first, d.second) == (10, 20) for d in found)
