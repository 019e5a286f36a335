from clinicrec.cli import main

raise SystemExit(main())
