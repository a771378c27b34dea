from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from registry.audit.models import AuditEvent, Counter, OutboxEvent
from registry.audit.selectors import audit_verify, outbox_snapshot
from registry.audit.services import audit_append


def _events(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_append(
                actor=None, action="test.event", object_type="thing", object_id=str(i), data={"i": i}
            )


@pytest.mark.django_db
def test_intact_chain_verifies(capsys: Any) -> None:
    _events(5)
    report = audit_verify()
    assert report.ok and report.checked == 5
    call_command("audit", "verify")
    assert "已检查 5 条" in capsys.readouterr().out


@pytest.mark.django_db
def test_edited_row_is_found() -> None:
    _events(4)
    AuditEvent.objects.filter(seq=2).update(data={"i": 99})
    report = audit_verify()
    assert not report.ok
    assert any("2" in p and "改动" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rehashed_edit_still_breaks_the_next_link() -> None:
    """An editor who recomputes the edited row's hash still breaks the following row's link."""
    from registry.audit.services import event_digest

    _events(4)
    ev = AuditEvent.objects.get(seq=2)
    ev.actor_name = "someone-else"
    ev.hash = event_digest(ev)
    ev.save()
    assert any("3" in p for p in audit_verify().problems)


@pytest.mark.django_db
def test_deleted_middle_and_tail_rows_are_found() -> None:
    _events(5)
    AuditEvent.objects.filter(seq=3).delete()
    assert any("缺失" in p for p in audit_verify().problems)
    AuditEvent.objects.filter(seq__gte=3).delete()
    problems = audit_verify().problems
    assert any("末端" in p for p in problems), problems


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit_append(actor=None, action="x", object_type="y", object_id="z")


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_leaves_no_audit_or_outbox_row(make_person: Any) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        make_person()
        assert OutboxEvent.objects.count() == 1
        raise Boom
    assert OutboxEvent.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert Counter.objects.filter(name="outbox", value__gt=0).count() == 0
    assert audit_verify().ok


@pytest.mark.django_db
def test_outbox_sequence_is_gapless_and_payload_encrypted(make_person: Any) -> None:
    people = [make_person() for _ in range(3)]
    rows = list(OutboxEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3]
    for person, row in zip(people, rows, strict=True):
        snapshot = outbox_snapshot(row)
        number = snapshot["identity"]["archive_no"]
        assert number.encode() not in bytes(row.payload)  # encrypted at rest
        assert snapshot["person_id"] == str(person.uid) and row.person_version == 1
