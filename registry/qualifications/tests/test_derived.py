"""The highest current level and the people-list filter built on it."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.people.selectors import PeopleFilter, people_filtered
from registry.qualifications.selectors import highest_level, highest_level_label
from registry.qualifications.services import qualification_add, qualification_return

from .conftest import entry, png

pytestmark = pytest.mark.django_db


def test_highest_level_counts_approved_ones_only(accountant: Any, make_user: Any) -> None:
    user, person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    assert highest_level(person) is None and highest_level_label(person) == ""
    qualification_add(actor=staff, person=person, data=entry(level="1", title="", certificate_no="C1"))
    assert highest_level(person) == "1"
    qualification_add(actor=staff, person=person, data=entry(level="2", title="", certificate_no="C2"))
    assert highest_level(person) == "2"
    # A pending self-report of a higher level does not count, nor does a returned one.
    pending = qualification_add(
        actor=user,
        person=person,
        data=entry(level="3", title="", route="3", certificate_no="C3"),
        proof_files=[png()],
    )
    assert highest_level(person) == "2"
    qualification_return(actor=staff, uid=pending.uid, reason="材料不全")
    assert highest_level_label(person) == "中级"


def test_list_filter(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.PROVINCE_REVIEWER, "440000")
    none, junior, middle, senior, top = (make_person() for _ in range(5))
    for person, level, route in ((junior, "1", "1"), (middle, "2", "1"), (senior, "3", "3"), (top, "4", "2")):
        qualification_add(
            actor=staff,
            person=person,
            data=entry(level=level, title="", route=route, certificate_no=f"N{level}"),
        )
    # A lower level beside the highest one changes nothing.
    qualification_add(actor=staff, person=top, data=entry(level="2", title="", certificate_no="N-extra"))

    def found(value: str) -> set[int]:
        f = PeopleFilter(extra={"qualification": value})
        return set(people_filtered(staff, f).values_list("pk", flat=True))

    everyone = {p.pk for p in (none, junior, middle, senior, top)}
    assert found("any") == everyone - {none.pk}
    assert found("2+") == {middle.pk, senior.pk, top.pk}
    assert found("3+") == {senior.pk, top.pk}
    assert found("4") == {top.pk}
    assert found("none") & everyone == {none.pk}
    assert found("") >= everyone  # no choice, no narrowing


def test_list_filter_keeps_the_actors_scope(make_person: Any, make_user: Any) -> None:
    province = make_user(Role.PROVINCE_REVIEWER, "440000")
    far = make_person("440203")
    qualification_add(actor=province, person=far, data=entry())
    tianhe = make_user(Role.COUNTY_REVIEWER, "440106")
    f = PeopleFilter(extra={"qualification": "2+"})
    assert far.pk not in set(people_filtered(tianhe, f).values_list("pk", flat=True))
