"""Detection-quality fixtures: a seeded generator of planted problems and look-alikes."""
