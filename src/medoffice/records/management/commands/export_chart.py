"""medoffice chart export MRN --format fhir: the patient's record as a FHIR R4 Bundle on stdout.

The export is audited (action export, actor "medoffice chart export"); the bundle is
validated against fhir.resources' R4B models before a byte is written.
"""

from django.core.management.base import BaseCommand, CommandError

from medoffice.core.audit import audit_record
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import AuditAction, Practice
from medoffice.patients.models import Patient
from medoffice.records.errors import DocumentIntegrityError
from medoffice.records.fhir_export import patient_bundle


class Command(BaseCommand):
    help = "Write a patient's record as a FHIR R4 Bundle (JSON) to standard output."

    def add_arguments(self, parser):
        parser.add_argument("mrn")
        parser.add_argument("--format", dest="fmt", default="fhir", choices=["fhir"])
        parser.add_argument("--practice", help="practice name (default: the only practice)")
        parser.add_argument(
            "--with-files", action="store_true", help="embed the documents' files (base64)"
        )

    def handle(self, *args, mrn, fmt="fhir", practice=None, with_files=False, **options):
        practices = Practice.objects.all()
        if practice:
            practices = practices.filter(name=practice)
        if practices.count() != 1:
            raise CommandError(
                "name the practice with --practice" if practices.exists() else "no such practice"
            )
        patient = Patient.objects.filter(practice=practices.get(), mrn=mrn.strip().upper()).first()
        if patient is None:
            raise CommandError(f"no patient with MRN {mrn}")
        token = set_actor(Actor(user_id=None, username="medoffice chart export", role=""))
        try:
            data = patient_bundle(patient, with_files=with_files)
            audit_record(
                action=AuditAction.EXPORT,
                obj=patient,
                patient=patient,
                category="transfers",
                detail="FHIR bundle to standard output" + (" with files" if with_files else ""),
            )
        except (ValueError, DocumentIntegrityError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            reset_actor(token)
        self.stdout.write(data.decode(), ending="\n")
