from __future__ import annotations

from lsp_server.cli import main

raise SystemExit(main())
