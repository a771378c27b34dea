"""Which document kinds hold the credit module's proofs (each record keeps its own document uids)."""

from __future__ import annotations

from registry.documents.models import Kind

DECISION_KIND = Kind.CREDIT_DECISION.value
OBJECTION_KIND = Kind.CREDIT_OBJECTION.value
