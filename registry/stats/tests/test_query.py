"""The query page: module criteria combined, keyset pages, scoped results, saved queries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.continuing_education.services import ce_register
from registry.core.errors import DomainError, NotVisible
from registry.qualifications.services import qualification_add
from registry.stats.models import SavedQuery
from registry.stats.query import query_form, query_page, query_queryset
from registry.stats.services import saved_query_delete, saved_query_save

from .conftest import client_for

YEAR = date.today().year


def work(industry: str, since: int = 2015, until: date | None = None) -> list[dict[str, Any]]:
    return [
        {
            "start_date": date(since, 3, 1),
            "end_date": until,
            "unit_name": "广州华信制造有限公司",
            "is_accounting": True,
            "industry": industry,
            "unit_region": "440106",
        }
    ]


def criteria(actor: Any, **params: str) -> dict[str, str]:
    form = query_form(actor, params)
    assert form.is_valid(), form.errors
    return form.criteria()


def names(actor: Any, **params: str) -> set[str]:
    return set(query_queryset(actor, criteria(actor, **params)).values_list("name", flat=True))


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.PROVINCE_ADMIN, "440000")


def _qualify(admin: Any, person: Any, level: str) -> None:
    qualification_add(
        actor=admin,
        person=person,
        data={
            "level": level,
            "route": "1",
            "obtained_on": date(2016, 5, 1),
            "certificate_no": f"Q{person.pk}{level}",
        },
    )


def test_module_criteria_combine(make_person: Any, admin: Any) -> None:
    making = make_person("440106", work=work("C"))  # 制造业, 中级, CE not met
    bank = make_person("440106", work=work("J"))  # 金融业, 副高级, CE met
    junior = make_person("440104", work=work("C"))  # 制造业, 初级
    former = make_person("440104", work=work("C", until=date(2020, 1, 31)))  # left 制造业 in 2020
    _qualify(admin, making, "2")
    _qualify(admin, bank, "3")
    _qualify(admin, junior, "1")
    ce_register(
        actor=admin,
        person=bank,
        data={"held_on": f"{YEAR}-01-10", "form": "1", "subject": "1", "days": "9", "provider": "学会"},
    )
    assert names(admin, qualification="2+") == {making.name, bank.name}
    assert names(admin, ce=f"{YEAR}:unmet") == {making.name, junior.name}
    assert names(admin, ce=f"{YEAR}:met") == {bank.name}
    assert names(admin, ce_year=f"{YEAR}:exempt") == {former.name}
    assert names(admin, category="1", industry="C") == {making.name, junior.name}
    assert names(admin, qualification="2+", ce=f"{YEAR}:unmet", industry="C") == {making.name}
    assert names(admin, qual_level="1") == {junior.name}
    assert names(admin, qual_level="2") == {making.name}
    assert names(admin, qual_level="0") == {former.name}
    assert names(admin, agency="440104", qualification="any") == {junior.name}
    assert names(admin, no_credit="1") == {making.name, bank.name, junior.name, former.name}
    month = date.today().strftime("%Y-%m")
    assert len(names(admin, collected_month=month)) == 4


def test_results_are_scoped_and_bad_criteria_list_nobody(make_person: Any, make_user: Any) -> None:
    mine = make_person("440106")
    make_person("440104")
    county = make_user(Role.COUNTY_REVIEWER, "440106")
    assert names(county) == {mine.name}
    client = client_for(county)
    response = client.get("/stats/query/", {"agency": "440104"})  # not offered to this reviewer
    assert response.status_code == 200
    assert response.context["page"] is None and "查询条件有误" in response.content.decode()
    response = client.get("/stats/query/", {"qual_level": "9"})
    assert response.context["page"] is None
    response = client.get("/stats/query/")
    assert response.context["page"].total == 1


def test_keyset_pages_by_id(make_person: Any, admin: Any) -> None:
    people = [make_person("440203") for _ in range(57)]
    first = query_page(admin, {"agency": "440203"}, size=25)
    assert first.total == 57 and len(first.rows) == 25
    assert [p.pk for p in first.rows] == sorted((p.pk for p in people), reverse=True)[:25]
    second = query_page(admin, {"agency": "440203"}, after=first.next_after, size=25)
    third = query_page(admin, {"agency": "440203"}, after=second.next_after, size=25)
    assert third.next_after is None and len(third.rows) == 7
    seen = [p.pk for p in first.rows + second.rows + third.rows]
    assert len(set(seen)) == 57 and seen == sorted(seen, reverse=True)
    # A person added meanwhile does not shift the pages already read.
    make_person("440203")
    again = query_page(admin, {"agency": "440203"}, after=first.next_after, size=25)
    assert [p.pk for p in again.rows] == [p.pk for p in second.rows]
    client = client_for(admin)
    html = client.get("/stats/query/", {"agency": "440203"}).content.decode()
    assert 'id="next-page"' in html and "after=" in html


def test_saved_queries_belong_to_their_owner(make_person: Any, make_user: Any, admin: Any) -> None:
    saved = saved_query_save(
        actor=admin, name="我的中级名单", criteria={"qualification": "2+", "status": "collected"}
    )
    saved_query_save(
        actor=admin, name="我的中级名单", criteria={"qualification": "3+"}
    )  # same name: replaced
    assert SavedQuery.objects.filter(owner=admin).count() == 1
    assert SavedQuery.objects.get(pk=saved.pk).params == {"qualification": "3+"}
    other = make_user(Role.PROVINCE_REVIEWER, "440000")
    with pytest.raises(NotVisible):
        saved_query_delete(actor=other, pk=saved.pk)
    html = client_for(other).get("/stats/query/").content.decode()
    assert "我的中级名单" not in html
    html = client_for(admin).get("/stats/query/").content.decode()
    assert "我的中级名单" in html and "qualification=3%2B" in html
    with pytest.raises(DomainError):
        saved_query_save(actor=admin, name="某人", criteria={"q": "11010519491231002X"})
    with pytest.raises(DomainError):
        saved_query_save(actor=admin, name=" ", criteria={})


def test_save_through_the_page(make_person: Any, admin: Any) -> None:
    client = client_for(admin)
    response = client.post("/stats/query/save/", {"name": "制造业", "criteria": "industry=C&category=1"})
    assert response.status_code == 302
    assert SavedQuery.objects.get(owner=admin, name="制造业").params == {"industry": "C", "category": "1"}
    saved = SavedQuery.objects.get(owner=admin)
    assert client.post(f"/stats/query/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedQuery.objects.filter(owner=admin).exists()
