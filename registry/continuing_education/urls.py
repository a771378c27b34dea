from django.urls import path

from . import views, views_admin

app_name = "continuing_education"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/report/", views.report, name="report"),
    path("mine/<uuid:uid>/proof/", views.own_document, name="own_document"),
    path("people/<uuid:uid>/register/", views.register, name="register"),
    path("batch/", views_admin.batch_page, name="batch"),
    path("batch/template.csv", views_admin.batch_template, name="batch_template"),
    path("review/", views.review_list, name="review_list"),
    path("review/<uuid:uid>/", views.review_detail, name="review_detail"),
    path("review/<uuid:uid>/approve/", views.approve, name="approve"),
    path("review/<uuid:uid>/return/", views.return_, name="return"),
    path("review/<uuid:uid>/proof/", views.review_document, name="review_document"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("settings/", views_admin.settings_page, name="settings"),
]
