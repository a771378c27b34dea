from django.urls import path

from . import views_portal as portal
from . import views_review as review

portal_patterns = (
    [
        path("", portal.home, name="home"),
        path("register/", portal.register, name="register"),
        path("reset/", portal.reset_request, name="reset"),
        path("reset/confirm/", portal.reset_confirm, name="reset_confirm"),
        path("pledge/", portal.pledge, name="pledge"),
        path("basic/", portal.basic, name="basic"),
        path("education/", portal.education, name="education"),
        path("work/", portal.work, name="work"),
        path("proofs/", portal.proofs, name="proofs"),
        path("agency/", portal.agency, name="agency"),
        path("submit/", portal.submit, name="submit"),
        path("documents/<uuid:uid>/", portal.own_document, name="document"),
    ],
    "portal",
)

review_patterns = (
    [
        path("", review.queue, name="queue"),
        path("walk-in/", review.walk_in, name="walk_in"),
        path("<uuid:uid>/", review.review, name="detail"),
        path("<uuid:uid>/approve/", review.approve, name="approve"),
        path("<uuid:uid>/return/", review.return_, name="return"),
        path("<uuid:uid>/reassign/", review.reassign, name="reassign"),
        path("<uuid:uid>/documents/<uuid:doc>/", review.document, name="document"),
    ],
    "review",
)
