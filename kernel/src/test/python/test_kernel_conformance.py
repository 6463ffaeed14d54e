"""Jupyter's kernel conformance suite (jupyter_kernel_test) against the Topiary kernel."""

import unittest

import jupyter_kernel_test

import kernelspec

kernelspec.install()


class TopiaryKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "topiary"
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("to stderr");'

    completion_samples = [
        {"text": "System.currentTimeMi", "matches": {"currentTimeMillis()"}},
        {"text": "Model.embeddedTe", "matches": {"embeddedTeacher(", "embeddedTeacherReport("}},
    ]

    complete_code_samples = ["1 + 1", "int x = 3;", "for (int i = 0; i < 3; i++) { x += i; }"]
    incomplete_code_samples = ["for (int i = 0; i < 3; i++) {", "int y = (1 +", "String s = \"abc\" +"]
    invalid_code_samples = ["int x = 3;)", "}"]

    code_generate_error = 'throw new IllegalStateException("expected in this test");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"to" + "piary"', "result": '"topiary"'},
        {"code": "Precision.INT8", "result": "INT8"},
    ]

    code_display_data = [
        {"code": 'display("shown");', "mime": "text/plain"},
    ]

    code_history_pattern = "6 * ?"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Model.embeddedTeacher("

    code_clear_output = 'System.out.println("soon gone"); clearOutput();'


if __name__ == "__main__":
    unittest.main()
