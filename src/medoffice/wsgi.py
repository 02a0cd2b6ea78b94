import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.settings")
application = get_wsgi_application()

# What start-up built (modules, settings, URL patterns, models) lives as long as the
# process: moved out of the collector's reach, so that the full collections a request now
# and then sets off no longer walk all of it again (measured: a quarter of a booking's
# CPU time in a process holding 200,000 objects, bench/scheduling.py).
gc.freeze()
