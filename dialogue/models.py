"""Imports every model module so the metadata (and Alembic) sees every table.

Feature packages add their ``models`` module here.
"""

from dialogue import audit, localities  # noqa: F401
from dialogue.auth import models as auth_models  # noqa: F401
from dialogue.briefings import models as briefings_models  # noqa: F401
from dialogue.forums import models as forums_models  # noqa: F401
from dialogue.moderation import models as moderation_models  # noqa: F401
from dialogue.notifications import models as notifications_models  # noqa: F401
from dialogue.privacy import models as privacy_models  # noqa: F401
from dialogue.reports import models as reports_models  # noqa: F401
from dialogue.workshops import models as workshops_models  # noqa: F401
