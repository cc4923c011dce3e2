import sys

from .readme import README_SECTIONS, readme_block

sys.stdout.write("\n\n".join(readme_block(name) for name, _ in README_SECTIONS) + "\n")
