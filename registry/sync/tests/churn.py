"""Random changes made inside a province node's process (the node tests run this through `registry shell`)."""

from __future__ import annotations

import json
import random
from datetime import date

from django.db import transaction

from registry.ops.synthetic import people
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.services import person_create, person_set_state, person_update

COUNTIES = {"440000": {"440106": "广州", "440203": "韶关"}, "110000": {"110105": "北京", "110108": "北京"}}


class Rollback(Exception):
    pass


def churn(province: str, changes: int, seed: int, people_count: int = 200) -> dict[str, object]:
    """Make `changes` committed writes (creates, updates, agency moves) and some rolled-back ones."""
    rng = random.Random(seed)
    counties = COUNTIES[province]
    agencies = {a.code: a for a in Agency.objects.filter(code__in=counties)}
    fakes = (f for f in people(rng, counties, date(2026, 11, 1)) if f.category == "1")
    made = 0
    rolled_back: list[str] = []
    uids = list(Person.objects.values_list("uid", flat=True))
    while made < changes:
        if len(uids) < people_count or rng.random() < 0.02:
            fake = next(fakes)
            try:
                person = person_create(
                    actor=None,
                    agency=agencies[fake.county],
                    category="1",
                    education=fake.education,
                    work=fake.work,
                    identity={
                        "document_type": "resident_id",
                        "archive_no": fake.archive_no,
                        "name": fake.name,
                        "mobile": fake.mobile,
                    },
                )
            except Exception:  # noqa: S112 -- a synthetic number drawn twice; draw another
                continue
            uids.append(person.uid)
            made += 1
            continue
        person = Person.objects.select_related("agency").get(uid=rng.choice(uids))
        roll = rng.random()
        if roll < 0.03:
            marker = f"回滚{rng.randrange(10**6)}"
            try:
                with transaction.atomic():
                    person_update(actor=None, person=person, changes={"identity": {"address": marker}})
                    raise Rollback
            except Rollback:
                rolled_back.append(marker)
            continue
        if roll < 0.10:
            target = agencies[rng.choice(list(agencies))]
            with transaction.atomic():
                person_set_state(
                    actor=None,
                    person=person,
                    status=person.status,
                    agency=target,
                    action="person.move",
                    data={"to": target.code},
                )
        else:
            field = rng.choice(["mobile", "email", "address"])
            value = {
                "mobile": f"139{rng.randrange(10**8):08d}",
                "email": f"u{rng.randrange(10**6)}@example.cn",
                "address": f"测试路{rng.randrange(1000)}号",
            }[field]
            person_update(
                actor=None,
                person=person,
                changes={"identity": {field: value}},
                expected_version=person.version,
            )
        made += 1
    result = {"made": made, "rolled_back": rolled_back}
    print(json.dumps(result, ensure_ascii=False))
    return result


def dump() -> None:
    """Every person's version and record (as the standard's JSON), for comparing two nodes."""
    from registry.people.snapshot import person_record

    out = {}
    for person in (
        Person.objects.select_related("agency")
        .prefetch_related("educations", "works")
        .iterator(chunk_size=500)
    ):
        out[str(person.uid)] = person_record(person).model_dump(mode="json")
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))
