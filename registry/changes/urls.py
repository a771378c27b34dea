from django.urls import path

from . import views_mine as mine
from . import views_review as review

app_name = "changes"
urlpatterns = [
    path("mine/", mine.mine, name="mine"),
    path("mine/history/", mine.history, name="mine_history"),
    path("mine/new/<str:group>/", mine.propose, name="propose"),
    path("mine/<uuid:uid>/", mine.detail, name="mine_detail"),
    path("mine/<uuid:uid>/revise/", mine.revise, name="revise"),
    path("mine/<uuid:uid>/withdraw/", mine.withdraw, name="withdraw"),
    path("mine/<uuid:uid>/documents/<uuid:doc>/", mine.document, name="mine_document"),
    path("review/", review.queue, name="queue"),
    path("review/<uuid:uid>/", review.review, name="review_detail"),
    path("review/<uuid:uid>/approve/", review.approve, name="approve"),
    path("review/<uuid:uid>/return/", review.return_, name="return"),
    path("review/<uuid:uid>/reject/", review.reject, name="reject"),
    path("review/<uuid:uid>/documents/<uuid:doc>/", review.document, name="review_document"),
    path("people/<uuid:uid>/history/", review.person_history, name="person_history"),
]
