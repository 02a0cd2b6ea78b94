"""A payer stand-in for one bad-input test: it answers every 270 with bytes that are not a
readable 271 (an interchange cut short), as a misbehaving real-time service might."""

from medoffice.eligibility.gateways import Gateway


class GarbledPayer(Gateway):
    name = "garbled payer"

    def send(self, *, request: bytes, name: str) -> bytes | None:
        return request[: len(request) // 2]
