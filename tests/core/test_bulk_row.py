"""insert_row writes the row objects.create() writes (defaults, stamps, time zones)."""

import pytest

from medoffice.core.bulk import insert_row
from medoffice.core.models import Location
from medoffice.interop.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _stored(model, pk, *, apart=("id", "public_id", "name", "control_id", "created_at")):
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in apart}


def test_a_row_inserted_once_prepared_equals_one_created(practice):
    created = Location.objects.create(practice=practice, name="Main")
    inserted = insert_row(Location(practice=practice, name="Annex"))
    assert inserted.pk
    assert inserted.pk != created.pk
    assert not inserted._state.adding
    assert _stored(Location, inserted.pk) == _stored(Location, created.pk)
    assert Location.objects.get(pk=inserted.pk).public_id == inserted.public_id


def test_an_aware_time_is_stored_as_the_same_instant(db):
    from django.utils import timezone

    now = timezone.now()
    message = insert_row(OutboundMessage(trigger="S12", text="MSH|", created_at=now))
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert (stored.created_at, stored.status, stored.control_id) == (
        now,
        OutboundMessage._meta.get_field("status").default,
        message.control_id,
    )
