"""python3 -m llmzip.cluster compress|decompress ... (see llmzip.cluster)."""
import sys

from llmzip.cluster import main

if __name__ == "__main__":
    sys.exit(main())
