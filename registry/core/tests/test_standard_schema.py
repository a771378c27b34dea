from __future__ import annotations

from django.core.management import call_command

from registry.standard import SPEC_VERSION
from registry.standard.record import PersonRecord


def test_committed_schema_is_current() -> None:
    """docs/interface/person-record.schema.json is what the standard generates (regenerate if this fails)."""
    call_command("standard", "schema", "--check")


def test_spec_version_literal_matches_the_package() -> None:
    assert PersonRecord.model_fields["spec_version"].default == SPEC_VERSION
