"""Where credit plugs into the person: the snapshot section, the detail tab and the list filter."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff
from registry.people.hooks import ListFilter, Tab, register_filter, register_tab
from registry.people.models import Person
from registry.people.snapshot import register_section
from registry.standard.record import CreditEntry

from . import clock
from .forms import CreditForm
from .models import CreditRecord
from .replica import replace_from_record
from .replica_many import read_many, write_many
from .selectors import (
    FILTER_CHOICES,
    bar_status,
    filter_people,
    is_blacklisted,
    penalties,
    records_of,
)


def credit_section(person: Person) -> list[CreditEntry]:
    """Every entry, whatever its status: the hub keeps what is no longer public too. Built
    without re-validation (like the rest of `person_record`): a code retired after the entry was
    made must not make the person's record unwritable."""
    return [
        CreditEntry.model_construct(
            kind=r.kind,
            item=r.item,
            level=r.level or None,
            decided_by=r.decided_by,
            decided_on=r.decided_on,
            effective_on=r.effective_on,
            document_no=r.document_no or None,
            penalty=r.penalty or None,
            basis=r.basis or None,
            criminal=r.criminal,
            blacklisted=r.serious,
            blacklisted_until=r.blacklisted_until,
            blacklist_permanent=r.blacklist_permanent,
            barred_until=r.barred_until,
            bar_permanent=r.bar_permanent,
            public_until=r.public_until,
            status=r.status,
        )
        for r in CreditRecord.objects.filter(person_id=person.pk).order_by("decided_on", "id")
    ]


def tab_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    actor = request.user
    today = clock.today()
    records = records_of(actor, person)
    own = person.user_id is not None and person.user_id == actor.pk
    return {
        "person": person,
        "records": records,
        "own": own,
        "staff": not own and actor_is_staff(actor),
        "can_add": not own and actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency),
        "bar": bar_status(person, today),
        "blacklisted": is_blacklisted(person, today),
        "penalties": penalties(),
        "form": CreditForm(),
        "today": today,
    }


def register() -> None:
    register_section(
        "credit", credit_section, replace_from_record, read_many=read_many, write_many=write_many
    )
    register_tab(Tab("credit", "信用信息", "credit/_tab.html", tab_context, order=40))
    register_filter(ListFilter("credit", "信用", lambda: list(FILTER_CHOICES), filter_people))
