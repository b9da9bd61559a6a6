"""The research pages: dashboard, filters with htmx, coding, codebook and exports."""

import csv
import io
import zipfile
from xml.etree import ElementTree as ET

from dialogue.extensions import db
from dialogue.reports.models import Code, Coding

HX = {"HX-Request": "true", "HX-Target": "results"}


def test_dashboard_shows_shares_with_suppression(client, login, researcher, data):
    login(researcher)
    page = client.get("/research/").get_data(as_text=True)
    assert "Research dashboard" in page
    # 9 consenting people reacted to finding 1: 5 matches (56%), 2 partly, 2 do not.
    assert "56%" in page and "77%" in page
    assert "fewer than 5" in page  # the secondary teachers' row
    assert "I did not consent" not in page


def test_filters_update_with_htmx_and_without(client, login, researcher, data):
    login(researcher)
    fragment = client.get(f"/research/?locality={data.b.id}", headers=HX)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    # Two people in Locality B: their contributions are not counted out loud.
    assert "<strong>withheld</strong> contributions" in text and ">2<" not in text
    full = client.get(f"/research/?locality={data.b.id}").get_data(as_text=True)
    assert "<html" in full and "<strong>withheld</strong> contributions" in full


def test_coding_with_htmx_and_plain_post(client, login, researcher, data):
    login(researcher)
    hierarchy = db.session.scalar(db.select(Code).where(Code.code == "hierarchy"))
    post = data.posts[0]
    url = f"/research/contributions/post/{post.id}/codes"
    response = client.post(url, data={"code_id": hierarchy.id}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Coding.id))) == 1
    # Without JavaScript: a normal POST that redirects back; a second toggle removes it.
    response = client.post(url, data={"code_id": hierarchy.id})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Coding.id))) == 0
    page = client.get("/research/contributions").get_data(as_text=True)
    assert "We rely on our trust" in page and "held for moderation" not in page
    # Held, unconsented or missing contributions cannot be coded.
    for post in data.posts[2:]:
        refused = client.post(f"/research/contributions/post/{post.id}/codes",
                              data={"code_id": hierarchy.id})
        assert refused.status_code == 404
    assert client.post("/research/contributions/post/99999/codes",
                       data={"code_id": hierarchy.id}).status_code == 404


def test_codebook_is_editable(client, login, researcher, data):
    login(researcher)
    bad = client.post("/research/codebook", data={"code": "Bad Name", "definition": ""})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and "Bad Name" in text
    themes = db.session.scalar(db.select(Code).where(Code.code == "themes"))
    ok = client.post("/research/codebook", data={
        "code": "trust", "parent": str(themes.id), "definition": "Trust between schools",
        "when_to_use": "", "example": ""})
    assert ok.status_code == 302
    code = db.session.scalar(db.select(Code).where(Code.code == "trust"))
    assert code.parent_id == themes.id
    client.post(f"/research/codebook/{code.id}", data={
        "code": "trust-relations", "parent": "", "definition": "Changed", "when_to_use": "",
        "example": ""})
    db.session.refresh(code)
    assert code.code == "trust-relations" and code.parent_id is None
    # Seeding again adds nothing.
    client.post("/research/codebook/defaults")
    assert db.session.scalar(db.select(db.func.count(Code.id))) == 10


def _csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_exports_are_escaped_and_agree(client, login, researcher, data):
    login(researcher)
    response = client.get("/research/export/contributions.csv")
    assert response.mimetype == "text/csv"
    rows = _csv(response.get_data(as_text=True))
    texts = [r["text"] for r in rows]
    assert "'=SUM(A1:A2) is how our budget feels, honestly, every single term." in texts
    assert not any("held for moderation" in t or "did not consent" in t for t in texts)
    assert len(rows) == 9 + 2 + 5  # reactions, visible posts, workshop responses
    people = {r["person"] for r in rows}
    assert all(p.startswith("P-") for p in people) and len(people) == 9
    participants = _csv(client.get("/research/export/participants.csv").get_data(as_text=True))
    assert {p["person"] for p in participants} == people
    api = client.get("/api/v1/contributions?per_page=500").get_json()
    assert api["total"] == len(rows)
    assert {(i["kind"], i["id"]) for i in api["items"]} == {(r["kind"], int(r["id"]))
                                                           for r in rows}


