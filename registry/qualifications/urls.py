from django.urls import path

from . import views, views_batch

app_name = "qualifications"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_list, name="review"),
    path("batch/", views_batch.batch_page, name="batch"),
    path("batch/template.csv", views_batch.batch_template, name="batch_template"),
    path("people/<uuid:person_uid>/add/", views.add, name="add"),
    path("<uuid:uid>/approve/", views.approve, name="approve"),
    path("<uuid:uid>/return/", views.return_, name="return"),
    path("<uuid:uid>/proof/", views.proof, name="proof"),
]
