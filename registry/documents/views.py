"""Serving a proof. No URL of its own: the apps above check that the user may see the owner,
look the document up with `selectors.document_get(owner_uid=..., uid=...)` and return
`serve_document(request, document)`."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

from .models import EXTENSIONS, Document
from .services import document_read

# Nothing in a served proof may run, fetch or navigate: the document is sandboxed (no
# script, unique origin). Checked in Chromium 156: the built-in PDF viewer still renders a
# sandboxed PDF, directly and in a same-origin iframe; without `style-src 'unsafe-inline'`
# its image viewer loses its fit-to-window styles. Only the review pages may frame it.
CSP = (
    "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; sandbox"
)
SAFE_ASCII_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,99}")


def content_disposition(document: Document) -> str:
    name = document.download_name
    # Old clients read only `filename`: give them a plain ASCII name, never a mangled one.
    plain = document.kind + EXTENSIONS[document.content_type]
    ascii_name = name if SAFE_ASCII_NAME.fullmatch(name) else plain
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def serve_document(request: HttpRequest, document: Document) -> HttpResponse:
    """The decrypted proof with headers that keep it inert; the read is audited."""
    data = document_read(actor=request.user, document=document)
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition(document)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response
