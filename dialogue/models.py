"""Imports every model module so the metadata (and Alembic) sees every table.

Like ``create_app``, this sits above every feature: a new feature adds its ``models``
module here.
"""

from dialogue import audit, localities, mail  # noqa: F401
from dialogue.auth import models as auth_models  # noqa: F401
from dialogue.briefings import models as briefings_models  # noqa: F401
from dialogue.consensus import models as consensus_models  # noqa: F401
from dialogue.discussion import models as discussion_models  # noqa: F401
from dialogue.forums import models as forums_models  # noqa: F401
from dialogue.loop import models as loop_models  # noqa: F401
from dialogue.notifications import models as notifications_models  # noqa: F401
from dialogue.privacy import models as privacy_models  # noqa: F401
from dialogue.reports import models as reports_models  # noqa: F401
from dialogue.search import index as search_index  # noqa: F401
from dialogue.workshops import card_models as workshops_card_models  # noqa: F401
from dialogue.workshops import models as workshops_models  # noqa: F401
from dialogue.workshops import qa as workshops_qa  # noqa: F401
from dialogue.workshops import wordcloud_models as workshops_wordcloud_models  # noqa: F401
