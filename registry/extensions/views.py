"""Pages: the admin's item list and editor; the staff editor of a person's values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from registry.accounts.selectors import actor_is_staff
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.people.models import Person
from registry.people.selectors import person_get
from registry.people.services import person_may_edit
from registry.standard.codes import load_table

from .forms import ItemForm
from .models import ExtensionItem
from .portal import extension_form, save_extension_form
from .selectors import items_all, person_rows
from .services import extension_item_save, may_define


def _admin(request: HttpRequest) -> None:
    if not may_define(request.user):
        raise PermissionDenied


@login_required
def items(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return render(
        request,
        "extensions/items.html",
        {"items": items_all(), "categories": dict(load_table("person_category").choices())},
    )


@login_required
def item_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    _admin(request)
    item = None
    if key is not None:
        item = ExtensionItem.objects.filter(key=key).first()
        if item is None:
            raise Http404("未找到该扩充项")
    initial = ItemForm.initial_for(item) if item else None
    form = ItemForm(request.POST or None, initial=initial, editing=item is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if item is not None:
            data["key"] = item.key
        try:
            saved = extension_item_save(actor=request.user, data=data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, f"已保存扩充项“{saved.label}”。")
            return redirect("extensions:items")
    return render(request, "extensions/item_edit.html", {"form": form, "item": item})


def _person(request: HttpRequest, uid: str) -> Person:
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        return person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc


@login_required
def person_values(request: HttpRequest, uid: str) -> HttpResponse:
    person = _person(request, uid)
    if not person_may_edit(request.user, person):
        raise PermissionDenied
    form = extension_form(person, request.POST or None)
    if request.method == "POST" and form.is_valid() and save_extension_form(request.user, person, form):
        messages.success(request, "省级扩充项已保存。")
        return redirect(reverse("people:detail", args=[person.uid]) + "#tab-extensions")
    return render(
        request,
        "extensions/person_values.html",
        {"person": person, "form": form, "rows": person_rows(person)},
    )
