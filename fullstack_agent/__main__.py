import sys

from fullstack_agent.cli import main

sys.exit(main())
