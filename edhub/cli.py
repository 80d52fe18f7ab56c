"""The `edhub` console script: the project's manage.py, installed in .venv/bin/."""

import gc
import os
import sys


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
            gc.freeze()
            gc.enable()
            return command

    try:
        Utility(["edhub", *sys.argv[1:]]).execute()
    finally:
        gc.freeze()  # exiting: the interpreter's last collection need not scan all that is left
