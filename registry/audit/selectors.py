"""Reads of the audit chain, including its verification."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from registry.core.crypto import decrypt

from .models import AuditEvent, Counter, OutboxEvent
from .services import GENESIS, event_digest


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify(batch: int = 2000) -> ChainReport:
    """Recompute the chain: an edited row breaks its own hash, a deleted one breaks the
    sequence or the next row's link, a deleted tail no longer matches the head counter."""
    report = ChainReport()
    expected_seq, prev = 1, GENESIS
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                report.problems.append(f"缺失审计事件：序号 {expected_seq} 至 {ev.seq - 1}")
            if ev.prev_hash != prev:
                report.problems.append(f"审计事件 {ev.seq} 与前一事件的链接不符（可能有事件被删除或改动）")
            if event_digest(ev) != ev.hash:
                report.problems.append(f"审计事件 {ev.seq} 的内容与摘要不符（已被改动）")
            prev, expected_seq, last_seq = ev.hash, ev.seq + 1, ev.seq
            report.checked += 1
    head = Counter.objects.filter(name="audit").first()
    if head is not None and (head.value != last_seq or (head.digest or GENESIS) != prev):
        report.problems.append(f"审计链末端不符：应至序号 {head.value}，实际至 {last_seq}")
    return report


def outbox_snapshot(event: OutboxEvent) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(decrypt(bytes(event.payload), aad=f"outbox:{event.seq}".encode()))
    return data
