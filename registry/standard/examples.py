"""Worked examples of every interface message (docs/interface/examples/), generated from the models.

`registry standard examples` writes them, `--check` verifies the committed files are current. All
people are synthetic: 张三 has a made-up number that passes the GB 11643 check, 李四 has the number
the standard itself publishes as its example (11010519491231002X); phone numbers and mail
addresses are placeholders (example.com).

Every message is signed with the documented example key (never use it in production):

    key_id  example-2026
    key     00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

Examples carry a fixed `signed_at`, so check them without the replay window (files are checked
without it; live messages with it): `registry spec validate --key <hex> FILE`, or against
EXAMPLE_CLOCK with `--at 2026-03-02T08:02:00Z`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from .identity import check_char
from .masking import mask_archive_no
from .messages import (
    Ack,
    ArchiveAnswer,
    ArchiveQuery,
    ChangeBatch,
    ConflictList,
    ConflictPoll,
    ErrorReply,
    ReconcileReply,
    ReconcileRequest,
    RecordExport,
    ResyncAck,
    ResyncBatch,
    TransferAck,
    TransferDecision,
    TransferDecisionAck,
    TransferPackage,
    TransferPoll,
    TransferPollReply,
    bucket_digest,
)
from .record import PersonRecord
from .signing import GENESIS, content_digest, hmac_sm3_hex, sign, sm3_hex
from .uscc import uscc_check_char
from .xmlcodec import to_xml

EXAMPLES_DIR = "docs/interface/examples"
EXAMPLE_KEY_ID = "example-2026"
EXAMPLE_KEY = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
# The national blind-index key of the examples (the real one is distributed with agency credentials).
EXAMPLE_INDEX_KEY = bytes.fromhex("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100")
EXAMPLE_AGENCY = "440000"
# Every example is signed within ±5 minutes of this clock: checks that want the window use it.
EXAMPLE_CLOCK = datetime(2026, 3, 2, 8, 2, 0, tzinfo=UTC)


def national_index(key: bytes, document_type: str, archive_no: str, nationality: str | None) -> str:
    """The national blind index of an archive number (spec §7): HMAC-SM3, lower-case hex.

    Input: "archive_no" + U+001F + the normalised number; for a passport the number is preceded by
    the holder's nationality and a colon ("USA:E12345678"), because passport numbers repeat
    across countries."""
    value = f"{nationality}:{archive_no}" if document_type == "passport" else archive_no
    return hmac_sm3_hex(key, f"archive_no\x1f{value}".encode())


def sign_example(
    message: dict[str, Any], *, signed_at: str, nonce: str, agency: str = EXAMPLE_AGENCY
) -> dict[str, Any]:
    """signing.sign() with a fixed time and nonce, so the committed examples are reproducible."""
    at = datetime.fromisoformat(signed_at.replace("Z", "+00:00"))
    return sign(message, agency=agency, key_id=EXAMPLE_KEY_ID, key=EXAMPLE_KEY, now=at, nonce=nonce)


def _zhang_number() -> str:
    first17 = "44010619900517003"  # 广州市天河区, 1990-05-17, sequence 003 (odd: male)
    return first17 + check_char(first17)


def _credit_code() -> str:
    first17 = "91440106MA59XKQ70"  # a made-up 统一社会信用代码 with a correct check character
    return first17 + uscc_check_char(first17)


def zhang_san(version: int) -> dict[str, Any]:
    """An employed accountant in 广州市天河区; version 2 adds a city-level honour."""
    credit: list[dict[str, Any]] = []
    if version >= 2:
        credit.append(
            {
                "kind": "honour",
                "item": "先进会计工作者",
                "level": "市级",
                "decided_by": "广州市财政局",
                "decided_on": "2026-02-26",
                "document_no": "穗财会〔2026〕1号",
            }
        )
    record = {
        "person_id": "00000000-0000-4000-8000-00000000a001",
        "version": version,
        "identity": {
            "document_type": "resident_id",
            "archive_no": _zhang_number(),
            "name": "张三",
            "sex": "1",
            "birth_date": "1990-05-17",
            "nationality": "CHN",
            "ethnicity": "01",
            "political_status": "13",
            "mobile": "13800000000",
            "email": "zhang.san@example.com",
            "address": "广东省广州市天河区示例路1号",
            "residence_region": "440106",
        },
        "collection": {
            "category": "1",
            "agency_code": "440106",
            "status": "collected",
            "pledge_version": "2026-01",
            "pledge_accepted_at": "2026-02-10T01:30:00Z",
            "collected_at": "2026-02-12T06:00:00Z",
        },
        "education": [
            {
                "mode": "1",
                "school": "示例财经大学",
                "education": "21",
                "degree": "412",
                "major": "会计学",
                "start_date": "2008-09-01",
                "end_date": "2012-06-30",
                "diploma_no": "EX0000000000000001",
                "degree_cert_no": "EX0000000000000002",
            }
        ],
        "work": [
            {
                "start_date": "2012-07-01",
                "unit_name": "示例贸易有限公司",
                "credit_code": _credit_code(),
                "unit_nature": "1",
                "industry": "F",
                "unit_region": "440106",
                "is_accounting": True,
                "post": "03",
                "position": "会计主管",
            }
        ],
        "qualifications": [
            {
                "level": "2",
                "title": "会计师",
                "route": "1",
                "obtained_on": "2018-09-10",
                "certificate_no": "EX-2018-000001",
                "issuer": "广东省人力资源和社会保障厅",
            }
        ],
        "continuing_education": [
            {
                "year": 2025,
                "required": True,
                "total": 90,
                "professional": 64,
                "compliant": True,
                "entries": [
                    {
                        "year": 2025,
                        "held_on": "2025-06-12",
                        "form": "2",
                        "subject": "1",
                        "credits": 64,
                        "provider": "示例继续教育平台",
                        "route": "batch",
                    },
                    {
                        "year": 2025,
                        "held_on": "2025-09-20",
                        "form": "1",
                        "subject": "2",
                        "credits": 26,
                        "provider": "广州市财政局",
                        "route": "agency",
                    },
                ],
            }
        ],
        "credit": credit,
        "extensions": {"gd_member_no": "GD-EX-0001", "gd_cpd_hours": 12, "gd_mentor": False},
    }
    return PersonRecord.model_validate(record).model_dump(mode="json")


def li_si() -> dict[str, Any]:
    """A retired accountant (category 其他) living in 广州市越秀区, with the standard's example number."""
    record = {
        "person_id": "00000000-0000-4000-8000-00000000a002",
        "version": 1,
        "identity": {
            "document_type": "resident_id",
            "archive_no": "11010519491231002X",
            "name": "李四",
            "sex": "2",
            "birth_date": "1949-12-31",
            "mobile": "13900000000",
            "residence_region": "440104",
        },
        "collection": {
            "category": "3",
            "agency_code": "440104",
            "status": "collected",
            "pledge_version": "2026-01",
            "pledge_accepted_at": "2026-02-20T02:00:00Z",
            "collected_at": "2026-02-27T03:00:00Z",
        },
        "education": [
            {"mode": "2", "school": "示例广播电视大学", "education": "31", "major": "财务会计"},
        ],
        "qualifications": [
            {
                "level": "3",
                "title": "高级会计师",
                "route": "2",
                "obtained_on": "1995-12-01",
                "issuer": "广东省职称改革工作领导小组",
            }
        ],
    }
    return PersonRecord.model_validate(record).model_dump(mode="json")


