"""The cells stay equal to a recount whatever the services do, and `stats verify` notices when
they do not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.continuing_education.services import ce_register
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.credit.models import CreditRecord
from registry.credit.services import credit_add, credit_supersede
from registry.orgs.models import Agency
from registry.people.models import Person, Status
from registry.people.services import person_set_state, person_update
from registry.people.snapshot import person_record
from registry.qualifications.services import qualification_add
from registry.stats.aggregates import stats_rebuild, stats_verify
from registry.stats.dashboard import dashboard
from registry.stats.facts import merge
from registry.stats.models import Cell, PersonFacts
from registry.stats.query import query_form, query_queryset
from registry.talents.models import Talent
from registry.talents.services import talent_add, talent_update_status

from .conftest import png

COUNTIES = ["440106", "440104", "440203"]
TITLES = {"1": "助理会计师", "2": "会计师", "3": "高级会计师", "4": "正高级会计师"}
TODAY = date.today()


def link_count(actor: Any, url: str) -> int:
    """How many people a drill-down link lists (both pages take the query form's parameters)."""
    params = dict(parse_qsl(urlsplit(url).query))
    form = query_form(actor, params)
    assert form.is_valid(), (url, form.errors)
    return query_queryset(actor, form.criteria()).count()


def assert_dashboard_matches_records(actor: User, agency: Agency, scope: str = "collected") -> None:
    board = dashboard(actor, agency, scope)
    for chart in board.charts:
        for bar in chart.bars:
            assert bar.value == link_count(actor, bar.link), (chart.key, bar.label, bar.link)


# One random step through a real service. Targets are picked by index among the people made so far.
ops = st.one_of(
    st.tuples(
        st.just("create"), st.sampled_from(COUNTIES), st.sampled_from(["collected", "pending", "draft"])
    ),
    st.tuples(st.just("education"), st.integers(0, 50), st.sampled_from(["14", "21", "31", "41"])),
    st.tuples(st.just("work"), st.integers(0, 50), st.integers(2005, TODAY.year), st.booleans()),
    st.tuples(
        st.just("status"),
        st.integers(0, 50),
        st.sampled_from(["collected", "pending", "cancelled", "transferred_out"]),
    ),
    st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from(COUNTIES)),
    st.tuples(
        st.just("qualification"),
        st.integers(0, 50),
        st.sampled_from("1234"),
        st.integers(2000, TODAY.year - 1),
    ),
    st.tuples(
        st.just("talent"), st.integers(0, 50), st.sampled_from(["N01", "N05", "P01"]), st.integers(2015, 2024)
    ),
    st.tuples(st.just("talent_end"), st.integers(0, 50), st.sampled_from(["2", "3"])),
    st.tuples(
        st.just("credit"),
        st.integers(0, 50),
        st.sampled_from(["honour", "fine", "serious", "ban", "criminal"]),
    ),
    st.tuples(st.just("supersede"), st.integers(0, 50)),
    st.tuples(st.just("ce"), st.integers(0, 50), st.integers(1, 9), st.sampled_from("12")),
)


