#!/usr/bin/env python
from edhub.cli import main

if __name__ == "__main__":
    main()
