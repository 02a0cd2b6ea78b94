"""For tests and benchmarks only: a test client signed in with both factors.

`Client.force_login` passes the password step; the session must also name the
device that passed the second one (AC-07), as django-otp's `login` records it.
"""

from django_otp import DEVICE_ID_SESSION_KEY

from medoffice.core.models import SealedTOTPDevice as TOTPDevice


def force_login_verified(client, user):
    """Sign `client` in as `user`, password and authenticator both taken as given."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
