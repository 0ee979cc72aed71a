from django.core.management.base import BaseCommand

from mulin.core import periodic


class Command(BaseCommand):
    help = "Run the periodic jobs that are due (for cron; Celery beat does the same every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--job", help="run only this job, if it is due")
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")

    def handle(self, *args, **options):
        if options["list"]:
            periodic._load_jobs()
            for job in sorted(periodic.JOBS.values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name}\tevery {job.every}")
            return
        ran = periodic.run_due(only=options.get("job"))
        if not ran:
            self.stdout.write("No job was due.")
        for name, result in ran.items():
            self.stdout.write(f"{name}: {result}")
