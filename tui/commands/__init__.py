"""One module per ``ftpreflight`` subcommand."""