def run(
    op: tuple[Any, ...], people: list[Person], staff: User, make_person: Callable[..., Person], agency: Any
) -> None:
    kind = op[0]
    if kind == "create":
        people.append(make_person(op[1], status=op[2]))
        return
    if not people:
        return
    person = Person.objects.select_related("agency").get(pk=people[op[1] % len(people)].pk)
    if kind == "education":
        record = person_record(person).model_dump(mode="python")
        education = record["education"] or []
        for e in education:
            e["education"] = op[2]
        if education:
            person_update(actor=staff, person=person, changes={"education": education})
    elif kind == "work":
        record = person_record(person).model_dump(mode="python")
        work = [
            *record["work"],
            {
                "start_date": date(op[2], 3, 1),
                "end_date": None if op[3] else date(op[2], 12, 31),
                "unit_name": "广州华信贸易有限公司",
                "is_accounting": True,
                "industry": "C",
            },
        ]
        person_update(actor=staff, person=person, changes={"work": work})
    elif kind == "status":
        with transaction.atomic():
            person_set_state(actor=staff, person=person, status=op[2], action="test.status", data={})
    elif kind == "move":
        with transaction.atomic():
            person_set_state(
                actor=staff,
                person=person,
                status=person.status,
                agency=agency(op[2]),
                action="test.move",
                data={},
            )
    elif kind == "qualification":
        qualification_add(
            actor=staff,
            person=person,
            data={
                "level": op[2],
                "route": "1",
                "obtained_on": date(op[3], 6, 1),
                "certificate_no": f"T{person.pk}-{op[2]}-{op[3]}",
                "issuer": "广东省财政厅",
            },
        )
    elif kind == "talent":
        talent_add(actor=staff, person=person, data={"programme": op[2], "cohort_year": op[3], "status": "1"})
    elif kind == "talent_end":
        row = Talent.objects.filter(person=person, status="1").first()
        if row is not None:
            talent_update_status(actor=staff, uid=row.uid, status=op[2], reason="测试")
    elif kind == "credit":
        data: dict[str, Any] = {
            "kind": "dishonour",
            "item": "伪造会计凭证",
            "decided_by": "广东省财政厅",
            "decided_on": date(TODAY.year - 1, 3, 1) if op[2] != "fine" else TODAY,
            "document_no": f"粤财罚〔{TODAY.year}〕{person.pk}号",
            "penalty": {"fine": "3", "serious": "3", "ban": "5", "criminal": "6"}.get(op[2], ""),
            "public_until": date(TODAY.year + 2, 1, 1),
        }
        if op[2] == "serious":
            data["serious"] = "1"
        if op[2] == "honour":
            data = {
                "kind": "honour",
                "item": "先进会计工作者",
                "level": "省级",
                "decided_by": "广东省人民政府",
                "decided_on": date(TODAY.year - 2, 10, 1),
            }
        credit_add(actor=staff, person=person, data=data, evidence_files=[png()])
    elif kind == "supersede":
        entry = CreditRecord.objects.filter(person=person, status__in=("active", "corrected")).first()
        if entry is not None:
            credit_supersede(actor=staff, record=entry, reason="被新的决定替代")
    elif kind == "ce":
        held = date(TODAY.year, 1, 10)
        ce_register(
            actor=staff,
            person=person,
            data={
                "held_on": held.isoformat(),
                "form": "1",
                "subject": op[3],
                "days": str(op[2]),
                "provider": f"学会{op[2]}",
            },
        )


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(ops, min_size=1, max_size=14))
def test_random_changes_through_the_services_keep_cells_equal_to_a_recount(
    steps: list[tuple[Any, ...]], make_person: Any, make_user: Any, agency: Any
) -> None:
    staff = User.objects.filter(username="stats-hypothesis").first() or make_user(
        Role.PROVINCE_ADMIN, "440000", username="stats-hypothesis"
    )
    with transaction.atomic():
        people: list[Person] = [make_person(code) for code in COUNTIES]
        for op in steps:
            try:
                with transaction.atomic():
                    run(op, people, staff, make_person, agency)
            except (DomainError, Forbidden, NotVisible):
                pass  # a refused step changes nothing, the statistics included
        report = stats_verify()
        assert report.ok, report.problems
        assert_dashboard_matches_records(staff, agency("440000"), "collected")
        assert_dashboard_matches_records(staff, agency("440100"), "all")
        transaction.set_rollback(True)


