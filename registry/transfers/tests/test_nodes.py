"""A transfer across provinces with the hub and two provinces as separate processes."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.ops.nodes import ClusterKeys, Node, make_hub, make_province
from registry.sync.tests.test_nodes import _database

pytestmark = [pytest.mark.slow]


@pytest.fixture
def three(tmp_path: Path) -> Iterator[tuple[Node, Node, Node]]:
    keys = ClusterKeys.load_or_create(tmp_path / "keys.json", ["440000", "110000"])
    dbs = [_database(n) for n in ("thub", "tgd", "tbj")]
    urls = [next(d) for d in dbs]
    hub = make_hub(tmp_path, keys, database_url=urls[0])
    gd = make_province(tmp_path, "440000", keys, hub, database_url=urls[1])
    bj = make_province(tmp_path, "110000", keys, hub, database_url=urls[2])
    hub.serve()
    try:
        yield hub, gd, bj
    finally:
        for node in (hub, gd, bj):
            node.stop()
        for d in dbs:
            next(d, None)


def _call(node: Node, fn: str, *args: object) -> dict:
    code = f"from registry.transfers.tests.flow import {fn}; {fn}(*{list(args)!r})"
    return json.loads(node.python(code).strip().splitlines()[-1])


def _sync(*nodes: Node) -> None:
    for node in nodes:
        node.run("sync", "drain")


def _hub(hub: Node, uid: str) -> dict:
    code = (
        "import json; from registry.people.models import Person; from registry.hub.models import Quarantine; "
        f"p = Person.objects.select_related('agency').get(uid='{uid}'); "
        "print(json.dumps({'agency': p.agency.code, 'version': p.version, "
        "'quarantined': Quarantine.objects.count()}))"
    )
    return json.loads(hub.python(code).strip().splitlines()[-1])


def test_apply_confirm_approve_then_the_person_logs_in_at_the_destination(three):
    hub, gd, bj = three
    who = _call(gd, "accountant", "440106", 1)
    _sync(gd)  # the hub learns of the person
    app = _call(gd, "apply", who["uid"], "110000", "110105")["app_no"]
    _call(gd, "act", app, "confirm", "440106")
    assert _call(gd, "state", app, who["uid"])["transfer"] == "confirmed"
    _sync(gd)  # feed first (the confirm's version), then the package
    assert _call(gd, "state", app, who["uid"])["transfer"] == "dest_review"
    _sync(bj)  # the destination takes the package
    assert _call(bj, "state", app, who["uid"])["transfer"] == "dest_review"
    assert _hub(hub, who["uid"])["agency"] == "440106"  # nothing moved before the decision
    _call(bj, "act", app, "approve", "110105")
    _sync(bj)  # decision → the hub hands over → the record becomes active here
    here = _call(bj, "state", app, who["uid"])
    assert (
        here["transfer"] == "completed"
        and here["person_status"] == "collected"
        and here["agency"] == "110105"
    )
    _sync(bj)  # the new owner's first change reaches the hub
    _sync(gd)  # the origin learns the outcome
    there = _call(gd, "state", app, who["uid"])
    assert there["transfer"] == "completed" and there["person_status"] == "transferred_out"
    _sync(gd)  # the origin's 已调出 report is taken as the former owner's last word, not a conflict
    master = _hub(hub, who["uid"])
    assert (
        master["agency"] == "110105" and master["version"] == here["version"] and master["quarantined"] == 0
    )
    # The person sets a password at the destination (找回密码 in real life) and sees their record.
    _call(bj, "set_password", who["uid"], "new-place-password-1")
    bj.serve()
    page = _login_and_get(bj.url, who["archive_no"], "new-place-password-1", "/people/mine/")
    show = f"from registry.people.models import Person; print(Person.objects.get(uid='{who['uid']}').name)"
    name = bj.python(show).strip().splitlines()[-1]
    assert name in page and "工作" in page


def test_destination_returns_and_the_origin_keeps_the_person(three):
    hub, gd, bj = three
    who = _call(gd, "accountant", "440106", 2)
    _sync(gd)
    app = _call(gd, "apply", who["uid"], "110000", "110105")["app_no"]
    _call(gd, "act", app, "confirm", "440106")
    _sync(gd, bj)
    _call(bj, "act", app, "return", "110105", "新单位不在本区")
    _sync(bj, gd)
    origin = _call(gd, "state", app, who["uid"])
    assert origin["transfer"] == "dest_returned" and origin["reason"] == "新单位不在本区"
    assert origin["person_status"] == "collected" and origin["agency"] == "440106"
    assert _call(bj, "state", app, who["uid"])["person_status"] is None
    assert _hub(hub, who["uid"])["agency"] == "440106"
    # The record is no longer frozen: the origin can change it again, and the hub takes the change.
    gd.python(
        f"from registry.people.models import Person; from registry.people.services import person_update; "
        f"person_update(actor=None, person=Person.objects.get(uid='{who['uid']}'), "
        "changes={'identity': {'address': '退回后的新地址'}})"
    )
    _sync(gd)
    assert _hub(hub, who["uid"])["version"] == _call(gd, "state", app, who["uid"])["version"]


def test_withdraw_never_reaches_the_hub(three):
    hub, gd, bj = three
    who = _call(gd, "accountant", "440106", 3)
    app = _call(gd, "apply", who["uid"], "110000", "110105")["app_no"]
    _call(gd, "act", app, "withdraw", "440106")
    _sync(gd, bj)
    assert _call(gd, "state", app, who["uid"])["transfer"] == "withdrawn"
    count = hub.python("from registry.hub.models import HubTransfer; print(HubTransfer.objects.count())")
    assert count.strip().splitlines()[-1] == "0"
    assert _call(bj, "state", app, who["uid"])["transfer"] is None


def _login_and_get(base: str, login: str, password: str, path: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token, form[:500]
    data = urllib.parse.urlencode(
        {"username": login, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    request = urllib.request.Request(  # noqa: S310 -- the test's own loopback node
        base + "/accounts/login/", data=data.encode(), headers={"Referer": base}
    )
    opener.open(request)
    return opener.open(base + path).read().decode()


def test_overdue_items_show_to_supervisors_at_each_level_and_on_the_hub(three):
    hub, gd, bj = three
    a = _call(gd, "accountant", "440106", 4)
    b = _call(gd, "accountant", "440203", 5)
    _sync(gd)
    waiting = _call(gd, "apply", a["uid"], "110000", "110105")["app_no"]  # stays with the origin
    routed = _call(gd, "apply", b["uid"], "110000", "110105")["app_no"]
    _call(gd, "act", routed, "confirm", "440203")
    _sync(gd, bj)
    assert _call(gd, "overdue_for", "440100", "city_reviewer") == [waiting]  # 广州 sees its county's item
    assert _call(gd, "overdue_for", "440000", "province_reviewer") == [waiting]  # the province sees all
    assert _call(gd, "overdue_for", "440200", "city_reviewer") == []  # 韶关's item is no longer the origin's
    assert _call(bj, "overdue_for", "110000", "province_reviewer") == [routed]
    late = hub.python(
        "from datetime import timedelta; from django.utils import timezone; "
        "from registry.hub.models import HubTransfer as H; "
        "H.objects.update(dest_due=timezone.now() - timedelta(days=1)); "
        "print([t.app_no for t in H.objects.filter(status='dest_review', dest_due__lt=timezone.now())])"
    )
    assert routed in late
