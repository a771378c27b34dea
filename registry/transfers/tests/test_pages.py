"""调转 pages: the applicant's (apply, follow, withdraw), the staff's (queue by scope, decisions by role,
an incoming record readable without asking), the public status page, and the signed package export."""

from __future__ import annotations

import base64
import random
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.core.crypto import sm3_hex
from registry.documents.selectors import current_documents
from registry.ops.sample_proofs import sample_image
from registry.ops.synthetic import resident_id
from registry.people.models import Person, Status
from registry.people.snapshot import person_archive_no, person_record
from registry.standard.messages import TransferPackage
from registry.standard.signing import verify
from registry.standard.validate import validate_document
from registry.transfers.files import read_package_file
from registry.transfers.hubsync import _receive
from registry.transfers.models import Direction, Transfer, TransferStatus
from registry.transfers.services import transfer_apply, transfer_origin_confirm

pytestmark = pytest.mark.django_db
HUB_KEY = "5a" * 32


# --- helpers (also used by test_files, test_remind and test_browser) -----------------------------


def upload(name: str = "work.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample_image("work", "工作证明"), content_type="image/png")


def apply(user: Any, body: str = "440000", dest: str = "440203", reason: str = "work") -> Transfer:
    return transfer_apply(
        actor=user,
        dest_body_code=body,
        dest_agency_code=dest,
        reason=reason,
        proofs=[("work.png", sample_image("work", "工作证明"))],
    )


def incoming(
    make_person: Any, *, dest: str = "440106", origin: str = "110105", seed: int = 7
) -> tuple[Transfer, str]:
    """A transfer from 北京 to this province as the hub delivers it: the package carries a record built
    from another person's (new id, a 北京 number), a proof and the origin's steps. Returns the transfer
    and the full number of the person it brings."""
    donor = make_person("440104")
    rec = person_record(donor).model_dump(mode="json")
    number = resident_id(random.Random(seed), origin, donor.birth_date, donor.sex)
    rec["person_id"] = str(uuid.uuid4())
    rec["identity"].update(archive_no=number, name="京来人", email="jing@example.cn")
    rec["collection"]["agency_code"] = origin
    image = sample_image("work", "工作证明")
    applied = timezone.now() - timedelta(days=3)
    raw = {
        "message_type": "transfer_package",
        "spec_version": "1.0.0",
        "agency": "110000",
        "app_no": f"DZ110000-{applied:%Y%m%d}-{seed:06X}",
        "origin_agency_code": origin,
        "dest_body_code": "440000",
        "dest_agency_code": dest,
        "reason": "work",
        "record": rec,
        "proofs": [
            {
                "kind": "work",
                "name": "work.png",
                "content_type": "image/png",
                "sm3": sm3_hex(image),
                "data": base64.b64encode(image).decode(),
            }
        ],
        "steps": [
            {"step": "apply", "at": applied.isoformat(), "actor": "京来人", "agency": origin, "reason": ""},
            {
                "step": "confirm",
                "at": (applied + timedelta(days=1)).isoformat(),
                "actor": "东城审核员",
                "agency": origin,
                "reason": "",
            },
        ],
    }
    _receive(TransferPackage.model_validate(raw), raw)
    return Transfer.objects.get(app_no=raw["app_no"]), number


def reviewer(make_user: Any, code: str, username: str | None = None) -> Any:
    """A reviewer at the agency, with the role of its level."""
    if code.endswith("0000"):
        role = Role.PROVINCE_REVIEWER
    elif code.endswith("00"):
        role = Role.CITY_REVIEWER
    else:
        role = Role.COUNTY_REVIEWER
    return make_user(role, code, username=username)


# --- the applicant ---------------------------------------------------------------------------------


def test_apply_within_the_province(client: Any, accountant: Any) -> None:
    user, person = accountant("440106")
    client.force_login(user)
    page = client.get("/transfers/mine/").content.decode()
    assert "广东省财政厅（省内调转）" in page and "韶关市武江区财政局" in page and "提交调转申请" in page
    response = client.post(
        "/transfers/mine/",
        {"dest_body_code": "440000", "dest_agency_code": "440203", "reason": "work", "proofs": upload()},
    )
    assert response.status_code == 302
    t = Transfer.objects.get()
    assert (t.direction, t.status, t.dest_agency_code) == (Direction.INTRA, TransferStatus.APPLIED, "440203")
    page = client.get("/transfers/mine/").content.decode()
    assert t.app_no in page and "调出地审核中" in page and "当前办理" in page
    assert person.agency.name in page and f"{timezone.localtime(t.origin_due):%Y-%m-%d}" in page
    assert "撤回申请" in page and "申请人提交申请" in page and 'name="dest_body_code"' not in page
    link = re.search(r'href="(/transfers/mine/[0-9a-f-]+/documents/[0-9a-f-]+/)"', page)
    assert link, page
    doc = client.get(link.group(1))
    assert doc.status_code == 200 and doc["Content-Type"] in ("image/jpeg", "application/pdf")


def test_apply_to_another_province_with_the_htmx_select(client: Any, accountant: Any) -> None:
    user, _ = accountant("440106")
    client.force_login(user)
    options = client.get("/transfers/mine/agencies/", {"dest_body_code": "110000"}).content.decode()
    assert 'value="110105"' in options and "北京市朝阳区财政局" in options
    shandong = client.get("/transfers/mine/agencies/", {"dest_body_code": "370000"}).content.decode()
    assert "济南市财政局" in shandong and 'value="370200"' not in shandong  # 青岛 is a body of its own
    assert 'value="370102"' in shandong  # 济南 历下区
    bingtuan = client.get("/transfers/mine/agencies/", {"dest_body_code": "Z10000"}).content.decode()
    assert 'value="Z10000"' in bingtuan
    here = client.get("/transfers/mine/agencies/", {"dest_body_code": "440000"}).content.decode()
    assert 'value="440203"' in here and 'value="110105"' not in here
    client.post(
        "/transfers/mine/",
        {"dest_body_code": "110000", "dest_agency_code": "110105", "reason": "hukou", "proofs": upload()},
    )
    t = Transfer.objects.get()
    assert t.direction == Direction.OUT and t.dest_agency_name.startswith("北京") and t.reason == "hukou"


def test_apply_errors_are_shown_on_their_fields_and_nothing_is_written(client: Any, accountant: Any) -> None:
    user, _ = accountant("440106")
    client.force_login(user)
    page = client.post("/transfers/mine/", {}).content.decode()
    assert "请选择调入的省级会计管理机构" in page and "请选择调转原因" in page
    page = client.post(
        "/transfers/mine/", {"dest_body_code": "440000", "dest_agency_code": "440203", "reason": "study"}
    ).content.decode()
    assert "请上传录取通知书或学生证" in page and "证明材料：录取通知书或学生证" in page
    # The service's rules, each next to its field.
    page = client.post(
        "/transfers/mine/",
        {"dest_body_code": "440000", "dest_agency_code": "440106", "reason": "work", "proofs": upload()},
    ).content.decode()
    assert "调入机构与现管理机构相同" in page and 'id="id_dest_agency_code"' in page
    page = client.post(
        "/transfers/mine/",
        {"dest_body_code": "110000", "dest_agency_code": "440203", "reason": "work", "proofs": upload()},
    ).content.decode()
    assert "请从列表中选择调入的管理机构" in page
    bad = SimpleUploadedFile("work.png", b"not an image at all", content_type="image/png")
    response = client.post(
        "/transfers/mine/",
        {"dest_body_code": "440000", "dest_agency_code": "440203", "reason": "work", "proofs": bad},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "is-invalid" in page.split('id="id_proofs"')[0][-300:]
    assert not Transfer.objects.exists()


def test_an_open_application_blocks_a_new_one_and_withdraw_reopens_the_form(
    client: Any, accountant: Any, make_user: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    client.force_login(user)
    response = client.post(
        "/transfers/mine/",
        {"dest_body_code": "440000", "dest_agency_code": "440104", "reason": "work", "proofs": upload()},
        follow=True,
    )
    assert "已有办理中的调转申请" in response.content.decode() and Transfer.objects.count() == 1
    stranger, _ = accountant("440104")
    client.force_login(stranger)
    assert client.post(f"/transfers/mine/{t.uid}/withdraw/").status_code == 404
    client.force_login(user)
    page = client.post(f"/transfers/mine/{t.uid}/withdraw/", follow=True).content.decode()
    t.refresh_from_db()
    assert t.status == TransferStatus.WITHDRAWN
    assert "已撤回调转申请" in page and "历史申请" in page and "申请人撤回申请" in page
    assert 'name="dest_body_code"' in page  # may apply again
    # Too late once the origin has confirmed: the button is gone and a POST is refused.
    t2 = apply(user)
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=t2)
    page = client.get("/transfers/mine/").content.decode()
    assert f"/transfers/mine/{t2.uid}/withdraw/" not in page
    assert "调出地确认转出" in page and "韶关市武江区财政局" in page
    page = client.post(f"/transfers/mine/{t2.uid}/withdraw/", follow=True).content.decode()
    assert "不能执行此操作" in page
    t2.refresh_from_db()
    assert t2.status == TransferStatus.DEST_REVIEW


def test_returned_application_shows_its_reason_above_a_new_form(
    client: Any, accountant: Any, make_user: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    client.force_login(reviewer(make_user, "440106"))
    client.post(f"/transfers/{t.uid}/origin-return/", {"reason": "工作证明未加盖公章"})
    client.force_login(user)
    page = client.get("/transfers/mine/").content.decode()
    assert "调出地退回" in page and "工作证明未加盖公章" in page and 'name="dest_body_code"' in page


def test_no_form_before_the_collection_is_complete(client: Any, accountant: Any) -> None:
    user, person = accountant("440106")
    Person.objects.filter(pk=person.pk).update(status=Status.PENDING)
    client.force_login(user)
    page = client.get("/transfers/mine/").content.decode()
    assert "审核通过后才能申请调转" in page and 'name="dest_body_code"' not in page
    client.post(
        "/transfers/mine/",
        {"dest_body_code": "440000", "dest_agency_code": "440203", "reason": "work", "proofs": upload()},
    )
    assert not Transfer.objects.exists()


def test_a_user_without_a_record_gets_404(client: Any, make_user: Any) -> None:
    client.force_login(make_user())
    assert client.get("/transfers/mine/").status_code == 404
    client.logout()
    assert client.get("/transfers/mine/").status_code == 302  # to the login page


# --- staff -----------------------------------------------------------------------------------------


def test_queue_is_scoped_to_the_reviewers_agencies(client: Any, accountant: Any, make_user: Any) -> None:
    user, person = accountant("440106")
    t = apply(user)
    county, city = reviewer(make_user, "440106"), reviewer(make_user, "440100")
    other, dest = reviewer(make_user, "440104"), reviewer(make_user, "440203")
    for who in (county, city):
        client.force_login(who)
        page = client.get("/transfers/").content.decode()
        assert t.app_no in page and person.archive_masked in page and "省内调转" in page
        assert "广州市天河区财政局 → 韶关市武江区财政局" in page
        assert client.get(f"/transfers/{t.uid}/").status_code == 200
    client.force_login(other)
    assert t.app_no not in client.get("/transfers/").content.decode()
    assert t.app_no not in client.get("/transfers/?tab=all").content.decode()
    hidden = client.get(f"/transfers/{t.uid}/")
    assert hidden.status_code == 404 and "不在您所在机构的办理范围内" in hidden.content.decode()
    assert t.person_name not in hidden.content.decode()
    doc = next(iter(current_documents(t.uid).values()))
    assert client.get(f"/transfers/{t.uid}/documents/{doc.uid}/").status_code == 404
    client.force_login(dest)  # the destination sees it coming, but it is not theirs to decide yet
    assert t.app_no not in client.get("/transfers/").content.decode()
    assert t.app_no in client.get("/transfers/?tab=all").content.decode()
    assert t.app_no in client.get("/transfers/?tab=all&status=applied").content.decode()
    assert t.app_no not in client.get("/transfers/?tab=all&status=completed").content.decode()
    assert t.app_no in client.get(f"/transfers/?tab=all&q={t.app_no}").content.decode()
    client.force_login(user)
    refused = client.get("/transfers/")
    assert refused.status_code == 403 and "会计人员请在“调转申请”中办理" in refused.content.decode()
    assert client.get(f"/transfers/{t.uid}/").status_code == 403


def test_overdue_tab_shows_supervisors_their_counties_items(
    client: Any, accountant: Any, make_user: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    late = timezone.now() - timedelta(days=2)
    Transfer.objects.filter(pk=t.pk).update(origin_due=late)
    for code in ("440106", "440100", "440000"):
        client.force_login(reviewer(make_user, code))
        page = client.get("/transfers/?tab=overdue").content.decode()
        assert t.app_no in page and "table-danger" in page and "超期" in page, code
    client.force_login(reviewer(make_user, "440104"))
    assert t.app_no not in client.get("/transfers/?tab=overdue").content.decode()
    client.force_login(reviewer(make_user, "440106"))
    detail = client.get(f"/transfers/{t.uid}/").content.decode()
    assert "已超期" in detail and f"{timezone.localtime(late):%Y-%m-%d}" in detail


def test_decisions_by_role_within_the_province(client: Any, accountant: Any, make_user: Any) -> None:
    user, person = accountant("440106")
    t = apply(user)
    origin, dest = reviewer(make_user, "440106"), reviewer(make_user, "440203")
    client.force_login(dest)
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    assert f"/transfers/{t.uid}/confirm/" not in page and f"/transfers/{t.uid}/approve/" not in page
    assert "调出地确认转出后，可在此查看" in page  # the record is not theirs to read yet
    refused = client.post(f"/transfers/{t.uid}/confirm/")
    assert (
        refused.status_code == 403
        and "由申请人现管理机构（调出地）的审核人员办理" in refused.content.decode()
    )
    assert client.post(f"/transfers/{t.uid}/origin-return/", {"reason": "x"}).status_code == 403
    client.force_login(origin)
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    assert f"/transfers/{t.uid}/confirm/" in page and f"/transfers/{t.uid}/origin-return/" in page
    assert f"/transfers/{t.uid}/approve/" not in page
    assert f"/people/{person.uid}/" in page and "证明材料" in page and "<img" in page
    page = client.post(f"/transfers/{t.uid}/origin-return/", {"reason": " "}, follow=True).content.decode()
    assert "退回须写明原因" in page
    page = client.post(f"/transfers/{t.uid}/confirm/", follow=True).content.decode()
    assert "已确认转出" in page
    t.refresh_from_db()
    assert t.status == TransferStatus.DEST_REVIEW
    refused = client.post(f"/transfers/{t.uid}/approve/", {"agency": "440203"})
    assert refused.status_code == 403 and "由调入机构的审核人员办理" in refused.content.decode()
    client.force_login(dest)
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    assert f"/transfers/{t.uid}/approve/" in page and f"/transfers/{t.uid}/confirm/" not in page
    assert person.archive_masked in page and person_archive_no(person) not in page
    assert "学历信息" in page and "工作经历" in page  # the record, readable without asking
    page = client.post(f"/transfers/{t.uid}/approve/", {"agency": "440203"}, follow=True).content.decode()
    assert "已同意调入" in page
    t.refresh_from_db()
    person.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and person.agency.code == "440203"
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    for step in ("申请人提交申请", "调出地确认转出", "调入地同意调入"):
        assert step in page


def test_destination_return_shows_the_reason_to_the_applicant(
    client: Any, accountant: Any, make_user: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=t)
    client.force_login(reviewer(make_user, "440203"))
    client.post(f"/transfers/{t.uid}/dest-return/", {"reason": "不在本辖区工作"})
    t.refresh_from_db()
    assert t.status == TransferStatus.DEST_RETURNED
    client.force_login(user)
    page = client.get("/transfers/mine/").content.decode()
    assert "调入地退回" in page and "不在本辖区工作" in page


def test_incoming_transfer_shows_the_record_and_proofs_and_is_approved(
    client: Any, make_person: Any, make_user: Any
) -> None:
    t, number = incoming(make_person, dest="440106")
    assert t.direction == Direction.IN and t.status == TransferStatus.DEST_REVIEW
    county = reviewer(make_user, "440106")
    client.force_login(county)
    assert t.app_no in client.get("/transfers/").content.decode()
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    assert "京来人" in page and t.archive_masked in page and number not in page
    assert "调转包转来的信息" in page and "学历信息" in page and "jing@example.cn" in page
    assert "调出地确认转出" in page and "东城审核员" in page  # the origin's steps travelled along
    src = page.split('<img src="')[1].split('"')[0]
    assert client.get(src).status_code == 200
    assert AuditEvent.objects.filter(action="document.read", data__owner=str(t.uid)).exists()
    assert "同意调入" in page and 'value="440106" selected' in page
    other = reviewer(make_user, "440104")
    client.force_login(other)
    assert client.get(f"/transfers/{t.uid}/").status_code == 404
    assert client.get(src).status_code == 404
    assert client.post(f"/transfers/{t.uid}/approve/", {"agency": "440104"}).status_code == 404
    client.force_login(county)
    page = client.post(f"/transfers/{t.uid}/approve/", {"agency": "440106"}, follow=True).content.decode()
    assert "待全国平台确认" in page
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVING and t.hub_pending == "approve"


def test_incoming_destination_may_place_the_person_in_its_subtree_only(
    client: Any, make_person: Any, make_user: Any
) -> None:
    t, _ = incoming(make_person, dest="440100", seed=8)
    city = reviewer(make_user, "440100")
    client.force_login(city)
    page = client.get(f"/transfers/{t.uid}/").content.decode()
    assert 'value="440106"' in page and 'value="440203"' not in page
    page = client.post(f"/transfers/{t.uid}/approve/", {"agency": "440203"})
    assert page.status_code == 403
    client.post(f"/transfers/{t.uid}/approve/", {"agency": "440106"})
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVING and t.dest_agency_code == "440106"


def test_incoming_return_needs_a_reason(client: Any, make_person: Any, make_user: Any) -> None:
    t, _ = incoming(make_person, seed=9)
    client.force_login(reviewer(make_user, "440106"))
    page = client.post(f"/transfers/{t.uid}/dest-return/", {"reason": ""}, follow=True).content.decode()
    assert "退回须写明原因" in page
    client.post(f"/transfers/{t.uid}/dest-return/", {"reason": "未在本市就业"})
    t.refresh_from_db()
    assert t.status == TransferStatus.RETURNING and t.last_reason == "未在本市就业"


# --- the public status page ------------------------------------------------------------------------


def test_public_status_answers_the_right_pair_only(client: Any, accountant: Any, make_person: Any) -> None:
    user, person = accountant("440106")
    t = apply(user)
    number = person_archive_no(person)
    page = client.post(
        "/transfers/status/", {"app_no": t.app_no, "archive_no": number.lower()}
    ).content.decode()
    assert "调出地审核中" in page and "广州市天河区财政局" in page
    assert f"{timezone.localtime(t.origin_due):%Y-%m-%d}" in page
    assert person.name not in page and number not in page and person.archive_masked not in page
    assert "韶关" not in page  # not where they are going either
    wrong = client.post("/transfers/status/", {"app_no": t.app_no, "archive_no": "440106199001011234"})
    unknown = client.post("/transfers/status/", {"app_no": "DZ440000-20260101-000000", "archive_no": number})
    answers = [r.content.decode().split('id="answer"')[1] for r in (wrong, unknown)]
    assert answers[0] == answers[1] and "未查询到该调转申请" in answers[0]
    assert number not in unknown.content.decode()
    t_in, in_number = incoming(make_person, seed=10)
    page = client.post(
        "/transfers/status/", {"app_no": t_in.app_no, "archive_no": in_number}
    ).content.decode()
    assert "调入地审核中" in page and "广州市天河区财政局" in page


def test_public_status_is_rate_limited(client: Any, accountant: Any) -> None:
    user, person = accountant("440106")
    t = apply(user)
    for _ in range(20):
        assert client.post("/transfers/status/", {"app_no": t.app_no, "archive_no": "x"}).status_code == 200
    limited = client.post("/transfers/status/", {"app_no": t.app_no, "archive_no": person_archive_no(person)})
    assert limited.status_code == 429 and "查询过于频繁" in limited.content.decode()
    assert client.get("/transfers/status/").status_code == 200
    # From many addresses, one application answers at most PER_APPLICATION times an hour.
    other = apply(accountant("440104")[0], dest="440203")
    codes = [
        client.post(
            "/transfers/status/", {"app_no": other.app_no, "archive_no": "x"}, REMOTE_ADDR=f"10.0.{i}.1"
        ).status_code
        for i in range(31)
    ]
    assert codes[:30] == [200] * 30 and codes[30] == 429


# --- the signed package for the offline path --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_export_of_a_confirmed_out_transfer_is_signed_and_audited(
    client: Any, accountant: Any, make_user: Any, settings: Any, fmt: str
) -> None:
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "gd-1", HUB_KEY
    user, person = accountant("440106")
    t = apply(user, "110000", "110105")
    origin = reviewer(make_user, "440106")
    client.force_login(origin)
    assert "导出调转包" not in client.get(f"/transfers/{t.uid}/").content.decode()  # not confirmed yet
    assert client.post(f"/transfers/{t.uid}/export/", {"format": fmt}, follow=True).status_code == 200
    transfer_origin_confirm(actor=origin, transfer=t)
    assert "导出调转包（XML）" in client.get(f"/transfers/{t.uid}/").content.decode()
    response = client.post(f"/transfers/{t.uid}/export/", {"format": fmt})
    assert response.status_code == 200 and f'{t.app_no}.{fmt}"' in response["Content-Disposition"]
    data = response.content
    # The XSD generator refuses the current message set (TransferPackage differs inside
    # TransferPollReply), so XML is checked against the models here; read_package_file tries the XSD.
    report = validate_document(data, key=bytes.fromhex(HUB_KEY), xsd=False)
    assert report.ok, report.violations
    assert read_package_file(data, key=bytes.fromhex(HUB_KEY))["app_no"] == t.app_no
    assert report.kind == "transfer_package" and report.form == fmt and report.signature == "签名有效"
    verify(report.message, key=bytes.fromhex(HUB_KEY))
    assert report.message["record"]["identity"]["archive_no"] == person_archive_no(person)
    assert AuditEvent.objects.filter(action="transfer.export", object_id=t.app_no).count() == 1
    # A reviewer elsewhere cannot even see it; without a key, a clear message and no file.
    client.force_login(reviewer(make_user, "440104"))
    assert client.post(f"/transfers/{t.uid}/export/", {"format": fmt}).status_code == 404
    settings.REGISTRY_HUB_KEY = ""
    client.force_login(origin)
    page = client.post(f"/transfers/{t.uid}/export/", {"format": fmt}, follow=True).content.decode()
    assert "未配置接口签名密钥" in page
    assert AuditEvent.objects.filter(action="transfer.export", object_id=t.app_no).count() == 1


def test_export_is_for_the_origins_reviewers(
    client: Any, accountant: Any, make_user: Any, settings: Any
) -> None:
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "gd-1", HUB_KEY
    user, _ = accountant("440106")
    t = apply(user, "110000", "110105")
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=t)
    auditor = make_user(Role.AUDITOR, "440000")
    client.force_login(auditor)
    assert client.post(f"/transfers/{t.uid}/export/", {"format": "json"}).status_code == 403
    client.force_login(reviewer(make_user, "440100"))  # the city above may act for the county
    assert client.post(f"/transfers/{t.uid}/export/", {"format": "json"}).status_code == 200
    page = client.post(f"/transfers/{t.uid}/export/", {"format": "pdf"}, follow=True).content.decode()
    assert "导出格式应为 JSON 或 XML" in page


def test_intra_province_applications_have_no_package_to_export(
    client: Any, accountant: Any, make_user: Any, settings: Any
) -> None:
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "gd-1", HUB_KEY
    user, _ = accountant("440106")
    t = apply(user)
    origin = reviewer(make_user, "440106")
    transfer_origin_confirm(actor=origin, transfer=t)
    client.force_login(origin)
    assert "导出调转包" not in client.get(f"/transfers/{t.uid}/").content.decode()
    page = client.post(f"/transfers/{t.uid}/export/", {"format": "json"}, follow=True).content.decode()
    assert "只有本省调出的申请可以导出调转包" in page
    assert not AuditEvent.objects.filter(action="transfer.export").exists()
