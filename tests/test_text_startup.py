"""Starting a process (banli help, a web worker) does not pay for scikit-learn (issue #18, item 6)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_banli_help_does_not_import_scikit_learn():
    code = (
        "import io, sys\n"
        "from contextlib import redirect_stdout\n"
        "from banli.__main__ import main\n"
        "sys.argv = ['banli', 'help']\n"
        "with redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('sklearn' in sys.modules, 'banli.textintel.services' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["False", "True"]
