"""Helpers shared by the person's and the reviewer's pages."""

from __future__ import annotations

import re
from typing import Any

from registry.core.errors import DomainError
from registry.documents.models import Document
from registry.standard.errors import FieldError

from .models import ChangeRequest
from .shared import attach_errors

META_FIELDS = {"reason", "evidence"}
ROW = re.compile(r"^(education|work)\.(\d+)\.(.+)$")


def attach(form: Any, meta: Any, exc: DomainError) -> None:
    """Each service error next to its field: the reason and proof on the request form, the items on
    the group's form (a row error on the row the person sees, deleted rows skipped)."""
    kept = getattr(form, "kept_rows", None)
    on_form, on_meta = [], []
    for e in exc.errors:
        if e.field in META_FIELDS:
            on_meta.append(e)
            continue
        match = ROW.match(e.field)
        if match and kept is not None and int(match[2]) < len(kept):
            e = FieldError(e.code, f"{match[1]}.{kept[int(match[2])]}.{match[3]}", e.message)
        on_form.append(e)
    for e in on_meta:
        meta.add_error(e.field, e.message)
    if on_form:
        attach_errors(form, DomainError(on_form))


def evidence_documents(change: ChangeRequest) -> dict[str, Document]:
    """The request's proofs by uid (documents of this person only)."""
    docs = Document.objects.filter(owner_uid=change.person.uid, uid__in=change.evidence)
    return {str(d.uid): d for d in docs.order_by("created_at")}
