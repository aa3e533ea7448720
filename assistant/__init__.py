"""Question answering over UN documents on trafficking in persons, cited by paragraph.

Importing the package does no work: models, indexes and corpora load on first use.
"""

__version__ = "0.1.0"
