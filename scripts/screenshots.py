"""Take the documentation's screenshots from a fresh demo practice, in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py

Loads the demo into a throwaway MEDOFFICE_VAR_DIR, serves it on a free loopback
port, signs in as the demo's front desk and writes docs/day-board.png (the
busiest day of the demo schedule) and docs/week.png.
"""

import base64
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def busiest_day(env: dict) -> tuple[str, str, str]:
    """(location id, ISO day, provider id) of the demo's busiest day, read through Django."""
    code = (
        "import django; django.setup();"
        "from collections import Counter;"
        "from zoneinfo import ZoneInfo;"
        "from medoffice.scheduling.models import Appointment;"
        "c = Counter((a.location.public_id, a.starts_at.astimezone("
        "ZoneInfo(a.location.time_zone)).date(), a.provider.public_id)"
        " for a in Appointment.objects.select_related('location', 'provider'));"
        "(loc, day, prov), _ = c.most_common(1)[0]; print(loc, day.isoformat(), prov)"
    )
    out = subprocess.run([str(BIN / "python"), "-c", code], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout.split()  # fmt: skip
    return out[0], out[1], out[2]


def main() -> None:
    from django_otp.oath import TOTP
    from playwright.sync_api import sync_playwright

    synthetic = (ROOT / "src/medoffice/patients/synthetic.py").read_text()
    password = re.search(r'^DEMO_PASSWORD = "([^"]+)"', synthetic, re.M).group(1)

    var = tempfile.mkdtemp(prefix="medoffice-shots-")
    env = os.environ | {"MEDOFFICE_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "medoffice.settings",
                        "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    subprocess.run([str(BIN / "medoffice"), "demo", "--no-serve"], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    location, day, provider = busiest_day(env)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "medoffice"), "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, base_url=base)
            page.goto("/login/")
            page.fill("#id_username", "frontdesk")
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            # First sign-in of a demo login: set up the authenticator (AC-07) from the page.
            page.wait_for_url("**/login/authenticator/**")
            key = base64.b32decode(page.inner_text("#totp-secret")).hex()
            page.fill("#id_code", f"{TOTP(bytes.fromhex(key)).token():06d}")
            page.click("button[type=submit]")
            page.click("text=I have saved them")
            page.wait_for_url(lambda url: "/login/" not in url)
            page.goto(f"/schedule/?location={location}&day={day}")
            page.screenshot(path=str(ROOT / "docs" / "day-board.png"))
            page.goto(f"/schedule/week/?provider={provider}&location={location}&week={day}")
            page.screenshot(path=str(ROOT / "docs" / "week.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("wrote docs/day-board.png and docs/week.png")


if __name__ == "__main__":
    main()