def test_zip_bundle_has_every_file_and_readme(client, login, researcher, data):
    login(researcher)
    response = client.get(f"/research/export.zip?phase=primary&locality={data.a.id}")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["README.txt", "codebook.csv", "coding.csv",
                                          "consensus.csv", "contributions.csv",
                                          "participants.csv", "polls.csv"]
    readme = archive.read("README.txt").decode()
    assert f"locality={data.a.id}" in readme and "phase=primary" in readme
    assert "Exported:" in readme and "person:" in readme
    polls = _csv(archive.read("polls.csv").decode("utf-8"))
    assert polls == [{"workshop": data.workshop.title, "question": "Which is it?",
                      "people": "5", "answer": "Yes", "count": "5"}]


def test_agreement_page(client, login, researcher, factory, data):
    other = factory.user(role="researcher")
    hierarchy = db.session.scalar(db.select(Code).where(Code.code == "hierarchy"))
    markets = db.session.scalar(db.select(Code).where(Code.code == "markets"))
    for post in data.posts[:2]:
        db.session.add(Coding(researcher_id=researcher.id, code_id=hierarchy.id,
                              contribution_kind="post" if post.thread_id else "comment",
                              contribution_id=post.id))
    db.session.add(Coding(researcher_id=other.id, code_id=hierarchy.id,
                          contribution_kind="post", contribution_id=data.posts[0].id))
    db.session.add(Coding(researcher_id=other.id, code_id=markets.id,
                          contribution_kind="comment", contribution_id=data.posts[1].id))
    login(researcher)
    page = client.get("/research/agreement").get_data(as_text=True)
    assert "hierarchy" in page and "50%" in page  # agree on one of the two shared units
    # By hand: hierarchy p_o 1/2, p_e 1*1/2 + 0*1/2 = 1/2; markets p_o 1/2, p_e 1/2;
    # pooled (1/2 - 1/2) / (1 - 1/2) = 0.00. The comment is the one unit to reconcile.
    assert "<strong>0.00</strong>" in page.split("data-pooled-kappa", 1)[1]
    table = page.split('data-table="disagreements"', 1)[1].split("</table>", 1)[0]
    assert "Coded differently: 1<" in table
    assert f"Comment on a finding {data.posts[1].id}" in table
    assert "<td class=\"govuk-table__cell\">hierarchy</td>" in table
    assert "<td class=\"govuk-table__cell\">markets</td>" in table


def test_qdpx_project(client, login, researcher, data):
    hierarchy = db.session.scalar(db.select(Code).where(Code.code == "hierarchy"))
    db.session.add(Coding(researcher_id=researcher.id, code_id=hierarchy.id,
                          contribution_kind="post", contribution_id=data.posts[0].id))
    login(researcher)
    response = client.get("/research/export.qdpx")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(archive.read("project.qde"))  # noqa: S314 - our own output
    assert root.tag == "{urn:QDA-XML:project:1.0}Project"
    frame = root.find("q:CodeBook/q:Codes/q:Code[@name='frame']", ns)
    assert frame.find("q:Code[@name='hierarchy']", ns) is not None  # nesting kept
    sources = root.findall("q:Sources/q:TextSource", ns)
    assert len(sources) == 16  # every contribution in scope with text or an answer
    for source in sources:
        path = source.get("plainTextPath").removeprefix("internal://")
        assert f"sources/{path}" in archive.namelist()
    (coded,) = [s for s in sources if s.find("q:PlainTextSelection", ns) is not None]
    selection = coded.find("q:PlainTextSelection", ns)
    text = archive.read("sources/" + coded.get("plainTextPath")[len("internal://"):]).decode()
    assert int(selection.get("endPosition")) == len(text) and "trust for CPD" in text
    ref = selection.find("q:Coding/q:CodeRef", ns)
    assert ref.get("targetGUID") == frame.find("q:Code[@name='hierarchy']", ns).get("guid")
    user = root.find("q:Users/q:User", ns)
    assert selection.find("q:Coding", ns).get("creatingUser") == user.get("guid")
    assert client.get("/research/export.qdpx").data == response.data  # deterministic
