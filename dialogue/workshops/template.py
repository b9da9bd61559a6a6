"""The ready-made workshop: "What should a self-improving school-led system mean?".

Facilitators copy it (``services.create_from_template``) and adapt the copy. The finding
checks name findings by their stable keys in content/briefings/*.md; the national figure
shown beside the room's answer is read from the briefing's key figure at run time.
"""

from __future__ import annotations

import datetime as dt

THEMES = ["Hierarchy: inspection, accountability and oversight",
          "Markets: choice, competition and status",
          "Networks: partnerships, trusts and collaboration",
          "Capacity: leadership, staffing and resources to improve"]

TEMPLATE = {
    "title": "What should a self-improving school-led system mean?",
    "briefing_slugs": ["overview", "hierarchy", "markets", "networks", "conclusions"],
    "sections": [
        ("Part 1: what it should mean", [
            {"kind": "single",
             "prompt": "Who should mainly be responsible for improving schools in this area?",
             "options": ["Schools themselves, working together",
                         "Multi-academy trusts",
                         "The local authority",
                         "National government and its regional offices",
                         "A mix, with no one body in charge"]},
            {"kind": "multiple", "max_choices": 2,
             "prompt": "Which two words best describe what a self-improving school-led "
                       "system should be?",
             "options": ["Collaborative", "Autonomous", "Accountable", "Inclusive",
                         "Evidence-informed", "Equitable"]},
            {"kind": "open_text",
             "prompt": "In a sentence: what should a self-improving school-led system mean "
                       "for the children in your school?"},
        ]),
        ("Part 2: how it is developing in practice here", [
            {"kind": "finding_check", "finding_key": "hierarchy-ofsted-priority",
             "prompt": "Making sure my school does well when Ofsted inspects is one of my "
                       "top priorities."},
            {"kind": "finding_check", "finding_key": "markets-competition-secondary",
             "prompt": "Schools in this area compete with one another to recruit pupils."},
            {"kind": "finding_check", "finding_key": "markets-status-hierarchy",
             "prompt": "Schools in this area form a clear local pecking order of status "
                       "and popularity with parents."},
            {"kind": "finding_check", "finding_key": "markets-inequalities-widening",
             "prompt": "Current government policy is making inequalities between schools "
                       "wider.", "results_hidden": True},
            {"kind": "scale",
             "prompt": "In this area, networks and collaboration between schools matter "
                       "more than hierarchy (inspection and accountability) or markets "
                       "(competition for pupils)."},
        ]),
        ("Part 3: how it might be enhanced", [
            {"kind": "finding_check", "finding_key": "conclusions-capacity",
             "prompt": "My school has the capacity to keep improving by its own efforts "
                       "over the next three years."},
            {"kind": "ranking",
             "prompt": "Rank these four themes by how much they need attention here, "
                       "most urgent first.",
             "options": THEMES},
            {"kind": "open_text",
             "prompt": "What one change would make the local system more "
                       "self-improving?"},
        ]),
    ],
}


def copy_title(date: dt.date) -> str:
    """A copy's own title, so it is never mistaken for the template or another copy."""
    return f"Copy of {TEMPLATE['title']} ({date.strftime('%-d %B %Y')})"
