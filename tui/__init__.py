"""ftpreflight's application layer: the command line, the Textual app and the provider clients."""

__version__ = "0.1.0"
