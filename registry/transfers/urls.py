from django.urls import path

from . import views_mine as mine
from . import views_public as public
from . import views_staff as staff

app_name = "transfers"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("mine/", mine.mine, name="mine"),
    path("mine/agencies/", mine.agencies, name="agencies"),
    path("mine/<uuid:uid>/withdraw/", mine.withdraw, name="withdraw"),
    path("mine/<uuid:uid>/documents/<uuid:doc>/", mine.document, name="mine_document"),
    path("status/", public.status, name="status"),
    path("<uuid:uid>/", staff.detail, name="detail"),
    path("<uuid:uid>/confirm/", staff.confirm, name="confirm"),
    path("<uuid:uid>/origin-return/", staff.origin_return, name="origin_return"),
    path("<uuid:uid>/approve/", staff.approve, name="approve"),
    path("<uuid:uid>/dest-return/", staff.dest_return, name="dest_return"),
    path("<uuid:uid>/export/", staff.export, name="export"),
    path("<uuid:uid>/documents/<uuid:doc>/", staff.document, name="document"),
]
