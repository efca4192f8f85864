"""Procedure code tables (CPT, HCPCS Level II). ICD-10-CM comes from simple-icd-10-cm.

CPT descriptors are licensed by the AMA: MedOffice ships only short descriptions written in
our own words for a demo set; a practice imports its licensed file (see `medoffice codes import`).
"""

from __future__ import annotations

from django.db import models


class CodeSystem(models.TextChoices):
    CPT = "CPT", "CPT"
    HCPCS = "HCPCS", "HCPCS Level II"


class ProcedureCode(models.Model):
    system = models.CharField(max_length=5, choices=CodeSystem.choices)
    code = models.CharField(max_length=5)
    description = models.CharField(max_length=300, help_text="Short description")
    long_description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    effective_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=50, default="demo", help_text="Which import it came from")

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="procedure_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"
