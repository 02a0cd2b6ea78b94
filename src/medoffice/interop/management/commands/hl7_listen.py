import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from medoffice.interop.inbound import listener_practice
from medoffice.interop.listener import MllpListener


class Command(BaseCommand):
    help = "Receive HL7 v2 ADT and ORU messages over MLLP until stopped (SIGTERM or Ctrl+C)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--practice", default=None, help="the practice's UUID")

    def handle(self, *args, host=None, port=None, practice=None, **options):
        host = host or settings.MEDOFFICE_HL7_LISTEN_HOST
        port = settings.MEDOFFICE_HL7_LISTEN_PORT if port is None else port
        if host != settings.MEDOFFICE_HL7_LISTEN_HOST:
            from medoffice.settings import _is_loopback

            if not _is_loopback(host):
                raise CommandError(f"--host {host}: MLLP is unencrypted; only loopback is allowed")
        try:
            chosen = listener_practice(practice or settings.MEDOFFICE_HL7_LISTEN_PRACTICE)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            listener = MllpListener(
                practice=chosen,
                host=host,
                port=port,
                timeout=settings.MEDOFFICE_HL7_LISTEN_TIMEOUT_SECONDS,
                max_bytes=settings.MEDOFFICE_HL7_MAX_MESSAGE_BYTES,
            )
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        listener.start()
        bound_host, bound_port = listener.address
        self.stdout.write(f"HL7 listener on mllp://{bound_host}:{bound_port} for {chosen.name}")
        self.stdout.flush()
        stop.wait()
        self.stdout.write("HL7 listener stopping: finishing the messages in hand")
        listener.stop()
        self.stdout.write("HL7 listener stopped")
