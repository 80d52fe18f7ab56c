"""The `edhub` console script: the project's manage.py, installed in .venv/bin/."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edhub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["edhub", *sys.argv[1:]])
