from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("<int:pk>/", views.ci_detail, name="ci_detail"),
]
