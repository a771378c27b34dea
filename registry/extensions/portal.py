"""For the portal's basic step (and any page that edits a person's extension values).

ext_form = extension_form(person, request.POST or None)
... if ext_form.is_valid() and save_extension_form(request.user, person, ext_form): ...
{% include "extensions/_form_section.html" with form=ext_form %}
"""

from __future__ import annotations

from typing import Any

from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person

from .forms import ExtensionValuesForm
from .selectors import items_for, stored_values
from .services import extension_values_set


def extension_form(person: Person, data: Any = None, prefix: str = "ext") -> ExtensionValuesForm:
    return ExtensionValuesForm(
        data, items=items_for(person.category), stored=stored_values(person), prefix=prefix
    )


def save_extension_form(actor: Any, person: Person, form: ExtensionValuesForm) -> bool:
    """Write a valid form through the service; on refusal the errors are on the form."""
    try:
        extension_values_set(actor=actor, person=person, values=form.values())
    except DomainError as exc:
        form.add_domain_errors(exc)
        return False
    except Forbidden:
        form.add_error(None, "当前不能修改此信息")
        return False
    return True
