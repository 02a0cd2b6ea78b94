"""The scheduling office fixtures and a feed directory of each test's own."""

import pytest

from medoffice.interop.models import OutboundMessage
from tests.scheduling.conftest import (  # noqa: F401 - fixtures shared with scheduling's tests
    arrive,
    book,
    ecg,
    ecg_type,
    medical_assistant,
    move,
    office,
    patients,
    rooms,
    second_provider,
    visit_type,
    weekday_mornings,
)


@pytest.fixture(autouse=True)
def _worker_in_line(immediate_tasks):
    """The worker's deliveries run as soon as they are queued, in every feed test."""


@pytest.fixture
def feed_dir(settings, tmp_path):
    """The feed writes files here (the default transport, in a directory of this test's own)."""
    directory = tmp_path / "hl7" / "out"
    settings.MEDOFFICE_HL7_FEED = {"transport": "file", "directory": directory}
    return directory


def messages() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.order_by("id"))
