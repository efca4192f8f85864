"""/fhir/r4/: metadata, then [type] (search, create) and [type]/[id] (read, update)."""

from django.urls import path

from medoffice.interop.fhir.resources import RESOURCES
from medoffice.interop.fhir.views import INSTANCE_VIEWS, TYPE_VIEWS, metadata

app_name = "fhir"

urlpatterns = [path("metadata", metadata, name="metadata")]
for _name in RESOURCES:
    urlpatterns += [
        path(_name, TYPE_VIEWS[_name], name=f"{_name.lower()}_type"),
        path(f"{_name}/<str:resource_id>", INSTANCE_VIEWS[_name], name=f"{_name.lower()}_instance"),
    ]
