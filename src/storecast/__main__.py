"""`python -m storecast`: the same CLI as the `storecast` script, for a venv whose bin/ is not on PATH."""

from storecast.cli import main

if __name__ == "__main__":
    main()
