"""SPSS (.sav) and Stata (.dta) files of the contributions and the participants, read
back with pyreadstat: the rows, the variable labels and the value labels. Expected
values are worked out from the people made here, not from the product's queries."""

from __future__ import annotations

import pyreadstat
import pytest

from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase, SchoolType

READ = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}


@pytest.fixture
def people(factory):
    """A primary headteacher in Locality A who says a finding matches and comments on
    it; a secondary teacher in Locality B who says it does not; a person without
    consent (left out)."""
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    head = factory.user(phase=Phase.PRIMARY, education_role=EducationRole.HEADTEACHER,
                        school_type=SchoolType.MAINTAINED, locality_id=a.id, commit=False)
    teacher = factory.user(phase=Phase.SECONDARY, education_role=EducationRole.TEACHER,
                           locality_id=b.id, commit=False)
    refuser = factory.user(consent=False, locality_id=a.id, commit=False)
    _briefing, (finding, _other) = factory.briefing()
    factory.reaction(head, finding, "matches")
    factory.reaction(teacher, finding, "does_not_match")
    factory.reaction(refuser, finding, "matches")
    factory.post(head, finding=finding, body="It matches what we see — très bien.")
    db.session.commit()
    return finding


def _read(client, tmp_path, name, fmt):
    response = client.get(f"/research/export/{name}.{fmt}")
    assert response.status_code == 200
    assert f'filename="dialogue-{name}.{fmt}"' in response.headers["Content-Disposition"]
    path = tmp_path / f"{name}.{fmt}"
    path.write_bytes(response.data)
    return READ[fmt](str(path))


def _labelled(frame, meta, column):
    labels = meta.variable_value_labels[column]
    return [labels.get(v) if v == v else None for v in frame[column]]  # NaN: missing


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_contributions_read_back_with_labels(client, login, researcher, people, tmp_path,
                                             fmt):
    login(researcher)
    frame, meta = _read(client, tmp_path, "contributions", fmt)
    assert len(frame) == 3  # two reactions and one comment; the refuser's left out
    rows = sorted(zip(_labelled(frame, meta, "kind"), _labelled(frame, meta, "phase"),
                      _labelled(frame, meta, "education_role"),
                      _labelled(frame, meta, "school_type"),
                      _labelled(frame, meta, "locality"), frame["answer"], frame["text"],
                      strict=True), key=str)
    assert rows == sorted([
        ("Reaction to a finding", "Primary", "Headteacher", "Maintained school",
         "Locality A", "matches", ""),
        ("Reaction to a finding", "Secondary", "Teacher", None, "Locality B",
         "does_not_match", ""),
        ("Comment on a finding", "Primary", "Headteacher", "Maintained school",
         "Locality A", "", "It matches what we see — très bien."),
    ], key=str)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["person"].startswith("Stable pseudonym of the person")
    assert labels["phase"] == "Their school phase when they contributed"
    assert all(label and len(label) <= 80 for label in labels.values())
    # Every phase has its label, used or not, so files from different filters agree.
    assert set(meta.variable_value_labels["phase"].values()) >= {
        "Primary", "Secondary", "Special", "All-through", "Other"}
    assert set(frame["person"]) == {p for p in frame["person"] if p.startswith("P-")}
    assert len(set(frame["person"])) == 2


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_participants_read_back_with_labels(client, login, researcher, people, tmp_path,
                                            fmt):
    login(researcher)
    frame, meta = _read(client, tmp_path, "participants", fmt)
    got = sorted(zip(_labelled(frame, meta, "phase"), _labelled(frame, meta, "locality"),
                     frame["contributions"], frame["reactions"], frame["comments"],
                     strict=True), key=str)
    assert got == sorted([("Primary", "Locality A", 2, 1, 1),
                          ("Secondary", "Locality B", 1, 1, 0)], key=str)


def test_an_unknown_file_or_format_is_not_found(client, login, researcher):
    login(researcher)
    assert client.get("/research/export/codebook.sav").status_code == 404
    assert client.get("/research/export/contributions.xlsx").status_code == 404


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_no_rows_still_gives_the_variables(client, login, researcher, tmp_path, fmt):
    login(researcher)
    frame, meta = _read(client, tmp_path, "contributions", fmt)
    assert len(frame) == 0
    assert meta.column_names[:3] == ["kind", "id", "person"]


def test_the_dashboard_links_every_file_with_its_filters(client, login, researcher):
    login(researcher)
    page = client.get("/research/?phase=primary").get_data(as_text=True)
    for name in ("contributions", "participants"):
        for fmt in ("sav", "dta"):
            assert f'href="/research/export/{name}.{fmt}?phase=primary"' in page