def _index_of(record: dict[str, Any]) -> str:
    ident = record["identity"]
    return national_index(
        EXAMPLE_INDEX_KEY, ident["document_type"], ident["archive_no"], ident["nationality"]
    )


def _event(seq: int, record: dict[str, Any], kind: str, at: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "person_id": record["person_id"],
        "person_version": record["version"],
        "kind": kind,
        "at": at,
        "record": record,
    }


def _form(model: type[Any], body: dict[str, Any]) -> dict[str, Any]:
    """The message as a sender writes it: validated, message_type first, unsigned."""
    dumped: dict[str, Any] = model.model_validate(body).model_dump(mode="json", exclude={"signature"})
    return {"message_type": dumped.pop("message_type"), **dumped}


def _buckets(prefixes: list[str], held: dict[str, int], *, detail: bool) -> list[dict[str, Any]]:
    out = []
    for prefix in prefixes:
        entries = sorted((index, version) for index, version in held.items() if index.startswith(prefix))
        bucket: dict[str, Any] = {"prefix": prefix, "count": len(entries), "digest": bucket_digest(entries)}
        if detail:
            bucket["entries"] = [list(e) for e in entries]
        out.append(bucket)
    return out


def example_messages() -> dict[str, dict[str, Any]]:
    """Example name → signed message (JSON form). Names are `<message_type>[-<variant>]`."""
    zhang1, zhang2, li = zhang_san(1), zhang_san(2), li_si()
    index_zhang, index_li = _index_of(zhang2), _index_of(li)
    hub_holds = {index_zhang: 2, index_li: 1}
    prefixes = [f"{n:02x}" for n in range(256)]
    narrow = index_zhang[:4]

    batch1 = _form(
        ChangeBatch,
        {
            "message_type": "change_batch",
            "agency": EXAMPLE_AGENCY,
            "first_seq": 1,
            "last_seq": 2,
            "prev_digest": GENESIS,
            "sent_at": "2026-03-02T08:00:00Z",
            "events": [
                _event(1, zhang1, "person.create", "2026-02-12T06:00:00Z"),
                _event(2, li, "person.create", "2026-02-27T03:00:00Z"),
            ],
        },
    )
    bodies: dict[str, tuple[type[Any], dict[str, Any]]] = {
        "change_batch-next": (
            ChangeBatch,
            {
                "message_type": "change_batch",
                "agency": EXAMPLE_AGENCY,
                "first_seq": 3,
                "last_seq": 3,
                "prev_digest": content_digest(batch1),
                "sent_at": "2026-03-02T08:00:10Z",
                "events": [_event(3, zhang2, "person.update", "2026-03-02T07:58:00Z")],
            },
        ),
        "ack": (
            Ack,
            {
                "message_type": "ack",
                "agency": EXAMPLE_AGENCY,
                "status": "applied",
                "received_first_seq": 1,
                "received_last_seq": 2,
                "last_applied_seq": 2,
                "expected_seq": 3,
            },
        ),
        "ack-duplicate": (
            Ack,
            {
                "message_type": "ack",
                "agency": EXAMPLE_AGENCY,
                "status": "duplicate",
                "received_first_seq": 1,
                "received_last_seq": 2,
                "last_applied_seq": 3,
                "expected_seq": 4,
            },
        ),
        "ack-gap": (
            Ack,
            {
                "message_type": "ack",
                "agency": EXAMPLE_AGENCY,
                "status": "gap",
                "received_first_seq": 3,
                "received_last_seq": 3,
                "last_applied_seq": 0,
                "expected_seq": 1,
            },
        ),
        "ack-notice": (
            Ack,
            {
                "message_type": "ack",
                "agency": EXAMPLE_AGENCY,
                "status": "applied",
                "received_first_seq": 3,
                "received_last_seq": 3,
                "last_applied_seq": 3,
                "expected_seq": 4,
                "notices": [
                    {
                        "code": "VERSION_STALE",
                        "path": "person_version",
                        "seq": 3,
                        "message": f"记录 {zhang2['person_id']} 版本 2 不高于已存版本，未应用",
                    }
                ],
            },
        ),
        "error": (
            ErrorReply,
            {
                "message_type": "error",
                "code": "BATCH_CONFLICT",
                "message": "序号 1 起的批次与已收批次内容不同",
                "expected_seq": 3,
            },
        ),
        "error-schema": (
            ErrorReply,
            {
                "message_type": "error",
                "code": "SCHEMA_INVALID",
                "message": "报文不符合接口规范",
                "errors": [
                    {
                        "code": "SCHEMA_INVALID",
                        "path": "events[1].record.identity.archive_no",
                        "message": "身份证号码校验位错误，请核对后重新输入",
                    }
                ],
            },
        ),
        "resync_batch": (
            ResyncBatch,
            {
                "message_type": "resync_batch",
                "agency": EXAMPLE_AGENCY,
                "mode": "resync",
                "records": [zhang2, li],
            },
        ),
        "resync_batch-repair": (
            ResyncBatch,
            {"message_type": "resync_batch", "agency": EXAMPLE_AGENCY, "mode": "repair", "records": [zhang2]},
        ),
        "resync_ack": (
            ResyncAck,
            {"message_type": "resync_ack", "agency": EXAMPLE_AGENCY, "applied": 1, "unchanged": 1},
        ),
        "reconcile_request": (
            ReconcileRequest,
            {"message_type": "reconcile_request", "agency": EXAMPLE_AGENCY, "prefixes": prefixes},
        ),
        "reconcile_reply": (
            ReconcileReply,
            {
                "message_type": "reconcile_reply",
                "agency": EXAMPLE_AGENCY,
                "buckets": _buckets(prefixes, hub_holds, detail=False),
            },
        ),
        "reconcile_request-detail": (
            ReconcileRequest,
            {
                "message_type": "reconcile_request",
                "agency": EXAMPLE_AGENCY,
                "prefixes": [narrow],
                "detail": True,
            },
        ),
        "reconcile_reply-detail": (
            ReconcileReply,
            {
                "message_type": "reconcile_reply",
                "agency": EXAMPLE_AGENCY,
                "buckets": _buckets([narrow], hub_holds, detail=True),
            },
        ),
        "archive_query": (
            ArchiveQuery,
            {"message_type": "archive_query", "agency": EXAMPLE_AGENCY, "archive_index": index_li},
        ),
        "archive_answer": (
            ArchiveAnswer,
            {
                "message_type": "archive_answer",
                "agency": EXAMPLE_AGENCY,
                "held": True,
                "holder_agency": "110000",
                "holder_name": "北京市财政局",
            },
        ),
        "archive_answer-free": (
            ArchiveAnswer,
            {"message_type": "archive_answer", "agency": EXAMPLE_AGENCY, "held": False},
        ),
        "record_export": (
            RecordExport,
            {
                "message_type": "record_export",
                "agency": EXAMPLE_AGENCY,
                "exported_at": "2026-03-02T09:00:00Z",
                "records": [zhang2, li],
            },
        ),
        **_transfer_bodies(zhang2),
        **_conflict_bodies(zhang2, li),
    }
    out = {"change_batch": _sign("change_batch", batch1, 0)}
    for number, (name, (model, body)) in enumerate(bodies.items(), start=1):
        out[name] = _sign(name, _form(model, body), number)
    out["error-unsigned"] = _form(
        ErrorReply,
        {"message_type": "error", "code": "SIGNATURE_INVALID", "message": "签名校验失败"},
    )
    return dict(sorted(out.items()))


