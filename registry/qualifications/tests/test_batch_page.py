"""The batch entry page: a CSV file checked row by row, all or nothing, with line-numbered errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from registry.accounts.roles import Role
from registry.audit.models import OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.qualifications import batch, csvfile
from registry.qualifications.models import Qualification, QualificationStatus

from .conftest import client_for

pytestmark = pytest.mark.django_db
HEADER = "证件号码,姓名,级别,资格名称,取得方式,取得日期,证书编号或批文号,发证机关,聘任职务,聘任日期"
URL = "/qualifications/batch/"


def line(
    person: Person, cert: str, *, name: str | None = None, level: str = "中级", route: str = "考试"
) -> str:
    name = person.name if name is None else name
    return f"{person_archive_no(person)},{name},{level},,{route},2018/9/1,{cert},广东省人社厅,,"


def upload(client: Client, lines: list[str], *, encoding: str = "utf-8", name: str = "q.csv") -> Any:
    body = "\r\n".join([HEADER, *lines]) + "\r\n"
    return client.post(URL, {"file": SimpleUploadedFile(name, body.encode(encoding), "text/csv")})


def raw(client: Client, data: bytes, name: str = "q.csv") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def errors(response: Any) -> list[str]:
    return [e.text for e in response.context["outcome"].errors]


def test_page_template_and_a_good_file(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person("440106"), make_person("440104")
    client = client_for(make_user(Role.CITY_REVIEWER, "440100"))
    page = client.get(URL).content.decode()
    assert "证书编号或批文号" in page and "下载模板" in page and "2 MB" in page
    template = client.get("/qualifications/batch/template.csv")
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode("utf-8-sig").strip() == HEADER
    rows = [
        line(alice, "Z-1"),
        f"'{person_archive_no(alice)},{alice.name},3,,3,2023年10月1日,粤评2023-1,,财务总监,2024-01-01",
        line(bob, "Z-2", level="2", route="1"),
    ]
    response = upload(client, rows)
    assert response.status_code == 302
    assert "已登记 3 条专业技术资格（2 人）" in client.get(URL).content.decode()
    assert set(Qualification.objects.values_list("status", flat=True)) == {QualificationStatus.APPROVED}
    senior = Qualification.objects.get(certificate_no="粤评2023-1")
    assert (senior.title, senior.route, str(senior.appointed_on)) == ("高级会计师", "3", "2024-01-01")
    event = OutboxEvent.objects.filter(person_uid=alice.uid, kind="qualification.batch_add").get()
    section = outbox_snapshot(event)["qualifications"]
    assert sorted(q["certificate_no"] for q in section) == ["Z-1", "粤评2023-1"]


def test_one_bad_row_writes_nothing_and_every_row_is_reported(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    versions = [Person.objects.get(pk=p.pk).version for p in (alice, bob)]
    bad_date = line(bob, "Z-3").replace("2018/9/1", "2999-01-01")
    bad_title = line(bob, "Z-2").replace(",中级,,", ",中级,高级会计师,")
    response = upload(client, [line(alice, "Z-1"), "", bad_title, bad_date])
    assert response.status_code == 200 and not Qualification.objects.exists()
    assert errors(response) == [
        "第 4 行（资格名称）：资格名称与级别不符：中级对应“会计师”",
        "第 5 行（取得日期）：取得日期不能晚于今天",
    ]
    assert "整个文件均未登记" in response.content.decode()
    assert [Person.objects.get(pk=p.pk).version for p in (alice, bob)] == versions


def test_name_scope_and_unknown_people(make_person: Any, make_user: Any) -> None:
    mine, other_city = make_person("440106"), make_person("440203")
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = upload(
        client,
        [
            line(mine, "N-1", name="王 五"),
            line(other_city, "N-2"),
            "11010519491231002X,张三,中级,,考试,2018-09-01,N-3,,,",
        ],
    )
    texts = errors(response)
    assert texts[0] == "第 2 行（姓名）：姓名与该证件号码登记的姓名不一致"
    assert texts[1] == f"第 3 行（证件号码）：{batch.NOT_FOUND}"
    assert texts[2] == f"第 4 行（证件号码）：{batch.NOT_FOUND}"
    assert not Qualification.objects.exists()
    dotted = f"{mine.name[:1]}·{mine.name[1:]}"  # a middle dot or space in the name is tolerated
    assert upload(client, [line(mine, "N-5", name=dotted)]).status_code == 302


def test_unknown_codes_are_named(make_person: Any, make_user: Any) -> None:
    person = make_person()
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = upload(client, [line(person, "C-1", level="特级", route="9")])
    assert errors(response) == [
        "第 2 行（级别）：无法识别“特级”：级别应填代码 1–4 或 初级、中级、副高级、正高级",
        "第 2 行（取得方式）：无法识别“9”：取得方式应填代码 1–4 或 考试、评审、考评结合、认定",
    ]
    assert not Qualification.objects.exists()


def test_duplicates_within_the_file_and_on_upload_again(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    twice = upload(client, [line(alice, "D-1"), line(bob, "D-1")])
    assert errors(twice) == ["第 3 行（证书编号或批文号）：与第 2 行的证书编号重复"]
    assert not Qualification.objects.exists()
    good = [line(alice, "D-1"), line(bob, "D-2")]
    assert upload(client, good).status_code == 302
    again = upload(client, good)
    assert errors(again) == [
        f"第 2 行（证书编号或批文号）：{batch.ALREADY}",
        f"第 3 行（证书编号或批文号）：{batch.ALREADY}",
    ]
    assert "第 3 行（证书编号或批文号）：证书编号已登记" in again.content.decode()
    assert Qualification.objects.count() == 2


def test_a_gbk_file_from_excel(make_person: Any, make_user: Any) -> None:
    person = make_person()
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    assert (
        upload(client, [line(person, "G-1", level="副高级", route="考评结合")], encoding="gbk").status_code
        == 302
    )
    assert Qualification.objects.get().level == "3"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "q.csv", "文件为空"),
        (b"   \r\n", "q.csv", "文件为空"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "q.csv", "不是 CSV 文本文件"),
        (b"hello,world\r\n1,2\r\n", "q.csv", "缺少列：证件号码、姓名、级别"),
        (HEADER.encode() + b"\r\n", "q.csv", "没有数据行"),
        (HEADER.encode() + b"\r\n", "q.xlsx", "请上传 CSV 文件"),
        (HEADER.encode() + b'\r\n"unterminated\x00', "q.csv", "不是 CSV 文本文件"),
    ],
)
def test_files_that_cannot_be_read(make_user: Any, data: bytes, name: str, message: str) -> None:
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = raw(client, data, name)
    assert response.status_code == 200 and message in response.content.decode()
    assert response.context["outcome"] is None and not Qualification.objects.exists()


def test_size_and_row_limits(make_person: Any, make_user: Any, monkeypatch: Any) -> None:
    person = make_person()
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    monkeypatch.setattr(csvfile, "MAX_BYTES", 100)
    assert "文件超过" in raw(client, HEADER.encode() + b"," * 200).content.decode()
    monkeypatch.setattr(csvfile, "MAX_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(batch, "MAX_ROWS", 1)
    response = upload(client, [line(person, "L-1"), line(person, "L-2")])
    assert "每个文件不超过 1 行" in response.content.decode() and not Qualification.objects.exists()


def test_roles_and_links(accountant: Any, make_person: Any, make_user: Any) -> None:
    user, person = accountant()
    own = client_for(user)
    for url in (URL, "/qualifications/batch/template.csv"):
        assert own.get(url).status_code == 403
    assert upload(own, [line(person, "R-1")]).status_code == 403
    assert client_for(make_user(Role.AUDITOR, "440000")).get(URL).status_code == 403
    other_city = client_for(make_user(Role.CITY_REVIEWER, "440200"))
    assert errors(upload(other_city, [line(person, "R-1")])) == [f"第 2 行（证件号码）：{batch.NOT_FOUND}"]
    assert not Qualification.objects.exists()
    staff = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    assert URL in staff.get(f"/people/{person.uid}/").content.decode()
    assert URL in staff.get("/qualifications/review/").content.decode()