def test_a_transfer_moves_every_count_to_the_new_agency(
    make_person: Any, make_user: Any, agency: Any
) -> None:
    staff = make_user(Role.PROVINCE_ADMIN, "440000")
    person = make_person("440106")
    qualification_add(
        actor=staff,
        person=person,
        data={
            "level": "2",
            "route": "1",
            "obtained_on": date(2015, 6, 1),
            "certificate_no": "Z1",
            "issuer": "广东省财政厅",
        },
    )

    def count(code: str, dim: str, value: str) -> int:
        return sum(Cell.objects.filter(agency=agency(code), dim=dim, value=value).values_list("n", flat=True))

    assert (count("440106", "ql", "2"), count("440100", "ql", "2"), count("440200", "ql", "2")) == (1, 1, 0)
    with transaction.atomic():
        person_set_state(
            actor=staff, person=person, status=Status.COLLECTED, agency=agency("440203"), action="t", data={}
        )
    assert (count("440106", "ql", "2"), count("440100", "ql", "2"), count("440200", "ql", "2")) == (0, 0, 1)
    assert (count("440000", "ql", "2"), count("000000", "ql", "2")) == (1, 1)
    assert stats_verify().ok


def test_verify_exits_non_zero_when_a_cell_is_corrupted_and_rebuild_repairs_it(
    make_person: Any, capsys: Any
) -> None:
    make_person("440106")
    make_person("440203")
    call_command("stats", "verify")
    assert "一致" in capsys.readouterr().out
    cell = Cell.objects.filter(dim="sex").first()
    Cell.objects.filter(pk=cell.pk).update(n=cell.n + 1)
    with pytest.raises(CommandError):
        call_command("stats", "verify")
    assert "统计单元不一致" in capsys.readouterr().err
    call_command("stats", "rebuild")
    call_command("stats", "verify")


def test_verify_notices_a_write_that_bypassed_the_services(make_person: Any) -> None:
    person = make_person("440106")
    Person.objects.filter(pk=person.pk).update(highest_education="11")  # like a bulk load or a migration
    report = stats_verify()
    assert not report.ok and any("统计口径" in p for p in report.problems)
    stats_rebuild()
    assert stats_verify().ok
    assert PersonFacts.objects.get(pk=person.pk).education == "11"


def test_facts_left_for_a_person_who_is_gone_are_found_and_removed(make_person: Any) -> None:
    """The statistics tables carry no foreign keys in the database (ADR 0013, derived rows): the ORM
    still cascades a person's deletion to their facts, and verify finds facts nobody owns."""
    person, other = make_person("440106"), make_person("440104")
    orphan = PersonFacts.objects.get(pk=other.pk)
    orphan.person_id = Person.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    orphan.save(force_insert=True)  # a person id that exists nowhere: no constraint stops it
    report = stats_verify()
    assert not report.ok and any("已不存在" in p for p in report.problems)
    stats_rebuild()
    assert stats_verify().ok and not PersonFacts.objects.filter(pk=orphan.person_id).exists()
    Person.objects.filter(pk=person.pk).delete()
    assert not PersonFacts.objects.filter(pk=person.pk).exists()
    with connection.cursor() as cursor:  # a check per inserted row at commit is what the ADR avoids
        for table in (Cell._meta.db_table, PersonFacts._meta.db_table):
            found = connection.introspection.get_constraints(cursor, table).values()
            assert not [c for c in found if c["foreign_key"]], table


def test_merge_joins_overlapping_and_touching_periods() -> None:
    d = date
    assert merge([(d(2020, 1, 1), d(2020, 12, 31)), (d(2021, 1, 1), d(2021, 6, 30))]) == [
        (d(2020, 1, 1), d(2021, 6, 30))
    ]
    assert merge([(d(2020, 1, 1), None), (d(2022, 1, 1), d(2023, 1, 1))]) == [(d(2020, 1, 1), None)]
    assert merge([(d(2022, 1, 1), d(2023, 1, 1)), (d(2020, 1, 1), d(2020, 2, 1))]) == [
        (d(2020, 1, 1), d(2020, 2, 1)),
        (d(2022, 1, 1), d(2023, 1, 1)),
    ]
    assert merge([(d(2022, 1, 1), d(2021, 1, 1))]) == []
