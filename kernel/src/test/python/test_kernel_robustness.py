"""The Topiary kernel under abuse, through a real Jupyter client: errors, interrupts, exits, memory, threads."""

import time
import unittest

from jupyter_client.manager import start_new_kernel

import kernelspec

kernelspec.install()


class KernelRobustness(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="topiary", startup_timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)

    def run_cell(self, code, timeout=60):
        """Executes code; returns the reply content and the cell's IOPub messages."""
        msg_id = self.kc.execute(code)
        return self.collect(msg_id, timeout)

    inbox = {}

    def collect(self, msg_id, timeout=60):
        """The reply and the IOPub messages (status excluded) of one request; others' are kept for later."""
        outputs = []
        while True:
            pending = self.inbox.get(msg_id)
            msg = pending.pop(0) if pending else self.kc.get_iopub_msg(timeout=timeout)
            parent = msg["parent_header"].get("msg_id")
            if parent != msg_id:
                self.inbox.setdefault(parent, []).append(msg)
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    break
                continue
            outputs.append(msg)
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"], outputs

    def stdout(self, outputs):
        return "".join(m["content"]["text"] for m in outputs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")

    def assert_alive(self):
        reply, outputs = self.run_cell("40 + 2")
        self.assertEqual("ok", reply["status"])
        result = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual("42", result[0]["content"]["data"]["text/plain"])

    def interrupt_after(self, code, seconds):
        """Runs code, interrupts it after the given seconds; returns the reply and the interrupt's latency."""
        msg_id = self.kc.execute(code)
        time.sleep(seconds)
        start = time.monotonic()
        self.km.interrupt_kernel()
        reply, outputs = self.collect(msg_id, timeout=30)
        return reply, outputs, time.monotonic() - start

    def test_a_throwing_cell_shows_the_users_line_first(self):
        reply, outputs = self.run_cell('int base = 1;\nInteger.parseInt("not a number");')
        self.assertEqual("error", reply["status"])
        self.assertEqual("NumberFormatException", reply["ename"])
        self.assertIn("Cell line 2", reply["traceback"][0])
        self.assertIn('Integer.parseInt("not a number")', reply["traceback"][0])
        self.assertEqual(["error"], [m["msg_type"] for m in outputs if m["msg_type"] != "execute_input"],
                         [m["content"] for m in outputs])
        self.assert_alive()

    def test_a_failure_inside_an_earlier_cells_method_names_that_cell_then_the_caller(self):
        reply, _ = self.run_cell('int twice(String s) {\n    int n = Integer.parseInt(s);\n    return 2 * n;\n}')
        self.assertEqual("ok", reply["status"])
        defined = reply["execution_count"]
        reply, _ = self.run_cell('int x = 1;\ntwice("nope");')
        self.assertEqual("error", reply["status"])
        self.assertIn("Cell [%d] line 2" % defined, reply["traceback"][0])
        self.assertIn("Integer.parseInt(s)", reply["traceback"][0])
        self.assertIn("Called from cell line 2", reply["traceback"][1])
        self.assertIn('twice("nope")', reply["traceback"][1])

    def test_an_endless_loop_is_interrupted_and_variables_survive(self):
        self.run_cell("String kept = \"still here\";")
        reply, _, latency = self.interrupt_after("while (true) { }", 2)
        self.assertEqual("error", reply["status"])
        self.assertEqual("Interrupted", reply["ename"])
        self.assertLess(latency, 10)
        reply, outputs = self.run_cell("kept")
        self.assertEqual("ok", reply["status"])
        self.assertEqual('"still here"', [m for m in outputs if m["msg_type"] == "execute_result"][0]
                         ["content"]["data"]["text/plain"])

    def test_a_long_progress_loop_is_interrupted_between_steps(self):
        code = ("for (int step = 0; step < 1_000_000; step++) {\n"
                "    Monitor.current().check(\"training\");\n"
                "    Monitor.current().report(new Progress(\"training\", step, 1_000_000, \"steps\", \"\"));\n"
                "    Thread.sleep(5);\n"
                "}")
        reply, outputs, latency = self.interrupt_after(code, 3)
        self.assertEqual("error", reply["status"])
        self.assertLess(latency, 10)
        self.assertTrue(any(m["msg_type"] == "display_data" for m in outputs), "a progress bar was shown")
        self.assert_alive()

    def test_real_training_is_interrupted_between_steps_and_the_model_survives(self):
        reply, _ = self.run_cell(
            'Model student = Model.random(dev.topiary.llama.LlamaPresets.tiny(), 1)\n'
            '    .withData(Corpus.embedded("train"), Corpus.embedded("validation"));\n'
            'Corpus.embedded("train").fingerprint();', timeout=600)  # builds the embedded corpus on first use
        self.assertEqual("ok", reply["status"], reply.get("traceback"))
        reply, outputs, latency = self.interrupt_after("Model trained = student.train(Training.steps(100_000));", 10)
        self.assertEqual("error", reply["status"])
        self.assertEqual("Interrupted", reply["ename"], reply["traceback"])
        self.assertLess(latency, 10)
        self.assertTrue(any(m["msg_type"] in ("display_data", "update_display_data") for m in outputs),
                        "training showed its progress")
        reply, outputs = self.run_cell("student.parameterCount() > 0")
        self.assertEqual("true", [m for m in outputs if m["msg_type"] == "execute_result"][0]
                         ["content"]["data"]["text/plain"])

    def test_an_out_of_memory_allocation_is_an_error(self):
        reply, _ = self.run_cell("long[] huge = new long[Integer.MAX_VALUE - 8];")
        self.assertEqual("error", reply["status"])
        self.assertEqual("OutOfMemoryError", reply["ename"])
        self.assert_alive()

    def test_prints_displays_and_clears_arrive_in_the_order_the_code_made_them(self):
        code = ('for (int i = 0; i < 15; i++) { System.out.println("p" + i); display("d" + i); }\n'
                'System.out.print("before"); clearOutput(); System.out.println("after");\n'
                'Thread worker = new Thread(() -> System.out.println("worker"));\n'
                'worker.start(); worker.join(); display("last");')
        expected = [item for i in range(15) for item in (("stream", "p%d\n" % i), ("display_data", "d%d" % i))]
        expected += [("stream", "before"), ("clear_output", None), ("stream", "after\nworker\n"),
                     ("display_data", "last")]
        for attempt in range(10):
            reply, outputs = self.run_cell(code)
            self.assertEqual("ok", reply["status"])
            seen = []
            for m in outputs:
                kind = m["msg_type"]
                if kind == "stream" and seen and seen[-1][0] == "stream":
                    # Consecutive stream pieces are one text to a frontend; the periodic flush may split a line.
                    seen[-1] = (kind, seen[-1][1] + m["content"]["text"])
                elif kind == "stream":
                    seen.append((kind, m["content"]["text"]))
                elif kind == "display_data":
                    seen.append((kind, m["content"]["data"]["text/plain"].strip('"')))
                elif kind == "clear_output":
                    seen.append((kind, None))
            self.assertEqual(expected, seen, "attempt %d" % attempt)

    def test_inspecting_a_method_name_shows_its_signatures(self):
        for code, cursor in (("Math.max", 8), ("Math.max", 7), ("int m = Math.max(1, 2);", 14)):
            msg_id = self.kc.inspect(code, cursor)
            while True:
                reply = self.kc.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            content = reply["content"]
            self.assertEqual("ok", content["status"])
            self.assertTrue(content["found"], (code, cursor))
            self.assertIn("int Math.max(int a, int b)", content["data"]["text/plain"])

    def test_output_from_a_background_thread_arrives(self):
        reply, outputs = self.run_cell(
            'Thread worker = new Thread(() -> System.out.println("from the worker"));\n'
            "worker.start();\nworker.join();")
        self.assertEqual("ok", reply["status"])
        self.assertIn("from the worker", self.stdout(outputs))

    def test_system_exit_does_not_end_the_kernel(self):
        reply, _ = self.run_cell("System.exit(1);")
        self.assertEqual("error", reply["status"])
        self.assertIn("System.exit(1)", reply["evalue"])
        self.assert_alive()

    def test_silent_store_history_and_user_expressions_are_honoured(self):
        reply, _ = self.run_cell("int counted = 1;")
        count = reply["execution_count"]
        msg_id = self.kc.execute("counted + 1", silent=True)
        reply, outputs = self.collect(msg_id)
        self.assertEqual("ok", reply["status"])
        self.assertEqual(count, reply["execution_count"], "a silent cell does not count")
        self.assertEqual([], [m["msg_type"] for m in outputs], "a silent cell publishes no input and no result")
        msg_id = self.kc.execute("counted + 2", store_history=False)
        reply, outputs = self.collect(msg_id)
        self.assertEqual(count, reply["execution_count"], "a cell kept out of history does not count")
        self.assertEqual("3", [m for m in outputs if m["msg_type"] == "execute_result"][0]
                         ["content"]["data"]["text/plain"])
        msg_id = self.kc.execute("counted = 5;", user_expressions={"doubled": "counted * 2", "bad": "nope"})
        reply, _ = self.collect(msg_id)
        self.assertEqual(count + 1, reply["execution_count"])
        self.assertEqual("10", reply["user_expressions"]["doubled"]["data"]["text/plain"])
        self.assertEqual("error", reply["user_expressions"]["bad"]["status"])

    def test_the_kernels_own_libraries_are_out_of_sight(self):
        reply, _ = self.run_cell("org.zeromq.ZMQ.class")
        self.assertEqual("error", reply["status"])
        self.assertIn("package org.zeromq does not exist", reply["evalue"])
        reply, _ = self.run_cell("io.github.spencerpark.jupyter.kernel.BaseKernel.class")
        self.assertEqual("error", reply["status"])

    def test_a_failure_aborts_the_cells_queued_behind_it(self):
        first = self.kc.execute('throw new RuntimeException("first fails");')
        second = self.kc.execute('System.out.println("must not run");')
        reply, _ = self.collect(first)
        self.assertEqual("error", reply["status"])
        reply, outputs = self.collect(second)
        self.assertEqual("aborted", reply["status"])
        self.assertNotIn("must not run", self.stdout(outputs))
        self.assert_alive()


if __name__ == "__main__":
    unittest.main()
