from django.urls import path

from . import views_public as public
from . import views_staff as staff

app_name = "credit"
urlpatterns = [
    path("query/", public.query, name="query"),
    path("mine/", public.mine, name="mine"),
    path("mine/<uuid:uid>/object/", public.object_, name="object"),
    path("mine/objections/<uuid:uid>/withdraw/", public.withdraw, name="withdraw"),
    path("mine/documents/<uuid:doc>/", public.my_document, name="my_document"),
    path("people/<uuid:uid>/add/", staff.add, name="add"),
    path("records/<uuid:uid>/", staff.record, name="record"),
    path("records/<uuid:uid>/supersede/", staff.supersede, name="supersede"),
    path("records/<uuid:uid>/documents/<uuid:doc>/", staff.document, name="document"),
    path("objections/", staff.objections, name="objections"),
    path("objections/<uuid:uid>/", staff.objection, name="objection"),
    path("objections/<uuid:uid>/uphold/", staff.uphold, name="uphold"),
    path("objections/<uuid:uid>/reject/", staff.reject, name="reject"),
]
