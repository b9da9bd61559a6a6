"""Access rows for the research pages and API: researchers and admins only."""

from dialogue.extensions import db
from dialogue.reports import services
from dialogue.reports.models import SynthesisJob
from tests.access import ADMIN, EVERYONE, RESEARCHER, Route, World

RESEARCH = frozenset({RESEARCHER, ADMIN})


def setup(world: World) -> None:
    services.seed_codebook()
    world.code = services.codebook()[1]
    researcher = world.users[RESEARCHER]
    world.job = SynthesisJob(requested_by_id=researcher.id, filters="", state="failed",
                             message="sweep")

    db.session.add(world.job)
    world.token, _secret = services.create_api_token(researcher, "sweep")
    db.session.flush()


ROUTES = [
    Route("reports.dashboard", "GET", "/research/", RESEARCH),
    Route("reports.contributions", "GET", "/research/contributions", RESEARCH),
    Route("reports.code_contribution", "POST", "/research/contributions/post/1/codes", RESEARCH,
          data=lambda w: {"code_id": str(w.code.id)}),
    Route("reports.codebook", "GET", "/research/codebook", RESEARCH),
    Route("reports.codebook", "POST", "/research/codebook", RESEARCH,
          data={"code": "", "definition": ""}),
    Route("reports.seed_codebook", "POST", "/research/codebook/defaults", RESEARCH),
    Route("reports.edit_code", "GET", lambda w: f"/research/codebook/{w.code.id}", RESEARCH),
    Route("reports.edit_code", "POST", lambda w: f"/research/codebook/{w.code.id}", RESEARCH,
          data={"code": "Not Valid!", "definition": ""}),
    Route("reports.agreement", "GET", "/research/agreement", RESEARCH),
    Route("reports.api_reference_page", "GET", "/research/api", RESEARCH),
    Route("reports.export_csv", "GET", "/research/export/contributions.csv", RESEARCH),
    Route("reports.export_statfile", "GET", "/research/export/contributions.sav", RESEARCH),
    Route("reports.export_zip", "GET", "/research/export.zip", RESEARCH),
    Route("reports.export_qdpx", "GET", "/research/export.qdpx", RESEARCH),
    Route("reports.export_readme", "GET", "/research/export/README.txt", RESEARCH),
    Route("reports.start_synthesis", "POST", "/research/synthesis", RESEARCH,
          data={"phase": "special"}),
    Route("reports.synthesis", "GET", lambda w: f"/research/synthesis/{w.job.id}", RESEARCH),
    Route("reports.synthesis_pdf", "GET", lambda w: f"/research/synthesis/{w.job.id}.pdf",
          RESEARCH),
    Route("reports.retry_synthesis", "POST", lambda w: f"/research/synthesis/{w.job.id}/retry",
          RESEARCH),
    Route("reports.tokens", "GET", "/research/tokens", RESEARCH),
    Route("reports.tokens", "POST", "/research/tokens", RESEARCH, data={"name": ""}),
    Route("reports.revoke_token", "POST", lambda w: f"/research/tokens/{w.token.id}/revoke",
          RESEARCH),
    Route("reports.api.contributions", "GET", "/api/v1/contributions", RESEARCH),
    Route("reports.api.participants", "GET", "/api/v1/participants", RESEARCH),
    Route("reports.api.codes", "GET", "/api/v1/codes", RESEARCH),
    Route("reports.api.codings", "GET", "/api/v1/codings", RESEARCH),
    Route("reports.api.polls", "GET", "/api/v1/polls", RESEARCH),
    Route("reports.api.findings", "GET", "/api/v1/findings", RESEARCH),
    Route("reports.api.openapi", "GET", "/api/v1/openapi.json", EVERYONE),
]
