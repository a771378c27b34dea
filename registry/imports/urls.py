from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("template.csv", views.template_csv, name="template_csv"),
    path("<uuid:uid>/", views.job, name="job"),
    path("<uuid:uid>/status/", views.job_status, name="job_status"),
    path("<uuid:uid>/commit/", views.job_commit, name="job_commit"),
    path("<uuid:uid>/resume/", views.job_resume, name="job_resume"),
    path("<uuid:uid>/errors.<str:fmt>", views.job_errors, name="job_errors"),
]
