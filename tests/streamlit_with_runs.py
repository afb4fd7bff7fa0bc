"""``python tests/streamlit_with_runs.py run app.py ...``: Streamlit's command line, with the test session's
stored coverage runs (:mod:`coverage_runs`, folder in ``TOWERPLAN_TEST_COVERAGE_RUNS``) as the app's coverage
step, so that the browser tests' server reads a demo run the session has already computed instead of
computing it again. Without that variable it is plain ``python -m streamlit``."""

from __future__ import annotations

import os
import sys

from coverage_runs import install_from_env

if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # as under ``python -m streamlit``: the working folder, not tests/
    install_from_env()
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *sys.argv[1:]]
    main(prog_name="streamlit")
