"""Start ClinicRec: ``python main.py`` is the same as the ``clinicrec`` command."""

from clinicrec.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
