from django.core.management.base import BaseCommand

from medoffice.coding.selectors import release_list


class Command(BaseCommand):
    help = "List the code-set releases loaded and the dates each is in force."

    def handle(self, *args, **options):
        releases = list(release_list())
        if not releases:
            self.stdout.write("No code sets loaded: run `medoffice codes load-icd10`.")
        for release in releases:
            until = release.effective_until.isoformat() if release.effective_until else "(open)"
            self.stdout.write(
                f"{release.get_system_display():<15} {release.version:<12} "
                f"{release.effective_from} .. {until:<10}  {release.source}"
            )
