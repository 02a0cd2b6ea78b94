from tests.inventory.conftest import *  # noqa: F403 - the closet, the register, encounters