def _sign(name: str, message: dict[str, Any], number: int) -> dict[str, Any]:
    signed_at = (EXAMPLE_CLOCK + timedelta(seconds=10 * number - 120)).isoformat().replace("+00:00", "Z")
    return sign_example(
        message,
        signed_at=signed_at,
        nonce=sm3_hex(f"example:{name}".encode())[:32],
        agency=message.get("agency", EXAMPLE_AGENCY),
    )


def example_documents() -> dict[str, str]:
    """Repository path → text of every example file (JSON and XML of each message, and a record)."""
    docs: dict[str, str] = {}
    items: dict[str, dict[str, Any]] = {"person_record": zhang_san(2), **example_messages()}
    for name, message in items.items():
        docs[f"{EXAMPLES_DIR}/{name}.json"] = json.dumps(message, ensure_ascii=False, indent=2) + "\n"
        docs[f"{EXAMPLES_DIR}/{name}.xml"] = to_xml(message).decode("utf-8")
    return docs


# A 1×1 white PNG: the smallest real proof file, so the example package stays readable.
_PROOF = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a0a50000000049454e44ae426082"
)


def _transfer_bodies(record: dict[str, Any]) -> dict[str, tuple[type[Any], dict[str, Any]]]:
    """调转报文 (spec §12): package, its acknowledgement, the destination's poll, decision and answer."""
    import base64

    app_no = "DZ440000-20260302-0A1B2C"
    package = {
        "message_type": "transfer_package",
        "agency": EXAMPLE_AGENCY,
        "app_no": app_no,
        "origin_agency_code": record["collection"]["agency_code"],
        "dest_body_code": "110000",
        "dest_agency_code": "110105",
        "reason": "work",
        "record": record,
        "proofs": [
            {
                "kind": "work",
                "name": "work.png",
                "content_type": "image/png",
                "sm3": sm3_hex(_PROOF),
                "data": base64.b64encode(_PROOF).decode(),
            }
        ],
        "steps": [
            {
                "step": "apply",
                "at": "2026-03-01T08:00:00Z",
                "actor": "张三",
                "agency": "440106",
                "reason": "",
            },
            {
                "step": "confirm",
                "at": "2026-03-02T07:50:00Z",
                "actor": "天河区审核员",
                "agency": "440106",
                "reason": "",
            },
        ],
    }
    return {
        "transfer_package": (TransferPackage, package),
        "transfer_ack": (
            TransferAck,
            {
                "message_type": "transfer_ack",
                "agency": EXAMPLE_AGENCY,
                "app_no": app_no,
                "status": "dest_review",
                "dest_due": "2026-03-09T08:01:00Z",
            },
        ),
        "transfer_poll": (TransferPoll, {"message_type": "transfer_poll", "agency": "110000"}),
        "transfer_poll_reply": (
            TransferPollReply,
            {
                "message_type": "transfer_poll_reply",
                "agency": "110000",
                "incoming": [
                    {
                        k: v
                        for k, v in _form(TransferPackage, package).items()
                        if k not in {"message_type", "spec_version", "signature"}
                    }
                ],
                "updates": [],
            },
        ),
        "transfer_decision": (
            TransferDecision,
            {
                "message_type": "transfer_decision",
                "agency": "110000",
                "app_no": app_no,
                "decision": "approve",
                "dest_agency_code": "110105",
                "reason": "",
                "actor": "朝阳区审核员",
            },
        ),
        "transfer_decision_ack": (
            TransferDecisionAck,
            {
                "message_type": "transfer_decision_ack",
                "agency": "110000",
                "app_no": app_no,
                "status": "completed",
                "person_version": record["version"],
            },
        ),
    }


