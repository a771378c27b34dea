"""The pieces of 信息采集 this module reuses, imported in one place.

The record's forms and the error placement belong to the collection portal; if they move (to
`people`), only this file changes.
"""

from __future__ import annotations

from registry.collection.forms import (
    DATE,
    BasicForm,
    EducationForm,
    RegisterForm,
    StudentForm,
    WorkForm,
    code_choices,
    region_choices,
)
from registry.collection.show import attach_errors
from registry.core.deadlines import add_working_days

__all__ = [
    "DATE",
    "BasicForm",
    "EducationForm",
    "RegisterForm",
    "StudentForm",
    "WorkForm",
    "add_working_days",
    "attach_errors",
    "code_choices",
    "region_choices",
]
