"""Messages of the data interface standard (数据接口规范) between provincial nodes and the hub.

Every message is a JSON object with `message_type` and `spec_version`, signed as in `signing.py`.
`docs/interface/` describes them for implementers; `MESSAGE_TYPES` maps each type to its model.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .record import PersonRecord
from .signing import sm3_hex

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 500
MAX_RECORDS = 500
MAX_PREFIXES = 4096
MAX_CONFLICTS = 200
AGENCY = r"^[0-9A-Z]{6,12}$"
HEX64 = r"^[0-9a-f]{64}$"
INDEX_PREFIX = re.compile(r"^[0-9a-f]{0,8}$")

# Stable error codes (spec §6). Machines branch on these; people read the message.
ERROR_CODES: dict[str, str] = {
    "MALFORMED": "报文不是合法的 JSON 或 XML",
    "TOO_LARGE": "报文超过大小上限",
    "SCHEMA_INVALID": "报文不符合接口规范",
    "SIGNATURE_MISSING": "报文未签名或签名不完整",
    "SIGNATURE_INVALID": "签名校验失败",
    "KEY_UNKNOWN": "密钥标识未登记或已停用",
    "TIMESTAMP_EXPIRED": "签名时间超出时间窗口",
    "REPLAYED": "重放的报文（随机数已使用）",
    "AGENCY_UNKNOWN": "报送机构未登记",
    "AGENCY_MISMATCH": "签名机构与报文机构不一致",
    "OUT_OF_JURISDICTION": "记录的管理机构不在报送机构辖区内",
    "SEQUENCE_BACKWARDS": "批次序号倒退且与已收批次不一致",
    "BATCH_CONFLICT": "同一序号的批次内容不同（冲突告警）",
    "CHAIN_BROKEN": "前一批次摘要与已收批次不符",
    "TRANSFER_INVALID": "调转申请不符合规则（见 errors）",
    "TRANSFER_CONFLICT": "同一申请编号的内容不同，或该人员已有办理中的调转",
    "TRANSFER_NOT_FOUND": "没有该申请编号的调转，或不由本机构办理",
    "TRANSFER_STATE": "调转当前状态不允许此操作",
    "VERSION_STALE": "记录版本不高于已存版本，未应用",
    "OWNERSHIP_CONFLICT": "记录归属其他省级机构，已隔离待核",
    "RECORD_CONFLICT": "记录与枢纽已有数据冲突（如证书编号重复），已隔离待核",
    "NOT_FOUND": "接口不存在",
    "METHOD_NOT_ALLOWED": "请求方法不允许",
    "UNAVAILABLE": "服务暂不可用，请稍后重试",
}


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    spec_version: Literal["1.0.0"] = Field(default="1.0.0", description="接口规范版本")
    signature: dict[str, str] | None = Field(default=None, description="签名块（见规范第 5 节）")


class ChangeEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = Field(ge=1, description="报送机构的变更序号，连续递增")
    person_id: UUID = Field(description="记录标识")
    person_version: int = Field(ge=1, description="变更后的记录版本")
    kind: str = Field(max_length=64, description="变更类型，如 person.update")
    at: datetime = Field(description="变更提交时间")
    record: PersonRecord = Field(description="变更后的完整记录")

    @model_validator(mode="after")
    def _record_matches(self) -> ChangeEvent:
        if self.record.person_id != self.person_id:
            raise ValueError("record.person_id 与 person_id 不一致")
        if self.record.version != self.person_version:
            raise ValueError("record.version 与 person_version 不一致")
        return self


class ChangeBatch(_Message):
    """变更批次: the outbox rows first_seq..last_seq of one agency, in order, without gaps."""

    message_type: Literal["change_batch"]
    agency: str = Field(pattern=AGENCY, description="报送机构代码")
    first_seq: int = Field(ge=1)
    last_seq: int = Field(ge=1)
    prev_digest: str = Field(pattern=HEX64, description="上一批次的内容摘要（首批为 64 个 0）")
    sent_at: datetime
    events: list[ChangeEvent] = Field(min_length=1, max_length=MAX_EVENTS)

    @model_validator(mode="after")
    def _contiguous(self) -> ChangeBatch:
        if self.last_seq - self.first_seq + 1 != len(self.events):
            raise ValueError("first_seq..last_seq 与事件数不符")
        for offset, event in enumerate(self.events):
            if event.seq != self.first_seq + offset:
                raise ValueError(f"events[{offset}].seq 应为 {self.first_seq + offset}")
        return self


class Notice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    path: str = ""
    message: str
    seq: int | None = None


class Ack(_Message):
    """回执: what the hub holds for the agency after this batch."""

    message_type: Literal["ack"]
    agency: str = Field(pattern=AGENCY)
    status: Literal["applied", "duplicate", "gap"]
    received_first_seq: int = Field(ge=1)
    received_last_seq: int = Field(ge=1)
    last_applied_seq: int = Field(ge=0, description="已按序应用的最后序号")
    expected_seq: int = Field(ge=1, description="下一批次应从此序号开始")
    notices: list[Notice] = Field(default_factory=list, description="逐条提示（如版本过旧、归属冲突）")


class ErrorReply(_Message):
    message_type: Literal["error"]
    code: str
    message: str
    errors: list[Notice] = Field(default_factory=list)
    expected_seq: int | None = None

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ERROR_CODES:
            raise ValueError(f"未定义的错误代码 {value}")
        return value


class ResyncBatch(_Message):
    """全量重传 / 差异修复: current records, applied where newer (mode=repair: replaces the hub's copy)."""

    message_type: Literal["resync_batch"]
    agency: str = Field(pattern=AGENCY)
    mode: Literal["resync", "repair"] = "resync"
    records: list[PersonRecord] = Field(min_length=1, max_length=MAX_RECORDS)


class ResyncAck(_Message):
    message_type: Literal["resync_ack"]
    agency: str = Field(pattern=AGENCY)
    applied: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    notices: list[Notice] = Field(default_factory=list)


class ReconcileRequest(_Message):
    """对账请求: digests of the buckets under each prefix of the archive-number index."""

    message_type: Literal["reconcile_request"]
    agency: str = Field(pattern=AGENCY)
    prefixes: list[str] = Field(min_length=1, max_length=MAX_PREFIXES)
    detail: bool = Field(False, description="true: 返回各前缀下的逐条 (索引, 版本)")

    @field_validator("prefixes")
    @classmethod
    def _hex(cls, value: list[str]) -> list[str]:
        for item in value:
            if not INDEX_PREFIX.match(item):
                raise ValueError(f"前缀 {item!r} 应为 0–8 位小写十六进制")
        return value


class Bucket(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str
    count: int = Field(ge=0)
    digest: str = Field(pattern=HEX64)
    entries: list[tuple[str, int]] | None = Field(None, description="detail 时：(索引, 版本)")


class ReconcileReply(_Message):
    message_type: Literal["reconcile_reply"]
    agency: str = Field(pattern=AGENCY)
    buckets: list[Bucket]


class ArchiveQuery(_Message):
    """查重: is this archive number (as its national blind index) held by another agency?"""

    message_type: Literal["archive_query"]
    agency: str = Field(pattern=AGENCY)
    archive_index: str = Field(pattern=HEX64)


class ArchiveAnswer(_Message):
    message_type: Literal["archive_answer"]
    agency: str = Field(pattern=AGENCY)
    held: bool
    holder_agency: str | None = None
    holder_name: str | None = None


class RecordExport(_Message):
    """导出文件: records exchanged as a file (offline delivery, legacy migration); no size cap per file."""

    message_type: Literal["record_export"]
    agency: str = Field(pattern=AGENCY)
    exported_at: datetime
    records: list[PersonRecord]


TRANSFER_REASONS = ("work", "study", "hukou", "residence")
APP_NO = r"^DZ[0-9A-Z]{6}-[0-9]{8}-[0-9A-F]{6}$"


class Proof(BaseModel):
    """A proof travelling with a transfer package: the file itself, with its SM3 digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(max_length=32, description="证明类型，如 work、residence")
    name: str = Field(max_length=200, description="文件名")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    sm3: str = Field(pattern=HEX64, description="文件内容的 SM3 摘要")
    data: str = Field(description="文件内容，Base64")


class Step(BaseModel):
    """One step of a transfer: who did what, when, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: str = Field(max_length=32)
    at: datetime
    actor: str = Field(max_length=100)
    agency: str = Field(pattern=AGENCY)
    reason: str = Field("", max_length=500)


class _PackageFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: str = Field(pattern=AGENCY, description="调出省级机构")
    app_no: str = Field(pattern=APP_NO, description="申请编号")
    origin_agency_code: str = Field(pattern=AGENCY, description="调出管理机构")
    dest_body_code: str = Field(pattern=AGENCY, description="调入省级机构")
    dest_agency_code: str = Field(pattern=AGENCY, description="申请调入的管理机构（可至县级）")
    reason: Literal["work", "study", "hukou", "residence"]
    record: PersonRecord
    proofs: list[Proof] = Field(min_length=1, max_length=20)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> _PackageFields:
        if self.dest_body_code == self.agency:
            raise ValueError("跨省调转的调入省级机构不能是调出省级机构")
        if self.record.collection.agency_code != self.origin_agency_code:
            raise ValueError("record.collection.agency_code 应为调出管理机构")
        return self


class RoutedPackage(_PackageFields):
    """A package as the hub hands it to the destination (inside transfer_poll_reply, no envelope)."""


class TransferPackage(_Message, _PackageFields):
    """调转包: sent by the origin when it confirms out; the hub routes it to the destination."""

    message_type: Literal["transfer_package"]


class TransferAck(_Message):
    message_type: Literal["transfer_ack"]
    agency: str = Field(pattern=AGENCY)
    app_no: str = Field(pattern=APP_NO)
    status: Literal["dest_review", "completed", "dest_returned"]
    dest_due: datetime | None = None


class TransferPoll(_Message):
    """调转查询: what awaits this agency (incoming packages) and what became of its outgoing ones."""

    message_type: Literal["transfer_poll"]
    agency: str = Field(pattern=AGENCY)


class TransferUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app_no: str = Field(pattern=APP_NO)
    status: Literal["dest_review", "completed", "dest_returned"]
    reason: str = ""
    decided_at: datetime | None = None
    dest_agency_code: str | None = None


class TransferPollReply(_Message):
    message_type: Literal["transfer_poll_reply"]
    agency: str = Field(pattern=AGENCY)
    incoming: list[RoutedPackage] = Field(default_factory=list, max_length=50)
    updates: list[TransferUpdate] = Field(default_factory=list)


class TransferDecision(_Message):
    """调入地决定: approve (the hub moves ownership atomically) or return with a reason."""

    message_type: Literal["transfer_decision"]
    agency: str = Field(pattern=AGENCY, description="调入省级机构")
    app_no: str = Field(pattern=APP_NO)
    decision: Literal["approve", "return"]
    dest_agency_code: str = Field(pattern=AGENCY, description="批准后的管理机构")
    reason: str = Field("", max_length=500)
    actor: str = Field(max_length=100)


class TransferDecisionAck(_Message):
    message_type: Literal["transfer_decision_ack"]
    agency: str = Field(pattern=AGENCY)
    app_no: str = Field(pattern=APP_NO)
    status: Literal["completed", "dest_returned"]
    person_version: int = Field(ge=0, description="枢纽所存记录版本：调入地从此版本之后继续编号")


class ConflictPoll(_Message):
    """归属冲突查询: the quarantined records this agency reported, or that concern a person it holds."""

    message_type: Literal["conflict_poll"]
    agency: str = Field(pattern=AGENCY)


class ConflictItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int = Field(ge=1, description="枢纽的隔离记录编号")
    code: Literal["OWNERSHIP_CONFLICT", "RECORD_CONFLICT"]
    role: Literal["holder", "reporter"] = Field(description="查询机构在此冲突中的身份：现管理方或报送方")
    person_id: UUID = Field(description="被隔离记录的记录标识")
    person_version: int = Field(ge=0, description="被隔离记录的版本")
    archive_masked: str = Field(max_length=40, description="已掩码的证件号码")
    name: str = Field(max_length=50, description="人员姓名")
    reporter_code: str = Field(pattern=AGENCY, description="报送机构代码")
    reporter_name: str = Field(max_length=100, description="报送机构名称")
    holder_code: str | None = Field(None, pattern=AGENCY, description="现管理机构代码（数据冲突时为 null）")
    holder_name: str | None = Field(None, max_length=100, description="现管理机构名称")
    seq: int | None = Field(None, ge=1, description="报送该记录的变更序号（全量重传、差异修复时为 null）")
    created_at: datetime = Field(description="隔离时间")


class ConflictList(_Message):
    """Every unresolved conflict of the agency, newest first: the province replaces its copy with it."""

    message_type: Literal["conflict_list"]
    agency: str = Field(pattern=AGENCY)
    conflicts: list[ConflictItem] = Field(default_factory=list, max_length=MAX_CONFLICTS)


MESSAGE_TYPES: dict[str, type[_Message]] = {
    "change_batch": ChangeBatch,
    "ack": Ack,
    "error": ErrorReply,
    "resync_batch": ResyncBatch,
    "resync_ack": ResyncAck,
    "reconcile_request": ReconcileRequest,
    "reconcile_reply": ReconcileReply,
    "archive_query": ArchiveQuery,
    "archive_answer": ArchiveAnswer,
    "record_export": RecordExport,
    "transfer_package": TransferPackage,
    "transfer_ack": TransferAck,
    "transfer_poll": TransferPoll,
    "transfer_poll_reply": TransferPollReply,
    "transfer_decision": TransferDecision,
    "transfer_decision_ack": TransferDecisionAck,
    "conflict_poll": ConflictPoll,
    "conflict_list": ConflictList,
}


def bucket_digest(entries: list[tuple[str, int]]) -> str:
    """Digest of a bucket: SM3 over sorted "index:version" lines. Both sides compute it alike."""
    lines = "".join(f"{index}:{version}\n" for index, version in sorted(entries))
    return sm3_hex(lines.encode())


def message_model(message: dict[str, Any]) -> type[_Message] | None:
    kind = message.get("message_type")
    return MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
