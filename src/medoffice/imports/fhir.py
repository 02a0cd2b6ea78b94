"""Import a FHIR R4 Bundle (transaction or collection) from another system, e.g. Synthea.

One database transaction per Bundle. A transaction Bundle is all or nothing: one entry in
error and the whole Bundle is rejected with the reasons. A collection Bundle keeps what is
valid (each entry in its own savepoint) and reports the rest. Resource types we do not
take are skipped with the reason, in both.

Idempotent: every row made (or matched) is remembered in ImportedRecord under source +
resource type + source id; the same entry seen again is "unchanged". A Patient that
matches one we have (our MRN identifier, or the same name, sex and birth date) is linked;
a probable match only (similar name, swapped date...) is held for review: it and its
records wait until someone decides (`--link SOURCE_ID=MRN` or `--new SOURCE_ID`).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from medoffice.billing.models import Encounter
from medoffice.billing.states import EncounterStatus
from medoffice.clinical import services as chart
from medoffice.clinical.models import AllergySeverity, ProblemStatus
from medoffice.clinical.vitals import VITALS
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Location, Practice, Provider
from medoffice.core.us import UsState
from medoffice.formats.fhir.reading import (
    BundleReadError,
    ConditionalReference,
    Entry,
    ReadBundle,
    read_bundle,
)
from medoffice.imports.models import ImportedRecord, ImportKind, ImportRun, ImportStatus
from medoffice.patients.duplicates import duplicate_candidates
from medoffice.patients.models import Language, Patient, PatientStatus, Payer
from medoffice.patients.search import to_e164
from medoffice.patients.services import coverage_add, patient_register

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
ICD10CM_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
SNOMED_SYSTEM = "http://snomed.info/sct"
LOINC_SYSTEM = "http://loinc.org"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BP_PANEL = "85354-9"  # blood pressure panel: systolic and diastolic are its components
CATEGORY = "imports"

# Resources we take, in the order they are imported (what others point at comes first).
TAKEN = (
    "Patient", "Coverage", "Encounter", "Condition", "MedicationStatement",
    "MedicationRequest", "AllergyIntolerance", "Immunization", "Observation",
)  # fmt: skip
# Read for references (a payer's id, a practitioner's NPI), never made into rows of ours.
REFERENCED_ONLY = {
    "Organization": "payers and our own organisation are configured here, not imported",
    "Practitioner": "our providers are configured here; outside ones are kept by name",
    "PractitionerRole": "our providers are configured here",
    "Location": "our locations are configured here",
    "RelatedPerson": "read only as the subscriber of a coverage",
    "Medication": "medications are taken by their code on the request or statement",
}
SKIPPED = {
    "Claim": "another system's claims are not re-billed; our claims come from our visits",
    "ExplanationOfBenefit": "another system's remittances are not posted to our ledger",
    "ClaimResponse": "another system's remittances are not posted to our ledger",
    "Procedure": "the chart has no procedure history list",
    "CarePlan": "the chart has no care-plan list",
    "CareTeam": "the chart has no care-team list",
    "Goal": "the chart has no goals list",
    "DiagnosticReport": "results are taken as their Observations",
    "DocumentReference": "outside documents are filed through the records screens",
    "ImagingStudy": "images are not stored in the chart",
    "Device": "the chart has no device list",
    "SupplyDelivery": "supplies are not part of the chart",
    "MedicationAdministration": "the chart keeps a medication list, not administrations",
    "Provenance": "the import run records where records came from",
}
VITAL_KIND = {sign.loinc: kind for kind, sign in VITALS.items()}
STATES = {label.lower(): code for code, label in UsState.choices} | {
    code.lower(): code for code, _ in UsState.choices
}
SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
RELATIONSHIP = {"self": "18", "spouse": "01", "child": "19", "common": "53", "other": "G8"}
PLACE_OF_SERVICE = {"AMB": "11", "EMER": "23", "IMP": "21", "VR": "02", "HH": "12", "OBSENC": "22"}
FLAG = {"N": "N", "L": "L", "H": "H", "LL": "LL", "HH": "HH", "A": "A", "AA": "A"}
TIMING_UNITS = {"h": "hour", "d": "day", "wk": "week", "mo": "month"}


class EntryError(Exception):
    """This entry cannot be imported (a transaction Bundle is then rejected)."""


class Skipped(Exception):
    """This entry is not taken, for a reason that is not an error."""


class Held(Skipped):
    """This entry waits for a decision (a probable duplicate patient)."""


class _Rejected(Exception):
    pass


@dataclass
class Outcome:
    created: int = 0
    linked: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    lines: list[dict] = field(default_factory=list)

    def add(self, entry: Entry | None, outcome: str, detail: str) -> None:
        counter = {"held": "skipped"}.get(outcome, outcome)
        setattr(self, counter, getattr(self, counter) + 1)
        self.lines.append(
            {
                "entry": entry.index if entry else None,
                "type": entry.resource_type if entry else "",
                "id": entry.source_id if entry else "",
                "outcome": outcome,
                "detail": detail,
            }
        )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _coding(concept: dict | None, *systems: str) -> dict:
    for coding in (concept or {}).get("coding") or []:
        if not systems or coding.get("system") in systems:
            return coding
    return {}


def _text(concept: dict | None) -> str:
    concept = concept or {}
    return concept.get("text") or _coding(concept).get("display") or ""


def _day(value: str | None) -> date | None:
    """The civil date of a FHIR date or dateTime (a partial date such as 1990-05 gives None)."""
    if not value:
        return None
    if "T" in value:
        found = parse_datetime(value)
        return found.date() if found else None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _instant(value: str | None, zone) -> datetime | None:
    if not value:
        return None
    found = parse_datetime(value) if "T" in value else None
    if found is None:
        day = _day(value)
        if day is None:
            return None
        found = datetime(day.year, day.month, day.day, 12)  # noqa: DTZ001 - made aware below
    if timezone.is_naive(found):
        found = timezone.make_aware(found, zone)
    return found


class _Importer:
    def __init__(self, *, practice: Practice, bundle: ReadBundle, source: str, run: ImportRun,
                 outcome: Outcome, decisions: dict[str, str], provider: Provider | None,
                 location: Location | None):  # fmt: skip
        self.practice = practice
        self.bundle = bundle
        self.source = source
        self.run = run
        self.outcome = outcome
        self.decisions = decisions
        self.provider = provider
        self.location = location
        self.zone = practice.zone
        self.mrn_system = f"urn:uuid:{practice.public_id}"
        self.known: dict[tuple[str, str], ImportedRecord] = {}
        self.objects: dict[tuple[str, str], object] = {}

    # -------------------------------------------------------------- bookkeeping

    def load_known(self) -> None:
        ids = {(e.resource_type, e.source_id) for e in self.bundle.entries if e.source_id}
        wanted = {source_id for _, source_id in ids}
        for record in ImportedRecord.objects.filter(
            practice=self.practice, source=self.source, source_id__in=wanted
        ):
            self.known[(record.resource_type, record.source_id)] = record

    def remember(self, entry: Entry, obj, *, linked: bool = False) -> None:
        record = ImportedRecord.objects.create(
            practice=self.practice, source=self.source, resource_type=entry.resource_type,
            source_id=entry.source_id, object_type=obj._meta.label_lower, object_id=obj.pk,
            linked=linked, run=self.run,
        )  # fmt: skip
        self.known[(entry.resource_type, entry.source_id)] = record
        self.objects[(entry.resource_type, entry.source_id)] = obj

    def our(self, resource_type: str, model, reference: str | None, *, what: str):
        """Our row for a reference to another entry of the Bundle (imported now or before)."""
        target = self.bundle.resolve(reference)
        if not isinstance(target, Entry) or target.resource_type != resource_type:
            raise EntryError(f"{what}: {reference or 'missing'} is not a {resource_type} entry")
        key = (resource_type, target.source_id)
        if key in self.objects:
            return self.objects[key]
        record = self.known.get(key)
        if record is None:
            raise Skipped(f"its {resource_type.lower()} (entry {target.index}) was not imported")
        obj = model.objects.filter(pk=record.object_id).first()
        if obj is None:
            raise EntryError(f"{what}: the {resource_type} imported before is gone")
        self.objects[key] = obj
        return obj

    def patient_of(self, entry: Entry, *names: str) -> Patient:
        for name in names:
            reference = (entry.resource.get(name) or {}).get("reference")
            if reference:
                return self.our("Patient", Patient, reference, what=f"{entry.path}.{name}")
        raise EntryError(f"{entry.path}.{names[0]}: missing")

    def encounter_of(self, entry: Entry) -> Encounter | None:
        reference = (entry.resource.get("encounter") or {}).get("reference")
        if not reference:
            return None
        try:
            return self.our("Encounter", Encounter, reference, what=f"{entry.path}.encounter")
        except (Skipped, EntryError):
            return None  # the visit is context only: the record stands without it

    # -------------------------------------------------------------- the run

    def run_all(self) -> None:
        self.load_known()
        order = {name: i for i, name in enumerate(TAKEN)}
        taken = sorted(
            (e for e in self.bundle.entries if e.resource_type in order),
            key=lambda e: (order[e.resource_type], e.index),
        )
        for entry in self.bundle.entries:
            if entry.resource_type in order:
                continue
            if entry.errors:
                self.outcome.add(entry, "failed", "; ".join(entry.errors))
            elif entry.resource_type in REFERENCED_ONLY:
                self.outcome.add(entry, "skipped", REFERENCED_ONLY[entry.resource_type])
            else:
                reason = SKIPPED.get(entry.resource_type, "this resource type is not imported")
                self.outcome.add(entry, "skipped", reason)
        for entry in taken:
            self.one(entry)

    def one(self, entry: Entry) -> None:
        if entry.errors:
            self.outcome.add(entry, "failed", "; ".join(entry.errors))
            return
        if not entry.source_id:
            self.outcome.add(entry, "failed", f"{entry.path}: no id or fullUrl, so a second "
                                              "import could not recognise it")  # fmt: skip
            return
        record = self.known.get((entry.resource_type, entry.source_id))
        if record is not None:
            self.outcome.add(entry, "unchanged", f"imported before as {record.object_type}")
            return
        handler = getattr(self, f"take_{entry.resource_type.lower()}")
        try:
            with transaction.atomic():
                outcome, detail = handler(entry)
        except Held as exc:
            self.outcome.add(entry, "held", str(exc))
        except Skipped as exc:
            self.outcome.add(entry, "skipped", str(exc))
        except EntryError as exc:
            self.outcome.add(entry, "failed", str(exc))
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            text = "; ".join(
                f"{entry.path}: {name + ': ' if name else ''}{' '.join(msgs)}"
                for name, msgs in messages.items()
            )
            self.outcome.add(entry, "failed", text)
        else:
            self.outcome.add(entry, outcome, detail)

    # -------------------------------------------------------------- Patient

    def patient_fields(self, entry: Entry) -> tuple[dict, list[str], str]:
        r = entry.resource
        notes: list[str] = []
        names = r.get("name") or []
        name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        given = name.get("given") or []
        if not given or not name.get("family"):
            raise EntryError(f"{entry.path}.name: a family and a given name are needed")
        if not r.get("birthDate"):
            raise EntryError(f"{entry.path}.birthDate: missing")
        addresses = r.get("address") or []
        address = next((a for a in addresses if a.get("use") == "home"),
                       addresses[0] if addresses else {})  # fmt: skip
        lines = address.get("line") or []
        state = STATES.get((address.get("state") or "").strip().lower(), "")
        fields = {
            "first_name": given[0][:60], "middle_name": " ".join(given[1:])[:60],
            "last_name": name["family"][:60], "suffix": ((name.get("suffix") or [""])[0])[:10],
            "dob": r["birthDate"], "sex_at_birth": SEX.get(r.get("gender") or "unknown", "U"),
            "address1": (lines[0] if lines else "")[:100],
            "address2": " ".join(lines[1:])[:100], "city": (address.get("city") or "")[:60],
            "state": state, "zip_code": (address.get("postalCode") or "")[:10],
        }  # fmt: skip
        if address.get("state") and not state:
            notes.append(f"state {address['state']!r} is not a US state")
        for telecom in r.get("telecom") or []:
            value = telecom.get("value") or ""
            if telecom.get("system") == "email":
                fields.setdefault("email", value)
            elif telecom.get("system") == "phone":
                column = {"mobile": "mobile_phone", "work": "work_phone"}.get(
                    telecom.get("use"), "home_phone"
                )
                if to_e164(value):
                    fields.setdefault(column, value)
                else:
                    notes.append(f"phone number {telecom.get('use') or ''} dropped: not valid")
        mrn = ""
        for identifier in r.get("identifier") or []:
            if identifier.get("system") == self.mrn_system:
                mrn = identifier.get("value") or ""
        for communication in r.get("communication") or []:
            code = (_coding(communication.get("language")).get("code") or "")[:2].lower()
            if code in Language.values:
                fields["preferred_language"] = code
                break
        if r.get("deceasedDateTime") or r.get("deceasedBoolean"):
            fields["status"] = PatientStatus.DECEASED
        return fields, notes, mrn

    def take_patient(self, entry: Entry):
        fields, notes, mrn = self.patient_fields(entry)
        note = f" ({'; '.join(notes)})" if notes else ""
        decision = self.decisions.get(entry.source_id)
        patients = Patient.objects.filter(practice=self.practice)
        if decision and decision != "new":
            found = patients.filter(mrn=decision.upper()).first()
            if found is None:
                raise EntryError(f"{entry.path}: no patient with MRN {decision} to link to")
            self.remember(entry, found, linked=True)
            return "linked", f"linked to MRN {found.mrn} as decided"
        if mrn:
            found = patients.filter(mrn=mrn).first()
            if found is not None:
                self.remember(entry, found, linked=True)
                return "linked", f"linked to MRN {found.mrn} by our MRN identifier"
        if decision != "new":
            day = _day(fields["dob"])
            if day is None:
                raise EntryError(f"{entry.path}.birthDate: not a date")
            phones = [to_e164(fields[c]) for c in ("mobile_phone", "home_phone") if c in fields]
            candidates = duplicate_candidates(
                practice_id=self.practice.id, first_name=fields["first_name"],
                last_name=fields["last_name"], dob=day, phones=phones,
            )  # fmt: skip
            if candidates:
                best = candidates[0]
                same = best.patient
                certain = (
                    "same name" in best.reasons
                    and "same date of birth" in best.reasons
                    and same.sex_at_birth == fields["sex_at_birth"]
                )
                if certain:
                    self.remember(entry, same, linked=True)
                    return "linked", f"linked to MRN {same.mrn}: same name, sex and birth date"
                listed = ", ".join(f"MRN {c.patient.mrn} ({', '.join(c.reasons)})"
                                   for c in candidates[:3])  # fmt: skip
                raise Held(f"held for review: probably {listed}; decide with --link "
                           f"{entry.source_id}=MRN or --new {entry.source_id}")  # fmt: skip
        patient = patient_register(
            practice=self.practice, fields=fields, confirm_not_duplicate=True,
            imported_from=self.source,
        )  # fmt: skip
        self.remember(entry, patient)
        return "created", f"registered as MRN {patient.mrn}{note}"

    # -------------------------------------------------------------- Coverage

    def payer_for(self, entry: Entry) -> Payer:
        payors = entry.resource.get("payor") or []
        reference = payors[0] if payors else {}
        target = self.bundle.resolve(reference.get("reference"))
        names, ids = [], []
        if isinstance(target, Entry):
            org = target.resource
            names.append(org.get("name") or "")
            ids += [i.get("value") or "" for i in org.get("identifier") or []]
        elif isinstance(target, ConditionalReference):
            ids.append(target.value)
        names.append(reference.get("display") or "")
        identifier = reference.get("identifier") or {}
        ids.append(identifier.get("value") or "")
        for payer_id in filter(None, ids):
            found = Payer.objects.filter(payer_id=payer_id.upper(), is_active=True).first()
            if found:
                return found
        for name in filter(None, names):
            found = Payer.objects.filter(name__iexact=name.strip(), is_active=True).first()
            if found:
                return found
        shown = next(filter(None, names), None) or next(filter(None, ids), "unnamed")
        raise EntryError(f"{entry.path}.payor: payer {shown!r} is not configured here "
                         "(add it under Configuration, then import again)")  # fmt: skip

    def take_coverage(self, entry: Entry):
        r = entry.resource
        if r.get("status") not in ("active", "cancelled", "entered-in-error"):
            raise Skipped(f"coverage status {r.get('status')!r} is not taken")
        patient = self.patient_of(entry, "beneficiary")
        payer = self.payer_for(entry)
        member_id = r.get("subscriberId") or ""
        if not member_id:
            for identifier in r.get("identifier") or []:
                if _coding(identifier.get("type")).get("code") in ("MB", "SN"):
                    member_id = identifier.get("value") or ""
        if not member_id:
            raise EntryError(f"{entry.path}.subscriberId: the member id is needed")
        period = r.get("period") or {}
        start = _day(period.get("start"))
        if start is None:
            raise EntryError(f"{entry.path}.period.start: the start of coverage is needed")
        plan = group = ""
        for cls in r.get("class") or []:
            kind = _coding(cls.get("type")).get("code")
            if kind == "plan":
                plan = cls.get("name") or cls.get("value") or ""
            elif kind == "group":
                group = cls.get("value") or ""
        relationship = RELATIONSHIP.get(_coding(r.get("relationship")).get("code") or "self", "G8")
        fields = {
            "payer": payer, "member_id": member_id, "plan_name": plan[:100],
            "group_number": group[:30], "order": int(r.get("order") or 1),
            "relationship": relationship, "effective_start": start,
            "effective_end": _day(period.get("end")), "status": r["status"],
        }  # fmt: skip
        if relationship != "18":
            subscriber = self.bundle.resolve((r.get("subscriber") or {}).get("reference"))
            if isinstance(subscriber, Entry):
                names = subscriber.resource.get("name") or [{}]
                fields["subscriber_first_name"] = ((names[0].get("given") or [""])[0])[:60]
                fields["subscriber_last_name"] = (names[0].get("family") or "")[:60]
                fields["subscriber_dob"] = _day(subscriber.resource.get("birthDate"))
        coverage = coverage_add(patient=patient, fields=fields)
        self.remember(entry, coverage)
        return "created", f"{coverage.get_order_display().lower()} coverage with {payer.payer_id}"

    # -------------------------------------------------------------- Encounter

    def provider_for(self, entry: Entry) -> tuple[Provider, str]:
        performer = ""
        for participant in entry.resource.get("participant") or []:
            individual = participant.get("individual") or {}
            target = self.bundle.resolve(individual.get("reference"))
            npi = ""
            if isinstance(target, ConditionalReference) and target.system == NPI_SYSTEM:
                npi = target.value
            elif isinstance(target, Entry):
                for identifier in target.resource.get("identifier") or []:
                    if identifier.get("system") == NPI_SYSTEM:
                        npi = identifier.get("value") or ""
            performer = performer or individual.get("display") or npi
            found = (
                Provider.objects.filter(practice=self.practice, npi=npi).first() if npi else None
            )
            if found:
                return found, ""
        if self.provider is None:
            raise EntryError(f"{entry.path}.participant: not one of our providers, and the "
                             "practice has no provider to file outside visits under")  # fmt: skip
        return self.provider, performer

    def take_encounter(self, entry: Entry):
        r = entry.resource
        if r.get("status") in ("cancelled", "entered-in-error", "planned"):
            raise Skipped(f"encounter status {r.get('status')} is not a visit that happened")
        patient = self.patient_of(entry, "subject")
        period = r.get("period") or {}
        started = _instant(period.get("start"), self.zone)
        if started is None:
            raise EntryError(f"{entry.path}.period.start: the visit's date is needed")
        if self.location is None:
            raise EntryError(f"{entry.path}: the practice has no location to file visits under")
        provider, performer = self.provider_for(entry)
        klass = (r.get("class") or {}).get("code") or "AMB"
        ended = _instant(period.get("end"), self.zone) or started
        # A past visit from another system: signed history without coverage, so billing
        # never builds a claim for it (claims come from signed visits with insurance).
        encounter = Encounter(
            practice=self.practice, patient=patient, provider=provider, location=self.location,
            date_of_service=timezone.localtime(started, self.zone).date(),
            place_of_service=PLACE_OF_SERVICE.get(klass, "11"), status=EncounterStatus.SIGNED,
            signed_at=ended,
        )  # fmt: skip
        encounter.full_clean()
        encounter.save()
        audit_record(
            action=AuditAction.CREATE,
            obj=encounter,
            patient=patient,
            category="encounters",
            detail=f"imported from {self.source}"[:200],
        )
        self.remember(entry, encounter)
        kind = _text((r.get("type") or [{}])[0]) or klass
        by = f"; seen by {performer}, filed under {provider}" if performer else ""
        return "created", f"visit on {encounter.date_of_service} ({kind}){by}"

    # -------------------------------------------------------------- chart lists

    def take_condition(self, entry: Entry):
        r = entry.resource
        if _coding(r.get("verificationStatus")).get("code") in ("refuted", "entered-in-error"):
            raise Skipped("refuted or entered in error")
        patient = self.patient_of(entry, "subject")
        concept = r.get("code") or {}
        icd = _coding(concept, *ICD10CM_SYSTEMS)
        original = next((c for c in concept.get("coding") or [] if c not in (icd,)), None)
        original = original or icd
        if not original.get("code"):
            raise EntryError(f"{entry.path}.code: a coded problem is needed")
        description = concept.get("text") or original.get("display") or icd.get("display") or ""
        if not description:
            raise EntryError(f"{entry.path}.code: no text or display to show")
        clinical = _coding(r.get("clinicalStatus")).get("code") or "active"
        resolved = _day(r.get("abatementDateTime"))
        status = {
            "resolved": ProblemStatus.RESOLVED,
            "inactive": ProblemStatus.INACTIVE,
            "remission": ProblemStatus.INACTIVE,
        }.get(clinical, ProblemStatus.ACTIVE)
        if resolved and status == ProblemStatus.ACTIVE:
            status = ProblemStatus.RESOLVED
        problem = chart.problem_import(
            patient=patient, description=description, source_system=original.get("system") or "",
            source_code=original.get("code") or "", code=icd.get("code") or "",
            onset=_day(r.get("onsetDateTime")), status=status,
            resolved_on=resolved if status == ProblemStatus.RESOLVED else None,
            detail=f"imported from {self.source}",
        )  # fmt: skip
        self.remember(entry, problem)
        coded = f"ICD-10-CM {problem.code}" if problem.code else f"{original.get('code')}"
        return "created", f"problem {coded}, {status}"

    def medication(self, entry: Entry, *, start: date | None, stop: date | None, note: str):
        r = entry.resource
        concept = r.get("medicationCodeableConcept")
        if concept is None:
            target = self.bundle.resolve((r.get("medicationReference") or {}).get("reference"))
            concept = target.resource.get("code") if isinstance(target, Entry) else None
        name = _text(concept)
        if not name:
            raise EntryError(f"{entry.path}.medication[x]: the drug is not named")
        if start is None:
            raise EntryError(f"{entry.path}: no start date")
        patient = self.patient_of(entry, "subject")
        dosages = r.get("dosageInstruction") or r.get("dosage") or []
        dose, frequency = "not stated", "not stated"
        if dosages:
            dosage = dosages[0]
            quantity = ((dosage.get("doseAndRate") or [{}])[0]).get("doseQuantity") or {}
            if quantity.get("value") is not None:
                dose = f"{quantity['value']} {quantity.get('unit') or ''}".strip()
            else:
                dose = (dosage.get("text") or "as directed")[:40]
            repeat = (dosage.get("timing") or {}).get("repeat") or {}
            if repeat.get("frequency"):
                unit = TIMING_UNITS.get(repeat.get("periodUnit"), repeat.get("periodUnit") or "")
                period = repeat.get("period") or 1
                each = unit if period == 1 else f"{period} {unit}s"
                frequency = f"{repeat['frequency']} per {each}"
            elif dosage.get("asNeededBoolean"):
                frequency = "as needed"
        rxnorm = _coding(concept, RXNORM_SYSTEM).get("code") or ""
        requester = (r.get("requester") or r.get("informationSource") or {}).get("display") or ""
        made = chart.medication_add(
            patient=patient, name=name[:120], dose=dose[:40], frequency=frequency[:40],
            start_date=start, stop_date=stop, rxnorm=rxnorm, prescriber_name=requester[:120],
        )  # fmt: skip
        self.remember(entry, made)
        return "created", f"medication RxNorm {rxnorm or '-'}{note}"

    def take_medicationrequest(self, entry: Entry):
        r = entry.resource
        status = r.get("status")
        if status in ("cancelled", "entered-in-error", "draft") or r.get("intent") == "proposal":
            raise Skipped(f"a {status} request was never taken")
        start = _day(r.get("authoredOn"))
        stop, note = None, ""
        if status in ("stopped", "completed"):
            validity = (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
            stop = _day(validity.get("end"))
            if stop is None:
                stop, note = start, "; stop date not given: recorded as stopped on its start date"
        return self.medication(entry, start=start, stop=stop, note=note)

    def take_medicationstatement(self, entry: Entry):
        r = entry.resource
        if r.get("status") in ("entered-in-error", "not-taken", "intended"):
            raise Skipped(f"status {r.get('status')}: not a medication taken")
        period = r.get("effectivePeriod") or {}
        start = _day(period.get("start") or r.get("effectiveDateTime") or r.get("dateAsserted"))
        stop, note = _day(period.get("end")), ""
        if r.get("status") in ("stopped", "completed") and stop is None:
            stop, note = start, "; stop date not given: recorded as stopped on its start date"
        return self.medication(entry, start=start, stop=stop, note=note)

    def take_allergyintolerance(self, entry: Entry):
        r = entry.resource
        if _coding(r.get("verificationStatus")).get("code") in ("refuted", "entered-in-error"):
            raise Skipped("refuted or entered in error")
        patient = self.patient_of(entry, "patient")
        substance = _text(r.get("code"))
        if not substance:
            raise EntryError(f"{entry.path}.code: the substance is not named")
        reactions = r.get("reaction") or []
        reaction = _text((reactions[0].get("manifestation") or [{}])[0]) if reactions else ""
        severity = (reactions[0].get("severity") if reactions else None) or ""
        note = ""
        if severity not in AllergySeverity.values:
            severity = {"high": "severe", "low": "mild"}.get(r.get("criticality") or "", "")
            if not severity:
                severity, note = "moderate", "; severity not stated: recorded as moderate"
            else:
                note = f"; severity taken from criticality {r.get('criticality')}"
        allergy = chart.allergy_add(
            patient=patient, substance=substance[:120], reaction=reaction[:120],
            severity=severity,
            verified=_coding(r.get("verificationStatus")).get("code") == "confirmed",
        )  # fmt: skip
        self.remember(entry, allergy)
        return "created", f"allergy, {severity}{note}"

    def take_immunization(self, entry: Entry):
        r = entry.resource
        if r.get("status") != "completed":
            raise Skipped(f"status {r.get('status')}: not a vaccine given")
        patient = self.patient_of(entry, "patient")
        cvx = _coding(r.get("vaccineCode"), CVX_SYSTEM)
        if not cvx.get("code"):
            raise EntryError(f"{entry.path}.vaccineCode: a CVX code is needed")
        given = _day(r.get("occurrenceDateTime"))
        if given is None:
            raise EntryError(f"{entry.path}.occurrenceDateTime: the date given is needed")
        made = chart.immunization_add(
            patient=patient, cvx=cvx["code"], vaccine=(_text(r.get("vaccineCode")))[:120],
            lot=(r.get("lotNumber") or "")[:30], given_on=given,
            site=_text(r.get("site"))[:30],
        )  # fmt: skip
        self.remember(entry, made)
        return "created", f"immunization CVX {cvx['code']}"

    def take_observation(self, entry: Entry):
        r = entry.resource
        if r.get("status") in ("entered-in-error", "cancelled", "registered"):
            raise Skipped(f"status {r.get('status')}: no result to keep")
        categories = {_coding(c).get("code") for c in r.get("category") or []}
        loinc = _coding(r.get("code"), LOINC_SYSTEM)
        if "vital-signs" in categories:
            return self.vitals(entry, loinc)
        if "laboratory" in categories:
            return self.lab(entry, loinc)
        shown = ", ".join(sorted(filter(None, categories))) or "none"
        raise Skipped(f"observation category {shown} is not kept (vital signs and lab results are)")

    def vitals(self, entry: Entry, loinc: dict):
        r = entry.resource
        patient = self.patient_of(entry, "subject")
        taken_at = _instant(r.get("effectiveDateTime") or r.get("issued"), self.zone)
        if taken_at is None:
            raise EntryError(f"{entry.path}.effective[x]: when it was measured is needed")
        parts = [(loinc.get("code"), r.get("valueQuantity"), "")]
        if loinc.get("code") == BP_PANEL:
            parts = [
                (_coding(c.get("code"), LOINC_SYSTEM).get("code"), c.get("valueQuantity"),
                 f".component[{i}]")
                for i, c in enumerate(r.get("component") or [])
            ]  # fmt: skip
        if not any(code in VITAL_KIND for code, _, _ in parts):
            raise Skipped(f"vital sign LOINC {loinc.get('code')} is not one the chart records")
        encounter = self.encounter_of(entry)
        made = []
        for code, quantity, where in parts:
            if code not in VITAL_KIND:
                continue
            sign = VITALS[VITAL_KIND[code]]
            quantity = quantity or {}
            if quantity.get("code", sign.unit) != sign.unit:
                raise EntryError(f"{entry.path}{where}.valueQuantity.code: {quantity.get('code')}"
                                 f" is not {sign.unit}")  # fmt: skip
            try:
                value = Decimal(str(quantity["value"])).quantize(Decimal("0.01"))
            except (KeyError, InvalidOperation):
                raise EntryError(f"{entry.path}{where}.valueQuantity.value: missing") from None
            try:
                vital = chart.vital_record(patient=patient, kind=VITAL_KIND[code], value=value,
                                           taken_at=taken_at, encounter=encounter)  # fmt: skip
            except ValidationError as exc:
                raise EntryError(f"{entry.path}{where}.valueQuantity: "
                                 f"{' '.join(exc.messages)}") from None  # fmt: skip
            made.append(vital)
        self.remember(entry, made[0])
        return "created", "vital signs " + ", ".join(v.loinc for v in made)

    def lab(self, entry: Entry, loinc: dict):
        r = entry.resource
        patient = self.patient_of(entry, "subject")
        resulted = _instant(r.get("effectiveDateTime") or r.get("issued"), self.zone)
        if resulted is None:
            raise EntryError(f"{entry.path}.effective[x]: when it was resulted is needed")
        quantity = r.get("valueQuantity")
        unit = ""
        if quantity and quantity.get("value") is not None:
            value, unit = str(quantity["value"]), quantity.get("unit") or quantity.get("code") or ""
        elif r.get("valueCodeableConcept"):
            value = _text(r["valueCodeableConcept"])
        elif r.get("valueString") is not None:
            value = str(r["valueString"])
        else:
            raise Skipped("a result without a value (a panel: its members are taken)")
        ranges = r.get("referenceRange") or []
        reference_range = ""
        if ranges:
            low = (ranges[0].get("low") or {}).get("value")
            high = (ranges[0].get("high") or {}).get("value")
            reference_range = ranges[0].get("text") or (
                f"{low if low is not None else ''}-{high if high is not None else ''}"
                if low is not None or high is not None else ""
            )  # fmt: skip
        flag = "N"
        for interpretation in r.get("interpretation") or []:
            flag = FLAG.get(_coding(interpretation).get("code") or "", flag)
        name = _text(r.get("code")) or loinc.get("code") or ""
        result = chart.result_add(
            patient=patient, loinc=(loinc.get("code") or "")[:10], name=name[:120],
            value=value[:60], unit=unit[:20], reference_range=reference_range[:40], flag=flag,
            resulted_at=resulted,
        )  # fmt: skip
        self.remember(entry, result)
        return "created", f"lab result LOINC {loinc.get('code') or '-'}"


def _default_provider(practice: Practice, npi: str | None) -> Provider | None:
    providers = Provider.objects.filter(practice=practice).order_by("id")
    if npi:
        found = providers.filter(npi=npi).first()
        if found is None:
            raise ValueError(f"no provider with NPI {npi} in this practice")
        return found
    return providers.first()


def fhir_import(
    data: bytes, *, practice: Practice, name: str, source: str = "", by=None,
    origin: str = "command", decisions: dict[str, str] | None = None,
    provider_npi: str | None = None,
) -> ImportRun:  # fmt: skip
    """Import one Bundle file; the returned run says what happened (it is always saved)."""
    started = timezone.now()
    digest = sha256_of(data)
    run = ImportRun(
        practice=practice, kind=ImportKind.FHIR, name=name[:200], sha256=digest,
        source=source or "fhir", by=by, origin=origin, started_at=started,
    )  # fmt: skip
    try:
        bundle = read_bundle(data)
    except BundleReadError as exc:
        return _rejected(run, str(exc), Outcome())
    run.source = (source or bundle.source or "fhir")[:100]
    outcome = Outcome()
    try:
        with transaction.atomic():
            run.status = ImportStatus.IMPORTED
            run.finished_at = timezone.now()
            run.save()
            importer = _Importer(
                practice=practice, bundle=bundle, source=run.source, run=run, outcome=outcome,
                decisions=decisions or {}, provider=_default_provider(practice, provider_npi),
                location=Location.objects.filter(practice=practice).order_by("id").first(),
            )  # fmt: skip
            importer.run_all()
            if bundle.type == "transaction" and outcome.failed:
                raise _Rejected
            if any(line["outcome"] == "held" for line in outcome.lines):
                run.content = data  # kept for the review screen's decision (import again)
            _finish(run, outcome)
            audit_record(action=AuditAction.CREATE, obj=run, category=CATEGORY,
                         detail=_summary(run))  # fmt: skip
    except _Rejected:
        first = next(line["detail"] for line in outcome.lines if line["outcome"] == "failed")
        reason = f"transaction Bundle with {outcome.failed} invalid entries: {first}"
        return _rejected(_fresh(run), reason, outcome)
    return run


def _fresh(run: ImportRun) -> ImportRun:
    """The run as it was before the rolled-back transaction saved it."""
    fresh = ImportRun(
        practice=run.practice, kind=run.kind, name=run.name, sha256=run.sha256,
        source=run.source, by=run.by, origin=run.origin, started_at=run.started_at,
    )  # fmt: skip
    return fresh


def _finish(run: ImportRun, outcome: Outcome) -> None:
    run.created, run.linked, run.unchanged = outcome.created, outcome.linked, outcome.unchanged
    run.skipped, run.failed = outcome.skipped, outcome.failed
    run.report = outcome.lines
    run.finished_at = timezone.now()
    run.save()


@transaction.atomic
def _rejected(run: ImportRun, reason: str, outcome: Outcome) -> ImportRun:
    run.status = ImportStatus.REJECTED
    run.reason = reason[:500]
    # Nothing was kept: the failures say why; the rest were rolled back with them.
    outcome.created = outcome.linked = outcome.unchanged = 0
    for line in outcome.lines:
        if line["outcome"] in ("created", "linked", "unchanged"):
            line["outcome"], line["detail"] = "rolled back", f"would have been: {line['detail']}"
    _finish(run, outcome)
    # The reason may quote a value from the file (a phone number): it stays on the run.
    audit_record(action=AuditAction.CREATE, obj=run, category=CATEGORY,
                 detail=f"{run.kind} import rejected: {run.failed} invalid entries")  # fmt: skip
    return run


def _summary(run: ImportRun) -> str:
    return (
        f"{run.kind} import {run.status}: {run.created} created, {run.linked} linked, "
        f"{run.unchanged} unchanged, {run.skipped} skipped, {run.failed} failed"
    )


def run_summary(run: ImportRun) -> str:
    return f"{run.name}: {_summary(run)}" + (f": {run.reason}" if run.reason else "")


def fhir_decide(*, run: ImportRun, source_id: str, decision: str, by=None) -> ImportRun:
    """Import a run's Bundle again with one held patient decided: an MRN of ours, or "new"."""
    data = bytes(run.content)
    if not data or run.kind != ImportKind.FHIR:
        raise ValueError("this import has no patient waiting for review")
    if sha256_of(data) != run.sha256:
        raise ValueError("the kept file does not match its digest: import the file again")
    held = {line["id"] for line in run.report if line["outcome"] == "held"}
    if source_id not in held:
        raise ValueError("that patient is not held for review in this import")
    return fhir_import(
        data, practice=run.practice, name=run.name, source=run.source, by=by, origin="upload",
        decisions={source_id: decision.strip().upper() if decision != "new" else "new"},
    )  # fmt: skip
