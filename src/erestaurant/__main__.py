import sys

from erestaurant.cli import main

sys.exit(main())
