"""Placeholder until the apkg exporter lands; replaced whole by it."""

NAME, SUFFIX = "apkg", ".apkg"


def write(bank, out, **options):
    """Not written yet."""
    raise NotImplementedError("the apkg exporter is not written yet")