def _conflict_bodies(
    zhang: dict[str, Any], li: dict[str, Any]
) -> dict[str, tuple[type[Any], dict[str, Any]]]:
    """归属冲突: 北京 registered 张三 anew (its own record id) although 天河区 holds him, without a
    transfer; 李四's record clashed with national data. Both go to 广东, as holder and as reporter."""
    items = [
        {
            "id": 12,
            "code": "OWNERSHIP_CONFLICT",
            "role": "holder",
            "person_id": "00000000-0000-4000-8000-00000000b001",
            "person_version": 1,
            "archive_masked": mask_archive_no(zhang["identity"]["archive_no"]),
            "name": zhang["identity"]["name"],
            "reporter_code": "110000",
            "reporter_name": "北京市财政局",
            "holder_code": "440106",
            "holder_name": "广州市天河区财政局",
            "seq": 57,
            "created_at": "2026-03-02T07:40:00Z",
        },
        {
            "id": 9,
            "code": "RECORD_CONFLICT",
            "role": "reporter",
            "person_id": li["person_id"],
            "person_version": li["version"],
            "archive_masked": mask_archive_no(li["identity"]["archive_no"]),
            "name": li["identity"]["name"],
            "reporter_code": EXAMPLE_AGENCY,
            "reporter_name": "广东省财政厅",
            "holder_code": None,
            "holder_name": None,
            "seq": 2,
            "created_at": "2026-03-01T03:00:00Z",
        },
    ]
    return {
        "conflict_poll": (ConflictPoll, {"message_type": "conflict_poll", "agency": EXAMPLE_AGENCY}),
        "conflict_list": (
            ConflictList,
            {"message_type": "conflict_list", "agency": EXAMPLE_AGENCY, "conflicts": items},
        ),
    }
