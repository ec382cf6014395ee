from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("imports/<int:pk>/columns/", views.mapping, name="mapping"),
    path("imports/<int:pk>/progress.json", views.batch_progress, name="progress"),
    path("imports/<int:pk>/rejected.csv", views.rejected_csv, name="rejected-csv"),
    path("imports/<int:pk>/rows/<int:row_number>/resolve/", views.resolve_row, name="resolve-row"),
    path("export/", views.download, name="export"),
    path("exports/<int:pk>/", views.export_job, name="export-job"),
    path("exports/<int:pk>/progress.json", views.export_job_progress, name="export-job-progress"),
    path("exports/<int:pk>/file/", views.export_job_file, name="export-job-file"),
]
