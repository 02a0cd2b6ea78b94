"""Configuration screens show and offer only the user's own practice (a group shares one DB)."""

from django.urls import reverse

from medoffice.core.models import Location
from medoffice.core.roles import Role
from medoffice.scheduling.models import Room


def _their_location(other_practice) -> Location:
    return Location.objects.create(
        practice=other_practice, name="Elsewhere", address1="1 Far Rd", city="Peoria",
        state="IL", zip_code="61602", time_zone="America/Chicago",
    )  # fmt: skip


def test_an_office_manager_sees_and_offers_only_their_practice(
    make_user, client_for, location, other_practice
):
    mine = Room.objects.create(location=location, name="Exam 1")
    elsewhere = _their_location(other_practice)
    theirs = Room.objects.create(location=elsewhere, name="Exam 9")
    client = client_for(make_user(Role.OFFICE_MANAGER))

    listing = client.get(reverse("admin:scheduling_room_changelist")).content.decode()
    assert "Exam 1" in listing
    assert "Exam 9" not in listing
    assert client.get(reverse("admin:scheduling_room_change", args=[mine.pk])).status_code == 200
    hidden = client.get(reverse("admin:scheduling_room_change", args=[theirs.pk]))
    assert hidden.status_code == 302  # "does not exist", back to the index

    form = client.get(reverse("admin:scheduling_templateblock_add")).content.decode()
    assert location.name in form
    assert "Elsewhere" not in form

    refused = client.post(
        reverse("admin:scheduling_room_add"),
        {"location": elsewhere.pk, "name": "Sneaky", "kind": "exam", "is_active": "on"},
    )
    assert refused.status_code == 200  # the form again: not a valid choice
    assert not Room.objects.filter(name="Sneaky").exists()


def test_an_administrator_sees_only_their_practice_and_staff(make_user, client_for, other_practice):
    make_user(Role.FRONT_DESK, practice_=other_practice, username="their_clerk")
    client = client_for(make_user(Role.ADMINISTRATOR))
    staff = client.get(reverse("admin:core_staffprofile_changelist")).content.decode()
    assert "their_clerk" not in staff
    practices = client.get(reverse("admin:core_practice_changelist")).content.decode()
    assert "Elsewhere Clinic" not in practices


def test_fee_schedules_and_superbills_are_scoped_too(make_user, client_for, practice,
                                                     other_practice):  # fmt: skip
    from datetime import date

    from medoffice.billing.models import SuperbillTemplate
    from medoffice.coding.models import FeeSchedule

    FeeSchedule.objects.create(practice=practice, name="Ours", effective_from=date(2026, 1, 1))
    FeeSchedule.objects.create(
        practice=other_practice, name="Theirs", effective_from=date(2026, 1, 1)
    )
    SuperbillTemplate.objects.create(practice=other_practice, name="Their superbill")
    client = client_for(make_user(Role.OFFICE_MANAGER))
    fees = client.get(reverse("admin:coding_feeschedule_changelist")).content.decode()
    assert "Ours" in fees
    assert "Theirs" not in fees
    templates = client.get(reverse("admin:billing_superbilltemplate_changelist")).content.decode()
    assert "Their superbill" not in templates


def test_the_office_manager_keeps_favourite_codes_of_their_practice(
    make_user, client_for, practice, other_practice
):
    from medoffice.coding.models import FavoriteCode

    FavoriteCode.objects.create(practice=other_practice, system="icd10cm", code="J069")
    client = client_for(make_user(Role.OFFICE_MANAGER))
    added = client.post(
        reverse("admin:coding_favoritecode_add"),
        {"practice": practice.pk, "specialty": "Family medicine", "system": "icd10cm",
         "code": "e11.9"},
    )  # fmt: skip
    assert added.status_code == 302
    assert FavoriteCode.objects.get(practice=practice).code == "E119"
    listing = client.get(reverse("admin:coding_favoritecode_changelist")).content.decode()
    assert "E119" in listing
    assert "J069" not in listing
