"""`jupyter console --kernel topiary`: a terminal session, fed on standard input."""

import subprocess
import unittest

import kernelspec

kernelspec.install()


class ConsoleSession(unittest.TestCase):

    def test_a_console_session_runs_cells_and_shows_results(self):
        cells = 'int answer = 6 * 7;\nSystem.out.println("answer=" + answer);\nanswer + 1\n'
        done = subprocess.run(["jupyter", "console", "--kernel", "topiary", "--simple-prompt"], input=cells,
                              capture_output=True, text=True, timeout=180)
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn("Topiary", done.stdout)
        self.assertIn("answer=42", done.stdout)
        self.assertIn("Out[3]: 43", done.stdout)


if __name__ == "__main__":
    unittest.main()
