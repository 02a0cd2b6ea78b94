"""A fax gateway for tests: records what it was asked to send (a stand-in fax service)."""

from medoffice.records.fax import FaxResult


class RecordingGateway:
    sent: list[tuple[str, int]] = []

    def send(self, *, to_number: str, pdf: bytes, pages: int, cover_note: str = "") -> FaxResult:
        assert pdf.startswith(b"%PDF-")
        RecordingGateway.sent.append((to_number, pages))
        return FaxResult(status="sent", reference=f"gw-{len(RecordingGateway.sent)}")
