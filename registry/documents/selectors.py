"""Reads of documents, by owner. The caller has decided that the actor may see this owner;
asking by (owner, uid) means a document of anybody else is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from registry.core.errors import NotVisible

from .models import Document


def current_documents(owner_uid: uuid.UUID) -> dict[str, Document]:
    """The proof on file for each kind: pages ask only for the kinds missing here."""
    docs = Document.objects.filter(owner_uid=owner_uid, superseded_at__isnull=True).order_by(
        "created_at", "pk"
    )
    return {d.kind: d for d in docs.order_by("created_at", "pk")}


def missing_kinds(owner_uid: uuid.UUID, required: Iterable[str]) -> list[str]:
    """Of `required`, the kinds not yet on file, in the given order (a proof on file is never asked again)."""
    on_file = current_documents(owner_uid)
    return [kind for kind in required if kind not in on_file]


def document_history(owner_uid: uuid.UUID, kind: str | None = None) -> QuerySet[Document]:
    """Every document of the owner, superseded ones included, newest first."""
    docs = Document.objects.filter(owner_uid=owner_uid)
    if kind is not None:
        docs = docs.filter(kind=kind)
    return docs.order_by("-created_at", "-pk")


def document_get(*, owner_uid: uuid.UUID, uid: uuid.UUID | str) -> Document:
    try:
        return Document.objects.get(owner_uid=owner_uid, uid=uid)
    except (Document.DoesNotExist, ValidationError, ValueError) as exc:  # a malformed uid is not found either
        raise NotVisible("document") from exc
