"""`python -m refusal_lint` runs the command-line interface."""

from refusal_lint.cli import main

if __name__ == "__main__":
    main()
