"""When a record may not take change requests: it is not collected, or another review holds it.

Apps above this one (transfers) register a guard in their `AppConfig.ready()`:
`register_guard("transfers", lambda person: "调转办理中" if open_transfer(person) else None)`.
A guard returns a short reason when the record is under its review, else None.
"""

from __future__ import annotations

from collections.abc import Callable

from registry.people.models import Person, Status

Guard = Callable[[Person], str | None]
GUARDS: dict[str, Guard] = {}

NOT_COLLECTED = {
    Status.DRAFT: "信息尚未采集完成：采集完成前请直接在“我的采集”中修改，无需申请变更",
    Status.PENDING: "信息正在审核中（采集审核），审核结束前不能申请变更",
    Status.TRANSFERRED_OUT: "信息已调出本地区，请向调入地申请变更",
    Status.CANCELLED: "该记录已注销，不能申请变更",
}


def register_guard(name: str, guard: Guard) -> None:
    GUARDS[name] = guard


def under_review(person: Person) -> str | None:
    """Why the record cannot take a change request now, or None when it can."""
    if person.status != Status.COLLECTED:
        return NOT_COLLECTED.get(person.status, "当前状态不能申请变更")  # type: ignore[call-overload]
    for guard in GUARDS.values():
        reason = guard(person)
        if reason:
            return f"信息正在审核中（{reason}），审核结束前不能申请或批准变更"
    return None
