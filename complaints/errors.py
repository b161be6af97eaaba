"""Errors a user can act on: each names the file, row or column at fault."""


class ComplaintsError(Exception):
    """Base class: the CLI prints the message and exits with status 2."""


class InputFileError(ComplaintsError):
    """A file cannot be read or lacks a required column."""


class LibraryBusyError(ComplaintsError):
    """Another process holds the library lock for longer than we wait."""


class LibraryMissingError(ComplaintsError):
    """The library directory or a required artifact does not exist yet."""


class LibraryReadOnlyError(ComplaintsError):
    """A write to a library the user may only read (read-only mount, read permission only)."""
