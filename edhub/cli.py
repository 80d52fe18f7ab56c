"""The `edhub` console script: the project's manage.py, installed in .venv/bin/."""

import gc
import os
import resource
import sys

# Commands that run background jobs: each process is bounded in memory (settings.TASK_MAX_MEMORY_MB), so that a job
# asking for more fails cleanly (MemoryError, reported on its upload) instead of taking the machine down.
WORKER_COMMANDS = ("db_worker",)


def limit_memory(megabytes):
    """Bound this process' data segment (heap and anonymous maps, RLIMIT_DATA) to `megabytes`."""
    limit = megabytes * 1024 * 1024
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edhub.settings.dev")
    # Starting (Django's modules, the apps and their models, the command's module) allocates hundreds of thousands of
    # objects and frees almost none: the cyclic garbage collector would only scan them, again and again (a tenth of
    # the start-up). It is paused until the command runs, and what the start-up built is then set apart from its
    # passes (gc.freeze), for the command's own objects only.
    gc.disable()
    from django.core.management import ManagementUtility

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand):
            command = super().fetch_command(subcommand)
            if subcommand in WORKER_COMMANDS:
                from django.conf import settings

                limit_memory(settings.TASK_MAX_MEMORY_MB)
            gc.freeze()
            gc.enable()
            return command

    try:
        Utility(["edhub", *sys.argv[1:]]).execute()
    finally:
        gc.freeze()  # exiting: the interpreter's last collection need not scan all that is left
