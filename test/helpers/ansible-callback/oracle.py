# A stdout callback for ansible-playbook in the compatibility tests (test/helpers/ansible.ts): one JSON line per
# task result, {"task", "host", "status", "ignored"}. ansible-core from Debian ships no json callback (that one is
# in the ansible.posix collection), so the tests bring this one.
from __future__ import annotations

import json
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: oracle
    type: stdout
    short_description: one JSON line per task result
    description: one JSON line per task result, for provision's compatibility tests
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'oracle'

    def _line(self, result, status, ignored=False):
        sys.stdout.write(json.dumps({
            'task': result._task.get_name(), 'host': result._host.get_name(), 'status': status, 'ignored': ignored,
        }) + '\n')
        sys.stdout.flush()

    def v2_runner_on_ok(self, result):
        self._line(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._line(result, 'failed', bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._line(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        # ignore_unreachable: the host goes on (Ansible's strategy reads the task's keyword, as here).
        self._line(result, 'unreachable', bool(result._task.ignore_unreachable))
