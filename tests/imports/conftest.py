import json
import random

import pytest

from medoffice.imports.synthetic import patient_bundle


@pytest.fixture
def synthea(payer, provider, location):
    """Make Synthea-style Bundles as bytes, with the payer the practice has configured."""

    def make(seed: int = 1, **options) -> tuple[bytes, dict]:
        bundle = patient_bundle(random.Random(seed), payer=payer.name, **options)
        return json.dumps(bundle).encode(), bundle

    return make
