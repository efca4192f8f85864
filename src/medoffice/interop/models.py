"""What came from other systems, so a re-import recognizes it and creates nothing new."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ExternalReference(models.Model):
    """One resource of another system (a Synthea Patient, a lab's order) and our row for it."""

    source = models.CharField(
        max_length=200, help_text="The other system, e.g. a FHIR base or identifier system"
    )
    resource_type = models.CharField(max_length=50)
    external_id = models.CharField(max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "resource_type", "external_id"], name="external_ref_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="external_ref_target_idx")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.external_id} from {self.source}"
