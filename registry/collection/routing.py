"""属地 routing: which agency reviews a person, from where they work, study or live (DOMAIN.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from registry.orgs.models import Agency, Level
from registry.orgs.selectors import agency_for_division
from registry.people.models import Person
from registry.standard.codes import divisions

RULES = {
    "1": ("工作单位所在地", "在职会计人员在工作单位所在地采集"),
    "2": ("学籍所在地", "在校学生在学籍所在地采集"),
    "3": ("户籍或居住地", "其他人员在户籍所在地或居住地采集"),
}


@dataclass
class Proposal:
    rule: str
    place: str | None = None
    agency: Agency | None = None
    problem: str | None = None
    choices: list[Agency] = field(default_factory=list)


def home_body() -> Agency:
    return Agency.objects.get(code=settings.REGISTRY_AGENCY_CODE)


def place_of(person: Person) -> str | None:
    if person.category == "1":
        works = list(person.works.all())
        current = [w for w in works if w.end_date is None] or works
        return (current[-1].unit_region or None) if current else None
    if person.category == "2":
        return person.student_region or None
    return person.residence_region or None


def propose(person: Person) -> Proposal:
    """The proposed reviewing agency and the choices the person may correct it to.

    A person may pick the proposed agency or another agency of the same city (a
    county code on a certificate may be out of date), never a place the rule does
    not point to."""
    place_name, rule = RULES.get(person.category, RULES["3"])
    proposal = Proposal(rule=rule)
    place = place_of(person)
    if not place:
        proposal.problem = f"请先填写{place_name}，系统据此确定审核机构"
        return proposal
    proposal.place = place
    body = home_body()
    agency = agency_for_division(place, body)
    if agency is None or agency.level == Level.PROVINCIAL:
        where = divisions().full_name(place) if divisions().is_known(place) else place
        proposal.problem = (
            f"您的{place_name}（{where}）不在{body.short_name}，请到当地省级会计人员管理系统办理信息采集"
            if agency is None
            else f"未找到{where}对应的会计管理机构，请核对{place_name}"
        )
        return proposal
    proposal.agency = agency
    city = agency if agency.level == Level.CITY else agency.parent
    siblings = (
        Agency.objects.filter(parent=city) if city and city.level == Level.CITY else Agency.objects.none()
    )
    proposal.choices = sorted(
        {agency, *siblings, *([city] if city and city.level == Level.CITY else [])}, key=lambda a: a.path
    )
    return proposal
