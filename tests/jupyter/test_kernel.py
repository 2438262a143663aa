"""Jupyter's conformance suite (jupyter_kernel_test) against `disco kernel`, an interrupt that
keeps the session, and figures and errors as a notebook sees them. Run by tests/jupyter.rs with
JUPYTER_PATH pointing at a freshly installed kernelspec."""

import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel


class DiscoKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "disco"
    language_name = "rhai"
    file_extension = ".rhai"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'eprint("a warning")'
    completion_samples = [
        {"text": "linsp", "matches": {"linspace"}},
        {"text": "kpm_dos(H, #{moments: 64, vec", "matches": {"vectors"}},  # option keys
        {"text": "let zz_var = 1; zz_v", "matches": set()},  # a variable exists after the cell only
    ]
    complete_code_samples = ["1 + 1", "let x = 2;", "fn f(a) { a * 2 }"]
    incomplete_code_samples = ["fn f(a) {", "let v = [1, 2,", "/* a comment"]
    invalid_code_samples = ["let = 5;", "1 +* 2"]
    code_page_something = "?linspace"
    code_generate_error = "undefined_function_xyz(1)"
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "[1, 2, 3].len()", "result": "3"},
    ]
    code_display_data = [
        {"code": "let f = figure(); f.line([0, 1, 2], [0, 1, 4]); f", "mime": "image/png"},
        {"code": "let g = figure(); g.line([0, 1], [1, 0]); g.show();", "mime": "image/svg+xml"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "linspace"
    code_clear_output = "clear_output(false);"


class SessionTests(unittest.TestCase):
    """What a user does in a notebook beyond the suite: variables across cells, an interrupt that
    stops a long loop and keeps them, errors with the cell's line and a caret."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="disco")

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()

    def run_cell(self, code, timeout=30):
        outputs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
        return reply, outputs

    def test_interrupt_keeps_the_session(self):
        reply, _ = self.run_cell("let kept = 41 + 1;")
        self.assertEqual(reply["content"]["status"], "ok")
        msg_id = self.kc.execute("let i = 0; loop { i += 1; }")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        deadline = time.time() + 20
        while True:
            msg = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        self.assertEqual(msg["content"]["status"], "error")
        self.assertIn("interrupted", msg["content"]["evalue"])
        reply, outputs = self.run_cell("kept")
        self.assertEqual(reply["content"]["status"], "ok")
        results = [o for o in outputs if o["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")

    def test_errors_name_the_cell_line_and_column(self):
        reply, outputs = self.run_cell("let a = 1;\nlet b = a + nope;")
        self.assertEqual(reply["content"]["status"], "error")
        tb = "\n".join(reply["content"]["traceback"])
        self.assertIn(":2:", tb)
        self.assertIn("^", tb)

    def test_progress_is_text_on_stderr_without_escape_codes(self):
        reply, outputs = self.run_cell('let p = progress(4, "steps"); for i in 0..4 { sleep(0.4); tick(p); } done(p);')
        self.assertEqual(reply["content"]["status"], "ok")
        text = "".join(o["content"]["text"] for o in outputs
                       if o["msg_type"] == "stream" and o["content"]["name"] == "stderr")
        self.assertIn("steps", text)
        self.assertIn("\r", text)
        self.assertNotIn("\x1b", text)

    def test_ndarrays_show_as_tables_and_print_goes_to_stdout(self):
        reply, outputs = self.run_cell('print("x"); ones([2, 3])')
        kinds = [o["msg_type"] for o in outputs]
        self.assertIn("stream", kinds)
        result = [o for o in outputs if o["msg_type"] == "execute_result"][0]
        self.assertIn("<table", result["content"]["data"]["text/html"])


if __name__ == "__main__":
    unittest.main()
