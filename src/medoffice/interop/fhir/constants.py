"""Code systems and identifier systems MedOffice uses in FHIR resources."""

from __future__ import annotations

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

# Our own identifier systems (URNs: they name MedOffice's numbering, not a web address).
MRN_SYSTEM = "urn:medoffice:mrn"
MEMBER_ID_SYSTEM = "urn:medoffice:coverage-member-id"
USERNAME_SYSTEM = "urn:medoffice:username"
LOCATION_CODE_SYSTEM = "urn:medoffice:location-code"
DOCUMENT_CATEGORY_SYSTEM = "urn:medoffice:document-category"
# Where imported resources come from when they carry no identifier of their own.
IMPORT_SOURCE = "urn:medoffice:fhir-import"

SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
COPAY_TYPE = "http://terminology.hl7.org/CodeSystem/coverage-copay-type"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
OMB_RACE_ETHNICITY = "urn:oid:2.16.840.1.113883.6.238"
LANGUAGE = "urn:ietf:bcp:47"

US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
US_CORE_ETHNICITY = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"
US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
