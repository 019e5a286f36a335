"""Photos on screen: the strip, the comparison view, capture and import (issue 15)."""
