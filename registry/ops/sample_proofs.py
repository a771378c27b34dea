"""Placeholder proof images for the demo's review queue: plainly synthetic, never a real document."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from registry.collection.models import Collection, CollectionStatus
from registry.collection.proofs import required_proofs
from registry.documents.selectors import current_documents
from registry.documents.services import document_store
from registry.orgs.models import Agency

COLORS = {"id_front": "#dfe9f5", "id_back": "#f5ecdf", "education": "#f2e6e6", "photo": "#e8eef7"}


def sample_image(kind: str, label: str) -> bytes:
    size = (358, 441) if kind == "photo" else (856, 540)
    im = Image.new("RGB", size, COLORS.get(kind, "#eef2ea"))
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.rectangle((12, 12, w - 12, h - 12), outline="#6c7a89", width=4)
    if kind == "photo":
        draw.ellipse((w // 2 - 70, 80, w // 2 + 70, 250), fill="#b8c4d2")
        draw.rectangle((w // 2 - 120, 260, w // 2 + 120, h - 40), fill="#b8c4d2")
    else:
        for row in range(5):
            draw.rectangle((60, 90 + row * 70, w - 260, 110 + row * 70), fill="#c9d1db")
        draw.rectangle((w - 220, 90, w - 60, 300), fill="#c9d1db")
    draw.text((30, h - 40), f"SYNTHETIC SAMPLE - {kind}", fill="#55606b")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def attach_sample_proofs(agency: Agency, limit: int = 12) -> int:
    """Give up to `limit` pending collections of an agency a full set of placeholder proofs."""
    done = 0
    pending = Collection.objects.filter(agency=agency, status=CollectionStatus.SUBMITTED).select_related(
        "person"
    )
    for collection in pending.order_by("submitted_at")[:limit]:
        person = collection.person
        on_file = current_documents(person.uid)
        for kind, label in required_proofs(person.category):
            if kind not in on_file:
                document_store(
                    actor=None,
                    owner_uid=person.uid,
                    kind=kind,
                    files=[(f"{kind}.png", sample_image(kind, label))],
                )
        done += 1
    return done
