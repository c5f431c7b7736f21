from inbox.cli import main

raise SystemExit(main())
