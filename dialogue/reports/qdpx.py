"""A REFI-QDA project (``.qdpx``) of the contributions in scope, for NVivo, ATLAS.ti
and MAXQDA.

The file is a zip holding ``project.qde`` (XML in the ``urn:QDA-XML:project:1.0``
namespace) and one plain-text source per written contribution under ``sources/``.
The codebook becomes the project's codes (with their nesting); every researcher's
codings become codings of the whole text, by a pseudonymous user. GUIDs are derived
from the database ids, so the same data gives the same project.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from xml.etree import ElementTree as ET

from dialogue.reports.exports import coding_rows, contribution_rows
from dialogue.reports.filters import Filters
from dialogue.reports.services import codebook

NS = "urn:QDA-XML:project:1.0"
_ROOT = uuid.UUID("6f1f3a52-3b47-4f43-9d3e-7b0f1c3c2d10")


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_ROOT, ":".join(str(p) for p in parts))).upper()


def _el(parent, tag: str, **attributes) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS}}}{tag}",
                         {k: str(v) for k, v in attributes.items() if v is not None})


def build_project(filters: Filters) -> bytes:
    """The .qdpx file for these filters."""
    ET.register_namespace("", NS)
    project = ET.Element(f"{{{NS}}}Project", {"name": "Dialogue research export",
                                               "origin": "Dialogue"})
    codings = coding_rows(filters)
    users = _el(project, "Users")
    for coder in sorted({row["coder"] for row in codings}):
        _el(users, "User", guid=_guid("user", coder), name=coder)

    codes = codebook()
    code_guid = {code.code: _guid("code", code.id) for code in codes}
    book = _el(_el(project, "CodeBook"), "Codes")
    elements = {}
    for code in codes:  # parents come before their children
        parent = elements.get(code.parent_id, book)
        element = _el(parent, "Code", guid=code_guid[code.code], name=code.code,
                      isCodable="true")
        description = "\n".join(part for part in (code.definition, code.when_to_use and
                                                  f"When to use: {code.when_to_use}",
                                                  code.example and f"Example: {code.example}")
                                if part)
        if description:
            _el(element, "Description").text = description
        elements[code.id] = element

    by_unit: dict[tuple[str, int], list[dict]] = {}
    for row in codings:
        by_unit.setdefault((row["kind"], row["id"]), []).append(row)

    buffer = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        sources = _el(project, "Sources")
        for row in contribution_rows(filters):
            text = row["text"] or row["answer"]
            if not text:
                continue
            guid = _guid("source", row["kind"], row["id"])
            attribution = ", ".join(v for v in (row["phase"], row["education_role"],
                                                row["locality"]) if v)
            source = _el(sources, "TextSource", guid=guid,
                         name=f"{row['kind']} {row['id']} ({row['person']}; {attribution})",
                         plainTextPath=f"internal://{guid}.txt")
            info = zipfile.ZipInfo(f"sources/{guid}.txt", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
            applied = by_unit.get((row["kind"], row["id"]), [])
            if applied:
                selection = _el(source, "PlainTextSelection",
                                guid=_guid("selection", row["kind"], row["id"]),
                                startPosition=0, endPosition=len(text))
                for coding in applied:
                    element = _el(selection, "Coding",
                                  guid=_guid("coding", row["kind"], row["id"], coding["code"],
                                             coding["coder"]),
                                  creatingUser=_guid("user", coding["coder"]))
                    _el(element, "CodeRef", targetGUID=code_guid[coding["code"]])
        xml = ET.tostring(project, encoding="utf-8", xml_declaration=True)
        info = zipfile.ZipInfo("project.qde", stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, xml)
    return buffer.getvalue()

