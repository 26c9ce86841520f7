"""Allow ``python -m klshuttle``."""

from .cli import main

main()
