"""The `complaints` command (entry point): the commands live in complaints/cli/, one module per group."""

from complaints.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
