"""Which changes need proof, and which groups a person may propose for their category."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Group

# Items whose change must be backed by a document (证件、户口或学历学位证书). Every other item
# (contact details, address, political status, work, student) is reviewed without proof.
PROOF_ITEMS: dict[str, frozenset[str] | None] = {
    # None: every item of the group needs proof.
    Group.IDENTITY: frozenset(
        {"document_type", "archive_no", "name", "sex", "birth_date", "nationality", "ethnicity"}
    ),
    Group.EDUCATION: None,
}

PROOF_HINT: dict[str, str] = {
    Group.IDENTITY: "变更证件类型、证件号码、姓名、性别、出生日期、国籍或民族，须上传证件或户籍证明",
    Group.EDUCATION: "变更学历信息，须上传学历学位证书",
}


def needs_proof(group: str, changed_paths: Iterable[tuple[object, ...]]) -> bool:
    if group not in PROOF_ITEMS:
        return False
    items = PROOF_ITEMS[group]
    paths = list(changed_paths)
    if items is None:
        return bool(paths)
    return any(len(p) > 1 and p[1] in items for p in paths)


def groups_for(category: str) -> list[Group]:
    """The groups a person of this 人员类别 may propose (work for 在职, 学籍 for students)."""
    groups = [Group.IDENTITY, Group.EDUCATION]
    if category == "1":
        groups.append(Group.WORK)
    if category == "2":
        groups.append(Group.STUDENT)
    return groups
