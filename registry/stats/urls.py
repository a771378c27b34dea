from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("chart.xlsx", views.chart_xlsx, name="chart_xlsx"),
    path("query/", views.query, name="query"),
    path("query/save/", views.query_save, name="query_save"),
    path("query/saved/<int:pk>/delete/", views.query_delete, name="query_delete"),
    path("exports/", views.export_list, name="exports"),
    path("exports/new/", views.export_new, name="export_new"),
    path("exports/<uuid:uid>/", views.export_detail, name="export"),
    path("exports/<uuid:uid>/decide/", views.export_decision, name="export_decide"),
    path("exports/<uuid:uid>/withdraw/", views.export_cancel, name="export_withdraw"),
    path("exports/<uuid:uid>/download/", views.export_take, name="export_download"),
]
